/** Synthetic fleets for benchmarks: `count` customers with a Grafana, an Alertmanager and a Genesys server each. */
import { buildFleet, type CustomerSource } from '../fleet/build-fleet.ts';
import type { Fleet } from '../fleet/model.ts';

export function syntheticCustomers(count: number): CustomerSource[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `customer-${String(i).padStart(5, '0')}`;
    const env = id.toUpperCase().replaceAll('-', '_');
    return {
      id,
      file: `customers/${id}.ts`,
      exported: {
        name: `Customer ${i}`,
        host: `maas-${i}.mon.example.com`,
        mcpServers: [
          { type: 'grafana', url: `https://maas-${i}.mon.example.com`, tokenEnv: `GRAFANA_TOKEN_${env}` },
          { type: 'alertmanager', url: `http://maas-${i}.mon.example.com:9093` },
          { type: 'genesys', region: 'mypurecloud.de', clientIdEnv: `GENESYS_ID_${env}`, clientSecretEnv: `GENESYS_SECRET_${env}` },
        ],
      },
    };
  });
}

/** The validated Fleet of `count` synthetic customers under fleet config `config`. */
export function syntheticFleet(count: number, config: unknown = {}): Fleet {
  const result = buildFleet({ customers: syntheticCustomers(count), config });
  if (!result.ok) throw new Error(`synthetic fleet is invalid: ${JSON.stringify(result.problems.slice(0, 3))}`);
  return result.fleet;
}
