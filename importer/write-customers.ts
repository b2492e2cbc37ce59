/**
 * Writes the customer files, all or none: a file that exists is refused unless `force` (every one is listed before
 * anything is written); a write that fails part-way (a file appeared since the check, a full disk) undoes the ones
 * written before it, putting back what --force replaced.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface PlannedFile {
  id: string;
  /** Absolute path. */
  file: string;
  content: string;
}

/** The files of these ids that exist already (`customers/<id>.ts`, or a `.mts` of the same id), absolute. */
export function existingFiles(customersDir: string, ids: readonly string[]): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const id of ids) {
    const files = ['ts', 'mts'].map((extension) => path.join(customersDir, `${id}.${extension}`)).filter((file) => existsSync(file));
    if (files.length > 0) found.set(id, files);
  }
  return found;
}

/** Writes every file; `force` replaces existing ones. Throws, with nothing left written, when one cannot be written. */
export async function writeCustomers(files: readonly PlannedFile[], force: boolean): Promise<{ written: string[]; replaced: string[] }> {
  const done: Array<{ file: string; before: string | undefined }> = [];
  const replaced: string[] = [];
  try {
    for (const { file, content } of files) {
      const before = force && existsSync(file) ? await readFile(file, 'utf8') : undefined;
      // 'wx': never overwrite without --force, even a file that appeared since the check.
      await writeFile(file, content, { flag: force ? 'w' : 'wx' });
      done.push({ file, before });
      if (before !== undefined) replaced.push(file);
    }
  } catch (error) {
    for (const { file, before } of done.reverse()) {
      if (before === undefined) await rm(file, { force: true });
      else await writeFile(file, before);
    }
    throw error;
  }
  return { written: done.map((d) => d.file), replaced };
}
