/**
 * The HTTP API of a real runtime process (`runtime/main.ts`) against fixture servers: the seed's routes and fields,
 * per-server status, tool calls, error cases, body limits, the Host guard and the bearer token.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_NAME_PATTERN } from '../../runtime/tool-names.ts';
import { startBlackHole, startFixture } from './fixtures/mcp-fixture.ts';
import type { Fixture } from './fixtures/mcp-fixture.ts';
import { cleanup, customer, freePort, postJson, server, startRuntime, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const closers: Array<() => Promise<void>> = [];
let grafana: Fixture;
let staging: Fixture;
let legacy: Fixture;
let beta: Fixture;
let flaky: Fixture;
let runtime: RuntimeProc;
let configPath: string;

beforeAll(async () => {
  grafana = await startFixture({ name: 'grafana' });
  staging = await startFixture({ name: 'staging' });
  legacy = await startFixture({ mode: 'sse-only', name: 'legacy' });
  beta = await startFixture();
  flaky = await startFixture();
  const hole = await startBlackHole();
  closers.push(grafana.close, staging.close, legacy.close, beta.close, flaky.close, hole.close);
  const refused = await freePort();
  configPath = writeConfig([
    customer('acme-energy', 'Acme Energy', [
      server('grafana', grafana.url, 'grafana', 'streamable-http', { grafana_url: 'https://grafana.acme.test', token_env: 'GRAFANA_TOKEN_ACME' }),
      server('staging', staging.url, 'grafana'),
      server('alertmanager', legacy.sseUrl, 'alertmanager'), // configured as streamable, serves only SSE
      server('genesys', hole.url, 'genesys'),
      server('ghost', `http://127.0.0.1:${refused}/mcp`, 'genesys'),
    ]),
    customer('beta', 'Beta Corp', [server('grafana', beta.url)]),
    customer('empty', 'Empty Ltd', []),
    customer('flaky', 'Flaky Inc', [server('grafana', flaky.url)]),
  ]);
  runtime = await startRuntime(configPath, { args: ['--connect-timeout-ms', '2500'] });
});

afterAll(async () => {
  await cleanup();
  await Promise.all(closers.map((c) => c().catch(() => {})));
});

describe('API', () => {
  it('health and readiness', async () => {
    expect(await runtime.json('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await runtime.json('/readyz')).toMatchObject({ status: 200, body: { ready: true, customers: 4 } });
  });

  it('lists customers with the seed fields and id; nothing current yet', async () => {
    const { status, body } = await runtime.json('/api/customers');
    expect(status).toBe(200);
    expect(body).toEqual({
      customers: [
        { id: 'acme-energy', name: 'Acme Energy', mcp_types: ['grafana', 'alertmanager', 'genesys'] },
        { id: 'beta', name: 'Beta Corp', mcp_types: ['grafana'] },
        { id: 'empty', name: 'Empty Ltd', mcp_types: [] },
        { id: 'flaky', name: 'Flaky Inc', mcp_types: ['grafana'] },
      ],
      current: null,
      current_id: null,
    });
  });

  it('409 for tools, servers and calls before a customer is selected', async () => {
    for (const [path, init] of [['/api/tools'], ['/api/servers'], ['/api/tools/call', postJson({ tool: 'x' })]] as const) {
      const { status, body } = await runtime.json(path, init);
      expect(status).toBe(409);
      expect(body).toMatchObject({ code: 'no_customer' });
      expect(body.error).toMatch(/POST \/api\/customers\/switch/);
    }
  });

  it('switches: connected and failed servers, each failure with type, name and reason', async () => {
    const { status, body } = await runtime.json('/api/customers/switch', postJson({ customer: 'Acme Energy' }));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      success: true,
      customer: 'Acme Energy',
      customer_id: 'acme-energy',
      connected_mcps: ['grafana', 'alertmanager'],
      pooled: false,
    });
    expect(body.connected_servers).toEqual([
      { type: 'grafana', name: 'grafana', transport: 'streamable-http', tool_count: 5 },
      { type: 'grafana', name: 'staging', transport: 'streamable-http', tool_count: 5 },
      { type: 'alertmanager', name: 'alertmanager', transport: 'sse', tool_count: 5 },
    ]);
    expect(body.failed_mcps).toEqual([
      { type: 'genesys', name: 'genesys', state: 'failed', reason: 'timeout', message: 'no answer within 2500 ms', retry_in_ms: expect.any(Number) },
      { type: 'genesys', name: 'ghost', state: 'failed', reason: 'refused', message: 'connection refused', retry_in_ms: expect.any(Number) },
    ]);
    expect(body.tool_count).toBe(15);
    expect((await runtime.json('/api/customers')).body).toMatchObject({ current: 'Acme Energy', current_id: 'acme-energy' });
  });

  it('lists namespaced tools of the current customer', async () => {
    const { status, body } = await runtime.json('/api/tools');
    expect(status).toBe(200);
    expect(body.customer).toBe('Acme Energy');
    const names = body.tools.map((t: { name: string }) => t.name);
    expect(names).toEqual(expect.arrayContaining(['grafana_echo', 'staging_echo', 'alertmanager_echo', 'grafana_add']));
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(TOOL_NAME_PATTERN);
    const echo = body.tools.find((t: { name: string }) => t.name === 'staging_echo');
    expect(echo).toMatchObject({ server: 'staging', type: 'grafana', original_name: 'echo', description: 'Echoes the text back.' });
    expect(echo.inputSchema).toMatchObject({ type: 'object', properties: { text: { type: 'string' } } });
  });

  it('reports each server: state, transport, tool count, last error, latency', async () => {
    const { status, body } = await runtime.json('/api/servers');
    expect(status).toBe(200);
    const byName = Object.fromEntries(body.servers.map((s: { name: string }) => [s.name, s]));
    expect(byName.grafana).toMatchObject({ state: 'connected', transport: 'streamable-http', tool_count: 5, last_error: null, url: grafana.url });
    expect(byName.grafana.latency_ms).toBeGreaterThan(0);
    expect(byName.alertmanager).toMatchObject({ state: 'connected', transport: 'sse' });
    expect(byName.genesys).toMatchObject({ state: 'failed', transport: null, tool_count: 0, last_error: { reason: 'timeout' } });
    expect(byName.ghost).toMatchObject({ state: 'failed', last_error: { reason: 'refused', message: 'connection refused' } });
    expect(byName.ghost.last_error.at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('calls tools through the right server', async () => {
    const { status, body } = await runtime.json('/api/tools/call', postJson({ tool: 'alertmanager_add', arguments: { a: 20, b: 22 } }));
    expect(status).toBe(200);
    expect(body).toEqual({
      tool: 'alertmanager_add',
      server: 'alertmanager',
      type: 'alertmanager',
      original_name: 'add',
      result: { content: [{ type: 'text', text: '42' }], structuredContent: { sum: 42 } },
    });
    const before = staging.stats.toolCalls;
    expect((await runtime.json('/api/tools/call', postJson({ tool: 'staging_echo', arguments: { text: 'hi' } }))).body.result.content).toEqual([{ type: 'text', text: 'hi' }]);
    expect(staging.stats.toolCalls).toBe(before + 1);
  });

  it('passes a tool\'s own error result through as isError', async () => {
    const { status, body } = await runtime.json('/api/tools/call', postJson({ tool: 'grafana_add', arguments: { a: 'not a number' } }));
    expect(status).toBe(200);
    expect(body.result.isError).toBe(true);
  });

  it('404 for unknown tools', async () => {
    const unknown = await runtime.json('/api/tools/call', postJson({ tool: 'genesys_search_queues', arguments: {} }));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'unknown_tool' });
    expect(unknown.body.error).toMatch(/unknown tool "genesys_search_queues" for customer "Acme Energy"/);
  });

  it('accepts id or display name, 404 with a clear body for unknown customers', async () => {
    const byName = await runtime.json(`/api/customers/${encodeURIComponent('Beta Corp')}`);
    expect(byName.status).toBe(200);
    expect(byName.body).toMatchObject({ id: 'beta', name: 'Beta Corp', mcp_types: ['grafana'], current: false });
    expect(byName.body.tools).toEqual(expect.arrayContaining(['grafana_echo', 'grafana_add']));
    const byId = await runtime.json('/api/customers/acme-energy');
    expect(byId.body).toMatchObject({ name: 'Acme Energy', current: true });
    expect(byId.body.tools).toContain('staging_echo');

    const unknown = await runtime.json('/api/customers/nobody');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ code: 'unknown_customer', error: 'unknown customer "nobody"; known ids: acme-energy, beta, empty, flaky' });
    const switchUnknown = await runtime.json('/api/customers/switch', postJson({ customer: 'nobody' }));
    expect(switchUnknown.status).toBe(404);
    expect(switchUnknown.body.code).toBe('unknown_customer');
    expect((await runtime.json('/api/customers/%E0%A4%A')).status).toBe(400);
  });

  it('switching back to a pooled customer reuses its connections', async () => {
    await runtime.json('/api/customers/switch', postJson({ customer: 'beta' }));
    const initializes = grafana.stats.initializes;
    const back = await runtime.json('/api/customers/switch', postJson({ customer: 'acme-energy' }));
    expect(back.body).toMatchObject({ success: true, pooled: true, connected_mcps: ['grafana', 'alertmanager'] });
    expect(grafana.stats.initializes).toBe(initializes);
  });

  it('rejects bad request bodies with clear 4xx messages', async () => {
    const cases: Array<[RequestInit, number, RegExp]> = [
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"customer": ' }, 400, /not valid JSON/],
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '' }, 400, /request body is required/],
      [postJson([1, 2]), 400, /must be a JSON object.*got array/],
      [postJson({ customer: 42 }), 400, /field "customer" must be a string \(got number\)/],
      [postJson({ customer: '' }), 400, /field "customer" must not be empty/],
      [postJson({}), 400, /field "customer" is required/],
      [{ method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"customer":"beta"}' }, 415, /Content-Type must be application\/json/],
      [postJson({ customer: 'x'.repeat(2 * 1024 * 1024) }), 413, /limit is 1048576 bytes/],
    ];
    for (const [init, status, message] of cases) {
      const res = await runtime.json('/api/customers/switch', init);
      expect(res.status, JSON.stringify(init.body).slice(0, 60)).toBe(status);
      expect(res.body.error).toMatch(message);
    }
    const call = await runtime.json('/api/tools/call', postJson({ tool: 'grafana_echo', arguments: [1] }));
    expect(call).toMatchObject({ status: 400, body: { error: 'field "arguments" must be a JSON object (got array)' } });
    const noTool = await runtime.json('/api/tools/call', postJson({ arguments: {} }));
    expect(noTool).toMatchObject({ status: 400, body: { error: 'field "tool" is required' } });
    // Still alive and serving.
    expect((await runtime.json('/healthz')).status).toBe(200);
  });

  it('413 for a chunked body that grows past 1 MiB without a Content-Length', async () => {
    const port = Number(new URL(runtime.url).port);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/tools/call', method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 'a');
      for (let i = 0; i < 20; i++) req.write(chunk);
      req.end();
    });
    expect(status).toBe(413);
    expect((await runtime.json('/healthz')).status).toBe(200);
  });

  it('405 with Allow for a wrong method, 404 for unknown routes', async () => {
    const res = await runtime.api('/api/customers/switch');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.json()).toMatchObject({ code: 'method_not_allowed' });
    expect((await runtime.json('/api/nope')).status).toBe(404);
    expect((await runtime.json('/etc/passwd')).status).toBe(404);
  });

  it('refuses a non-loopback Host header (DNS rebinding guard)', async () => {
    const port = Number(new URL(runtime.url).port);
    const status = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/api/customers', headers: { host: `evil.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403);
  });

  it('serves the page with a restrictive CSP', async () => {
    const res = await runtime.api('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<select id="customer"');
    expect((await runtime.api('/app.js')).headers.get('content-type')).toMatch(/javascript/);
  });

  it('answers 200 concurrent requests without an error', async () => {
    const paths = ['/api/customers', '/api/tools', '/api/servers', '/healthz'];
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 5 === 4
          ? runtime.api('/api/tools/call', postJson({ tool: 'grafana_echo', arguments: { text: `n${i}` } })).then(async (r) => ({ status: r.status, text: await r.text(), i }))
          : runtime.api(paths[i % 4]!).then(async (r) => ({ status: r.status, text: await r.text(), i })),
      ),
    );
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    for (const r of results.filter((x) => x.i % 5 === 4)) expect(JSON.parse(r.text).result.content[0].text).toBe(`n${r.i}`);
  });

  it('502 when a server dies during a call, then 503 with the reason and retry time while it is down', async () => {
    await runtime.json('/api/customers/switch', postJson({ customer: 'flaky' }));
    expect((await runtime.json('/api/tools/call', postJson({ tool: 'grafana_echo', arguments: { text: 'up' } }))).status).toBe(200);
    await flaky.kill();
    const during = await runtime.json('/api/tools/call', postJson({ tool: 'grafana_echo', arguments: { text: 'x' } }));
    expect(during.status).toBe(502);
    expect(during.body).toMatchObject({ code: 'tool_call_failed', tool: 'grafana_echo' });
    expect(['refused', 'closed']).toContain(during.body.reason);
    const after = await runtime.json('/api/tools/call', postJson({ tool: 'grafana_echo', arguments: { text: 'x' } }));
    expect(after.status).toBe(503);
    expect(after.body).toMatchObject({ code: 'server_unavailable', reason: during.body.reason });
    expect(after.body.retry_in_ms).toBeGreaterThan(0);
    const servers = await runtime.json('/api/servers');
    expect(servers.body.servers[0]).toMatchObject({ name: 'grafana', state: 'failed', tool_count: 5, consecutive_failures: 1 });
    await flaky.restart();
  });

  it('a customer with no servers switches with nothing connected', async () => {
    const { body } = await runtime.json('/api/customers/switch', postJson({ customer: 'Empty Ltd' }));
    expect(body).toMatchObject({ success: true, connected_mcps: [], failed_mcps: [], tool_count: 0 });
    expect((await runtime.json('/api/tools')).body.tools).toEqual([]);
  });
});

describe('API token', () => {
  const token = 'test-api-token-6c1f0e9a';
  let secured: RuntimeProc;
  beforeAll(async () => {
    secured = await startRuntime(configPath, { env: { AGENT_API_TOKEN: token } });
  });

  it('requires the bearer token on every /api route, not on health or the page', async () => {
    for (const path of ['/api/customers', '/api/tools', '/api/servers', '/api/customers/beta']) {
      const res = await fetch(`${secured.url}${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const post = await fetch(`${secured.url}/api/customers/switch`, postJson({ customer: 'beta' }));
    expect(post.status).toBe(401);
    for (const header of [`Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, token, `Basic ${token}`, 'Bearer', `bearer  ${token} extra`]) {
      const res = await fetch(`${secured.url}/api/customers`, { headers: { authorization: header } });
      expect(res.status, header).toBe(401);
    }
    const ok = await fetch(`${secured.url}/api/customers`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect((await fetch(`${secured.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${secured.url}/`)).status).toBe(200);
    expect(secured.output()).not.toContain(token);
  });
});
