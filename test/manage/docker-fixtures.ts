/**
 * A real Docker engine and locally built images for end-to-end tests (no registry is reachable here). The images
 * are the product's own local recipes (scripts/lib/local-images.mjs, what `pnpm manage build --local` builds):
 * - alertmanager MCP: the static mcp-alertmanager binary from its npm package on the local Node base;
 * - a Debian rootfs (debootstrap --variant=minbase) imported with `docker import`, plus the host's Node, as the
 *   base of the stdio Genesys server behind mcp-proxy (images/genesys/package.json), of the Grafana MCP stand-in,
 *   of the agent runtime (its esbuild bundle) and of a real Alertmanager (Debian's binary and templates).
 * Images are kept as a cache between runs (tag prefix mcpfleet-local/, rebuilt when their inputs change);
 * containers, networks and volumes the tests create are removed by them.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { buildLocalImages, LOCAL_IMAGES, type Recipe } from '../../scripts/lib/local-images.mjs';
import { REPO_ROOT } from '../helpers/fleet-repo.ts';

export const IMAGES = LOCAL_IMAGES;

export function sh(command: string, args: string[], options: { input?: string; cwd?: string; timeout?: number } = {}): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: options.timeout ?? 300_000, ...options });
}

const engineUp = () => {
  try {
    sh('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
};

/** Starts dockerd when no engine answers; returns the process to stop afterwards (undefined if one was running). */
export async function ensureDockerEngine(): Promise<ChildProcess | undefined> {
  if (engineUp()) return undefined;
  const daemon = spawn('dockerd', [], { stdio: 'ignore', detached: true });
  for (let attempt = 0; attempt < 60 && !engineUp(); attempt++) await new Promise((r) => setTimeout(r, 1000));
  if (!engineUp()) throw new Error('dockerd did not come up within 60 s');
  return daemon;
}

/**
 * Builds the test images that are missing or stale (the agent image always, so it runs the current runtime code;
 * Docker's layer cache keeps that quick when nothing changed).
 */
export function buildTestImages(recipes: Recipe[] = ['alertmanagerMcp', 'genesysMcp', 'alertmanager', 'haproxy', 'agent']): void {
  buildLocalImages(recipes, { root: REPO_ROOT });
}

const portIsFree = (port: number, host: string) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });

/** Where to look for free ports: [low, high) on `host`. */
export interface PortWindow {
  low: number;
  high: number;
  host: string;
}

/**
 * The compose e2e's window: 127.0.0.1 in 10000-19999, below the kernel's ephemeral range (32768-60999, where an
 * outgoing connection can hold a port) and apart from the Swarm tests' window.
 */
export const COMPOSE_PORTS: PortWindow = { low: 10000, high: 20000, host: '127.0.0.1' };

/**
 * A run of `count` consecutive ports free right now at a random place in the window, so parallel test runs and
 * other engines' published ports do not collide. Bounded: 50 tries.
 */
export async function freePortRange(count: number, window: PortWindow = COMPOSE_PORTS): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = window.low + Math.floor(Math.random() * (window.high - window.low - count));
    const checks = await Promise.all(Array.from({ length: count }, (_, i) => portIsFree(base + i, window.host)));
    if (checks.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found on ${window.host} in ${window.low}-${window.high - 1}`);
}

/** Every container, network and volume carrying the label, removed. */
export function removeLabelled(label: string): void {
  for (const [kind, list] of [
    ['container', ['ps', '-aq']],
    ['network', ['network', 'ls', '-q']],
    ['volume', ['volume', 'ls', '-q']],
  ] as const) {
    const ids = sh('docker', [...list, '--filter', `label=${label}`]).split('\n').filter(Boolean);
    if (ids.length === 0) continue;
    if (kind === 'container') sh('docker', ['rm', '-f', '-v', ...ids]);
    else sh('docker', [kind, 'rm', ...ids]);
  }
}
