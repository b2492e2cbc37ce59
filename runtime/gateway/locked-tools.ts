/**
 * Locked tools (`gateway.locked_tools_only` in mcp_servers.json, `gateway.lockedToolsOnly` in a customer file): the
 * customer is served only the tools its tool lock records — `<tool locks folder>/<customer id>.json`, written by
 * `pnpm manage tools lock` and committed (docs/tool-locks.md). The agent reads the folder given by `--tool-locks`
 * (`AGENT_TOOL_LOCKS`; default `tool-locks` beside the config's folder) once at start, so out/ stays a function of
 * customers/ and a server upgrade that adds a tool cannot widen what an agent may do before the lock is reviewed.
 *
 * A tool is locked when the lock lists its upstream name under the server's name. Fail closed: a customer asking for
 * locked tools whose lock file is missing or unreadable is served no tools (and the start-up log says why).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Locked tool names by server name. */
export type LockedTools = ReadonlyMap<string, ReadonlySet<string>>;

/** The locked tools of a customer, or why there are none. */
export type LockedToolsResult = { ok: true; file: string; tools: LockedTools } | { ok: false; file: string; reason: string };

/** Reads `<dir>/<customerId>.json` (the format of scripts/lib/tool-locks.mjs: `servers.<name>.tools.<tool>`). */
export function readLockedTools(dir: string, customerId: string): LockedToolsResult {
  const file = path.resolve(dir, `${customerId}.json`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, file, reason: code === 'ENOENT' ? 'no tool lock file (run pnpm manage tools lock and commit it)' : `unreadable: ${(error as Error).message}` };
  }
  const servers = (parsed as { servers?: unknown })?.servers;
  if (!isRecord(servers)) return { ok: false, file, reason: 'not a tool lock: no "servers" object' };
  const tools = new Map<string, Set<string>>();
  for (const [server, entry] of Object.entries(servers)) {
    const locked = isRecord(entry) ? entry.tools : undefined;
    if (!isRecord(locked)) return { ok: false, file, reason: `not a tool lock: servers.${server}.tools is not an object` };
    tools.set(server, new Set(Object.keys(locked)));
  }
  return { ok: true, file, tools };
}

/** The default lock folder for a config file: `tool-locks` beside the config's folder (out/ → tool-locks/). */
export function defaultToolLocksDir(configPath: string): string {
  return path.resolve(path.dirname(configPath), '..', 'tool-locks');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
