/**
 * The few git commands `diff` needs, run with an argument vector (never a shell) in a given folder.
 */
import { execFile } from 'node:child_process';

/** A git command that failed, with git's own message. */
export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed: ${stderr.trim().split('\n')[0] || 'unknown error'}`);
    this.name = 'GitError';
  }
}

/** Runs `git <args>` in `cwd` and resolves with its stdout (as a Buffer-decoded UTF-8 string). */
export function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (error, stdout, stderr) => {
      if (error) reject(new GitError(args, stderr || error.message));
      else resolve(stdout);
    });
  });
}

/** Like {@link git}, but resolves with null instead of rejecting (for probes such as "does this ref exist?"). */
export async function gitOrNull(cwd: string, args: string[]): Promise<string | null> {
  try {
    return await git(cwd, args);
  } catch (error) {
    if (error instanceof GitError) return null;
    throw error;
  }
}
