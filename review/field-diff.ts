/**
 * Field-level comparison of two parsed values (a compose service, a Kubernetes object, a customer): which
 * fields changed, named by a readable path such as `environment.GRAFANA_URL` or
 * `spec.template.spec.containers[mcp].env[GRAFANA_URL].value`, with the values before and after.
 */

/** One changed field. `before` is absent when the field was added, `after` when it was removed. */
export interface FieldChange {
  /** Readable path from the object's root; empty when the whole value changed. */
  path: string;
  before?: unknown;
  after?: unknown;
}

/** Array elements are matched by the first of these keys (`id` first: runtime customers have both) that every element of both sides has, unique. */
const ELEMENT_KEYS = ['id', 'name', 'key'] as const;

/**
 * Lists the fields that differ between `before` and `after`, depth first, in the order they appear in `after`
 * (then fields only `before` has).
 *
 * - Objects are compared key by key.
 * - Arrays of objects that all carry a unique `id` (or `name`, `key`) are matched by it, so inserting an element
 *   names only that element (`env[GRAFANA_URL]`), not every later index.
 * - Arrays of scalars (command args, profiles) change as a whole: their indices mean nothing to a reviewer.
 * - Strings that both hold JSON (a ConfigMap carrying mcp_servers.json) are compared as the JSON they hold.
 */
export function diffFields(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (deepEqual(before, after)) return [];
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...Object.keys(after), ...Object.keys(before).filter((k) => !(k in after))];
    return keys.flatMap((key) => {
      const child = joinKey(path, key);
      if (!(key in before)) return [{ path: child, after: after[key] }];
      if (!(key in after)) return [{ path: child, before: before[key] }];
      return diffFields(before[key], after[key], child);
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) return diffArrays(before, after, path);
  if (typeof before === 'string' && typeof after === 'string') {
    const parsed = [parseJsonish(before), parseJsonish(after)];
    if (parsed[0] !== undefined && parsed[1] !== undefined) return diffFields(parsed[0], parsed[1], path);
  }
  return [{ path, before, after }];
}

function diffArrays(before: unknown[], after: unknown[], path: string): FieldChange[] {
  const key = elementKey(before, after);
  if (key) {
    const byKey = new Map(before.map((element) => [String((element as Record<string, unknown>)[key]), element]));
    const seen = new Set<string>();
    const changes: FieldChange[] = [];
    for (const element of after) {
      const id = String((element as Record<string, unknown>)[key]);
      seen.add(id);
      const child = `${path}[${id}]`;
      if (!byKey.has(id)) changes.push({ path: child, after: element });
      else changes.push(...diffFields(byKey.get(id), element, child));
    }
    for (const [id, element] of byKey) if (!seen.has(id)) changes.push({ path: `${path}[${id}]`, before: element });
    return changes;
  }
  const allScalars = [...before, ...after].every((v) => v === null || typeof v !== 'object');
  if (!allScalars && before.length === after.length) return before.flatMap((element, index) => diffFields(element, after[index], `${path}[${index}]`));
  return [{ path, before, after }];
}

function elementKey(before: unknown[], after: unknown[]): string | undefined {
  const all = [...before, ...after];
  if (all.length === 0 || !all.every(isPlainObject)) return undefined;
  return ELEMENT_KEYS.find((key) =>
    [before, after].every((side) => {
      const values = side.map((element) => (element as Record<string, unknown>)[key]);
      return values.every((v) => typeof v === 'string' || typeof v === 'number') && new Set(values).size === values.length;
    }),
  );
}

/** `a.b`, or `a["mcpfleet.io/customer"]` when the key is not a plain word. */
function joinKey(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function parseJsonish(text: string): unknown {
  const trimmed = text.trim();
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

/** True for `{}`-style objects (what YAML and JSON parsers produce), not arrays or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality of parsed YAML/JSON values; key order does not matter, array order does. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}
