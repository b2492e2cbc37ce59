/**
 * Reads the inputs from disk: customer modules, the fleet config module and the previous port
 * allocation. Import failures become problems, like schema errors.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildFleet, type CustomerSource, type FleetResult } from './build-fleet.ts';
import type { PortAllocation } from './ports.ts';
import type { Problem } from './problem.ts';

/** Where the inputs live; all paths absolute. */
export interface FleetPaths {
  /** Repo root: file names in messages are relative to it. */
  root: string;
  customersDir: string;
  configFile: string;
  outDir: string;
}

/** The default layout of a repo rooted at `root`. */
export function defaultPaths(root: string): FleetPaths {
  return {
    root,
    customersDir: path.join(root, 'customers'),
    configFile: path.join(root, 'fleet.config.ts'),
    outDir: path.join(root, 'out'),
  };
}

/** Port allocation file inside out/: generated, committed, and read back so ports stay stable. */
export const PORTS_LOCK_FILE = 'ports.lock.json';

const CUSTOMER_FILE = /\.(ts|mts)$/;

/** Loads and validates the whole fleet from disk. */
export async function loadFleet(paths: FleetPaths): Promise<FleetResult> {
  const problems: Problem[] = [];
  const relative = (file: string) => path.relative(paths.root, file) || file;

  const customers: CustomerSource[] = [];
  const entries = existsSync(paths.customersDir) ? await readdir(paths.customersDir, { withFileTypes: true }) : [];
  if (!existsSync(paths.customersDir)) {
    problems.push({ file: relative(paths.customersDir), path: '', message: 'customers folder not found; create it and add one file per customer' });
  }
  const ids = new Map<string, string>();
  const files: Array<{ id: string; file: string }> = [];
  for (const entry of entries.filter((e) => e.isFile() && CUSTOMER_FILE.test(e.name) && !e.name.endsWith('.d.ts'))) {
    const file = path.join(paths.customersDir, entry.name);
    const id = entry.name.replace(CUSTOMER_FILE, '');
    const previous = ids.get(id);
    if (previous) {
      problems.push({ file: relative(file), path: '', message: `customer id "${id}" is also defined by ${previous}; keep one file per customer` });
      continue;
    }
    ids.set(id, relative(file));
    files.push({ id, file });
  }
  // All at once: each import is a round trip to the TypeScript loader, and in sequence they add up (~5 ms a file).
  const imported = await Promise.all(files.map(({ file }) => importDefault(file, relative(file), 'export default defineCustomer({ … })')));
  imported.forEach((loaded, i) => {
    const { id, file } = files[i]!;
    if ('problem' in loaded) problems.push(loaded.problem);
    else customers.push({ id, file: relative(file), exported: loaded.value });
  });

  let config: unknown;
  if (existsSync(paths.configFile)) {
    const loaded = await importDefault(paths.configFile, relative(paths.configFile), 'export default defineFleetConfig({ … })');
    if ('problem' in loaded) problems.push(loaded.problem);
    else config = loaded.value;
  }

  const lock = await readPortsLock(paths.outDir, relative(path.join(paths.outDir, PORTS_LOCK_FILE)));
  if ('problem' in lock) problems.push(lock.problem);
  const previousPorts = 'ports' in lock ? lock.ports : {};
  const result = buildFleet({ customers, config, configFile: relative(paths.configFile), previousPorts });
  if (problems.length === 0) return result;
  return { ok: false, problems: [...problems, ...(result.ok ? [] : result.problems)] };
}

async function importDefault(file: string, shown: string, expected: string): Promise<{ value: unknown } | { problem: Problem }> {
  try {
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    if (!('default' in module) || module.default === undefined) {
      return { problem: { file: shown, path: '', message: `has no default export; end the file with \`${expected}\`` } };
    }
    return { value: module.default };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { problem: { file: shown, path: '', message: `failed to load: ${reason}; fix the TypeScript so the file imports cleanly` } };
  }
}

async function readPortsLock(outDir: string, shown: string): Promise<{ ports: PortAllocation } | { problem: Problem }> {
  const file = path.join(outDir, PORTS_LOCK_FILE);
  if (!existsSync(file)) return { ports: {} };
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { ports?: PortAllocation };
    return { ports: parsed.ports ?? {} };
  } catch (error) {
    return {
      problem: {
        file: shown,
        path: '',
        message: `is not valid JSON (${(error as Error).message}); resolve the merge conflict keeping both sides' entries, then run pnpm generate`,
      },
    };
  }
}
