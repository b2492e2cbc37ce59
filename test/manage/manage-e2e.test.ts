/**
 * End to end on a real Docker engine: a two-customer fleet built from locally made images, run and watched
 * with scripts/manage.mjs, used through the agent runtime on the compose networks.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { acquireEngineLock } from '../helpers/engine-lock.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetRepo, REPO_ROOT } from '../helpers/fleet-repo.ts';
import { buildTestImages, ensureDockerEngine, freePortRange, IMAGES, removeLabelled, sh } from './docker-fixtures.ts';

const run = randomBytes(3).toString('hex');
const project = `mcpfleet-e2e-${run}`;
const label = `mcpfleet-e2e=${run}`;
const alpha = `alpha-${run}`;
const beta = `beta-${run}`;
const upstream = `am-upstream-${run}`;
let agentPort: number;
let portBase: number;
const repo = new FleetRepo();
let daemon: ChildProcess | undefined;

interface StatusRow {
  customer: string;
  type: string;
  service: string;
  container: string;
  healthy: boolean;
  reason: string | null;
  tools: number | null;
}

function manage(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const common = ['--file', path.join(repo.outDir, 'docker-compose.mcps.yml'), '--env-file', path.join(repo.root, 'mcp_credentials.env'), '--project', project];
  return new Promise((resolve) => {
    execFile(path.join(REPO_ROOT, 'node_modules/.bin/zx'), [path.join(REPO_ROOT, 'scripts/manage.mjs'), ...args, ...common], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout: 300_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function status(args: string[] = []): Promise<{ code: number; rows: StatusRow[] }> {
  const result = await manage(['status', '--json', ...args]);
  return { code: result.code, rows: JSON.parse(result.stdout) };
}

async function agent(method: 'GET' | 'POST', route: string, body?: unknown): Promise<any> {
  const response = await fetch(`http://127.0.0.1:${agentPort}${route}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(20_000),
  });
  return response.json();
}

let releaseEngine: (() => void) | undefined;

beforeAll(async () => {
  releaseEngine = await acquireEngineLock();
  daemon = await ensureDockerEngine();
  buildTestImages();
  // One run of free ports: the servers' range, then the agent's port right after it.
  portBase = await freePortRange(21);
  agentPort = portBase + 20;
  const alertmanager = { type: 'alertmanager', url: `http://${upstream}:9093` };
  repo
    .addCustomer(alpha, {
      name: `Alpha ${run}`,
      host: 'alpha.example.com',
      mcpServers: [alertmanager, { type: 'genesys', region: 'mypurecloud.ie', clientIdEnv: 'GENESYS_ID_ALPHA', clientSecretEnv: 'GENESYS_SECRET_ALPHA' }],
    })
    .addCustomer(beta, { name: `Beta ${run}`, host: 'beta.example.com', mcpServers: [alertmanager] })
    .writeConfig({
      ports: { base: portBase, max: portBase + 19 },
      agent: { image: IMAGES.agent, hostPort: agentPort },
      types: { alertmanager: { image: IMAGES.alertmanagerMcp, args: ['--port', '8000'] }, genesys: { image: IMAGES.genesysMcp } },
    });
  const generated = await repo.run('generate');
  if (generated.code !== 0) throw new Error(generated.stderr);
  writeFileSync(path.join(repo.root, 'mcp_credentials.env'), 'GENESYS_ID_ALPHA=e2e-client-id\nGENESYS_SECRET_ALPHA=e2e-client-secret\n');
}, 900_000);

afterAll(async () => {
  try {
    try {
      removeLabelled(label);
      await manage(['down']);
    } finally {
      repo.dispose();
      if (daemon) daemon.kill('SIGTERM');
    }
  } finally {
    releaseEngine?.();
  }
}, 300_000);

describe('zx scripts/manage.mjs with a real Docker engine', () => {
  it('refuses to start with a credential missing, naming it', async () => {
    writeFileSync(path.join(repo.root, 'mcp_credentials.env'), 'GENESYS_ID_ALPHA=e2e-client-id\n');
    const result = await manage(['up']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`GENESYS_SECRET_ALPHA  (customer ${alpha}, service mcp-genesys-${alpha})`);
    expect(sh('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]).trim()).toBe('');
    writeFileSync(path.join(repo.root, 'mcp_credentials.env'), 'GENESYS_ID_ALPHA=e2e-client-id\nGENESYS_SECRET_ALPHA=e2e-client-secret\n');
  });

  it('up --wait brings every server to real MCP health; status reports the real tool counts', async () => {
    const up = await manage(['up', '--wait', '--timeout', '120']);
    expect(up.stderr).toContain('All 4 services healthy.');
    expect(up.code).toBe(0);

    const { code, rows } = await status();
    expect(code).toBe(0);
    expect(rows.map((r) => [r.service, r.healthy, r.tools])).toEqual([
      [`mcp-alertmanager-${alpha}`, true, 12],
      [`mcp-genesys-${alpha}`, true, 10],
      [`mcp-alertmanager-${beta}`, true, 12],
      ['mcp-agent', true, null],
    ]);
    const table = await manage(['status', '--customer', beta]);
    expect(table.stdout).toMatch(new RegExp(`${beta} .*alertmanager .*mcp-alertmanager-${beta} .*running .*healthy .*12`));
  }, 300_000);

  it('the agent switches between the customers over the compose networks and reaches a real Alertmanager', async () => {
    sh('docker', ['run', '-d', '--name', upstream, '--label', label, '--network', `mcp-${alpha}`, '-p', '127.0.0.1::9093', IMAGES.alertmanager]);
    sh('docker', ['network', 'connect', `mcp-${beta}`, upstream]);
    const published = sh('docker', ['port', upstream, '9093']).trim().split('\n')[0]!;
    let posted = false;
    for (let attempt = 0; attempt < 30 && !posted; attempt++) {
      posted = await fetch(`http://${published}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ labels: { alertname: `E2EDiskFull${run}`, severity: 'critical' }, annotations: { summary: 'disk full' } }]),
        signal: AbortSignal.timeout(5000),
      }).then((r) => r.ok, () => false);
      if (!posted) await new Promise((r) => setTimeout(r, 500));
    }
    expect(posted).toBe(true);

    const toAlpha = await agent('POST', '/api/customers/switch', { customer: alpha });
    expect(toAlpha).toMatchObject({ success: true, failed_mcps: [] });
    expect([...toAlpha.connected_mcps].sort()).toEqual(['alertmanager', 'genesys']);
    expect(toAlpha.tool_count).toBe(22);
    const alerts = await agent('POST', '/api/tools/call', { tool: 'alertmanager_getAlerts', arguments: {} });
    expect(JSON.stringify(alerts)).toContain(`E2EDiskFull${run}`);

    const toBeta = await agent('POST', '/api/customers/switch', { customer: beta });
    expect(toBeta).toMatchObject({ success: true, connected_mcps: ['alertmanager'], failed_mcps: [], tool_count: 12 });
  }, 120_000);

  it('a killed server shows in status and in the agent; manage up brings it back', async () => {
    sh('docker', ['kill', `${project}_mcp-alertmanager-${beta}_1`]);
    const down = await status(['--customer', beta]);
    expect(down.code).toBe(1);
    expect(down.rows.find((r) => r.type === 'alertmanager')).toMatchObject({ healthy: false, container: 'exited', reason: 'container exited' });

    // The agent still holds beta's pooled session: the dead server shows at its next use, then in the switch report.
    const call = await agent('POST', '/api/tools/call', { tool: 'alertmanager_getAlerts', arguments: {} });
    expect(JSON.stringify(call)).toMatch(/refused|reset|timeout|unreachable|failed/i);
    await agent('POST', '/api/customers/switch', { customer: alpha });
    const toBeta = await agent('POST', '/api/customers/switch', { customer: beta });
    expect(toBeta.connected_mcps).toEqual([]);
    expect(toBeta.failed_mcps).toEqual([expect.objectContaining({ type: 'alertmanager', name: 'alertmanager' })]);

    const up = await manage(['up', '--customer', beta, '--wait', '--timeout', '60']);
    expect(up.code).toBe(0);
    expect((await status()).rows.every((r) => r.healthy)).toBe(true);
  }, 180_000);

  it('down leaves no container, network or volume behind', async () => {
    removeLabelled(label);
    const result = await manage(['down']);
    expect(result.code).toBe(0);
    expect(sh('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]).trim()).toBe('');
    expect(sh('docker', ['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`]).trim()).toBe('');
    expect(sh('docker', ['network', 'ls', '--format', '{{.Name}}']).split('\n').filter((n) => n.includes(run))).toEqual([]);
    expect(sh('docker', ['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`]).trim()).toBe('');
  }, 120_000);
});
