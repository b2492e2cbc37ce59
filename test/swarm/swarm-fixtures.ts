/**
 * A single-node Docker Swarm for end-to-end tests and the bench: made only when the engine is in none, and undone
 * by whoever made it; plus bounded waiting and a census of what a run left behind (by its random suffix).
 */
import { freePortRange, sh } from '../manage/docker-fixtures.ts';

export type SwarmState = 'inactive' | 'pending' | 'active' | 'locked' | 'error';

export const swarmState = (): SwarmState => sh('docker', ['info', '--format', '{{.Swarm.LocalNodeState}}'], { timeout: 15_000 }).trim() as SwarmState;

const networkExists = (name: string) => sh('docker', ['network', 'ls', '-q', '--filter', `name=^${name}$`]).trim() !== '';

/** What ensureSwarm did, so leaveSwarm undoes exactly that. */
export interface SwarmHandle {
  created: boolean;
  /** docker_gwbridge existed before (swarm init creates it and `swarm leave` keeps it). */
  gwbridgeExisted: boolean;
}

/** Makes this engine a single-node swarm on 127.0.0.1 unless it already is one (then it is left as it is). */
export function ensureSwarm(): SwarmHandle {
  const state = swarmState();
  const gwbridgeExisted = networkExists('docker_gwbridge');
  if (state === 'active') {
    if (sh('docker', ['info', '--format', '{{.Swarm.ControlAvailable}}']).trim() !== 'true') throw new Error('this engine is a swarm worker; the tests need a manager');
    return { created: false, gwbridgeExisted };
  }
  if (state !== 'inactive') throw new Error(`the engine's swarm state is "${state}"; fix it (docker swarm leave --force) before running the swarm tests`);
  sh('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1'], { timeout: 60_000 });
  return { created: true, gwbridgeExisted };
}

/** Leaves the swarm if ensureSwarm made it, and removes the bridge network swarm init added. */
export function leaveSwarm(handle: SwarmHandle): void {
  if (!handle.created) return;
  if (swarmState() !== 'inactive') sh('docker', ['swarm', 'leave', '--force'], { timeout: 60_000 });
  // The engine drops the ingress sandbox's endpoint on it a moment after leaving; try for up to 10 s.
  for (let attempt = 0; attempt < 10 && !handle.gwbridgeExisted && networkExists('docker_gwbridge'); attempt++) {
    try {
      sh('docker', ['network', 'rm', 'docker_gwbridge']);
    } catch {
      sh('sleep', ['1']);
    }
  }
}

/** Polls `probe` every `intervalMs` until it returns a value other than undefined; at most `attempts` times. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, { attempts, intervalMs }: { attempts: number; intervalMs: number }): Promise<T> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const value = await probe();
    if (value !== undefined) return value;
    if (attempt < attempts) await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what}: not reached after ${attempts} attempts ${intervalMs} ms apart`);
}

/**
 * A run of `count` consecutive ports free on every interface (host-mode publishing binds them all) in 24000-29999:
 * below the kernel's ephemeral range, where an outgoing connection can hold a port as its local port and make a
 * later host-mode bind fail with "address already in use", and apart from the compose e2e's 10000-19999.
 */
export function freeHostPorts(count: number): Promise<number> {
  return freePortRange(count, { low: 24000, high: 30000, host: '0.0.0.0' });
}

const names = (args: string[]) => sh('docker', args).split('\n').map((l) => l.trim()).filter(Boolean);

/** Swarm services, networks, secrets, configs and containers whose name contains `marker` (a run's suffix). */
export function leftovers(marker: string): Record<'services' | 'networks' | 'secrets' | 'configs' | 'containers', string[]> {
  const swarmUp = swarmState() === 'active';
  const match = (list: string[]) => list.filter((n) => n.includes(marker));
  return {
    services: swarmUp ? match(names(['service', 'ls', '--format', '{{.Name}}'])) : [],
    networks: match(names(['network', 'ls', '--format', '{{.Name}}'])),
    secrets: swarmUp ? match(names(['secret', 'ls', '--format', '{{.Name}}'])) : [],
    configs: swarmUp ? match(names(['config', 'ls', '--format', '{{.Name}}'])) : [],
    containers: match(names(['ps', '-a', '--format', '{{.Names}}'])),
  };
}

/** Best-effort removal of everything a run left (stacks, then secrets and configs); for afterAll. */
export function removeLeftovers(marker: string, stacks: string[]): void {
  const quietly = (args: string[]) => {
    try {
      sh('docker', args, { timeout: 60_000 });
    } catch {
      // Already gone.
    }
  };
  if (swarmState() === 'active') {
    const existing = names(['stack', 'ls', '--format', '{{.Name}}']).filter((s) => stacks.includes(s));
    if (existing.length > 0) quietly(['stack', 'rm', ...existing]);
  }
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && leftovers(marker).containers.length > 0) sh('sleep', ['1']);
  const left = leftovers(marker);
  if (left.secrets.length > 0) quietly(['secret', 'rm', ...left.secrets]);
  if (left.configs.length > 0) quietly(['config', 'rm', ...left.configs]);
  for (const network of left.networks) quietly(['network', 'rm', network]);
}
