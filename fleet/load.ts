/**
 * Reads the inputs from disk: customer modules, the fleet config module and the previous port
 * allocation. Import failures become problems, like schema errors.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { serialize } from 'node:v8';
import { packPath, type CacheLocation } from '../cache/cache-location.ts';
import { hashOf } from '../cache/code-fingerprint.ts';
import { PackCache } from '../cache/pack-cache.ts';
import type { Customer } from '../schema/customer.ts';
import { buildFleet, type CustomerSource, type FleetResult, type ValidatedCustomers } from './build-fleet.ts';
import { attachInputKeys, inputKeys } from './input-keys.ts';
import { loadModules, type ModuleOutcome } from './module-loader/load-modules.ts';
import { importLive, listsPlugins } from './module-loader/import-live.ts';
import { loadModulesCached } from './module-loader/module-cache.ts';
import { PORTS_LOCK_FILE, type FleetPaths } from './paths.ts';
import type { PortAllocation } from './ports.ts';
import type { Problem } from './problem.ts';
import { secretProblem } from './secret-finding.ts';

export { defaultPaths, PORTS_LOCK_FILE, type FleetPaths } from './paths.ts';

const CUSTOMER_FILE = /\.(ts|mts)$/;
/** Files that look like a customer in another language: refused, or the customer would silently be missing. */
const MISNAMED_CUSTOMER_FILE = /\.(js|mjs|cjs|jsx|tsx|cts|json|json5|ya?ml)$/;

/** How modules are loaded. */
export interface LoadFleetOptions {
  /** Longest a customer file or the fleet config may take to load, ms (default 5 s). */
  loadTimeoutMs?: number;
  /** Where loaded modules are cached (see module-cache.ts); without it every module is imported. */
  cache?: CacheLocation;
  /** Start the next loader thread once this load's first pass is done (`generate --watch`; see `LoadOptions.prestartNext`). */
  prestartNextLoader?: boolean;
  /** Keep the loader thread for the next load, which imports again on it what changed (`generate --watch`; see `LoadOptions.keepThread`). */
  keepLoaderThread?: boolean;
  /** Names the built-in generators take, which a plugin's generator may not (see buildFleet). */
  generatorNames?: readonly string[];
}

/** Loads and validates the whole fleet from disk. */
export async function loadFleet(paths: FleetPaths, options: LoadFleetOptions = {}): Promise<FleetResult> {
  const problems: Problem[] = [];
  // Each file's name is asked for several times, and path.relative costs ~5 µs (15 ms at 1,000 customers).
  const relativeNames = new Map<string, string>();
  const relative = (file: string) => {
    let name = relativeNames.get(file);
    if (name === undefined) relativeNames.set(file, (name = path.relative(paths.root, file) || file));
    return name;
  };

  const customers: CustomerSource[] = [];
  const entries = existsSync(paths.customersDir) ? await readdir(paths.customersDir, { withFileTypes: true }) : [];
  if (!existsSync(paths.customersDir)) {
    problems.push({ file: relative(paths.customersDir), path: '', message: 'customers folder not found; create it and add one file per customer' });
  }
  const ids = new Map<string, string>();
  const files: Array<{ id: string; file: string }> = [];
  for (const entry of entries.filter((e) => e.isFile() && !e.name.startsWith('.') && MISNAMED_CUSTOMER_FILE.test(e.name))) {
    const stem = entry.name.replace(MISNAMED_CUSTOMER_FILE, '');
    problems.push({
      file: relative(path.join(paths.customersDir, entry.name)),
      path: '',
      message: `customer files are TypeScript, so this file is not read: rename it to customers/${stem}.ts and end it with \`export default defineCustomer({ … })\``,
    });
  }
  for (const entry of entries.filter((e) => e.isFile() && !e.name.startsWith('.') && CUSTOMER_FILE.test(e.name) && !/\.d\.m?ts$/.test(e.name))) {
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
  const modules = [...files.map(({ file }) => file), ...(existsSync(paths.configFile) ? [paths.configFile] : [])];
  const loadOptions = { timeoutMs: options.loadTimeoutMs, prestartNext: options.prestartNextLoader ?? false, keepThread: options.keepLoaderThread ?? false };
  const cached = options.cache ? await loadModulesCached(modules, paths.root, options.cache, loadOptions) : undefined;
  const loaded = cached ? cached.outcomes : await loadModules(modules, { ...loadOptions, keepThread: false });
  files.forEach(({ id, file }, i) => {
    const exported = exportedValue(loaded[i]!, relative(file), 'export default defineCustomer({ … })', paths.root);
    if ('problem' in exported) problems.push(exported.problem);
    else customers.push({ id, file: relative(file), exported: exported.value });
  });

  let config: unknown;
  const configOutcome = loaded[files.length];
  if (configOutcome) {
    const exported = exportedValue(configOutcome, relative(paths.configFile), 'export default defineFleetConfig({ … })', paths.root);
    if ('problem' in exported) problems.push(exported.problem);
    else config = exported.value;
  }
  if (listsPlugins(config)) {
    try {
      config = await importLive(paths.configFile, paths.root);
    } catch (error) {
      problems.push({ file: relative(paths.configFile), path: 'plugins', message: `failed to load with its plugins: ${oneLine((error as Error).message ?? String(error))}; fix the plugin module named in the message` });
    }
  }

  const secrets = [
    ...files.flatMap(({ file }, i) => secretsOf(loaded[i]!, relative(file))),
    ...(configOutcome ? secretsOf(configOutcome, relative(paths.configFile)) : []),
  ];

  const lock = await readPortsLock(paths.outDir, relative(path.join(paths.outDir, PORTS_LOCK_FILE)));
  if ('problem' in lock) problems.push(lock.problem);
  const previousPorts = 'ports' in lock ? lock.ports : {};
  const configKey = configOutcome ? cached?.keys[files.length] : null;
  const keysById = cached ? inputKeys(files.map(({ id }, i) => ({ id, moduleKey: cached.keys[i] })), configKey) : new Map<string, string>();
  const validated = options.cache ? validatedCustomers(options.cache, keysById) : undefined;
  const result = buildFleet({
    customers,
    config,
    configFile: relative(paths.configFile),
    previousPorts,
    ...(validated && { validated }),
    ...(options.generatorNames && { generatorNames: options.generatorNames }),
  });
  validated?.save();
  if (result.ok) attachInputKeys(result.fleet, keysById);
  const invalid = result.ok ? [] : result.problems;
  // A field the schema already refused (a secret-looking variable name, say) is reported once.
  const refused = new Set(invalid.map((p) => `${p.file}\0${p.path}`));
  problems.push(...secrets.filter((p) => !refused.has(`${p.file}\0${p.path}`)));
  if (problems.length === 0) return result;
  return { ok: false, problems: [...problems, ...invalid] };
}

/**
 * Customer values that passed validation (with the built-in types: build-fleet.ts uses it only then), so an unchanged
 * customer is not validated again. Cached by the customer's input key (input-keys.ts: its file's content, which
 * exports the value), else by the value's serialized form (which, unlike JSON, tells `undefined` from absent, as the
 * strict schema does); serializing and hashing every value was ~45 ms a run at 1,000 customers.
 */
function validatedCustomers(cache: CacheLocation, keysById: ReadonlyMap<string, string>): ValidatedCustomers & { save(): void } {
  const pack = PackCache.at<Customer>(packPath(cache, 'customers.pack'), cache.fingerprint);
  const keyOf = (source: CustomerSource): string | undefined => {
    const inputs = keysById.get(source.id);
    if (inputs) return `inputs ${inputs}`;
    try {
      return `value ${hashOf(serialize(source.exported))}`;
    } catch {
      return undefined; // holds something serialization refuses (a function): validated every time
    }
  };
  return {
    get: (source) => {
      const key = keyOf(source);
      return key === undefined ? undefined : pack.get(key);
    },
    set: (source, customer) => {
      const key = keyOf(source);
      if (key !== undefined) pack.set(key, customer);
    },
    save: () => pack.save(),
  };
}

/** A problem for each value of a module that looks like a secret. */
function secretsOf(outcome: ModuleOutcome, shown: string): Problem[] {
  return outcome.ok ? outcome.secrets.map((finding) => secretProblem(shown, finding)) : [];
}

/** A module's default export, or the one problem that explains why there is none. */
function exportedValue(outcome: ModuleOutcome, shown: string, expected: string, root: string): { value: unknown } | { problem: Problem } {
  const problem = (message: string) => ({ problem: { file: shown, path: '', message } });
  if (outcome.ok) return outcome.hasDefault ? { value: outcome.value } : problem(`has no default export; end the file with \`${expected}\``);
  const failure = outcome.reason;
  if (failure.kind === 'timeout') {
    return problem(
      `did not finish loading within ${failure.timeoutMs / 1000} s (an endless loop, or an await that never settles?); a customer file only exports data: remove the loop or await, or raise the limit with --load-timeout SECONDS`,
    );
  }
  if (failure.kind === 'exit') {
    if (failure.message) return problem(`crashed the loader: ${oneLine(failure.message)}; a customer file only exports data: remove what runs when it is imported`);
    // Node ends a thread whose top-level await can no longer settle with exit code 13.
    if (failure.code === 13) return problem('never finished loading: a top-level await that never settles; a customer file only exports data: remove the await');
    return problem(`ended the loader (exit code ${failure.code}, e.g. process.exit) before its export was read; a customer file only exports data: remove that code`);
  }
  const syntax = compilerError(failure.message, root);
  if (syntax) return problem(`does not compile: ${syntax}; fix the TypeScript at that line`);
  return problem(`failed to load: ${oneLine(failure.message)}; fix the TypeScript so the file imports cleanly`);
}

/**
 * The compiler's first error as `file:line:column: message`, from esbuild's "Transform failed with N errors:" text
 * (what tsx throws for a syntax error), with the file relative to the repo root.
 */
export function compilerError(message: string, root: string): string | undefined {
  if (!message.startsWith('Transform failed')) return undefined;
  for (const line of message.split('\n').slice(1)) {
    const match = /^(.*):(\d+):(\d+): ERROR: (.*)$/.exec(line);
    if (match) return `${path.relative(root, match[1]!) || match[1]}:${match[2]}:${match[3]}: ${match[4]}`;
  }
  return undefined;
}

function oneLine(message: string): string {
  return message.split('\n')[0]!.slice(0, 300);
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
