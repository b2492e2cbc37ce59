/**
 * The gateway's 2026-07-28 face on the same URL as its 2025 sessions: an SDK v2 client pinned to 2026-07-28 and one
 * negotiating by itself, the v1 client (2025 session) beside them, the revision's checks (headers against the body,
 * `_meta`, unsupported versions, request ids in errors), caching hints, list_changed on a `subscriptions/listen`
 * stream, tokens and isolation, and arguments nested too deep refused at the edge.
 */
import { randomBytes } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeStreamable, connectStreamable } from './fixtures/gateway-clients.ts';
import { startFixture } from './fixtures/mcp-fixture.ts';
import { startModernFixture } from './fixtures/modern-fixture.ts';
import type { Fixture } from './fixtures/mcp-fixture.ts';
import { cleanup, customer, server, startRuntime, waitFor, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const TOKEN_ACME = `acme-${randomBytes(16).toString('hex')}`;
const TOKEN_BETA = `beta-${randomBytes(16).toString('hex')}`;
const MODERN = '2026-07-28';
const ENVELOPE = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} };

const closers: Array<() => Promise<void>> = [];
let acme: Fixture;
let beta: Fixture;
let runtime: RuntimeProc;
const endpoint = (id: string) => `${runtime.url}/customers/${id}/mcp`;

async function modernClient(id: string, token: string, mode: 'pin' | 'auto' = 'pin', onToolsChanged?: () => void): Promise<Client> {
  const client = new Client(
    { name: 'modern-test', version: '1.0.0' },
    {
      versionNegotiation: mode === 'pin' ? { mode: { pin: MODERN } } : { mode: 'auto' },
      ...(onToolsChanged && { listChanged: { tools: { onChanged: () => onToolsChanged(), debounceMs: 0, autoRefresh: false } } }),
    } as never,
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(endpoint(id)), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  closers.push(() => client.close());
  return client;
}

/** A hand-made 2026-07-28 POST: full control over headers and body. */
async function rawModern(id: string, body: Record<string, unknown>, headers: Record<string, string> = {}, token = TOKEN_ACME) {
  const res = await fetch(endpoint(id), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? 'null')) as any };
}

beforeAll(async () => {
  acme = await startFixture({ name: 'acme' });
  beta = await startFixture({ name: 'beta' });
  const cached = await startModernFixture({ toolsTtlMs: 30_000 });
  closers.push(acme.close, beta.close, cached.close);
  const config = writeConfig([
    // A 2026-07-28 upstream that lets its tool list be kept 30 s, alone and beside a 2025 one (which says nothing).
    customer('cached', 'Cached', [server('modern', cached.url)]),
    customer('mixed', 'Mixed', [server('modern', cached.url), server('alertmanager', acme.url)]),
    { ...customer('acme', 'Acme', [server('alertmanager', acme.url)]), gateway: { token_env: 'GATEWAY_TOKEN_ACME' } },
    { ...customer('beta', 'Beta', [server('grafana', beta.url)]), gateway: { token_env: 'GATEWAY_TOKEN_BETA' } },
  ]);
  runtime = await startRuntime(config, { env: { GATEWAY_TOKEN_ACME: TOKEN_ACME, GATEWAY_TOKEN_BETA: TOKEN_BETA } });
}, 60_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await cleanup();
});

describe('gateway on 2026-07-28', () => {
  it('a client pinned to 2026-07-28 lists and calls the customer\'s tools, statelessly', async () => {
    const client = await modernClient('acme', TOKEN_ACME);
    expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
    const tools = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(tools).toEqual(expect.arrayContaining(['alertmanager_echo', 'alertmanager_add']));
    expect(tools.every((name) => name.startsWith('alertmanager_'))).toBe(true);
    const result = await client.callTool({ name: 'alertmanager_echo', arguments: { text: 'über 2026' } });
    expect(JSON.stringify(result.content)).toContain('über 2026');
  });

  it('a client negotiating by itself gets 2026-07-28; a v1 client on the same URL still gets a 2025 session', async () => {
    const auto = await modernClient('acme', TOKEN_ACME, 'auto');
    expect(auto.getNegotiatedProtocolVersion()).toBe(MODERN);
    const legacy = await connectStreamable(endpoint('acme'), TOKEN_ACME);
    closers.push(() => closeStreamable(legacy));
    expect(legacy.transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await legacy.client.listTools()).tools.map((t) => t.name)).toEqual((await auto.listTools()).tools.map((t) => t.name));
  });

  it.each(['2025-11-25', '2025-06-18', '2025-03-26'])('an initialize asking for %s gets a session on that revision', async (version) => {
    const res = await fetch(endpoint('acme'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${TOKEN_ACME}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    const session = res.headers.get('mcp-session-id');
    expect(session).toMatch(/^[0-9a-f-]{36}$/);
    const text = await res.text();
    expect(JSON.parse(text.startsWith('{') ? text : /^data: (.*)$/m.exec(text)![1]!).result.protocolVersion).toBe(version);
    await fetch(endpoint('acme'), { method: 'DELETE', headers: { 'mcp-session-id': session!, authorization: `Bearer ${TOKEN_ACME}`, 'mcp-protocol-version': version } });
  });

  it('server/discover names the revision; tools/list carries a private caching hint', async () => {
    const discover = await rawModern('acme', { jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: ENVELOPE } }, { 'mcp-protocol-version': MODERN, 'mcp-method': 'server/discover' });
    expect(discover.status).toBe(200);
    expect(discover.json.result.supportedVersions).toContain(MODERN);
    expect(discover.json.result.capabilities.tools).toBeDefined();
    const list = await rawModern('acme', { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: ENVELOPE } }, { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' });
    expect(list.json.result).toMatchObject({ ttlMs: 0, cacheScope: 'private' });
    expect(list.json.result.tools.length).toBeGreaterThan(0);
  });

  it('the tools/list TTL is the shortest its upstreams give, 0 when one gives none', async () => {
    const list = { jsonrpc: '2.0', id: 31, method: 'tools/list', params: { _meta: ENVELOPE } };
    const headers = { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' };
    expect((await rawModern('cached', list, headers, '')).json.result).toMatchObject({ ttlMs: 30_000, cacheScope: 'private' });
    expect((await rawModern('mixed', list, headers, '')).json.result).toMatchObject({ ttlMs: 0, cacheScope: 'private' });
  });

  it('refuses what the revision forbids, echoing the request id', async () => {
    const call = { jsonrpc: '2.0', id: 'call-7', method: 'tools/call', params: { name: 'alertmanager_echo', arguments: { text: 'x' }, _meta: ENVELOPE } };
    const noName = await rawModern('acme', call, { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call' });
    expect(noName.status).toBe(400);
    expect(noName.json).toMatchObject({ id: 'call-7', error: { code: -32020 } });
    const wrongMethod = await rawModern('acme', call, { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list', 'mcp-name': 'alertmanager_echo' });
    expect(wrongMethod.json).toMatchObject({ id: 'call-7', error: { code: -32020 } });
    const future = { ...call, id: 9, params: { ...call.params, _meta: { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2027-01-01' } } };
    const unsupported = await rawModern('acme', future, { 'mcp-protocol-version': '2027-01-01', 'mcp-method': 'tools/call', 'mcp-name': 'alertmanager_echo' });
    expect(unsupported.status).toBe(400);
    expect(unsupported.json).toMatchObject({ id: 9, error: { code: -32022, data: { supported: [MODERN] } } });
    const ok = await rawModern('acme', call, { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'alertmanager_echo' });
    expect(ok.json).toMatchObject({ id: 'call-7', result: { content: [{ type: 'text' }] } });
  });

  it('an unknown tool is -32602 with the id; a tool of another customer is unknown here', async () => {
    const call = (name: string) => ({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name, arguments: {}, _meta: ENVELOPE } });
    const other = await rawModern('acme', call('grafana_echo'), { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'grafana_echo' });
    expect(other.json).toMatchObject({ id: 4, error: { code: -32602 } });
    expect(beta.stats.toolCalls).toBe(0);
  });

  it('needs the customer\'s own token: none or another customer\'s is 401', async () => {
    const list = { jsonrpc: '2.0', id: 3, method: 'tools/list', params: { _meta: ENVELOPE } };
    const headers = { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' };
    expect((await rawModern('acme', list, headers, TOKEN_BETA)).status).toBe(401);
    expect((await rawModern('beta', list, headers, TOKEN_BETA)).status).toBe(200);
  });

  it('arguments nested 10,000 deep are refused at the edge with -32602 and the id; the upstream is never called', async () => {
    const before = acme.stats.toolCalls;
    const deep = `${'{"a":'.repeat(9_999)}{"a":1}${'}'.repeat(9_999)}`;
    const text = `{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"alertmanager_echo","_meta":${JSON.stringify(ENVELOPE)},"arguments":${deep}}}`;
    const res = await fetch(endpoint('acme'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${TOKEN_ACME}`, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'alertmanager_echo' },
      body: text,
    });
    expect(await res.json()).toMatchObject({ id: 11, error: { code: -32602 } });
    expect(acme.stats.toolCalls).toBe(before);
  });

  it('a traceparent goes on to the upstream request the call causes, on both revisions; a malformed one does not', async () => {
    const trace = (n: number) => `00-${'4bf92f3577b34da6a3ce929d0e0e47' + String(n).padStart(2, '0')}-00f067aa0ba902b7-01`;
    const call = { jsonrpc: '2.0', id: 21, method: 'tools/call', params: { name: 'alertmanager_echo', arguments: { text: 't' }, _meta: ENVELOPE } };
    const headers = { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'alertmanager_echo' };
    await rawModern('acme', call, { ...headers, traceparent: trace(1) });
    expect(acme.stats.traceparents.at(-1)).toBe(trace(1));
    await rawModern('acme', { ...call, params: { ...call.params, _meta: { ...ENVELOPE, traceparent: trace(2) } } }, headers);
    expect(acme.stats.traceparents.at(-1)).toBe(trace(2));
    const legacyClient = await connectStreamable(endpoint('acme'), TOKEN_ACME);
    closers.push(() => closeStreamable(legacyClient));
    const before = acme.stats.traceparents.length;
    const viaSession = await fetch(endpoint('acme'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${TOKEN_ACME}`, 'mcp-session-id': legacyClient.transport.sessionId!, 'mcp-protocol-version': '2025-11-25', traceparent: trace(4) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'alertmanager_echo', arguments: { text: 'y' } } }),
    });
    expect(viaSession.status).toBe(200);
    expect(await viaSession.text()).toContain('"result"');
    expect(acme.stats.traceparents.slice(before)).toContain(trace(4));
    const count = acme.stats.traceparents.length;
    await rawModern('acme', call, { ...headers, traceparent: 'x-not-a-trace' });
    await rawModern('acme', call, { ...headers, traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' });
    expect(acme.stats.traceparents.length).toBe(count);
  });

  it('a tool added upstream reaches a 2026-07-28 client on its subscriptions/listen stream', async () => {
    let changed = 0;
    const client = await modernClient('acme', TOKEN_ACME, 'pin', () => changed++);
    await client.listTools();
    acme.addTool('added_later');
    await waitFor(() => changed > 0, 'list_changed on the listen stream', 10_000);
    expect((await client.listTools({}, { cacheMode: 'bypass' } as never)).tools.map((t) => t.name)).toContain('alertmanager_added_later');
  });
});
