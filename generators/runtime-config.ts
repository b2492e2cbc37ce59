/**
 * out/mcp_servers.json: the agent runtime's view of the fleet in the seed's snake_case format.
 * URLs are the in-network compose URLs; config carries upstream URLs, regions and *_env names only.
 */
import type { Fleet } from '../fleet/model.ts';
import type { RuntimeConfig } from '../schema/runtime-config.ts';
import type { Generator } from './generator.ts';

export const RUNTIME_CONFIG_FILE = 'mcp_servers.json';
export const RUNTIME_SCHEMA_FILE = 'schema/mcp_servers.schema.json';

/** The runtime config for one target; `urlOf` picks the URL the agent uses there. */
export function runtimeConfig(fleet: Fleet, urlOf: (server: Fleet['customers'][number]['servers'][number]) => string, schemaRef: string): RuntimeConfig {
  return {
    $schema: schemaRef,
    customers: fleet.customers.map((customer) => ({
      id: customer.id,
      name: customer.name,
      description: customer.description,
      host: customer.host,
      mcp_servers: customer.servers.map((server) => ({
        type: server.type,
        name: server.name,
        url: urlOf(server),
        transport: server.transport,
        config: server.runtimeConfig,
      })),
    })),
  };
}

export const toJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

export const runtimeConfigGenerator: Generator = {
  name: 'runtime',
  description: 'mcp_servers.json for the agent runtime (compose URLs)',
  generate(fleet) {
    return [{ path: RUNTIME_CONFIG_FILE, content: toJson(runtimeConfig(fleet, (s) => s.composeUrl, `./${RUNTIME_SCHEMA_FILE}`)) }];
  },
};
