import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import YAML from 'yaml';
import { buildFleet, type CustomerSource } from '../../fleet/build-fleet.ts';
import { GENESYS_REGIONS } from '../../mcp-types/genesys.ts';
import { generators } from '../../generators/index.ts';
import { runtimeConfigJsonSchema } from '../../generators/json-schema.ts';
import { compile2020, dockerComposeConfig, validateComposeSpec } from '../helpers/validators.ts';

const validateRuntime = compile2020(JSON.parse(runtimeConfigJsonSchema()));

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,7}(-[a-z0-9]{1,5})?$/);
const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 });
const singleLine = text.map((s) => s.replace(/[\u0000-\u001f\u007f]/g, '').trim()).filter((s) => s.length > 0);
const urlPath = fc.stringMatching(/^[a-zA-Z0-9$#:'"._~-]{0,12}$/);

/** Random valid customers: unique ids and names; env var names derived from the id so customers never share one. */
const fleetArbitrary = fc
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

function generateAll(customers: CustomerSource[]) {
  const result = buildFleet({ customers });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return { fleet: result.fleet, files: Object.fromEntries(generators.flatMap((g) => g.generate(result.fleet)).map((f) => [f.path, f.content])) };
}

describe('random valid fleets', () => {
  test.prop([fleetArbitrary], { numRuns: 60 })('every output passes its validator and generation is deterministic', (customers) => {
    const { fleet, files } = generateAll(customers);
    expect(generateAll([...customers].reverse()).files).toEqual(files);

    const compose = YAML.parse(files['docker-compose.mcps.yml']!);
    expect(validateComposeSpec(compose), JSON.stringify(validateComposeSpec.errors)).toBe(true);
    const runtime = JSON.parse(files['mcp_servers.json']!);
    expect(validateRuntime(runtime), JSON.stringify(validateRuntime.errors)).toBe(true);

    for (const customer of fleet.customers) {
      const input = customers.find((c) => c.id === customer.id)!.exported as { name: string; description: string; mcpServers: Array<{ tenant?: string }> };
      const entry = runtime.customers.find((c: { id: string }) => c.id === customer.id);
      expect(entry.name).toBe(input.name.trim());
      expect(entry.description).toBe(input.description);
      customer.servers.forEach((server, i) => {
        const tenant = input.mcpServers[i]!.tenant;
        if (tenant !== undefined) expect(compose.services[server.serviceName].environment.ALERTMANAGER_TENANT.replaceAll('$$', '$')).toBe(tenant.trim());
      });
    }
    const env = files['env/mcp_credentials.env.example']!;
    const assignments = env.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(assignments.every((l) => /^[A-Z_][A-Z0-9_]*=$/.test(l))).toBe(true);
  });

  test.prop([fleetArbitrary], { numRuns: 4 })('docker-compose accepts the compose file', async (customers) => {
    const { fleet, files } = generateAll(customers);
    const env = Object.fromEntries(fleet.customers.flatMap((c) => c.servers.flatMap((s) => s.credentials.map((cr) => [cr.variable, 'x']))));
    const result = await dockerComposeConfig(files['docker-compose.mcps.yml']!, env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

