/**
 * `manage drift --target swarm` on a real single-node swarm with the local images (docs/drift.md): one customer's
 * stack up → in sync; its customer file changed and out/ regenerated without redeploying → exit 2 naming customer,
 * service, field, before → after; another customer's file removed while its stack runs → its services are orphans
 * (drift and status); its stack removed and `up` → in sync again. A credential planted in the env file (interpolated
 * into the service's environment by docker stack deploy) never appears. A swarm is created only when the engine is
 * in none; the engine lock as the other Docker suites take it.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireEngineLock } from '../helpers/engine-lock.ts';
import { FleetRepo, type CliResult } from '../helpers/fleet-repo.ts';
import { runManage } from '../helpers/manage-cli.ts';
import { ensureDockerEngine, sh } from '../manage/docker-fixtures.ts';
import { ensureSwarm, freeHostPorts, leaveSwarm, removeLeftovers, waitFor, type SwarmHandle } from './swarm-fixtures.ts';

const run = randomBytes(3).toString('hex');
const alpha = `alpha-${run}`;
const beta = `beta-${run}`;
const agentStack = `mcp-agent-${run}`;
const stacks = [`mcp-${alpha}`, `mcp-${beta}`, agentStack];
const USER_VAR = `AM_USER_ALPHA_${run.toUpperCase()}`;
const PASS_VAR = `AM_PASS_ALPHA_${run.toUpperCase()}`;
const planted = { user: `swarm-user-${run}-x`, pass: `swarm-pass-${run}-s3cr3t` };
const repo = new FleetRepo();
const envFile = path.join(repo.root, 'mcp_credentials.env');
let daemon: ChildProcess | undefined;
let swarm: SwarmHandle | undefined;
let releaseEngine: (() => void) | undefined;
const measured: Record<string, number> = {};
const outputs: string[] = [];

async function manage(args: string[]): Promise<CliResult> {
  const result = await runManage(args, ['--target', 'swarm', '--swarm-dir', path.join(repo.outDir, 'swarm'), '--file', path.join(repo.outDir, 'docker-compose.mcps.yml'), '--env-file', envFile]);
  outputs.push(result.stdout, result.stderr);
  return result;
}

async function drift(args: string[] = [], label?: string): Promise<CliResult> {
  const started = Date.now();
  const result = await manage(['drift', '--no-agent', ...args]);
  if (label) measured[label] = Date.now() - started;
  return result;
}

const alphaCustomer = (url: string) => ({
  name: `Alpha ${run}`,
  host: 'alpha.example.com',
  mcpServers: [{ type: 'alertmanager', url, basicAuth: { usernameEnv: USER_VAR, passwordEnv: PASS_VAR } }],
});

beforeAll(async () => {
  releaseEngine = await acquireEngineLock();
  daemon = await ensureDockerEngine();
  swarm = ensureSwarm();
  const portBase = await freeHostPorts(6);
  repo
    .addCustomer(alpha, alphaCustomer('http://127.0.0.1:9'))
    .addCustomer(beta, { name: `Beta ${run}`, host: 'beta.example.com', mcpServers: [{ type: 'alertmanager', url: 'http://127.0.0.1:9' }] })
    .writeConfig({ ports: { base: portBase, max: portBase + 4 }, agent: { hostPort: portBase + 5 }, swarm: { agentStack } });
  const generated = await repo.run('generate');
  if (generated.code !== 0) throw new Error(generated.stderr);
  writeFileSync(envFile, `${USER_VAR}=${planted.user}\n${PASS_VAR}=${planted.pass}\n`);
  const started = Date.now();
  const build = await manage(['build', '--local', '--customer', alpha, '--customer', beta, '--no-agent']);
  measured.buildLocalMs = Date.now() - started;
  if (build.code !== 0) throw new Error(build.stderr);
}, 900_000);

afterAll(async () => {
  try {
    removeLeftovers(run, stacks);
    if (swarm) leaveSwarm(swarm);
    repo.dispose();
    if (daemon) daemon.kill('SIGTERM');
    console.log(`drift (swarm) timings (ms): ${JSON.stringify(measured)}`);
  } finally {
    releaseEngine?.();
  }
}, 300_000);

describe('manage drift --target swarm with local images', () => {
  it('one customer\'s stack up: in sync for it (exit 0); the other is missing until it is up too', async () => {
    const up = await manage(['up', '--customer', alpha, '--no-agent']);
    expect(up.code, up.stderr).toBe(0);
    const mine = await drift(['--customer', alpha], 'driftOneCustomerMs');
    expect(mine.code, mine.stdout + mine.stderr).toBe(0);
    expect(mine.stdout).toContain("Drift of the swarm's stacks against");
    expect(mine.stdout).toContain('with the local images of');

    const whole = await drift();
    expect(whole.code).toBe(2);
    expect(whole.stdout).toContain(`customer ${beta}, service mcp-alertmanager-${beta}: missing: no service mcp-${beta}_mcp-alertmanager-${beta}`);

    expect((await manage(['up', '--customer', beta, '--no-agent'])).code).toBe(0);
    const both = await drift(['--json'], 'driftTwoCustomersMs');
    expect(both.code, both.stdout).toBe(0);
    expect(JSON.parse(both.stdout)).toMatchObject({ target: 'swarm', inSync: true, counts: { compared: 2, differences: 0, orphans: 0, missing: 0 } });
  }, 180_000);

  it('a changed customer file, regenerated but not deployed: exit 2 naming customer, service, field, before → after', async () => {
    repo.addCustomer(alpha, alphaCustomer('http://127.0.0.1:19'));
    expect((await repo.run('generate')).code).toBe(0);
    const text = await drift([], 'driftChangedMs');
    expect(text.code, text.stderr).toBe(2);
    expect(text.stdout).toContain(`customer ${alpha}, service mcp-alertmanager-${alpha}: env ALERTMANAGER_URL: "http://127.0.0.1:9" → "http://127.0.0.1:19"`);
    expect(text.stdout).toContain('Drift: 1 difference, 0 orphans, 0 missing');
  }, 60_000);

  it('a customer file removed while its stack runs: its services are orphans, in drift and in status', async () => {
    repo.removeCustomer(beta);
    expect((await repo.run('generate')).code).toBe(0);
    const text = await drift([], 'driftOrphanMs');
    expect(text.code).toBe(2);
    expect(text.stdout).toContain(`customer ${beta}, service mcp-alertmanager-${beta}: orphan (customer no longer configured): service mcp-${beta}_mcp-alertmanager-${beta} of stack mcp-${beta}; remove its stack: docker stack rm mcp-${beta}`);
    // The orphan's plain values (its URL, MCP_TRANSPORT=http) are not scrubbed out of the other lines as secrets.
    expect(text.stdout).toContain(`customer ${alpha}, service mcp-alertmanager-${alpha}: env ALERTMANAGER_URL: "http://127.0.0.1:9" → "http://127.0.0.1:19"`);
    expect(text.stdout).not.toContain('(redacted)');
    const status = await manage(['status', '--no-agent']);
    expect(status.stdout).toContain(`customer ${beta}, service mcp-alertmanager-${beta}: orphan (customer no longer configured)`);
  }, 60_000);

  it('its stack removed and up: in sync again (exit 0)', async () => {
    sh('docker', ['stack', 'rm', `mcp-${beta}`]);
    const up = await manage(['up', '--no-agent']);
    expect(up.code, up.stderr).toBe(0);
    // docker stack rm returns before every service is gone: bounded wait for the orphan to leave.
    const after = await waitFor('drift in sync', async () => {
      const result = await drift([], 'driftInSyncMs');
      return result.code === 0 ? result : undefined;
    }, { attempts: 20, intervalMs: 1000 });
    expect(after.stdout).toMatch(/In sync: 1 service as out\/ asks/);
  }, 120_000);

  it('no output of any command carried a credential value', () => {
    const all = outputs.join('\n');
    expect(all).not.toContain(planted.user);
    expect(all).not.toContain(planted.pass);
  });
});
