import { compare } from './compare.ts';

/**
 * Stable host ports. A port once given to a server stays with it (the allocation is kept in
 * out/ports.lock.json); a new server takes the lowest free port. So adding or removing a customer
 * never moves another customer's port.
 */
export interface PortRange {
  base: number;
  max: number;
}

export type PortAllocation = Record<string, number>;

/** Allocates a port to every key; `previous` wins where valid, conflicts go to the first key in sort order. */
export function allocatePorts(keys: string[], previous: PortAllocation, range: PortRange): { ports: PortAllocation; exhausted: string[] } {
  const sorted = [...new Set(keys)].sort(compare);
  const taken = new Set<number>();
  const ports: PortAllocation = {};
  for (const key of sorted) {
    const port = previous[key];
    if (port !== undefined && Number.isInteger(port) && port >= range.base && port <= range.max && !taken.has(port)) {
      ports[key] = port;
      taken.add(port);
    }
  }
  const exhausted: string[] = [];
  let candidate = range.base;
  for (const key of sorted) {
    if (ports[key] !== undefined) continue;
    while (taken.has(candidate) && candidate <= range.max) candidate++;
    if (candidate > range.max) {
      exhausted.push(key);
      continue;
    }
    ports[key] = candidate;
    taken.add(candidate);
  }
  return { ports: Object.fromEntries(Object.entries(ports).sort(([a], [b]) => compare(a, b))), exhausted };
}
