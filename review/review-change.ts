/**
 * `diff` end to end, without printing: resolve the base commit, make a folder hold its inputs (kept in the cache
 * between diffs, or a scratch folder), generate both sides in memory with the working tree's code, compare.
 */
import { closeSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultCache, packPath, type CacheLocation } from '../cache/cache-location.ts';
import { ignoreInGit } from '../cache/pack-file.ts';
import { restoreModuleKeys, storeModuleKeys } from '../fleet/module-loader/module-key.ts';
import type { FleetPaths } from '../fleet/paths.ts';
import type { Problem } from '../fleet/problem.ts';
import { materializeBaseInputs } from './base-inputs.ts';
import { resolveBase, type BaseRef } from './base-ref.ts';
import { generateInMemory } from './generate-in-memory.ts';
import { diffFleets, type FleetDiff } from './semantic-diff.ts';
import { toolLockChanges } from './tool-lock-diff.ts';
import { unifiedDiff, type FilePatch } from './unified-diff.ts';

/** A finished comparison of the base commit with the working tree. */
export interface Review {
  base: BaseRef;
  diff: FleetDiff;
  patches: FilePatch[];
}

export type ReviewResult = { ok: true; review: Review } | { ok: false; side: 'base' | 'working tree'; base: BaseRef; problems: Problem[] };

export interface ReviewOptions {
  /** Git ref to compare with; default: see {@link resolveBase}. */
  base?: string;
  /** Context lines of the unified diff. */
  context?: number;
  /** The generation cache both sides use (default: the working tree's, see cache-location.ts); `false` for none. */
  cache?: CacheLocation | false;
}

/**
 * Compares the fleet at the base commit with the working tree at `paths`. Validation problems on either side
 * are returned as values; git failures (no repository, unknown ref) are thrown as Errors with a message for
 * the user. The scratch folder is always removed.
 */
export async function reviewChange(paths: FleetPaths, options: ReviewOptions = {}): Promise<ReviewResult> {
  const base = await resolveBase(paths.root, options.base);
  const scratch = await mkdtemp(path.join(tmpdir(), 'mcpfleet-diff-'));
  // One cache for both sides: the customers a change leaves alone are made once, for the base, and reused for the
  // working tree, which also finds a loader thread started while the base was generated.
  const cache = options.cache ?? defaultCache(paths.root);
  const kept = cache ? keptBaseFolder(cache) : undefined;
  // Files unchanged since the last run (the working tree's, and the kept base folder's) are keyed by their stamps.
  if (cache) restoreModuleKeys(cache);
  try {
    const baseInputs = await materializeBaseInputs(paths, base.commit, kept?.folder ?? path.join(scratch, 'base'));
    const before = await generateInMemory(baseInputs, scratch, undefined, cache, paths.outDir);
    if (!before.ok) return { ok: false, side: 'base', base, problems: before.problems };
    const after = await generateInMemory(paths, scratch, undefined, cache);
    if (!after.ok) return { ok: false, side: 'working tree', base, problems: after.problems };
    // Tool locks are not generated: the base commit's and the working tree's are compared as they are.
    const diff = { ...diffFleets(before.generated, after.generated), tools: await toolLockChanges(paths, base.commit) };
    return { ok: true, review: { base, diff, patches: unifiedDiff(diff.files, options.context) } };
  } finally {
    if (cache) storeModuleKeys(cache);
    kept?.release();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** A lock older than this was left by a diff that did not end: it is taken over. */
const STALE_LOCK_MS = 10 * 60 * 1000;

/**
 * The base inputs' folder kept in the cache between diffs (`materializeBaseInputs` then writes only what differs), while
 * this process holds its lock; undefined when another diff holds it (this one then uses a scratch folder of its own).
 */
function keptBaseFolder(cache: CacheLocation): { folder: string; release: () => void } | undefined {
  // In the code version's folder: git ignores it, and it goes when that version's cache is pruned.
  const versionDir = path.dirname(packPath(cache, 'module-keys.pack'));
  const folder = path.join(versionDir, 'diff-base');
  const lock = `${folder}.lock`;
  try {
    mkdirSync(versionDir, { recursive: true });
    ignoreInGit(versionDir);
  } catch {
    return undefined;
  }
  if (!takeLock(lock)) return undefined;
  mkdirSync(folder, { recursive: true });
  return { folder, release: () => rmSync(lock, { force: true }) };
}

/** Creates `lock`, or takes it over when it is stale; false when another process holds it (or it cannot be made). */
function takeLock(lock: string): boolean {
  const create = () => {
    try {
      closeSync(openSync(lock, 'wx'));
      return true;
    } catch {
      return false;
    }
  };
  if (create()) return true;
  const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
  if (age < STALE_LOCK_MS) return false;
  rmSync(lock, { force: true });
  return create();
}
