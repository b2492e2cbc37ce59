/**
 * Namespaced tool names: `<server name>_<tool name>` (e.g. `grafana_search_dashboards`, `staging_search_dashboards`),
 * so two servers of one customer never collide, always within `^[a-zA-Z0-9_-]{1,64}$` (the limit LLM tool APIs
 * impose). Names that would not fit, or that contain other characters, are shortened deterministically and suffixed
 * with a short hash of the original pair.
 */
import { createHash } from 'node:crypto';

/** What every exposed tool name matches. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** Longest exposed name. */
export const MAX_TOOL_NAME_LENGTH = 64;

const HASH_LENGTH = 8;

/** An upstream tool to be exposed under a namespaced name. */
export interface ToolRef {
  server: string;
  tool: string;
}

function shortHash(server: string, tool: string): string {
  return createHash('sha256').update(`${server}\u0000${tool}`).digest('hex').slice(0, HASH_LENGTH);
}

/** `<prefix>_<hash>` cut so the whole fits in 64 characters. */
function hashed(base: string, server: string, tool: string): string {
  const cleaned = base.replace(/[^a-zA-Z0-9_-]+/g, '_').replace(/_+$/, '') || 'tool';
  return `${cleaned.slice(0, MAX_TOOL_NAME_LENGTH - HASH_LENGTH - 1)}_${shortHash(server, tool)}`;
}

/**
 * The namespaced name for one tool, ignoring collisions: `server_tool` when that is valid, otherwise the sanitized,
 * shortened name with an 8-hex-digit hash of `(server, tool)`.
 */
export function namespacedToolName(server: string, tool: string): string {
  const plain = `${server}_${tool}`;
  return TOOL_NAME_PATTERN.test(plain) ? plain : hashed(plain, server, tool);
}

/**
 * Names for a whole set of tools. Distinct `(server, tool)` pairs that would map to the same name (e.g. server
 * `a_b` tool `c` and server `a` tool `b_c`) all get the hashed form, so the result is collision-free and, barring
 * a 32-bit hash collision, independent of the order of `refs`. `refs` must not contain the same pair twice.
 */
export function assignToolNames(refs: readonly ToolRef[]): string[] {
  const first = refs.map((r) => namespacedToolName(r.server, r.tool));
  const count = new Map<string, number>();
  for (const name of first) count.set(name, (count.get(name) ?? 0) + 1);
  const out = first.map((name, i) => {
    const ref = refs[i]!;
    return (count.get(name) ?? 0) > 1 ? hashed(`${ref.server}_${ref.tool}`, ref.server, ref.tool) : name;
  });
  // A hashed name could, in theory, equal another name; settle that by hashing the later one again with a salt.
  const seen = new Map<string, number>();
  out.forEach((name, i) => {
    const other = seen.get(name);
    if (other !== undefined) {
      const ref = refs[i]!;
      out[i] = hashed(`${ref.server}_${ref.tool}_`, `${ref.server}\u0001`, ref.tool);
    } else seen.set(name, i);
  });
  return out;
}
