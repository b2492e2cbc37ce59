/**
 * The runtime's /metrics on a real process: tool calls counted by customer, server, tool and outcome (a tool no
 * server lists counts as `other`), durations, upstream up/down from the health loop, sessions by revision, HTTP
 * routes as templates; guarded by the API token; clean for `promtool check metrics`; no credential in it; off with
 * --metrics off.
 */
import { execFileSync } from 'node:child_process';
import { Client as V2Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeOf } from '../../runtime/metrics/runtime-metrics.ts';
import { closeStreamable, connectStreamable } from './fixtures/gateway-clients.ts';
import { startFixture } from './fixtures/mcp-fixture.ts';
import type { Fixture } from './fixtures/mcp-fixture.ts';
import { cleanup, customer, freePort, postJson, server, startRuntime, waitFor, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const API_TOKEN = 'metrics-api-token-0123456789abcdef0123';
const PLANTED = 'planted-credential-value-9f8e7d6c5b4a3210';

/** The samples of one metric family as `labels → value`. */
function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`).exec(line);
    if (match) out.set(match[1] ?? '', Number(match[2]));
  }
  return out;
}

describe('/metrics', () => {
  let fixture: Fixture;
  let runtime: RuntimeProc;
  let deadPort: number;
  const scrape = async () => {
    const res = await runtime.api('/metrics', { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  beforeAll(async () => {
    fixture = await startFixture({ name: 'grafana' });
    deadPort = await freePort();
    const config = writeConfig([
      customer('acme', 'Acme', [server('grafana', fixture.url), server('alertmanager', `http://127.0.0.1:${deadPort}/mcp`)]),
      customer('globex', 'Globex', [server('grafana', fixture.url, 'grafana', 'streamable-http', { token_env: 'GLOBEX_TOKEN' })]),
    ]);
    runtime = await startRuntime(config, { token: API_TOKEN, env: { AGENT_API_TOKEN: API_TOKEN, GLOBEX_TOKEN: PLANTED }, args: ['--health-interval-ms', '200'] });
  });
  afterAll(async () => {
    await cleanup();
    await fixture?.close();
  });

  it('counts tool calls of both faces and the API by customer, server, tool and outcome, with durations', async () => {
    const v1 = await connectStreamable(`${runtime.url}/customers/acme/mcp`, API_TOKEN);
    for (let i = 0; i < 3; i++) await v1.client.callTool({ name: 'grafana_add', arguments: { a: i, b: 1 } });
    await expect(v1.client.callTool({ name: 'grafana_no_such_tool', arguments: {} })).rejects.toThrow();
    const failed = await v1.client.callTool({ name: 'alertmanager_anything', arguments: {} }).catch((error: Error) => error);
    expect(failed).toBeInstanceOf(Error); // the dead server lists no tools: unknown, like any other name
    const v2 = new V2Client({ name: 'metrics-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await v2.connect(new V2Transport(new URL(`${runtime.url}/customers/acme/mcp`), { requestInit: { headers: { authorization: `Bearer ${API_TOKEN}` } } }));
    await v2.callTool({ name: 'grafana_echo', arguments: { text: 'hi' } });
    await runtime.json('/api/customers/switch', postJson({ customer: 'globex' }));
    await runtime.json('/api/tools/call', postJson({ tool: 'grafana_add', arguments: { a: 1, b: 1 } }));

    const text = await scrape();
    const calls = samples(text, 'mcpfleet_tool_calls_total');
    expect(calls.get('{customer="acme",server="grafana",tool="add",outcome="ok"}')).toBe(3);
    expect(calls.get('{customer="acme",server="grafana",tool="echo",outcome="ok"}')).toBe(1);
    expect(calls.get('{customer="acme",server="none",tool="other",outcome="unknown_tool"}')).toBe(2);
    expect(calls.get('{customer="globex",server="grafana",tool="add",outcome="ok"}')).toBe(1);
    expect([...calls.keys()].some((labels) => labels.includes('no_such_tool') || labels.includes('anything'))).toBe(false);
    const durations = samples(text, 'mcp_client_operation_duration_seconds_count');
    expect(durations.get('{customer="acme",mcp_method_name="tools/call",error_type=""}')).toBe(4);
    expect(durations.get('{customer="globex",mcp_method_name="tools/call",error_type=""}')).toBe(1);
    expect(samples(text, 'mcp_client_operation_duration_seconds_bucket').get('{le="+Inf",customer="acme",mcp_method_name="tools/call",error_type=""}')).toBe(4);
    const sessions = samples(text, 'mcpfleet_gateway_sessions');
    expect(sessions.get('{customer="acme",transport="streamable-http",protocol_version="2025-11-25"}')).toBe(1); // the 2026 client has none
    const http = samples(text, 'mcpfleet_http_requests_total');
    expect(http.get('{route="/customers/:id/mcp",method="POST",status="200"}')).toBeGreaterThanOrEqual(5);
    expect(http.get('{route="/api/tools/call",method="POST",status="200"}')).toBe(1);
    expect(samples(text, 'mcpfleet_pool_customers').get('')).toBe(2);
    await closeStreamable(v1);
    await v2.close();
  });

  it('the health loop reports each server up or down, with the failure reason counted', async () => {
    const text = await waitFor(async () => {
      const t = await scrape();
      return samples(t, 'mcpfleet_upstream_up').size === 3 ? t : undefined;
    }, 'every server probed', 10_000);
    const up = samples(text, 'mcpfleet_upstream_up');
    expect(up.get('{customer="acme",server="grafana"}')).toBe(1);
    expect(up.get('{customer="globex",server="grafana"}')).toBe(1);
    expect(up.get('{customer="acme",server="alertmanager"}')).toBe(0);
    expect(samples(text, 'mcpfleet_upstream_connect_failures_total').get('{customer="acme",server="alertmanager",reason="refused"}')).toBeGreaterThan(0);
  });

  it('is clean for promtool, carries no credential, and needs the API token', async () => {
    const text = await scrape();
    expect(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe('');
    expect(text).not.toContain(PLANTED);
    expect(text).not.toContain(API_TOKEN);
    const bare = await fetch(`${runtime.url}/metrics`);
    expect(bare.status).toBe(401);
    expect(await bare.text()).not.toContain('mcpfleet_');
  });

  it('the runtime writes one JSON object per line, audit lines included (a log shipper takes them as they are)', () => {
    const lines = runtime.output().split('\n').filter((line) => line.trim() !== '');
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const audit = parsed.filter((entry) => entry.audit === 'tools/call');
    expect(audit.length).toBeGreaterThanOrEqual(6);
    for (const entry of audit) expect(entry).toMatchObject({ msg: 'gateway tool call', customer: 'acme', outcome: expect.any(String), duration_ms: expect.any(Number) });
  });

  it('route labels are templates, never raw paths', () => {
    expect(routeOf('/customers/acme/mcp')).toBe('/customers/:id/mcp');
    expect(routeOf('/api/customers/acme')).toBe('/api/customers/:id');
    expect(routeOf('/api/customers/switch')).toBe('/api/customers/switch');
    expect(routeOf('/customers/acme/mcp/../../etc')).toBe('other');
    expect(routeOf(`/${'x'.repeat(500)}`)).toBe('other');
  });
});

describe('--metrics off', () => {
  afterAll(cleanup);
  it('serves no /metrics', async () => {
    const runtime = await startRuntime(writeConfig([customer('acme', 'Acme', [])]), { args: ['--metrics', 'off'] });
    expect((await runtime.api('/metrics')).status).toBe(404);
  });
});
