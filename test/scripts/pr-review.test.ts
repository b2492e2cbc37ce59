/**
 * scripts/pr-review.mjs as CI runs it: the Markdown diff goes to $GITHUB_STEP_SUMMARY and to one PR comment on a
 * fake GitHub API (a local HTTP server on 127.0.0.1 that records requests), created on the first run and edited
 * on the next; the check step leaves a patch that `git apply` turns into the up-to-date out/.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, type CliResult } from '../helpers/fleet-repo.ts';
import { fixtureWithChange, type GitFixture } from '../helpers/git-fixture.ts';

const MARKER = '<!-- mcpfleet-diff -->';
const REPOSITORY = 'acme/fleet';
const PR = '7';
const TOKEN = 'test-token';

interface Comment {
  id: number;
  body: string;
}
interface RecordedRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

/** A fake of the three GitHub endpoints the script uses, paginated like GitHub (per_page, page). */
class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  comments: Comment[] = [];
  private nextId = 1000;
  private readonly server: Server = createServer((req, res) => void this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  reset(unrelated: number): void {
    this.requests.length = 0;
    this.comments = Array.from({ length: unrelated }, (_, i) => ({ id: i + 1, body: `LGTM ${i + 1}` }));
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = raw ? (JSON.parse(raw) as { body: string }) : undefined;
    this.requests.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
    const url = new URL(req.url!, 'http://127.0.0.1');
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { message: 'Bad credentials' });
    if (url.pathname === `/repos/${REPOSITORY}/issues/${PR}/comments` && req.method === 'GET') {
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      return send(200, this.comments.slice((page - 1) * perPage, page * perPage));
    }
    if (url.pathname === `/repos/${REPOSITORY}/issues/${PR}/comments` && req.method === 'POST') {
      const comment = { id: this.nextId++, body: body!.body };
      this.comments.push(comment);
      return send(201, comment);
    }
    const edit = /^\/repos\/acme\/fleet\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (edit && req.method === 'PATCH') {
      const comment = this.comments.find((c) => c.id === Number(edit[1]));
      if (!comment) return send(404, { message: 'Not Found' });
      comment.body = body!.body;
      return send(200, comment);
    }
    send(404, { message: 'Not Found' });
  }
}

let fixture: GitFixture;
let github: FakeGitHub;
let api: string;
let scratch: string;

beforeAll(async () => {
  ({ fixture } = await fixtureWithChange());
  github = new FakeGitHub();
  api = await github.start();
});
afterAll(async () => {
  await github?.stop();
  fixture?.dispose();
});
beforeEach(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'mcpfleet-pr-review-'));
  return () => rmSync(scratch, { recursive: true, force: true });
});

/** Runs the script with a clean environment: none of the runner's own GITHUB_* variables leak in. */
function review(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GITHUB_') && key !== 'PR_NUMBER' && key !== 'CI'));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO_ROOT, 'scripts/pr-review.mjs'), ...args, '--root', fixture.root],
      { cwd: REPO_ROOT, env: { ...base, NO_COLOR: '1', ...env }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const prEnv = () => ({ GITHUB_API_URL: api, GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: REPOSITORY, PR_NUMBER: PR });

describe('scripts/pr-review.mjs', () => {
  it('writes the markdown diff to the job summary', async () => {
    const summary = path.join(scratch, 'summary.md');
    writeFileSync(summary, '## earlier step\n');
    const result = await review(['diff'], { GITHUB_STEP_SUMMARY: summary });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('changes: diff written to the job summary');
    const written = readFileSync(summary, 'utf8');
    expect(written.startsWith('## earlier step\n')).toBe(true); // appended, as GitHub expects
    expect(written).toContain(MARKER);
    expect(written).toContain('**Customers: 1 added, 1 removed, 1 changed**');
    expect(written).toMatch(/<details><summary>➕ <b>delta<\/b>/);
    expect(written).toMatch(/<details><summary>➖ <b>charlie<\/b>/);
    expect(written).toMatch(/<details><summary>✏️ <b>bravo<\/b>/);
  });

  it('creates one PR comment, then edits it (PATCH) on the next run instead of adding another', async () => {
    github.reset(100); // our comment lands on page 2 of the listing
    const first = await review(['comment'], prEnv());
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('comment: created comment 1000 on #7');
    expect(github.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET /repos/${REPOSITORY}/issues/${PR}/comments?per_page=100&page=1`,
      `GET /repos/${REPOSITORY}/issues/${PR}/comments?per_page=100&page=2`,
      `POST /repos/${REPOSITORY}/issues/${PR}/comments`,
    ]);
    expect(github.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    const ours = () => github.comments.filter((c) => c.body.includes(MARKER));
    expect(ours()).toHaveLength(1);
    expect(ours()[0]!.body.startsWith(`${MARKER}\n### mcpfleet diff`)).toBe(true);
    expect(ours()[0]!.body).toContain('<b>delta</b>');
    expect(ours()[0]!.body).not.toContain('<b>echo</b>');

    // A later push adds another customer: the same comment is edited.
    fixture.writeCustomer('echo', { name: 'Echo', host: 'echo.example.com', mcpServers: [{ type: 'alertmanager', url: 'http://echo.example.com:9093' }] });
    github.requests.length = 0;
    try {
      const second = await review(['comment'], prEnv());
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('comment: edited comment 1000 on #7');
    } finally {
      fixture.removeCustomer('echo');
    }
    expect(github.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'PATCH']);
    expect(github.requests[2]!.url).toBe(`/repos/${REPOSITORY}/issues/comments/1000`);
    expect(github.comments).toHaveLength(101);
    expect(ours()).toHaveLength(1);
    expect(ours()[0]!.body).toContain('<b>echo</b>');
    expect(github.comments.slice(0, 100).every((c) => c.body.startsWith('LGTM'))).toBe(true);
  });

  it('posts nothing when there is no change and no earlier comment; fails clearly when the API refuses', async () => {
    github.reset(2);
    const quiet = await review(['comment', '--base', 'HEAD'], prEnv());
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toContain('no change and no earlier comment on #7; nothing posted');
    expect(github.requests.map((r) => r.method)).toEqual(['GET']);

    github.reset(0);
    const refused = await review(['comment'], { ...prEnv(), GITHUB_TOKEN: 'wrong' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('answered 401');
    expect(github.comments).toHaveLength(0);

    const missing = await review(['comment'], { GITHUB_API_URL: api, GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: REPOSITORY });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no pull request number');
  });

  it('check: on drift fails and writes the patch that git apply turns into the generated out/', async () => {
    const compose = path.join(fixture.root, 'out/docker-compose.mcps.yml');
    const runtime = path.join(fixture.root, 'out/mcp_servers.json');
    writeFileSync(compose, readFileSync(compose, 'utf8').replaceAll('unless-stopped', 'always'));
    rmSync(runtime);
    const patch = path.join(scratch, 'fix.patch');
    const summary = path.join(scratch, 'summary.md');
    try {
      const drift = await review(['check', '--patch', patch], { GITHUB_STEP_SUMMARY: summary });
      expect(drift.code).toBe(1);
      expect(drift.stderr).toContain(`The patch that fixes it: ${patch}`);
      expect(readFileSync(summary, 'utf8')).toContain('out/ is out of date');
      const text = readFileSync(patch, 'utf8');
      expect(text).toContain('--- a/out/docker-compose.mcps.yml');
      expect(text).toContain('+    restart: "unless-stopped"');
      expect(text).toContain('+++ b/out/mcp_servers.json');
      fixture.git('apply', patch);
      expect(fixture.git('status', '--porcelain')).toBe('');
      const clean = await review(['check', '--patch', path.join(scratch, 'none.patch')]);
      expect(clean.code).toBe(0);
      expect(existsSync(path.join(scratch, 'none.patch'))).toBe(false);
    } finally {
      fixture.git('checkout', '--', 'out');
    }
  });
});
