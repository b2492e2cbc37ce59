// The credentials env file as `docker stack deploy` needs it: the stack CLI has no --env-file, so the values are
// read here and handed to its environment (never printed, never put on a command line).
import { readEnvFile } from './env-file.mjs';

/**
 * The environment for `docker stack deploy`: the env file's non-empty values under the process environment —
 * as with compose, a variable set in the shell wins over the file.
 */
export function deployEnvironment(envFile, env = process.env) {
  const fromFile = Object.fromEntries([...readEnvFile(envFile)].filter(([, v]) => v !== ''));
  return { ...fromFile, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) };
}
