// The credentials env file: which variables it sets (values are read to know they are non-empty, never shown).
import { existsSync, readFileSync } from 'node:fs';

/**
 * Parses an env file as compose does for the common cases: KEY=VALUE, optional `export `, # comments,
 * 'single' (literal) and "double" (\n \t \\ \" escapes) quotes, ` #` comments after unquoted values.
 * Throws on a malformed line, naming the file and line only (never the value).
 * @returns {Map<string, string>}
 */
export function parseEnvFile(text, file) {
  const values = new Map();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new Error(`${file}:${index + 1}: not a KEY=VALUE line`);
    const [, key, rest] = match;
    let value;
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end < 0) throw new Error(`${file}:${index + 1}: ${key} has an unterminated single quote`);
      value = rest.slice(1, end);
    } else if (rest.startsWith('"')) {
      const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
      if (!quoted) throw new Error(`${file}:${index + 1}: ${key} has an unterminated double quote`);
      value = quoted[1].replace(/\\(.)/g, (_, c) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
    } else {
      value = rest.replace(/\s+#.*$/, '').trim();
    }
    values.set(key, value);
  });
  return values;
}

/** The file's values (empty when it does not exist). @returns {Map<string, string>} */
export function readEnvFile(file) {
  return existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8'), file) : new Map();
}

/** Names of variables the file assigns a non-empty value, as compose reads it. */
export function variablesSetIn(envFile) {
  return new Set([...readEnvFile(envFile)].filter(([, value]) => value !== '').map(([name]) => name));
}

/** Credential variables of the services that neither the env file nor the environment sets. */
export function missingCredentials(services, envFile, env = process.env) {
  const fromFile = variablesSetIn(envFile);
  return services.flatMap((s) => s.credentials.filter((v) => !fromFile.has(v) && !env[v]).map((variable) => ({ variable, service: s.service, customer: s.customer })));
}
