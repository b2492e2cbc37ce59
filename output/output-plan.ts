/**
 * Turning generated files into changes under out/: a plan (what to write, keep, remove), applied
 * atomically, or compared for `--check`. A manifest lists what each generator wrote, so files a
 * generator no longer produces are removed, and nothing else in out/ is touched.
 */
import { readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { compare } from '../fleet/compare.ts';
import { GENERATED_MARKER, movedTo, type GeneratedFile } from '../generators/generator.ts';
import { fileStamp } from '../cache/file-stamp.ts';
import { contentHash, stillInOut } from './file-in-out.ts';
import { recordedContent, recordRead, recordWritten, type OutStamps } from './out-stamps.ts';

export const MANIFEST_FILE = 'generated-files.json';

/** Which files each generator wrote. */
export type Manifest = Record<string, string[]>;

export interface OutputPlan {
  /**
   * Files whose content is new or changed. `before` is the content on disk (null when absent), read when first asked
   * for when the plan did not need it: ask before the plan is applied.
   */
  writes: Array<GeneratedFile & { before: string | null; isNew: boolean }>;
  unchanged: string[];
  /** Every file the run produced (the generators' and the manifest), whether it changes or not. */
  produced: GeneratedFile[];
  /** Files a previous run generated that no generator produces now. */
  removals: Array<{ path: string; before: string }>;
}

export interface PlanOptions {
  /** Files of out/ whose content the caller knows (what it wrote last, in `generate --watch`): not read again. */
  known?: ReadonlyMap<string, string>;
  /** Every generator the fleet has now, run or not: the files of a generator that is gone (a plugin no longer listed) are removed too. */
  generatorNames?: readonly string[];
  /** What out/ holds by its files' stamps (out-stamps.ts): a file whose record settles the question is not read. */
  stamps?: OutStamps;
  /** Confirm every change by reading the file (`--check`, which shows the diff): a fresh record does not count. */
  exact?: boolean;
}

/** Plans the changes for the output of the generators that ran (`outputs`, by generator name). */
export async function planOutput(outDir: string, outputs: Map<string, GeneratedFile[]>, options: PlanOptions = {}): Promise<OutputPlan> {
  const { known, generatorNames, stamps, exact = false } = options;
  const previous = await readManifest(outDir);
  const manifest: Manifest = { ...previous };
  const retired = generatorNames ? Object.keys(previous).filter((name) => !generatorNames.includes(name) && !outputs.has(name)) : [];
  for (const name of retired) delete manifest[name];
  for (const [name, files] of outputs) manifest[name] = files.map((f) => f.path).sort(compare);
  const sortedManifest = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => compare(a, b)));

  const files = [...outputs.values()].flat();
  files.push({ path: MANIFEST_FILE, content: `${JSON.stringify({ $comment: GENERATED_MARKER, files: sortedManifest }, null, 2)}\n` });

  const plan: OutputPlan = { writes: [], unchanged: [], produced: files, removals: [] };
  const write = (file: GeneratedFile, before: string | null | (() => string | null)) => plan.writes.push(planned(file, before));
  for (const file of files) {
    assertInside(outDir, file.path);
    // A file out/ is proven to hold already (file-in-out.ts) is neither read nor compared.
    if (stillInOut(file, outDir)) {
      plan.unchanged.push(file.path);
      continue;
    }
    const target = path.join(outDir, file.path);
    const knownContent = known?.get(file.path);
    // One stamp for both: what the record says of the file, and what a read of it may record.
    const stamp = stamps && knownContent === undefined ? fileStamp(target) : undefined;
    const recorded = stamps && stamp !== undefined ? recordedContent(stamps, target, stamp) : undefined;
    if (recorded) {
      const same = recorded.hash === contentHash(file);
      if (same && recorded.settled) {
        plan.unchanged.push(file.path);
        continue;
      }
      if (!same && !exact) {
        write(file, () => readIfExists(target));
        continue;
      }
    }
    const before = knownContent ?? readIfExists(target);
    // A file out/ does not hold is written without its content being asked for here (a part file is read only when
    // written or compared: file-in-out.ts).
    if (before === null || before !== file.content) {
      write(file, before);
      continue;
    }
    plan.unchanged.push(file.path);
    if (stamps && stamp !== undefined) recordRead(stamps, target, stamp, contentHash(file));
  }
  const produced = new Set(files.map((f) => f.path));
  for (const [name, paths] of Object.entries(previous)) {
    if (!outputs.has(name) && !retired.includes(name)) continue;
    for (const stale of paths) {
      if (produced.has(stale)) continue;
      assertInside(outDir, stale);
      const before = readIfExists(path.join(outDir, stale));
      if (before !== null) plan.removals.push({ path: stale, before });
    }
  }
  return plan;
}

/** `file` as a planned write, its content as lazy as it was; `before` read when first asked for if given as a function. */
function planned(file: GeneratedFile, before: string | null | (() => string | null)): OutputPlan['writes'][number] {
  const entry = movedTo(file, file.path);
  if (typeof before !== 'function') return Object.assign(entry, { before, isNew: before === null });
  let read: { content: string | null } | undefined;
  return Object.defineProperties(entry, {
    before: { enumerable: true, get: () => (read ??= { content: before() }).content },
    // Only a file with a record is planned unread, and its record says it exists.
    isNew: { enumerable: true, value: false },
  }) as OutputPlan['writes'][number];
}

/** True when out/ already holds exactly what the plan would write. */
export const isClean = (plan: OutputPlan): boolean => plan.writes.length === 0 && plan.removals.length === 0;

/**
 * Applies a plan: every new file is written beside its target first, then all are renamed into place,
 * so a failure while writing leaves out/ as it was. With `stamps`, what was written is recorded there (out-stamps.ts).
 */
export async function applyPlan(outDir: string, plan: OutputPlan, stamps?: OutStamps): Promise<void> {
  const staged: Array<{ temp: string; target: string }> = [];
  try {
    for (const file of plan.writes) {
      const target = path.join(outDir, file.path);
      await mkdir(path.dirname(target), { recursive: true });
      const temp = `${target}.${process.pid}.tmp`;
      await writeFile(temp, file.content);
      staged.push({ temp, target });
    }
  } catch (error) {
    await Promise.all(staged.map(({ temp }) => rm(temp, { force: true })));
    throw error;
  }
  for (const { temp, target } of staged) await rename(temp, target);
  for (const { path: stale } of plan.removals) await rm(path.join(outDir, stale), { force: true });
  if (stamps) {
    // The produced files, not the plan's copies of them: their content hashes are known already (contentHash).
    const written = new Set(plan.writes.map((file) => file.path));
    recordWritten(stamps, outDir, plan.produced.filter((file) => written.has(file.path)));
    stamps.save();
  }
}

async function readManifest(outDir: string): Promise<Manifest> {
  const text = readIfExists(path.join(outDir, MANIFEST_FILE));
  if (text === null) return {};
  try {
    return (JSON.parse(text) as { files?: Manifest }).files ?? {};
  } catch {
    // An unreadable manifest only means stale files are not found this once; generation still works.
    return {};
  }
}

/** Synchronous: out/ holds thousands of small files, and a thread-pool round trip for each costs more than the read. */
function readIfExists(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function assertInside(outDir: string, relative: string): void {
  const resolved = path.resolve(outDir, relative);
  if (path.isAbsolute(relative) || !resolved.startsWith(path.resolve(outDir) + path.sep)) {
    throw new Error(`generated path "${relative}" would land outside ${outDir}`);
  }
}
