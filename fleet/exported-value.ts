/**
 * What a module exported, carried from the loader thread to the main thread. Structured clone refuses functions and
 * symbols and flattens class instances, yet validation has to say "got a function" for a default export that is one,
 * so the loader replaces what cannot travel by a marker and the main thread puts a stand-in of the same kind back.
 */

const MARKER = '__mcpfleetExportedValue';

/** How a value that structured clone cannot carry is described across the thread boundary. */
type Marker = { [MARKER]: 'function' | 'symbol' | 'promise' | 'instance'; name: string };

/**
 * A copy of `value` that structured clone can carry. Functions, symbols and promises become markers, class instances
 * other than the ones clone keeps (Date, RegExp, Map, Set) become markers naming their class. Cycles are kept.
 * Throws what a throwing getter throws: that is the module's failure, reported as such.
 */
export function toTransferable(value: unknown, seen = new Map<object, unknown>()): unknown {
  if (typeof value === 'function') return marker('function', value.name);
  if (typeof value === 'symbol') return marker('symbol', value.description ?? '');
  if (value === null || typeof value !== 'object') return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (value instanceof Promise) return marker('promise', 'Promise');
  if (value instanceof Date || value instanceof RegExp) return value;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(toTransferable(item, seen));
    return copy;
  }
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype !== Object.prototype && prototype !== null) {
    return marker('instance', (value as { constructor?: { name?: string } }).constructor?.name ?? 'object');
  }
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const key of Object.keys(value)) copy[key] = toTransferable((value as Record<string, unknown>)[key], seen);
  return copy;
}

/** The inverse of {@link toTransferable}: markers become stand-ins of the same kind (a function, a symbol, …). */
export function fromTransferable(value: unknown, seen = new Set<object>()): unknown {
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  if (isMarker(value)) return standIn(value);
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, index) => (value[index] = fromTransferable(item, seen)));
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = fromTransferable(record[key], seen);
  return value;
}

function marker(kind: Marker[typeof MARKER], name: string): Marker {
  return { [MARKER]: kind, name };
}

function isMarker(value: object): value is Marker {
  return MARKER in value;
}

function standIn(marker: Marker): unknown {
  switch (marker[MARKER]) {
    case 'function':
      return Object.defineProperty(() => undefined, 'name', { value: marker.name });
    case 'symbol':
      return Symbol(marker.name);
    case 'promise':
      return Promise.resolve();
    case 'instance':
      return new (class {})();
  }
}
