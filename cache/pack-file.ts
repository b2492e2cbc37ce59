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
}

/** The entries of the pack at `file`, or none when it is absent, damaged or made under another fingerprint. */
export function readPack<V>(file: string, fingerprint: string): Map<string, V> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return new Map();
  }
  try {
    if (bytes.subarray(0, MAGIC.length).toString() !== MAGIC) return new Map();
    const headerEnd = bytes.indexOf(0x0a, MAGIC.length);
    if (headerEnd < 0) return new Map();
    const header = JSON.parse(bytes.subarray(MAGIC.length, headerEnd).toString()) as PackHeader;
    const payload = bytes.subarray(headerEnd + 1);
    if (header.fingerprint !== fingerprint || payload.length !== header.length || hashOf(payload) !== header.checksum) return new Map();
    const entries = deserialize(payload) as unknown;
    return Array.isArray(entries) ? new Map(entries as Array<[string, V]>) : new Map();
  } catch {
    return new Map();
  }
}

/** A cache folder ignores itself in git (as .pytest_cache does), whatever the repository's own .gitignore says. */
export function ignoreInGit(dir: string): void {
  const marker = path.join(dir, '.gitignore');
  if (!existsSync(marker)) writeFileSync(marker, '# written by mcpfleet: the generation cache is never committed\n*\n');
}

/** Writes `entries` as the pack at `file` (creating its folder); a failure to write leaves the old file and is not fatal. */
export function writePack<V>(file: string, fingerprint: string, entries: Map<string, V>): boolean {
  const payload = serialize([...entries]);
  const header: PackHeader = { fingerprint, length: payload.length, checksum: hashOf(payload) };
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    ignoreInGit(path.dirname(file));
    writeFileSync(temp, Buffer.concat([Buffer.from(`${MAGIC}${JSON.stringify(header)}\n`), payload]));
    renameSync(temp, file);
    return true;
  } catch {
    rmSync(temp, { force: true });
    return false;
  }
}
