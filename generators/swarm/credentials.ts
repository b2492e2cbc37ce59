/**
 * Credentials on Swarm. A server that can read a credential from a file (its type names the `fileEnv` variable
 * for it, e.g. GRAFANA_SERVICE_ACCOUNT_TOKEN_FILE) gets it as a Swarm secret mounted under /run/secrets/ — the
 * value never enters the service spec. Every other credential is `${VAR:?…}` interpolated by
 * `docker stack deploy` from its environment (scripts/manage.mjs loads mcp_credentials.env into it).
 * No value is ever written: secrets are created from the env file by scripts/swarm-secrets.mjs.
 */
import type { FleetCustomer, FleetServer } from '../../fleet/model.ts';
import { escapeInterpolation } from '../compose.ts';
import { secretName, secretPath } from './names.ts';

/**
 * The `${VAR:?message}` text. No "-" or "?" in it: the docker CLI's interpolation picks the operator that comes
 * first in the whole expression, so "--target" inside the message turned a required variable into a default value.
 */
const CREDENTIALS_HINT = 'set it in mcp_credentials.env (manage.mjs loads it for swarm) or export it before docker stack deploy';

/** `${VAR:?VAR is missing: …}`: `docker stack deploy` refuses to run, naming VAR, when it is unset or empty. */
export const interpolated = (variable: string): string => `\${${variable}:?${variable} is missing: ${CREDENTIALS_HINT}}`;

/** A secret a service mounts: the stack-local key (the credential variable) is also the file name. */
export interface SecretMount {
  source: string;
  target: string;
}

/** Environment and secret mounts of one server's service. */
export function serverCredentials(server: FleetServer): { environment: Record<string, string>; secrets: SecretMount[] } {
  const environment: Record<string, string> = {};
  const secrets: SecretMount[] = [];
  for (const entry of server.env) {
    if (!('credential' in entry)) environment[entry.name] = escapeInterpolation(entry.value);
    else if (entry.fileEnv) {
      const variable = entry.credential.variable;
      environment[entry.fileEnv] = secretPath(variable);
      if (!secrets.some((s) => s.source === variable)) secrets.push({ source: variable, target: variable });
    } else environment[entry.name] = interpolated(entry.credential.variable);
  }
  return { environment, secrets };
}

/** Top-level `secrets:` of a customer's stack: every mounted credential, created outside the stack (external). */
export function stackSecrets(customer: FleetCustomer): Record<string, { external: true; name: string }> {
  const variables = [...new Set(customer.servers.flatMap((s) => serverCredentials(s).secrets.map((m) => m.source)))];
  return Object.fromEntries(variables.map((variable) => [variable, { external: true as const, name: secretName(customer, variable) }]));
}
