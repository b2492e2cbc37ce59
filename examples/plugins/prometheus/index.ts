/**
 * Example plugin: an MCP type for Prometheus, served by jeanlopezxyz/mcp-prometheus (npm `mcp-prometheus-linux-amd64`,
 * a static Go binary; image ghcr.io/jeanlopezxyz/mcp-prometheus). List it in fleet.config.ts:
 *
 *   import prometheus from './examples/plugins/prometheus/index.ts';
 *   export default defineFleetConfig({ plugins: [prometheus] });
 *
 * and a customer file can then have `{ type: 'prometheus', url: 'https://prometheus.acme.example.com' }`.
 */
import { commonServerFields, defineMcpType, definePlugin, httpUrl, z, type McpServerInputOf } from '../../../schema/index.ts';

export const prometheus = defineMcpType({
  type: 'prometheus',
  title: 'Prometheus',
  serverSchema: z.strictObject({
    type: z.literal('prometheus'),
    ...commonServerFields,
    url: httpUrl.describe("Base URL of the customer's Prometheus (or Thanos Querier), e.g. https://prometheus.acme.example.com."),
  }),
  image: 'ghcr.io/jeanlopezxyz/mcp-prometheus:2.1.1',
  containerPort: 8000,
  transport: 'streamable-http',
  path: '/mcp',
  // Streamable HTTP on every interface with --port; without it the server speaks stdio.
  args: ({ containerPort }) => ['--port', String(containerPort)],
  env: (server) => [{ name: 'PROMETHEUS_URL', value: server.url }],
  envNames: ['PROMETHEUS_URL', 'KUBECONFIG'],
  runtimeConfig: (server) => ({ prometheus_url: server.url }),
  resources: { cpus: '0.25', memory: '128M' },
  // The image is the binary alone (no shell, no curl) and the server has no health path: Kubernetes opens the port.
  health: { kubernetesProbe: 'tcp' },
});

declare module '../../../schema/index.ts' {
  interface McpServerTypes {
    prometheus: McpServerInputOf<typeof prometheus>;
  }
}

export default definePlugin({
  name: 'prometheus',
  description: 'Prometheus MCP servers (jeanlopezxyz/mcp-prometheus): PromQL queries, targets, rules, alerts',
  mcpTypes: [prometheus],
});
