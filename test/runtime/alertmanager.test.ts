/**
 * End to end with real servers: Debian's Prometheus Alertmanager, the real mcp-alertmanager binary (streamable HTTP),
 * and the runtime process. One alert is posted through Alertmanager's API v2 and read back through the runtime.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertmanagerStack } from './fixtures/real-alertmanager.ts';
import { cleanup, customer, postJson, server, startRuntime, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const alertname = `RuntimeTest_${randomUUID().slice(0, 8)}`;
let runtime: RuntimeProc;

beforeAll(async () => {
  const stack = await startAlertmanagerStack();
  await stack.postAlert({ alertname, severity: 'critical', customer: 'acme' }, { summary: 'disk almost full' });

  const config = writeConfig([customer('acme', 'Acme', [server('alertmanager', stack.mcpUrl, 'alertmanager', 'streamable-http', { alertmanager_url: stack.alertmanagerUrl })])]);
  runtime = await startRuntime(config);
});

afterAll(cleanup);

describe('real mcp-alertmanager against a real Alertmanager', () => {
  it('switches, lists the tools, calls getAlerts and sees the posted alert', async () => {
    const switched = await runtime.json('/api/customers/switch', postJson({ customer: 'Acme' }));
    expect(switched.status).toBe(200);
    expect(switched.body).toMatchObject({ success: true, connected_mcps: ['alertmanager'], failed_mcps: [] });
    expect(switched.body.connected_servers[0]).toMatchObject({ transport: 'streamable-http' });

    const tools = await runtime.json('/api/tools');
    const names = tools.body.tools.map((t: { name: string }) => t.name);
    expect(names).toEqual(expect.arrayContaining(['alertmanager_getAlerts', 'alertmanager_getSilences', 'alertmanager_createSilence']));
    expect(switched.body.tool_count).toBe(names.length);

    const called = await runtime.json('/api/tools/call', postJson({ tool: 'alertmanager_getAlerts', arguments: {} }));
    expect(called.status).toBe(200);
    expect(called.body.result.isError ?? false).toBe(false);
    const text = called.body.result.content.map((c: { text?: string }) => c.text ?? '').join('\n');
    const alerts = JSON.parse(text) as Array<{ labels: Record<string, string>; status: { state: string } }>;
    const ours = alerts.find((a) => a.labels.alertname === alertname);
    expect(ours).toMatchObject({ labels: { alertname, severity: 'critical', customer: 'acme' }, status: { state: 'active' } });

    const servers = await runtime.json('/api/servers');
    expect(servers.body.servers[0]).toMatchObject({ state: 'connected', transport: 'streamable-http', last_error: null });
    expect(servers.body.servers[0].last_call_ms).toBeGreaterThan(0);
  });
});
