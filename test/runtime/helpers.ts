/**
 * Test helpers: free ports, temp configs in the generated format, spawning the runtime (and other servers) as real
 * processes with captured output, bounded polling, and cleanup of everything started.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CustomerConfig, ServerConfig } from '../../runtime/config.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');

const started = new Set<ChildProcess>();
const tempDirs = new Set<string>();

/** A free TCP port on 127.0.0.1 (ephemeral; released before returning). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A temporary directory removed by {@link cleanup}. */
export function tempDir(prefix = 'mcpfleet-rt-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** A server entry in the generated format. */
export function server(name: string, url: string, type = name, transport: ServerConfig['transport'] = 'streamable-http', config: Record<string, string> = {}): ServerConfig {
  return { type, name, url, transport, config };
}

/** A customer entry in the generated format. */
export function customer(id: string, name: string, servers: ServerConfig[]): CustomerConfig {
  return { id, name, description: `${name} test customer`, host: `${id}.example.test`, mcp_servers: servers };
}

/** Writes `{ customers }` as mcp_servers.json in a temp dir; returns its path. */
export function writeConfig(customers: CustomerConfig[] | unknown): string {
  const dir = tempDir();
  const path = join(dir, 'mcp_servers.json');
  writeFileSync(path, `${JSON.stringify(Array.isArray(customers) ? { $schema: './schema/mcp_servers.schema.json', customers } : customers, null, 2)}\n`);
  return path;
}

/** Polls `check` every `intervalMs` until it returns a truthy value or `timeoutMs` passes (then throws `what`). */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 15_000, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}

/** A spawned process with captured output. */
export interface Proc {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Spawns a process in its own process group (so children die with it); output is captured. */
export function startProcess(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Proc {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? baseEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.add(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    output: () => out,
    exited,
    stop: () => stopProcess(child, exited),
  };
}

async function stopProcess(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    started.delete(child);
    return;
  }
  const pid = child.pid!;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    /* gone */
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, 4_000);
  await exited;
  clearTimeout(timer);
  // Children of the group that ignored SIGTERM.
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  started.delete(child);
}

/** A minimal environment (no inherited secrets) plus `extra`. */
export function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', NODE_NO_WARNINGS: '1', ...extra };
}

/** A running agent runtime process. */
export interface RuntimeProc extends Proc {
  url: string;
  /** fetch relative to the runtime's URL. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** JSON helper: status and parsed body. */
  json(path: string, init?: RequestInit): Promise<{ status: number; body: any; text: string }>;
}

/** Spawns `runtime/main.ts` on a free port and waits for its "listening" line. */
export async function startRuntime(
  configPath: string,
  options: { env?: Record<string, string>; args?: string[]; token?: string; /** Node arguments that start the runtime instead of the sources under tsx, e.g. the built bundle. */ entry?: string[] } = {},
): Promise<RuntimeProc> {
  const entry = options.entry ?? ['--import', 'tsx', 'runtime/main.ts'];
  const proc = startProcess(process.execPath, [...entry, '--port', '0', '--config', configPath, ...(options.args ?? [])], {
    env: baseEnv(options.env),
  });
  const line = await waitFor(
    () => {
      if (proc.child.exitCode !== null) throw new Error(`runtime exited ${proc.child.exitCode}: ${proc.output()}`);
      return /"msg":"listening","url":"(http:\/\/[^"]+)"/.exec(proc.output());
    },
    'runtime to listen',
    20_000,
  );
  const url = line[1]!;
  const headers = (init?: RequestInit): Record<string, string> => ({
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...((init?.headers as Record<string, string>) ?? {}),
  });
  const api = (path: string, init?: RequestInit) => fetch(`${url}${path}`, { ...init, headers: headers(init) });
  return {
    ...proc,
    url,
    api,
    async json(path, init) {
      const res = await api(path, init);
      const text = await res.text();
      let body: unknown = null;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body, text };
    },
  };
}

/** The error `promise` rejects with, which must be a `type` (throws when it resolves or rejects with anything else). */
export async function rejectionOf<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw new Error(`expected a ${type.name}, got: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  throw new Error(`expected a rejection with a ${type.name}, but the promise resolved`);
}

/** POST JSON init. */
export function postJson(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** Stops every process started through these helpers and removes temp dirs. */
export async function cleanup(): Promise<void> {
  await Promise.all([...started].map((child) => stopProcess(child, new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r))))));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}
