/**
 * Example plugin: a generator that exports the fleet to a CMDB as CSV (out/cmdb/mcp-servers.csv), one row per MCP
 * server. List it in fleet.config.ts (`plugins: [cmdbExport]`); `pnpm generate` then writes, checks and cleans the
 * file like any other output, and `pnpm diff` shows its changes.
 */
import { definePlugin, type Fleet, type Generator } from '../../../schema/index.ts';

const COLUMNS = ['customer', 'customer_name', 'server', 'type', 'image', 'host_port', 'compose_url', 'kubernetes_url', 'credential_variables'] as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
const field = (value: string | number) => (/[",\r\n]/.test(String(value)) ? `"${String(value).replaceAll('"', '""')}"` : String(value));

export const cmdbGenerator: Generator = {
  name: 'cmdb',
  description: 'CSV export of every MCP server for the CMDB (out/cmdb/mcp-servers.csv)',
  generate: (fleet: Fleet) => {
    const rows = fleet.customers.flatMap((customer) =>
      customer.servers.map((server) =>
        [customer.id, customer.name, server.name, server.type, server.image, server.hostPort, server.composeUrl, server.kubernetesUrl, server.credentials.map((c) => c.variable).join(' ')]
          .map(field)
          .join(','),
      ),
    );
    return [{ path: 'cmdb/mcp-servers.csv', content: `${[COLUMNS.join(','), ...rows].join('\r\n')}\r\n` }];
  },
};

export default definePlugin({
  name: 'cmdb-export',
  description: 'Exports every MCP server of the fleet as CSV for the CMDB',
  generators: [cmdbGenerator],
});
