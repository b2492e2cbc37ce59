import { defineCustomer } from '../schema/index.ts';

export default defineCustomer({
  name: 'Vattenfall DE',
  host: 'maas-1203.mon.sabio.cloud',
  description: 'maas-1203.mon.sabio.cloud',
  mcpServers: [
    { type: 'grafana', url: 'https://maas-1203.mon.sabio.cloud', tokenEnv: 'GRAFANA_TOKEN_VATTENFALL' },
    { type: 'alertmanager', url: 'http://maas-1203.mon.sabio.cloud:9093' },
    {
      type: 'genesys',
      region: 'mypurecloud.de',
      clientIdEnv: 'GENESYS_CLIENT_ID_VATTENFALL',
      clientSecretEnv: 'GENESYS_CLIENT_SECRET_VATTENFALL',
    },
  ],
});
