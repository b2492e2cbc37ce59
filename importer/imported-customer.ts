/**
 * What the import makes of one entry of the source: the customer as a customer file will hold it, with every value the
 * source did not have (a guess) and every source field that is not carried over (a note), and where each customer
 * field came from, so that a schema problem can be reported at its place in the source.
 */
import type { CustomerInput } from '../schema/customer.ts';
import type { SourcePath } from './parse-source.ts';

/** A value the schema needs that the source lacks, filled by convention. */
export interface Guess {
  /** The customer field that holds it, e.g. `mcpServers[0].url`. */
  field: string;
  /** What was missing, as the source spells it: `mcp_servers[0] grafana: no config.grafana_url`. */
  missing: string;
  /** The value used. */
  value: string;
  /** Where the value comes from: `from host`, `from the customer id`. */
  reason: string;
}

/** A field of the source that is not written to the customer file, and why (the reason, e.g. "the fleet derives it"). */
export interface Note {
  source: SourcePath;
  message: string;
}

/** A problem found while mapping, at a place in the source. */
export interface SourceProblem {
  source: SourcePath;
  message: string;
}

/** Which source value a customer field (and everything under it) came from. */
export interface Origin {
  field: ReadonlyArray<string | number>;
  source: SourcePath;
}

export interface ImportedCustomer {
  id: string;
  /** Where the entry is in the source: `['customers', 1]`. */
  source: SourcePath;
  input: CustomerInput;
  guesses: Guess[];
  notes: Note[];
  origins: Origin[];
}

/** The source path a customer field came from: the origin with the longest field path that contains it. */
export function originOf(customer: ImportedCustomer, field: ReadonlyArray<PropertyKey>): SourcePath {
  let best: Origin | undefined;
  for (const origin of customer.origins) {
    const inside = origin.field.length <= field.length && origin.field.every((key, i) => String(key) === String(field[i]));
    if (inside && (!best || origin.field.length > best.field.length)) best = origin;
  }
  return best?.source ?? customer.source;
}
