/**
 * The agent page's API on a real runtime process against fixture MCP servers: the fleet overview, per-customer server
 * status with last-checked times and health, Reconnect (skipping the backoff), tools grouped by server, tool calls
 * under the gateway's filter and tokens, the gateway endpoint with a client config that an MCP client can use as it
 * is, and that no planted secret value ever appears in a response or in the log.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture } from './fixtures/mcp-fixture.ts';
import type { Fixture } from './fixtures/mcp-fixture.ts';
import { cleanup, customer, freePort, postJson, server, startRuntime, waitFor, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const API_TOKEN = 'api-token-4b7f1e0c2d9a8b6e';
const ACME_TOKEN = 'acme-gateway-token-71c3e9f0a5';
const GRAFANA_SECRET = 'planted-grafana-secret-93e1b7d2c4';
const URL_SECRET = 'planted-url-secret-5a0c8e2f7b';
const SECRETS = [API_TOKEN, ACME_TOKEN, GRAFANA_SECRET, URL_SECRET];

const closers: Array<() => Promise<void>> = [];
let acmeGrafana: Fixture;
let betaGrafana: Fixture;
let runtime: RuntimeProc;
/** Every response body this file received, for the no-secret check. */
const seen: string[] = [];

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
async function call(path: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${runtime.url}${path}`, init);
  const text = await res.text();
  seen.push(text);
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}
const get = (path: string, token = API_TOKEN) => call(path, { headers: auth(token) });
const post = (path: string, body: unknown, token?: string) => call(path, { ...postJson(body), headers: { 'content-type': 'application/json', ...(token ? auth(token) : {}) } });

beforeAll(async () => {
  acmeGrafana = await startFixture({ name: 'acme-grafana', secret: GRAFANA_SECRET });
  betaGrafana = await startFixture({ name: 'beta-grafana' });
  const gamma = await startFixture({ name: 'gamma' });
  closers.push(acmeGrafana.close, betaGrafana.close, gamma.close);
  const refused = await freePort();
  const config = writeConfig([
    {
      ...customer('acme', 'Acme', [
        server('grafana', acmeGrafana.url, 'grafana', 'streamable-http', { token_env: 'GRAFANA_TOKEN_ACME' }),
        server('ghost', `http://127.0.0.1:${refused}/mcp?api_key=${URL_SECRET}`, 'genesys'),
      ]),
      gateway: { token_env: 'GATEWAY_TOKEN_ACME', deny_tools: ['sleep', 'grafana_leak_throw'] },
    },
    customer('beta', 'Beta', [server('grafana', betaGrafana.url)]),
    customer('gamma', 'Gamma', [server('grafana', gamma.url)]),
    { ...customer('locked', 'Locked', [server('grafana', gamma.url)]), gateway: { token_env: 'GATEWAY_TOKEN_LOCKED' } },
  ]);
  runtime = await startRuntime(config, {
    args: ['--connect-timeout-ms', '2000', '--log-level', 'debug'],
    env: { AGENT_API_TOKEN: API_TOKEN, GATEWAY_TOKEN_ACME: ACME_TOKEN, GRAFANA_TOKEN_ACME: GRAFANA_SECRET },
  });
});

afterAll(async () => {
  await cleanup();
  await Promise.all(closers.map((c) => c().catch(() => {})));
});

describe('agent page API', () => {
  it('servers of a customer: checked, with health, last checked time and a redacted reason', async () => {
    const before = Date.now();
    const { status, body } = await get('/api/customers/acme/servers');
    expect(status).toBe(200);
    expect(body.customer_id).toBe('acme');
    const [grafana, ghost] = body.servers;
    expect(grafana).toMatchObject({ name: 'grafana', state: 'connected', health: 'up', error: null });
    expect(Date.parse(grafana.last_checked_at)).toBeGreaterThanOrEqual(before - 1000);
    // The customer's filter hides two of the fixture's five tools.
    expect(grafana.tool_count).toBe(3);
    expect(ghost).toMatchObject({ name: 'ghost', state: 'failed', health: 'down', error: { reason: 'refused' } });
    expect(ghost.url).not.toContain('?');
    expect(Date.parse(ghost.last_checked_at)).toBeGreaterThanOrEqual(before - 1000);
    // Never made current: the page's routes leave the runtime's current customer alone.
    expect((await get('/api/customers')).body.current).toBeNull();
    // Guarded like the rest of /api.
    expect((await call('/api/customers/acme/servers')).status).toBe(401);
    expect((await get('/api/customers/nope/servers')).status).toBe(404);
  });

  it('a stopped server turns down at the next check and up again by itself; Reconnect skips the backoff', async () => {
    expect((await get('/api/customers/beta/servers')).body.servers[0]).toMatchObject({ state: 'connected', health: 'up' });
    await betaGrafana.kill();
    const down = await waitFor(async () => {
      const s = (await get('/api/customers/beta/servers')).body.servers[0];
      return s.health === 'down' ? s : null;
    }, 'beta grafana to be down', 8_000, 300);
    expect(down.state).toBe('failed');
    await betaGrafana.restart();
    // By itself (no switch, no reconnect): the next checks out of the backoff reconnect it.
    await waitFor(async () => (await get('/api/customers/beta/servers')).body.servers[0].state === 'connected', 'beta grafana to recover', 8_000, 300);

    // Down again, several times, so the backoff is long; then Reconnect at once.
    await betaGrafana.kill();
    await waitFor(async () => (await get('/api/customers/beta/servers')).body.servers[0].consecutive_failures >= 2, 'two failures', 8_000, 300);
    await betaGrafana.restart();
    const initializes = betaGrafana.stats.initializes;
    const reconnected = await post('/api/customers/beta/reconnect', { server: 'grafana' }, API_TOKEN);
    expect(reconnected.status).toBe(200);
    expect(reconnected.body.reconnected).toEqual(['grafana']);
    expect(reconnected.body.servers[0]).toMatchObject({ state: 'connected', health: 'up', consecutive_failures: 0 });
    expect(betaGrafana.stats.initializes).toBeGreaterThan(initializes);
    // No body: every server of the customer.
    expect((await post('/api/customers/beta/reconnect', undefined, API_TOKEN)).body.reconnected).toEqual(['grafana']);
    expect((await post('/api/customers/beta/reconnect', { server: 'nope' }, API_TOKEN)).status).toBe(404);
    expect((await post('/api/customers/beta/reconnect', { server: 'grafana' })).status).toBe(401);
  });

  it('fleet overview: every customer × server with health and last checked time', async () => {
    const { status, body } = await waitFor(async () => {
      const answer = await get('/api/fleet');
      return answer.body.customers.every((c: any) => c.servers.every((s: any) => s.health === 'up' || s.health === 'down')) ? answer : null;
    }, 'every server checked', 8_000, 300);
    expect(status).toBe(200);
    const grid = Object.fromEntries(body.customers.map((c: any) => [c.id, Object.fromEntries(c.servers.map((s: any) => [s.name, s.health]))]));
    expect(grid).toEqual({ acme: { grafana: 'up', ghost: 'down' }, beta: { grafana: 'up' }, gamma: { grafana: 'up' }, locked: { grafana: 'up' } });
    const gamma = body.customers.find((c: any) => c.id === 'gamma');
    // Not pooled: a fresh handshake probe, with its time.
    expect(gamma.pooled).toBe(false);
    expect(gamma.servers[0].state).toBeNull();
    expect(Date.parse(gamma.servers[0].last_checked_at)).toBeGreaterThan(0);
    const ghost = body.customers.find((c: any) => c.id === 'acme').servers[1];
    expect(ghost.error.reason).toBe('refused');
    expect(body.totals).toMatchObject({ up: 4, down: 1 });
  });

  it('tools grouped by server, after the filter, with descriptions and input schemas', async () => {
    const { status, body } = await get('/api/customers/acme/tools');
    expect(status).toBe(200);
    expect(body.servers.map((g: any) => g.name)).toEqual(['grafana', 'ghost']);
    const grafana = body.servers[0];
    expect(grafana.tools.map((t: any) => t.name)).toEqual(['grafana_echo', 'grafana_add', 'grafana_leak_result']);
    expect(grafana.tools[0]).toMatchObject({ original_name: 'echo', description: 'Echoes the text back.', input_schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } });
    expect(body.servers[1]).toMatchObject({ name: 'ghost', state: 'failed', tools: [] });
    expect(body.tool_count).toBe(3);
  });

  it('tool calls take the gateway\'s tokens: the customer\'s own, else the API token; 503 while unset', async () => {
    const echo = { tool: 'grafana_echo', arguments: { text: 'hello' } };
    // acme names its own token: only that opens it (not the API token), as on its MCP endpoint.
    expect((await post('/api/customers/acme/tools/call', echo)).status).toBe(401);
    const withApiToken = await post('/api/customers/acme/tools/call', echo, API_TOKEN);
    expect(withApiToken.status).toBe(401);
    expect(withApiToken.headers.get('www-authenticate')).toContain('Bearer');
    expect(withApiToken.body.error).toContain('GATEWAY_TOKEN_ACME');
    const ok = await post('/api/customers/acme/tools/call', echo, ACME_TOKEN);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ customer_id: 'acme', tool: 'grafana_echo', server: 'grafana', result: { content: [{ type: 'text', text: 'hello' }] } });
    // beta has no token of its own: the API token, which is set.
    expect((await post('/api/customers/beta/tools/call', echo)).status).toBe(401);
    expect((await post('/api/customers/beta/tools/call', echo, ACME_TOKEN)).status).toBe(401);
    expect((await post('/api/customers/beta/tools/call', echo, API_TOKEN)).body.result.content[0].text).toBe('hello');
    // locked names a variable that is not set: closed.
    const locked = await post('/api/customers/locked/tools/call', echo, API_TOKEN);
    expect(locked).toMatchObject({ status: 503, body: { code: 'gateway_token_unset' } });
  });

  it('a tool the customer\'s filter hides cannot be called (404, like an unknown one)', async () => {
    for (const tool of ['grafana_sleep', 'grafana_leak_throw']) {
      const refused = await post('/api/customers/acme/tools/call', { tool, arguments: { ms: 1 } }, ACME_TOKEN);
      expect(refused.status, tool).toBe(404);
      expect(refused.body.code).toBe('unknown_tool');
    }
    // The same tools on beta, which has no filter, are there.
    expect((await post('/api/customers/beta/tools/call', { tool: 'grafana_sleep', arguments: { ms: 1 } }, API_TOKEN)).status).toBe(200);
    // And through the current-customer route after a switch.
    expect((await post('/api/customers/switch', { customer: 'acme' }, API_TOKEN)).status).toBe(200);
    expect((await post('/api/tools/call', { tool: 'grafana_sleep', arguments: { ms: 1 } }, API_TOKEN)).status).toBe(404);
    // The current-customer status carries the check time too.
    const servers = (await get('/api/servers')).body.servers;
    expect(servers.map((s: any) => s.name)).toEqual(['grafana', 'ghost']);
    for (const s of servers) expect(Date.parse(s.last_checked_at)).toBeGreaterThan(0);
  });

  it('gateway endpoint and client config: a placeholder, never the token, and a client can use it as it is', async () => {
    const acme = (await get('/api/customers/acme/client-config')).body;
    expect(acme).toMatchObject({
      customer_id: 'acme',
      gateway: 'on',
      auth: 'customer-token',
      token_env: 'GATEWAY_TOKEN_ACME',
      endpoint: { mcp: `${runtime.url}/customers/acme/mcp`, path: '/customers/acme/mcp' },
      client_config: { mcpServers: { acme: { type: 'http', url: `${runtime.url}/customers/acme/mcp`, headers: { Authorization: 'Bearer ${GATEWAY_TOKEN_ACME}' } } } },
    });
    const beta = (await get('/api/customers/beta/client-config')).body;
    expect(beta.client_config.mcpServers.beta.headers).toEqual({ Authorization: 'Bearer ${AGENT_API_TOKEN}' });
    const locked = (await get('/api/customers/locked/client-config')).body;
    expect(locked).toMatchObject({ auth: 'token-unset' });
    expect(locked.note).toContain('GATEWAY_TOKEN_LOCKED is not set');
    // What a client does with it: expand the placeholder from its environment, connect, list.
    const entry = acme.client_config.mcpServers.acme;
    const env: Record<string, string> = { GATEWAY_TOKEN_ACME: ACME_TOKEN };
    const headers = Object.fromEntries(Object.entries(entry.headers as Record<string, string>).map(([k, v]) => [k, v.replace(/\$\{(\w+)\}/g, (_, name: string) => env[name]!)]));
    const client = new Client({ name: 'agent-page-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(entry.url), { requestInit: { headers } }));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['grafana_echo', 'grafana_add', 'grafana_leak_result']);
    } finally {
      await client.close();
    }
  });

  it('no secret value in any response or log line', async () => {
    // Error results that echo a credential are scrubbed on the way out.
    const leak = await post('/api/customers/acme/tools/call', { tool: 'grafana_leak_result', arguments: {} }, ACME_TOKEN);
    expect(leak.status).toBe(200);
    expect(leak.body.result.isError).toBe(true);
    for (const path of ['/api/fleet', '/api/customers', '/api/customers/acme', '/api/servers', '/api/tools']) await get(path);
    // The page's routes are counted by template, not by customer.
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(seen.at(-1)).toMatch(/mcpfleet_http_requests_total\{route="\/api\/customers\/:id\/servers",method="GET",status="200"\}/);
    expect(seen.at(-1)).not.toContain('/api/customers/acme/');
    for (const id of ['acme', 'beta', 'gamma', 'locked']) {
      for (const route of ['servers', 'tools', 'client-config']) expect((await get(`/api/customers/${id}/${route}`)).status).toBe(200);
    }
    const all = seen.join('\n');
    expect(seen.length).toBeGreaterThan(40);
    for (const secret of SECRETS) {
      expect(all, 'responses').not.toContain(secret);
      expect(runtime.output(), 'log').not.toContain(secret);
    }
  });
});
