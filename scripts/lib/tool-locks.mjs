// Tool locks (docs/tool-locks.md): what each server of a customer offered when the fleet was last reviewed — per tool
// its name, a hash of its input schema and its behaviour annotations — in tool-locks/<customer>.json beside out/,
// committed. `pnpm manage tools lock` writes them from the running fleet, `pnpm manage tools check` (and the drift
// command, through toolDrift) compares the running fleet with them, `pnpm diff` shows how they changed, and the
// gateway serves only locked tools to a customer with `gateway.lockedToolsOnly`.
//
// Plain ESM without zx, so the TypeScript side (review/tool-lock-diff.ts, tests) imports it too (types in .d.mts).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { probeMcp } from './mcp-health.mjs';

/** The folder of the lock files, beside customers/ and out/. */
export const LOCKS_DIR = 'tool-locks';
/** The first key of every lock file. */
export const LOCK_MARKER = 'Do not edit: written by pnpm manage tools lock from the running fleet (docs/tool-locks.md). Review changes with pnpm diff.';
/** The MCP tool annotations a lock records (booleans only; titles are not behaviour). */
export const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'];

/** JSON with every object's keys sorted (arrays keep their order), so equal values give equal text. */
export function canonicalJson(value, indent) {
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => [key, sortKeys(value[key])]),
  );
}

/** `sha256:<hex>` of the canonical JSON of a tool's input schema (no schema: of `{}`). */
export function schemaHash(schema) {
  return `sha256:${createHash('sha256').update(canonicalJson(schema ?? {})).digest('hex')}`;
}

/** A tool as a lock records it: its input schema's hash and its boolean annotations. */
export function lockEntry(tool) {
  const entry = { inputSchema: schemaHash(tool.inputSchema) };
  for (const hint of HINTS) if (typeof tool.annotations?.[hint] === 'boolean') entry[hint] = tool.annotations[hint];
  return entry;
}

/**
 * A customer's lock from its servers' tools: `servers` is `[{ name, type, tools }]` with `tools` as tools/list
 * returns them. Servers and tools are sorted by name when written (see formatLock).
 */
export function buildLock(customer, servers) {
  return {
    $comment: LOCK_MARKER,
    customer,
    servers: Object.fromEntries(servers.map((s) => [s.name, { type: s.type, tools: Object.fromEntries(s.tools.map((t) => [t.name, lockEntry(t)])) }])),
  };
}

/** The lock's file text: sorted keys, two-space indent, a final newline — the same lock always gives the same bytes. */
export function formatLock(lock) {
  return `${canonicalJson(lock, 2)}\n`;
}

/** Where a customer's lock lives. */
export function lockFile(locksDir, customer) {
  return path.join(locksDir, `${customer}.json`);
}

/**
 * Parses a lock file's text; throws an Error naming `where` when it is not a lock. @returns the lock
 */
export function parseLock(text, where) {
  let lock;
  try {
    lock = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not JSON (${error.message}); write it again with pnpm manage tools lock`);
  }
  const servers = lock?.servers;
  if (typeof lock?.customer !== 'string' || servers === null || typeof servers !== 'object' || Array.isArray(servers)) {
    throw new Error(`${where}: not a tool lock (needs "customer" and "servers"); write it again with pnpm manage tools lock`);
  }
  for (const [name, server] of Object.entries(servers)) {
    if (server === null || typeof server !== 'object' || server.tools === null || typeof server.tools !== 'object' || Array.isArray(server.tools)) {
      throw new Error(`${where}: servers.${name}.tools is not an object of tools`);
    }
  }
  return lock;
}

/** A customer's lock, or null when it has none. Throws for a file that is not a lock. */
export function readLock(locksDir, customer) {
  const file = lockFile(locksDir, customer);
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
  return parseLock(text, file);
}

/** Writes a lock (atomically: a reader never sees half a file). @returns {{ file: string, changed: boolean }} */
export function writeLock(locksDir, lock) {
  const file = lockFile(locksDir, lock.customer);
  const text = formatLock(lock);
  let previous = null;
  try {
    previous = readFileSync(file, 'utf8');
  } catch {
    // none yet
  }
  if (previous === text) return { file, changed: false };
  mkdirSync(locksDir, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
  return { file, changed: true };
}

/** Is a tool one an agent may change things with: anything not annotated `readOnlyHint: true` (the MCP default). */
export function isUnsafeTool(entry) {
  return entry?.readOnlyHint !== true;
}

/**
 * Compares two locks (either may be null: no lock) server by server and tool by tool.
 * @returns {Array<{ server: string, change: 'added'|'removed'|'changed', tool: string, detail: string, before?: object, after?: object }>}
 *   sorted by server, then tool; `detail` says what changed (`inputSchema sha256:1234abcd… → sha256:…`, `destructiveHint: unset → true`).
 */
export function compareLocks(before, after) {
  const changes = [];
  const servers = [...new Set([...Object.keys(before?.servers ?? {}), ...Object.keys(after?.servers ?? {})])].sort();
  for (const server of servers) {
    const old = before?.servers?.[server]?.tools ?? {};
    const now = after?.servers?.[server]?.tools ?? {};
    for (const tool of [...new Set([...Object.keys(old), ...Object.keys(now)])].sort()) {
      const [a, b] = [old[tool], now[tool]];
      if (a && !b) changes.push({ server, change: 'removed', tool, detail: describeEntry(a), before: a });
      else if (!a && b) changes.push({ server, change: 'added', tool, detail: describeEntry(b), after: b });
      else if (canonicalJson(a) !== canonicalJson(b)) changes.push({ server, change: 'changed', tool, detail: entryChanges(a, b), before: a, after: b });
    }
  }
  return changes;
}

/** `read-only`, `destructive`, `unannotated`, … : a tool's annotations in a few words. */
export function describeEntry(entry) {
  if (entry.readOnlyHint === true) return 'read-only';
  const hints = HINTS.filter((h) => h !== 'readOnlyHint' && typeof entry[h] === 'boolean').map((h) => `${h.replace(/Hint$/, '')} ${entry[h]}`);
  if (entry.readOnlyHint === undefined && hints.length === 0) return 'unannotated (may change things)';
  return [entry.destructiveHint === false ? 'writes, not destructive' : 'may be destructive', ...hints.filter((h) => !h.startsWith('destructive'))].join(', ');
}

function entryChanges(a, b) {
  const short = (hash) => (typeof hash === 'string' ? hash.slice(0, 'sha256:'.length + 12) : 'unset');
  const parts = [];
  if (a.inputSchema !== b.inputSchema) parts.push(`inputSchema ${short(a.inputSchema)}… → ${short(b.inputSchema)}…`);
  for (const hint of HINTS) if (a[hint] !== b[hint]) parts.push(`${hint}: ${a[hint] ?? 'unset'} → ${b[hint] ?? 'unset'}`);
  return parts.join('; ');
}

/**
 * Whether a customer's gateway filter (`gateway.allow_tools` / `deny_tools` of mcp_servers.json) says anything about
 * a tool: a deny pattern matches it (hidden), or there is an allow list (the tool is then allowed by a pattern
 * someone wrote, or hidden). The patterns work as in runtime/gateway/gateway-filter.ts: the upstream name or the
 * namespaced `<server>_<tool>`, `*` any run of characters, case-sensitive.
 */
export function filterCovers(gateway, server, tool) {
  if (!gateway) return false;
  if (Array.isArray(gateway.allow_tools)) return true;
  return (gateway.deny_tools ?? []).some(patternMatches(server, tool));
}

/** Whether the customer's filter lets the tool through (no gateway entry: yes). */
export function filterAllows(gateway, server, tool) {
  const matches = patternMatches(server, tool);
  if ((gateway?.deny_tools ?? []).some(matches)) return false;
  return !Array.isArray(gateway?.allow_tools) || gateway.allow_tools.some(matches);
}

/** Whether a filter pattern matches the tool by its upstream or its namespaced name. */
function patternMatches(server, tool) {
  const names = [tool, `${server}_${tool}`];
  return (pattern) => {
    const re = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 's');
    return names.some((name) => re.test(name));
  };
}

/** The `gateway` entries of mcp_servers.json by customer id (empty when the file cannot be read). */
export function gatewaysOf(runtimeConfigFile) {
  try {
    const config = JSON.parse(readFileSync(runtimeConfigFile, 'utf8'));
    return new Map((config.customers ?? []).map((c) => [c.id, c.gateway]));
  } catch {
    return new Map();
  }
}

/**
 * The live tools of MCP servers, through their published 127.0.0.1 ports (the probe `manage status` runs, with the
 * tool list kept). At most `concurrency` probes at once.
 * @param {Array<{ customer: string, server: string, type: string, hostPort?: number, healthPath: string }>} servers
 * @returns {Promise<Array<{ customer: string, server: string, type: string, ok: boolean, tools?: object[], reason?: string }>>}
 */
export async function listLiveTools(servers, { timeoutMs = 10_000, concurrency = 8 } = {}) {
  const results = new Array(servers.length);
  let next = 0;
  const worker = async () => {
    while (next < servers.length) {
      const index = next++;
      const s = servers[index];
      const base = { customer: s.customer, server: s.server, type: s.type };
      if (!s.hostPort) {
        results[index] = { ...base, ok: false, reason: 'no published port' };
        continue;
      }
      const probe = await probeMcp(`http://127.0.0.1:${s.hostPort}${s.healthPath}`, timeoutMs, { listTools: true });
      results[index] = probe.healthy ? { ...base, ok: true, tools: probe.toolList } : { ...base, ok: false, reason: probe.reason };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, servers.length) }, worker));
  return results;
}

/**
 * Tool drift: the live tools of the fleet against the committed locks. Used by `pnpm manage tools check` and by
 * `pnpm manage drift`.
 *
 * @param {object} args
 * @param {string} args.root  the repository root: locks in `<root>/tool-locks/`, the gateway filters in
 *   `<root>/out/mcp_servers.json` (override with `locksDir` / `runtimeConfigFile`)
 * @param {string[]} [args.customers]  customer ids to check (default: every customer among `servers`); a customer
 *   listed here with no server in `servers` is compared with an empty fleet (all its locked tools removed)
 * @param {Array<{ customer: string, server: string, type: string, hostPort?: number, healthPath: string, role?: string }>} args.servers
 *   the running MCP servers as `readFleetServices` (compose) or `readStacks(...).flatMap(s => s.services)` (Swarm)
 *   give them — pass every server of each checked customer: a locked server missing here counts as removed.
 *   Entries with another role than 'mcp' are ignored.
 * @param {string} [args.locksDir]  @param {string} [args.runtimeConfigFile]  @param {number} [args.timeoutMs] per probe
 * @returns {Promise<Array<{ customer: string, server?: string, change: 'added'|'removed'|'changed'|'unreachable'|'unlocked', tool?: string, detail: string, unsafe?: boolean }>>}
 *   one entry per difference, sorted by customer, server, tool; empty when the fleet offers exactly what is locked.
 *   - added / removed / changed: a tool (change: its input schema hash or an annotation; `detail` says which).
 *   - `unsafe: true` on an added tool that is not read-only (destructive, or unannotated — no `readOnlyHint: true`),
 *     and on a changed tool that was read-only and no longer is, when the customer's allow/deny filter does not
 *     cover it (see filterCovers): nothing a reviewer wrote decided about it. A caller fails on these, naming `tool`.
 *   - unreachable: a server whose tools could not be listed (`detail` is why; its tools are not compared).
 *   - unlocked: a customer with no lock file (`detail` says how to write one; nothing else is compared).
 */
export async function toolDrift({ root, customers, servers, locksDir = path.join(root, LOCKS_DIR), runtimeConfigFile = path.join(root, 'out', 'mcp_servers.json'), timeoutMs }) {
  const mcp = servers.filter((s) => (s.role ?? 'mcp') === 'mcp');
  const ids = customers?.length ? [...new Set(customers)] : [...new Set(mcp.map((s) => s.customer))];
  const gateways = gatewaysOf(runtimeConfigFile);
  const drift = [];
  const locks = new Map();
  for (const id of ids) {
    const lock = readLock(locksDir, id);
    if (lock) locks.set(id, lock);
    else drift.push({ customer: id, change: 'unlocked', detail: `no ${path.join(path.basename(locksDir), `${id}.json`)}: run pnpm manage tools lock --customer ${id} and commit it` });
  }
  const live = await listLiveTools(mcp.filter((s) => locks.has(s.customer)), { timeoutMs });
  for (const [id, lock] of locks) {
    const mine = live.filter((l) => l.customer === id);
    const unreachable = new Set();
    for (const l of mine.filter((m) => !m.ok)) {
      unreachable.add(l.server);
      drift.push({ customer: id, server: l.server, change: 'unreachable', detail: `tools not listed: ${l.reason}` });
    }
    const now = buildLock(id, mine.filter((m) => m.ok).map(asLockServer));
    // An unreachable server is not compared; a locked server that is not running at all is.
    const before = { ...lock, servers: Object.fromEntries(Object.entries(lock.servers).filter(([name]) => !unreachable.has(name))) };
    for (const change of compareLocks(before, now)) {
      const gone = change.change === 'removed' && !now.servers[change.server];
      const unsafe =
        ((change.change === 'added' && isUnsafeTool(change.after)) || (change.change === 'changed' && !isUnsafeTool(change.before) && isUnsafeTool(change.after))) &&
        !filterCovers(gateways.get(id), change.server, change.tool);
      drift.push({
        customer: id,
        server: change.server,
        change: change.change,
        tool: change.tool,
        detail: gone ? `${change.detail}; server ${change.server} is not running` : change.detail,
        ...(unsafe && { unsafe: true }),
      });
    }
  }
  const order = (d) => [d.customer, d.server ?? '', d.tool ?? ''];
  return drift.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
  });
}

/** A listLiveTools result as buildLock takes a server. */
const asLockServer = (live) => ({ name: live.server, type: live.type, tools: live.tools });

/**
 * Writes the locks of the selected customers from their running servers. `servers` as for toolDrift (the
 * selection); a customer's servers outside the selection (--type) keep their locked entries, and a locked server
 * no longer in `allServers` is dropped. Nothing is written for a customer one of whose selected servers does not
 * answer. @returns {Promise<Array<{ customer: string, file?: string, changed?: boolean, servers?: number, tools?: number, changes?: object[], failed?: Array<{ server: string, reason: string }> }>>}
 */
export async function lockTools({ servers, allServers = servers, locksDir, timeoutMs }) {
  const mcp = servers.filter((s) => (s.role ?? 'mcp') === 'mcp');
  const live = await listLiveTools(mcp, { timeoutMs });
  const results = [];
  for (const id of [...new Set(mcp.map((s) => s.customer))].sort()) {
    const mine = live.filter((l) => l.customer === id);
    const failed = mine.filter((l) => !l.ok).map((l) => ({ server: l.server, reason: l.reason }));
    if (failed.length > 0) {
      results.push({ customer: id, failed });
      continue;
    }
    const previous = readLock(locksDir, id);
    const inFleet = new Set(allServers.filter((s) => s.customer === id).map((s) => s.server));
    const kept = Object.entries(previous?.servers ?? {}).filter(([name]) => inFleet.has(name) && !mine.some((m) => m.server === name));
    const fresh = buildLock(id, mine.map(asLockServer));
    const lock = { ...fresh, servers: { ...Object.fromEntries(kept), ...fresh.servers } };
    const { file, changed } = writeLock(locksDir, lock);
    const count = Object.values(lock.servers).reduce((n, s) => n + Object.keys(s.tools).length, 0);
    results.push({ customer: id, file, changed, servers: Object.keys(lock.servers).length, tools: count, changes: compareLocks(previous, lock) });
  }
  return results;
}

/**
 * `pnpm manage tools lock|check`: the selection's services (`services`: compose or Swarm, already selected),
 * printed for a terminal or as JSON. Returns the exit code: lock 0, or 1 when a server did not answer; check 0 when
 * the fleet offers what is locked, 2 on drift, 1 on an unsafe new tool, an unreachable server or a missing lock.
 */
export async function toolsCommand(sub, { servers, allServers, customers, locksDir, runtimeConfigFile, json, log = console.log, error = console.error }) {
  const shown = (file) => {
    const relative = path.relative(process.cwd(), file);
    return relative && !relative.startsWith('..') ? relative : file;
  };
  if (sub === 'lock') {
    const results = await lockTools({ servers, allServers, locksDir });
    if (json) log(JSON.stringify(results.map(({ file, ...r }) => ({ ...r, ...(file && { file: shown(file) }) })), null, 2));
    for (const r of results) {
      if (r.failed) {
        error(`${r.customer}: not locked, ${r.failed.map((f) => `server ${f.server}: ${f.reason}`).join('; ')}`);
        continue;
      }
      if (json) continue;
      const summary = r.changes.length === 0 ? 'unchanged' : `${['added', 'removed', 'changed'].map((k) => `${r.changes.filter((c) => c.change === k).length} ${k}`).join(', ')}`;
      log(`${r.customer}: ${shown(r.file)} ${r.changed ? 'written' : 'already current'} (${r.servers} server${r.servers === 1 ? '' : 's'}, ${r.tools} tools; ${summary})`);
      for (const c of r.changes) log(`  ${{ added: '+', removed: '-', changed: '~' }[c.change]} ${c.server}/${c.tool}: ${c.detail}`);
    }
    if (results.length === 0) error('No MCP server in the selection.');
    return results.some((r) => r.failed) || results.length === 0 ? 1 : 0;
  }
  if (sub === 'check') {
    // Whole customers: a --type selection still compares every server of the customers it touches.
    const ids = customers?.length ? customers : [...new Set(servers.map((s) => s.customer))];
    const checked = (allServers ?? servers).filter((s) => ids.includes(s.customer));
    const drift = await toolDrift({ root: process.cwd(), customers: ids, servers: checked, locksDir, runtimeConfigFile });
    if (json) log(JSON.stringify(drift, null, 2));
    else if (drift.length === 0) log(`No tool drift: the servers of ${ids.join(', ')} offer exactly the locked tools.`);
    else {
      for (const d of drift) {
        const mark = { added: '+', removed: '-', changed: '~', unreachable: '?', unlocked: '!' }[d.change];
        log(`${d.unsafe ? 'UNSAFE ' : ''}${mark} ${d.customer}${d.server ? `/${d.server}` : ''}${d.tool ? `/${d.tool}` : ''} ${d.change}: ${d.detail}`);
      }
      const unsafe = drift.filter((d) => d.unsafe);
      if (unsafe.length > 0) error(`${unsafe.length} new tool${unsafe.length === 1 ? '' : 's'} that may change things, not covered by the customer's allowTools/denyTools: ${unsafe.map((d) => `${d.customer}/${d.server}/${d.tool}`).join(', ')}`);
    }
    if (drift.some((d) => d.unsafe || d.change === 'unreachable' || d.change === 'unlocked')) return 1;
    return drift.length > 0 ? 2 : 0;
  }
  error(`unknown tools command ${sub ?? '(none)'}; use pnpm manage tools lock or pnpm manage tools check`);
  return 1;
}
