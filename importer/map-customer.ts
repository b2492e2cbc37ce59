/**
 * One entry of the design note's `customers` list → one customer file: name, host, description and gateway as they
 * are (snake_case → camelCase), each server through map-server.ts. A host the entry lacks is taken from its
 * description (as the note writes it) or its first upstream URL, and listed as a guess.
 */
import { describeValue } from '../fleet/problem.ts';
import type { Guess, ImportedCustomer, Note, Origin, SourceProblem } from './imported-customer.ts';
import { isObject, looksLikeValue, mapServer, refusedKey, secretInVariableMessage } from './map-server.ts';
import type { VariableNames } from './naming.ts';
import type { SourcePath } from './parse-source.ts';

export const CUSTOMER_KEYS = ['id', 'name', 'description', 'host', 'mcp_servers', 'gateway', 'has_genesys'];
const GATEWAY_KEYS: Record<string, string> = { token_env: 'tokenEnv', allow_tools: 'allowTools', deny_tools: 'denyTools' };
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i;

export type MappedCustomer = { customer: ImportedCustomer; problems: SourceProblem[] } | { customer?: undefined; problems: SourceProblem[] };

/** Maps the entry at `source` (`['customers', 1]`) to customer `id`; `idGuess` when the id was not in the source. */
export function mapCustomer(entry: unknown, source: SourcePath, id: string, idGuess: Guess | undefined, variables: VariableNames): MappedCustomer {
  const problems: SourceProblem[] = [];
  const problem = (at: SourcePath, message: string) => problems.push({ source: at, message });
  if (!isObject(entry)) {
    problem(source, `expected a customer object with "name", "host" and "mcp_servers", got ${describeValue(entry)}`);
    return { problems };
  }
  const guesses: Guess[] = idGuess ? [idGuess] : [];
  const notes: Note[] = [];
  const origins: Origin[] = [];
  const field = (path: Array<string | number>, from: SourcePath) => origins.push({ field: path, source: from });
  for (const key of Object.keys(entry).filter((k) => !CUSTOMER_KEYS.includes(k))) {
    problem([...source, key], refusedKey(key, `a customer has ${CUSTOMER_KEYS.join(', ')}`));
  }

  const input: Record<string, unknown> = {};
  if (entry.name !== undefined) field(['name'], [...source, 'name']);
  input.name = entry.name;
  if (entry.host !== undefined) {
    input.host = entry.host;
    field(['host'], [...source, 'host']);
  } else {
    const guess = hostGuess(entry);
    field(['host'], source);
    if (guess) {
      input.host = guess.value;
      guesses.push({ field: 'host', missing: 'no host', value: guess.value, reason: guess.reason });
    }
  }
  if (entry.description !== undefined) {
    input.description = entry.description;
    field(['description'], [...source, 'description']);
  }
  if (entry.has_genesys !== undefined) {
    notes.push({ source: [...source, 'has_genesys'], message: 'whether a customer has Genesys Cloud follows from its servers' });
  }

  const servers = entry.mcp_servers;
  const serversAt = [...source, 'mcp_servers'];
  const mapped: Array<Record<string, unknown>> = [];
  if (servers === undefined) problem(source, 'has no "mcp_servers": a customer needs at least one MCP server, e.g. [{ "type": "grafana" }]');
  else if (!Array.isArray(servers)) problem(serversAt, `expected a list of servers, got ${describeValue(servers)}`);
  else {
    field(['mcpServers'], serversAt);
    const hostName = typeof input.host === 'string' ? input.host : undefined;
    servers.forEach((server, index) => {
      const result = mapServer(server, [...serversAt, index], index, `mcp_servers[${index}]`, { id, host: hostName, variables });
      problems.push(...result.problems);
      guesses.push(...result.guesses);
      notes.push(...result.notes);
      origins.push(...result.origins);
      if (result.server) mapped.push(result.server);
    });
  }
  input.mcpServers = mapped;

  if (entry.gateway !== undefined) {
    const at = [...source, 'gateway'];
    field(['gateway'], at);
    if (!isObject(entry.gateway)) problem(at, `expected an object with ${Object.keys(GATEWAY_KEYS).join(', ')}, got ${describeValue(entry.gateway)}`);
    else {
      const gateway: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(entry.gateway)) {
        const target = GATEWAY_KEYS[key];
        if (!target) {
          problem([...at, key], refusedKey(key, `a gateway has ${Object.keys(GATEWAY_KEYS).join(', ')}`));
          continue;
        }
        if (key === 'token_env' && typeof value === 'string' && looksLikeValue(value)) {
          problem([...at, key], secretInVariableMessage(value, 'gateway', key));
          continue;
        }
        gateway[target] = value;
        field(['gateway', target], [...at, key]);
      }
      input.gateway = gateway;
    }
  }
  if (problems.length > 0) return { problems };
  return { customer: { id, source, input: input as unknown as ImportedCustomer['input'], guesses, notes, origins }, problems };
}

/** The host an entry without one suggests: its description when that is a host name, else its first upstream URL's host. */
function hostGuess(entry: Record<string, unknown>): { value: string; reason: string } | undefined {
  if (typeof entry.description === 'string' && HOSTNAME.test(entry.description)) return { value: entry.description, reason: 'from description' };
  const servers = Array.isArray(entry.mcp_servers) ? entry.mcp_servers : [];
  for (const server of servers) {
    const config = isObject(server) && isObject(server.config) ? server.config : {};
    for (const [key, value] of Object.entries(config)) {
      if (key.endsWith('_url') && typeof value === 'string' && URL.canParse(value)) return { value: new URL(value).hostname, reason: `from config.${key}` };
    }
  }
  return undefined;
}
