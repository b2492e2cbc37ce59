import { defineCustomer } from '../schema/index.ts';

// No Genesys Cloud: this customer does not have it.
export default defineCustomer({
  name: 'Segurcaixa',
  host: 'maas-1171.mon.sabio.cloud',
  description: 'maas-1171.mon.sabio.cloud',
  mcpServers: [
    { type: 'grafana', url: 'https://maas-1171.mon.sabio.cloud', tokenEnv: 'GRAFANA_TOKEN_SEGURCAIXA' },
    { type: 'alertmanager', url: 'http://maas-1171.mon.sabio.cloud:9093' },
  ],
  // Read-only for MCP clients at the agent's /customers/segurcaixa/mcp endpoint: no silences.
  gateway: { tokenEnv: 'GATEWAY_TOKEN_SEGURCAIXA', denyTools: ['createSilence'] },
});
