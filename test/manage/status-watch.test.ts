/**
 * `manage status --watch`: the same status table, refreshed every --interval; in place on a terminal (run here under
 * `script`, which gives the command a pseudo-terminal), as a time-stamped series otherwise. Uses the repository's
 * out/ with a project name no container has, so every row is "no container" and nothing is started.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ZX = path.join(ROOT, 'node_modules/.bin/zx');
const MANAGE = path.join(ROOT, 'scripts/manage.mjs');
const PROJECT = `mcpfleet-watch-${process.pid}`;

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const WATCH = ['status', '--watch', '--count', '3', '--interval', '0.2', '--customer', 'vattenfall-de', '--project', PROJECT];

describe('manage status --watch', () => {
  it('without a terminal: one time-stamped table per refresh, the exit code of the last', async () => {
    const result = await run(ZX, [MANAGE, ...WATCH]);
    expect(result.code).toBe(1); // nothing runs under this project: unhealthy
    const stamps = result.stdout.match(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z {2}every 0\.2 s$/gm) ?? [];
    expect(stamps).toHaveLength(3);
    expect(result.stdout.match(/mcp-alertmanager-vattenfall-de .*absent .*unhealthy: no container/g)).toHaveLength(3);
    expect(result.stdout).not.toContain('\x1b[2J');
    // One rule per table, under its header; none between the rows.
    expect(result.stdout.match(/^├/gm)).toHaveLength(3);
  }, 90_000);

  it('on a terminal: each table replaces the last in place', async () => {
    const command = [ZX, MANAGE, ...WATCH].map((a) => `'${a}'`).join(' ');
    const result = await run('script', ['-qefc', command, '/dev/null']);
    expect(result.stdout.split('\x1b[H\x1b[2J')).toHaveLength(4); // cleared before each of the 3 tables
    expect(result.stdout).toContain('Ctrl-C to stop');
    expect(result.stdout.match(/mcp-alertmanager-vattenfall-de/g)).toHaveLength(3);
  }, 90_000);

  it('refuses --watch with --json or another command, and a bad interval', async () => {
    expect((await run(ZX, [MANAGE, 'status', '--watch', '--json'])).stderr).toContain('--watch draws a table');
    expect((await run(ZX, [MANAGE, 'up', '--watch'])).stderr).toContain('--watch goes with status');
    expect((await run(ZX, [MANAGE, 'status', '--watch', '--interval', '0'])).stderr).toContain('--interval must be a number of seconds above 0');
  }, 60_000);
});
