/**
 * Tool locks end to end on a real Docker engine with compose (docs/tool-locks.md, issue 20 items 2-3): one customer
 * whose server runs version 1 of a small real MCP server (toolbox-images.ts) and whose file sets
 * `gateway.lockedToolsOnly`. `manage tools lock` records its tools (deterministic file, unchanged on a second run),
 * `tools check` finds no drift; the server restarted with version 2, which offers one more tool (destructive):
 * `tools check` and toolDrift (what `manage drift` calls) name the tool, unsafe, exit 1; a deny pattern covering it
 * leaves plain drift (exit 2); the agent runtime, reading the lock, neither lists nor calls the new tool until the
 * lock is written again. The engine lock as the other Docker suites take it; everything started is removed.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMcp } from '../../scripts/lib/mcp-health.mjs';
import { toolDrift, type ToolLock } from '../../scripts/lib/tool-locks.mjs';
import { acquireEngineLock } from '../helpers/engine-lock.ts';
import { FleetRepo, type CliResult } from '../helpers/fleet-repo.ts';
import { runManage } from '../helpers/manage-cli.ts';
import { closeStreamable, connectStreamable } from '../runtime/fixtures/gateway-clients.ts';
import { cleanup, rejectionOf, startRuntime } from '../runtime/helpers.ts';
import { ensureDockerEngine, freePortRange } from './docker-fixtures.ts';
import { buildToolboxImages, NEW_TOOL, removeToolboxImages, V1_TOOLS } from './toolbox-images.ts';

const run = randomBytes(3).toString('hex');
const project = `mcpfleet-tl-${run}`;
const id = `tl-${run}`;
const repo = new FleetRepo();
const envFile = path.join(repo.root, 'mcp_credentials.env');
const composeFile = path.join(repo.outDir, 'docker-compose.mcps.yml');
const lockPath = path.join(repo.root, 'tool-locks', `${id}.json`);
let daemon: ChildProcess | undefined;
let releaseEngine: (() => void) | undefined;
let images: { v1: string; v2: string } | undefined;
let portBase: number;
const measured: Record<string, number> = {};

const manage = (args: string[]): Promise<CliResult> => runManage(args, ['--file', composeFile, '--env-file', envFile, '--project', project]);

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    measured[label] = Date.now() - started;
  }
}

const customer = (gateway: Record<string, unknown>) => ({ name: `Toolbox ${run}`, host: 'toolbox.example.com', mcpServers: [{ type: 'alertmanager', url: 'http://127.0.0.1:9' }], gateway });
const fleetConfig = (image: string) => ({ ports: { base: portBase, max: portBase + 4 }, agent: { hostPort: portBase + 5 }, types: { alertmanager: { image } } });

async function generate(): Promise<void> {
  const generated = await repo.run('generate');
  if (generated.code !== 0) throw new Error(generated.stderr);
}

/** The server's published port, from the generated ports lock. */
async function serverPort(): Promise<number> {
  return (JSON.parse(readFileSync(path.join(repo.outDir, 'ports.lock.json'), 'utf8')) as { ports: Record<string, number> }).ports[`${id}/alertmanager`]!;
}

/** Polls the server through its published port until it offers `count` tools (bounded: 60 tries, 1 s apart). */
async function waitForTools(count: number): Promise<void> {
  const port = await serverPort();
  let last = '';
  for (let attempt = 0; attempt < 60; attempt++) {
    const probe = await probeMcp(`http://127.0.0.1:${port}/mcp`, 3000);
    if (probe.healthy && probe.tools === count) return;
    last = probe.healthy ? `${probe.tools} tools` : probe.reason!;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`the toolbox on port ${port} did not offer ${count} tools within 60 s (last: ${last})`);
}

/** The tools the agent runtime's gateway offers the customer, and the outcome of calling the new tool. */
async function gatewayView(): Promise<{ tools: string[]; newToolCall: string }> {
  const runtime = await startRuntime(path.join(repo.outDir, 'mcp_servers.json'), { args: ['--upstream-compose-file', composeFile, '--tool-locks', path.join(repo.root, 'tool-locks')] });
  try {
    const c = await connectStreamable(`${runtime.url}/customers/${id}/mcp`);
    try {
      const tools = (await c.client.listTools()).tools.map((t) => t.name).sort();
      let newToolCall: string;
      try {
        const result = await c.client.callTool({ name: `alertmanager_${NEW_TOOL}`, arguments: { prefix: 'a' } });
        newToolCall = JSON.stringify(result.content);
      } catch (error) {
        newToolCall = `refused ${(await rejectionOf(Promise.reject(error), McpError)).code}`;
      }
      return { tools, newToolCall };
    } finally {
      await closeStreamable(c);
    }
  } finally {
    await cleanup();
  }
}

beforeAll(async () => {
  releaseEngine = await acquireEngineLock();
  daemon = await ensureDockerEngine();
  images = await timed('buildImagesMs', async () => buildToolboxImages(run));
  portBase = await freePortRange(6);
  repo.addCustomer(id, customer({ lockedToolsOnly: true })).writeConfig(fleetConfig(images.v1));
  await generate();
  writeFileSync(envFile, '');
}, 900_000);

afterAll(async () => {
  try {
    await manage(['down']);
    removeToolboxImages(images);
    repo.dispose();
    if (daemon) daemon.kill('SIGTERM');
    console.log(`tool locks (compose) timings (ms): ${JSON.stringify(measured)}`);
  } finally {
    releaseEngine?.();
  }
}, 120_000);

describe('tool locks on compose', () => {
  it('tools lock records the running server\'s tools in tool-locks/<id>.json; a second run changes nothing; check: no drift', async () => {
    const up = await timed('upMs', () => manage(['up', '--customer', id, '--no-agent']));
    expect(up.code, up.stderr).toBe(0);
    await timed('serverReadyMs', () => waitForTools(V1_TOOLS.length));

    const lock = await timed('lockMs', () => manage(['tools', 'lock', '--customer', id]));
    expect(lock.code, lock.stderr).toBe(0);
    expect(lock.stdout).toContain(`${id}: ${lockPath} written (1 server, 2 tools; 2 added, 0 removed, 0 changed)`);
    const text = readFileSync(lockPath, 'utf8');
    const parsed = JSON.parse(text) as ToolLock;
    expect(parsed.$comment).toMatch(/^Do not edit: written by pnpm manage tools lock/);
    expect(parsed.customer).toBe(id);
    expect(Object.keys(parsed.servers)).toEqual(['alertmanager']);
    expect(parsed.servers.alertmanager!.type).toBe('alertmanager');
    expect(Object.keys(parsed.servers.alertmanager!.tools)).toEqual(V1_TOOLS);
    for (const entry of Object.values(parsed.servers.alertmanager!.tools)) expect(entry).toEqual({ inputSchema: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), readOnlyHint: true });

    const again = await manage(['tools', 'lock', '--customer', id]);
    expect(again.stdout).toContain(`${id}: ${lockPath} already current (1 server, 2 tools; unchanged)`);
    expect(readFileSync(lockPath, 'utf8')).toBe(text);

    const check = await timed('checkMs', () => manage(['tools', 'check', '--customer', id]));
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain(`No tool drift: the servers of ${id} offer exactly the locked tools.`);
    expect(await gatewayView()).toMatchObject({ tools: V1_TOOLS.map((t) => `alertmanager_${t}`) });
  }, 300_000);

  it('restarted with a version that offers one more (destructive) tool: check and toolDrift name it, unsafe (exit 1)', async () => {
    repo.writeConfig(fleetConfig(images!.v2));
    await generate();
    const up = await timed('upgradeMs', () => manage(['up', '--customer', id, '--no-agent']));
    expect(up.code, up.stderr).toBe(0);
    await waitForTools(V1_TOOLS.length + 1);

    const check = await manage(['tools', 'check', '--customer', id]);
    expect(check.code, check.stdout + check.stderr).toBe(1);
    expect(check.stdout).toContain(`UNSAFE + ${id}/alertmanager/${NEW_TOOL} added: may be destructive`);
    expect(check.stderr).toContain(`1 new tool that may change things, not covered by the customer's allowTools/denyTools: ${id}/alertmanager/${NEW_TOOL}`);

    const json = await manage(['tools', 'check', '--customer', id, '--json']);
    expect(JSON.parse(json.stdout)).toEqual([{ customer: id, server: 'alertmanager', change: 'added', tool: NEW_TOOL, detail: 'may be destructive', unsafe: true }]);

    // What `manage drift` calls: the same answer.
    const servers = [{ customer: id, server: 'alertmanager', type: 'alertmanager', hostPort: await serverPort(), healthPath: '/mcp', role: 'mcp' }];
    const drift = await timed('toolDriftMs', () => toolDrift({ root: repo.root, customers: [id], servers }));
    expect(drift).toEqual([{ customer: id, server: 'alertmanager', change: 'added', tool: NEW_TOOL, detail: 'may be destructive', unsafe: true }]);
  }, 300_000);

  it('with lockedToolsOnly the gateway neither lists nor calls the new tool until the lock is written again', async () => {
    const locked = await timed('gatewayLockedMs', () => gatewayView());
    expect(locked.tools).toEqual(V1_TOOLS.map((t) => `alertmanager_${t}`));
    expect(locked.newToolCall).toBe('refused -32602');

    // A deny pattern that covers the new tool: still drift (exit 2), no longer unsafe.
    repo.addCustomer(id, customer({ lockedToolsOnly: true, denyTools: ['purge*'] }));
    await generate();
    const covered = await manage(['tools', 'check', '--customer', id, '--json']);
    expect(covered.code).toBe(2);
    expect(JSON.parse(covered.stdout)).toEqual([{ customer: id, server: 'alertmanager', change: 'added', tool: NEW_TOOL, detail: 'may be destructive' }]);
    repo.addCustomer(id, customer({ lockedToolsOnly: true }));
    await generate();

    // Reviewed: the lock written again; the agent (at its next start) serves the tool.
    const relock = await manage(['tools', 'lock', '--customer', id]);
    expect(relock.stdout).toContain(`${id}: ${lockPath} written (1 server, 3 tools; 1 added, 0 removed, 0 changed)`);
    expect(relock.stdout).toContain(`  + alertmanager/${NEW_TOOL}: may be destructive`);
    expect((await manage(['tools', 'check', '--customer', id])).code).toBe(0);
    const reviewed = await gatewayView();
    expect(reviewed.tools).toContain(`alertmanager_${NEW_TOOL}`);
    expect(reviewed.newToolCall).toContain('purged a*');
  }, 300_000);
});
