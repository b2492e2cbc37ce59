/**
 * Plugins: what a provider adds to the fleet without forking it. A plugin is a module whose default export is
 * `definePlugin({ name, mcpTypes?, generators? })`; `fleet.config.ts` lists the imported plugins in `plugins: [...]`.
 * The built-in types are a plugin too (mcp-types/index.ts), so a plugin type is as good as a built-in one.
 */
import type { z } from 'zod';
import type { Generator } from '../generators/generator.ts';
import type { McpType } from '../mcp-types/mcp-type.ts';

/** A plugin: MCP types (servers customers can configure) and generators (more outputs under out/). */
export interface FleetPlugin {
  /** Names the plugin in messages and in the fleet config's validated `plugins` list; a lowercase DNS label. */
  name: string;
  /** One line on what the plugin adds. */
  description?: string;
  /** MCP types the plugin adds; each type name must be new to the fleet. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  mcpTypes?: readonly McpType<any>[];
  /** Generators the plugin adds; each generator name must be new to the fleet. They run after the built-in ones. */
  generators?: readonly Generator[];
}

/** Declares a plugin, keeping its exact types for the `declare module` block that types its servers in customer files. */
export function definePlugin<const P extends FleetPlugin>(plugin: P): P {
  return plugin;
}

/**
 * The input type of a server entry of an MCP type, for a plugin's `declare module` block:
 * `interface McpServerTypes { prometheus: McpServerInputOf<typeof prometheus> }`.
 */
export type McpServerInputOf<T extends McpType<z.ZodObject>> = z.input<T['serverSchema']>;
