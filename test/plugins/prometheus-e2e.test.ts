/**
 * The example Prometheus plugin end to end, with real components: Debian's Prometheus, the real mcp-prometheus binary
 * (npm `mcp-prometheus-linux-amd64`) started with the arguments and environment the generated compose service gives
 * it, on the host port the compose file publishes, and the agent runtime reading the generated mcp_servers.json with
 * `--upstream-compose-file`. A PromQL query through the customer's gateway endpoint is answered by that Prometheus.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import jsYaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetRepo, REPO_ROOT } from '../helpers/fleet-repo.ts';
import { closeStreamable, connectStreamable } from '../runtime/fixtures/gateway-clients.ts';
import { cleanup, freePort, startProcess, startRuntime, tempDir, waitFor, type RuntimeProc } from '../runtime/helpers.ts';

const MCP_PROMETHEUS = path.join(REPO_ROOT, 'node_modules/.pnpm/mcp-prometheus-linux-amd64@2.1.1/node_modules/mcp-prometheus-linux-amd64/bin/mcp-prometheus-linux-amd64');
const PROMETHEUS_PLUGIN = path.join(REPO_ROOT, 'examples/plugins/prometheus/index.ts');

let repo: FleetRepo;
let runtime: RuntimeProc;

beforeAll(async () => {
  // Prometheus on a free loopback port, scraping nothing: PromQL is evaluated all the same.
  const dir = tempDir();
  mkdirSync(path.join(dir, 'data'));
  writeFileSync(path.join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\nscrape_configs: []\n');
  const promPort = await freePort();
  const prom = startProcess('/usr/bin/prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`]);
  const prometheusUrl = `http://127.0.0.1:${promPort}`;
  await waitFor(async () => (await fetch(`${prometheusUrl}/-/ready`).catch(() => undefined))?.ok, `prometheus ready (${prom.output().slice(-300)})`, 30_000, 100);

  repo = new FleetRepo().addCustomer('acme', { name: 'Acme', host: 'acme.example.com', mcpServers: [{ type: 'prometheus', url: prometheusUrl }], gateway: { tokenEnv: 'GATEWAY_TOKEN_ACME' } });
  writeFileSync(
    path.join(repo.root, 'fleet.config.ts'),
    `import { defineFleetConfig } from ${JSON.stringify(path.join(REPO_ROOT, 'schema/index.ts'))};\nimport prometheus from ${JSON.stringify(PROMETHEUS_PLUGIN)};\n\nexport default defineFleetConfig({ plugins: [prometheus] });\n`,
  );
  const generated = await repo.run('generate');
  if (generated.code !== 0) throw new Error(generated.stderr);

  // The server as compose would run it: the service's command and environment, on the port it publishes.
  const compose = jsYaml.load(repo.read('docker-compose.mcps.yml')) as { services: Record<string, { command: string[]; environment: Record<string, string>; ports: string[] }> };
  const service = compose.services['mcp-prometheus-acme']!;
  const [, hostPort, containerPort] = /^127\.0\.0\.1:(\d+):(\d+)$/.exec(service.ports[0]!)!;
  const args = service.command.map((arg, i) => (service.command[i - 1] === '--port' && arg === containerPort ? hostPort! : arg));
  const mcp = startProcess(MCP_PROMETHEUS, args, { env: { PATH: process.env.PATH ?? '/usr/bin', ...service.environment } });
  await waitFor(
    async () => {
      const res = await fetch(`http://127.0.0.1:${hostPort}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' }).catch(() => undefined);
      await res?.body?.cancel();
      return res !== undefined;
    },
    `mcp-prometheus listening (${mcp.output().slice(-300)})`,
    20_000,
    100,
  );

  runtime = await startRuntime(path.join(repo.outDir, 'mcp_servers.json'), {
    args: ['--upstream-compose-file', path.join(repo.outDir, 'docker-compose.mcps.yml')],
    env: { GATEWAY_TOKEN_ACME: 'e2e-gateway-token-acme' },
  });
}, 120_000);

afterAll(async () => {
  await cleanup();
  repo?.dispose();
});

describe('a plugin MCP type through the gateway', () => {
  it("lists the plugin server's tools under its type and answers a PromQL query from the real Prometheus", async () => {
    const c = await connectStreamable(`${runtime.url}/customers/acme/mcp`, 'e2e-gateway-token-acme');
    try {
      const names = (await c.client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['prometheus_query', 'prometheus_getTargets', 'prometheus_getPrometheusStatus']));
      const result = (await c.client.callTool({ name: 'prometheus_query', arguments: { promql: 'vector(12345 * 2)' } })) as CallToolResult;
      expect(result.isError ?? false).toBe(false);
      const text = result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
      expect(text).toContain('24690');
    } finally {
      await closeStreamable(c);
    }
  });
});
