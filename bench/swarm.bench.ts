/**
 * Swarm at fleet scale on this one node: 50 customers × 2 Alertmanager MCP servers (the scratch image built by the
 * e2e fixtures), each customer its own stack and overlay network, deployed with `manage.mjs --target swarm up`,
 * then polled until every service runs at its desired count and answers MCP initialize + tools/list through
 * 127.0.0.1. Prints the times (deploy, converge, remove) and memory; asserts nothing. Removes everything it made,
 * and leaves the swarm if it created it.
 *
 *   npx tsx bench/swarm.bench.ts [--customers 50]
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FleetRepo, REPO_ROOT } from '../test/helpers/fleet-repo.ts';
import { buildTestImages, ensureDockerEngine, IMAGES, sh } from '../test/manage/docker-fixtures.ts';
import { ensureSwarm, freeHostPorts, leaveSwarm, leftovers, removeLeftovers } from '../test/swarm/swarm-fixtures.ts';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '50' } } });
const count = Number(values.customers);
const run = randomBytes(3).toString('hex');
const ids = Array.from({ length: count }, (_, i) => `b${run}-${String(i).padStart(3, '0')}`);
const stacks = [...ids.map((id) => `mcp-${id}`), `mcp-agent-${run}`];

interface Row {
  service: string;
  desired: number;
  running: number;
  healthy: boolean;
  reason: string | null;
}

function manage(repo: FleetRepo, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(REPO_ROOT, 'node_modules/.bin/zx'),
      [path.join(REPO_ROOT, 'scripts/manage.mjs'), ...args, '--target', 'swarm', '--swarm-dir', path.join(repo.outDir, 'swarm'), '--env-file', path.join(repo.root, 'none.env'), '--resolve-image', 'never', '--no-agent'],
      { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout: 900_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const daemon = await ensureDockerEngine();
  let imageReady = true;
  try {
    sh('docker', ['image', 'inspect', IMAGES.alertmanagerMcp]);
  } catch {
    imageReady = false;
  }
  if (!imageReady) buildTestImages();
  const swarm = ensureSwarm();
  // Free now and below the ephemeral port range (32768-60999), where binds at task start can fail.
  const portBase = await freeHostPorts(count * 2);
  const repo = new FleetRepo();
  try {
    for (const id of ids) {
      repo.addCustomer(id, {
        name: `Bench ${id}`,
        host: `${id}.example.com`,
        mcpServers: [
          { type: 'alertmanager', url: `http://am.${id}.example.com:9093` },
          { type: 'alertmanager', name: 'staging', url: `http://am-staging.${id}.example.com:9093` },
        ],
      });
    }
    repo.writeConfig({
      ports: { base: portBase, max: portBase + count * 2 - 1 },
      types: { alertmanager: { image: IMAGES.alertmanagerMcp, args: ['--port', '8000'] } },
      swarm: { skipHealthcheck: ['alertmanager'], agentStack: `mcp-agent-${run}` },
    });
    const generated = await repo.run('generate');
    if (generated.code !== 0) throw new Error(generated.stderr);
    writeFileSync(path.join(repo.root, 'none.env'), '# the bench fleet needs no credentials\n');

    // Swarm's own count, polled cheaply (docker service ls) beside the operator's `up --wait`.
    const started = Date.now();
    let allRunning: number | undefined;
    let polling = true;
    const counting = (async () => {
      for (let poll = 0; poll < 900 && polling && allRunning === undefined; poll++) {
        const replicas = sh('docker', ['service', 'ls', '--format', '{{.Name}} {{.Replicas}}']).split('\n').filter((l) => l.startsWith(`mcp-b${run}`)).map((l) => l.split(' ')[1]!);
        if (replicas.length === count * 2 && replicas.every((r) => r.startsWith('1/1'))) allRunning = Date.now();
        else await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    // Converged: every service at its desired count and MCP-healthy through 127.0.0.1 (manage's bounded wait).
    const up = await manage(repo, ['up', '--wait', '--timeout', '900']);
    const converged = Date.now();
    polling = false;
    await counting;
    if (up.code !== 0) throw new Error(`up --wait failed: ${up.stderr.split('\n').slice(-6).join('\n')}`);
    const deployed = up.stderr.split('\n').filter((l) => / deployed \(/.test(l)).length;
    const statusStarted = Date.now();
    const status = await manage(repo, ['status', '--json']);
    const statusMs = Date.now() - statusStarted;
    const rows = JSON.parse(status.stdout) as Row[];
    const memory = sh('docker', ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}'])
      .split('\n')
      .filter((l) => l.includes(run))
      .map((l) => {
        const match = l.match(/ ([\d.]+)(KiB|MiB|GiB) \//);
        return match ? Number(match[1]) * ({ KiB: 1 / 1024, MiB: 1, GiB: 1024 }[match[2] as 'KiB' | 'MiB' | 'GiB']) : 0;
      });

    const removing = Date.now();
    const down = await manage(repo, ['down', '--timeout', '300']);
    const removed = Date.now();
    const left = leftovers(run);

    console.log(`swarm bench: ${count} customers × 2 servers = ${count * 2} services, ${count} stacks and overlay networks, one node (${sh('nproc', []).trim()} cores)`);
    console.log(`  stacks deployed                                    ${deployed}`);
    console.log(`  all tasks running (Swarm's count)                  ${allRunning ? seconds(allRunning - started) : 'not seen'}`);
    console.log(`  converged: manage up --wait, all MCP-healthy       ${seconds(converged - started)}`);
    console.log(`  one manage status (${rows.length} rows, ${rows.filter((r) => r.healthy).length} healthy)           ${seconds(statusMs)}`);
    console.log(`  memory of the ${memory.length} containers                     ${memory.reduce((a, b) => a + b, 0).toFixed(0)} MiB (${(memory.reduce((a, b) => a + b, 0) / Math.max(1, memory.length)).toFixed(1)} MiB each)`);
    console.log(`  remove (manage down, until nothing is left)        ${seconds(removed - removing)}${down.code === 0 ? '' : ` — exit ${down.code}: ${down.stderr.trim().split('\n').slice(-3).join(' ')}`}`);
    console.log(`  left behind: ${Object.values(left).flat().length === 0 ? 'nothing' : JSON.stringify(left)}`);
  } finally {
    removeLeftovers(run, stacks);
    leaveSwarm(swarm);
    repo.dispose();
    if (daemon) daemon.kill('SIGTERM');
  }
}

await main();
