/**
 * Every generator that splits its output by customer (`Generator.incremental`) assembles, from parts made one customer
 * at a time on a fleet holding that customer alone, exactly the files its `generate` makes for the whole fleet — under
 * random fleets and fleet configs. That is what lets an incremental run reuse a cached part.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { buildFleet, type CustomerSource } from '../../fleet/build-fleet.ts';
import { fleetOf } from '../../generators/generator.ts';
import { generators } from '../../generators/index.ts';
import { fleetArbitrary } from './fleet-arbitrary.ts';

const configArbitrary = fc.record(
  {
    agent: fc.record({ replicas: fc.integer({ min: 1, max: 4 }), hostPort: fc.constantFrom(8080, 9090) }),
    imageRegistry: fc.constantFrom('registry.example.com/mirror', 'localhost:5000'),
    monitoring: fc.record({ prometheusOperator: fc.boolean(), scrapeWithToken: fc.boolean() }),
    kubernetes: fc.constant({ externalSecrets: { storeName: 'vault', storeKind: 'ClusterSecretStore' } }),
  },
  { requiredKeys: [] },
);

const split = generators.filter((g) => g.incremental);

function fleetOfSources(customers: CustomerSource[], config: unknown) {
  const result = buildFleet({ customers, config });
  if (!result.ok) throw new Error(JSON.stringify(result.problems.slice(0, 3)));
  return result.fleet;
}

describe('generators split by customer', () => {
  test('the built-in compose, env template, Kubernetes, Swarm and monitoring generators are split', () => {
    expect(split.map((g) => g.name).sort()).toEqual(['compose', 'env', 'k8s', 'monitoring', 'swarm']);
  });

  test.prop([fleetArbitrary, configArbitrary], { numRuns: 40 })('assembling parts made one customer at a time equals generating the whole fleet', async (customers, config) => {
    const fleet = fleetOfSources(customers, config);
    for (const generator of split) {
      const parts = [];
      for (const customer of fleet.customers) parts.push(...(await generator.incremental!.customerParts(fleetOf(fleet, [customer]))));
      expect(parts).toHaveLength(fleet.customers.length);
      expect(generator.incremental!.assemble(fleet, parts), generator.name).toEqual(generator.generate(fleet));
    }
  });

  test('a fleet without customers assembles to the same files as well', async () => {
    const fleet = fleetOfSources([], {});
    for (const generator of split) expect(generator.incremental!.assemble(fleet, []), generator.name).toEqual(generator.generate(fleet));
  });
});
