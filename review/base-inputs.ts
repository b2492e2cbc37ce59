/**
 * The inputs of the fleet at a git commit, written to a scratch folder so `loadFleet` can read them like a
 * working tree.
 *
 * Only the *inputs* come from the base commit — customers/, fleet.config.ts and out/ports.lock.json — while the
 * code that validates and generates is always the working tree's. Why:
 * - the comparison then shows what the customer (or fleet config) change does to the fleet, with one set of
 *   rules on both sides, and never mixes in noise from a generator change made on the same branch;
 * - the base commit needs no installed dependencies and no working code: a base whose generators were broken,
 *   or older than a dependency upgrade, still compares;
 * - no second module graph is loaded (two copies of zod, of the type catalog) and no checkout is touched;
 * - a test's fixture repository needs only customer files (plain `export default {…}` objects).
 * A change to the generators themselves is reviewed in the Files tab and guarded by `generate --check`.
 *
 * Customer files import the schema helpers by relative path (`../schema/index.ts`), so every other top-level
 * entry of the working tree (schema/, mcp-types/, node_modules/, package.json, …) is linked into the scratch folder:
 * their imports resolve to the working tree's modules.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PORTS_LOCK_FILE, type FleetPaths } from '../fleet/load.ts';
import { git, gitObjects } from './git.ts';

/**
 * Writes the inputs of `paths` as they are at `commit` into `scratch` (an empty folder) and returns the paths of
 * that copy. A customers folder absent at the commit becomes an empty one (a fleet with no customers yet).
 */
export async function materializeBaseInputs(paths: FleetPaths, commit: string, scratch: string): Promise<FleetPaths> {
  const relativeOf = (target: string, what: string) => {
    const relative = path.relative(paths.root, target);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new Error(`the ${what} (${target}) must be inside the root ${paths.root} to be read from git`);
    }
    return relative.split(path.sep).join('/');
  };
  const customersDir = relativeOf(paths.customersDir, 'customers folder');
  const configFile = relativeOf(paths.configFile, 'fleet config');
  const outDir = relativeOf(paths.outDir, 'out folder');
  const base: FleetPaths = {
    root: scratch,
    customersDir: path.join(scratch, customersDir),
    configFile: path.join(scratch, configFile),
    outDir: path.join(scratch, outDir),
  };

  await mkdir(base.customersDir, { recursive: true });
  // Paths in ls-tree's output are relative to the folder it runs in, as are `<commit>:./path` names.
  const listed = await git(paths.root, ['ls-tree', '-r', '-z', '--name-only', commit, '--', `${customersDir}/`]);
  const files = [...listed.split('\0').filter(Boolean), configFile, `${outDir}/${PORTS_LOCK_FILE}`];
  const contents = await gitObjects(
    paths.root,
    files.map((file) => `${commit}:./${file}`),
  );
  for (const [index, file] of files.entries()) {
    const content = contents[index];
    if (content === null || content === undefined) continue; // the config or the lock is absent at that commit
    await mkdir(path.dirname(path.join(scratch, file)), { recursive: true });
    await writeFile(path.join(scratch, file), content);
  }

  const inputs = new Set([customersDir, configFile, outDir].map((p) => p.split('/')[0]));
  for (const entry of await readdir(paths.root)) {
    if (entry === '.git' || inputs.has(entry) || existsSync(path.join(scratch, entry))) continue;
    await symlink(path.join(paths.root, entry), path.join(scratch, entry));
  }
  return base;
}
