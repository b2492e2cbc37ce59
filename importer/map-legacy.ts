/**
 * One entry of the older Grafana-only list (grafana_servers.json: `{ "servers": [{ "name", "url", "description" }],
 * "default" }`) → a customer with one Grafana. Only an entry with a name and a Grafana URL is taken: `grafana_url`, or
 * `url` when that is the Grafana itself. The old agent's `url` was the address of its Grafana MCP server (it appended
 * /mcp); such an address (path ending in /mcp or /sse) is no Grafana URL, and the entry is refused with that reason.
 * The host comes from `description` when that is a host name (the old agent read it so), else from the Grafana URL.
 */
import { describeValue } from '../fleet/problem.ts';
import type { Guess, ImportedCustomer, Origin, SourceProblem } from './imported-customer.ts';
import { isObject, looksLikeValue, refusedKey, secretInVariableMessage } from './map-server.ts';
import type { MappedCustomer } from './map-customer.ts';
import { conventionalValue } from './conventions.ts';
import type { VariableNames } from './naming.ts';
import type { SourcePath } from './parse-source.ts';

export const LEGACY_KEYS = ['name', 'url', 'grafana_url', 'description', 'token_env'];
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i;

export function mapLegacyEntry(entry: unknown, source: SourcePath, id: string, idGuess: Guess | undefined, variables: VariableNames): MappedCustomer {
  const problems: SourceProblem[] = [];
  const problem = (at: SourcePath, message: string) => problems.push({ source: at, message });
  if (!isObject(entry)) {
    problem(source, `expected a Grafana entry such as { "name": "Acme", "url": "https://grafana.acme.example.com" }, got ${describeValue(entry)}`);
    return { problems };
  }
  for (const key of Object.keys(entry).filter((k) => !LEGACY_KEYS.includes(k))) {
    problem([...source, key], refusedKey(key, `an entry of the Grafana list has ${LEGACY_KEYS.join(', ')}`));
  }
  
  const grafana = grafanaUrl(entry, source);
  if ('problem' in grafana) problems.push(grafana.problem);
  if (problems.length > 0 || 'problem' in grafana) return { problems };

  const guesses: Guess[] = idGuess ? [idGuess] : [];
  const origins: Origin[] = [
    { field: ['name'], source: [...source, 'name'] },
    { field: ['mcpServers'], source },
    { field: ['mcpServers', 0, 'url'], source: grafana.from },
  ];
  const description = entry.description;
  const host =
    typeof description === 'string' && HOSTNAME.test(description)
      ? { value: description, reason: 'from description, which the old agent read as the host' }
      : { value: URL.canParse(grafana.url) ? new URL(grafana.url).hostname : '', reason: `from ${grafana.from.at(-1)}` };
  guesses.push({ field: 'host', missing: 'no host', value: host.value, reason: host.reason });
  origins.push({ field: ['host'], source });

  let tokenEnv: string;
  if (entry.token_env !== undefined) {
    if (typeof entry.token_env === 'string' && looksLikeValue(entry.token_env)) {
      problem([...source, 'token_env'], secretInVariableMessage(entry.token_env, 'grafana', 'token_env'));
      return { problems };
    }
    tokenEnv = entry.token_env as string;
    origins.push({ field: ['mcpServers', 0, 'tokenEnv'], source: [...source, 'token_env'] });
  } else {
    const guess = conventionalValue('grafana', ['tokenEnv'], { id, host: host.value, serverName: undefined, variables })!;
    tokenEnv = guess.value;
    guesses.push({ field: 'mcpServers[0].tokenEnv', missing: 'grafana: no token_env', value: guess.value, reason: guess.reason });
    origins.push({ field: ['mcpServers', 0, 'tokenEnv'], source });
  }

  const input: Record<string, unknown> = { name: entry.name, host: host.value };
  if (description !== undefined) {
    input.description = description;
    origins.push({ field: ['description'], source: [...source, 'description'] });
  }
  input.mcpServers = [{ type: 'grafana', url: grafana.url, tokenEnv }];
  const notes =
    entry.grafana_url !== undefined && entry.url !== undefined
      ? [{ source: [...source, 'url'], message: "the fleet runs the Grafana MCP server itself and derives the agent's URL for it" }]
      : [];
  const customer: ImportedCustomer = { id, source, input: input as unknown as ImportedCustomer['input'], guesses, notes, origins };
  return { customer, problems };
}

/** The entry's Grafana URL and the key it is under, or why it has none. */
function grafanaUrl(entry: Record<string, unknown>, source: SourcePath): { url: string; from: SourcePath } | { problem: SourceProblem } {
  if (entry.grafana_url !== undefined) return { url: entry.grafana_url as string, from: [...source, 'grafana_url'] };
  if (entry.url === undefined) {
    return { problem: { source, message: 'has no Grafana URL: an entry of the Grafana list needs a name and "url" (or "grafana_url") with the address of the Grafana, e.g. "https://grafana.acme.example.com"' } };
  }
  if (typeof entry.url === 'string' && URL.canParse(entry.url) && /\/(mcp|sse)\/?$/.test(new URL(entry.url).pathname)) {
    return {
      problem: {
        source: [...source, 'url'],
        message: `${describeValue(entry.url)} is the address of the old agent's Grafana MCP server, not of the Grafana itself, and the fleet runs its own MCP server: add "grafana_url" with the Grafana's address (e.g. "https://${HOSTNAME.test(String(entry.description)) ? String(entry.description) : 'grafana.acme.example.com'}")`,
      },
    };
  }
  return { url: entry.url as string, from: [...source, 'url'] };
}
