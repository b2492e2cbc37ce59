/**
 * The fingerprint of everything besides a fleet's own files that can change what generation produces: the sources of
 * schema/, mcp-types/, fleet/, generators/, templates/, output/, cache/ and cli/, the installed package versions (the
 * lockfile and package.json) and the Node version. A cache entry made under another fingerprint is never used.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folders whose code decides what a fleet generates, and cli/: `pnpm generate` is compiled whole
 * (cache/compiled-code.ts), and a compiled file may only be made of folders the fingerprint covers.
 */
export const GENERATION_CODE_DIRS = ['schema', 'mcp-types', 'fleet', 'generators', 'templates', 'output', 'cache', 'cli'] as const;
/** Files beside them that pin the packages the code runs on. */
const PACKAGE_FILES = ['package.json', 'pnpm-lock.yaml'];
/** Bumped when the cache's own layout changes. */
const CACHE_FORMAT = 'mcpfleet-cache-1';

/** The repository this code runs from (not the fleet's root, which may be elsewhere with `--root`). */
export const TOOL_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Fingerprints made in this process, by root: kept on the global object under a registered symbol, so the compiled
 * pipeline's copy of this module (cache/compiled-code.ts) takes what the CLI's own copy made (~50 ms at every run).
 */
const made: Map<string, string> = ((globalThis as Record<symbol, unknown>)[Symbol.for('mcpfleet.codeFingerprints')] ??= new Map<string, string>()) as Map<string, string>;

/** The fingerprint of the code at `toolRoot` (hex sha-256); computed once per process for the default root. */
export function codeFingerprint(toolRoot = TOOL_ROOT): string {
  const memo = toolRoot === TOOL_ROOT ? made.get(`${CACHE_FORMAT}\0${toolRoot}`) : undefined;
  if (memo) return memo;
  const hash = createHash('sha256').update(`${CACHE_FORMAT}\0${process.version}\0`);
  const files = [...GENERATION_CODE_DIRS.flatMap((dir) => filesUnder(toolRoot, dir)), ...PACKAGE_FILES].sort();
  for (const relative of files) {
    hash.update(`${relative}\0`);
    try {
      hash.update(readFileSync(path.join(toolRoot, relative)));
    } catch {
      hash.update('\0absent\0');
    }
    hash.update('\0');
  }
  const fingerprint = hash.digest('hex');
  if (toolRoot === TOOL_ROOT) made.set(`${CACHE_FORMAT}\0${toolRoot}`, fingerprint);
  return fingerprint;
}

/** Every file under `dir` (relative to `root`, `/`-separated), or none when it is absent. */
function filesUnder(root: string, dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}

/** Hex sha-256 of the parts, each delimited so that ["ab", "c"] and ["a", "bc"] differ. */
export function hashOf(...parts: Array<string | Uint8Array>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part.length}:`).update(part);
  return hash.digest('hex');
}
