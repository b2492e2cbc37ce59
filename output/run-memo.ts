/**
 * The last good run, remembered: a hash of all its inputs (every entry of the customers folder with its module key,
 * the fleet config's, the layout, the generator selection, the code fingerprint, and the ports lock the run left —
 * allocation is stable, so a run from that lock makes the same lock) and the hash of every file it left in out/. When a run's inputs hash the same and out/ still holds exactly those files, the run
 * would produce what is there: `pnpm generate` has nothing to do and `--check` passes, without loading the fleet or
 * any generator. Light on purpose: it is read before the CLI imports anything heavy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packPath, type CacheLocation } from '../cache/cache-location.ts';
import { hashOf } from '../cache/code-fingerprint.ts';
import { readPack, writePack } from '../cache/pack-file.ts';
import { moduleKeys, restoreModuleKeys, storeModuleKeys } from '../fleet/module-loader/module-key.ts';
import { PORTS_LOCK_FILE, type FleetPaths } from '../fleet/paths.ts';
import type { GeneratedFile } from '../generators/generator.ts';
import { contentHash } from './file-in-out.ts';

const MEMO_FILE = 'last-run.pack';
const MODULE_FILE = /\.(ts|mts)$/;

/** What a remembered run produced, for the summary line. */
export interface RunSummary {
  customers: number;
  servers: number;
  /** Files the run left in out/. */
  files?: number;
}

interface Remembered {
  inputs: string;
  files: Array<[path: string, hash: string]>;
  summary: RunSummary;
}

/** A run's inputs as read before it runs: everything but the ports lock, and the lock as it was. */
export interface RunInputs {
  parts: string[];
  portsLock: string | undefined;
}

/** The key of `inputs` with `portsLock` as the lock's content (default: the lock as read). */
export function inputsKey(inputs: RunInputs, portsLock = inputs.portsLock): string {
  return hashOf(...inputs.parts, portsLock === undefined ? 'absent' : hashOf(portsLock));
}

/**
 * A run's inputs, or undefined when one of them cannot be keyed (then nothing is remembered). Read before the run: a
 * file saved while it runs then counts as a change next time.
 */
export function readRunInputs(paths: FleetPaths, selection: string, cache: CacheLocation): RunInputs | undefined {
  restoreModuleKeys(cache);
  const parts: string[] = [cache.fingerprint, selection, ...[paths.customersDir, paths.configFile, paths.outDir].map((p) => path.relative(paths.root, p))];
  let entries: string[];
  try {
    entries = readdirSync(paths.customersDir).sort();
  } catch {
    return undefined;
  }
  const modules = entries.filter((name) => MODULE_FILE.test(name));
  const keys = moduleKeys([...modules.map((name) => path.join(paths.customersDir, name)), paths.configFile], paths.root);
  const keyByName = new Map(modules.map((name, index) => [name, keys[index]]));
  for (const name of entries) {
    const key = keyByName.has(name) ? keyByName.get(name) : contentOf(path.join(paths.customersDir, name));
    if (key === undefined) return undefined;
    parts.push(name, key);
  }
  parts.push(keys[modules.length] ?? contentOf(paths.configFile) ?? 'absent');
  return { parts, portsLock: contentOf(path.join(paths.outDir, PORTS_LOCK_FILE), false) };
}

/** The summary of the remembered run when its inputs were `inputs` and out/ holds exactly what it wrote. */
export function rememberedRun(paths: FleetPaths, cache: CacheLocation, inputs: string): RunSummary | undefined {
  const memo = readPack<Remembered>(packPath(cache, MEMO_FILE), cache.fingerprint).get('run');
  if (!memo || memo.inputs !== inputs) return undefined;
  for (const [file, hash] of memo.files) {
    const content = contentOf(path.join(paths.outDir, file), false);
    if (content === undefined || hashOf(content) !== hash) return undefined;
  }
  return { ...memo.summary, files: memo.files.length };
}

/** Remembers a run whose inputs were `inputs` and which left `files` (path relative to out/, content) in out/. */
export function rememberRun(cache: CacheLocation, inputs: string, files: GeneratedFile[], summary: RunSummary): void {
  const memo: Remembered = { inputs, files: files.map((file) => [file.path, contentHash(file)]), summary };
  writePack(packPath(cache, MEMO_FILE), cache.fingerprint, new Map([['run', memo]]));
  storeModuleKeys(cache);
}

function contentOf(file: string, hashed = true): string | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    return hashed ? hashOf(text) : text;
  } catch {
    return undefined;
  }
}
