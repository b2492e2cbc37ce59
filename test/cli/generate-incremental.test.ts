/**
 * The incremental CLI as a user meets it: an unchanged fleet ends from the remembered run (and a hand edit in out/ is
 * still caught), --no-cache writes the same out/, and --watch follows saves, leaving out/ alone on a broken one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetRepo, REPO_ROOT, segurcaixa, vattenfall } from '../helpers/fleet-repo.ts';

let repo: FleetRepo;
afterEach(() => repo?.dispose());

/** Polls `condition` every 20 ms for at most `ms`. */
async function waitUntil(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `pnpm generate --watch` on `root`, with what it has printed so far and its exit code once it ends. */
function startWatcher(root: string): { watcher: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const watcher = spawn(path.join(REPO_ROOT, 'node_modules/.bin/tsx'), [path.join(REPO_ROOT, 'cli/generate.ts'), '--root', root, '--watch'], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    // Its own process group: tsx runs the CLI in a child, which a kill of tsx alone would leave running.
    detached: true,
  });
  let output = '';
  watcher.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  watcher.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => watcher.once('exit', (code) => resolve(code)));
  return { watcher, output: () => output, exited };
}

/** Kills what is left of a watcher's process group (tsx and the CLI it runs), by its PID. */
function stopGroup(watcher: ChildProcess): void {
  try {
    if (watcher.pid !== undefined) process.kill(-watcher.pid, 'SIGKILL');
  } catch {
    // ESRCH: the group has ended.
  }
}

describe('pnpm generate, incremental', () => {
  it('ends an unchanged run from the remembered one, still catches a hand edit, and --no-cache writes the same out/', async () => {
    repo = new FleetRepo().addCustomer('vattenfall-de', vattenfall).addCustomer('segurcaixa', segurcaixa);
    expect((await repo.run('generate')).code).toBe(0);
    const cached = readdirSync(path.join(repo.root, '.mcpfleet-cache'), { recursive: true }).map(String);
    expect(cached.map((file) => path.basename(file))).toEqual(expect.arrayContaining(['.gitignore', 'last-run.pack', 'modules.pack', 'parts-compose.pack']));
    const files = Object.keys(repo.snapshotOut()).length;

    const again = await repo.run('generate');
    expect(again.stdout).toMatch(new RegExp(`0 written, ${files} unchanged, 0 removed \\(\\d+ ms, nothing changed since the last run\\)`));
    expect((await repo.run('generate', ['--check'])).stdout).toContain('nothing changed since the last run');

    writeFileSync(path.join(repo.outDir, 'mcp_servers.json'), repo.read('mcp_servers.json').replace('maas-1171', 'maas-9999'));
    const check = await repo.run('generate', ['--check']);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('-      "description": "maas-9999.mon.sabio.cloud",');

    const incremental = (await repo.run('generate'), repo.snapshotOut());
    const full = await repo.run('generate', ['--no-cache']);
    expect(full.stdout).toContain(`0 written, ${files} unchanged`);
    expect(repo.snapshotOut()).toEqual(incremental);
  });

  it('--watch regenerates on a save, prints the problems of a broken save and leaves out/ as it was, and stops on SIGINT', async () => {
    repo = new FleetRepo().addCustomer('vattenfall-de', vattenfall).addCustomer('segurcaixa', segurcaixa);
    const { watcher, output, exited } = startWatcher(repo.root);
    try {
      await waitUntil(() => output().includes('watching customers/ and fleet.config.ts'), 60_000, 'the watcher to start');
      expect(existsSync(path.join(repo.outDir, 'mcp_servers.json'))).toBe(true);

      repo.addCustomer('segurcaixa', { ...segurcaixa, host: 'maas-4242.mon.sabio.cloud' });
      await waitUntil(() => repo.read('mcp_servers.json').includes('maas-4242'), 30_000, 'the save to reach out/mcp_servers.json');
      await waitUntil(() => /✓ \d+ written: .*mcp_servers\.json/.test(output()), 10_000, 'the run to be reported');

      const before = repo.snapshotOut();
      const reported = output().length;
      repo.writeCustomerSource('segurcaixa.ts', "export default { name: 'Segurcaixa', host: 'maas-1171.mon.sabio.cloud', mcpServers: 'x' };\n");
      await waitUntil(() => output().slice(reported).includes('customers/segurcaixa.ts'), 30_000, 'the broken save to be reported');
      expect(output().slice(reported)).toContain('mcpServers');
      expect(output().slice(reported)).toContain('out/ left as it was');
      expect(repo.snapshotOut()).toEqual(before);

      watcher.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      stopGroup(watcher);
    }
  });

  // helped.ts imports ../shared/host.ts: it is never imported again on a thread that imported it (its import would be
  // the old one), while plain customer files are, under a URL of their own per save. Without a package.json the files
  // load as CommonJS through tsx (cached by file name, the other way a re-import could go stale); in an ES module
  // package the plain ones are bundled afresh on every save (bundled-import.ts) and helped.ts goes through tsx.
  it.each(['CommonJS', 'ES module'])('--watch loads every save of a file afresh on its kept loader thread, and a customer whose local import changed with it (%s)', async (kind) => {
    repo = new FleetRepo().addCustomer('vattenfall-de', vattenfall).addCustomer('segurcaixa', segurcaixa);
    if (kind === 'ES module') writeFileSync(path.join(repo.root, 'package.json'), '{ "type": "module" }\n');
    const shared = path.join(repo.root, 'shared');
    mkdirSync(shared);
    writeFileSync(path.join(shared, 'host.ts'), "export const host = 'maas-7001.mon.sabio.cloud';\n");
    const servers = JSON.stringify(segurcaixa.mcpServers).replaceAll('SEGURCAIXA', 'HELPED');
    repo.writeCustomerSource('helped.ts', `import { host } from '../shared/host.ts';\n\nexport default { name: 'Helped', host, mcpServers: ${servers} };\n`);
    const { watcher, output, exited } = startWatcher(repo.root);
    const hostOf = (id: string) => (JSON.parse(repo.read('mcp_servers.json')) as { customers: Array<{ id: string; host: string }> }).customers.find((c) => c.id === id)?.host;
    try {
      await waitUntil(() => output().includes('watching customers/ and fleet.config.ts'), 60_000, 'the watcher to start');
      expect(hostOf('helped')).toBe('maas-7001.mon.sabio.cloud');
      for (const n of [1, 2, 3]) {
        repo.addCustomer('segurcaixa', { ...segurcaixa, host: `maas-500${n}.mon.sabio.cloud` });
        await waitUntil(() => hostOf('segurcaixa') === `maas-500${n}.mon.sabio.cloud`, 30_000, `save ${n} of segurcaixa to reach out/`);
      }
      // The helper changes; a save of another customer starts the run that finds helped.ts's key changed with it.
      writeFileSync(path.join(shared, 'host.ts'), "export const host = 'maas-7002.mon.sabio.cloud';\n");
      repo.addCustomer('segurcaixa', { ...segurcaixa, host: 'maas-5004.mon.sabio.cloud' });
      await waitUntil(() => hostOf('segurcaixa') === 'maas-5004.mon.sabio.cloud', 30_000, 'the last save of segurcaixa to reach out/');
      expect(hostOf('helped')).toBe('maas-7002.mon.sabio.cloud');
      watcher.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      stopGroup(watcher);
    }
  });
});
