/**
 * What a customer is. The file name of a customer module (`customers/<id>.ts`) is its id; the module
 * default-exports `defineCustomer({...})`.
 */
import { z } from 'zod';
import { mcpTypes } from '../mcp-types/index.ts';
import { singleLine } from './fields.ts';

/** The catalog's server schemas as a tuple type, which z.discriminatedUnion needs for inference. */
function serverSchemasOf<T extends readonly { serverSchema: z.ZodObject }[]>(types: T): { -readonly [K in keyof T]: T[K]['serverSchema'] } {
  return types.map((t) => t.serverSchema) as { -readonly [K in keyof T]: T[K]['serverSchema'] };
}

/** One MCP server of a customer: a union discriminated on `type`, one member per catalog entry. */
export const mcpServerSchema = z.discriminatedUnion(
  'type',
  serverSchemasOf(mcpTypes),
);

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
  })
  .superRefine((customer, ctx) => {
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

/** A customer as written in a customer file. */
export type CustomerInput = z.input<typeof customerSchema>;
/** A customer after validation. */
export type Customer = z.output<typeof customerSchema>;
export type McpServerConfig = z.output<typeof mcpServerSchema>;

/** Typed identity for customer files: editors complete and check the fields; validation runs in `pnpm generate`. */
export function defineCustomer(customer: CustomerInput): CustomerInput {
  return customer;
}
