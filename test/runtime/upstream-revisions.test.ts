/**
 * The runtime's upstream side on both MCP revisions: McpConnection (SDK v2 client, version negotiation `auto`) against
 * a 2026-07-28 server (SDK v2 stateless fixture), the real mcp-alertmanager binary (a 2025 server), and servers that
 * come back on the same port speaking the other revision; the negotiated revision as the runtime process reports it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CustomerCatalog } from '../../runtime/gateway/customer-catalog.ts';
import { ToolFilter } from '../../runtime/gateway/gateway-filter.ts';
import { McpConnection, UpstreamError } from '../../runtime/pool/mcp-connection.ts';
import type { EraMemory } from '../../runtime/pool/mcp-connection.ts';
import { startFixture } from './fixtures/mcp-fixture.ts';
import { startModernFixture } from './fixtures/modern-fixture.ts';
import type { ModernFixture, ModernFixtureOptions } from './fixtures/modern-fixture.ts';
import { startAlertmanagerStack } from './fixtures/real-alertmanager.ts';
import { cleanup, customer, postJson, rejectionOf, server, startRuntime, waitFor, writeConfig } from './helpers.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c().catch(() => {})));
});
afterAll(cleanup);

async function modern(options: ModernFixtureOptions = {}): Promise<ModernFixture> {
  const f = await startModernFixture(options);
  closers.push(f.close);
  return f;
}

async function legacy(options: Parameters<typeof startFixture>[0] = {}) {
  const f = await startFixture(options);
  closers.push(f.close);
  return f;
}

function connection(url: string, options: ConstructorParameters<typeof McpConnection>[1] = {}): McpConnection {
  const c = new McpConnection(server('up', url, 'test'), { connectTimeoutMs: 3_000, callTimeoutMs: 5_000, backoffInitialMs: 200, ...options });
  closers.push(() => c.close());
  return c;
}

const textOf = (result: { content?: unknown }) => ((result.content as Array<{ type: string; text?: string }>)[0]?.text ?? '');
const MODERN = '2026-07-28';

/**
 * Calls echo after a restart. The first call may meet a socket of the dead server (reset: `closed`, the connection
 * backs off) as after any restart; the call after the backoff must then succeed.
 */
async function echoAfterRestart(c: McpConnection, text: string): Promise<string> {
  const first = await c.callTool('echo', { text }).then(textOf, (error: UpstreamError) => error);
  if (typeof first === 'string') return first;
  expect(['closed', 'refused']).toContain(first.failure.reason);
  await waitFor(() => c.retryInMs() === 0, 'the backoff to pass', 5_000, 20);
  return textOf(await c.callTool('echo', { text }));
}

describe('a 2026-07-28 server (SDK v2 stateless fixture)', () => {
  it('is probed with server/discover and spoken to on 2026-07-28, with the headers taken from each body', async () => {
    const f = await modern();
    const c = connection(f.url);
    await c.connect();
    expect(c.status()).toMatchObject({ state: 'connected', transport: 'streamable-http', protocol_version: MODERN, last_error: null });
    expect(c.protocolEra).toBe('modern');
    expect(c.tools.map((t) => t.name)).toEqual(['echo', 'add', 'sleep']);
    expect(f.stats.methods.slice(0, 2)).toEqual(['server/discover', 'tools/list']);
    expect(f.stats.methods).not.toContain('initialize');

    const result = await c.callTool('add', { a: 2, b: 40 });
    expect(textOf(result)).toBe('42');
    expect(result.structuredContent).toEqual({ sum: 42 });
    const call = f.stats.headers[f.stats.methods.lastIndexOf('tools/call')];
    expect(call).toMatchObject({ version: MODERN, method: 'tools/call', name: 'add' });
    expect(f.stats.toolCalls).toBe(1);
  });

  it('remembers the revision per URL: a second connection skips the probe', async () => {
    const f = await modern();
    const eraMemory: EraMemory = new Map();
    await connection(f.url, { eraMemory }).connect();
    expect(eraMemory.get(f.url)?.prior.kind).toBe('modern');
    const discovers = f.stats.methods.filter((m) => m === 'server/discover').length;
    const second = connection(f.url, { eraMemory });
    await second.connect();
    expect(second.status().protocol_version).toBe(MODERN);
    expect(f.stats.methods.filter((m) => m === 'server/discover').length).toBe(discovers);
    expect(textOf(await second.callTool('echo', { text: 'no probe' }))).toBe('no probe');
  });

  it('passes prompts and resources through the catalog, and ignores logging/setLevel (no such method on 2026)', async () => {
    const f = await modern();
    const c = connection(f.url);
    const catalog = new CustomerCatalog([c], ToolFilter.ALLOW_ALL);
    expect((await catalog.listPrompts()).map((p) => p.name)).toEqual(['up_greet']);
    const prompt = await catalog.getPrompt('up_greet', { who: 'ops' });
    expect(prompt?.messages[0]?.content).toMatchObject({ type: 'text', text: 'Hello ops' });
    const resources = await catalog.listResources();
    expect(resources.map((r) => r.uri)).toEqual(['mcpfleet://up/test://static-text']);
    const read = await catalog.readResource('mcpfleet://up/test://static-text');
    expect(read?.contents[0]).toMatchObject({ uri: 'mcpfleet://up/test://static-text', text: 'static text from the modern fixture' });
    await catalog.setLoggingLevel('debug');
    expect(f.stats.methods).not.toContain('logging/setLevel');
    expect(c.state).toBe('connected');
  });

  it('keeps a subscriptions/listen stream for list_changed (tools refreshed, prompts and resources announced) and closes it on close()', async () => {
    const f = await modern();
    const c = connection(f.url);
    const announced: string[] = [];
    let toolChanges = 0;
    c.onListChanged = (kind) => announced.push(kind);
    await c.connect();
    c.onToolsChanged = () => toolChanges++;
    expect(f.stats.listens).toBe(1);
    await waitFor(() => f.openListens() === 1, 'the listen stream', 5_000);

    f.addTool('fresh_tool');
    await waitFor(() => c.tools.some((t) => t.name === 'fresh_tool'), 'fresh_tool after list_changed', 5_000);
    expect(toolChanges).toBeGreaterThanOrEqual(1);
    expect(textOf(await c.callTool('fresh_tool', {}))).toBe('fresh_tool ok');
    f.notifyListChanged('prompts');
    f.notifyListChanged('resources');
    await waitFor(() => announced.includes('prompts') && announced.includes('resources'), 'prompts and resources list_changed', 5_000);

    await c.close();
    await waitFor(() => f.openListens() === 0, 'the listen stream closed', 5_000);
    expect(f.stats.listens).toBe(1);
  });

  it('never answers a list from the client cache, although the server marks tools/list cacheable for 60 s', async () => {
    const f = await modern({ toolsTtlMs: 60_000 });
    const c = connection(f.url);
    await c.connect();
    f.addTool('quiet_tool', false); // no list_changed: only a fresh tools/list can see it
    await c.refreshTools();
    expect(c.tools.map((t) => t.name)).toContain('quiet_tool');
    expect(f.stats.methods.filter((m) => m === 'tools/list').length).toBe(2);
  });

  it('bounds a call by the call timeout (the request stream is aborted) and stays connected', async () => {
    const f = await modern();
    const c = connection(f.url, { callTimeoutMs: 300 });
    await c.connect();
    const error = await rejectionOf(c.callTool('sleep', { ms: 2_000 }), UpstreamError);
    expect(error.failure.reason).toBe('timeout');
    expect(error.stage).toBe('call');
    expect(c.state).toBe('connected');
    expect(textOf(await c.callTool('echo', { text: 'still here' }))).toBe('still here');
  });

  it('reopens the listen stream after the server restarts and reads the tool list again', async () => {
    const f = await modern();
    const c = connection(f.url);
    await c.connect();
    await f.close();
    const again = await modern({ port: f.port });
    again.addTool('after_restart', false);
    await waitFor(() => again.openListens() === 1, 'the listen stream reopened', 5_000);
    await waitFor(() => c.tools.some((t) => t.name === 'after_restart'), 'the tool list read again', 5_000);
    expect(c.state).toBe('connected');
    again.addTool('after_relisten');
    await waitFor(() => c.tools.some((t) => t.name === 'after_relisten'), 'list_changed on the reopened stream', 5_000);
  });
});

describe('the real mcp-alertmanager (a 2025 server)', () => {
  it('falls back from the probe to 2025-11-25, remembers that, and calls tools', async () => {
    const stack = await startAlertmanagerStack();
    const alertname = `Revisions_${randomUUID().slice(0, 8)}`;
    await stack.postAlert({ alertname, severity: 'warning' });
    const eraMemory: EraMemory = new Map();
    const c = connection(stack.mcpUrl, { eraMemory });
    await c.connect();
    expect(c.status()).toMatchObject({ state: 'connected', transport: 'streamable-http', protocol_version: '2025-11-25' });
    expect(c.protocolEra).toBe('legacy');
    expect(c.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['getAlerts', 'getSilences', 'createSilence']));
    expect(eraMemory.get(stack.mcpUrl)?.prior).toEqual({ kind: 'legacy' });
    const alerts = JSON.parse(textOf(await c.callTool('getAlerts', {}))) as Array<{ labels: Record<string, string> }>;
    expect(alerts.some((a) => a.labels.alertname === alertname)).toBe(true);

    const second = connection(stack.mcpUrl, { eraMemory }); // initialize straight away
    await second.connect();
    expect(second.status().protocol_version).toBe('2025-11-25');
    expect(second.tools.length).toBe(c.tools.length);
  });
});

describe('a server that comes back on the same port speaking the other revision', () => {
  it('2026-07-28 → 2025 (stateful SDK v1 server): the next call negotiates again and succeeds on 2025', async () => {
    const f = await modern();
    const eraMemory: EraMemory = new Map();
    const c = connection(f.url, { eraMemory });
    await c.connect();
    expect(c.status().protocol_version).toBe(MODERN);
    await f.close();
    const old = await legacy({ port: f.port });
    expect(await echoAfterRestart(c, 'on 2025 now')).toBe('on 2025 now');
    expect(c.status()).toMatchObject({ state: 'connected', protocol_version: '2025-11-25' });
    expect(old.stats.initializes).toBe(1);
    expect(eraMemory.get(f.url)?.prior).toEqual({ kind: 'legacy' });
  });

  it('2025 → 2026-only (rejects 2025 requests): the session request is refused with -32022 and the call succeeds on 2026', async () => {
    const old = await legacy();
    const c = connection(old.url);
    await c.connect();
    expect(c.status().protocol_version).toBe('2025-11-25');
    await old.kill();
    const f = await modern({ port: old.port, legacy: 'reject' });
    expect(await echoAfterRestart(c, 'on 2026 now')).toBe('on 2026 now');
    expect(c.status()).toMatchObject({ state: 'connected', protocol_version: MODERN });
    expect(f.stats.methods).toContain('server/discover');
  });

  it('a remembered revision that no longer holds is negotiated again while connecting, in both directions', async () => {
    const eraMemory: EraMemory = new Map();
    const f = await modern({ legacy: 'reject' });
    const first = connection(f.url, { eraMemory });
    await first.connect();
    expect(eraMemory.get(f.url)?.prior.kind).toBe('modern');
    await first.close(); // (else it would reopen its listen stream on the servers below)
    await f.close();

    // Remembered 2026, now a 2025 server: tools/list (2026) is refused, the probe falls back to initialize.
    const old = await legacy({ port: f.port });
    const toLegacy = connection(f.url, { eraMemory });
    await toLegacy.connect();
    expect(toLegacy.status()).toMatchObject({ state: 'connected', protocol_version: '2025-11-25', consecutive_failures: 0 });
    expect(eraMemory.get(f.url)?.prior).toEqual({ kind: 'legacy' });
    await toLegacy.close();
    await old.kill();

    // Remembered 2025, now a 2026-only server: initialize is refused with -32022, the probe finds 2026-07-28.
    const back = await modern({ port: f.port, legacy: 'reject' });
    const toModern = connection(f.url, { eraMemory });
    await toModern.connect();
    expect(toModern.status()).toMatchObject({ state: 'connected', protocol_version: MODERN, consecutive_failures: 0 });
    expect(back.stats.methods.slice(0, 3)).toEqual(['initialize', 'server/discover', 'tools/list']);
    expect(eraMemory.get(f.url)?.prior.kind).toBe('modern');
  });
});

describe('through a runtime process', () => {
  it('/api/servers names the revision each server negotiated', async () => {
    const f = await modern();
    const old = await legacy();
    const config = writeConfig([customer('mixed', 'Mixed', [server('grafana', f.url), server('alertmanager', old.url)])]);
    const runtime = await startRuntime(config);
    const switched = await runtime.json('/api/customers/switch', postJson({ customer: 'mixed' }));
    expect(switched.body).toMatchObject({ success: true, failed_mcps: [] });
    const called = await runtime.json('/api/tools/call', postJson({ tool: 'grafana_echo', arguments: { text: 'via runtime' } }));
    expect(called.body.result.content[0].text).toBe('via runtime');
    const servers = await runtime.json('/api/servers');
    const byName = Object.fromEntries(servers.body.servers.map((s: { name: string; protocol_version: string }) => [s.name, s.protocol_version]));
    expect(byName).toEqual({ grafana: MODERN, alertmanager: '2025-11-25' });
  });
});
