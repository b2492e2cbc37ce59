/**
 * Every command in the README and docs/*.md is checked, so a doc cannot drift from the code:
 *
 *   (a) its program exists: a package.json script, a file of the repository, a tool in node_modules/.bin, or a known
 *       system tool (test/docs/commands.ts);
 *   (b) every --flag it passes is listed by that command's --help (run once per command, with tsx/zx/node directly,
 *       not through pnpm); benchmarks, which have no --help, name the flag in their source;
 *   (c) the safe ones run, in order, in a temporary copy of the repository (RUN below): the README's first-customer
 *       flow, validation, generation, the secrets scripts' dry runs and `pnpm diff` with its documented exit code.
 *
 * Commands that need Docker, a cluster or the network are checked by (a) and (b) only; ELSEWHERE lists, for each
 * kind, the test that runs it for real. Commands are read from fenced blocks (sh/bash/shell, and the `$ ` lines of
 * plain and console blocks) and from inline code spans that start with pnpm, node scripts/, zx, tsx, npx or
 * node_modules/.bin/. A block marked `<!-- docs-check: skip (reason) -->` is left out.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flagInHelp, flagInSource, hasNoHelp, packageScripts, resolveLine, UnresolvedCommand, type Target } from './commands.ts';
import { type DocCommand, readDocs, REPO_ROOT } from './markdown.ts';

const TSX = path.join(REPO_ROOT, 'node_modules/.bin/tsx');
const ZX = path.join(REPO_ROOT, 'node_modules/.bin/zx');

/**
 * (c) Run here, in this order, in one temporary copy of the repository. Each entry names the doc and matches one of
 * its commands; the doc's own text is what runs (`bash -c`, with a `pnpm` that runs package.json scripts directly).
 */
interface RunSpec {
  doc: string;
  match: RegExp;
  exit: number;
  /** What to do before the next step (as the doc tells the reader). */
  after?: (repo: string) => void;
  /** More to assert on the result (checked once every step has run). */
  check?: (result: RunResult, repo: string) => void;
}

const RUN: RunSpec[] = [
  {
    doc: 'README.md',
    match: /^pnpm new-customer acme-eu /,
    exit: 0,
    check: (result) => expect(result.stdout).toContain('GRAFANA_TOKEN_ACME_EU'),
    after: (repo) => {
      if (!existsSync(path.join(repo, 'customers/acme-eu.ts'))) throw new Error('pnpm new-customer wrote no customers/acme-eu.ts');
      // "edit it like any other": the README's version of the file replaces the generated one.
      writeFileSync(path.join(repo, 'customers/acme-eu.ts'), readmeCustomerFile());
    },
  },
  { doc: 'README.md', match: /^pnpm generate$/, exit: 0, check: (_, repo) => expect(readFileSync(path.join(repo, 'out/mcp_servers.json'), 'utf8')).toContain('GATEWAY_TOKEN_ACME_EU') },
  { doc: 'README.md', match: /^pnpm generate --check$/, exit: 0 },
  {
    doc: 'README.md',
    match: /^cp out\/env\/mcp_credentials\.env\.example mcp_credentials\.env$/,
    exit: 0,
    // "then fill in the values": every variable gets a stand-in value, as an operator's file has.
    after: (repo) => {
      const file = path.join(repo, 'mcp_credentials.env');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^([A-Z][A-Z0-9_]*)=$/gm, '$1=docs-check-value'));
    },
  },
  { doc: 'docs/customers.md', match: /^pnpm validate$/, exit: 0 },
  { doc: 'docs/kubernetes.md', match: /k8s-secrets\.mjs --env-file mcp_credentials\.env --dry-run$/, exit: 0, check: (r) => expect(r.stdout).toContain('kubectl create secret generic mcp-credentials -n mcp-acme-eu') },
  { doc: 'docs/operating.md', match: /swarm-secrets\.mjs --env-file mcp_credentials\.env --dry-run$/, exit: 0, check: (r) => expect(r.stdout).toContain('mcp-acme-eu_GRAFANA_TOKEN_ACME_EU') },
  // On main with a new customer not yet committed: "2 changes".
  { doc: 'README.md', match: /^pnpm diff$/, exit: 2, check: (r) => expect(r.stdout).toContain('+ acme-eu') },
  {
    doc: 'docs/review.md',
    match: /--format json > diff\.json$/,
    exit: 2,
    check: (_, repo) => expect(JSON.stringify(JSON.parse(readFileSync(path.join(repo, 'diff.json'), 'utf8')))).toContain('acme-eu'),
  },
];

/**
 * Commands that need Docker, a cluster, a running agent or the network: checked here by (a) and (b) only, and run
 * for real by the test named (or, where none can, why not). The first entry that matches a command applies.
 */
const ELSEWHERE: { match: RegExp; by: string }[] = [
  { match: /--target swarm|^docker (swarm|stack|node|service|secret)\b|^MCPFLEET_AGENT_CONFIG_DIGEST=|swarm-secrets\.mjs|swarm:secrets|^set -a/, by: 'test/swarm/swarm-e2e.test.ts' },
  { match: /^(pnpm manage|zx scripts\/manage\.mjs)\b/, by: 'test/manage/manage-e2e.test.ts' },
  { match: /k8s-secrets\.mjs/, by: 'test/generators/kubernetes-secrets-script.test.ts' },
  { match: /^kubectl kustomize/, by: 'test/generators/kubernetes.test.ts' },
  { match: /kubectl /, by: 'none: needs a cluster (the manifests are validated offline by test/generators/kubernetes.test.ts)' },
  { match: /docker-compose\.agent-replicas\.yml|AGENT_SESSION_SECRET=/, by: 'test/generators/outputs.test.ts (docker-compose config of the override); replicas behind HAProxy: test/runtime/replicas-haproxy.test.ts' },
  { match: /^pnpm build:agent|^docker (build|run)\b/, by: 'test/manage/manage-e2e.test.ts (builds and runs the agent image)' },
  { match: /\/customers\/[^/ ]+\/(mcp|sse)\b.*--method|mcp-inspector-cli/, by: 'test/runtime/gateway-alertmanager.test.ts' },
  { match: /tools\/conformance|^HOME=\$\(mktemp -d\)/, by: 'test/runtime/conformance.test.ts' },
  { match: /^curl .*\/customers\//, by: 'test/runtime/gateway.test.ts' },
  { match: /^curl /, by: 'test/runtime/api.test.ts' },
  { match: /pnpm agent|runtime\/main\.ts/, by: 'test/runtime/api.test.ts (the runtime as a process; its flags: test/runtime/config.test.ts)' },
  { match: /^pnpm bench|bench\.ts/, by: 'none: benchmarks are run by hand; their flags are checked against their source' },
  { match: /^(npm i|npm ci|pnpm install|pnpm test$|npx vitest)/, by: '.ci/run (set-up and the whole suite)' },
  { match: /^claude |^npx mcp-remote/, by: 'none: clients of other vendors, not installed here' },
  { match: /^docker /, by: 'test/manage/manage-e2e.test.ts' },
];

/** Whether a resolved command needs more than this machine's files (so it must be listed in ELSEWHERE). */
function needsEnvironment(targets: Target[]): boolean {
  return targets.some((t) => {
    if (t.kind === 'system') return ['docker', 'docker-compose', 'dockerd', 'kubectl', 'curl', 'claude', 'npx mcp-remote', 'prometheus', 'haproxy'].includes(t.name) || (t.name === 'pnpm' && t.via.includes('install'));
    if (t.kind === 'script') return t.file === 'scripts/manage.mjs' || t.file === 'scripts/swarm-secrets.mjs' || t.file === 'scripts/k8s-secrets.mjs' || t.file === 'runtime/main.ts' || hasNoHelp(t.file) || t.file === 'scripts/run-tests.mjs';
    if (t.kind === 'bin') return t.name === 'mcp-inspector-cli' || t.name === 'vitest' || t.name === 'esbuild';
    return t.kind === 'path' && t.file.startsWith('tools/conformance/');
  });
}

/**
 * Flags documented ahead of the code, or that a command reads but its --help does not list yet. Each is
 * reported; a flag here that --help has started to list is checked normally.
 */
const KNOWN_GAPS: { file: string; flag: string; why: string }[] = [];

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

const corpus = readDocs();
const scripts = packageScripts(REPO_ROOT);

interface Checked {
  command: DocCommand;
  targets: Target[];
}

const checked: Checked[] = [];
const unresolved: string[] = [];
for (const command of corpus.commands) {
  try {
    checked.push({ command, targets: resolveLine(REPO_ROOT, command.text, command.vars, scripts) });
  } catch (error) {
    if (!(error instanceof UnresolvedCommand) && !(error instanceof Error && /unterminated/.test(error.message))) throw error;
    unresolved.push(`${where(command)}: ${command.text}\n    ${(error as Error).message}`);
  }
}

function where(command: DocCommand): string {
  return `${command.file}:${command.line}`;
}

/** The README's customer file, as printed in "A first customer". */
function readmeCustomerFile(): string {
  const block = corpus.blocks.find((b) => b.file === 'README.md' && b.lang === 'ts' && b.lines[0]?.trim() === '// customers/acme-eu.ts');
  if (!block) throw new Error('README.md: the first-customer example (a ts block starting with // customers/acme-eu.ts) is gone');
  return `${block.lines.join('\n')}\n`;
}

function exec(file: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env }, timeout: 60_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** `--help` of every script the docs pass flags to, once each, two at a time (the machines have 2 cores). */
async function collectHelp(targets: Extract<Target, { kind: 'script' }>[]): Promise<Map<string, RunResult>> {
  const unique = new Map(targets.map((t) => [`${t.runner} ${t.file}`, t]));
  const help = new Map<string, RunResult>();
  const queue = [...unique.entries()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [key, t] = next;
      const program = t.runner === 'tsx' ? TSX : t.runner === 'zx' ? ZX : process.execPath;
      help.set(key, await exec(program, [path.join(REPO_ROOT, t.file), '--help'], REPO_ROOT));
    }
  };
  await Promise.all([worker(), worker()]);
  return help;
}

/** A copy of the repository: its own customers/, out/, fleet.config.ts and git history; everything else linked. */
function makeRepo(): string {
  const repo = mkdtempSync(path.join(tmpdir(), 'mcpfleet-docs-'));
  const own = new Set(['customers', 'out', 'fleet.config.ts', '.git', '.mcpfleet-cache', '.mcpfleet-local', '.scratch', 'mcp_credentials.env', 'diff.json']);
  for (const entry of readdirSync(REPO_ROOT)) {
    if (own.has(entry)) continue;
    // git does not follow a symlinked .gitignore or .gitattributes: copy the dotfiles git reads.
    if (entry === '.gitignore' || entry === '.gitattributes') copyFileSync(path.join(REPO_ROOT, entry), path.join(repo, entry));
    else symlinkSync(path.join(REPO_ROOT, entry), path.join(repo, entry));
  }
  cpSync(path.join(REPO_ROOT, 'customers'), path.join(repo, 'customers'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'out'), path.join(repo, 'out'), { recursive: true });
  copyFileSync(path.join(REPO_ROOT, 'fleet.config.ts'), path.join(repo, 'fleet.config.ts'));
  // The generation cache, when there is one, saves loading every customer file afresh; a stale or damaged one is
  // ignored by the CLIs (docs/incremental-generation.md).
  if (existsSync(path.join(REPO_ROOT, '.mcpfleet-cache'))) cpSync(path.join(REPO_ROOT, '.mcpfleet-cache'), path.join(repo, '.mcpfleet-cache'), { recursive: true });
  // `pnpm <script>` as pnpm runs it (the script's command with node_modules/.bin on PATH), without pnpm's start-up.
  const bin = path.join(repo, '.docs-check-bin');
  mkdirSync(bin);
  writeFileSync(
    path.join(bin, 'pnpm'),
    `#!/usr/bin/env bash
if [ "$1" = exec ]; then shift; exec "$@"; fi
script=$(node -e 'const s = require(process.argv[1]).scripts[process.argv[2]]; if (!s) process.exit(3); console.log(s)' "$PWD/package.json" "$1") || { echo "no script $1" >&2; exit 1; }
shift
exec bash -c "$script"' "$@"' pnpm "$@"
`,
    { mode: 0o755 },
  );
  const git = (...args: string[]) => execFileSyncQuiet('git', ['-c', 'user.name=docs-check', '-c', 'user.email=docs@localhost', '-c', 'commit.gpgsign=false', ...args], repo);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  return repo;
}

function execFileSyncQuiet(file: string, args: string[], cwd: string): void {
  const result = spawnSync(file, args, { cwd, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} failed in ${cwd}`);
}

function runInRepo(repo: string, text: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', text], {
      cwd: repo,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', PATH: `${path.join(repo, '.docs-check-bin')}:${path.join(REPO_ROOT, 'node_modules/.bin')}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

const scriptTargets = checked.flatMap((c) => c.targets).filter((t): t is Extract<Target, { kind: 'script' }> => t.kind === 'script');
const needHelp = scriptTargets.filter((t) => !hasNoHelp(t.file) && (t.flags.length > 0 || t.via.includes('--help')));

interface Step {
  spec: RunSpec;
  command?: DocCommand;
  result?: RunResult;
  error?: string;
}

/** Runs RUN in order in a fresh copy of the repository; a step whose doc command is gone is recorded, not run. */
async function runSteps(): Promise<Step[]> {
  repo = makeRepo();
  const steps: Step[] = [];
  for (const spec of RUN) {
    const command = corpus.commands.find((c) => c.file === spec.doc && c.source !== 'inline' && spec.match.test(c.text));
    if (!command) {
      steps.push({ spec, error: `${spec.doc} no longer has a command matching ${spec.match}; update RUN in test/docs/docs-commands.test.ts` });
      continue;
    }
    const started = performance.now();
    const result = await runInRepo(repo, command.text);
    timings.push(`${((performance.now() - started) / 1000).toFixed(1)} s  ${command.text}`);
    try {
      spec.after?.(repo);
      steps.push({ spec, command, result });
    } catch (error) {
      steps.push({ spec, command, result, error: (error as Error).message });
    }
  }
  return steps;
}

const timings: string[] = [];
let helpPromise: Promise<Map<string, RunResult>>;
let stepsPromise: Promise<Step[]>;
let repo: string | undefined;

beforeAll(() => {
  // Both start at once and overlap (the --help runs are short, the steps mostly wait for one CLI at a time).
  helpPromise = collectHelp(needHelp);
  stepsPromise = runSteps();
  helpPromise.catch(() => {});
  stepsPromise.catch(() => {});
});

afterAll(async () => {
  await stepsPromise?.catch(() => {});
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe('commands in the README and docs/', () => {
  it('finds the commands (the README has its set-up, first customer, local fleet and review)', () => {
    expect(corpus.commands.length).toBeGreaterThan(100);
    const readme = corpus.commands.filter((c) => c.file === 'README.md' && c.source === 'block').map((c) => c.text);
    expect(readme).toEqual(expect.arrayContaining(['pnpm test', 'pnpm generate', 'pnpm manage up --wait', 'pnpm manage status', 'pnpm diff']));
  });

  it('(a) every program exists: a package.json script, a file of the repository, an installed tool or a known system tool', () => {
    expect(unresolved, `commands that do not resolve:\n${unresolved.join('\n')}`).toEqual([]);
  });

  it('(b) every flag is listed by its command\'s --help (benchmarks: named in their source)', { timeout: 240_000 }, async () => {
    const help = await helpPromise;
    const problems: string[] = [];
    for (const [key, result] of help) {
      if (result.code !== 0 || !/usage/i.test(result.stdout)) problems.push(`${key} --help: exit ${result.code}, no usage printed\n${result.stderr.slice(0, 400)}`);
    }
    const gapsUsed = new Set<string>();
    for (const { command, targets } of checked) {
      for (const target of targets) {
        if (target.kind !== 'script' || target.flags.length === 0) continue;
        const source = readFileSync(path.join(REPO_ROOT, target.file), 'utf8');
        for (const flag of target.flags) {
          // --help itself is proven by running it.
          if (flag === '--help' || flag === '-h') continue;
          if (hasNoHelp(target.file)) {
            if (!flagInSource(source, flag)) problems.push(`${where(command)}: ${command.text}\n    ${flag}: ${target.file} has no --help and does not name ${flag} in its source`);
            continue;
          }
          const text = help.get(`${target.runner} ${target.file}`)?.stdout ?? '';
          if (flagInHelp(text, flag)) continue;
          const gap = KNOWN_GAPS.find((g) => g.file === target.file && g.flag === flag);
          if (gap) {
            gapsUsed.add(`${gap.file} ${gap.flag}: ${gap.why}`);
            continue;
          }
          problems.push(`${where(command)}: ${command.text}\n    ${flag} is not in the usage of ${target.runner} ${target.file} --help`);
        }
        // `generate --only NAMES`: each name must be a generator its --help lists.
        const only = /--only[= ]([\w,-]+)/.exec(command.text)?.[1];
        if (target.file === 'cli/generate.ts' && only) {
          const text = help.get(`${target.runner} ${target.file}`)?.stdout ?? '';
          for (const name of only.split(',')) if (!new RegExp(`^\\s+${name}\\s`, 'm').test(text)) problems.push(`${where(command)}: ${command.text}\n    ${name} is not a generator (pnpm generate --help)`);
        }
      }
    }
    if (gapsUsed.size > 0) console.warn(`docs check, known gaps (flags documented but not in --help):\n  ${[...gapsUsed].join('\n  ')}`);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('every command that needs Docker, a cluster or the network is listed with the test that runs it for real', () => {
    const missing: string[] = [];
    const byTest = new Map<string, number>();
    for (const { command, targets } of checked) {
      if (RUN.some((spec) => spec.doc === command.file && spec.match.test(command.text))) continue;
      if (!needsEnvironment(targets)) continue;
      const entry = ELSEWHERE.find((e) => e.match.test(command.text));
      if (!entry) missing.push(`${where(command)}: ${command.text}`);
      else byTest.set(entry.by, (byTest.get(entry.by) ?? 0) + 1);
    }
    const flagged = checked.filter((c) => c.targets.some((t) => t.kind === 'script' && t.flags.length > 0));
    console.log(
      `docs check: ${corpus.commands.length} commands (${checked.length} resolved), ${flagged.length} with flags checked against --help or source, ` +
        `${RUN.length} run here; needing Docker/a cluster/the network, by the test that runs them:\n  ${[...byTest].map(([by, n]) => `${n}  ${by}`).join('\n  ')}`,
    );
    expect(missing, `add these to ELSEWHERE in test/docs/docs-commands.test.ts, with the test that runs them:\n${missing.join('\n')}`).toEqual([]);
    for (const { by } of ELSEWHERE) {
      const file = /^(test\/\S+|\.ci\/run)/.exec(by)?.[1];
      if (file) expect(existsSync(path.join(REPO_ROOT, file)), `${by} does not exist`).toBe(true);
    }
  });

  it('(c) the safe commands run as documented in a copy of the repository', { timeout: 240_000 }, async () => {
    const steps = await stepsPromise;
    console.log(`docs check, steps run:\n  ${timings.join('\n  ')}`);
    for (const { spec, command, result, error } of steps) {
      expect(command, error).toBeDefined();
      const label = `${where(command!)}: ${command!.text}`;
      expect(result!.code, `${label}\nexit ${result!.code}, expected ${spec.exit}\n${result!.stdout.slice(-2000)}\n${result!.stderr.slice(-2000)}`).toBe(spec.exit);
      expect(error, label).toBeUndefined();
      spec.check?.(result!, repo!);
    }
  });
});
