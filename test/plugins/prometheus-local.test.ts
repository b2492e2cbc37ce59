/**
 * The example Prometheus plugin's MCP type run by the fleet on a real Docker engine, as an operator runs it:
 * `pnpm manage build --local` builds the stand-in for its public image (the real mcp-prometheus binary from npm),
 * `up --wait` starts the generated compose service, and `status` finds it healthy over MCP with its tools, as
 * Docker's own health check does.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireEngineLock } from '../helpers/engine-lock.ts';
import { FleetRepo, REPO_ROOT } from '../helpers/fleet-repo.ts';
import { runManage } from '../helpers/manage-cli.ts';
import { ensureDockerEngine, freePortRange } from '../manage/docker-fixtures.ts';

const run = randomBytes(3).toString('hex');
const project = `mcpfleet-plugin-${run}`;
const customer = `prom-${run}`;
const repo = new FleetRepo();
const envFile = path.join(repo.root, 'mcp_credentials.env');
const composeFile = path.join(repo.outDir, 'docker-compose.mcps.yml');
let daemon: ChildProcess | undefined;
let releaseEngine: (() => void) | undefined;

const manage = (args: string[]) => runManage(args, ['--file', composeFile, '--env-file', envFile, '--project', project], { timeoutMs: 600_000 });

beforeAll(async () => {
  releaseEngine = await acquireEngineLock();
  daemon = await ensureDockerEngine();
  const portBase = await freePortRange(3);
  // Its Prometheus need not answer: initialize and tools/list do not ask it.
  repo.addCustomer(customer, { name: `Prometheus ${run}`, host: 'prom.example.com', mcpServers: [{ type: 'prometheus', url: 'http://prometheus.invalid:9090' }] });
  writeFileSync(
    path.join(repo.root, 'fleet.config.ts'),
    `import { defineFleetConfig } from ${JSON.stringify(path.join(REPO_ROOT, 'schema/index.ts'))};\nimport prometheus from ${JSON.stringify(path.join(REPO_ROOT, 'examples/plugins/prometheus/index.ts'))};\n\nexport default defineFleetConfig({ plugins: [prometheus], ports: { base: ${portBase}, max: ${portBase + 1} }, agent: { hostPort: ${portBase + 2} } });\n`,
  );
  const generated = await repo.run('generate');
  if (generated.code !== 0) throw new Error(generated.stderr);
  writeFileSync(envFile, '');
}, 900_000);

afterAll(async () => {
  try {
    await manage(['down']);
    repo.dispose();
    if (daemon) daemon.kill('SIGTERM');
  } finally {
    releaseEngine?.();
  }
}, 120_000);

describe('a plugin MCP type on Docker with local images', () => {
  it('build --local stands in for its image, up --wait starts it, status and Docker find it healthy with its tools', async () => {
    const build = await manage(['build', '--local', '--customer', customer, '--no-agent']);
    expect(build.code, build.stderr).toBe(0);
    expect(build.stdout).toContain('ghcr.io/jeanlopezxyz/mcp-prometheus:2.1.1 -> mcpfleet-local/prometheus-mcp:local');

    const up = await manage(['up', '--customer', customer, '--no-agent', '--wait', '--timeout', '90']);
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
    expect(up.stderr).toContain('All 1 services healthy.');

    // Docker's own check (the MCP probe the override gives an image without curl) agrees; bounded wait.
    let rows: Array<{ service: string; healthy: boolean; dockerHealth: string; tools: number }> = [];
    for (let attempt = 0; attempt < 40; attempt++) {
      const status = await manage(['status', '--customer', customer, '--no-agent', '--json']);
      expect(status.code, status.stderr).toBe(0);
      rows = JSON.parse(status.stdout);
      if (rows.every((r) => r.dockerHealth === 'healthy')) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(rows.map((r) => [r.service, r.healthy, r.dockerHealth])).toEqual([[`mcp-prometheus-${customer}`, true, 'healthy']]);
    expect(rows[0]!.tools).toBeGreaterThanOrEqual(10);
  }, 600_000);
});
