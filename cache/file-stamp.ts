/**
 * A file's stamp, as git's index keeps one: size, modification and change times in ns, and inode. While a file keeps
 * its stamp it has not been written (the change time moves on every write, even one that restores the old content and
 * modification time), so what was learnt from its content still holds.
 */
import { statSync } from 'node:fs';

/**
 * How old a stamp must be before it is kept across processes: file timestamps come from a coarse clock, so a second
 * write within the same tick can keep the stamp (git's "racily clean" entries).
 */
export const SETTLED_MS = 2_000;

/** The stamp of `file`, or undefined when it does not exist. */
export function fileStamp(file: string): string | undefined {
  const stat = statSync(file, { throwIfNoEntry: false, bigint: true });
  return stat ? `${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}:${stat.ino}` : undefined;
}

/** True when neither time in `stamp` is within the last `settledMs`: the stamp may be kept for later processes. */
export function isSettled(stamp: string, settledMs = SETTLED_MS): boolean {
  const [, mtimeNs, ctimeNs] = stamp.split(':');
  const settledBefore = BigInt(Date.now() - settledMs) * 1_000_000n;
  return BigInt(mtimeNs!) < settledBefore && BigInt(ctimeNs!) < settledBefore;
}
