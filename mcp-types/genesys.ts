import { z } from 'zod';
import { envVarName } from '../schema/fields.ts';
import { defineMcpType } from './mcp-type.ts';
import { commonServerFields } from './server-fields.ts';

/**
 * Genesys Cloud regions (the host part of the API and login URLs). Each region has its own OAuth
 * endpoint, `https://login.<region>`, so the region decides where the client credentials are valid.
 */
export const GENESYS_REGIONS = [
  'mypurecloud.com',
  'usw2.pure.cloud',
  'use2.us-gov-pure.cloud',
  'cac1.pure.cloud',
  'sae1.pure.cloud',
  'mypurecloud.ie',
  'euw2.pure.cloud',
  'mypurecloud.de',
  'euc2.pure.cloud',
  'mec1.pure.cloud',
  'aps1.pure.cloud',
  'mypurecloud.jp',
  'apne2.pure.cloud',
  'apne3.pure.cloud',
  'mypurecloud.com.au',
] as const;

/**
 * Genesys Cloud MCP server (npm @makingchatbots/genesys-cloud-mcp-server). It speaks stdio only and
 * has no public image, so the repo ships `images/genesys`, which bridges it to streamable HTTP.
 */
export const genesys = defineMcpType({
  type: 'genesys',
  title: 'Genesys Cloud',
  serverSchema: z.strictObject({
    type: z.literal('genesys'),
    ...commonServerFields,
    region: z.enum(GENESYS_REGIONS, {
      error: `must be a Genesys Cloud region (the host of your org's login URL without "login."); use one of: ${GENESYS_REGIONS.join(', ')}`,
    }).describe('Genesys Cloud region host, e.g. mypurecloud.de.'),
    clientIdEnv: envVarName.describe('Env var holding the OAuth client-credentials client id.'),
    clientSecretEnv: envVarName.describe('Env var holding the OAuth client-credentials client secret.'),
  }),
  image: 'mcpfleet/genesys-cloud-mcp:1.0.4',
  buildContext: 'images/genesys',
  containerPort: 8000,
  transport: 'streamable-http',
  path: '/mcp',
  args: () => [],
  env: (server) => [
    { name: 'GENESYSCLOUD_REGION', value: server.region },
    {
      name: 'GENESYSCLOUD_OAUTHCLIENT_ID',
      credential: { variable: server.clientIdEnv, description: `OAuth client id (client credentials grant) in ${server.region}, from Admin → Integrations → OAuth` },
    },
    {
      name: 'GENESYSCLOUD_OAUTHCLIENT_SECRET',
      credential: { variable: server.clientSecretEnv, description: `OAuth client secret of that client in ${server.region}` },
    },
  ],
  envNames: ['GENESYSCLOUD_REGION', 'GENESYSCLOUD_OAUTHCLIENT_ID', 'GENESYSCLOUD_OAUTHCLIENT_SECRET', 'NODE_ENV', 'PORT'],
  runtimeConfig: (server) => ({
    region: server.region,
    api_url: `https://api.${server.region}`,
    oauth_url: `https://login.${server.region}/oauth/token`,
    oauth_client_id_env: server.clientIdEnv,
    oauth_client_secret_env: server.clientSecretEnv,
  }),
  resources: { cpus: '0.5', memory: '256M' },
  // mcp-proxy answers GET /ping; node is in the image, curl is not.
  health: {
    httpPath: '/ping',
    // mcp-proxy answers /ping whatever the Host.
    kubernetesProbe: 'http',
    command: ['node', '-e', "fetch('http://127.0.0.1:8000/ping').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"],
  },
});
