/** Public surface for customer files and the fleet config. */
export { defineCustomer, customerSchema, mcpServerSchema } from './customer.ts';
export type { Customer, CustomerInput, McpServerConfig } from './customer.ts';
export { defineFleetConfig, fleetConfigSchema } from './fleet-config.ts';
export type { FleetConfig, FleetConfigInput } from './fleet-config.ts';
export { runtimeConfigSchema } from './runtime-config.ts';
export type { RuntimeConfig, RuntimeServer } from './runtime-config.ts';
