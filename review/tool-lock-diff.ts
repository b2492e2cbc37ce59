/**
 * Tool changes per customer for `pnpm diff`: the base commit's tool locks (`tool-locks/<customer>.json`, written by
 * `pnpm manage tools lock`, docs/tool-locks.md) against the working tree's. A lock is an input beside customers/ but
 * not of out/: it records what the running servers offered, so its changes are listed on their own, in the
 * customer's section next to its config changes — tools added, removed, or changed (input schema hash or
 * read-only/destructive annotations).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { compare } from '../fleet/compare.ts';
import type { FleetPaths } from '../fleet/paths.ts';
import { compareLocks, isUnsafeTool, LOCKS_DIR, parseLock, type LockChange, type ToolLock } from '../scripts/lib/tool-locks.mjs';
import { git, gitObjects } from './git.ts';

/** One tool that differs between the two locks of a customer. */
export interface ToolChange {
  server: string;
  tool: string;
  change: LockChange['change'];
  /** What changed, or the tool's annotations in a few words (`read-only`, `may be destructive`, …). */
  detail: string;
  /** An added tool, or one no longer read-only: an agent may change things with it. */
  writes?: boolean;
}

/** A customer whose tool lock differs. */
export interface CustomerToolChanges {
  customer: string;
  /** The lock file, relative to the root (`tool-locks/acme.json`). */
  file: string;
  /** The lock is new, gone, or changed. */
  lock: 'added' | 'removed' | 'changed';
  tools: ToolChange[];
}

/** The lock folder of a fleet: `tool-locks` beside out/ (as `pnpm manage tools lock` writes it). */
export function toolLocksDir(paths: FleetPaths): string {
  return path.join(path.dirname(paths.outDir), LOCKS_DIR);
}

/** The tool changes between the locks at `commit` and those in the working tree, by customer id. */
export async function toolLockChanges(paths: FleetPaths, commit: string): Promise<CustomerToolChanges[]> {
  const dir = toolLocksDir(paths);
  const relative = path.relative(paths.root, dir).split(path.sep).join('/');
  if (relative.startsWith('..') || path.isAbsolute(relative)) return [];
  return diffToolLocks(await locksAtCommit(paths.root, relative, commit), await locksInFolder(dir, relative), relative);
}

/** Compares two sets of locks (by customer id). */
export function diffToolLocks(before: Map<string, ToolLock>, after: Map<string, ToolLock>, folder = LOCKS_DIR): CustomerToolChanges[] {
  const out: CustomerToolChanges[] = [];
  for (const customer of [...new Set([...before.keys(), ...after.keys()])].sort(compare)) {
    const [a, b] = [before.get(customer), after.get(customer)];
    const tools = compareLocks(a, b).map(({ before: was, after: now, ...change }) => ({
      ...change,
      ...((change.change === 'added' ? isUnsafeTool(now) : change.change === 'changed' && !isUnsafeTool(was) && isUnsafeTool(now)) && { writes: true }),
    }));
    const lock = !a ? 'added' : !b ? 'removed' : 'changed';
    if (tools.length > 0 || lock !== 'changed') out.push({ customer, file: `${folder}/${customer}.json`, lock, tools });
  }
  return out;
}

/** `+2 −1 ~1` counts of a customer's tool changes. */
export function toolCounts(changes: CustomerToolChanges): Record<ToolChange['change'], number> {
  return {
    added: changes.tools.filter((t) => t.change === 'added').length,
    removed: changes.tools.filter((t) => t.change === 'removed').length,
    changed: changes.tools.filter((t) => t.change === 'changed').length,
  };
}

/** One line per tool change: `+ alertmanager/createSilence: may be destructive (new tool that writes)`. */
export function toolLine(change: ToolChange): string {
  const mark = { added: '+', removed: '-', changed: '~' }[change.change];
  return `${mark} ${change.server}/${change.tool}: ${change.detail}${change.writes ? (change.change === 'added' ? ' (a new tool that may change things)' : ' (no longer read-only)') : ''}`;
}

async function locksAtCommit(root: string, folder: string, commit: string): Promise<Map<string, ToolLock>> {
  const listed = (await git(root, ['ls-tree', '-r', '-z', '--name-only', commit, '--', `${folder}/`])).split('\0').filter((f) => /^[^/]+\.json$/.test(f.slice(folder.length + 1)));
  const contents = await gitObjects(
    root,
    listed.map((file) => `${commit}:./${file}`),
  );
  const locks = new Map<string, ToolLock>();
  listed.forEach((file, index) => {
    const content = contents[index];
    if (content) locks.set(path.posix.basename(file, '.json'), parseLock(content.toString('utf8'), `${file} at ${commit.slice(0, 7)}`));
  });
  return locks;
}

async function locksInFolder(dir: string, folder: string): Promise<Map<string, ToolLock>> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  const locks = new Map<string, ToolLock>();
  for (const name of names) locks.set(path.basename(name, '.json'), parseLock(await readFile(path.join(dir, name), 'utf8'), `${folder}/${name}`));
  return locks;
}
