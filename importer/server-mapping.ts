/**
 * How a server's `config` in mcp_servers.json maps back to the fields of a customer file, for every MCP type of the
 * catalog. It is not written down a second time: each type's `runtimeConfig()` is run once on a server whose every
 * field holds a marker, and the marker found under a config key names the field that key comes from (`grafana_url` ←
 * `url`, `username_env` ← `basicAuth.usernameEnv`). A key that holds a marker inside other text (`api_url` =
 * `https://api.<region>`) is derived: the import checks it equals what the fleet derives, since it cannot keep another.
 */
import { z } from 'zod';
import { mcpTypes, type McpType } from '../mcp-types/index.ts';
import { commonServerFields } from '../mcp-types/server-fields.ts';

/** One field of a server entry in a customer file (below `type` and the common fields). */
export interface ServerLeaf {
  /** Path inside the server entry: `['url']`, `['basicAuth', 'usernameEnv']`. */
  path: string[];
  /** The top-level field it belongs to when that one is optional (`basicAuth`, `tenant`): absent → left out. */
  optionalGroup?: string;
  /** The config key of mcp_servers.json that holds it, when there is one. */
  configKey?: string;
  /** Allowed values, for an enum field (Genesys regions). */
  options?: readonly string[];
  /** The schema's description of the field. */
  description?: string;
}

export interface TypeMapping {
  type: string;
  mcpType: McpType;
  leaves: ServerLeaf[];
  /** Config keys whose value the fleet computes from the fields (`api_url`, `oauth_url`). */
  derivedKeys: string[];
  /** Every config key the type writes. */
  configKeys: string[];
}

const COMMON = new Set(['type', ...Object.keys(commonServerFields)]);
const marker = (index: number) => `\u0000${index}\u0000`;

let cached: Map<string, TypeMapping> | undefined;

/** The mapping of every type in the catalog, by type name. */
export function typeMappings(): Map<string, TypeMapping> {
  cached ??= new Map(mcpTypes.map((type) => [type.type, mappingOf(type as unknown as McpType)]));
  return cached;
}

function mappingOf(type: McpType): TypeMapping {
  const leaves: ServerLeaf[] = [];
  collectLeaves(type.serverSchema, [], undefined, leaves);
  const sample: Record<string, unknown> = { type: type.type };
  leaves.forEach((leaf, index) => setPath(sample, leaf.path, marker(index)));
  const config = type.runtimeConfig(sample as never);
  const derivedKeys: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    const index = leaves.findIndex((_, i) => value === marker(i));
    if (index >= 0) leaves[index]!.configKey = key;
    else derivedKeys.push(key);
  }
  return { type: type.type, mcpType: type, leaves, derivedKeys, configKeys: Object.keys(config) };
}

function collectLeaves(schema: z.ZodType, path: string[], optionalGroup: string | undefined, into: ServerLeaf[]): void {
  const object = schema as unknown as z.ZodObject;
  for (const [key, field] of Object.entries(object.shape)) {
    if (path.length === 0 && COMMON.has(key)) continue;
    let inner = field as z.ZodType;
    let optional = false;
    while (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault) {
      optional = true;
      inner = inner instanceof z.ZodOptional ? (inner.unwrap() as z.ZodType) : (inner.unwrap() as z.ZodType);
    }
    const group = optionalGroup ?? (optional ? key : undefined);
    if (inner instanceof z.ZodObject) {
      collectLeaves(inner, [...path, key], group, into);
      continue;
    }
    into.push({
      path: [...path, key],
      ...(group !== undefined && { optionalGroup: group }),
      ...(inner instanceof z.ZodEnum && { options: inner.options.map(String) }),
      ...((field.description ?? inner.description) !== undefined && { description: field.description ?? inner.description }),
    });
  }
}

export function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let current = target;
  for (const key of path.slice(0, -1)) {
    current[key] ??= {};
    current = current[key] as Record<string, unknown>;
  }
  current[path.at(-1)!] = value;
}

export function getPath(source: unknown, path: readonly string[]): unknown {
  let current = source;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
