/**
 * Swarm with local images (docs/operating-locally.md) on a real single-node swarm: one customer of two deployed
 * alone from `manage build --local`'s stack override (no registry), healthy; its status whole without the agent's
 * stack (which cannot be deployed before every customer's network exists); and `up --wait` stopping at once on a
 * task that fails its health check, quoting the check's output. A swarm is created only when the engine is in none.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireEngineLock } from '../helpers/engine-lock.ts';
import { FleetRepo, type CliResult } from '../helpers/fleet-repo.ts';
import { runManage } from '../helpers/manage-cli.ts';
import { ensureDockerEngine, IMAGES, sh } from '../manage/docker-fixtures.ts';
import { ensureSwarm, freeHostPorts, leaveSwarm, removeLeftovers, type SwarmHandle } from './swarm-fixtures.ts';

const run = randomBytes(3).toString('hex');
const alpha = `alpha-${run}`;
const beta = `beta-${run}`;
const broken = `broken-${run}`;
const agentStack = `mcp-agent-${run}`;
const stacks = [`mcp-${alpha}`, `mcp-${beta}`, agentStack, `mcp-${broken}`];
const repo = new FleetRepo();
const envFile = path.join(repo.root, 'mcp_credentials.env');
const brokenDir = path.join(repo.root, 'broken-swarm');
let daemon: ChildProcess | undefined;
let swarm: SwarmHandle | undefined;
let releaseEngine: (() => void) | undefined;
let brokenPort: number;
const measured: Record<string, number> = {};

const manage = (args: string[], swarmDir = path.join(repo.outDir, 'swarm')): Promise<CliResult> =>
  runManage(args, ['--target', 'swarm', '--swarm-dir', swarmDir, '--file', path.join(repo.outDir, 'docker-compose.mcps.yml'), '--env-file', envFile]);

beforeAll(async () => {
  releaseEngine = await acquireEngineLock();
  daemon = await ensureDockerEngine();
  swarm = ensureSwarm();
  const portBase = await freeHostPorts(12);
  brokenPort = portBase + 11;
  const alertmanager = { type: 'alertmanager', url: 'http://127.0.0.1:9' };
  repo
    .addCustomer(alpha, { name: `Alpha ${run}`, host: 'alpha.example.com', mcpServers: [alertmanager] })
    .addCustomer(beta, { name: `Beta ${run}`, host: 'beta.example.com', mcpServers: [alertmanager] })
    .writeConfig({ ports: { base: portBase, max: portBase + 9 }, agent: { hostPort: portBase + 10 }, swarm: { agentStack } });
  const generated = await repo.run('generate');
  if (generated.code !== 0) throw new Error(generated.stderr);
  writeFileSync(envFile, '');
}, 900_000);

afterAll(async () => {
  try {
    removeLeftovers(run, stacks);
    if (swarm) leaveSwarm(swarm);
    repo.dispose();
    if (daemon) daemon.kill('SIGTERM');
    console.log(`swarm local timings (ms): ${JSON.stringify(measured)}`);
  } finally {
    releaseEngine?.();
  }
}, 300_000);

describe('manage --target swarm with local images', () => {
  it('one customer from the local images, healthy; its status is whole while the agent\'s stack is absent', async () => {
    let started = Date.now();
    const build = await manage(['build', '--local', '--customer', alpha, '--no-agent']);
    measured.buildLocalMs = Date.now() - started;
    expect(build.code, build.stderr).toBe(0);
    expect(build.stdout).toContain(`swarm/${alpha}.yml`);

    started = Date.now();
    const up = await manage(['up', '--customer', alpha, '--no-agent', '--wait', '--timeout', '90']);
    measured.upWaitMs = Date.now() - started;
    expect(up.stderr).toContain('All 1 services healthy.');
    expect(up.code).toBe(0);
    expect(sh('docker', ['service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', `mcp-${alpha}_mcp-alertmanager-${alpha}`]).trim()).toBe(IMAGES.alertmanagerMcp);

    // The agent is part of the selection, but its stack is not deployed: status does not fail on it.
    const status = await manage(['status', '--customer', alpha]);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stderr).toContain(`The agent (stack ${agentStack}) is not deployed`);
    expect(status.stdout).toMatch(new RegExp(`${alpha} .*alertmanager .*1/1 .*running .*healthy .*12`));
    expect(status.stdout).not.toContain('mcp-agent');
  }, 300_000);

  it('up --wait stops at once when a task fails its health check, quoting the check', async () => {
    mkdirSync(brokenDir, { recursive: true });
    writeFileSync(
      path.join(brokenDir, `${broken}.yml`),
      `version: "3.8"
x-mcpfleet:
  stack: "mcp-${broken}"
  role: "customer"
  customer: "${broken}"
services:
  mcp-alertmanager-${broken}:
    image: "${IMAGES.node}"
    command: ["node", "-e", "require('http').createServer((q, r) => { r.writeHead(500); r.end('down') }).listen(8000)"]
    ports:
      - { target: 8000, published: ${brokenPort}, protocol: tcp, mode: host }
    healthcheck:
      test: ["CMD", "node", "-e", "console.log('upstream answered 503 at /-/ready'); process.exit(1)"]
      interval: 1s
      timeout: 5s
      retries: 1
    deploy:
      labels:
        mcpfleet.customer: "${broken}"
        mcpfleet.type: "alertmanager"
        mcpfleet.server: "alertmanager"
        mcpfleet.mcp-path: "/mcp"
`,
    );
    const started = Date.now();
    const result = await manage(['up', '--wait', '--timeout', '120', '--no-local', '--resolve-image', 'never'], brokenDir);
    measured.failFastMs = Date.now() - started;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`customer ${broken}, alertmanager server (mcp-alertmanager-${broken}): a task failed: "`);
    expect(result.stderr).toContain(`the health check's last output: "upstream answered 503 at /-/ready"`);
    expect(measured.failFastMs).toBeLessThan(60_000);
  }, 180_000);
});
