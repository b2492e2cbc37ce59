import { defineCustomer } from '../schema/index.ts';

// Two Grafanas: production and staging, told apart by name.
export default defineCustomer({
  name: 'Nordlicht Energie',
  host: 'maas-1288.mon.sabio.cloud',
  description: 'Production and staging monitoring stacks',
  mcpServers: [
    { type: 'grafana', url: 'https://maas-1288.mon.sabio.cloud', tokenEnv: 'GRAFANA_TOKEN_NORDLICHT' },
    {
      type: 'grafana',
      name: 'staging',
      url: 'https://maas-1288-staging.mon.sabio.cloud',
      tokenEnv: 'GRAFANA_TOKEN_NORDLICHT_STAGING',
    },
    {
      type: 'alertmanager',
      url: 'https://alertmanager.maas-1288.mon.sabio.cloud',
      basicAuth: { usernameEnv: 'ALERTMANAGER_USER_NORDLICHT', passwordEnv: 'ALERTMANAGER_PASSWORD_NORDLICHT' },
      tenant: 'nordlicht',
    },
  ],
});
