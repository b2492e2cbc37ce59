/**
 * A customer as the text of a hand-written customer file: the schema import, a comment saying where it came from and
 * what was guessed, and `export default defineCustomer({...})` with single-quoted strings, two-space indents,
 * trailing commas, and an object on one line when it fits (as customers/*.ts are written).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImportedCustomer } from './imported-customer.ts';
import { formatPath } from '../fleet/problem.ts';

const WIDTH = 120;
const INDENT = '  ';

/** The file's text. `sourceName` names the imported file in the header (its base name, so no local path is written). */
export function renderCustomer(customer: ImportedCustomer, customersDir: string, sourceName: string): string {
  const header = [
    `// Imported by \`pnpm import\` from ${sourceName} (${formatPath(customer.source)}). The file name is the customer id.`,
    ...(customer.guesses.length > 0
      ? ['// Filled in by the import where the source had no value; check these:', ...customer.guesses.map((g) => `//   ${g.field}: ${g.value} (${g.reason})`)]
      : []),
  ];
  return [
    `import { defineCustomer } from ${quote(schemaImportFrom(customersDir))};`,
    '',
    ...header,
    `export default defineCustomer(${printValue(customer.input, 0, 'export default defineCustomer('.length)});`,
    '',
  ].join('\n');
}

/** A value as TypeScript source at `depth`; `used` is how much of the first line is already taken. */
export function printValue(value: unknown, depth: number, used: number): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (value === undefined) return 'undefined';
  const entries: Array<[string | undefined, unknown]> = Array.isArray(value) ? value.map((v) => [undefined, v]) : Object.entries(value as object);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return `${open}${close}`;
  const key = (k: string | undefined) => (k === undefined ? '' : `${keyText(k)}: `);
  const oneLine = oneLineOf(value);
  // One line when it fits and is not the top-level object (customer files open it).
  // A list of objects (the servers) takes a line per object, as in the hand-written files.
  const listOfObjects = Array.isArray(value) && value.some((v) => v !== null && typeof v === 'object');
  if (depth > 0 && !listOfObjects && used + oneLine.length + 1 <= WIDTH) return oneLine;
  const inner = INDENT.repeat(depth + 1);
  const lines = entries.map(([k, v]) => `${inner}${key(k)}${printValue(v, depth + 1, inner.length + key(k).length)},`);
  return `${open}\n${lines.join('\n')}\n${INDENT.repeat(depth)}${close}`;
}

/** A value on one line: `{ type: 'grafana', url: '…' }`. */
function oneLineOf(value: unknown): string {
  if (value === null || typeof value !== 'object') return printValue(value, 0, 0);
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[${value.map(oneLineOf).join(', ')}]`;
  const entries = Object.entries(value);
  return entries.length === 0 ? '{}' : `{ ${entries.map(([k, v]) => `${keyText(k)}: ${oneLineOf(v)}`).join(', ')} }`;
}

function keyText(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : quote(key);
}

/** A single-quoted TypeScript string. */
export function quote(value: string): string {
  const escaped = value.replaceAll(/[\\'\u0000-\u001f\u007f\u2028\u2029]/g, (c) => {
    if (c === '\\') return '\\\\';
    if (c === "'") return "\\'";
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return `'${escaped}'`;
}

/** The import of the schema helpers as the file must write it: relative, with forward slashes. */
function schemaImportFrom(customersDir: string): string {
  const schema = fileURLToPath(new URL('../schema/index.ts', import.meta.url));
  const relative = path.relative(customersDir, schema).split(path.sep).join('/');
  return relative.startsWith('.') ? relative : `./${relative}`;
}
