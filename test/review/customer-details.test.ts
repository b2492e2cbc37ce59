/**
 * What an added or removed customer shows a reviewer (URLs, region, host ports, credential variable names, never a
 * value), and that a customer's Swarm stack is filed under that customer.
 */
import { describe, expect, it } from 'vitest';
import { buildFleet, type CustomerSource } from '../../fleet/build-fleet.ts';
import type { Fleet } from '../../fleet/model.ts';
import { Owners, outputObjects } from '../../review/output-objects.ts';
import { detailLines } from '../../review/sections.ts';
import { diffFleets } from '../../review/semantic-diff.ts';
import type { GeneratedFleet } from '../../review/generate-in-memory.ts';
import { runGenerators } from '../../output/run-generators.ts';
import { swarmGenerator } from '../../generators/swarm/index.ts';
import { segurcaixa, vattenfall } from '../helpers/fleet-repo.ts';

const source = (id: string, exported: unknown): CustomerSource => ({ id, file: `customers/${id}.ts`, exported });

function fleetOf(...customers: CustomerSource[]): Fleet {
  const result = buildFleet({ customers });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.fleet;
}

const generated = (fleet: Fleet): GeneratedFleet => ({ fleet, files: new Map(), outputOf: new Map(), generatorNames: [] });

describe('review: added and removed customers in detail', () => {
  const before = fleetOf(source('segurcaixa', segurcaixa));
  const after = fleetOf(source('segurcaixa', segurcaixa), source('vattenfall-de', vattenfall));

  it('lists each server of an added customer with its settings, host port and credential variable names', () => {
    const [added] = diffFleets(generated(before), generated(after)).customers;
    expect(added).toMatchObject({ id: 'vattenfall-de', change: 'added' });
    const customer = after.customers.find((c) => c.id === 'vattenfall-de')!;
    const genesys = customer.servers.find((s) => s.type === 'genesys')!;
    const details = added!.details!;
    expect(details.host).toBe(customer.host);
    expect(details.servers.map((s) => s.hostPort)).toEqual(customer.servers.map((s) => s.hostPort));
    const genesysDetails = details.servers.find((s) => s.server === 'genesys')!;
    expect(genesysDetails.settings).toMatchObject({ region: 'mypurecloud.de' });
    expect(genesysDetails.credentialVariables).toEqual(genesys.credentials.map((c) => c.variable));
    // Credential variable names are listed once, as credentials, not again as settings.
    for (const variable of genesysDetails.credentialVariables) expect(Object.values(genesysDetails.settings)).not.toContain(variable);

    const lines = detailLines(details);
    expect(lines[0]).toBe(`host ${customer.host}`);
    expect(lines.find((l) => l.startsWith('genesys:'))).toBe(
      `genesys: ${Object.entries(genesysDetails.settings).map(([k, v]) => `${k} ${v}`).join(', ')} · host port ${genesys.hostPort} · credentials ${genesysDetails.credentialVariables.join(', ')}`,
    );
  });

  it('describes a removed customer the same way, from the base', () => {
    const [removed] = diffFleets(generated(after), generated(before)).customers;
    expect(removed).toMatchObject({ id: 'vattenfall-de', change: 'removed' });
    expect(removed!.details!.servers.map((s) => s.server)).toEqual(after.customers.find((c) => c.id === 'vattenfall-de')!.servers.map((s) => (s.name === s.type ? s.type : `${s.name} (${s.type})`)));
  });

  it('shows a changed customer by its changed fields only', () => {
    const moved = structuredClone(segurcaixa) as { host: string };
    moved.host = 'moved.example.com';
    const [changed] = diffFleets(generated(before), generated(fleetOf(source('segurcaixa', moved)))).customers;
    expect(changed).toMatchObject({ change: 'changed' });
    expect(changed!.fields.map((f) => f.path)).toContain('host');
    expect(changed!.details).toBeUndefined();
  });
});

describe('review: Swarm stacks', () => {
  it("files a customer's stack objects under the customer, and its network in the agent's stack too", async () => {
    const fleet = fleetOf(source('segurcaixa', segurcaixa), source('vattenfall-de', vattenfall));
    const [swarmFiles] = (await runGenerators(fleet, [swarmGenerator])).values();
    const files = new Map(swarmFiles!.map((f) => [f.path, f.content]));
    const owners = new Owners([fleet]);
    const customerStack = outputObjects('swarm', 'swarm/segurcaixa.yml', files.get('swarm/segurcaixa.yml')!, owners);
    expect(customerStack.length).toBeGreaterThan(2);
    expect(customerStack.every((o) => o.customer === 'segurcaixa')).toBe(true);
    expect(customerStack.map((o) => o.id)).toEqual(expect.arrayContaining(['service mcp-grafana-segurcaixa', 'network mcp-segurcaixa']));

    const agentStack = outputObjects('swarm', 'swarm/agent.yml', files.get('swarm/agent.yml')!, owners);
    expect(agentStack.find((o) => o.id === 'network mcp-vattenfall-de')?.customer).toBe('vattenfall-de');
    expect(agentStack.filter((o) => o.id.startsWith('service ')).every((o) => o.customer === undefined)).toBe(true);
  });
});
