import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import YAML from 'yaml';
import { buildFleet, type CustomerSource } from '../../fleet/build-fleet.ts';
import { generators } from '../../generators/index.ts';
import { runtimeConfigJsonSchema } from '../../generators/json-schema.ts';
import { compile2020, dockerComposeConfig, validateComposeSpec } from '../helpers/validators.ts';
import { fleetArbitrary } from './fleet-arbitrary.ts';

const validateRuntime = compile2020(JSON.parse(runtimeConfigJsonSchema()));

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

