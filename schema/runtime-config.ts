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
});

export const runtimeCustomerSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  host: z.string(),
  mcp_servers: z.array(runtimeServerSchema),
});

export const runtimeConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  customers: z.array(runtimeCustomerSchema),
});

export type RuntimeConfig = z.output<typeof runtimeConfigSchema>;
export type RuntimeServer = z.output<typeof runtimeServerSchema>;
