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
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CACHE_DIR } from '../cache/cache-location.ts';
import { PORTS_LOCK_FILE, type FleetPaths } from '../fleet/load.ts';
import { git, gitObjects } from './git.ts';

/**
 * Makes `folder` hold the inputs of `paths` as they are at `commit` and returns the paths of that copy. A customers
 * folder absent at the commit becomes an empty one (a fleet with no customers yet).
 *
 * `folder` may be empty or hold an earlier copy (`pnpm diff` keeps one in the cache, see review-change.ts): a file
 * already there with the commit's content is left as it is, anything the commit does not have is removed. At 1,000
 * customers, writing every customer file again was 0.7–1.7 s of a diff on this machine (creating a file under /tmp
 * costs ~0.7 ms here); a second diff against a similar base writes the few files that differ.
 */
export async function materializeBaseInputs(paths: FleetPaths, commit: string, folder: string): Promise<FleetPaths> {
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
    root: folder,
    customersDir: path.join(folder, customersDir),
    configFile: path.join(folder, configFile),
    outDir: path.join(folder, outDir),
  };

  // Paths in ls-tree's output are relative to the folder it runs in, as are `<commit>:./path` names. Its object ids
  // tell which files the folder already holds as they are at the commit: only the others are read from git.
  const listed = await git(paths.root, ['ls-tree', '-r', '-z', commit, '--', `${customersDir}/`, configFile, `${outDir}/${PORTS_LOCK_FILE}`]);
  const blobs = new Map(
    listed
      .split('\0')
      .filter(Boolean)
      .flatMap((entry) => {
        const match = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(entry);
        return match ? [[match[2]!, match[1]!] as const] : [];
      }),
  );
  const stale = [...blobs].filter(([file, oid]) => blobIdOf(path.join(folder, file), oid.length) !== oid).map(([file]) => file);
  const contents = stale.length === 0 ? [] : await gitObjects(paths.root, stale.map((file) => `${commit}:./${file}`));
  const wanted = new Map<string, Buffer | null>([...blobs.keys()].map((file) => [file, null]));
  for (const [index, file] of stale.entries()) {
    const content = contents[index];
    if (content) wanted.set(file, content);
    else wanted.delete(file); // listed, yet not readable: left out rather than kept as it was
  }
  const inputs = new Set([customersDir, configFile, outDir].map((p) => p.split('/')[0]!));
  // Every other entry of the working tree, linked: customer files import the schema helpers by relative path.
  const links = new Map(
    readdirSync(paths.root)
      .filter((entry) => entry !== '.git' && entry !== CACHE_DIR && !inputs.has(entry))
      .map((entry) => [entry, path.join(paths.root, entry)]),
  );

  mkdirSync(base.customersDir, { recursive: true });
  removeUnwanted(folder, '', wanted, links);
  for (const [file, content] of wanted) {
    if (content === null) continue; // already there as it is at the commit
    const target = path.join(folder, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  for (const [entry, target] of links) {
    const link = path.join(folder, entry);
    if (linkTarget(link) !== target) {
      rmSync(link, { recursive: true, force: true });
      symlinkSync(target, link);
    }
  }
  return base;
}

/** Removes what under `folder/relative` is neither a wanted file, a folder holding one, nor a link to keep. */
function removeUnwanted(folder: string, relative: string, wanted: Map<string, unknown>, links: Map<string, string>): void {
  for (const entry of readdirSync(path.join(folder, relative), { withFileTypes: true })) {
    const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
    const full = path.join(folder, name);
    if (relative === '' && links.has(name)) continue;
    if (entry.isDirectory() && [...wanted.keys()].some((file) => file.startsWith(`${name}/`))) removeUnwanted(folder, name, wanted, links);
    else if (!(entry.isFile() && wanted.has(name))) rmSync(full, { recursive: true, force: true });
  }
}

/** Git's object id of `file`'s content as a blob (SHA-1, or SHA-256 in a repository that uses it), or undefined when unreadable. */
function blobIdOf(file: string, idLength: number): string | undefined {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch {
    return undefined;
  }
  return createHash(idLength === 64 ? 'sha256' : 'sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

function linkTarget(link: string): string | undefined {
  try {
    return lstatSync(link).isSymbolicLink() ? readlinkSync(link) : undefined;
  } catch {
    return undefined;
  }
}
