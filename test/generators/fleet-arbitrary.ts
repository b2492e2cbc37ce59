/** Random valid fleets for property tests: customer sources with tricky text where the schema allows any. */
import { fc } from '@fast-check/vitest';
import type { CustomerSource } from '../../fleet/build-fleet.ts';
import { GENESYS_REGIONS } from '../../mcp-types/genesys.ts';

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,7}(-[a-z0-9]{1,5})?$/);
const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 });
const singleLine = text.map((s) => s.replace(/[\u0000-\u001f\u007f]/g, '').trim()).filter((s) => s.length > 0);
const urlPath = fc.stringMatching(/^[a-zA-Z0-9$#:'"._~-]{0,12}$/);

/** Random valid customers: unique ids and names; env var names derived from the id so customers never share one. */
export const fleetArbitrary = fc
  .uniqueArray(fc.record({ id: label, name: singleLine, servers: fc.array(fc.constantFrom('grafana', 'alertmanager', 'genesys'), { minLength: 1, maxLength: 4 }), tenant: singleLine, description: text, path: urlPath, region: fc.constantFrom(...GENESYS_REGIONS) }), {
    minLength: 1,
    maxLength: 6,
    selector: (c) => c.id,
  })
  .filter((cs) => new Set(cs.map((c) => c.name.toLocaleLowerCase('en'))).size === cs.length)
  .map((cs) =>
    cs.map(({ id, name, servers, tenant, description, path: p, region }): CustomerSource => {
      const env = id.toUpperCase().replaceAll('-', '_');
      return {
        id,
        file: `customers/${id}.ts`,
        exported: {
          name,
          host: `${id}.example.com`,
          description,
          mcpServers: servers.map((type, i) => {
            const name = `s${i}`;
            if (type === 'grafana') return { type, name, url: `https://${id}.example.com/${p}`, tokenEnv: `GRAFANA_${env}_${i}` };
            if (type === 'alertmanager') return { type, name, url: `http://am.${id}.example.com:9093`, tenant };
            return { type, name, region, clientIdEnv: `GENESYS_ID_${env}_${i}`, clientSecretEnv: `GENESYS_SECRET_${env}_${i}` };
          }),
        },
      };
    }),
  );

