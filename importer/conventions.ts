/**
 * The conventional value of a field the source leaves out, as `pnpm new-customer` would write it: a Grafana at
 * https://<host>, an Alertmanager at http://<host>:9093, credential variables named after the customer id. A field
 * with no convention (a Genesys region) cannot be guessed: the entry is refused instead.
 */
import type { VariableNames } from './naming.ts';

export interface ConventionContext {
  id: string;
  host: string | undefined;
  /** The server's name when the customer has it besides another of its type (suffixes its variables). */
  serverName: string | undefined;
  variables: VariableNames;
}

export interface Conventional {
  value: string;
  reason: string;
}

/** Variable stems by type and field, as `pnpm new-customer` names them. */
const VARIABLE_STEMS: Record<string, Record<string, string>> = {
  grafana: { tokenEnv: 'GRAFANA_TOKEN' },
  alertmanager: { 'basicAuth.usernameEnv': 'ALERTMANAGER_USER', 'basicAuth.passwordEnv': 'ALERTMANAGER_PASSWORD' },
  genesys: { clientIdEnv: 'GENESYS_CLIENT_ID', clientSecretEnv: 'GENESYS_CLIENT_SECRET' },
};

/** Upstream URLs by type, from the customer's host. */
const URLS: Record<string, { url: (host: string) => string; reason: string }> = {
  grafana: { url: (host) => `https://${host}`, reason: 'from host' },
  alertmanager: { url: (host) => `http://${host}:9093`, reason: 'from host, with the Alertmanager port 9093' },
};

/** The conventional value of `field` of a `type` server, or undefined when there is none. */
export function conventionalValue(type: string, field: readonly string[], context: ConventionContext): Conventional | undefined {
  const key = field.join('.');
  if (field.at(-1)!.endsWith('Env')) {
    const stem = VARIABLE_STEMS[type]?.[key] ?? `${type}_${snake(field.at(-1)!.replace(/Env$/, ''))}`.toUpperCase();
    const chosen = context.variables.choose(stem, context.id, context.serverName);
    const reason = context.serverName ? `from the customer id and the server name "${context.serverName}"` : 'from the customer id';
    return { value: chosen.name, reason: chosen.takenBy ? `${reason}; the plain name is used by ${chosen.takenBy}` : reason };
  }
  const url = URLS[type];
  if (key === 'url' && url && context.host) return { value: url.url(context.host), reason: url.reason };
  return undefined;
}

function snake(camel: string): string {
  return camel.replaceAll(/([a-z0-9])([A-Z])/g, '$1_$2');
}
