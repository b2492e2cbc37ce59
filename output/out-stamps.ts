/**
 * What the files of out/ hold, as far as their stamps (cache/file-stamp.ts) show without reading them: each record is
 * a file's stamp with the hash of its content then. Two kinds:
 * - settled: the stamp was at least 2 s old when taken, after the file was read and hashed. While the file keeps it,
 *   its content is the recorded one: it is neither read nor hashed again (a customer's whole-file part, file-in-out.ts;
 *   a fleet-wide file that a run left as it was).
 * - fresh: taken right after this tool wrote the file. File times come from a coarse clock, so another write within
 *   the same tick could keep the stamp ("racily clean", as git calls it); a fresh record only ever lets a run skip
 *   reading a file it is about to overwrite anyway (its recorded content differs from the new one). At worst, a file
 *   someone rewrote with exactly the new content within that tick is written once more.
 * Kept in the cache (`out-stamps.pack`), by the file's absolute path.
 */
import path from 'node:path';
import { packPath, type CacheLocation } from '../cache/cache-location.ts';
import { fileStamp, isSettled } from '../cache/file-stamp.ts';
import { PackCache } from '../cache/pack-cache.ts';
import type { GeneratedFile } from '../generators/generator.ts';
import { contentHash } from './file-in-out.ts';

/** A file's stamp and the hash of the content it had with that stamp. */
export interface OutRecord {
  stamp: string;
  hash: string;
  /** Taken right after our own write, before the stamp settled: good only to skip reading a file about to change. */
  fresh?: true;
}

export type OutStamps = PackCache<OutRecord>;

/** The records of the cache at `cache`. */
export const outStamps = (cache: CacheLocation): OutStamps => PackCache.at<OutRecord>(packPath(cache, 'out-stamps.pack'), cache.fingerprint);

/** What `file` (absolute) holds by its record, when its stamp now (`stamp`, taken by the caller) is the recorded one. */
export function recordedContent(stamps: OutStamps, file: string, stamp: string | undefined): { hash: string; settled: boolean } | undefined {
  const record = stamps.get(file);
  if (!record || stamp !== record.stamp) return undefined;
  return { hash: record.hash, settled: !record.fresh };
}

/**
 * After `file` (absolute) was read with the stamp `before` and its content hashed to `hash`: true when it still has that
 * stamp (nothing wrote it during the read), and then, once the stamp has settled, recorded.
 */
export function recordRead(stamps: OutStamps, file: string, before: string | undefined, hash: string): boolean {
  const after = fileStamp(file);
  const kept = after !== undefined && after === before;
  if (kept && isSettled(after)) stamps.set(file, { stamp: after, hash });
  return kept;
}

/** Records the files just written under `outDir` (paths relative to it), each with its stamp now. */
export function recordWritten(stamps: OutStamps, outDir: string, files: readonly GeneratedFile[]): void {
  for (const file of files) {
    const target = path.resolve(outDir, file.path);
    const stamp = fileStamp(target);
    if (stamp !== undefined) stamps.set(target, { stamp, hash: contentHash(file), ...(!isSettled(stamp) && { fresh: true as const }) });
  }
}
