/**
 * The fleet's scripts run as an operator runs them, for the end-to-end tests: `pnpm manage` is
 * `zx scripts/manage.mjs` from the repository, with NO_COLOR, bounded in time; a failure is a result, never a rejection.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, type CliResult } from './fleet-repo.ts';

export const ZX = path.join(REPO_ROOT, 'node_modules/.bin/zx');
export const MANAGE = path.join(REPO_ROOT, 'scripts/manage.mjs');

export interface RunOptions {
  /** Added to (or, undefined, taken from) this process's environment, after NO_COLOR=1. */
  env?: Record<string, string | undefined>;
  /** Default 300 s. */
  timeoutMs?: number;
}

/** Runs `file args` from the repository root. */
export function runProgram(file: string, args: string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1', ...options.env }, timeout: options.timeoutMs ?? 300_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** `pnpm manage <args> <fleet>`: `fleet` names the test's files, project and target (`--file …`, `--target swarm`, …). */
export function runManage(args: string[], fleet: string[], options: RunOptions = {}): Promise<CliResult> {
  return runProgram(ZX, [MANAGE, ...args, ...fleet], options);
}
