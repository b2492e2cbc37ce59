import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import pc from 'picocolors';
import type { LoadFleetOptions } from '../fleet/load.ts';
import { defaultPaths, type FleetPaths } from '../fleet/paths.ts';
import { formatProblems, type Problem } from '../fleet/problem.ts';

/** Options every fleet command takes: where the repo, customers, config and out/ are. */
export const pathOptions = {
  root: { type: 'string' },
  customers: { type: 'string' },
  config: { type: 'string' },
  out: { type: 'string' },
} as const;

/** `--load-timeout SECONDS`, for the commands that load the fleet from the working tree. */
export const loadOption = { 'load-timeout': { type: 'string' } } as const;

export function resolvePaths(values: { root?: string; customers?: string; config?: string; out?: string }): FleetPaths {
  const root = path.resolve(values.root ?? process.cwd());
  const defaults = defaultPaths(root);
  return {
    root,
    customersDir: values.customers ? path.resolve(values.customers) : defaults.customersDir,
    configFile: values.config ? path.resolve(values.config) : defaults.configFile,
    outDir: values.out ? path.resolve(values.out) : defaults.outDir,
  };
}

/**
 * How customer files and the fleet config are loaded: `--load-timeout SECONDS` (or `MCPFLEET_LOAD_TIMEOUT`) bounds the
 * time one file may take. A bad value is a one-line error and exit 1.
 */
export function resolveLoadOptions(values: { 'load-timeout'?: string }): LoadFleetOptions {
  const given = values['load-timeout'] ?? process.env.MCPFLEET_LOAD_TIMEOUT;
  if (given === undefined) return {};
  const seconds = Number(given);
  if (!/^\d+(\.\d+)?$/.test(given.trim()) || !(seconds > 0) || seconds > 3600) {
    console.error(pc.red(`--load-timeout must be a number of seconds between 0 and 3600, e.g. --load-timeout 10 (got ${JSON.stringify(given.slice(0, 40))})`));
    process.exit(1);
  }
  return { loadTimeoutMs: Math.round(seconds * 1000) };
}

export function printProblems(problems: Problem[]): void {
  const [heading, ...lines] = formatProblems(problems).split('\n');
  console.error(pc.red(pc.bold(heading!)));
  for (const line of lines) console.error(line);
}

/** Parses argv with the path options plus `extra`; a bad flag is a one-line error and exit 1. */
export function parseCli<T extends NonNullable<ParseArgsConfig['options']>>(extra: T) {
  try {
    return parseArgs({ options: { ...pathOptions, ...extra } as typeof pathOptions & T, allowPositionals: false, strict: true });
  } catch (error) {
    console.error(pc.red((error as Error).message));
    process.exit(1);
  }
}
