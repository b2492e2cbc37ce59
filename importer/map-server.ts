/**
 * One entry of a customer's `mcp_servers` → one server of a customer file: `type`, `name` and `description` as they
 * are, `config` keys back to the type's fields (see server-mapping.ts), missing fields filled by convention and listed.
 * `url` and `transport` are the agent's way to reach the server, which the fleet derives itself: noted, not kept.
 */
import { describeValue } from '../fleet/problem.ts';
import { hasKeyLikeRun } from '../schema/reserved-variables.ts';
import { conventionalValue, type ConventionContext } from './conventions.ts';
import type { Guess, Note, Origin, SourceProblem } from './imported-customer.ts';
import type { SourcePath } from './parse-source.ts';
import { setPath, typeMappings, type TypeMapping } from './server-mapping.ts';

const SERVER_KEYS = ['type', 'name', 'description', 'url', 'transport', 'config'];

export interface MappedServer {
  server: Record<string, unknown> | undefined;
  guesses: Guess[];
  notes: Note[];
  origins: Origin[];
  problems: SourceProblem[];
}

/**
 * Maps the server at `source` (`['customers', 1, 'mcp_servers', 0]`), the `index`th of its customer. `label` is how
 * guesses name it relative to the customer (`mcp_servers[0]`).
 */
export function mapServer(entry: unknown, source: SourcePath, index: number, label: string, context: Omit<ConventionContext, 'serverName'>): MappedServer {
  const result: MappedServer = { server: undefined, guesses: [], notes: [], origins: [], problems: [] };
  const problem = (at: SourcePath, message: string) => result.problems.push({ source: at, message });
  if (!isObject(entry)) {
    problem(source, `expected a server object such as { "type": "grafana", "config": { … } }, got ${describeValue(entry)}`);
    return result;
  }
  const mappings = typeMappings();
  const known = [...mappings.keys()];
  if (entry.type === undefined) {
    problem(source, `has no "type"; give one of: ${known.join(', ')}`);
    return result;
  }
  if (typeof entry.type !== 'string' || !mappings.has(entry.type)) {
    problem([...source, 'type'], `unknown MCP type ${typeof entry.type === "string" && entry.type.length <= 40 ? JSON.stringify(entry.type) : describeValue(entry.type)}: the fleet knows ${known.join(', ')}; remove the server, or add the type to mcp-types/ first`);
    return result;
  }
  const mapping = mappings.get(entry.type)!;
  const type = mapping.type;
  const field = (path: Array<string | number>, from: SourcePath) => result.origins.push({ field: path, source: from });

  for (const key of Object.keys(entry).filter((k) => !SERVER_KEYS.includes(k))) {
    problem([...source, key], refusedKey(key, `a server entry has ${SERVER_KEYS.join(', ')}`, mapping));
  }
  const server: Record<string, unknown> = { type };
  field(['mcpServers', index], source);
  field(['mcpServers', index, 'type'], [...source, 'type']);
  const name = entry.name;
  if (name !== undefined && name !== type) {
    server.name = name;
    field(['mcpServers', index, 'name'], [...source, 'name']);
  }
  if (entry.description !== undefined) {
    server.description = entry.description;
    field(['mcpServers', index, 'description'], [...source, 'description']);
  }
  if (entry.url !== undefined) {
    result.notes.push({ source: [...source, 'url'], message: "the fleet runs the server itself and derives the agent's URL for it" });
  }
  if (entry.transport !== undefined) {
    result.notes.push({ source: [...source, 'transport'], message: `the fleet's ${type} server speaks ${mapping.mcpType.transport}` });
  }

  const config = entry.config ?? {};
  if (!isObject(config)) {
    problem([...source, 'config'], `expected an object of settings (${mapping.configKeys.join(', ')}), got ${describeValue(config)}`);
    return result;
  }
  const given = new Set<string>();
  for (const [key, value] of Object.entries(config)) {
    const at = [...source, 'config', key];
    const leaf = mapping.leaves.find((l) => l.configKey === key);
    if (!leaf) {
      if (!mapping.derivedKeys.includes(key)) problem(at, refusedKey(key, `a ${type} server's config has ${mapping.configKeys.join(', ')}`, mapping));
      continue;
    }
    if (typeof value !== 'string') {
      problem(at, `expected a string, got ${describeValue(value)}`);
      continue;
    }
    if (leaf.path.at(-1)!.endsWith('Env') && looksLikeValue(value)) {
      problem(at, secretInVariableMessage(value, type, key));
      continue;
    }
    setPath(server, leaf.path, value);
    given.add(leaf.path.join('.'));
    field(['mcpServers', index, ...leaf.path], at);
  }

  const serverName = typeof server.name === 'string' ? server.name : undefined;
  const groupsGiven = new Set(mapping.leaves.filter((l) => l.optionalGroup && given.has(l.path.join('.'))).map((l) => l.optionalGroup));
  for (const leaf of mapping.leaves) {
    const key = leaf.path.join('.');
    if (given.has(key) || (leaf.optionalGroup !== undefined && !groupsGiven.has(leaf.optionalGroup))) continue;
    const configKey = leaf.configKey ? `config.${leaf.configKey}` : `a ${key} setting`;
    const guess = conventionalValue(type, leaf.path, { ...context, serverName });
    if (!guess) {
      const choices = leaf.options ? `; one of: ${leaf.options.join(', ')}` : leaf.description ? ` (${leaf.description})` : '';
      problem([...source, ...(isObject(entry.config) ? ['config'] : [])], `has no ${configKey}, which a ${type} server needs and the import cannot guess: add it${choices}`);
      continue;
    }
    setPath(server, leaf.path, guess.value);
    field(['mcpServers', index, ...leaf.path], source);
    result.guesses.push({ field: `mcpServers[${index}].${key}`, missing: `${label} ${type}: no ${configKey}`, value: guess.value, reason: guess.reason });
  }

  // What the fleet will write for this server must be what the source says, for every key it has.
  if (result.problems.length === 0) {
    const derived = mapping.mcpType.runtimeConfig(server as never);
    for (const key of mapping.derivedKeys.filter((k) => k in config)) {
      if (config[key] !== derived[key]) {
        problem(
          [...source, 'config', key],
          `is ${describeValue(config[key])}, but the fleet derives ${JSON.stringify(derived[key])} from the server's other settings and cannot keep another value: remove "${key}", or correct the setting it comes from`,
        );
      }
    }
  }
  result.server = server;
  return result;
}

/** A key that holds a credential's value rather than a variable's name (`token`, `password`, `oauth_client_secret`). */
export function isCredentialKey(key: string): boolean {
  if (/_env$/i.test(key) || /_url$/i.test(key)) return false;
  return /(token|secret|passw|pwd|api_?key|credential|client_id|private_key|bearer|auth$|^auth|user(name)?$)/i.test(key);
}

/** The message for a key the import does not map: a credential value refused as such, any other key listed. */
export function refusedKey(key: string, allowed: string, mapping?: TypeMapping): string {
  if (isCredentialKey(key)) {
    const variables = (mapping?.configKeys ?? ['token_env']).filter((k) => k.endsWith('_env'));
    const instead = variables.includes(`${key}_env`) ? [`${key}_env`] : variables;
    return (
      `holds a credential value where mcpfleet keeps only a variable name, so the entry is refused: secrets are never written into customer files or out/. ` +
      `Put the value into mcp_credentials.env under a variable and write its name as ${instead.map((k) => `"${k}"`).join(' / ') || 'a *_env setting'} instead`
    );
  }
  return `unknown key "${key}", which the import cannot carry over: ${allowed}; remove it`;
}

/** A `*_env` value that cannot be a variable name: a secret pasted where its name belongs. */
export function looksLikeValue(value: string): boolean {
  return hasKeyLikeRun(value) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value);
}

export function secretInVariableMessage(value: string, type: string, key: string): string {
  return (
    `holds ${describeValue(value)}, which looks like a secret value, not the name of a variable, so the entry is refused: mcpfleet never writes secret values into customer files or out/. ` +
    `Put the value into mcp_credentials.env under a variable name and write that name here (e.g. "${key}": "${exampleVariable(type, key)}")`
  );
}

/** A variable name to suggest for `key` of a `type` server: token_env of grafana → GRAFANA_TOKEN_<CUSTOMER ID>. */
function exampleVariable(type: string, key: string): string {
  return `${type}_${key.replace(/_env$/, '').replace(/^oauth_/, '')}_<CUSTOMER_ID>`.toUpperCase().replace('<CUSTOMER_ID>', '<CUSTOMER ID>');
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
