/**
 * Plants credential values in the runtime's environment and in upstream servers (error bodies, tool errors, tool
 * results), exercises every route, and asserts that no response body or log line contains any of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED } from '../../runtime/redact.ts';
import { startFixture } from './fixtures/mcp-fixture.ts';
import type { Fixture } from './fixtures/mcp-fixture.ts';
import { cleanup, customer, postJson, server, startRuntime, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

// In the runtime's environment.
const GRAFANA_TOKEN = 'glsa_PLANTED7x9Qm2Lk4Vb8Nc1Rz5Ty3Wp6'; // named by a token_env entry
const AM_PASSWORD = 'planted-am-password-31415'; // secret-looking variable name
const GENESYS_ID = 'planted-genesys-client-id-27182'; // ordinary name, but referenced by *_env
const API_TOKEN = 'planted-api-token-16180339';
// Known only to upstream servers.
const UPSTREAM_401 = 'upstreamOnlyToken9f8e7d6c5b4a3';
const UPSTREAM_LEAK = 'upstreamOnlyPass2718281828';

const ALL = [GRAFANA_TOKEN, AM_PASSWORD, GENESYS_ID, API_TOKEN, UPSTREAM_401, UPSTREAM_LEAK];

const closers: Array<() => Promise<void>> = [];
let runtime: RuntimeProc;
let echoing: Fixture;
const responses: string[] = [];

async function call(path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await runtime.json(path, init);
  responses.push(`${res.status} ${res.text}`);
  return res;
}

beforeAll(async () => {
  echoing = await startFixture({ secret: GRAFANA_TOKEN });
  const rejecting = await startFixture({ rejectWithBody: `invalid token=${UPSTREAM_401}; Authorization: Bearer ${UPSTREAM_401}` });
  const leaking = await startFixture({ secret: UPSTREAM_LEAK, mode: 'sse-only' });
  closers.push(echoing.close, rejecting.close, leaking.close);
  const path = writeConfig([
    customer('acme', 'Acme', [
      server('grafana', echoing.url, 'grafana', 'streamable-http', { grafana_url: 'https://grafana.acme.test', token_env: 'GRAFANA_TOKEN_ACME' }),
      server('alertmanager', rejecting.url, 'alertmanager', 'streamable-http', { alertmanager_url: 'https://am.acme.test', password_env: 'ALERTMANAGER_PASSWORD_ACME' }),
      server('genesys', leaking.sseUrl, 'genesys', 'sse', { region: 'mypurecloud.de', oauth_client_id_env: 'GENESYS_CLIENT_ID_ACME' }),
    ]),
  ]);
  runtime = await startRuntime(path, {
    token: API_TOKEN,
    args: ['--log-level', 'debug', '--connect-timeout-ms', '5000'],
    env: {
      AGENT_API_TOKEN: API_TOKEN,
      GRAFANA_TOKEN_ACME: GRAFANA_TOKEN,
      ALERTMANAGER_PASSWORD_ACME: AM_PASSWORD,
      GENESYS_CLIENT_ID_ACME: GENESYS_ID,
    },
  });
});

afterAll(async () => {
  await cleanup();
  await Promise.all(closers.map((c) => c().catch(() => {})));
});

describe('secrets', () => {
  it('never appear in responses or logs', async () => {
    await call('/healthz');
    await call('/readyz');
    await call('/api/customers');
    await call('/api/customers/acme');
    const switched = await call('/api/customers/switch', postJson({ customer: 'acme' }));
    expect(switched.body.failed_mcps).toEqual([expect.objectContaining({ name: 'alertmanager', reason: 'auth' })]);
    await call('/api/tools');
    await call('/api/servers');

    // A tool result echoing a value the runtime knows is redacted by value.
    const echoed = await call('/api/tools/call', postJson({ tool: 'grafana_echo', arguments: { text: `token is ${GRAFANA_TOKEN} and id ${GENESYS_ID}` } }));
    expect(echoed.body.result.content[0].text).toBe(`token is ${REDACTED} and id ${REDACTED}`);

    // Tool errors echoing credentials, known to the runtime or only to the upstream.
    for (const tool of ['grafana_leak_result', 'grafana_leak_throw', 'genesys_leak_result', 'genesys_leak_throw']) {
      const res = await call('/api/tools/call', postJson({ tool, arguments: {} }));
      expect(res.status, tool).toBe(200);
      expect(res.body.result.isError, tool).toBe(true);
      expect(res.body.result.content[0].text, tool).toContain(REDACTED);
    }

    // Inputs that carry a known secret are not echoed back either.
    await call('/api/customers/switch', postJson({ customer: AM_PASSWORD }));
    await call(`/api/customers/${encodeURIComponent(GRAFANA_TOKEN)}`);
    await call('/api/tools/call', postJson({ tool: API_TOKEN }));
    // Reconnect attempts against the rejecting server, then its status.
    await new Promise((r) => setTimeout(r, 600));
    await call('/api/customers/switch', postJson({ customer: 'acme' }));
    await call('/api/servers');

    const everything = [...responses, runtime.output()].join('\n');
    expect(responses.length).toBeGreaterThan(15);
    expect(runtime.output()).toContain('"msg":"tool call"');
    for (const secret of ALL) {
      expect(everything.includes(secret), `secret ${secret.slice(0, 12)}… leaked`).toBe(false);
    }
    expect(everything).toContain(REDACTED);
  });
});
