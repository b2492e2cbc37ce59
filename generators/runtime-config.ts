/**
 * out/mcp_servers.json: the agent runtime's view of the fleet in the seed's snake_case format.
 * URLs are the in-network compose URLs; config carries upstream URLs, regions and *_env names only.
 * A customer's `gateway` (its MCP endpoint on the agent: token variable *name*, tool allow/deny lists, whether only
 * locked tools are served) is written when set. The tool locks themselves are not read here: out/ stays a function
 * of customers/ and fleet.config.ts, and the agent reads tool-locks/ itself (docs/tool-locks.md).
 */
import type { Fleet } from '../fleet/model.ts';
import type { CustomerGateway } from '../schema/customer.ts';
import type { RuntimeConfig, RuntimeGateway } from '../schema/runtime-config.ts';
import type { Generator } from './generator.ts';

export const RUNTIME_CONFIG_FILE = 'mcp_servers.json';

/** The folder beside out/ that `pnpm manage tools lock` writes (docs/tool-locks.md): the agent reads it, out/ never holds it. */
export const TOOL_LOCKS_DIR = 'tool-locks';

/** Customers that serve only locked tools (gateway.lockedToolsOnly): the agent needs their locks wherever it runs. */
export const lockedCustomers = (fleet: Fleet) => fleet.customers.filter((customer) => customer.gateway?.lockedToolsOnly);
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
        ...(server.description !== undefined && { description: server.description }),
      })),
      ...gatewayEntry(customer.gateway),
    })),
  };
}

/**
 * `{ gateway: { token_env, allow_tools, deny_tools } }` for a customer whose file sets `gateway`, else `{}` (the key
 * is left out, so files without it are unchanged). Reads `gateway` off the fleet customer, where the fleet model
 * carries it over from the validated customer file.
 */
export function gatewayEntry(gateway: CustomerGateway | undefined): { gateway?: RuntimeGateway } {
  if (!gateway) return {};
  const entry: RuntimeGateway = {
    ...(gateway.tokenEnv !== undefined && { token_env: gateway.tokenEnv }),
    ...(gateway.allowTools !== undefined && { allow_tools: [...gateway.allowTools] }),
    ...(gateway.denyTools !== undefined && { deny_tools: [...gateway.denyTools] }),
    ...(gateway.lockedToolsOnly !== undefined && { locked_tools_only: gateway.lockedToolsOnly }),
  };
  return { gateway: entry };
}

export const toJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

export const runtimeConfigGenerator: Generator = {
  name: 'runtime',
  description: 'mcp_servers.json for the agent runtime (compose URLs)',
  generate(fleet) {
    return [{ path: RUNTIME_CONFIG_FILE, content: toJson(runtimeConfig(fleet, (s) => s.composeUrl, `./${RUNTIME_SCHEMA_FILE}`)) }];
  },
};
