/** `--help` is an answer, not an error: every command prints its usage and exits 0, as the tools beside it do. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/fleet-repo.ts';

function runManage(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(path.join(REPO_ROOT, 'node_modules/.bin/zx'), [path.join(REPO_ROOT, 'scripts/manage.mjs'), ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('--help', () => {
  it.each(['generate', 'validate', 'diff', 'new-customer', 'import'])('pnpm %s --help prints its usage and exits 0', async (cli) => {
    const result = await runCli(cli, ['--help']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/usage:/i);
  });

  it('manage --help prints its usage and exits 0; manage without a command prints it as an error and exits 1', async () => {
    const [help, bare] = await Promise.all([runManage(['--help']), runManage([])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: pnpm manage <command>');
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('usage: pnpm manage <command>');
  });
});
