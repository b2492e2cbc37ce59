/**
 * End to end with real servers: Debian's Prometheus Alertmanager, the real mcp-alertmanager binary (streamable HTTP),
 * and the runtime process. One alert is posted through Alertmanager's API v2 and read back through the runtime.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, customer, freePort, postJson, ROOT, server, startProcess, startRuntime, tempDir, waitFor, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const MCP_ALERTMANAGER = join(ROOT, 'node_modules/.pnpm/mcp-alertmanager-linux-amd64@2.1.1/node_modules/mcp-alertmanager-linux-amd64/bin/mcp-alertmanager-linux-amd64');
const alertname = `RuntimeTest_${randomUUID().slice(0, 8)}`;
let runtime: RuntimeProc;

beforeAll(async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'alertmanager.yml'), 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n');
  const amPort = await freePort();
  const am = startProcess('/usr/bin/prometheus-alertmanager', [
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${amPort}`,
    '--cluster.listen-address=',
  ]);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${amPort}/-/ready`)).ok, `alertmanager ready (${am.output().slice(-300)})`, 20_000, 100);
  const posted = await fetch(`http://127.0.0.1:${amPort}/api/v2/alerts`, postJson([{ labels: { alertname, severity: 'critical', customer: 'acme' }, annotations: { summary: 'disk almost full' } }]));
  expect(posted.status).toBe(200);

  const mcpPort = await freePort();
  const mcp = startProcess(MCP_ALERTMANAGER, ['--port', String(mcpPort), '--url', `http://127.0.0.1:${amPort}`]);
  await waitFor(
    async () => {
      const res = await fetch(`http://127.0.0.1:${mcpPort}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
      await res.body?.cancel();
      return true;
    },
    `mcp-alertmanager listening (${mcp.output().slice(-300)})`,
    20_000,
    100,
  );

  const config = writeConfig([customer('acme', 'Acme', [server('alertmanager', `http://127.0.0.1:${mcpPort}/mcp`, 'alertmanager', 'streamable-http', { alertmanager_url: `http://127.0.0.1:${amPort}` })])]);
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
