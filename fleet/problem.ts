/**
 * Errors are values: loading, validation and derivation collect every problem, and the CLI prints them all.
 */
import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';

/** One thing wrong with the input, with where it is and what to do. */
export interface Problem {
  /** File the problem is in, relative to the repo root (e.g. customers/acme.ts). */
  file: string;
  /** Field path inside the file's default export, e.g. mcpServers[0].tokenEnv; empty for the whole file. */
  path: string;
  /** What is wrong and how to fix it. */
  message: string;
}

/** Thrown by the pipeline when the input has problems; carries all of them. */
export class FleetProblems extends Error {
  constructor(readonly problems: Problem[]) {
    super(formatProblems(problems));
    this.name = 'FleetProblems';
  }
}

/** Formats a zod path as `mcpServers[0].tokenEnv`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/** The keys an object schema at `path` accepts, for "did you mean" suggestions. */
type KnownKeys = (issuePath: readonly PropertyKey[], input: unknown) => string[];

/** Turns zod issues into problems, adding a suggestion for mistyped keys. */
export function problemsFromZod(file: string, error: z.ZodError, knownKeys: KnownKeys, input: unknown): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(issue.path, input);
      for (const key of issue.keys) {
        const suggestion = known.length > 0 ? closest(key, known) : undefined;
        const hint = suggestion && isNear(key, suggestion) ? `did you mean "${suggestion}"?` : `remove it; allowed keys: ${known.join(', ')}`;
        problems.push({ file, path: formatPath([...issue.path, key]), message: `unknown key "${key}": ${hint}` });
      }
      continue;
    }
    problems.push({ file, path: formatPath(issue.path), message: describeIssue(issue) });
  }
  return problems;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return `is required (expected ${issue.expected})`;
  const options = (issue as { options?: unknown }).options;
  if (issue.code === 'invalid_union' && Array.isArray(options)) {
    return `unknown MCP type; use one of: ${options.map((o) => `'${String(o)}'`).join(', ')}`;
  }
  return issue.message;
}

function isNear(a: string, b: string): boolean {
  return distance(a.toLowerCase(), b.toLowerCase()) <= Math.max(2, Math.floor(b.length / 3));
}

/** Human-readable list: one line per problem, grouped by file, in the order found within a file. */
export function formatProblems(problems: Problem[]): string {
  const lines = [`${problems.length} problem${problems.length === 1 ? '' : 's'} found; nothing was written:`];
  const byFile = [...problems].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const p of byFile) lines.push(`  ${p.file}${p.path ? ` › ${p.path}` : ''}: ${p.message}`);
  return lines.join('\n');
}
