import { z } from 'zod';
import { envVarName, httpUrl } from '../schema/fields.ts';
import { defineMcpType } from './mcp-type.ts';
import { commonServerFields } from './server-fields.ts';

/** Grafana's own MCP server (grafana/mcp-grafana), streamable HTTP on port 8000. */
export const grafana = defineMcpType({
  type: 'grafana',
  title: 'Grafana',
  serverSchema: z.strictObject({
    type: z.literal('grafana'),
    ...commonServerFields,
    url: httpUrl.describe('Base URL of the customer\'s Grafana.'),
    tokenEnv: envVarName.describe('Env var holding a Grafana service-account token.'),
  }),
  image: 'grafana/mcp-grafana:0.17.1',
  containerPort: 8000,
  transport: 'streamable-http',
  path: '/mcp',
  // Since 0.17.1 the server answers 403 to a Host it does not know, so it must list the names clients use.
  args: ({ containerPort, hostnames }) => [
    '-t', 'streamable-http',
    '--address', `0.0.0.0:${containerPort}`,
    '--allowed-hosts', hostnames.join(','),
  ],
  env: (server) => [
    { name: 'GRAFANA_URL', value: server.url },
    {
      name: 'GRAFANA_SERVICE_ACCOUNT_TOKEN',
      // Grafana's MCP docs: when set, the server reads the token from this file (fresh on every request).
      fileEnv: 'GRAFANA_SERVICE_ACCOUNT_TOKEN_FILE',
      credential: {
        variable: server.tokenEnv,
        description: `Grafana service-account token for ${server.url} (Grafana → Administration → Service accounts, role Viewer)`,
      },
    },
  ],
  envNames: ['GRAFANA_URL', 'GRAFANA_SERVICE_ACCOUNT_TOKEN', 'GRAFANA_SERVICE_ACCOUNT_TOKEN_FILE', 'GRAFANA_API_KEY', 'GRAFANA_USERNAME', 'GRAFANA_PASSWORD', 'GRAFANA_ORG_ID'],
  runtimeConfig: (server) => ({ grafana_url: server.url, token_env: server.tokenEnv }),
  resources: { cpus: '0.5', memory: '256M' },
  // The image ships no shell tools, so no in-container check; /healthz serves HTTP probes. It answers 403 to a
  // Host outside --allowed-hosts, and the kubelet's probe sends the pod IP as Host, so Kubernetes opens the port only.
  health: { httpPath: '/healthz', kubernetesProbe: 'tcp' },
});
