import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFleet, defaultPaths } from '../fleet/load.ts';
import { allServers } from '../fleet/model.ts';
import { FleetRepo, REPO_ROOT, runCli, snapshotDir } from './helpers/fleet-repo.ts';

describe('no secret value reaches out/ or the console', () => {
  const repo = new FleetRepo();
  afterAll(() => repo.dispose());

  it('with a value planted for every credential variable of the example fleet', async () => {
    const loaded = await loadFleet(defaultPaths(REPO_ROOT));
    if (!loaded.ok) throw new Error('example fleet must be valid');
    const variables = [...new Set(allServers(loaded.fleet).flatMap((s) => s.credentials.map((c) => c.variable)))];
    expect(variables.length).toBeGreaterThanOrEqual(8);
    const planted = Object.fromEntries(variables.map((v) => [v, `planted-${v}-${randomBytes(12).toString('hex')}`]));

    const result = await runCli('generate', ['--root', REPO_ROOT, '--out', repo.outDir], planted);
    expect(result.code).toBe(0);
    const files = snapshotDir(repo.outDir);
    expect(Object.keys(files).length).toBeGreaterThan(5);
    const everything = [result.stdout, result.stderr, ...Object.values(files)].join('\n');
    for (const [variable, value] of Object.entries(planted)) {
      expect(everything, `${variable}'s value leaked`).not.toContain(value);
      expect(everything).toContain(variable);
    }
    expect(path.isAbsolute(repo.outDir)).toBe(true);
  });
});
