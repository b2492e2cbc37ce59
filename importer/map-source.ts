/**
 * The whole source → customers. Two formats are read: the design note's mcp_servers.json (`{ "customers": [...] }`,
 * also what `pnpm generate` writes to out/) and the older Grafana-only list (`{ "servers": [...] }`). Ids come first
 * (the source's `id`, else one made from the name, listed as a guess), so that variable names guessed later follow
 * them; every variable name the source gives is reserved before any is guessed.
 */
import { describeValue } from '../fleet/problem.ts';
import type { Guess, ImportedCustomer, Note, SourceProblem } from './imported-customer.ts';
import { mapCustomer, type MappedCustomer } from './map-customer.ts';
import { mapLegacyEntry } from './map-legacy.ts';
import { isObject, refusedKey } from './map-server.ts';
import { idFromName, idProblem, type VariableNames } from './naming.ts';
import type { SourceDocument, SourcePath } from './parse-source.ts';

export type SourceFormat = 'customers' | 'grafana-list';

/** One entry of the source with the id it will have. */
export interface PlannedEntry {
  source: SourcePath;
  entry: unknown;
  id: string;
  /** The id guess, when the source had no id. */
  idGuess?: Guess;
}

export interface SourcePlan {
  format: SourceFormat;
  entries: PlannedEntry[];
  notes: Note[];
  problems: SourceProblem[];
}

const TOP_KEYS: Record<SourceFormat, string[]> = { customers: ['$schema', 'customers', 'default', 'container_settings'], 'grafana-list': ['$schema', 'servers', 'default'] };

/** Tells the format and gives each entry its id. */
export function planSource(document: SourceDocument): SourcePlan {
  const root = document.value;
  const plan: SourcePlan = { format: 'customers', entries: [], notes: [], problems: [] };
  const problem = (source: SourcePath, message: string) => plan.problems.push({ source, message });
  if (!isObject(root) || (!('customers' in root) && !('servers' in root))) {
    problem([], `is neither the design note's mcp_servers.json ({ "customers": [...] }) nor the older Grafana list ({ "servers": [...] }): got ${describeValue(root)}${isObject(root) ? ` with keys ${Object.keys(root).join(', ') || '(none)'}` : ''}`);
    return plan;
  }
  plan.format = 'customers' in root ? 'customers' : 'grafana-list';
  const listKey = plan.format === 'customers' ? 'customers' : 'servers';
  for (const key of Object.keys(root).filter((k) => !TOP_KEYS[plan.format].includes(k))) {
    problem([key], refusedKey(key, `the file has ${TOP_KEYS[plan.format].join(', ')}`));
  }
  if (root.default !== undefined) plan.notes.push({ source: ['default'], message: 'the fleet has no default customer (the agent page lists them all)' });
  if (root.container_settings !== undefined) {
    plan.notes.push({ source: ['container_settings'], message: 'images, resources and ports are set in fleet.config.ts' });
  }
  const list = root[listKey];
  if (!Array.isArray(list)) {
    problem([listKey], `expected a list of ${plan.format === 'customers' ? 'customers' : 'Grafana entries'}, got ${describeValue(list)}`);
    return plan;
  }
  if (list.length === 0) problem([listKey], 'is empty: there is nothing to import');

  const seen = new Map<string, SourcePath>();
  list.forEach((entry, index) => {
    const source: SourcePath = [listKey, index];
    const given = isObject(entry) ? entry.id : undefined;
    let id: string;
    let idGuess: Guess | undefined;
    if (given !== undefined && plan.format === 'customers') {
      if (typeof given !== 'string') return problem([...source, 'id'], `expected a string, got ${describeValue(given)}`);
      const reason = idProblem(given);
      if (reason) return problem([...source, 'id'], `${describeValue(given)} ${reason}`);
      id = given;
    } else {
      if (!isObject(entry)) {
        return problem(source, `expected ${plan.format === 'customers' ? 'a customer object with "name", "host" and "mcp_servers"' : 'a Grafana entry with "name" and "url"'}, got ${describeValue(entry)}`);
      }
      const name = entry.name;
      if (name === undefined) return problem(source, `has no "name"; every entry needs its display name${plan.format === 'grafana-list' ? ' and a Grafana URL' : ''}`);
      if (typeof name !== 'string') return problem([...source, 'name'], `expected a string, got ${describeValue(name)}`);
      id = idFromName(name);
      const reason = id ? idProblem(id) : 'has no letters or digits to make an id from';
      if (reason) {
        return problem(
          source,
          `the id made from the name ${describeValue(name)}${id ? `, "${id}",` : ''} ${reason.replace(/give the entry another "id"$/, '')}${plan.format === 'customers' ? '; add an "id" to the entry' : '; rename the entry'}`,
        );
      }
      idGuess = { field: 'id (the file name)', missing: 'no id', value: id, reason: `from name ${JSON.stringify(name)}` };
    }
    const first = seen.get(id);
    if (first) return problem(source, `would be customer "${id}" like ${first[0]}[${first[1]}]: two entries cannot become one file; give one of them another ${plan.format === 'customers' ? '"id"' : 'name'}`);
    seen.set(id, source);
    plan.entries.push({ source, entry, id, ...(idGuess && { idGuess }) });
  });
  return plan;
}

/** Maps every planned entry; `variables` holds the names existing customers use. */
export function mapSource(plan: SourcePlan, variables: VariableNames): { customers: ImportedCustomer[]; problems: SourceProblem[] } {
  for (const { entry, id } of plan.entries) for (const name of variableNamesIn(entry)) variables.use(name, id);
  const customers: ImportedCustomer[] = [];
  const problems: SourceProblem[] = [...plan.problems];
  for (const { entry, source, id, idGuess } of plan.entries) {
    const mapped: MappedCustomer =
      plan.format === 'customers' ? mapCustomer(entry, source, id, idGuess, variables) : mapLegacyEntry(entry, source, id, idGuess, variables);
    problems.push(...mapped.problems);
    if (mapped.customer) customers.push(mapped.customer);
  }
  return { customers, problems };
}

/** Every `*_env` value in an entry (config variables, the gateway token): names the source already gives. */
function variableNamesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(variableNamesIn);
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([key, inner]) => (key.endsWith('_env') && typeof inner === 'string' ? [inner] : variableNamesIn(inner)));
}
