/**
 * Swarm commands with no Docker engine behind DOCKER_HOST: they must say the engine cannot be reached, in the
 * compose path's words, and exit 1, not claim the engine is "not in a swarm". Needs the docker CLI, no engine.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetRepo, REPO_ROOT, segurcaixa, vattenfall } from '../helpers/fleet-repo.ts';

const repo = new FleetRepo().addCustomer('segurcaixa', segurcaixa).addCustomer('vattenfall-de', vattenfall);
// A socket path in a fresh empty folder: nothing can be listening there.
const socketDir = mkdtempSync(path.join(tmpdir(), 'mcpfleet-no-engine-'));
const dockerHost = `unix://${path.join(socketDir, 'docker.sock')}`;
const swarmDir = path.join(repo.outDir, 'swarm');
const envFile = path.join(repo.root, 'mcp_credentials.env');

function exec(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1', DOCKER_HOST: dockerHost }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const manage = (args: string[]) =>
  exec(path.join(REPO_ROOT, 'node_modules/.bin/zx'), [path.join(REPO_ROOT, 'scripts/manage.mjs'), ...args, '--target', 'swarm', '--swarm-dir', swarmDir, '--env-file', envFile]);

/** The sentence of scripts/lib/docker.mjs's assertEngineReachable, for this DOCKER_HOST. */
const UNREACHABLE = `Cannot reach the Docker engine at DOCKER_HOST=${dockerHost} (`;
const ADVICE = 'start dockerd or point DOCKER_HOST at a running engine.';

beforeAll(async () => {
  const generated = await repo.run('generate');
  if (generated.code !== 0) throw new Error(generated.stderr);
  // Node 20 reads `--env-file F` even after the script name and exits 9 when F is missing, so it must exist.
  writeFileSync(envFile, 'GRAFANA_TOKEN_SEGURCAIXA=not-a-real-token\n');
});

afterAll(() => {
  repo.dispose();
  rmSync(socketDir, { recursive: true, force: true });
});

describe('swarm commands without a reachable Docker engine', () => {
  it.each([
    ['status', ['status']],
    ['up', ['up', '--customer', 'segurcaixa']],
    ['down', ['down']],
  ])('manage.mjs --target swarm %s says the engine is unreachable and exits 1', async (_name, args) => {
    const result = await manage(args);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(UNREACHABLE);
    expect(result.stderr).toContain(ADVICE);
    expect(result.stderr).not.toContain('not in a swarm');
    expect(result.stdout).toBe('');
  });

  it('swarm-secrets.mjs says the engine is unreachable and exits 1', async () => {
    const result = await exec('node', [path.join(REPO_ROOT, 'scripts/swarm-secrets.mjs'), '--swarm-dir', swarmDir, '--env-file', envFile]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(`swarm-secrets: ${UNREACHABLE}`);
    expect(result.stderr).not.toContain('not in a swarm');
  });
});
