/**
 * The built-in MCP types, shipped as a plugin like any other (`builtinPlugin`): the core holds no type-specific code.
 * Adding a built-in type is one file beside this one, one entry in `builtinPlugin.mcpTypes` and one line in the
 * `declare module` block below.
 */
import { definePlugin, type McpServerInputOf } from '../schema/plugin.ts';
import { alertmanager } from './alertmanager.ts';
import { genesys } from './genesys.ts';
import { grafana } from './grafana.ts';
import type { McpType } from './mcp-type.ts';

/** The plugin that ships with mcpfleet: Grafana, Alertmanager and Genesys Cloud. */
export const builtinPlugin = definePlugin({
  name: 'mcpfleet',
  description: 'The MCP types that ship with mcpfleet',
  mcpTypes: [grafana, alertmanager, genesys],
});

declare module '../schema/index.ts' {
  interface McpServerTypes {
    grafana: McpServerInputOf<typeof grafana>;
    alertmanager: McpServerInputOf<typeof alertmanager>;
    genesys: McpServerInputOf<typeof genesys>;
  }
}

/** The built-in types, as the list the schema and the fleet read. */
export const builtinMcpTypes: readonly McpType[] = builtinPlugin.mcpTypes as unknown as readonly McpType[];

/** The built-in types' names. */
export const mcpTypes = builtinPlugin.mcpTypes;
export type McpTypeName = (typeof mcpTypes)[number]['type'];
export const mcpTypeNames = mcpTypes.map((t) => t.type) as [McpTypeName, ...McpTypeName[]];

/** The built-in catalog entry for a type name (which the schema has already checked). */
export function mcpType(name: string): McpType {
  const found = builtinMcpTypes.find((t) => t.type === name);
  if (!found) throw new Error(`unknown MCP type "${name}"; known: ${mcpTypeNames.join(', ')}`);
  return found;
}

export type { CredentialRef, EnvEntry, HealthProbe, McpType, Resources, RunContext } from './mcp-type.ts';
