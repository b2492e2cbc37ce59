/**
 * End to end on a real single-node Docker Swarm with locally built images: the two-customer test fleet deployed
 * as stacks by `manage.mjs --target swarm`, healthy over MCP through 127.0.0.1, used through the agent over the
 * overlay networks, the agent's two replicas behind HAProxy updated with clients calling tools throughout (no call
 * may fail), healed by Swarm after a task is killed, rolled out one customer at a time, and removed without
 * leftovers. A swarm is created only when the engine is in none, and left again at the end.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { acquireEngineLock } from '../helpers/engine-lock.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { FleetRepo, REPO_ROOT } from '../helpers/fleet-repo.ts';
import { buildTestImages, ensureDockerEngine, IMAGES, sh } from '../manage/docker-fixtures.ts';
import { ensureSwarm, freeHostPorts, leaveSwarm, leftovers, removeLeftovers, swarmState, waitFor, type SwarmHandle } from './swarm-fixtures.ts';

const run = randomBytes(3).toString('hex');
const alpha = `alpha-${run}`;
const beta = `beta-${run}`;
const agentStack = `mcp-agent-${run}`;
const sessionSecret = `${agentStack}_AGENT_SESSION_SECRET`;
/** A real Alertmanager behind beta's alertmanager MCP server, so tool calls through the agent succeed. */
const upstreamService = `am-upstream-${run}`;
const stacks = [`mcp-${alpha}`, `mcp-${beta}`, agentStack];
// Picked free at run time, below the kernel's ephemeral range (see freeHostPorts): the servers' range, then the agent's.
let portBase: number;
let agentPort: number;
const grafanaVariable = `GRAFANA_TOKEN_ALPHA_${run.toUpperCase()}`;
const grafanaSecret = `mcp-${alpha}_${grafanaVariable}`;
const credentials = {
  [`GENESYS_ID_ALPHA_${run.toUpperCase()}`]: `e2e-client-id-${randomBytes(6).toString('hex')}`,
  [`GENESYS_SECRET_ALPHA_${run.toUpperCase()}`]: `e2e-client-secret-${randomBytes(6).toString('hex')}`,
  [grafanaVariable]: `e2e-grafana-token-${randomBytes(6).toString('hex')}`,
};
const rolloutImage = `mcpfleet-test/alertmanager-mcp:rollout-${run}`;
const repo = new FleetRepo();
const envFile = path.join(repo.root, 'mcp_credentials.env');
let daemon: ChildProcess | undefined;
let swarm: SwarmHandle | undefined;
const measured: Record<string, number> = {};

interface Row {
  customer: string;
  type: string;
  service: string;
  swarmService: string;
  desired: number;
  running: number;
  task: string;
  update: string | null;
  settled: boolean;
  healthy: boolean;
  reason: string | null;
  tools: number | null;
}

function exec(file: string, args: string[], timeout = 300_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const manage = (args: string[]) =>
  exec(path.join(REPO_ROOT, 'node_modules/.bin/zx'), [
    path.join(REPO_ROOT, 'scripts/manage.mjs'),
    ...args,
    '--target', 'swarm',
    '--swarm-dir', path.join(repo.outDir, 'swarm'),
    '--file', path.join(repo.outDir, 'docker-compose.mcps.yml'),
    '--env-file', envFile,
    '--resolve-image', 'never', // local images; never ask a registry
  ]);

const secretsScript = (args: string[]) => exec('node', [path.join(REPO_ROOT, 'scripts/swarm-secrets.mjs'), '--swarm-dir', path.join(repo.outDir, 'swarm'), '--env-file', envFile, ...args]);

async function status(args: string[] = []): Promise<{ code: number; rows: Row[] }> {
  const result = await manage(['status', '--json', ...args]);
  try {
    return { code: result.code, rows: JSON.parse(result.stdout) };
  } catch {
    throw new Error(`status printed no JSON (exit ${result.code}): ${result.stderr}`);
  }
}

const swarmName = (customer: string, service: string) => `mcp-${customer}_${service}`;
/** The ids of a service's tasks meant to run (changes when Swarm replaces or updates it). */
const runningTasks = (service: string) => sh('docker', ['service', 'ps', '-q', '--filter', 'desired-state=running', service]).trim().split('\n').filter(Boolean).sort().join(',');
const allServices = () => [
  swarmName(alpha, `mcp-alertmanager-${alpha}`),
  swarmName(alpha, `mcp-genesys-${alpha}`),
  swarmName(alpha, `mcp-grafana-${alpha}`),
  swarmName(beta, `mcp-alertmanager-${beta}`),
  `${agentStack}_mcp-agent`,
];
const taskSnapshot = () => Object.fromEntries(allServices().map((s) => [s, runningTasks(s)]));

function writeFleet(alertmanagerImage: string): void {
  repo.writeConfig({
    ports: { base: portBase, max: portBase + 19 },
    // Two replicas (the default) behind the Debian-built HAProxy (no registry here for the official image).
    agent: { image: IMAGES.agent, hostPort: agentPort, balancerImage: IMAGES.haproxy },
    types: {
      alertmanager: { image: alertmanagerImage, args: ['--port', '8000'] },
      genesys: { image: IMAGES.genesysMcp },
      // No Grafana image can be pulled here: the Genesys image (mcp-proxy) stands in, so the test can check that the
      // token arrives as a Swarm secret file at GRAFANA_SERVICE_ACCOUNT_TOKEN_FILE — not that Grafana reads it.
      grafana: { image: IMAGES.genesysMcp, args: [] },
    },
    // The scratch alertmanager image has no curl for the catalog healthcheck; Swarm would replace it forever.
    swarm: { skipHealthcheck: ['alertmanager'], agentStack },
  });
}

async function generate(): Promise<void> {
  const generated = await repo.run('generate');
  if (generated.code !== 0) throw new Error(generated.stderr);
}

let releaseEngine: (() => void) | undefined;

beforeAll(async () => {
  releaseEngine = await acquireEngineLock();
  daemon = await ensureDockerEngine();
  buildTestImages();
  swarm = ensureSwarm();
  portBase = await freeHostPorts(21);
  agentPort = portBase + 20;
  const [genesysId, genesysSecret] = Object.keys(credentials);
  repo
    .addCustomer(alpha, {
      name: `Alpha ${run}`,
      host: 'alpha.example.com',
      mcpServers: [
        { type: 'alertmanager', url: `http://am-upstream-${run}:9093` },
        { type: 'genesys', region: 'mypurecloud.ie', clientIdEnv: genesysId, clientSecretEnv: genesysSecret },
        { type: 'grafana', url: 'https://grafana.alpha.example.com', tokenEnv: grafanaVariable },
      ],
    })
    .addCustomer(beta, { name: `Beta ${run}`, host: 'beta.example.com', mcpServers: [{ type: 'alertmanager', url: `http://am-upstream-${run}:9093` }] });
  writeFleet(IMAGES.alertmanagerMcp);
  await generate();
  writeFileSync(envFile, Object.entries(credentials).map(([k, v]) => `${k}=${v}\n`).join(''));
}, 900_000);

afterAll(async () => {
  try {
    try {
      try {
        sh('docker', ['service', 'rm', upstreamService]);
      } catch {
        // Removed by its test, or never created.
      }
      removeLeftovers(run, stacks);
      try {
        sh('docker', ['image', 'rm', rolloutImage]);
      } catch {
        // Not tagged (the rollout test did not get that far) or already removed.
      }
      if (swarm) leaveSwarm(swarm);
    } finally {
      repo.dispose();
      if (daemon) daemon.kill('SIGTERM');
      if (Object.keys(measured).length > 0) console.log(`swarm e2e timings (ms): ${JSON.stringify(measured)}`);
    }
  } finally {
    releaseEngine?.();
  }
}, 300_000);

describe('manage.mjs --target swarm on a real single-node swarm', () => {
  it('refuses to deploy while a credential or a Swarm secret is missing, naming them and what to do', async () => {
    const [genesysId, genesysSecret] = Object.keys(credentials);
    writeFileSync(envFile, `${genesysId}=${credentials[genesysId!]}\n${grafanaVariable}=${credentials[grafanaVariable]}\n`);
    const result = await manage(['up']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${genesysSecret}  (customer ${alpha}, service mcp-genesys-${alpha})`);
    expect(result.stderr).not.toContain(`${genesysId}  (`);
    expect(result.stderr).toContain(`${grafanaSecret}  (variable ${grafanaVariable}, customer ${alpha}, service mcp-grafana-${alpha})`);
    expect(result.stderr).toContain(`${sessionSecret}  (variable AGENT_SESSION_SECRET, agent, a random key, service mcp-agent)`);
    // The agent's secret is made by a run without --customer, so the command names none.
    expect(result.stderr).toContain(`Create them: node scripts/swarm-secrets.mjs --env-file ${envFile} --swarm-dir ${path.join(repo.outDir, 'swarm')}\n`);
    for (const value of Object.values(credentials)) expect(result.stdout + result.stderr).not.toContain(value);
    expect(leftovers(run).services).toEqual([]);
    writeFileSync(envFile, Object.entries(credentials).map(([k, v]) => `${k}=${v}\n`).join(''));
  });

  it('swarm-secrets.mjs creates the secrets from the env file, printing names only', async () => {
    const result = await secretsScript([]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([`${grafanaSecret}: created from ${grafanaVariable}`, `${sessionSecret}: created with a random AGENT_SESSION_SECRET`]);
    for (const value of Object.values(credentials)) expect(result.stdout + result.stderr).not.toContain(value);
    expect(sh('docker', ['secret', 'inspect', '--format', '{{json .Spec.Labels}}', grafanaSecret]).trim()).toBe(JSON.stringify({ 'mcpfleet.customer': alpha, 'mcpfleet.variable': grafanaVariable }));
    expect(sh('docker', ['secret', 'inspect', '--format', '{{json .Spec.Labels}}', sessionSecret]).trim()).toBe(JSON.stringify({ 'mcpfleet.role': 'agent', 'mcpfleet.variable': 'AGENT_SESSION_SECRET' }));
    const again = await secretsScript([]);
    expect(again.stdout.trim().split('\n')).toEqual([`${grafanaSecret}: exists, kept (--replace to recreate it)`, `${sessionSecret}: exists, kept`]);
  });

  it('up --wait brings every service to its desired count and to MCP health through 127.0.0.1', async () => {
    const started = Date.now();
    const up = await manage(['up', '--wait', '--timeout', '180']);
    measured.convergeMs = Date.now() - started;
    expect(up.stderr).toContain('All 5 services healthy.');
    expect(up.code).toBe(0);
    expect(up.stderr).toContain(`mcp-${alpha}: deployed (3 services)`);
    expect(up.stderr).toMatch(new RegExp(`${agentStack}: deployed \\(config [0-9a-f]{12}\\)`));

    const { code, rows } = await status();
    expect(code).toBe(0);
    expect(rows.map((r) => [r.service, r.desired, r.running, r.task, r.healthy, r.tools])).toEqual([
      [`mcp-alertmanager-${alpha}`, 1, 1, 'running', true, 12],
      [`mcp-genesys-${alpha}`, 1, 1, 'running', true, 10],
      [`mcp-grafana-${alpha}`, 1, 1, 'running', true, 10],
      [`mcp-alertmanager-${beta}`, 1, 1, 'running', true, 12],
      ['mcp-agent', 2, 2, 'running', true, null],
    ]);
    const table = await manage(['status', '--customer', beta]);
    expect(table.stdout).toMatch(new RegExp(`${beta} .*alertmanager .*mcp-alertmanager-${beta} .*1/1 .*running .*healthy .*12`));

    const logs = await manage(['logs', '--customer', alpha, '--type', 'genesys', '--tail', '20', '--no-agent']);
    expect(logs.code).toBe(0);
    expect(logs.stdout + logs.stderr).toContain('starting server on port 8000'); // mcp-proxy, through docker service logs

    // Swarm objects as the stack files describe them: an overlay network per customer, the secret as a file.
    expect(sh('docker', ['network', 'inspect', '--format', '{{.Driver}} {{.Scope}}', `mcp-${alpha}`]).trim()).toBe('overlay swarm');
    const grafana = sh('docker', ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${swarmName(alpha, `mcp-grafana-${alpha}`)}`]).trim();
    expect(sh('docker', ['exec', grafana, 'cat', `/run/secrets/${grafanaVariable}`])).toBe(credentials[grafanaVariable]);
    const spec = sh('docker', ['service', 'inspect', swarmName(alpha, `mcp-grafana-${alpha}`)]);
    expect(spec).toContain(`GRAFANA_SERVICE_ACCOUNT_TOKEN_FILE=/run/secrets/${grafanaVariable}`);
    expect(spec).not.toContain(credentials[grafanaVariable]);

    // Both agent replicas read the same random session key from the secret file; it is in no spec and no log.
    const replicas = sh('docker', ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${agentStack}_mcp-agent`]).trim().split('\n');
    expect(replicas).toHaveLength(2);
    const keys = replicas.map((id) => sh('docker', ['exec', id, 'node', '-e', "process.stdout.write(require('fs').readFileSync('/run/secrets/AGENT_SESSION_SECRET', 'utf8'))"]));
    expect(keys[0]).toMatch(/^[A-Za-z0-9+/]{64}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(sh('docker', ['service', 'inspect', `${agentStack}_mcp-agent`])).not.toContain(keys[0]);
    expect(sh('docker', ['service', 'logs', '--raw', `${agentStack}_mcp-agent`])).not.toContain(keys[0]);
  }, 300_000);

  it('the agent reaches each customer over its overlay network', async () => {
    const agent = async (body: unknown) =>
      (await fetch(`http://127.0.0.1:${agentPort}/api/customers/switch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) })).json();
    const toAlpha = await agent({ customer: alpha });
    expect(toAlpha).toMatchObject({ success: true, failed_mcps: [] });
    expect([...toAlpha.connected_mcps].sort()).toEqual(['alertmanager', 'genesys', 'grafana']);
    const toBeta = await agent({ customer: beta });
    expect(toBeta).toMatchObject({ success: true, connected_mcps: ['alertmanager'], failed_mcps: [], tool_count: 12 });
  }, 120_000);

  it('a forced update of the agent\'s two replicas behind HAProxy loses no call of clients of either revision', async () => {
    // A real Alertmanager for beta's alertmanager MCP server (dnsrr: no IPVS here for a virtual IP).
    sh('docker', ['service', 'create', '--detach', '--name', upstreamService, '--network', `mcp-${beta}`, '--endpoint-mode', 'dnsrr', '--restart-condition', 'none', IMAGES.alertmanager]);
    const agentService = `${agentStack}_mcp-agent`;
    const balancerService = `${agentStack}_mcp-agent-lb`;
    const url = new URL(`http://127.0.0.1:${agentPort}/customers/${beta}/mcp`);
    const v1 = new ClientV1({ name: 'e2e-v1', version: '1.0.0' });
    const v2 = new ClientV2({ name: 'e2e-v2', version: '1.0.0' });
    try {
      await waitFor('beta\'s alertmanager answering through the agent', async () => {
        const probe = new ClientV2({ name: 'e2e-probe', version: '1.0.0' });
        try {
          await probe.connect(new TransportV2(url));
          const result = await probe.callTool({ name: 'alertmanager_getAlerts', arguments: {} });
          return result.isError ? undefined : true;
        } catch {
          return undefined;
        } finally {
          await probe.close().catch(() => {});
        }
      }, { attempts: 60, intervalMs: 1000 });

      // One client on a 2025-11-25 session (sealed: whichever replica gets a request serves it), one on 2026-07-28.
      const v1Transport = new TransportV1(url);
      await v1.connect(v1Transport);
      await v2.connect(new TransportV2(url));
      expect(v1Transport.sessionId).toBeTruthy();
      const counts = { v1: { ok: 0, failed: 0 }, v2: { ok: 0, failed: 0 } };
      const failures: string[] = [];
      let calling = true;
      const loop = async (name: 'v1' | 'v2', call: () => Promise<{ isError?: boolean; content?: unknown }>) => {
        while (calling) {
          try {
            const result = await call();
            if (result.isError) throw new Error(`tool error: ${JSON.stringify(result.content).slice(0, 200)}`);
            counts[name].ok++;
          } catch (error) {
            counts[name].failed++;
            if (failures.length < 10) failures.push(`${name} at ${Date.now() - updateStarted} ms: ${(error as Error).message.split('\n')[0]}`);
          }
        }
      };
      const before = runningTasks(agentService);
      let updateStarted = Date.now();
      const loops = [
        loop('v1', () => v1.callTool({ name: 'alertmanager_getAlerts', arguments: {} }, undefined, { timeout: 15_000 }) as Promise<{ isError?: boolean }>),
        loop('v2', () => v2.callTool({ name: 'alertmanager_getAlerts', arguments: {} }, { timeout: 15_000 }) as Promise<{ isError?: boolean }>),
      ];
      await new Promise((r) => setTimeout(r, 2000)); // calls flowing before the update
      const callsBefore = counts.v1.ok + counts.v2.ok;
      updateStarted = Date.now();
      // Detached: the loops above keep running while Swarm replaces the tasks one at a time, start-first.
      sh('docker', ['service', 'update', '--force', '--detach', agentService]);
      const state = () => sh('docker', ['service', 'inspect', '--format', '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}', agentService]).trim();
      await waitFor('the agent update completed', () => (state() === 'completed' ? true : undefined), { attempts: 240, intervalMs: 500 });
      measured.agentUpdateMs = Date.now() - updateStarted;
      await new Promise((r) => setTimeout(r, 3000)); // and calls after it
      calling = false;
      await Promise.all(loops);

      const after = runningTasks(agentService);
      expect(after.split(',')).toHaveLength(2);
      for (const task of before.split(',')) expect(after).not.toContain(task);
      measured.callsDuringAgentUpdate = counts.v1.ok + counts.v2.ok + counts.v1.failed + counts.v2.failed;
      measured.failedCallsDuringAgentUpdate = counts.v1.failed + counts.v2.failed;
      expect(failures).toEqual([]);
      expect(counts.v1.failed + counts.v2.failed).toBe(0);
      expect(callsBefore).toBeGreaterThan(0);
      expect(counts.v1.ok).toBeGreaterThan(20);
      expect(counts.v2.ok).toBeGreaterThan(20);

      // HAProxy took each stopping replica out of the rotation — its /readyz at 503 (health check DOWN) or Swarm
      // dropping the task from DNS as it stops (maintenance) — before it stopped listening.
      const balancerLog = sh('docker', ['service', 'logs', '--raw', balancerService]);
      const out = balancerLog.split('\n').filter((line) => /Server replicas\/replica\d+ is (DOWN|going DOWN for maintenance)/.test(line) && !line.startsWith('['));
      expect(out.length, balancerLog.slice(-3000)).toBeGreaterThanOrEqual(2);
      measured.balancerDownBy503 = out.filter((line) => /code: 503/.test(line)).length;
      measured.balancerDownByDns = out.filter((line) => /DNS/.test(line)).length;
      console.log(`balancer during the agent update:\n${out.join('\n')}`);
    } finally {
      await v1.close().catch(() => {});
      await v2.close().catch(() => {});
      sh('docker', ['service', 'rm', upstreamService]);
    }
  }, 300_000);

  it('self-healing: a killed task is replaced by Swarm; status shows the gap, then the recovery', async () => {
    const service = swarmName(beta, `mcp-alertmanager-${beta}`);
    const container = sh('docker', ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`]).trim();
    expect(container).toMatch(/^[0-9a-f]{12}$/);
    const killed = Date.now();
    sh('docker', ['kill', container]);

    const gap = await waitFor('status showing fewer running tasks than desired', async () => {
      const { code, rows } = await status(['--customer', beta]);
      const row = rows.find((r) => r.type === 'alertmanager')!;
      return row.running < row.desired ? { code, row } : undefined;
    }, { attempts: 20, intervalMs: 250 });
    expect(gap.code).toBe(1);
    expect(gap.row).toMatchObject({ desired: 1, running: 0, healthy: false });
    expect(gap.row.reason).toMatch(/^0\/1 tasks running/);

    const healed = await waitFor('the replacement task healthy over MCP', async () => {
      const { code, rows } = await status(['--customer', beta]);
      return code === 0 && rows.every((r) => r.healthy && r.running === r.desired) ? rows : undefined;
    }, { attempts: 60, intervalMs: 500 });
    measured.selfHealMs = Date.now() - killed;
    expect(healed.find((r) => r.type === 'alertmanager')!.tools).toBe(12);
    const replacement = sh('docker', ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`]).trim();
    expect(replacement).not.toBe(container);
    expect(sh('docker', ['service', 'ps', '--format', '{{.Error}}', service])).toContain('non-zero exit (137)');
  }, 120_000);

  it('rolls an image change out one customer at a time: only the deployed customer\'s changed services update', async () => {
    sh('docker', ['tag', IMAGES.alertmanagerMcp, rolloutImage]);
    writeFleet(rolloutImage);
    await generate();
    const before = taskSnapshot();
    const image = (service: string) => sh('docker', ['service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', service]).trim();
    /** `changed` runs the new image in new tasks; every other service kept its tasks. */
    const expectOnlyRolledOut = (changed: string, tasksBefore: ReturnType<typeof taskSnapshot>, tasksAfter: ReturnType<typeof taskSnapshot>) => {
      expect(image(changed)).toBe(rolloutImage);
      expect(tasksAfter[changed]).not.toBe(tasksBefore[changed]);
      for (const service of allServices().filter((s) => s !== changed)) expect(tasksAfter[service], `${service} was not to change`).toBe(tasksBefore[service]);
    };

    const betaStarted = Date.now();
    const toBeta = await manage(['up', '--customer', beta, '--wait', '--timeout', '120']);
    measured.rolloutOneCustomerMs = Date.now() - betaStarted;
    expect(toBeta.stderr).toContain('All 2 services healthy.');
    expect(toBeta.code).toBe(0);
    const afterBeta = taskSnapshot();
    expectOnlyRolledOut(swarmName(beta, `mcp-alertmanager-${beta}`), before, afterBeta);
    expect(image(swarmName(alpha, `mcp-alertmanager-${alpha}`))).toBe(IMAGES.alertmanagerMcp);

    // Deploying everything now updates alpha's alertmanager — and nothing that did not change.
    const all = await manage(['up', '--wait', '--timeout', '120']);
    expect(all.code).toBe(0);
    const afterAll = taskSnapshot();
    expectOnlyRolledOut(swarmName(alpha, `mcp-alertmanager-${alpha}`), afterBeta, afterAll);
    expect((await status()).rows.every((r) => r.healthy && r.settled)).toBe(true);
  }, 300_000);

  it('down of one customer keeps the network the agent holds; down of everything leaves nothing behind', async () => {
    const one = await manage(['down', '--customer', beta]);
    expect(one.code).toBe(0);
    expect(one.stderr).toContain(`mcp-${beta}: removed`);
    expect(one.stderr).toContain(`Kept network mcp-${beta}: the agent (stack ${agentStack}) is attached`);
    expect((await status(['--customer', beta])).rows.map((r) => [r.service, r.reason])).toEqual([[`mcp-alertmanager-${beta}`, 'no service'], ['mcp-agent', null]]);

    const all = await manage(['down']);
    expect(all.stderr).toBe(`${agentStack}: removed\nmcp-${alpha}: removed\nmcp-${beta}: removed\n`);
    expect(all.code).toBe(0);
    const removed = await secretsScript(['--remove']);
    expect(removed.stdout.trim().split('\n')).toEqual([`${grafanaSecret}: removed`, `${sessionSecret}: removed`]);
    expect(removed.code).toBe(0);
    expect(leftovers(run)).toEqual({ services: [], networks: [], secrets: [], configs: [], containers: [] });

    if (swarm?.created) {
      leaveSwarm(swarm);
      expect(swarmState()).toBe('inactive');
      expect(sh('docker', ['network', 'ls', '--format', '{{.Name}}']).split('\n')).not.toContain('ingress');
    }
  }, 300_000);
});
