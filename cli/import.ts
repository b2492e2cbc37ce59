/**
 * pnpm import FILE [--force] [--dry-run] [--root DIR] [--customers DIR] [--config FILE]
 *
 * Reads an mcp_servers.json in the design note's format (comments allowed), or the older Grafana-only list, and writes
 * one customers/<id>.ts per customer such that `pnpm generate` writes the same runtime config: names, hosts,
 * descriptions, types, upstream URLs, regions and variable names are kept; what the schema needs and the source lacks
 * is filled by convention and listed. Everything is mapped and validated (with the customers already there, as
 * `pnpm validate` does) before anything is written: one problem, and nothing is written. See docs/import.md.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import type { Problem } from '../fleet/problem.ts';
import type { ImportedCustomer, Note } from '../importer/imported-customer.ts';
import { mapSource, planSource } from '../importer/map-source.ts';
import { VariableNames } from '../importer/naming.ts';
import { readSource, sourcePathText, type SourceDocument } from '../importer/parse-source.ts';
import { renderCustomer } from '../importer/render-customer.ts';
import { customerFileOf, loadExisting, secretsInSource, toProblem, validateImport, variablesOf } from '../importer/validate-import.ts';
import { existingFiles, writeCustomers } from '../importer/write-customers.ts';
import type { Fleet } from '../fleet/model.ts';
import { pathOptions, printProblems, resolvePaths } from './cli-options.ts';

const USAGE = `usage: pnpm import FILE [--force] [--dry-run] [--root DIR] [--customers DIR] [--config FILE]

Writes customers/<id>.ts for every customer of FILE, an mcp_servers.json in the design note's format
({ "customers": [...] }, comments allowed) or the older Grafana-only list ({ "servers": [{ "name", "url" }] }).
Values the schema needs that FILE lacks are filled by convention (a Grafana URL from the host, variable names from
the customer id) and listed. Nothing is written when any entry cannot be mapped or does not validate.

  --force      replace customer files that exist (without it they are refused, all listed)
  --dry-run    map, validate and list what would be written; write nothing
  --root DIR   the repository (default: the working directory); --customers DIR, --config FILE as for generate

exit code: 0 written (or would be, with --dry-run), 1 problems (each naming FILE, the JSON path with its line, what
was given and the fix); nothing is written then. Run pnpm generate afterwards. See docs/import.md.`;

const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      strict: true,
      options: { ...pathOptions, force: { type: 'boolean', default: false }, 'dry-run': { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${USAGE}`);
  }
})();

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals.length !== 1) fail(`${positionals.length === 0 ? 'give the file to import' : `expected one file, got ${positionals.length}: ${positionals.join(' ')}`}\n\n${USAGE}`);

const paths = resolvePaths(values);
const sourceFile = path.resolve(positionals[0]!);
const shownSource = shown(sourceFile);
const force = values.force;
const dryRun = values['dry-run'];

const read = await readSource(sourceFile, shownSource);
if (!read.ok) refuse(read.problems);
const document = read.document;

const plan = planSource(document);
const present = existingFiles(paths.customersDir, plan.entries.map((e) => e.id));
const existenceProblems: Problem[] = [];
for (const entry of plan.entries) {
  const files = present.get(entry.id);
  if (!files) continue;
  const names = files.map(shown).join(' and ');
  if (!force) {
    existenceProblems.push(
      toProblem(document, { source: entry.source, message: `would be customer "${entry.id}", but ${names} exists already; the import never overwrites a customer file: pass --force to replace it, or give the entry another ${plan.format === 'customers' ? '"id"' : 'name'}` }),
    );
  } else if (files.some((file) => file.endsWith('.mts'))) {
    existenceProblems.push(toProblem(document, { source: entry.source, message: `${names} exists; the import writes customers/${entry.id}.ts, and two files cannot define one customer: remove the .mts file first` }));
  }
}

// The files being replaced are left out of the fleet the import is checked against (without --force they are refused
// above: checking against them too would only repeat that as clashes of names and variables).
const existing = await loadExisting(paths, new Set(present.keys()));
if (existing.problems.length > 0) {
  console.error(pc.red('The fleet in the repository does not validate as it is, so nothing can be imported into it; fix these first:'));
  refuse(existing.problems);
}

const variables = new VariableNames();
for (const { name, file } of variablesOf(existing.fleet)) variables.use(name, file);
const mapped = mapSource(plan, variables);
const secrets = await secretsInSource(document);
const problems = [...mapped.problems.map((p) => toProblem(document, p)), ...existenceProblems];
const validation = validateImport(document, paths, existing, mapped.customers);
if (!validation.ok) problems.push(...validation.problems);
// A secret the mapping already refused at its place is reported once.
const refusedAt = new Set(problems.map((p) => p.path));
problems.push(...secrets.map((p) => toProblem(document, p)).filter((p) => !refusedAt.has(p.path)));
if (problems.length > 0 || !validation.ok) refuse(problems);
const fleet = validation.fleet;

const files = mapped.customers.map((customer) => ({
  id: customer.id,
  file: path.join(paths.customersDir, `${customer.id}.ts`),
  content: renderCustomer(customer, paths.customersDir, path.basename(sourceFile)),
}));
const format = plan.format === 'customers' ? "the design note's mcp_servers.json format" : 'the older Grafana-only list (grafana_servers.json)';
console.log(`Read ${shownSource}: ${format}, ${count(mapped.customers.length, 'customer')}.\n`);
for (const customer of mapped.customers) printCustomer(customer, fleet, present.has(customer.id));
for (const note of plan.notes) console.log(`${pc.dim('not kept:')} ${noteText(document, note)}`);
if (plan.notes.length > 0) console.log('');

const guesses = mapped.customers.reduce((sum, c) => sum + c.guesses.length, 0);
const guessed = guesses > 0 ? `; ${count(guesses, 'value')} guessed, listed above: check them` : '';
if (dryRun) {
  console.log(`${pc.yellow('Dry run:')} nothing was written; ${count(files.length, 'customer file')} would be written${present.size > 0 ? ` (${present.size} replaced)` : ''}${guessed}.`);
  process.exit(0);
}
try {
  const { written, replaced } = await writeCustomers(files, force);
  console.log(`${pc.green('✓')} ${count(written.length, 'customer file')} written${replaced.length > 0 ? ` (${replaced.length} replaced: ${replaced.map(shown).join(', ')})` : ''}${guessed}.`);
  console.log('Next: pnpm generate, then pnpm diff to review, and add the variables to mcp_credentials.env (see out/env/).');
} catch (error) {
  fail(`could not write the customer files (${(error as Error).message}); nothing was written`);
}

function printCustomer(customer: ImportedCustomer, built: Fleet, replaces: boolean): void {
  const file = customerFileOf(paths, customer.id);
  const types = customer.input.mcpServers.map((s) => (s.name ? `${s.type} (${s.name})` : s.type)).join(', ');
  const action = dryRun ? (replaces ? 'would replace the existing file' : 'would be written') : replaces ? 'replaced' : 'written';
  console.log(`${pc.bold(file)} — ${customer.input.name}: ${types} (${action})`);
  for (const guess of customer.guesses) console.log(`  ${pc.yellow('guessed:')} ${customer.id}: ${guess.missing}; used ${guess.value} (${guess.reason})`);
  const servers = built.customers.find((c) => c.id === customer.id)?.servers ?? [];
  for (const note of customer.notes) {
    const index = note.source.at(-1) === 'url' && note.source.at(-3) === 'mcp_servers' ? Number(note.source.at(-2)) : -1;
    const url = servers[index]?.composeUrl;
    console.log(`  ${pc.dim('not kept:')} ${noteText(document, note)}${url ? ` (in compose: ${url})` : ''}`);
  }
  console.log('');
}

function noteText(source: SourceDocument, note: Note): string {
  return `${sourcePathText(source, note.source)}: ${note.message}`;
}

/** A path relative to the working directory when inside it, else absolute. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function refuse(list: Problem[]): never {
  printProblems(list);
  process.exit(1);
}

function fail(message: string): never {
  console.error(pc.red(message));
  process.exit(1);
}
