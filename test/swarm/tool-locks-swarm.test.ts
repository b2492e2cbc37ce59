/**
 * Tool locks on a real single-node swarm (docs/tool-locks.md, issue 20 item 3): the compose flow of
 * test/manage/tool-locks.test.ts with `--target swarm` — the customer's stack runs version 1 of the toolbox
 * (toolbox-images.ts), `tools lock` records its tools through the published port, the stack deployed again with
 * version 2 (one more tool, destructive): `tools check` names it, unsafe (exit 1); the agent runtime with the lock
 * (`gateway.lockedToolsOnly`) does not list it. A swarm is created only when the engine is in none; the engine lock as
 * the other Docker suites take it; stacks, networks and images of the run are removed.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMcp } from '../../scripts/lib/mcp-health.mjs';
import type { ToolLock } from '../../scripts/lib/tool-locks.mjs';
import { acquireEngineLock } from '../helpers/engine-lock.ts';
import { FleetRepo, type CliResult } from '../helpers/fleet-repo.ts';
import { runManage } from '../helpers/manage-cli.ts';
import { ensureDockerEngine } from '../manage/docker-fixtures.ts';
import { buildToolboxImages, NEW_TOOL, removeToolboxImages, V1_TOOLS } from '../manage/toolbox-images.ts';
import { closeStreamable, connectStreamable } from '../runtime/fixtures/gateway-clients.ts';
import { cleanup, startRuntime } from '../runtime/helpers.ts';
import { ensureSwarm, freeHostPorts, leaveSwarm, removeLeftovers, waitFor, type SwarmHandle } from './swarm-fixtures.ts';

const run = randomBytes(3).toString('hex');
const id = `tls-${run}`;
const agentStack = `mcp-agent-${run}`;
const stacks = [`mcp-${id}`, agentStack];
const repo = new FleetRepo();
const envFile = path.join(repo.root, 'mcp_credentials.env');
const lockPath = path.join(repo.root, 'tool-locks', `${id}.json`);
let daemon: ChildProcess | undefined;
let swarm: SwarmHandle | undefined;
let releaseEngine: (() => void) | undefined;
let images: { v1: string; v2: string } | undefined;
let portBase: number;
const measured: Record<string, number> = {};

const manage = (args: string[]): Promise<CliResult> =>
  runManage(args, ['--target', 'swarm', '--swarm-dir', path.join(repo.outDir, 'swarm'), '--file', path.join(repo.outDir, 'docker-compose.mcps.yml'), '--env-file', envFile]);

const fleetConfig = (image: string) => ({
  ports: { base: portBase, max: portBase + 4 },
  agent: { hostPort: portBase + 5 },
  types: { alertmanager: { image } },
  // The catalog's check runs curl, which the toolbox image does not have; Swarm would replace the task.
  swarm: { agentStack, skipHealthcheck: ['alertmanager'] },
});

async function generate(): Promise<void> {
  const generated = await repo.run('generate');
  if (generated.code !== 0) throw new Error(generated.stderr);
}

const serverPort = () => (JSON.parse(readFileSync(path.join(repo.outDir, 'ports.lock.json'), 'utf8')) as { ports: Record<string, number> }).ports[`${id}/alertmanager`]!;

/** Bounded: until the task behind the published port offers `count` tools (a rolling update replaces it). */
const waitForTools = (count: number) =>
  waitFor(
    `the toolbox on port ${serverPort()} offering ${count} tools`,
    async () => {
      const probe = await probeMcp(`http://127.0.0.1:${serverPort()}/mcp`, 3000);
      return probe.healthy && probe.tools === count ? true : undefined;
    },
    { attempts: 90, intervalMs: 1000 },
  );

beforeAll(async () => {
  releaseEngine = await acquireEngineLock();
  daemon = await ensureDockerEngine();
  swarm = ensureSwarm();
  let started = Date.now();
  images = buildToolboxImages(run);
  measured.buildImagesMs = Date.now() - started;
  portBase = await freeHostPorts(6);
  repo.addCustomer(id, { name: `Toolbox ${run}`, host: 'toolbox.example.com', mcpServers: [{ type: 'alertmanager', url: 'http://127.0.0.1:9' }], gateway: { lockedToolsOnly: true } });
  repo.writeConfig(fleetConfig(images.v1));
  await generate();
  writeFileSync(envFile, '');
  started = Date.now();
  const up = await manage(['up', '--customer', id, '--no-agent', '--resolve-image', 'never']);
  if (up.code !== 0) throw new Error(up.stderr);
  await waitForTools(V1_TOOLS.length);
  measured.upMs = Date.now() - started;
}, 900_000);

afterAll(async () => {
  try {
    await cleanup();
    removeLeftovers(run, stacks);
    removeToolboxImages(images);
    if (swarm) leaveSwarm(swarm);
    repo.dispose();
    if (daemon) daemon.kill('SIGTERM');
    console.log(`tool locks (swarm) timings (ms): ${JSON.stringify(measured)}`);
  } finally {
    releaseEngine?.();
  }
}, 300_000);

describe('tool locks on a single-node swarm', () => {
  it('tools lock --target swarm records the stack\'s tools; check: no drift', async () => {
    let started = Date.now();
    const lock = await manage(['tools', 'lock', '--customer', id]);
    measured.lockMs = Date.now() - started;
    expect(lock.code, lock.stderr).toBe(0);
    expect(lock.stdout).toContain(`${id}: ${lockPath} written (1 server, 2 tools; 2 added, 0 removed, 0 changed)`);
    const parsed = JSON.parse(readFileSync(lockPath, 'utf8')) as ToolLock;
    expect(Object.keys(parsed.servers.alertmanager!.tools)).toEqual(V1_TOOLS);
    started = Date.now();
    const check = await manage(['tools', 'check', '--customer', id]);
    measured.checkMs = Date.now() - started;
    expect(check.code, check.stdout + check.stderr).toBe(0);
  }, 120_000);

  it('deployed again with version 2: check names the new destructive tool (exit 1); the locked gateway does not list it', async () => {
    repo.writeConfig(fleetConfig(images!.v2));
    await generate();
    const started = Date.now();
    const up = await manage(['up', '--customer', id, '--no-agent', '--resolve-image', 'never']);
    expect(up.code, up.stderr).toBe(0);
    await waitForTools(V1_TOOLS.length + 1);
    measured.upgradeMs = Date.now() - started;

    const check = await manage(['tools', 'check', '--customer', id, '--json']);
    expect(check.code, check.stderr).toBe(1);
    expect(JSON.parse(check.stdout)).toEqual([{ customer: id, server: 'alertmanager', change: 'added', tool: NEW_TOOL, detail: 'may be destructive', unsafe: true }]);

    const runtime = await startRuntime(path.join(repo.outDir, 'mcp_servers.json'), {
      args: ['--upstream-compose-file', path.join(repo.outDir, 'docker-compose.mcps.yml'), '--tool-locks', path.join(repo.root, 'tool-locks')],
    });
    const c = await connectStreamable(`${runtime.url}/customers/${id}/mcp`);
    try {
      expect((await c.client.listTools()).tools.map((t) => t.name).sort()).toEqual(V1_TOOLS.map((t) => `alertmanager_${t}`));
    } finally {
      await closeStreamable(c);
      await cleanup();
    }
  }, 300_000);
});
