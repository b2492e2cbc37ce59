/**
 * What a customer is. The file name of a customer module (`customers/<id>.ts`) is its id; the module
 * default-exports `defineCustomer({...})`.
 */
import { z } from 'zod';
import { mcpTypes } from '../mcp-types/index.ts';
import { envVarName, singleLine } from './fields.ts';
import { serverVariableMessage } from './reserved-variables.ts';

/** Variables the MCP servers' images read, from the catalog, so a new type's names are reserved with it. */
const SERVER_VARIABLES = new Map(mcpTypes.flatMap((type) => type.envNames.map((name) => [name, type.type] as const)));

/** The catalog's server schemas as a tuple type, which z.discriminatedUnion needs for inference. */
function serverSchemasOf<T extends readonly { serverSchema: z.ZodObject }[]>(types: T): { -readonly [K in keyof T]: T[K]['serverSchema'] } {
  return types.map((t) => t.serverSchema) as { -readonly [K in keyof T]: T[K]['serverSchema'] };
}

/** One MCP server of a customer: a union discriminated on `type`, one member per catalog entry. */
export const mcpServerSchema = z.discriminatedUnion(
  'type',
  serverSchemasOf(mcpTypes),
);

/**
 * A tool name or pattern for the gateway's allow/deny lists: an upstream tool name (`createSilence`) or a namespaced
 * one (`alertmanager_createSilence`), where `*` matches any run of characters (`alertmanager_*`, `create*`).
 */
const toolPattern = z
  .string()
  .min(1, 'must not be empty')
  .max(128)
  // MCP tool names are ASCII letters, digits, "_", "-", "." and "/" (spec 2025-11-25, SEP-986); "*" is the wildcard.
  .regex(/^[A-Za-z0-9_./*-]+$/, {
    message: 'must be a tool name or pattern of letters, digits, "_", "-", ".", "/" and the wildcard "*", e.g. createSilence, alertmanager_createSilence or alertmanager_*',
  });

/** Settings of the customer's MCP endpoint on the agent runtime (`/customers/<id>/mcp`). */
export const customerGatewaySchema = z
  .strictObject({
    tokenEnv: envVarName
      .optional()
      .describe('Env var (on the agent runtime) holding the bearer token this customer\'s MCP endpoint requires; only its name is written to mcp_servers.json.'),
    allowTools: z
      .array(toolPattern)
      .optional()
      .describe('Only these tools are offered (upstream or namespaced names, `*` wildcards); absent: all tools.'),
    denyTools: z
      .array(toolPattern)
      .optional()
      .describe('These tools are neither listed nor callable, also through the agent API (upstream or namespaced names, `*` wildcards); wins over allowTools.'),
  })
  .describe('The customer\'s MCP endpoint on the agent runtime (one URL for all its servers\' tools): bearer token and tool filter.');

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i;

export const customerSchema = z
  .strictObject({
    name: singleLine.max(100).describe('Display name, unique across the fleet (case-insensitive).'),
    host: z
      .string()
      .regex(HOSTNAME, { message: 'must be a host name such as maas-1203.mon.example.com (no scheme, no path)' })
      .describe('The customer\'s main monitoring host.'),
    description: z.string().optional().describe('Free text for operators; may span lines.'),
    mcpServers: z
      .array(mcpServerSchema)
      .min(1, 'a customer needs at least one MCP server: add an entry such as { type: \'grafana\', … }')
      .describe('The customer\'s MCP servers; two of one type need distinct `name`s.'),
    gateway: customerGatewaySchema.optional(),
  })
  .superRefine((customer, ctx) => {
    for (const { path, name } of variableNames(customer)) {
      const type = SERVER_VARIABLES.get(name);
      if (type) ctx.addIssue({ code: 'custom', path, message: serverVariableMessage(name, type) });
    }
    const seen = new Map<string, number>();
    customer.mcpServers.forEach((server, index) => {
      const key = server.name ?? server.type;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['mcpServers', index, 'name'],
          message: `server name "${key}" is already used by mcpServers[${first}]; give each ${server.type} server a distinct name (e.g. name: 'staging')`,
        });
    });
  });

/** Every variable name in a customer: the values of keys ending in `Env` (tokenEnv, basicAuth.passwordEnv, …). */
function variableNames(value: unknown, path: PropertyKey[] = []): Array<{ path: PropertyKey[]; name: string }> {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const at = [...path, Array.isArray(value) ? Number(key) : key];
    return typeof inner === 'string' && key.endsWith('Env') ? [{ path: at, name: inner }] : variableNames(inner, at);
  });
}

/** A customer as written in a customer file. */
export type CustomerInput = z.input<typeof customerSchema>;
/** A customer after validation. */
export type Customer = z.output<typeof customerSchema>;
export type McpServerConfig = z.output<typeof mcpServerSchema>;
/** The gateway settings of a customer after validation. */
export type CustomerGateway = z.output<typeof customerGatewaySchema>;

/** Typed identity for customer files: editors complete and check the fields; validation runs in `pnpm generate`. */
export function defineCustomer(customer: CustomerInput): CustomerInput {
  return customer;
}
