/**
 * The line diff of changed files under out/, git style (`a/out/…`, `b/out/…`, `/dev/null` for a new or
 * removed file), with the number of lines added and removed per file.
 */
import { FILE_HEADERS_ONLY, formatPatch, structuredPatch } from 'diff';
import type { FileChange } from './semantic-diff.ts';

/** The patch of one file. */
export interface FilePatch {
  path: string;
  change: FileChange['change'];
  /** Unified diff text, ending with a newline. */
  patch: string;
  additions: number;
  deletions: number;
}

/** Unified diffs of `files` with `context` lines around each change (3, like git). */
export function unifiedDiff(files: FileChange[], context = 3): FilePatch[] {
  return files.map((file) => {
    const structured = structuredPatch(
      file.before === null ? '/dev/null' : `a/out/${file.path}`,
      file.after === null ? '/dev/null' : `b/out/${file.path}`,
      file.before ?? '',
      file.after ?? '',
      undefined,
      undefined,
      { context },
    );
    let additions = 0;
    let deletions = 0;
    for (const hunk of structured.hunks) {
      for (const line of hunk.lines) {
        if (line.startsWith('+')) additions += 1;
        else if (line.startsWith('-')) deletions += 1;
      }
    }
    const patch = `diff --git a/out/${file.path} b/out/${file.path}\n${formatPatch(structured, FILE_HEADERS_ONLY)}`;
    return { path: file.path, change: file.change, patch: patch.endsWith('\n') ? patch : `${patch}\n`, additions, deletions };
  });
}
