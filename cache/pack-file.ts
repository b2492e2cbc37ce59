/**
 * A cache file of keyed entries, written whole and renamed into place, so a reader sees a complete old or new file and
 * two runs at once never interleave (the last one to finish wins). What a reader cannot trust — a missing, truncated,
 * corrupt or foreign file, one made by other code (another fingerprint) — reads as empty: the caller then does the
 * work again and writes a good file. Values travel by V8's structured serialization, so they come back as they went in.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { hashOf } from './code-fingerprint.ts';

const MAGIC = 'mcpfleet-pack 1\n';

interface PackHeader {
  fingerprint: string;
  length: number;
  checksum: string;
  /** In a delta: the checksum of the pack it adds to. */
  base?: string;
}

/**
 * A pack's delta: the entries a run changed or added, beside the pack (`parts-k8s.pack` → `parts-k8s.delta.pack`), for
 * the pack whose checksum it names. Rewriting a whole pack for a one-customer change cost ~80 ms a run at 1,000
 * customers (five packs of 1,000 entries each); a delta is a few entries. Stale (another pack since), damaged or absent,
 * it reads as nothing.
 */
export const deltaFile = (file: string) => file.replace(/\.pack$/, '.delta.pack');

/** The entries of the pack at `file` with its delta's, or none when it is absent, damaged or made under another fingerprint. */
export function readPack<V>(file: string, fingerprint: string): Map<string, V> {
  return readPackWithChecksum<V>(file, fingerprint).entries;
}

/** {@link readPack}, with the checksum of the pack itself (undefined when there is none that can be trusted). */
export function readPackWithChecksum<V>(file: string, fingerprint: string): { entries: Map<string, V>; checksum?: string; fromDelta: Set<string> } {
  const pack = readPackFile<V>(file, fingerprint);
  if (!pack || pack.header.base !== undefined) return { entries: new Map(), fromDelta: new Set() };
  const delta = readPackFile<V>(deltaFile(file), fingerprint);
  const fromDelta = new Set<string>();
  if (delta?.header.base === pack.header.checksum) {
    for (const [key, value] of delta.entries) {
      pack.entries.set(key, value);
      fromDelta.add(key);
    }
  }
  return { entries: pack.entries, checksum: pack.header.checksum, fromDelta };
}

function readPackFile<V>(file: string, fingerprint: string): { entries: Map<string, V>; header: PackHeader } | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  try {
    if (bytes.subarray(0, MAGIC.length).toString() !== MAGIC) return undefined;
    const headerEnd = bytes.indexOf(0x0a, MAGIC.length);
    if (headerEnd < 0) return undefined;
    const header = JSON.parse(bytes.subarray(MAGIC.length, headerEnd).toString()) as PackHeader;
    const payload = bytes.subarray(headerEnd + 1);
    if (header.fingerprint !== fingerprint || payload.length !== header.length || hashOf(payload) !== header.checksum) return undefined;
    const entries = deserialize(payload) as unknown;
    return Array.isArray(entries) ? { entries: new Map(entries as Array<[string, V]>), header } : undefined;
  } catch {
    return undefined;
  }
}

/** A cache folder ignores itself in git (as .pytest_cache does), whatever the repository's own .gitignore says. */
export function ignoreInGit(dir: string): void {
  const marker = path.join(dir, '.gitignore');
  if (!existsSync(marker)) writeFileSync(marker, '# written by mcpfleet: the generation cache is never committed\n*\n');
}

/**
 * Writes `entries` as the pack at `file` (creating its folder), or as its delta when `base` (the checksum of the pack
 * the delta adds to) is given; a whole pack leaves no delta. Returns the checksum of what it wrote; a failure to write
 * leaves the old file and is not fatal (undefined).
 */
export function writePack<V>(file: string, fingerprint: string, entries: Map<string, V>, base?: string): string | undefined {
  const written = writePackFile(base === undefined ? file : deltaFile(file), fingerprint, entries, base);
  if (written !== undefined && base === undefined) rmSync(deltaFile(file), { force: true });
  return written;
}

function writePackFile<V>(file: string, fingerprint: string, entries: Map<string, V>, base: string | undefined): string | undefined {
  const payload = serialize([...entries]);
  const header: PackHeader = { fingerprint, length: payload.length, checksum: hashOf(payload), ...(base !== undefined && { base }) };
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    ignoreInGit(path.dirname(file));
    writeFileSync(temp, Buffer.concat([Buffer.from(`${MAGIC}${JSON.stringify(header)}\n`), payload]));
    renameSync(temp, file);
    return header.checksum;
  } catch {
    rmSync(temp, { force: true });
    return undefined;
  }
}
