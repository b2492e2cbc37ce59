/** Where a fleet's generation cache lives. Light on purpose: the CLIs read it before they load anything heavy. */
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { codeFingerprint } from './code-fingerprint.ts';

/** The cache folder inside a fleet repository (git-ignored). */
export const CACHE_DIR = '.mcpfleet-cache';

/** A cache folder and the code fingerprint its entries must have been made under to count. */
export interface CacheLocation {
  dir: string;
  fingerprint: string;
}

/** The cache of the fleet at `root`, under the fingerprint of the code running now. */
export function defaultCache(root: string): CacheLocation {
  return { dir: path.join(root, CACHE_DIR), fingerprint: codeFingerprint() };
}

/** Code versions whose caches are kept side by side (switching between branches does not throw the others away). */
const KEPT_VERSIONS = 3;
/** A code version's folder (other folders in the cache, such as `pnpm diff`'s base inputs, are not versions). */
const VERSION_FOLDER = /^[0-9a-f]{16}$/;
const pruned = new Set<string>();

/**
 * The file of pack `name` in `cache`: in a folder of the code version (a prefix of the fingerprint), so caches of other
 * versions stay until more than {@link KEPT_VERSIONS} are there (the least recently used go first).
 */
export function packPath(cache: CacheLocation, name: string): string {
  const version = cache.fingerprint.slice(0, 16);
  if (!pruned.has(cache.dir)) {
    pruned.add(cache.dir);
    pruneVersions(cache.dir, version);
  }
  return path.join(cache.dir, version, name);
}

function pruneVersions(dir: string, current: string): void {
  let versions: Array<{ name: string; used: number }>;
  try {
    versions = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && VERSION_FOLDER.test(entry.name) && entry.name !== current)
      .map((entry) => ({ name: entry.name, used: statSync(path.join(dir, entry.name)).mtimeMs }));
  } catch {
    return;
  }
  versions.sort((a, b) => b.used - a.used);
  for (const stale of versions.slice(KEPT_VERSIONS - 1)) rmSync(path.join(dir, stale.name), { recursive: true, force: true });
}
