import { z } from 'zod';
import { envVarName, httpUrl, singleLine } from '../schema/fields.ts';
import { defineMcpType, type EnvEntry } from './mcp-type.ts';
import { commonServerFields } from './server-fields.ts';

/** Prometheus Alertmanager MCP server (ntk148v/alertmanager-mcp-server), configured by environment only. */
export const alertmanager = defineMcpType({
  type: 'alertmanager',
  title: 'Alertmanager',
  serverSchema: z.strictObject({
    type: z.literal('alertmanager'),
    ...commonServerFields,
    url: httpUrl.describe('Base URL of the customer\'s Alertmanager.'),
    basicAuth: z
      .strictObject({ usernameEnv: envVarName, passwordEnv: envVarName })
      .optional()
      .describe('Env var names for HTTP basic auth, when the Alertmanager requires it.'),
    tenant: singleLine.optional().describe('X-Scope-OrgId for multi-tenant Mimir/Cortex Alertmanagers.'),
  }),
  image: 'ghcr.io/ntk148v/alertmanager-mcp-server:1.0.0',
  containerPort: 8000,
  transport: 'streamable-http',
  path: '/mcp',
  args: () => [],
  env: (server) => {
    const env: EnvEntry[] = [
      { name: 'ALERTMANAGER_URL', value: server.url },
      { name: 'MCP_TRANSPORT', value: 'http' },
      { name: 'MCP_HOST', value: '0.0.0.0' },
      { name: 'MCP_PORT', value: '8000' },
    ];
    if (server.basicAuth) {
      env.push(
        { name: 'ALERTMANAGER_USERNAME', credential: { variable: server.basicAuth.usernameEnv, description: `Basic-auth user for ${server.url}` } },
        { name: 'ALERTMANAGER_PASSWORD', credential: { variable: server.basicAuth.passwordEnv, description: `Basic-auth password for ${server.url}` } },
      );
    }
    if (server.tenant !== undefined) env.push({ name: 'ALERTMANAGER_TENANT', value: server.tenant });
    return env;
  },
  envNames: ['ALERTMANAGER_URL', 'ALERTMANAGER_USERNAME', 'ALERTMANAGER_PASSWORD', 'ALERTMANAGER_TENANT', 'MCP_TRANSPORT', 'MCP_HOST', 'MCP_PORT'],
  runtimeConfig: (server) => ({
    alertmanager_url: server.url,
    ...(server.basicAuth && { username_env: server.basicAuth.usernameEnv, password_env: server.basicAuth.passwordEnv }),
    ...(server.tenant !== undefined && { tenant: server.tenant }),
  }),
  resources: { cpus: '0.5', memory: '256M' },
  health: { httpPath: '/health', kubernetesProbe: 'http', command: ['curl', '-fsS', 'http://127.0.0.1:8000/health'] },
});
