// The credentials env file: which variables it sets (values are read to know they are non-empty, never shown).
import { existsSync, readFileSync } from 'node:fs';

/** Names of variables the file assigns a non-empty value, as compose reads it. */
export function variablesSetIn(envFile) {
  if (!existsSync(envFile)) return new Set();
  const names = new Set();
  for (const line of readFileSync(envFile, 'utf8').split(/\r?\n/)) {
    const match = line.match(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/);
    if (match && match[2].trim() !== '' && match[2].trim() !== '""' && match[2].trim() !== "''") names.add(match[1]);
  }
  return names;
}

/** Credential variables of the services that neither the env file nor the environment sets. */
export function missingCredentials(services, envFile, env = process.env) {
  const fromFile = variablesSetIn(envFile);
  return services.flatMap((s) => s.credentials.filter((v) => !fromFile.has(v) && !env[v]).map((variable) => ({ variable, service: s.service, customer: s.customer })));
}
