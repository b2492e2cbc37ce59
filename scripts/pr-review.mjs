#!/usr/bin/env zx
/**
 * The pull-request checks, run the same way locally and in CI (.github/workflows/pr.yml only calls this):
 *
 *   node scripts/pr-review.mjs [step…] [--root DIR] [--base REF] [--patch FILE] [--pr N]
 *
 * Steps, in this order (default: all of them; comment only where there is a pull request):
 *   validate  schema and cross-customer checks (cli/validate.ts)
 *   check     generate --check; when out/ drifted, writes the patch that brings it up to date to --patch
 *             (default: <tmp>/mcpfleet-out.patch; apply with `git apply`) and fails
 *   test      the test suite: `pnpm test`; on GitHub Actions `.ci/run`, which first installs the system packages
 *             the tests need on the fresh runner
 *   diff      the Markdown diff (cli/diff.ts --format markdown) appended to $GITHUB_STEP_SUMMARY (printed when unset)
 *   comment   the same Markdown as one PR comment, found again by the hidden marker <!-- mcpfleet-diff --> and
 *             edited on later pushes (never duplicated); not created when nothing changed
 *
 * Every step runs even when an earlier one failed (a PR whose out/ drifted still gets its diff); the exit code
 * is 1 when any step failed.
 *
 * The comment step talks to the GitHub REST API at $GITHUB_API_URL (default https://api.github.com) with
 * $GITHUB_TOKEN, $GITHUB_REPOSITORY (owner/name) and the PR number (--pr, $PR_NUMBER, or the event payload at
 * $GITHUB_EVENT_PATH). The base of the diff is --base, else origin/$GITHUB_BASE_REF on a PR, else diff's default.
 */
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { $ } from 'zx';

/** The marker that identifies this tool's PR comment. */
const MARKER = '<!-- mcpfleet-diff -->';
const STEPS = ['validate', 'check', 'test', 'diff', 'comment'];
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TSX = path.join(REPO, 'node_modules/.bin/tsx');
/** Pages of 100 comments read at most while looking for the previous comment (bounded loop). */
const MAX_COMMENT_PAGES = 50;
const HTTP_TIMEOUT_MS = 30_000;

$.verbose = false;

const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        root: { type: 'string' },
        base: { type: 'string' },
        patch: { type: 'string' },
        pr: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
})();

if (values.help) {
  console.log(`usage: node scripts/pr-review.mjs [${STEPS.join('|')}]… [--root DIR] [--base REF] [--patch FILE] [--pr N]`);
  process.exit(0);
}
const unknown = positionals.filter((step) => !STEPS.includes(step));
if (unknown.length > 0) {
  console.error(`unknown step ${unknown.join(', ')}; steps: ${STEPS.join(', ')}`);
  process.exit(1);
}
const explicit = positionals.length > 0;
const requested = explicit ? STEPS.filter((step) => positionals.includes(step)) : STEPS;
const root = path.resolve(values.root ?? process.cwd());
const env = process.env;

/** The Markdown diff, computed once per run: { code, markdown, stderr }. */
let diffResult;

const steps = {
  async validate() {
    const run = await $({ cwd: REPO, stdio: 'inherit', nothrow: true })`${TSX} cli/validate.ts --root ${root}`;
    return run.exitCode === 0;
  },

  async check() {
    const run = await $({ cwd: REPO, stdio: 'inherit', nothrow: true })`${TSX} cli/generate.ts --check --root ${root}`;
    if (run.exitCode === 0) return true;
    const patchFile = path.resolve(values.patch ?? path.join(os.tmpdir(), 'mcpfleet-out.patch'));
    const patch = await driftPatch();
    if (patch === null) {
      console.error('generate failed, so there is no patch to offer; fix the problems above first');
      return false;
    }
    await mkdir(path.dirname(patchFile), { recursive: true });
    await writeFile(patchFile, patch);
    console.error(`out/ is not what customers/ generate. The patch that fixes it: ${patchFile}\n  apply it with: git apply ${patchFile}   (or run pnpm generate) and commit out/`);
    await summary(`### mcpfleet: out/ is out of date\n\nout/ is not what customers/ and fleet.config.ts generate. Run \`pnpm generate\` and commit out/, or apply the patch from this run's artifacts with \`git apply\`.\n\n`);
    return false;
  },

  async test() {
    const run = env.GITHUB_ACTIONS === 'true'
      ? await $({ cwd: REPO, stdio: 'inherit', nothrow: true })`.ci/run`
      : await $({ cwd: REPO, stdio: 'inherit', nothrow: true })`pnpm test`;
    return run.exitCode === 0;
  },

  async diff() {
    const { code, markdown, stderr } = await markdownDiff();
    if (code === 1) {
      console.error(stderr);
      await summary(`### mcpfleet diff\n\nThe diff failed:\n\n\`\`\`\n${stderr.trim()}\n\`\`\`\n`);
      return false;
    }
    if (env.GITHUB_STEP_SUMMARY) {
      await summary(markdown);
      console.log(`${code === 2 ? 'changes' : 'no change'}: diff written to the job summary`);
    } else console.log(markdown);
    return true;
  },

  async comment() {
    const context = prContext();
    if (typeof context === 'string') {
      if (explicit) {
        console.error(`comment: ${context}`);
        return false;
      }
      console.log(`comment skipped: ${context}`);
      return true;
    }
    const { code, markdown, stderr } = await markdownDiff();
    if (code === 1) {
      console.error(`comment: the diff failed, nothing posted\n${stderr}`);
      return false;
    }
    const outcome = await upsertComment(context, markdown, code === 2);
    console.log(`comment: ${outcome}`);
    return true;
  },
};

/** Runs cli/diff.ts once and keeps its Markdown, prefixed with the marker. */
async function markdownDiff() {
  if (!diffResult) {
    const base = values.base ?? (env.GITHUB_BASE_REF ? `origin/${env.GITHUB_BASE_REF}` : undefined);
    const args = ['cli/diff.ts', '--format', 'markdown', '--root', root, ...(base ? ['--base', base] : [])];
    const run = await $({ cwd: REPO, nothrow: true, env: { ...env, NO_COLOR: '1' } })`${TSX} ${args}`;
    diffResult = { code: run.exitCode, markdown: `${MARKER}\n${run.stdout}`, stderr: run.stderr };
  }
  return diffResult;
}

/**
 * The patch that turns out/ into what generate writes: out/ is copied twice into a scratch folder, one copy is
 * regenerated, and `git diff --no-index` compares the two as a/out and b/out, so the patch applies with
 * `git apply` at the repo root. Null when generate itself fails.
 */
async function driftPatch() {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'mcpfleet-drift-'));
  try {
    const out = path.join(root, 'out');
    for (const side of ['a', 'b']) {
      const target = path.join(scratch, side, 'out');
      if (existsSync(out)) await cp(out, target, { recursive: true });
      else await mkdir(target, { recursive: true });
    }
    const generate = await $({ cwd: REPO, nothrow: true, env: { ...env, NO_COLOR: '1' } })`${TSX} cli/generate.ts --root ${root} --out ${path.join(scratch, 'b', 'out')}`;
    if (generate.exitCode !== 0) return null;
    const diff = await $({ cwd: scratch, nothrow: true })`git diff --no-index --binary --no-prefix --no-color --no-ext-diff a/out b/out`;
    return diff.exitCode === 1 ? diff.stdout : diff.exitCode === 0 ? '' : null;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function summary(markdown) {
  if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
}

/** What the comment step needs, or why it cannot run. */
function prContext() {
  const token = env.GITHUB_TOKEN;
  const repository = env.GITHUB_REPOSITORY;
  let number = values.pr ?? env.PR_NUMBER;
  if (!number && env.GITHUB_EVENT_PATH && existsSync(env.GITHUB_EVENT_PATH)) {
    try {
      const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
      number = String(event.pull_request?.number ?? event.number ?? '');
    } catch {
      // An unreadable event payload is the same as none.
    }
  }
  if (!number) return 'no pull request number (--pr, PR_NUMBER or a pull_request event)';
  if (!/^\d+$/.test(String(number))) return `pull request number "${number}" is not a number`;
  if (!token) return 'GITHUB_TOKEN is not set';
  if (!repository || !/^[^/\s]+\/[^/\s]+$/.test(repository)) return 'GITHUB_REPOSITORY (owner/name) is not set';
  return { api: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''), token, repository, number: String(number) };
}

/** Edits the PR's marked comment, or creates it; no new comment when nothing changed. Returns what it did. */
async function upsertComment({ api, token, repository, number }, body, changed) {
  const request = async (method, url, payload) => {
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'mcpfleet-pr-review',
        ...(payload && { 'content-type': 'application/json' }),
      },
      ...(payload && { body: JSON.stringify(payload) }),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  };

  let existing;
  for (let page = 1; page <= MAX_COMMENT_PAGES && !existing; page += 1) {
    const comments = await request('GET', `${api}/repos/${repository}/issues/${number}/comments?per_page=100&page=${page}`);
    if (!Array.isArray(comments)) throw new Error('listing comments did not return a list');
    existing = comments.find((c) => typeof c.body === 'string' && c.body.includes(MARKER));
    if (comments.length < 100) break;
  }
  if (existing) {
    await request('PATCH', `${api}/repos/${repository}/issues/comments/${existing.id}`, { body });
    return `edited comment ${existing.id} on #${number}`;
  }
  if (!changed) return `no change and no earlier comment on #${number}; nothing posted`;
  const created = await request('POST', `${api}/repos/${repository}/issues/${number}/comments`, { body });
  return `created comment ${created?.id} on #${number}`;
}

const results = [];
for (const step of requested) {
  console.log(`\n── ${step}`);
  let ok;
  try {
    ok = await steps[step]();
  } catch (error) {
    console.error(`${step}: ${error.message}`);
    ok = false;
  }
  results.push({ step, ok });
}
console.log(`\n${results.map(({ step, ok }) => `${ok ? '✓' : '✗'} ${step}`).join('  ')}`);
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
