/**
 * `out/mcp_servers.json`, the file the agent runtime reads. It keeps the seed's snake_case shape because
 * existing consumers read it. Only variable *names* appear, never credential values.
 */
import { z } from 'zod';

export const runtimeServerSchema = z.strictObject({
  type: z.string().describe('MCP type, e.g. grafana.'),
  name: z.string().describe('Server name, unique within the customer; the type unless the customer has two of it.'),
  url: z.url().describe('MCP endpoint as reached from the agent.'),
  transport: z.enum(['streamable-http', 'sse']),
  config: z.record(z.string(), z.string()).describe('Upstream URL, region and *_env variable names.'),
  description: z.string().optional().describe('Free text for operators, from the server entry of the customer file.'),
});

/** The customer's MCP endpoint on the agent runtime: the *name* of its token variable and its tool filter. */
export const runtimeGatewaySchema = z
  .strictObject({
    token_env: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .optional()
      .describe('Env var on the agent holding the bearer token of /customers/<id>/mcp (the name, never the value).'),
    allow_tools: z.array(z.string().min(1)).optional().describe('Only these tools (upstream or namespaced names, * wildcards).'),
    deny_tools: z.array(z.string().min(1)).optional().describe('Never these tools (upstream or namespaced names, * wildcards); wins over allow_tools.'),
    locked_tools_only: z
      .boolean()
      .optional()
      .describe('Serve only the tools of the customer\'s tool lock (<tool locks folder>/<id>.json, the agent\'s --tool-locks); no lock: no tools.'),
  })
  .describe('Settings of the customer\'s MCP endpoint on the agent runtime.');

export const runtimeCustomerSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  host: z.string(),
  mcp_servers: z.array(runtimeServerSchema),
  gateway: runtimeGatewaySchema.optional(),
});

export const runtimeConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  customers: z.array(runtimeCustomerSchema),
});

export type RuntimeConfig = z.output<typeof runtimeConfigSchema>;
export type RuntimeServer = z.output<typeof runtimeServerSchema>;
export type RuntimeGateway = z.output<typeof runtimeGatewaySchema>;
