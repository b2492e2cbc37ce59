/**
 * pnpm new-customer <id> --name "…" --host HOST --types grafana,alertmanager[,genesys] [--region REGION]
 *
 * Writes customers/<id>.ts from templates/customer.ts.hbs, with credential variables named after the id
 * (GRAFANA_TOKEN_<ID>, GENESYS_CLIENT_ID_<ID>, …; suffixed when another customer already uses a name), validates
 * the fleet with it, regenerates out/, and prints the lines to add to the credentials file. In a terminal,
 * values not given as flags are asked for. A bad or taken id is refused before anything is written; a customer
 * that does not validate is removed again, so a failed run leaves customers/ and out/ as they were.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Handlebars from 'handlebars';
import pc from 'picocolors';
import { loadFleet } from '../fleet/load.ts';
import { allServers, type FleetCustomer } from '../fleet/model.ts';
import { ALL_PROFILE } from '../fleet/profiles.ts';
import { generators } from '../generators/index.ts';
import { mcpTypeNames } from '../mcp-types/index.ts';
import { GENESYS_REGIONS } from '../mcp-types/genesys.ts';
import { applyPlan, planOutput } from '../output/output-plan.ts';
import { runGenerators } from '../output/run-generators.ts';
import { DNS_LABEL, DNS_LABEL_MAX } from '../schema/fields.ts';
import { pathOptions, printProblems, resolvePaths } from './cli-options.ts';

/** The types this command can scaffold; others are added to the file by hand. */
const SCAFFOLDED = ['grafana', 'alertmanager', 'genesys'] as const;
type ScaffoldedType = (typeof SCAFFOLDED)[number];
const DEFAULT_TYPES = 'grafana,alertmanager';
/** How many numbered suffixes are tried when a variable name is taken. */
const MAX_SUFFIX = 100;

const USAGE = `usage: pnpm new-customer <id> --name "Display Name" --host HOST --types ${SCAFFOLDED.join(',')} [--region REGION]
                         [--grafana-url URL] [--alertmanager-url URL] [--alertmanager-auth] [--interactive]
                         [--root DIR] [--customers DIR] [--config FILE] [--out DIR]

  <id>                 customer id and file name: a lowercase DNS label, e.g. acme-eu
  --types              MCP servers to create (default ${DEFAULT_TYPES})
  --region             Genesys Cloud region, needed with genesys (e.g. mypurecloud.de)
  --grafana-url        default https://<host>
  --alertmanager-url   default http://<host>:9093
  --alertmanager-auth  the Alertmanager needs basic auth (adds ALERTMANAGER_USER_<ID>, ALERTMANAGER_PASSWORD_<ID>)
  --interactive        ask for missing values even when stdin is not a terminal (answers may be piped)

Without flags in a terminal, it asks for the values.`;

/**
 * Questions on stdout, answers from stdin line by line. Lines are read through the async iterator, which
 * buffers them, so answers piped in all at once are not lost between questions.
 */
class Prompt {
  private readonly rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true });
  private readonly lines = this.rl[Symbol.asyncIterator]();

  async ask(question: string, fallback?: string): Promise<string | undefined> {
    process.stdout.write(`${question}${fallback ? ` [${fallback}]` : ''}: `);
    const next = await this.lines.next();
    if (!process.stdin.isTTY) process.stdout.write('\n');
    const answer = next.done ? '' : next.value.trim();
    return answer || fallback;
  }

  close(): void {
    this.rl.close();
  }
}

const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      strict: true,
      options: {
        ...pathOptions,
        name: { type: 'string' },
        host: { type: 'string' },
        types: { type: 'string' },
        region: { type: 'string' },
        'grafana-url': { type: 'string' },
        'alertmanager-url': { type: 'string' },
        'alertmanager-auth': { type: 'boolean', default: false },
        interactive: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
})();

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals.length > 1) fail(`expected one customer id, got ${positionals.length}: ${positionals.join(' ')}`);

const paths = resolvePaths(values);
const prompt = values.interactive || process.stdin.isTTY === true ? new Prompt() : undefined;

try {
  const id = positionals[0] ?? (await prompt?.ask('Customer id (file name, e.g. acme-eu)'));
  if (!id) fail(`give the customer id: pnpm new-customer <id> --name … --host … --types ${DEFAULT_TYPES}`);
  checkId(id);

  const name = values.name ?? (await prompt?.ask('Display name'));
  const host = values.host ?? (await prompt?.ask('Monitoring host (e.g. maas-1203.mon.example.com)'));
  const typesText = values.types ?? (await prompt?.ask(`MCP types (${SCAFFOLDED.join(', ')})`, DEFAULT_TYPES)) ?? DEFAULT_TYPES;
  const missing = [!name && '--name', !host && '--host'].filter(Boolean);
  if (missing.length > 0) fail(`missing ${missing.join(' and ')} (run in a terminal, or with --interactive, to be asked)`);
  const types = parseTypes(typesText);
  let region = values.region;
  if (types.includes('genesys') && !region) region = await prompt?.ask(`Genesys Cloud region (${GENESYS_REGIONS.join(', ')})`);
  if (types.includes('genesys') && !region) fail(`genesys needs --region: one of ${GENESYS_REGIONS.join(', ')}`);
  if (region && !(GENESYS_REGIONS as readonly string[]).includes(region)) fail(`unknown Genesys Cloud region "${region}"; use one of: ${GENESYS_REGIONS.join(', ')}`);
  prompt?.close();

  const existing = await loadFleet(paths);
  if (!existing.ok) {
    console.error(pc.red('The fleet does not validate as it is; fix these first:'));
    printProblems(existing.problems);
    process.exit(1);
  }
  const taken = new Map(allServers(existing.fleet).flatMap((s) => s.credentials.map((c) => [c.variable, s.customerId] as const)));
  const renamed: string[] = [];
  const variable = (stem: string) => {
    const wanted = `${stem}_${id.toUpperCase().replaceAll('-', '_')}`;
    for (let n = 1; n <= MAX_SUFFIX; n += 1) {
      const candidate = n === 1 ? wanted : `${wanted}_${n}`;
      if (!taken.has(candidate)) {
        if (n > 1) renamed.push(`${wanted} is used by customers/${taken.get(wanted)}.ts, so this customer gets ${candidate}`);
        taken.set(candidate, id);
        return candidate;
      }
    }
    return fail(`no free variable name for ${wanted} (tried ${MAX_SUFFIX} suffixes)`);
  };

  const file = path.join(paths.customersDir, `${id}.ts`);
  const render = customerTemplate();
  const source = render({
    id,
    schemaImport: schemaImportFrom(paths.customersDir),
    name,
    host,
    grafana: types.includes('grafana') && { url: values['grafana-url'] ?? `https://${host}`, tokenEnv: variable('GRAFANA_TOKEN') },
    alertmanager: types.includes('alertmanager') && {
      url: values['alertmanager-url'] ?? `http://${host}:9093`,
      basicAuth: values['alertmanager-auth'] && { usernameEnv: variable('ALERTMANAGER_USER'), passwordEnv: variable('ALERTMANAGER_PASSWORD') },
    },
    genesys: types.includes('genesys') && { region, clientIdEnv: variable('GENESYS_CLIENT_ID'), clientSecretEnv: variable('GENESYS_CLIENT_SECRET') },
  });

  // 'wx': never overwrite, even if the file appeared since the check.
  await writeFile(file, source, { flag: 'wx' });
  const shown = displayPath(file);
  const result = await loadFleet(paths);
  if (!result.ok) {
    await rm(file, { force: true });
    console.error(pc.red(`${shown} would not validate, so it was not kept:`));
    printProblems(result.problems);
    process.exit(1);
  }
  const plan = await planOutput(paths.outDir, await runGenerators(result.fleet, generators));
  await applyPlan(paths.outDir, plan);

  const customer = result.fleet.customers.find((c) => c.id === id)!;
  console.log(`${pc.green('✓')} wrote ${shown}: ${customer.servers.map((s) => s.type).join(', ')}`);
  console.log(
    `${pc.green('✓')} regenerated out/: ${result.fleet.customers.length} customers, ${allServers(result.fleet).length} servers → ${plan.writes.length} written, ${plan.unchanged.length} unchanged, ${plan.removals.length} removed`,
  );
  for (const note of renamed) console.log(`${pc.yellow('!')} ${note}`);
  console.log(`\n${credentialsHelp(customer)}`);
  console.log(`\nStart it:  docker compose -f out/docker-compose.mcps.yml --env-file mcp_credentials.env --profile ${id} up -d`);
  console.log(`Review it: pnpm diff   — then commit ${shown} together with out/.`);
} catch (error) {
  prompt?.close();
  fail((error as Error).message);
}

function checkId(id: string): void {
  if (!DNS_LABEL.test(id) || id.length > DNS_LABEL_MAX - 'mcp-'.length) {
    fail(`"${id}" is not a valid customer id: use a lowercase DNS label (a-z, 0-9 and "-", starting and ending with a letter or digit, at most ${DNS_LABEL_MAX - 'mcp-'.length} characters), e.g. acme-eu`);
  }
  if (id === ALL_PROFILE || (mcpTypeNames as readonly string[]).includes(id)) {
    fail(`"${id}" is reserved: it names a compose profile (${ALL_PROFILE}, ${mcpTypeNames.join(', ')}); pick another id`);
  }
  for (const extension of ['ts', 'mts']) {
    const existing = path.join(paths.customersDir, `${id}.${extension}`);
    if (existsSync(existing)) fail(`customer "${id}" already exists: ${displayPath(existing)}; edit that file instead`);
  }
}

function parseTypes(text: string): ScaffoldedType[] {
  const types = [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];
  if (types.length === 0) fail(`--types needs at least one of: ${SCAFFOLDED.join(', ')}`);
  const unknown = types.filter((t) => !(SCAFFOLDED as readonly string[]).includes(t));
  if (unknown.length > 0) {
    const known = (mcpTypeNames as readonly string[]).filter((t) => unknown.includes(t));
    fail(
      known.length > 0
        ? `new-customer cannot scaffold ${known.join(', ')} yet; create the customer with ${SCAFFOLDED.join('/')} and add it to the file by hand`
        : `unknown MCP type ${unknown.map((t) => `"${t}"`).join(', ')}; use: ${SCAFFOLDED.join(', ')}`,
    );
  }
  return types as ScaffoldedType[];
}

/** A path relative to the root when it is inside it (customers/acme.ts), else absolute. */
function displayPath(file: string): string {
  const relative = path.relative(paths.root, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** templates/customer.ts.hbs, with `quote` writing a single-quoted TypeScript string like the other customer files. */
function customerTemplate(): (context: Record<string, unknown>) => string {
  const handlebars = Handlebars.create();
  handlebars.registerHelper('quote', (value: unknown) =>
    `'${String(value).replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n').replaceAll('\r', '\\r')}'`,
  );
  const source = readFileSync(new URL('../templates/customer.ts.hbs', import.meta.url), 'utf8');
  return handlebars.compile(source, { noEscape: true, strict: true });
}

/** The import of the schema helpers as the new file must write it: relative, with forward slashes. */
function schemaImportFrom(customersDir: string): string {
  const schema = fileURLToPath(new URL('../schema/index.ts', import.meta.url));
  const relative = path.relative(customersDir, schema).split(path.sep).join('/');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

function credentialsHelp(customer: FleetCustomer): string {
  const credentials = [...new Map(customer.servers.flatMap((s) => s.credentials.map((c) => [c.variable, { ...c, service: s.serviceName }] as const))).values()];
  if (credentials.length === 0) return `"${customer.name}" needs no credentials.`;
  return [
    'Add these lines to mcp_credentials.env (template: out/env/mcp_credentials.env.example) and fill in the values:',
    '',
    `# ── "${customer.name}" — ${customer.file}`,
    ...credentials.flatMap((c) => [`# ${c.description}; used by ${c.service}`, `${c.variable}=`]),
  ].join('\n');
}

function fail(message: string): never {
  console.error(pc.red(message));
  process.exit(1);
}
