// The credentials env file as `docker stack deploy` needs it: the stack CLI has no --env-file, so the values are
// read here and handed to its environment (never printed, never put on a command line).
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

/**
 * The environment for `docker stack deploy`: the env file's non-empty values under the process environment —
 * as with compose, a variable set in the shell wins over the file.
 */
export function deployEnvironment(envFile, env = process.env) {
  const fromFile = Object.fromEntries([...readEnvFile(envFile)].filter(([, v]) => v !== ''));
  return { ...fromFile, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) };
}
