/**
 * What a customer is. The file name of a customer module (`customers/<id>.ts`) is its id; the module
 * default-exports `defineCustomer({...})`. Its servers are entries of the fleet's MCP types: the built-in ones
 * and those of the plugins the fleet config lists, so the schema is made per set of types ({@link customerSchemaFor}).
 */
import { z } from 'zod';
import { builtinMcpTypes } from '../mcp-types/index.ts';
import type { McpType } from '../mcp-types/mcp-type.ts';
import { envVarName, singleLine } from './fields.ts';
import type { McpServerTypes } from './index.ts';
import { serverVariableMessage } from './reserved-variables.ts';

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
    lockedToolsOnly: z
      .boolean()
      .optional()
      .describe(
        'Serve only the tools recorded in tool-locks/<id>.json (pnpm manage tools lock, docs/tool-locks.md): a tool a server starts offering after an upgrade is neither listed nor callable until the lock is written again and reviewed. No lock file: no tools. Applied after allowTools/denyTools.',
      ),
  })
  .describe('The customer\'s MCP endpoint on the agent runtime (one URL for all its servers\' tools): bearer token and tool filter.');

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i;

/** The customer schema for a set of MCP types: `mcpServers` is a union discriminated on `type`, one member per type. */
function buildCustomerSchema(types: readonly McpType[]) {
  // Variables the MCP servers' images read, so a customer's credential cannot take (and override) one of them.
  const serverVariables = new Map(types.flatMap((type) => type.envNames.map((name) => [name, type.type] as const)));
  const servers = z.discriminatedUnion('type', types.map((type) => type.serverSchema) as unknown as [z.ZodObject, ...z.ZodObject[]]);
  return z
    .strictObject({
      name: singleLine.max(100).describe('Display name, unique across the fleet (case-insensitive).'),
      host: z
        .string()
        .regex(HOSTNAME, { message: 'must be a host name such as maas-1203.mon.example.com (no scheme, no path)' })
        .describe('The customer\'s main monitoring host.'),
      description: z.string().optional().describe('Free text for operators; may span lines.'),
      mcpServers: z
        .array(servers)
        .min(1, 'a customer needs at least one MCP server: add an entry such as { type: \'grafana\', … }')
        .describe('The customer\'s MCP servers; two of one type need distinct `name`s.'),
      gateway: customerGatewaySchema.optional(),
    })
    .superRefine((customer, ctx) => {
      for (const { path, name } of variableNames(customer)) {
        const type = serverVariables.get(name);
        if (type) ctx.addIssue({ code: 'custom', path, message: serverVariableMessage(name, type) });
      }
      const seen = new Map<string, number>();
      customer.mcpServers.forEach((server, index) => {
        const entry = server as { type: string; name?: string };
        const key = entry.name ?? entry.type;
        const first = seen.get(key);
        if (first === undefined) seen.set(key, index);
        else
          ctx.addIssue({
            code: 'custom',
            path: ['mcpServers', index, 'name'],
            message: `server name "${key}" is already used by mcpServers[${first}]; give each ${entry.type} server a distinct name (e.g. name: 'staging')`,
          });
      });
    });
}

/** A customer schema: validates what a customer file exports into a {@link Customer}. */
export type CustomerSchema = z.ZodType<Customer, CustomerInput>;

const schemas = new WeakMap<readonly McpType[], CustomerSchema>();

/** The customer schema of a fleet whose MCP types are `types` (made once per list). */
export function customerSchemaFor(types: readonly McpType[]): CustomerSchema {
  let schema = schemas.get(types);
  if (!schema) schemas.set(types, (schema = buildCustomerSchema(types) as unknown as CustomerSchema));
  return schema;
}

/** The customer schema with the built-in MCP types only. */
export const customerSchema = customerSchemaFor(builtinMcpTypes);

/** One MCP server of a customer with the built-in types: a union discriminated on `type`. */
export const mcpServerSchema = z.discriminatedUnion('type', builtinMcpTypes.map((type) => type.serverSchema) as unknown as [z.ZodObject, ...z.ZodObject[]]);

/** Every variable name in a customer: the values of keys ending in `Env` (tokenEnv, basicAuth.passwordEnv, …). */
function variableNames(value: unknown, path: PropertyKey[] = []): Array<{ path: PropertyKey[]; name: string }> {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const at = [...path, Array.isArray(value) ? Number(key) : key];
    return typeof inner === 'string' && key.endsWith('Env') ? [{ path: at, name: inner }] : variableNames(inner, at);
  });
}

/**
 * A server entry as written in a customer file: one member per MCP type the program knows. The built-in types and
 * each plugin add theirs to {@link McpServerTypes} (schema/index.ts) with a `declare module` block, so an editor and
 * `pnpm typecheck` check a plugin type's fields like a built-in's.
 */
export type McpServerInput = McpServerTypes[keyof McpServerTypes];

/** A server entry after validation: the fields every type has, and the type's own. */
export interface McpServerConfig {
  type: string;
  name?: string;
  description?: string;
  [field: string]: unknown;
}

/** The gateway settings of a customer after validation. */
export type CustomerGateway = z.output<typeof customerGatewaySchema>;

/** A customer as written in a customer file. */
export interface CustomerInput {
  name: string;
  host: string;
  description?: string;
  mcpServers: McpServerInput[];
  gateway?: z.input<typeof customerGatewaySchema>;
}

/** A customer after validation. */
export interface Customer {
  name: string;
  host: string;
  description?: string;
  mcpServers: McpServerConfig[];
  gateway?: CustomerGateway;
}

/** Typed identity for customer files: editors complete and check the fields; validation runs in `pnpm generate`. */
export function defineCustomer(customer: CustomerInput): CustomerInput {
  return customer;
}
