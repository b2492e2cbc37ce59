/**
 * `manage drift --target swarm` at the swarm bench's scale: 50 customers × 2 Alertmanager MCP servers (the local
 * image, as bench/swarm.bench.ts deploys them), each customer its own stack. Drift needs the services, not their
 * health, so the fleet is deployed with `manage up` (no --wait) and the bench waits until Swarm runs every task.
 * Then, in the same run: the baseline `docker service ls` (one CLI call, the least any look at the swarm costs),
 * `docker service inspect` of every service (what drift reads), `manage status --json`, and `manage drift` in sync
 * and after one customer's file changed (regenerated, not deployed) — each the median of a few runs, and drift as a
 * ratio to the baseline. Takes the engine lock; removes everything it made and leaves the swarm if it created it.
 *
 *   pnpm bench:drift [--customers 50] [--runs 3]
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { acquireEngineLock } from '../test/helpers/engine-lock.ts';
import { FleetRepo, REPO_ROOT } from '../test/helpers/fleet-repo.ts';
import { buildTestImages, ensureDockerEngine, IMAGES, sh } from '../test/manage/docker-fixtures.ts';
import { ensureSwarm, freeHostPorts, leaveSwarm, removeLeftovers, waitFor } from '../test/swarm/swarm-fixtures.ts';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '50' }, runs: { type: 'string', default: '3' } } });
const count = Number(values.customers);
const runs = Number(values.runs);
const run = randomBytes(3).toString('hex');
const ids = Array.from({ length: count }, (_, i) => `d${run}-${String(i).padStart(3, '0')}`);
const stacks = [...ids.map((id) => `mcp-${id}`), `mcp-agent-${run}`];

function manage(repo: FleetRepo, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(REPO_ROOT, 'node_modules/.bin/zx'),
      [path.join(REPO_ROOT, 'scripts/manage.mjs'), ...args, '--target', 'swarm', '--swarm-dir', path.join(repo.outDir, 'swarm'), '--env-file', path.join(repo.root, 'none.env'), '--resolve-image', 'never', '--no-agent', '--no-local'],
      { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout: 900_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Median wall time of `runs` calls of `once`, in ms; the last result kept. */
async function median<T>(once: () => T | Promise<T>): Promise<{ ms: number; last: T }> {
  const times: number[] = [];
  let last!: T;
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    last = await once();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, last };
}

const fleetCustomer = (id: string, host = `${id}.example.com`) => ({
  name: `Drift bench ${id}`,
  host,
  mcpServers: [
    { type: 'alertmanager', url: `http://am.${host}:9093` },
    { type: 'alertmanager', name: 'staging', url: `http://am-staging.${host}:9093` },
  ],
});

async function main(): Promise<void> {
  const release = await acquireEngineLock();
  const daemon = await ensureDockerEngine();
  try {
    sh('docker', ['image', 'inspect', IMAGES.alertmanagerMcp]);
  } catch {
    buildTestImages(['alertmanagerMcp']);
  }
  const swarm = ensureSwarm();
  const portBase = await freeHostPorts(count * 2);
  const repo = new FleetRepo();
  try {
    for (const id of ids) repo.addCustomer(id, fleetCustomer(id));
    repo.writeConfig({
      ports: { base: portBase, max: portBase + count * 2 - 1 },
      types: { alertmanager: { image: IMAGES.alertmanagerMcp, args: ['--port', '8000'] } },
      swarm: { skipHealthcheck: ['alertmanager'], agentStack: `mcp-agent-${run}` },
    });
    const generated = await repo.run('generate');
    if (generated.code !== 0) throw new Error(generated.stderr);
    writeFileSync(path.join(repo.root, 'none.env'), '# the bench fleet needs no credentials\n');

    const deployStarted = Date.now();
    const up = await manage(repo, ['up']);
    if (up.code !== 0) throw new Error(`up failed: ${up.stderr.split('\n').slice(-6).join('\n')}`);
    const listed = () => sh('docker', ['service', 'ls', '--format', '{{.Name}} {{.Replicas}}']).split('\n').filter((l) => l.startsWith(`mcp-d${run}`));
    const mine = () => listed().map((l) => l.split(' ')[0]!);
    // Every task running, so that status probes answering servers (drift itself needs only the services).
    await waitFor('every task running', () => {
      const lines = listed();
      return lines.length === count * 2 && lines.every((l) => l.split(' ')[1]!.startsWith('1/1')) ? true : undefined;
    }, { attempts: 600, intervalMs: 1000 });
    const deployedMs = Date.now() - deployStarted;

    const serviceLs = await median(() => execFileSync('docker', ['service', 'ls', '--format', '{{.Name}}'], { encoding: 'utf8' }));
    const names = mine();
    const inspect = await median(() => execFileSync('docker', ['service', 'inspect', ...names], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).length);
    const help = await median(() => manage(repo, ['--help']));
    const status = await median(() => manage(repo, ['status', '--json']));
    const inSync = await median(() => manage(repo, ['drift', '--json']));
    const inSyncReport = JSON.parse(inSync.last.stdout);

    // One customer changed and regenerated, not deployed.
    repo.addCustomer(ids[0]!, fleetCustomer(ids[0]!, `moved-${ids[0]}.example.com`));
    const regenerated = await repo.run('generate');
    if (regenerated.code !== 0) throw new Error(regenerated.stderr);
    const drifted = await median(() => manage(repo, ['drift', '--json']));
    const driftedReport = JSON.parse(drifted.last.stdout);

    const ratio = (ms: number) => `${(ms / serviceLs.ms).toFixed(1)}×`;
    const cores = sh('nproc', []).trim();
    console.log(`drift bench: ${count} customers × 2 servers = ${count * 2} Swarm services in ${count} stacks, one node (${cores} cores); medians of ${runs} runs`);
    console.log(`  deployed (manage up, every task running)              ${(deployedMs / 1000).toFixed(1)} s`);
    console.log(`  baseline: docker service ls                           ${serviceLs.ms.toFixed(0)} ms  (1.0×)`);
    console.log(`  docker service inspect of the ${names.length} services            ${inspect.ms.toFixed(0)} ms  (${ratio(inspect.ms)})`);
    console.log(`  manage --help (zx + manage start-up alone)            ${help.ms.toFixed(0)} ms  (${ratio(help.ms)})`);
    console.log(`  manage status --json (MCP probe of each)              ${status.ms.toFixed(0)} ms  (${ratio(status.ms)})`);
    console.log(`  manage drift, in sync (exit ${inSync.last.code}, ${inSyncReport.counts.compared} compared)          ${inSync.ms.toFixed(0)} ms  (${ratio(inSync.ms)}); its own clock: ${(inSyncReport.seconds * 1000).toFixed(0)} ms`);
    console.log(`  manage drift, 1 customer changed (exit ${drifted.last.code}, ${driftedReport.counts.differences} differences)  ${drifted.ms.toFixed(0)} ms  (${ratio(drifted.ms)}); its own clock: ${(driftedReport.seconds * 1000).toFixed(0)} ms`);
    for (const d of driftedReport.differences.slice(0, 4)) console.log(`    customer ${d.customer}, service ${d.service}: ${d.field}: ${d.before} → ${d.after}`);
    if (inSync.last.code !== 0 || drifted.last.code !== 2) console.log(`  UNEXPECTED exit codes: in sync ${inSync.last.code}, changed ${drifted.last.code}: ${inSync.last.stdout.slice(0, 2000)}`);
  } finally {
    removeLeftovers(run, stacks);
    leaveSwarm(swarm);
    repo.dispose();
    if (daemon) daemon.kill('SIGTERM');
    release();
  }
}

await main();
