/**
 * The public module: customer files, the fleet config and plugins take everything from here.
 */
export { defineCustomer, customerSchema, customerSchemaFor, mcpServerSchema } from './customer.ts';
export type { Customer, CustomerInput, CustomerSchema, McpServerConfig, McpServerInput } from './customer.ts';
export { defineFleetConfig, fleetConfigSchema, fleetConfigSchemaFor } from './fleet-config.ts';
export type { FleetConfig, FleetConfigInput } from './fleet-config.ts';
export { definePlugin, type FleetPlugin, type McpServerInputOf } from './plugin.ts';
export { defineMcpType } from '../mcp-types/mcp-type.ts';
export type { CredentialRef, EnvEntry, HealthProbe, McpType, Resources, RunContext } from '../mcp-types/mcp-type.ts';
export { commonServerFields } from '../mcp-types/server-fields.ts';
export { envVarName, httpUrl, dnsLabel, singleLine } from './fields.ts';
// The zod the schemas are made with: a plugin's server schema must come from the same copy.
export { z } from 'zod';
export type { Generator, GeneratedFile } from '../generators/generator.ts';
export type { Fleet, FleetCustomer, FleetServer, FleetAgent } from '../fleet/model.ts';
export { runtimeConfigSchema } from './runtime-config.ts';
export type { RuntimeConfig, RuntimeServer } from './runtime-config.ts';

/**
 * Server entries by MCP type name, as customer files write them. Empty here: the built-in types (mcp-types/index.ts)
 * and every plugin add their own with a `declare module` block, e.g.
 *
 * ```ts
 * declare module '../../schema/index.ts' {
 *   interface McpServerTypes { prometheus: McpServerInputOf<typeof prometheus> }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface McpServerTypes {}

/** Names of the MCP types the program knows (built-in and plugins'), for typed per-type settings. */
export type McpTypeName = keyof McpServerTypes & string;
