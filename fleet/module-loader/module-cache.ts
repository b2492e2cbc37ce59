/**
 * Loading with a cache: a module whose key (module-key.ts) is in the cache is not imported again; its export and
 * secret findings come from the cache. Only modules that loaded cleanly are kept, and only values that structured
 * serialization carries (a module exporting a function is loaded every time: it fails validation anyway).
 *
 * The entries used in this process are kept across calls and written back together (pack-cache.ts), so `pnpm diff`,
 * which loads two fleets in one process, keeps both sides' entries.
 */
import path from 'node:path';
import { packPath, type CacheLocation } from '../../cache/cache-location.ts';
import { PackCache } from '../../cache/pack-cache.ts';
import { discardPrestartedLoader, loadModules, type LoadOptions, type ModuleOutcome } from './load-modules.ts';
import { stampedModuleKeys, stillCurrent } from './module-key.ts';


type LoadedOutcome = Extract<ModuleOutcome, { ok: true }>;

/**
 * What `loadModules` returns for `files`, importing only those the cache does not hold; with each module's key when its
 * outcome is known to be that key's (taken from the cache, or imported from files not written since they were keyed).
 */
export async function loadModulesCached(
  files: readonly string[],
  root: string,
  cache: CacheLocation,
  options: LoadOptions = {},
): Promise<{ outcomes: ModuleOutcome[]; loaded: number; keys: Array<string | undefined> }> {
  const pack = PackCache.at<LoadedOutcome>(packPath(cache, 'modules.pack'), cache.fingerprint);
  const stamped = stampedModuleKeys(files, root);
  const keys = stamped.map((entry) => entry.key);
  const outcomes: Array<ModuleOutcome | undefined> = keys.map((key) => (key === undefined ? undefined : pack.get(key)));
  const missing = files.flatMap((file, index) => (outcomes[index] ? [] : [{ file, index }]));
  if (missing.length === 0) {
    discardPrestartedLoader();
    return { outcomes: outcomes as ModuleOutcome[], loaded: 0, keys };
  }
  const trusted = [...keys];
  const loaded = await loadModules(
    missing.map(({ file }) => file),
    // A module importing local files (or importing by computed names: no key) cannot be imported again on the same
    // thread: its imports would be the ones that thread loaded before.
    { ...options, keepThread: (options.keepThread ?? false) && missing.every(({ index }) => keys[index] !== undefined && stamped[index]!.stamps.length === 1) },
  );
  missing.forEach(({ index }, i) => {
    const outcome = loaded[i]!;
    outcomes[index] = outcome;
    const key = keys[index];
    // A stand-in (for a function, a class instance, …) would not come back as itself: such a module is not kept. Nor is
    // one whose file (or a file it imports) was written since it was keyed: what was imported may not be what was keyed.
    const current = stillCurrent(stamped[index]!);
    if (!current) trusted[index] = undefined;
    if (key !== undefined && outcome.ok && isPlainData(outcome.value) && current) pack.set(key, outcome);
  });
  pack.save();
  return { outcomes: outcomes as ModuleOutcome[], loaded: missing.length, keys: trusted };
}

/** True when `value` is made of what structured serialization brings back unchanged: plain objects, arrays and primitives. */
function isPlainData(value: unknown, seen = new Set<object>()): boolean {
  if (value === null || typeof value !== 'object') return typeof value !== 'function' && typeof value !== 'symbol';
  if (seen.has(value)) return true;
  seen.add(value);
  if (Array.isArray(value)) return value.every((item) => isPlainData(item, seen));
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(value).every((item) => isPlainData(item, seen));
}
