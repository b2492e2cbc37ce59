/**
 * The key of each customer's inputs, as the loader knew them: a hash of its module key and the fleet config's
 * (module-key.ts: each file's content and the content of every local file it imports). Given the cache's assumption
 * that the same file content exports the same value, a customer's validated value and derived model are a function of
 * that key, its id and file, its ports and the fleet-wide settings; an incremental run keys its parts by those instead
 * of serializing and hashing every derived customer (~90 ms a run at 1,000 customers). A customer with no such key (its
 * file imports by a computed name, or was written while it was loaded) is keyed by its derived model, as before.
 */
import { hashOf } from '../cache/code-fingerprint.ts';
import type { Fleet } from './model.ts';

const attached = new WeakMap<Fleet, ReadonlyMap<string, string>>();

/** Records `keys` (customer id → input key) for `fleet`. */
export function attachInputKeys(fleet: Fleet, keys: ReadonlyMap<string, string>): void {
  if (keys.size > 0) attached.set(fleet, keys);
}

/** The input key of customer `id` of `fleet`, when its loader knew one. */
export const inputKeyOf = (fleet: Fleet, id: string): string | undefined => attached.get(fleet)?.get(id);

/**
 * Each customer's input key from the module keys of its file and of the fleet config (`configKey` undefined: there is a
 * config whose key is unknown, so no customer has one; null: there is no config file).
 */
export function inputKeys(customers: Array<{ id: string; moduleKey: string | undefined }>, configKey: string | null | undefined): Map<string, string> {
  const keys = new Map<string, string>();
  if (configKey === undefined) return keys;
  for (const { id, moduleKey } of customers) if (moduleKey !== undefined) keys.set(id, hashOf('customer inputs', configKey ?? 'no fleet config', moduleKey));
  return keys;
}
