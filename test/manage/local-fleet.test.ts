/**
 * Operating the fleet without a registry (docs/operating-locally.md), on a real Docker engine with compose:
 * `manage build --local` for one customer (cached images: seconds), `up --wait` and `status` through the override
 * it writes beside out/ (out/ unchanged), Docker's own health agreeing with status; `--wait` stopping at once on an
 * unhealthy container and quoting its check; credentials asked for the selection only; compose failures as one
 * sentence; NO_COLOR reaching compose.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireEngineLock } from '../helpers/engine-lock.ts';
import { FleetRepo, REPO_ROOT } from '../helpers/fleet-repo.ts';
import { MANAGE, runManage, runProgram, ZX } from '../helpers/manage-cli.ts';
import { ensureDockerEngine, freePortRange, IMAGES, sh } from './docker-fixtures.ts';

const run = randomBytes(3).toString('hex');
const project = `mcpfleet-local-${run}`;
const brokenProject = `mcpfleet-broken-${run}`;
const alpha = `alpha-${run}`;
const beta = `beta-${run}`;
const repo = new FleetRepo();
const envFile = path.join(repo.root, 'mcp_credentials.env');
const composeFile = path.join(repo.outDir, 'docker-compose.mcps.yml');
let daemon: ChildProcess | undefined;
let releaseEngine: (() => void) | undefined;
let brokenPort: number;
const measured: Record<string, number> = {};

const exec = (file: string, args: string[], env: Record<string, string | undefined> = {}) => runProgram(file, args, { env });
const manage = (args: string[], env: Record<string, string | undefined> = {}) => runManage(args, ['--file', composeFile, '--env-file', envFile, '--project', project], { env });

beforeAll(async () => {
  releaseEngine = await acquireEngineLock();
  daemon = await ensureDockerEngine();
  const portBase = await freePortRange(12);
  brokenPort = portBase + 11;
  // The public images of the catalog (no image set in the config): build --local maps them to its stand-ins.
  repo
    .addCustomer(alpha, {
      name: `Alpha ${run}`,
      host: 'alpha.example.com',
      mcpServers: [
        { type: 'alertmanager', url: 'http://127.0.0.1:9' },
        { type: 'grafana', url: 'http://127.0.0.1:9', tokenEnv: `GRAFANA_TOKEN_ALPHA_${run.toUpperCase()}` },
      ],
    })
    .addCustomer(beta, {
      name: `Beta ${run}`,
      host: 'beta.example.com',
      mcpServers: [{ type: 'genesys', region: 'mypurecloud.ie', clientIdEnv: `GENESYS_ID_BETA_${run.toUpperCase()}`, clientSecretEnv: `GENESYS_SECRET_BETA_${run.toUpperCase()}` }],
      gateway: { tokenEnv: `GATEWAY_TOKEN_BETA_${run.toUpperCase()}` },
    })
    .writeConfig({ ports: { base: portBase, max: portBase + 9 }, agent: { hostPort: portBase + 10 } });
  const generated = await repo.run('generate');
  if (generated.code !== 0) throw new Error(generated.stderr);
  // Compose v1 checks every build context exists, as in the repository (out/ names ../images/genesys).
  cpSync(path.join(REPO_ROOT, 'images/genesys'), path.join(repo.root, 'images/genesys'), { recursive: true });
  writeFileSync(envFile, '');
}, 900_000);

afterAll(async () => {
  try {
    await manage(['down']);
    await exec(ZX, [MANAGE, 'down', '--file', path.join(repo.root, 'broken.yml'), '--project', brokenProject, '--no-local']);
    repo.dispose();
    if (daemon) daemon.kill('SIGTERM');
    console.log(`local fleet timings (ms): ${JSON.stringify(measured)}`);
  } finally {
    releaseEngine?.();
  }
}, 120_000);

describe('manage with local images and a selection', () => {
  it('up --customer asks only for that customer\'s credentials, and the agent\'s own unless --no-agent', async () => {
    const withAgent = await manage(['up', '--customer', alpha]);
    expect(withAgent.code).toBe(1);
    expect(withAgent.stderr).toContain(`GRAFANA_TOKEN_ALPHA_${run.toUpperCase()}  (customer ${alpha}, service mcp-grafana-${alpha})`);
    // The agent's own: beta's gateway token, named as such; beta's Genesys credentials are not asked for.
    expect(withAgent.stderr).toContain(`GATEWAY_TOKEN_BETA_${run.toUpperCase()}  (the agent: gateway token of customer ${beta}, service mcp-agent)`);
    expect(withAgent.stderr).not.toContain('GENESYS_');
    expect(withAgent.stderr).not.toMatch(/\(customer ,/);
    expect(withAgent.stderr).toContain('Or leave the agent out: --no-agent.');

    const alone = await manage(['up', '--customer', alpha, '--no-agent']);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toContain('1 credential variable is not set; nothing was started:');
    expect(alone.stderr).not.toContain('GATEWAY_TOKEN');
    expect(sh('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]).trim()).toBe('');
  });

  it('build --local, then up --wait and status through the override; out/ unchanged; docker ps health agrees', async () => {
    const before = repo.snapshotOut();
    let started = Date.now();
    const build = await manage(['build', '--local', '--customer', alpha, '--no-agent']);
    measured.buildLocalMs = Date.now() - started;
    expect(build.code, build.stderr).toBe(0);
    expect(build.stdout).toContain(`ghcr.io/ntk148v/alertmanager-mcp-server:1.0.0 -> ${IMAGES.alertmanagerMcp}`);
    expect(build.stdout).toMatch(/grafana\/mcp-grafana:[\d.]+ -> mcpfleet-local\/grafana-mcp:local/);
    expect(build.stdout).toContain('health check replaced: the generated check runs curl');
    const override = path.join(repo.root, '.mcpfleet-local', 'docker-compose.mcps.local.yml');
    expect(readFileSync(override, 'utf8')).toContain(`mcp-alertmanager-${alpha}:\n    image: ${IMAGES.alertmanagerMcp}`);
    expect(repo.snapshotOut()).toEqual(before);

    writeFileSync(envFile, `GRAFANA_TOKEN_ALPHA_${run.toUpperCase()}=not-a-real-token\n`);
    started = Date.now();
    const up = await manage(['up', '--customer', alpha, '--no-agent', '--wait', '--timeout', '90']);
    measured.upWaitMs = Date.now() - started;
    expect(up.stderr).toContain('All 2 services healthy.');
    expect(up.code).toBe(0);
    const image = (service: string) => sh('docker', ['inspect', '--format', '{{.Config.Image}}', `${project}_${service}_1`]).trim();
    expect(image(`mcp-alertmanager-${alpha}`)).toBe(IMAGES.alertmanagerMcp);
    expect(image(`mcp-grafana-${alpha}`)).toBe(IMAGES.grafanaMcp);

    // Docker's own check (the same MCP probe, at most 10 s apart) turns healthy too; bounded wait.
    started = Date.now();
    let health = '';
    for (let attempt = 0; attempt < 40; attempt++) {
      health = sh('docker', ['ps', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Names}} {{.Status}}']);
      if (health.split('\n').filter(Boolean).every((line) => line.includes('(healthy)'))) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    measured.dockerHealthyAfterWaitMs = Date.now() - started;
    expect(health.match(/\(healthy\)/g)).toHaveLength(2);

    // One customer without the agent is a whole selection: status passes though the agent has no container.
    const status = await manage(['status', '--customer', alpha, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const rows = JSON.parse(status.stdout);
    expect(rows.map((r: { service: string; healthy: boolean; dockerHealth: string; tools: number }) => [r.service, r.healthy, r.dockerHealth, r.tools])).toEqual([
      [`mcp-alertmanager-${alpha}`, true, 'healthy', 12],
      [`mcp-grafana-${alpha}`, true, 'healthy', 43],
    ]);
    expect(rows[0].dockerHealthOutput).toMatch(/^healthy: MCP initialize \+ tools\/list \(12 tools/);

    // The probes closed their sessions: mcp-proxy logged a DELETE for each, and no probe left a GET stream.
    const proxyLog = sh('sh', ['-c', `docker logs ${project}_mcp-grafana-${alpha}_1 2>&1`]);
    expect(proxyLog).toMatch(/received delete request for session/);
  }, 300_000);

  it('NO_COLOR reaches compose: no colour codes in its output on a terminal, colour codes without it', async () => {
    const logs = (noColor: boolean) =>
      exec('script', ['-qefc', [`${noColor ? 'NO_COLOR=1' : 'NO_COLOR='}`, ZX, MANAGE, 'logs', '--customer', alpha, '--no-agent', '--tail', '5', '--file', composeFile, '--env-file', envFile, '--project', project].join(' '), '/dev/null'], { NO_COLOR: undefined });
    const plain = await logs(true);
    expect(plain.stdout).toContain(`mcp-grafana-${alpha}`);
    expect(plain.stdout).not.toContain('\x1b[');
    const coloured = await logs(false);
    expect(coloured.stdout).toContain('\x1b[');
  }, 60_000);

  it('compose failures are one sentence naming the compose installed, with its own words; no stack trace', async () => {
    const broken = path.join(repo.root, 'invalid.yml');
    writeFileSync(broken, readFileSync(composeFile, 'utf8').replace(/"127\.0\.0\.1:(\d+):8000"/, '"127.0.0.1:not-a-port:8000"'));
    const result = await exec(ZX, [MANAGE, 'logs', '--customer', alpha, '--file', broken, '--env-file', envFile, '--project', project]);
    expect(result.code).toBe(1);
    const compose = sh('sh', ['-c', 'docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose']).trim();
    const last = result.stderr.trim().split('\n').pop()!;
    expect(last).toMatch(new RegExp(`^\`${compose} logs\` for customer ${alpha} failed \\(exit 1\\): .*invalid`));
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr).not.toContain('ProcessOutput');
  }, 60_000);

  it('up --wait stops at once on a container Docker finds unhealthy, quoting the check and naming customer and server', async () => {
    // A server whose own health check fails, with the real MCP probe failing too (HTTP 500).
    const file = path.join(repo.root, 'broken.yml');
    writeFileSync(
      file,
      `services:
  mcp-broken-${run}:
    image: "${IMAGES.node}"
    command: ["node", "-e", "require('http').createServer((q, r) => { r.writeHead(500); r.end('down for maintenance') }).listen(8000)"]
    ports: ["127.0.0.1:${brokenPort}:8000"]
    profiles: ["broken-${run}", "all"]
    labels:
      mcpfleet.customer: "broken-${run}"
      mcpfleet.type: "alertmanager"
      mcpfleet.server: "alertmanager"
      mcpfleet.mcp-path: "/mcp"
    healthcheck:
      test: ["CMD", "node", "-e", "console.log('upstream answered 503 at /-/ready'); process.exit(1)"]
      interval: 1s
      timeout: 5s
      retries: 1
`,
    );
    const started = Date.now();
    const result = await exec(ZX, [MANAGE, 'up', '--customer', `broken-${run}`, '--wait', '--timeout', '120', '--file', file, '--env-file', envFile, '--project', brokenProject, '--no-local']);
    measured.failFastMs = Date.now() - started;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Stopped waiting: 1 of 1 service failed:');
    expect(result.stderr).toContain(`customer broken-${run}, alertmanager server (mcp-broken-${run}): Docker's health check reports it unhealthy (exit 1); the check's last output: "upstream answered 503 at /-/ready"`);
    expect(measured.failFastMs).toBeLessThan(30_000);
  }, 120_000);
});
