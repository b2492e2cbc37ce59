/**
 * The MCP gateway of a real runtime process against SDK-built fixture servers: one endpoint per customer with the
 * union of its servers' namespaced tools, routing, per-customer tokens, isolation, tool filters (gateway and API),
 * upstream failures as tool errors within the timeout, list_changed propagation, legacy SSE, the audit log, no
 * token value anywhere in responses or logs; the Origin check, and tool arguments nested too deep refused at the edge.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_NAME_PATTERN } from '../../runtime/tool-names.ts';
import { closeStreamable, connectSse, connectStreamable, rawInitialize, rawPost } from './fixtures/gateway-clients.ts';
import { startFixture } from './fixtures/mcp-fixture.ts';
import type { Fixture } from './fixtures/mcp-fixture.ts';
import { cleanup, customer, postJson, rejectionOf, server, startRuntime, waitFor, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const TOKEN_ACME = `acme-${randomBytes(16).toString('hex')}`;
const TOKEN_BETA = `beta-${randomBytes(16).toString('hex')}`;
const CALL_TIMEOUT_MS = 1_500;
const CONNECT_TIMEOUT_MS = 5_000; // generous: a loaded 2-core machine; the failure cases below do not wait for it
const FIXTURE_TOOLS = ['echo', 'add', 'sleep', 'leak_result', 'leak_throw'];
const ALLOWED_ORIGIN = 'https://console.example.test';
/** JSON text of an object nested `depth` levels deep (`{"a":{"a":…1…}}`), built as text: JSON.stringify overflows. */
const nestedJson = (depth: number) => `${'{"a":'.repeat(depth - 1)}{"a":1}${'}'.repeat(depth - 1)}`;

const closers: Array<() => Promise<void>> = [];
const clients: Array<() => Promise<void>> = [];
const f: Record<string, Fixture> = {};
let runtime: RuntimeProc;

const endpoint = (id: string, route = 'mcp') => `${runtime.url}/customers/${id}/${route}`;
const names = async (client: Client) => (await client.listTools()).tools.map((t) => t.name).sort();
const text = (result: unknown) => ((result as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('\n');

async function open(id: string, token?: string) {
  const c = await connectStreamable(endpoint(id), token);
  clients.push(() => closeStreamable(c));
  return c.client;
}

async function openSse(id: string, token?: string) {
  const client = await connectSse(endpoint(id, 'sse'), token);
  clients.push(() => client.close());
  return client;
}

/** The JSON-RPC error a call rejects with (fails the test if it resolves). */
const rpcError = (promise: Promise<unknown>) => rejectionOf(promise, McpError);

beforeAll(async () => {
  for (const name of ['acmeGrafana', 'acmeAm', 'beta', 'readonly', 'readonlyStaging', 'allowed', 'fragile', 'sturdy', 'open']) {
    f[name] = await startFixture({ name });
    closers.push(f[name]!.close);
  }
  const config = writeConfig([
    { ...customer('acme', 'Acme', [server('grafana', f.acmeGrafana!.url), server('alertmanager', f.acmeAm!.url)]), gateway: { token_env: 'GATEWAY_TOKEN_ACME' } },
    { ...customer('beta', 'Beta', [server('genesys', f.beta!.url)]), gateway: { token_env: 'GATEWAY_TOKEN_BETA' } },
    {
      ...customer('readonly', 'Read Only', [server('grafana', f.readonly!.url), server('staging', f.readonlyStaging!.url, 'grafana')]),
      gateway: { deny_tools: ['add', 'staging_*', 'leak_*'] },
    },
    { ...customer('allowed', 'Allowed', [server('grafana', f.allowed!.url)]), gateway: { allow_tools: ['echo', 'grafana_add'], deny_tools: ['grafana_add'] } },
    customer('fragile', 'Fragile', [server('grafana', f.fragile!.url), server('alertmanager', f.sturdy!.url)]),
    { ...customer('locked', 'Locked', [server('grafana', f.open!.url)]), gateway: { token_env: 'GATEWAY_TOKEN_LOCKED' } },
    customer('open', 'Open', [server('grafana', f.open!.url)]),
  ]);
  runtime = await startRuntime(config, {
    args: ['--connect-timeout-ms', String(CONNECT_TIMEOUT_MS), '--call-timeout-ms', String(CALL_TIMEOUT_MS), '--gateway-allowed-origins', ALLOWED_ORIGIN],
    env: { GATEWAY_TOKEN_ACME: TOKEN_ACME, GATEWAY_TOKEN_BETA: TOKEN_BETA },
  });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c().catch(() => {})));
  await cleanup();
  await Promise.all(closers.map((c) => c().catch(() => {})));
});

describe('gateway: one MCP endpoint per customer', () => {
  it('offers the union of the customer\'s servers\' tools, namespaced, and routes each call to its server', async () => {
    const client = await open('acme', TOKEN_ACME);
    expect(client.getServerVersion()).toMatchObject({ name: 'mcpfleet-gateway' });
    expect(client.getServerCapabilities()).toMatchObject({ tools: { listChanged: true } });
    const listed = await names(client);
    expect(listed).toEqual([...FIXTURE_TOOLS.map((t) => `alertmanager_${t}`), ...FIXTURE_TOOLS.map((t) => `grafana_${t}`)].sort());
    for (const name of listed) expect(name).toMatch(TOOL_NAME_PATTERN);
    const add = (await client.listTools()).tools.find((t) => t.name === 'alertmanager_add');
    expect(add).toMatchObject({ description: 'Adds two numbers.', inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } });

    const before = { grafana: f.acmeGrafana!.stats.toolCalls, am: f.acmeAm!.stats.toolCalls };
    const sum = await client.callTool({ name: 'alertmanager_add', arguments: { a: 20, b: 22 } });
    expect(sum).toEqual({ content: [{ type: 'text', text: '42' }], structuredContent: { sum: 42 } });
    expect(text(await client.callTool({ name: 'grafana_echo', arguments: { text: 'routed' } }))).toBe('routed');
    expect(f.acmeAm!.stats.toolCalls).toBe(before.am + 1);
    expect(f.acmeGrafana!.stats.toolCalls).toBe(before.grafana + 1);
  });

  it('does not change the API\'s current customer, and the customer detail names the endpoint (no token value)', async () => {
    const client = await open('open');
    expect(text(await client.callTool({ name: 'grafana_echo', arguments: { text: 'x' } }))).toBe('x');
    expect((await runtime.json('/api/customers')).body).toMatchObject({ current: null, current_id: null });
    const detail = await runtime.json('/api/customers/acme');
    expect(detail.body.gateway).toEqual({ mcp: '/customers/acme/mcp', sse: '/customers/acme/sse', auth: 'customer-token' });
    expect((await runtime.json('/api/customers/open')).body.gateway).toMatchObject({ auth: 'none' });
    expect(detail.text).not.toContain(TOKEN_ACME);
  });

  it('unknown customer → 404; unknown route → 404; wrong method → 405', async () => {
    const unknown = await rawInitialize(endpoint('nope'));
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text)).toMatchObject({ code: 'unknown_customer' });
    expect((await rawInitialize(endpoint('nope'), { authorization: `Bearer ${TOKEN_ACME}` })).status).toBe(404);
    expect((await runtime.api('/customers/acme/other')).status).toBe(404);
    expect((await runtime.api('/customers/open/sse', { method: 'POST' })).status).toBe(405);
    expect((await runtime.api('/customers/open/mcp', { method: 'PUT' })).status).toBe(405);
  });

  it('per-customer token: missing or wrong → 401, another customer\'s → 401, right → works; unset variable → 503', async () => {
    const missing = await rawInitialize(endpoint('acme'));
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await rawInitialize(endpoint('acme'), { authorization: 'Bearer wrong-token-value' })).status).toBe(401);
    expect((await rawInitialize(endpoint('acme'), { authorization: `Bearer ${TOKEN_BETA}` })).status).toBe(401);
    expect((await rawInitialize(endpoint('beta'), { authorization: `Bearer ${TOKEN_ACME}` })).status).toBe(401);
    expect((await rawInitialize(endpoint('acme'), { authorization: `Basic ${TOKEN_ACME}` })).status).toBe(401);
    const ok = await rawInitialize(endpoint('acme'), { authorization: `Bearer ${TOKEN_ACME}` });
    expect(ok.status).toBe(200);
    expect(ok.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok.text).toContain('mcpfleet-gateway');
    // The SDK client sees the 401 too.
    await expect(connectStreamable(endpoint('acme'), TOKEN_BETA)).rejects.toThrow(/401|nauthorized/);
    // A customer whose token variable is not set is closed, not open.
    const locked = await rawInitialize(endpoint('locked'));
    expect(locked.status).toBe(503);
    expect(JSON.parse(locked.text)).toMatchObject({ code: 'gateway_token_unset' });
    expect(locked.text).toContain('GATEWAY_TOKEN_LOCKED');
    expect(runtime.output()).toMatch(/gateway token variable is not set.*"customer":"locked","variable":"GATEWAY_TOKEN_LOCKED"/);
  });

  it('isolation: a session of customer A cannot call, or be used for, customer B', async () => {
    const acme = await open('acme', TOKEN_ACME);
    const beta = await open('beta', TOKEN_BETA);
    expect(await names(beta)).toEqual(FIXTURE_TOOLS.map((t) => `genesys_${t}`).sort());
    const betaCalls = f.beta!.stats.toolCalls;
    const error = await rpcError(acme.callTool({ name: 'genesys_echo', arguments: { text: 'cross' } }));
    expect(error.code).toBe(-32602);
    expect(error.message).toContain('genesys_echo');
    expect(f.beta!.stats.toolCalls).toBe(betaCalls);

    // A's session id on B's path: with B's token the session is not found there; with A's token B refuses.
    const init = await rawInitialize(endpoint('acme'), { authorization: `Bearer ${TOKEN_ACME}` });
    const sid = init.sessionId!;
    await rawPost(endpoint('acme'), sid, { jsonrpc: '2.0', method: 'notifications/initialized' }, { authorization: `Bearer ${TOKEN_ACME}` });
    const listOnB = await rawPost(endpoint('beta'), sid, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { authorization: `Bearer ${TOKEN_BETA}` });
    expect(listOnB.status).toBe(404);
    expect(listOnB.text).toContain('Session not found');
    expect((await rawPost(endpoint('beta'), sid, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, { authorization: `Bearer ${TOKEN_ACME}` })).status).toBe(401);
    // The same session on its own path works, and lists only A's tools.
    const listOnA = await rawPost(endpoint('acme'), sid, { jsonrpc: '2.0', id: 4, method: 'tools/list' }, { authorization: `Bearer ${TOKEN_ACME}` });
    expect(listOnA.status).toBe(200);
    expect(listOnA.text).toContain('grafana_echo');
    expect(listOnA.text).not.toContain('genesys_');
    // A session's token is checked on every request, not only at initialize.
    expect((await rawPost(endpoint('acme'), sid, { jsonrpc: '2.0', id: 5, method: 'tools/list' })).status).toBe(401);

    // Legacy SSE: A's session id posted to B's messages path is not found.
    const sse = await fetch(endpoint('open', 'sse'), { signal: AbortSignal.timeout(10_000) });
    const reader = sse.body!.getReader();
    let head = '';
    while (!/sessionId=([0-9a-f-]+)/.test(head)) head += new TextDecoder().decode((await reader.read()).value);
    const sseId = /sessionId=([0-9a-f-]+)/.exec(head)![1]!;
    expect(head).toContain('/customers/open/messages?sessionId=');
    const wrong = await fetch(`${endpoint('acme', 'messages')}?sessionId=${sseId}`, { ...postJson({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN_ACME}` } });
    expect(wrong.status).toBe(404);
    await reader.cancel();
  });

  it('filter: denied tools are neither listed nor callable, through the gateway and the API alike', async () => {
    const client = await open('readonly');
    expect(await names(client)).toEqual(['grafana_echo', 'grafana_sleep']);
    const calls = f.readonly!.stats.toolCalls + f.readonlyStaging!.stats.toolCalls;
    for (const name of ['grafana_add', 'staging_echo', 'grafana_leak_result', 'no_such_tool']) {
      expect((await rpcError(client.callTool({ name, arguments: { a: 1, b: 2, text: 't' } }))).code).toBe(-32602);
    }
    expect(f.readonly!.stats.toolCalls + f.readonlyStaging!.stats.toolCalls).toBe(calls);
    expect(text(await client.callTool({ name: 'grafana_echo', arguments: { text: 'allowed' } }))).toBe('allowed');

    const allowed = await open('allowed');
    expect(await names(allowed)).toEqual(['grafana_echo']); // allow list, and deny wins over allow

    // The HTTP API applies the same filter.
    const switched = await runtime.json('/api/customers/switch', postJson({ customer: 'readonly' }));
    expect(switched.body).toMatchObject({ success: true, tool_count: 2 });
    expect(switched.body.connected_servers).toEqual([
      { type: 'grafana', name: 'grafana', transport: 'streamable-http', tool_count: 2 },
      { type: 'grafana', name: 'staging', transport: 'streamable-http', tool_count: 0 },
    ]);
    expect((await runtime.json('/api/tools')).body.tools.map((t: { name: string }) => t.name)).toEqual(['grafana_echo', 'grafana_sleep']);
    expect((await runtime.json('/api/customers/readonly')).body.tools).toEqual(['grafana_echo', 'grafana_sleep']);
    expect((await runtime.json('/api/servers')).body.servers.map((s: { tool_count: number }) => s.tool_count)).toEqual([2, 0]);
    const denied = await runtime.json('/api/tools/call', postJson({ tool: 'grafana_add', arguments: { a: 1, b: 2 } }));
    expect(denied).toMatchObject({ status: 404, body: { code: 'unknown_tool' } });
    expect((await runtime.json('/api/tools/call', postJson({ tool: 'grafana_echo', arguments: { text: 'api' } }))).body.result.content[0].text).toBe('api');
    expect(f.readonly!.stats.toolCalls + f.readonlyStaging!.stats.toolCalls).toBe(calls + 2);
    await waitFor(() => /"outcome":"denied"/.test(runtime.output()), 'a denied audit line', 5_000);
  });

  it('upstream failure: a dead server → isError naming the server within the timeout; a hung call → isError at the call timeout', async () => {
    const client = await open('fragile');
    expect(await names(client)).toContain('grafana_echo');
    await f.fragile!.kill();
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now();
      const result = (await client.callTool({ name: 'grafana_echo', arguments: { text: 'dead?' } })) as CallToolResult;
      const elapsed = performance.now() - t0;
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/server "grafana" \(grafana\)/);
      expect(text(result)).toMatch(/refused|unavailable|closed/);
      expect(elapsed).toBeLessThan(CALL_TIMEOUT_MS); // refused at once, then in backoff: no waiting at all
    }
    // The customer's other server is unaffected.
    expect(text(await client.callTool({ name: 'alertmanager_echo', arguments: { text: 'alive' } }))).toBe('alive');

    const t0 = performance.now();
    const hung = (await client.callTool({ name: 'alertmanager_sleep', arguments: { ms: 10_000 } })) as CallToolResult;
    const elapsed = performance.now() - t0;
    expect(hung.isError).toBe(true);
    expect(text(hung)).toMatch(/server "alertmanager" \(alertmanager\) failed: .*timeout/);
    expect(elapsed).toBeGreaterThanOrEqual(CALL_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(CALL_TIMEOUT_MS + CONNECT_TIMEOUT_MS + 1_000);
    await waitFor(() => /"level":"warn","msg":"gateway tool call".*"customer":"fragile".*"tool":"alertmanager_sleep".*"outcome":"timeout"/.test(runtime.output()), 'a timeout audit line', 5_000);
  });

  it('list_changed: an upstream adding a tool reaches connected clients (streamable and SSE) of that customer only', async () => {
    const acme = await open('acme', TOKEN_ACME);
    const acmeSse = await openSse('acme', TOKEN_ACME);
    const open2 = await open('open');
    const seen = { acme: 0, acmeSse: 0, other: 0 };
    acme.setNotificationHandler(ToolListChangedNotificationSchema, async () => void seen.acme++);
    acmeSse.setNotificationHandler(ToolListChangedNotificationSchema, async () => void seen.acmeSse++);
    open2.setNotificationHandler(ToolListChangedNotificationSchema, async () => void seen.other++);
    expect(await names(acme)).not.toContain('grafana_fresh');
    await names(acmeSse);
    await names(open2);
    // Give the streamable client's standalone GET stream (where notifications travel) a moment to open.
    await new Promise((r) => setTimeout(r, 300));

    f.acmeGrafana!.addTool('fresh');
    await waitFor(() => seen.acme > 0 && seen.acmeSse > 0, 'tools/list_changed at both acme clients', 10_000);
    expect(await names(acme)).toContain('grafana_fresh');
    expect(await names(acmeSse)).toContain('grafana_fresh');
    expect(text(await acme.callTool({ name: 'grafana_fresh', arguments: {} }))).toBe('fresh ok');
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.other).toBe(0);
    expect(seen.acme).toBe(1);
  });

  it('legacy SSE: the SDK SSE client lists and calls; without the token it is refused', async () => {
    const client = await openSse('acme', TOKEN_ACME);
    expect(await names(client)).toContain('alertmanager_add');
    expect(await client.callTool({ name: 'alertmanager_add', arguments: { a: 2, b: 3 } })).toMatchObject({ structuredContent: { sum: 5 } });
    await expect(connectSse(endpoint('acme', 'sse'))).rejects.toThrow(/401|nauthorized/);
    await expect(connectSse(endpoint('acme', 'sse'), TOKEN_BETA)).rejects.toThrow(/401|nauthorized/);
  });

  it('audit: one line per call with customer, server, tool, outcome and duration; no argument values; no token values anywhere', async () => {
    const client = await open('open');
    const marker = `audit-marker-${randomBytes(6).toString('hex')}`;
    expect(text(await client.callTool({ name: 'grafana_echo', arguments: { text: marker } }))).toBe(marker);
    const line = await waitFor(
      () => runtime.output().split('\n').find((l) => l.includes('"msg":"gateway tool call"') && l.includes('"customer":"open"') && l.includes('"outcome":"ok"')),
      'an audit line',
      5_000,
    );
    const entry = JSON.parse(line);
    expect(entry).toMatchObject({ level: 'info', audit: 'tools/call', customer: 'open', server: 'grafana', tool: 'grafana_echo', upstream_tool: 'echo', transport: 'streamable-http', outcome: 'ok' });
    expect(entry.duration_ms).toEqual(expect.any(Number));
    expect(entry.session).toMatch(/^[0-9a-f]{8}$/);
    expect(entry).not.toHaveProperty('arguments');
    const output = runtime.output();
    expect(output).not.toContain(marker);
    expect(output).not.toContain(TOKEN_ACME);
    expect(output).not.toContain(TOKEN_BETA);
    expect(output).toMatch(/"msg":"gateway session opened"/);
  });
});

describe('gateway: Origin check (DNS rebinding, MCP spec)', () => {
  it('no Origin passes; same-origin passes; an allowed origin passes; a foreign one gets 403 with a JSON error body', async () => {
    expect((await rawInitialize(endpoint('open'))).status).toBe(200); // non-browser client: no Origin header
    expect((await rawInitialize(endpoint('open'), { origin: runtime.url })).status).toBe(200); // same host and port as Host
    expect((await rawInitialize(endpoint('open'), { origin: ALLOWED_ORIGIN })).status).toBe(200); // --gateway-allowed-origins
    for (const origin of ['http://evil.example', `http://127.0.0.1:${Number(new URL(runtime.url).port) === 1 ? 2 : 1}`, 'null', `${ALLOWED_ORIGIN}:8443`]) {
      const refused = await rawInitialize(endpoint('open'), { origin });
      expect(refused.status, origin).toBe(403);
      expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(refused.text)).toMatchObject({ code: 'origin_not_allowed', error: expect.stringContaining('is not allowed') });
    }
    // Checked on every request, not only at initialize: a foreign page cannot ride an existing session.
    const init = await rawInitialize(endpoint('open'));
    expect((await rawPost(endpoint('open'), init.sessionId!, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await rawPost(endpoint('open'), init.sessionId!, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, { origin: runtime.url })).status).toBe(200);
  });

  it('applies to the API too: a foreign page cannot switch the customer; the runtime\'s own page (same origin) can', async () => {
    const before = (await runtime.json('/api/customers')).body.current_id;
    const foreign = await runtime.json('/api/customers/switch', { ...postJson({ customer: 'open' }), headers: { 'content-type': 'application/json', origin: 'http://evil.example' } });
    expect(foreign).toMatchObject({ status: 403, body: { code: 'origin_not_allowed' } });
    expect((await runtime.json('/api/customers')).body.current_id).toBe(before);
    const page = await runtime.json('/api/customers/switch', { ...postJson({ customer: 'open' }), headers: { 'content-type': 'application/json', origin: runtime.url } });
    expect(page).toMatchObject({ status: 200, body: { success: true, customer_id: 'open' } });
  });
});

describe('gateway: tool arguments nested too deep', () => {
  it('10,000-deep arguments: JSON-RPC -32602 at the edge, the upstream never called, the runtime still serves', async () => {
    const init = await rawInitialize(endpoint('open'));
    const sid = init.sessionId!;
    await rawPost(endpoint('open'), sid, { jsonrpc: '2.0', method: 'notifications/initialized' });
    const calls = f.open!.stats.toolCalls;
    const post = (body: string) =>
      fetch(endpoint('open'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
        body,
        signal: AbortSignal.timeout(10_000),
      });
    const deep = await post(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"grafana_echo","arguments":{"text":"x","extra":${nestedJson(10_000)}}}}`);
    expect(deep.status).toBe(200);
    expect(await deep.json()).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -32602, message: 'Invalid params: tools/call arguments are nested deeper than 64 levels' } });
    // Any other message that deep is refused too (nothing the gateway accepts nests like that).
    const deepList = await post(`{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{"_meta":${nestedJson(10_000)}}}`);
    expect((await deepList.json()).error).toMatchObject({ code: -32602, message: expect.stringContaining('nested deeper than 66 levels') });
    expect(f.open!.stats.toolCalls).toBe(calls);

    // The limit is exact: arguments 64 deep (the object itself counts as one) go through.
    const atLimit = await post(`{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"grafana_echo","arguments":{"text":"at-limit","extra":${nestedJson(63)}}}}`);
    expect(await atLimit.text()).toContain('at-limit');
    expect(f.open!.stats.toolCalls).toBe(calls + 1);

    // The runtime still serves: a fresh SDK client calls, and nothing overflowed or was blamed on the upstream.
    const client = await open('open');
    expect(text(await client.callTool({ name: 'grafana_echo', arguments: { text: 'still here' } }))).toBe('still here');
    const output = runtime.output();
    expect(output).not.toContain('Maximum call stack');
    expect(output).toMatch(/"msg":"gateway tool call".*"customer":"open".*"tool":"grafana_echo".*"outcome":"invalid_arguments"/);
    expect(output).not.toMatch(/"customer":"open".*"outcome":"upstream_error"/);
  });

  it('legacy SSE gets the -32602 on its event stream; the HTTP API answers 400 invalid_arguments', async () => {
    const sse = await fetch(endpoint('open', 'sse'), { signal: AbortSignal.timeout(10_000) });
    const reader = sse.body!.getReader();
    const decoder = new TextDecoder();
    let stream = '';
    const readUntil = async (pattern: RegExp) => {
      for (let i = 0; i < 100 && !pattern.test(stream); i++) {
        const { value, done } = await reader.read();
        if (done) break;
        stream += decoder.decode(value, { stream: true });
      }
      return pattern.exec(stream);
    };
    const sseId = (await readUntil(/sessionId=([0-9a-f-]+)/))![1]!;
    const calls = f.open!.stats.toolCalls;
    const posted = await fetch(`${endpoint('open', 'messages')}?sessionId=${sseId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"grafana_echo","arguments":${nestedJson(10_000)}}}`,
    });
    expect(posted.status).toBe(202);
    const event = await readUntil(/data: (\{"jsonrpc":"2\.0","id":11,[^\n]*)\n/);
    expect(JSON.parse(event![1]!)).toEqual({ jsonrpc: '2.0', id: 11, error: { code: -32602, message: 'Invalid params: tools/call arguments are nested deeper than 64 levels' } });
    await reader.cancel();

    const api = await runtime.json('/api/tools/call', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"tool":"grafana_echo","arguments":${nestedJson(10_000)}}`,
    });
    expect(api).toMatchObject({ status: 400, body: { code: 'invalid_arguments', error: 'field "arguments" is nested deeper than 64 levels' } });
    expect(f.open!.stats.toolCalls).toBe(calls);
    expect((await runtime.json('/healthz')).status).toBe(200);
  });
});
