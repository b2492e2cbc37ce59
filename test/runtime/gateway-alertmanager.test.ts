/**
 * End to end through the gateway with real upstreams (Debian's Prometheus Alertmanager behind the real
 * mcp-alertmanager binary) and two clients: the official MCP SDK client (streamable HTTP and legacy SSE) and the MCP
 * inspector CLI, a client nobody here wrote (by URL, and through a Claude-style `mcpServers` config file). An alert
 * posted through Alertmanager's API v2 is read back with `alertmanager_getAlerts`; the customer's token is required
 * and its read-only filter hides `createSilence`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeStreamable, connectSse, connectStreamable, runInspector, writeClientConfig } from './fixtures/gateway-clients.ts';
import { startAlertmanagerStack } from './fixtures/real-alertmanager.ts';
import { cleanup, customer, server, startRuntime, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const TOKEN = `gw-${randomBytes(18).toString('hex')}`;
const alertname = `GatewayTest_${randomUUID().slice(0, 8)}`;
let runtime: RuntimeProc;
let url: string;

/** The alerts in a getAlerts result. */
function alertsOf(result: unknown): Array<{ labels: Record<string, string>; status: { state: string } }> {
  const text = ((result as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  return JSON.parse(text);
}

beforeAll(async () => {
  const stack = await startAlertmanagerStack();
  await stack.postAlert({ alertname, severity: 'critical', customer: 'acme' }, { summary: 'disk almost full' });
  const config = writeConfig([
    {
      ...customer('acme', 'Acme', [server('alertmanager', stack.mcpUrl, 'alertmanager', 'streamable-http', { alertmanager_url: stack.alertmanagerUrl })]),
      gateway: { token_env: 'GATEWAY_TOKEN_ACME', deny_tools: ['createSilence', 'deleteSilence'] },
    },
  ]);
  runtime = await startRuntime(config, { env: { GATEWAY_TOKEN_ACME: TOKEN } });
  url = `${runtime.url}/customers/acme/mcp`;
});

afterAll(cleanup);

describe('gateway with real mcp-alertmanager and a real Alertmanager', () => {
  it('SDK client (streamable HTTP): lists the namespaced tools and getAlerts sees the posted alert', async () => {
    const c = await connectStreamable(url, TOKEN);
    try {
      const names = (await c.client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['alertmanager_getAlerts', 'alertmanager_getSilences']));
      expect(names.every((n) => n.startsWith('alertmanager_'))).toBe(true);
      expect(names).not.toContain('alertmanager_createSilence');
      expect(names).not.toContain('alertmanager_deleteSilence');
      const result = await c.client.callTool({ name: 'alertmanager_getAlerts', arguments: {} });
      expect(result.isError ?? false).toBe(false);
      expect(alertsOf(result).find((a) => a.labels.alertname === alertname)).toMatchObject({ labels: { alertname, severity: 'critical' }, status: { state: 'active' } });
      await expect(c.client.callTool({ name: 'alertmanager_createSilence', arguments: {} })).rejects.toThrow(/not found/);
    } finally {
      await closeStreamable(c);
    }
  });

  it('SDK client (legacy SSE): same tools, same alert', async () => {
    const client = await connectSse(`${runtime.url}/customers/acme/sse`, TOKEN);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('alertmanager_getAlerts');
      expect(alertsOf(await client.callTool({ name: 'alertmanager_getAlerts', arguments: {} })).some((a) => a.labels.alertname === alertname)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('MCP inspector CLI by URL: tools/list and tools/call getAlerts (streamable HTTP and SSE); refused without the token', async () => {
    const auth = `Authorization: Bearer ${TOKEN}`;
    const listed = await runInspector([url, '--transport', 'http', '--header', auth, '--method', 'tools/list']);
    expect(listed.code, listed.stderr).toBe(0);
    const names = (JSON.parse(listed.stdout) as { tools: Array<{ name: string }> }).tools.map((t) => t.name);
    expect(names).toContain('alertmanager_getAlerts');
    expect(names).not.toContain('alertmanager_createSilence');

    const called = await runInspector([url, '--header', auth, '--method', 'tools/call', '--tool-name', 'alertmanager_getAlerts']);
    expect(called.code, called.stderr).toBe(0);
    expect(alertsOf(JSON.parse(called.stdout)).some((a) => a.labels.alertname === alertname)).toBe(true);

    const overSse = await runInspector([`${runtime.url}/customers/acme/sse`, '--transport', 'sse', '--header', auth, '--method', 'tools/call', '--tool-name', 'alertmanager_getAlerts']);
    expect(overSse.code, overSse.stderr).toBe(0);
    expect(alertsOf(JSON.parse(overSse.stdout)).some((a) => a.labels.alertname === alertname)).toBe(true);

    const refused = await runInspector([url, '--transport', 'http', '--method', 'tools/list']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/401|nauthorized/);
    expect(refused.stdout + refused.stderr).not.toContain(TOKEN);
  });

  it('MCP inspector CLI with a Claude-style mcpServers config file', async () => {
    const config = writeClientConfig({ 'acme-ops': { type: 'streamable-http', url } });
    const listed = await runInspector(['--config', config, '--server', 'acme-ops', '--header', `Authorization: Bearer ${TOKEN}`, '--method', 'tools/list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('alertmanager_getAlerts');
  });

  it('audited every call without argument values, and never logged the token', async () => {
    const lines = runtime.output().split('\n').filter((l) => l.includes('"msg":"gateway tool call"'));
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(lines.some((l) => /"tool":"alertmanager_createSilence".*"outcome":"denied"/.test(l))).toBe(true);
    expect(lines.filter((l) => /"tool":"alertmanager_getAlerts".*"outcome":"ok"/.test(l)).length).toBeGreaterThanOrEqual(4);
    expect(runtime.output()).not.toContain(TOKEN);
  });
});
