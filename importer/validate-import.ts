/**
 * The check before anything is written: the imported customers together with the customers already in the repo (less
 * those --force replaces) and the fleet config go through `buildFleet`, the validation `pnpm validate` runs, so the
 * schema and the cross-customer checks (display names, service names, credential variables) apply as they will to the
 * written files. Every string of the source is also run through the secret scan customer files get. Problems in an
 * imported customer are reported at their place in the source.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { buildFleet, type CustomerSource, type FleetResult } from '../fleet/build-fleet.ts';
import { allServers, type Fleet } from '../fleet/model.ts';
import { loadModules, type ModuleOutcome } from '../fleet/module-loader/load-modules.ts';
import type { FleetPaths } from '../fleet/paths.ts';
import { formatPath, type Problem } from '../fleet/problem.ts';
import { originOf, type ImportedCustomer, type SourceProblem } from './imported-customer.ts';
import type { SourceDocument, SourcePath } from './parse-source.ts';
import { sourcePathText } from './parse-source.ts';

/** The customers and config already in the repo, as `buildFleet` takes them. */
export interface ExistingFleet {
  customers: CustomerSource[];
  config: unknown;
  configFile: string;
  /** What is wrong with them as they are (nothing can be imported until it is fixed). */
  problems: Problem[];
  /** The fleet they make, when valid. */
  fleet?: Fleet;
}

const CUSTOMER_FILE = /^[^.].*\.(ts|mts)$/;

/** Loads customers/ (but the files of `replaced` ids) and fleet.config.ts, and validates them together. */
export async function loadExisting(paths: FleetPaths, replaced: ReadonlySet<string>): Promise<ExistingFleet> {
  const relative = (file: string) => path.relative(paths.root, file) || file;
  const names = existsSync(paths.customersDir) ? (await readdir(paths.customersDir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name) : [];
  const files = names
    .filter((name) => CUSTOMER_FILE.test(name) && !/\.d\.m?ts$/.test(name))
    .map((name) => ({ id: name.replace(/\.m?ts$/, ''), file: path.join(paths.customersDir, name) }))
    .filter(({ id }) => !replaced.has(id));
  const hasConfig = existsSync(paths.configFile);
  const outcomes = await loadModules([...files.map((f) => f.file), ...(hasConfig ? [paths.configFile] : [])]);
  const problems: Problem[] = [];
  const customers: CustomerSource[] = [];
  files.forEach(({ id, file }, index) => {
    const value = exportedOf(outcomes[index]!, relative(file), problems);
    if (value.ok) customers.push({ id, file: relative(file), exported: value.value });
  });
  let config: unknown;
  if (hasConfig) {
    const value = exportedOf(outcomes[files.length]!, relative(paths.configFile), problems);
    if (value.ok) config = value.value;
  }
  const existing: ExistingFleet = { customers, config, configFile: relative(paths.configFile), problems };
  if (problems.length > 0) return existing;
  const result = buildFleet({ customers, config, configFile: existing.configFile });
  if (result.ok) existing.fleet = result.fleet;
  else problems.push(...result.problems);
  return existing;
}

function exportedOf(outcome: ModuleOutcome, shown: string, problems: Problem[]): { ok: true; value: unknown } | { ok: false } {
  if (outcome.ok && outcome.hasDefault) return { ok: true, value: outcome.value };
  const why = outcome.ok ? 'has no default export' : outcome.reason.kind === 'error' ? outcome.reason.message.split('\n')[0] : `did not load (${outcome.reason.kind})`;
  problems.push({ file: shown, path: '', message: `does not load: ${why}; run pnpm validate and fix it` });
  return { ok: false };
}

/** Every credential variable of a fleet, with the file of the customer that uses it. */
export function variablesOf(fleet: Fleet | undefined): Array<{ name: string; file: string }> {
  if (!fleet) return [];
  const files = new Map(fleet.customers.map((c) => [c.id, c.file]));
  return [
    ...allServers(fleet).flatMap((s) => s.credentials.map((c) => ({ name: c.variable, file: files.get(s.customerId)! }))),
    ...fleet.customers.flatMap((c) => (c.gatewayToken ? [{ name: c.gatewayToken.variable, file: c.file }] : [])),
  ];
}

/** The file an imported customer will be, relative to the root: `customers/acme.ts`. */
export function customerFileOf(paths: FleetPaths, id: string): string {
  return path.relative(paths.root, path.join(paths.customersDir, `${id}.ts`));
}

/** Validates the imported customers with the existing ones; problems of imported customers point into the source. */
export function validateImport(document: SourceDocument, paths: FleetPaths, existing: ExistingFleet, imported: ImportedCustomer[]): FleetResult {
  const byFile = new Map(imported.map((customer) => [customerFileOf(paths, customer.id), customer]));
  const result = buildFleet({
    customers: [...existing.customers, ...imported.map((c) => ({ id: c.id, file: customerFileOf(paths, c.id), exported: structuredClone(c.input) }))],
    config: existing.config,
    configFile: existing.configFile,
  });
  if (result.ok) return result;
  return {
    ok: false,
    problems: result.problems.map((problem) => {
      const customer = byFile.get(problem.file);
      if (!customer) return problem;
      const field = parsePath(problem.path);
      return toProblem(document, { source: originOf(customer, field), message: `${problem.message} (in ${problem.file}${problem.path ? ` › ${problem.path}` : ''})` });
    }),
  };
}

/** A problem found in the source, as the CLI prints it: the file, the JSON path with its line and column, the message. */
export function toProblem(document: SourceDocument, problem: SourceProblem): Problem {
  return { file: document.file, path: sourcePathText(document, problem.source), message: problem.message };
}

/** Strings of the source that secretlint takes for secrets (AWS keys, Grafana tokens, private keys, …), by path. */
export async function secretsInSource(document: SourceDocument): Promise<SourceProblem[]> {
  const leaves = stringLeaves(document.value, []);
  if (leaves.length === 0) return [];
  const { findSecrets } = await import('../fleet/secret-scan.ts');
  const findings = await findSecrets(leaves.map((leaf, index) => ({ index, value: leaf.value })));
  return findings.map((finding) => ({
    source: leaves[finding.index]!.path,
    message: `holds what looks like a secret (${finding.kind}), so the file is refused: mcpfleet never writes secret values into customer files or out/; remove it from the source (a secret belongs in mcp_credentials.env, and only its variable's name in a *_env setting)`,
  }));
}

function stringLeaves(value: unknown, at: Array<string | number>): Array<{ path: SourcePath; value: string }> {
  if (typeof value === 'string') return [{ path: at, value }];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => stringLeaves(inner, [...at, Array.isArray(value) ? Number(key) : key]));
}

/** `mcpServers[0].tokenEnv` → `['mcpServers', 0, 'tokenEnv']` (the inverse of formatPath). */
export function parsePath(text: string): Array<string | number> {
  const keys: Array<string | number> = [];
  for (const match of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) keys.push(match[2] !== undefined ? Number(match[2]) : match[1]!);
  return keys;
}

export { formatPath };
