/**
 * The generated monitoring, end to end and for real: Debian's Prometheus scrapes a running agent runtime on
 * 127.0.0.1 with the generated prometheus.yml (target rewritten to the test's port, token file and alerting section
 * added) and the generated rules (from a fleet config with short durations, not hand-edited), and sends alerts to
 * Debian's Alertmanager, whose webhook receiver is a small HTTP server here that records every notification.
 * The real mcp-alertmanager behind the gateway is killed: McpServerDown fires and reaches the webhook naming the
 * customer and the server; started again on the same port, the alert resolves. The timeline is printed.
 * (One Alertmanager plays both parts: mcp-alertmanager's upstream, and the receiver of the fleet's alerts.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFleet } from '../../fleet/build-fleet.ts';
import { monitoringFiles, PROMETHEUS_FILE, RULES_FILE } from '../../generators/monitoring/index.ts';
import { ALERTS } from '../../generators/monitoring/rules.ts';
import { MCP_ALERTMANAGER } from './fixtures/real-alertmanager.ts';
import { cleanup, customer, freePort, type Proc, type RuntimeProc, server, startProcess, startRuntime, tempDir, waitFor, writeConfig } from './helpers.ts';

const API_TOKEN = 'monitoring-e2e-token-0123456789abcdef';
/** Short durations for the test, through the fleet config as a user would set them. */
const MONITORING = { serverDownFor: '3s', agentDownFor: '1m', scrapeInterval: '1s' };
const HEALTH_INTERVAL_MS = 500;

interface Notification {
  receivedAt: number;
  status: string;
  alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }>;
}

describe('generated monitoring, end to end (Prometheus → Alertmanager → webhook)', () => {
  const notifications: Notification[] = [];
  let hook: Server;
  let alertmanagerUrl: string;
  let prometheusUrl: string;
  let mcpPort: number;
  let mcp: Proc;
  let runtime: RuntimeProc;
  let dir: string;

  const startMcpAlertmanager = () => startProcess(MCP_ALERTMANAGER, ['--port', String(mcpPort), '--url', alertmanagerUrl]);
  const query = async (promql: string) => {
    const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    return body.data.result;
  };
  const prometheusAlert = async (state: string) => {
    const res = await fetch(`${prometheusUrl}/api/v1/alerts`);
    const body = (await res.json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
    return body.data.alerts.find((a) => a.labels.alertname === ALERTS.serverDown && a.labels.customer === 'acme' && a.state === state);
  };
  const notified = (status: string, after: number) =>
    notifications.find((n) => n.receivedAt >= after && n.alerts.some((a) => a.status === status && a.labels.alertname === ALERTS.serverDown));

  beforeAll(async () => {
    dir = tempDir('mcpfleet-monitoring-e2e-');
    // The webhook receiver: records each notification with the time it arrived.
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        notifications.push({ receivedAt: Date.now(), ...(JSON.parse(body) as Omit<Notification, 'receivedAt'>) });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;

    // Alertmanager: group per alert, customer and server; flush fast so the test measures Prometheus, not waits.
    const amPort = await freePort();
    alertmanagerUrl = `http://127.0.0.1:${amPort}`;
    mkdirSync(join(dir, 'am-data'));
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      yaml.dump({
        route: { receiver: 'webhook', group_by: ['alertname', 'customer', 'server'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
        receivers: [{ name: 'webhook', webhook_configs: [{ url: hookUrl, send_resolved: true }] }],
      }),
    );
    const am = startProcess('/usr/bin/prometheus-alertmanager', [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
    ]);
    await waitFor(async () => (await fetch(`${alertmanagerUrl}/-/ready`)).ok, `alertmanager ready (${am.output().slice(-300)})`, 20_000, 100);

    // The real mcp-alertmanager, behind the gateway as customer acme's server "alertmanager".
    mcpPort = await freePort();
    mcp = startMcpAlertmanager();
    await waitFor(async () => (await fetch(`http://127.0.0.1:${mcpPort}/mcp`, { method: 'POST', body: '{}' }).then((r) => r.body?.cancel())) ?? true, 'mcp-alertmanager listening', 20_000, 100);
    runtime = await startRuntime(writeConfig([customer('acme', 'Acme Corp', [server('alertmanager', `http://127.0.0.1:${mcpPort}/mcp`)])]), {
      token: API_TOKEN,
      env: { AGENT_API_TOKEN: API_TOKEN },
      args: ['--health-interval-ms', String(HEALTH_INTERVAL_MS)],
    });

    // The generated Prometheus files for the same customer, from a fleet config with short durations.
    const built = buildFleet({
      customers: [{ id: 'acme', file: 'customers/acme.ts', exported: { name: 'Acme Corp', host: 'acme.example.com', mcpServers: [{ type: 'alertmanager', url: 'http://am.acme.example.com:9093' }] } }],
      config: { monitoring: MONITORING },
    });
    if (!built.ok) throw new Error(JSON.stringify(built.problems));
    const generated = new Map(monitoringFiles(built.fleet).map((f) => [f.path, f.content]));
    writeFileSync(join(dir, 'mcpfleet-rules.yml'), generated.get(RULES_FILE)!);
    writeFileSync(join(dir, 'agent-token'), API_TOKEN);
    const config = yaml.load(generated.get(PROMETHEUS_FILE)!) as { scrape_configs: Array<Record<string, any>>; [key: string]: unknown };
    const job = config.scrape_configs[0]!;
    // Only what differs on this machine: the runtime's port, where the token file is, and where Alertmanager is.
    job.static_configs = [{ targets: [new URL(runtime.url).host] }];
    job.authorization.credentials_file = join(dir, 'agent-token');
    config.alerting = { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] };
    writeFileSync(join(dir, 'prometheus.yml'), yaml.dump(config));

    const promPort = await freePort();
    prometheusUrl = `http://127.0.0.1:${promPort}`;
    const prometheus = startProcess('/usr/bin/prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'prom-data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    await waitFor(async () => (await fetch(`${prometheusUrl}/-/ready`)).ok, `prometheus ready (${prometheus.output().slice(-500)})`, 20_000, 100);
  }, 90_000);

  afterAll(async () => {
    await cleanup();
    await new Promise((r) => hook?.close(r));
  });

  it('McpServerDown fires when mcp-alertmanager is killed, reaches the webhook naming customer and server, and resolves when it is back', async () => {
    // Prometheus scrapes the runtime with the token and sees the server up; nothing fires.
    const up = await waitFor(async () => (await query('mcpfleet_upstream_up{customer="acme",server="alertmanager"} == 1')).length > 0, 'upstream up in Prometheus', 20_000, 250);
    expect(up).toBe(true);
    expect((await query('up{job="mcp-agent"}'))[0]!.value[1]).toBe('1');
    expect(notifications).toEqual([]);

    const killedAt = Date.now();
    await mcp.stop();
    const downSeen = await waitFor(async () => ((await query('mcpfleet_upstream_up{customer="acme",server="alertmanager"} == 0')).length > 0 ? Date.now() : 0), 'upstream down in Prometheus', 15_000, 100);
    const pendingAt = await waitFor(async () => ((await prometheusAlert('pending')) || (await prometheusAlert('firing')) ? Date.now() : 0), 'alert pending', 15_000, 100);
    const firingAt = await waitFor(async () => ((await prometheusAlert('firing')) ? Date.now() : 0), 'alert firing in Prometheus', 20_000, 100);
    const firing = await waitFor(() => notified('firing', killedAt), 'a firing notification at the webhook', 20_000, 100);
    const alert = firing.alerts.find((a) => a.labels.alertname === ALERTS.serverDown)!;
    // Exactly these labels: aggregated over the agent's replicas (no job or instance), one alert per server.
    expect(alert.labels).toEqual({ alertname: 'McpServerDown', customer: 'acme', server: 'alertmanager', severity: 'critical' });
    expect(alert.annotations.summary).toBe('MCP server alertmanager of Acme Corp (acme) is down');
    // It fired after serverDownFor, not before.
    expect(firingAt - downSeen).toBeGreaterThanOrEqual(3_000 - 1_000);

    const restartedAt = Date.now();
    mcp = startMcpAlertmanager();
    const resolved = await waitFor(() => notified('resolved', restartedAt), 'a resolved notification at the webhook', 30_000, 100);
    const back = resolved.alerts.find((a) => a.labels.alertname === ALERTS.serverDown)!;
    expect(back.labels).toMatchObject({ customer: 'acme', server: 'alertmanager' });
    expect((await query('mcpfleet_upstream_up{customer="acme",server="alertmanager"}'))[0]!.value[1]).toBe('1');

    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const timeline = [
      `kill → down in Prometheus ${s(downSeen - killedAt)}`,
      `kill → pending ${s(pendingAt - killedAt)}`,
      `kill → firing in Prometheus ${s(firingAt - killedAt)}`,
      `kill → firing at the webhook ${s(firing.receivedAt - killedAt)}`,
      `restart → resolved at the webhook ${s(resolved.receivedAt - restartedAt)}`,
    ];
    console.log(
      `monitoring e2e timeline (health ${HEALTH_INTERVAL_MS} ms, scrape/eval ${MONITORING.scrapeInterval}, for ${MONITORING.serverDownFor}, Alertmanager group_wait/interval 1 s):\n  ${timeline.join('\n  ')}`,
    );
  }, 90_000);
});
