/**
 * The few git commands `diff` needs, run with an argument vector (never a shell) in a given folder.
 */
import { execFile, spawn } from 'node:child_process';

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

/**
 * The contents of `objects` (`<rev>:<path>` names) in one `git cat-file --batch`, in order; null for one git does not
 * have. One process for a thousand customer files instead of a thousand.
 */
export function gitObjects(cwd: string, objects: string[]): Promise<Array<Buffer | null>> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', (error) => reject(new GitError(['cat-file', '--batch'], error.message)));
    child.on('close', (code) => {
      if (code !== 0) return reject(new GitError(['cat-file', '--batch'], stderr || `exit code ${code}`));
      const out = Buffer.concat(chunks);
      const contents: Array<Buffer | null> = [];
      let at = 0;
      for (let i = 0; i < objects.length; i++) {
        const headerEnd = out.indexOf(0x0a, at);
        if (headerEnd < 0) return reject(new GitError(['cat-file', '--batch'], 'output ended early'));
        const header = out.subarray(at, headerEnd).toString();
        at = headerEnd + 1;
        if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
          contents.push(null);
          continue;
        }
        const size = Number(header.split(' ')[2]);
        contents.push(out.subarray(at, at + size));
        at += size + 1;
      }
      resolve(contents);
    });
    child.stdin.end(objects.map((name) => `${name}\n`).join(''));
  });
}
