import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPaths } from '../../fleet/paths.ts';
import { materializeBaseInputs } from '../../review/base-inputs.ts';
import { baseCustomers, GitFixture } from '../helpers/git-fixture.ts';

const fixture = new GitFixture();
const scratch = mkdtempSync(path.join(tmpdir(), 'mcpfleet-base-inputs-'));
afterAll(() => {
  fixture.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

/** Every entry under `folder`: a file's content, a link's target, a folder as such. */
function tree(folder: string, relative = ''): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const name of readdirSync(path.join(folder, relative))) {
    const entry = relative ? `${relative}/${name}` : name;
    const full = path.join(folder, entry);
    const stat = lstatSync(full);
    if (stat.isSymbolicLink()) entries[entry] = `-> ${readlinkSync(full)}`;
    else if (stat.isDirectory()) Object.assign(entries, { [entry]: '(folder)' }, tree(folder, entry));
    else entries[entry] = readFileSync(full, 'utf8');
  }
  return entries;
}

describe('materializeBaseInputs into a folder kept between diffs', () => {
  it('leaves the folder exactly as a fresh copy of the commit, whatever an earlier copy left there', async () => {
    const [alpha, bravo, charlie] = Object.keys(baseCustomers) as [string, string, string];
    fixture.writeCustomer(alpha, baseCustomers[alpha]!).writeCustomer(bravo, baseCustomers[bravo]!).writeCustomer('delta', { ...baseCustomers[alpha]!, name: 'Delta' });
    writeFileSync(path.join(fixture.root, 'fleet.config.ts'), 'export default {};\n');
    writeFileSync(path.join(fixture.root, 'package.json'), '{ "type": "module" }\n');
    const first = fixture.commit('alpha and bravo');
    fixture.removeCustomer(alpha).writeCustomer(bravo, { ...baseCustomers[bravo]!, name: 'Bravo renamed' }).writeCustomer(charlie, baseCustomers[charlie]!);
    rmSync(path.join(fixture.root, 'fleet.config.ts'));
    mkdirSync(path.join(fixture.root, 'docs'));
    const second = fixture.commit('alpha removed, bravo changed, charlie added, no config, a docs folder');
    const paths = defaultPaths(fixture.root);

    const kept = path.join(scratch, 'kept');
    mkdirSync(kept);
    await materializeBaseInputs(paths, first, kept);
    expect(tree(kept)[`customers/${alpha}.ts`]).toContain('Alpha');
    const unchanged = path.join(kept, 'customers', 'delta.ts');
    const before = statSync(unchanged, { bigint: true });
    // Left there by someone else: not part of any commit's inputs.
    writeFileSync(path.join(kept, 'customers', 'stray.ts'), 'export default {};\n');
    mkdirSync(path.join(kept, 'stray-folder'));
    await materializeBaseInputs(paths, second, kept);
    // A file the folder already holds as it is at the commit (same git blob id) is not written again.
    const after = statSync(unchanged, { bigint: true });
    expect([after.ino, after.mtimeNs, after.ctimeNs]).toEqual([before.ino, before.mtimeNs, before.ctimeNs]);

    const fresh = path.join(scratch, 'fresh');
    mkdirSync(fresh);
    await materializeBaseInputs(paths, second, fresh);
    expect(tree(kept)).toEqual(tree(fresh));
    expect(Object.keys(tree(fresh)).sort()).toEqual(['customers', `customers/${bravo}.ts`, `customers/${charlie}.ts`, 'customers/delta.ts', 'docs', 'package.json'].sort());
    expect(tree(fresh)[`customers/${bravo}.ts`]).toContain('Bravo renamed');
    expect(tree(fresh).docs).toBe(`-> ${path.join(fixture.root, 'docs')}`);
  });
});
