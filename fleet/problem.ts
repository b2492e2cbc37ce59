/**
 * Errors are values: loading, validation and derivation collect every problem, and the CLI prints them all.
 */
import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import { hasKeyLikeRun } from '../schema/reserved-variables.ts';

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

/** Turns zod issues into problems, adding a suggestion for mistyped keys and saying what was given. */
export function problemsFromZod(file: string, error: z.ZodError, knownKeys: KnownKeys, input: unknown): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(issue.path, input);
      for (const key of issue.keys) {
        const suggestion = known.length > 0 ? closest(key, known) : undefined;
        const hint =
          suggestion && isNear(key, suggestion)
            ? `did you mean "${suggestion}"?`
            : known.length > 0
              ? `remove it; allowed keys: ${known.join(', ')}`
              : 'remove it; nothing may be set here';
        problems.push({ file, path: formatPath([...issue.path, key]), message: `unknown key "${key}": ${hint}` });
      }
      continue;
    }
    problems.push({ file, path: formatPath(issue.path), message: describeIssue(issue, input) });
  }
  return problems;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === 'invalid_type') {
    const given = valueAt(input, issue.path);
    if (!given.present) return `is required (expected ${issue.expected})`;
    if (issue.path.length === 0) return `the default export must be ${article(issue.expected)} (\`export default define…({ … })\`), got ${describeValue(given.value)}`;
    return `expected ${article(issue.expected)}, got ${describeValue(given.value)}`;
  }
  if (issue.code === 'invalid_key') {
    const rule = issue.issues.map((inner) => ('pattern' in inner ? `must match ${String(inner.pattern)}` : inner.message)).join('; ');
    const key = String(issue.path.at(-1));
    return `key "${key}" is not allowed here: a key ${rule || 'has another form'}; rename it (e.g. ${suggestKey(key)})`;
  }
  const options = (issue as { options?: unknown }).options;
  if (issue.code === 'invalid_union' && Array.isArray(options)) {
    return `unknown MCP type; use one of: ${options.map((o) => `'${String(o)}'`).join(', ')}`;
  }
  return issue.message;
}

/** The value at `path` inside `input`, and whether there is one (an absent key and `undefined` are the same). */
function valueAt(input: unknown, path: readonly PropertyKey[]): { present: boolean; value?: unknown } {
  let value = input;
  for (const key of path) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return { present: false };
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value === undefined ? { present: false } : { present: true, value };
}

/**
 * A short, safe description of a given value for a message: the value itself when it is small and cannot be a
 * secret, otherwise only its kind and size (a message is printed and may be logged).
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'bigint') return `the bigint ${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${String(value)}`;
  if (typeof value === 'string') return isSafeToShow(value) ? `the string ${JSON.stringify(value)}` : `a string of ${value.length} characters`;
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (value instanceof Promise) return 'a Promise (export the object itself, not a promise of it)';
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype !== Object.prototype && prototype !== null) return `an instance of ${(value as { constructor?: { name?: string } }).constructor?.name || 'a class'}`;
  return 'an object';
}

/** Short, plain, and without a long run of mixed letters and digits such as a token has. */
function isSafeToShow(value: string): boolean {
  return value.length <= 40 && /^[\w .,:/@+-]*$/.test(value) && !hasKeyLikeRun(value);
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** A key in the accepted form: upper case, `-` and other characters replaced by `_`. */
function suggestKey(key: string): string {
  const cleaned = key.toUpperCase().replaceAll(/[^A-Z0-9_]/g, '_').replace(/^(\d)/, '_$1');
  return cleaned ? `"${cleaned}"` : '"MY_VARIABLE"';
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
