/**
 * The MCP type catalog. Adding a type is one file beside this one plus one line in `mcpTypes`.
 */
import { alertmanager } from './alertmanager.ts';
import { genesys } from './genesys.ts';
import { grafana } from './grafana.ts';
import type { McpType } from './mcp-type.ts';

export const mcpTypes = [grafana, alertmanager, genesys] as const;

export type McpTypeName = (typeof mcpTypes)[number]['type'];

export const mcpTypeNames = mcpTypes.map((t) => t.type) as [McpTypeName, ...McpTypeName[]];

/** The catalog entry for a type name (which the schema has already checked). */
export function mcpType(name: string): McpType {
  const found = mcpTypes.find((t) => t.type === name);
  if (!found) throw new Error(`unknown MCP type "${name}"; known: ${mcpTypeNames.join(', ')}`);
  return found as unknown as McpType;
}

export type { CredentialRef, EnvEntry, HealthProbe, McpType, Resources, RunContext } from './mcp-type.ts';
