/**
 * `manage drift` on a real Docker engine with compose and the local images (docs/drift.md): one customer up → in
 * sync (exit 0); with tool locks (manage tools lock), a tool the lock lacks is drift; a customer file changed and
 * out/ regenerated without redeploying → exit 2 naming customer, service, field, before → after; another customer's
 * file removed while its containers run → orphans, in drift and in `manage status`; `manage up` → in sync again. A
 * credential planted in the env file never appears in any output. Own compose project and free ports; the engine
 * lock as the other Docker suites take it.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireEngineLock } from '../helpers/engine-lock.ts';
import { FleetRepo, type CliResult } from '../helpers/fleet-repo.ts';
import { runManage } from '../helpers/manage-cli.ts';
import { ensureDockerEngine, freePortRange, sh } from './docker-fixtures.ts';

const run = randomBytes(3).toString('hex');
const project = `mcpfleet-drift-${run}`;
const alpha = `alpha-${run}`;
const beta = `beta-${run}`;
const USER_VAR = `AM_USER_ALPHA_${run.toUpperCase()}`;
const PASS_VAR = `AM_PASS_ALPHA_${run.toUpperCase()}`;
const planted = { user: `drift-user-${run}-x`, pass: `drift-pass-${run}-s3cr3t` };
const repo = new FleetRepo();
const envFile = path.join(repo.root, 'mcp_credentials.env');
const composeFile = path.join(repo.outDir, 'docker-compose.mcps.yml');
let daemon: ChildProcess | undefined;
let releaseEngine: (() => void) | undefined;
const measured: Record<string, number> = {};
const outputs: string[] = [];


async function manage(args: string[]): Promise<CliResult> {
  const result = await runManage(args, ['--file', composeFile, '--env-file', envFile, '--project', project]);
  outputs.push(result.stdout, result.stderr);
  return result;
}

/** `manage drift`, timed. */
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
  const portBase = await freePortRange(6);
  repo
    .addCustomer(alpha, alphaCustomer('http://127.0.0.1:9'))
    .addCustomer(beta, { name: `Beta ${run}`, host: 'beta.example.com', mcpServers: [{ type: 'alertmanager', url: 'http://127.0.0.1:9' }] })
    .writeConfig({ ports: { base: portBase, max: portBase + 4 }, agent: { hostPort: portBase + 5 } });
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
    await manage(['down']);
    repo.dispose();
    if (daemon) daemon.kill('SIGTERM');
    console.log(`drift (compose) timings (ms): ${JSON.stringify(measured)}`);
  } finally {
    releaseEngine?.();
  }
}, 120_000);

describe('manage drift on compose with local images', () => {
  it('one customer up: in sync for it (exit 0); the whole fleet lists the other as missing (exit 2)', async () => {
    const up = await manage(['up', '--customer', alpha, '--no-agent']);
    expect(up.code, up.stderr).toBe(0);
    const mine = await drift(['--customer', alpha], 'driftOneCustomerMs');
    expect(mine.code, mine.stdout + mine.stderr).toBe(0);
    expect(mine.stdout).toContain(`Drift of compose project ${project} against`);
    expect(mine.stdout).toContain('with the local images of');
    expect(mine.stdout).toMatch(/In sync: 1 service as out\/ asks/);

    const whole = await drift();
    expect(whole.code).toBe(2);
    expect(whole.stdout).toContain(`customer ${beta}, service mcp-alertmanager-${beta}: missing: no container; pnpm manage up --customer ${beta}`);

    expect((await manage(['up', '--customer', beta, '--no-agent'])).code).toBe(0);
    const both = await drift(['--json'], 'driftTwoCustomersMs');
    expect(both.code, both.stdout).toBe(0);
    const report = JSON.parse(both.stdout);
    expect(report).toMatchObject({ target: 'compose', inSync: true, exitCode: 0, counts: { compared: 2, differences: 0, orphans: 0, missing: 0 } });
  }, 120_000);

  it('with tool locks (manage tools lock): tools as locked → 0; a tool the lock lacks → 2 naming it', async () => {
    expect((await manage(['up', '--no-agent', '--wait', '--timeout', '60'])).code).toBe(0);
    const lock = await manage(['tools', 'lock', '--no-agent']);
    expect(lock.code, lock.stderr).toBe(0);
    const locked = await drift([], 'driftWithToolsMs');
    expect(locked.code, locked.stdout).toBe(0);
    expect(locked.stdout).toMatch(/In sync: 2 services as out\/ asks, tools as locked/);
    const locks = path.join(repo.root, 'tool-locks');
    const file = path.join(locks, `${alpha}.json`);
    const content = JSON.parse(readFileSync(file, 'utf8'));
    const tools = content.servers.alertmanager.tools as Record<string, unknown>;
    const tool = Object.keys(tools).sort()[0]!;
    delete tools[tool];
    writeFileSync(file, JSON.stringify(content, null, 2));
    const drifted = await drift(['--customer', alpha]);
    expect(drifted.code, drifted.stdout).toBe(2);
    expect(drifted.stdout).toContain(`customer ${alpha}:\n  customer ${alpha}, server alertmanager: tool ${tool}: added`);
    expect(drifted.stdout).toMatch(/Drift: 0 differences, 0 orphans, 0 missing, 1 tool change/);
    // The later steps recreate containers and check right after up: without locks, tools are not probed.
    rmSync(locks, { recursive: true, force: true });
  }, 120_000);

  it('a changed customer file, regenerated but not deployed: exit 2 naming customer, service, field, before → after', async () => {
    repo.addCustomer(alpha, alphaCustomer('http://127.0.0.1:19'));
    expect((await repo.run('generate')).code).toBe(0);
    // The credential's value changes too: compared by presence only, so not a difference, and never shown.
    writeFileSync(envFile, `${USER_VAR}=${planted.user}\n${PASS_VAR}=${planted.pass}-rotated\n`);
    const text = await drift([], 'driftChangedMs');
    expect(text.code, text.stderr).toBe(2);
    expect(text.stdout).toContain(`customer ${alpha}:\n  customer ${alpha}, service mcp-alertmanager-${alpha}: env ALERTMANAGER_URL: "http://127.0.0.1:9" → "http://127.0.0.1:19"`);
    expect(text.stdout).toContain('Drift: 1 difference, 0 orphans, 0 missing');
    const json = await drift(['--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).differences).toEqual([
      { customer: alpha, service: `mcp-alertmanager-${alpha}`, field: 'env ALERTMANAGER_URL', before: '"http://127.0.0.1:9"', after: '"http://127.0.0.1:19"' },
    ]);
  }, 60_000);

  it('a customer file removed while it runs: its containers are orphans, in drift and in status', async () => {
    repo.removeCustomer(beta);
    expect((await repo.run('generate')).code).toBe(0);
    const text = await drift([], 'driftOrphanMs');
    expect(text.code).toBe(2);
    expect(text.stdout).toContain(`customer ${beta}, service mcp-alertmanager-${beta}: orphan (customer no longer configured): container ${project}_mcp-alertmanager-${beta}_1 (running); \`pnpm manage up\` removes it`);
    // The orphan's plain values (its URL, MCP_TRANSPORT=http) are not scrubbed out of the other lines as secrets.
    expect(text.stdout).toContain(`customer ${alpha}, service mcp-alertmanager-${alpha}: env ALERTMANAGER_URL: "http://127.0.0.1:9" → "http://127.0.0.1:19"`);
    expect(text.stdout).not.toContain('(redacted)');
    const json = JSON.parse((await drift(['--json'])).stdout);
    expect(json.orphans).toEqual([{ customer: beta, service: `mcp-alertmanager-${beta}`, container: `${project}_mcp-alertmanager-${beta}_1`, state: 'running', reason: 'customer no longer configured' }]);
    // --customer of a customer that is only running any more shows just its orphans.
    const onlyBeta = await drift(['--customer', beta, '--json']);
    expect(JSON.parse(onlyBeta.stdout)).toMatchObject({ counts: { differences: 0, orphans: 1, missing: 0 } });

    const status = await manage(['status', '--no-agent']);
    expect(status.stdout).toContain(`customer ${beta}, service mcp-alertmanager-${beta}: orphan (customer no longer configured)`);
  }, 60_000);

  it('manage up brings it back in sync (exit 0): alpha recreated, the orphans removed', async () => {
    const up = await manage(['up', '--no-agent']);
    expect(up.code, up.stderr).toBe(0);
    const after = await drift([], 'driftInSyncMs');
    expect(after.code, after.stdout).toBe(0);
    expect(sh('docker', ['ps', '-aq', '--filter', `label=mcpfleet.customer=${beta}`, '--filter', `label=com.docker.compose.project=${project}`]).trim()).toBe('');
  }, 120_000);

  it('manage down removes every network of the project, the removed customer\'s too (compose leaves those it no longer declares)', async () => {
    const networks = () => sh('docker', ['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`]).trim();
    expect(networks()).not.toBe('');
    const down = await manage(['down']);
    expect(down.code, down.stderr).toBe(0);
    expect(networks()).toBe('');
  }, 120_000);

  it('no output of any command carried a credential value', () => {
    const all = outputs.join('\n');
    expect(all).not.toContain(planted.user);
    expect(all).not.toContain(planted.pass);
  });
});
