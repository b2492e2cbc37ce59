/**
 * The cache key of a customer or fleet-config module: a hash of its path, its content and the content of every local
 * file it imports (recursively). Imports of the generation code itself (schema/, mcp-types/, …) and of packages are
 * covered by the code fingerprint instead. A module whose imports cannot be known statically — `import(name)` or
 * `require(name)` of a computed name, or a relative import that does not resolve — has no key and is always loaded.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { GENERATION_CODE_DIRS, hashOf, TOOL_ROOT } from '../../cache/code-fingerprint.ts';
import { packPath, type CacheLocation } from '../../cache/cache-location.ts';
import { fileStamp, isSettled, SETTLED_MS } from '../../cache/file-stamp.ts';
import { readPack, writePack } from '../../cache/pack-file.ts';

/** Static `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')` with a literal name. */
const STATIC_SPECIFIERS = [/\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*[,)]/g];
/** An import or require whose name is computed: what it loads cannot be read from the text. */
export const COMPUTED_IMPORT = /\b(?:import|require)\s*\(\s*(?!['"][^'"]*['"]\s*[,)])/;
/** How deep local imports are followed before the module counts as unknowable. */
const MAX_DEPTH = 16;

let codeRootsMemo: string[] | undefined;
/** The real paths of the generation code's folders: imports into them are covered by the code fingerprint. */
const codeRoots = () => (codeRootsMemo ??= GENERATION_CODE_DIRS.map((dir) => path.join(realpathOrSelf(TOOL_ROOT), dir) + path.sep));

/** A module's key, and the stamps of the files it was made from (to tell later whether any was written since). */
export interface StampedKey {
  key: string | undefined;
  stamps: Array<[file: string, stamp: string | undefined]>;
}

/**
 * The keys of `files` (absolute), each undefined when that module must be loaded every time. `root` is the fleet's
 * root. Local modules that several files import are read and hashed once per call.
 */
export function moduleKeys(files: readonly string[], root: string): Array<string | undefined> {
  return stampedModuleKeys(files, root).map((stamped) => stamped.key);
}

/** {@link moduleKeys} with the stamps of the files each key was made from. */
export function stampedModuleKeys(files: readonly string[], root: string): StampedKey[] {
  const dependencies = new Map<string, string | undefined>();
  return files.map((file) => {
    const stamp = fileStamp(file);
    const known = stamp && recent.get(file);
    if (known && known.stamp === stamp && known.root === root) return { key: known.key, stamps: [[file, stamp]] };
    const stamps: StampedKey['stamps'] = [];
    const key = keyOf(file, root, 0, new Set(), dependencies, stamps);
    // Kept only for a module that imports no local file: a change there would not show in this file's stamp.
    if (stamp && key !== undefined && stamps.length === 1 && stamps[0]![1] === stamp && !importsLocalFiles.has(file)) recent.set(file, { stamp, root, key });
    return { key, stamps };
  });
}

/**
 * True when none of the files a key was made from has been written since: size, modification and change times (the
 * change time moves on every write, even one that restores the old content) and inode are as they were.
 */
export function stillCurrent(stamped: StampedKey): boolean {
  return stamped.stamps.every(([file, stamp]) => stamp !== undefined && fileStamp(file) === stamp);
}

/**
 * Keys made in this process, by file, with the file's stamp then: `pnpm generate` keys every file twice (to recognise
 * an unchanged fleet, then to load it), and `--watch` on every save.
 */
const recent = new Map<string, { stamp: string; root: string; key: string }>();
/** The pack the keys are stored in, in the cache's folder of the code version. */
const KEYS_PACK = 'module-keys.pack';

/**
 * Takes the keys a run stored in `pack` (see {@link storeModuleKeys}) as if this process had made them: a file whose
 * stamp is unchanged is not read or hashed again. One pnpm generate at 1,000 customers reads and hashes every customer
 * file before it knows whether anything changed (~0.15 s); with the stored keys it stats them.
 */
export function restoreModuleKeys(cache: CacheLocation): void {
  for (const [file, entry] of readPack<{ stamp: string; root: string; key: string }>(packPath(cache, KEYS_PACK), cache.fingerprint)) if (!recent.has(file)) recent.set(file, entry);
}

/**
 * Stores the keys this process knows, for {@link restoreModuleKeys}, leaving out those of files written in the last
 * `settledMs` ({@link SETTLED_MS}: within one process the risk of a write in the same tick was taken already; across
 * processes it would last).
 */
export function storeModuleKeys(cache: CacheLocation, settledMs = SETTLED_MS): void {
  const settled = [...recent].filter(([, { stamp }]) => isSettled(stamp, settledMs));
  writePack(packPath(cache, KEYS_PACK), cache.fingerprint, new Map(settled));
}

/** Files found to import a local (non-code) module: never taken from {@link recent}. */
const importsLocalFiles = new Set<string>();

/** The key of one module; see {@link moduleKeys}. */
export function moduleKey(file: string, root: string): string | undefined {
  return moduleKeys([file], root)[0];
}

function keyOf(
  file: string,
  root: string,
  depth: number,
  inProgress: Set<string>,
  dependencies: Map<string, string | undefined>,
  stamps: StampedKey['stamps'],
): string | undefined {
  const real = realpathOrSelf(file);
  if (depth > 0 && dependencies.has(real)) {
    stamps.push([real, fileStamp(real)]);
    return dependencies.get(real);
  }
  // An import cycle back to a module being keyed: that module's content is already part of the key.
  if (inProgress.has(real)) return hashOf('cycle', path.relative(root, file));
  if (depth > MAX_DEPTH) return undefined;
  // Stamped before it is read: a write after this point shows as a changed stamp.
  stamps.push([real, fileStamp(real)]);
  let text: string;
  try {
    text = readFileSync(real, 'utf8');
  } catch {
    return undefined;
  }
  if (COMPUTED_IMPORT.test(text)) return undefined;
  inProgress.add(real);
  const parts = [path.relative(root, file), text];
  let known = true;
  for (const specifier of specifiersOf(text)) {
    if (!specifier.startsWith('.') && !specifier.startsWith('/')) continue; // a package or node: builtin
    const resolved = resolveLocal(path.dirname(file), specifier);
    const isCode = resolved !== undefined && codeRoots().some((codeRoot) => realpathOrSelf(resolved).startsWith(codeRoot));
    if (resolved && !isCode) importsLocalFiles.add(file);
    const child = resolved && (isCode ? 'code' : keyOf(resolved, root, depth + 1, inProgress, dependencies, stamps));
    if (!child) {
      known = false;
      break;
    }
    parts.push(specifier, child);
  }
  inProgress.delete(real);
  const key = known ? hashOf(...parts) : undefined;
  if (depth > 0) dependencies.set(real, key);
  return key;
}

/** The specifiers a module's text imports statically (see {@link STATIC_SPECIFIERS}), sorted. */
export function specifiersOf(text: string): string[] {
  const found = new Set<string>();
  for (const pattern of STATIC_SPECIFIERS) for (const match of text.matchAll(pattern)) found.add(match[1]!);
  return [...found].sort();
}

/** The file a relative import names, as tsx resolves it (extensionless, `.js` for `.ts`, a folder's index). */
export function resolveLocal(fromDir: string, specifier: string): string | undefined {
  const memoKey = `${fromDir}\0${specifier}`;
  if (!resolutions.has(memoKey)) resolutions.set(memoKey, resolveUncached(fromDir, specifier));
  return resolutions.get(memoKey);
}

const resolutions = new Map<string, string | undefined>();

function resolveUncached(fromDir: string, specifier: string): string | undefined {
  const base = path.resolve(fromDir, specifier);
  const candidates = [base, `${base}.ts`, `${base}.mts`, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), path.join(base, 'index.ts')];
  return candidates.find((candidate) => statSync(candidate, { throwIfNoEntry: false })?.isFile());
}

/** Real paths by path: a thousand customer files import the same few modules. */
const realpaths = new Map<string, string>();

/** The real path of `file` (memoized), or `file` itself when it has none. */
export function realpathOrSelf(file: string): string {
  let real = realpaths.get(file);
  if (real === undefined) {
    try {
      real = realpathSync.native(file);
    } catch {
      real = file;
    }
    realpaths.set(file, real);
  }
  return real;
}
