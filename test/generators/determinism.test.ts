import { structuredPatch } from 'diff';
import { afterEach, describe, expect, it } from 'vitest';
import { buildFleet, type CustomerSource } from '../../fleet/build-fleet.ts';
import { generators } from '../../generators/index.ts';
import { FleetRepo, segurcaixa, vattenfall } from '../helpers/fleet-repo.ts';

const source = (id: string, exported: unknown): CustomerSource => ({ id, file: `customers/${id}.ts`, exported });
const nordlicht = {
  name: 'Nordlicht',
  host: 'n.example.com',
  mcpServers: [
    { type: 'grafana', url: 'https://n.example.com', tokenEnv: 'GRAFANA_TOKEN_N' },
    { type: 'grafana', name: 'staging', url: 'https://s.n.example.com', tokenEnv: 'GRAFANA_TOKEN_N_STAGING' },
  ],
};

function render(customers: CustomerSource[]): string {
  const result = buildFleet({ customers });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return JSON.stringify(generators.flatMap((g) => g.generate(result.fleet)));
}

/** Lines of `before` that `after` removed or changed; a JSON line that only gained a trailing comma is unchanged. */
function changedLines(file: string, before: string, after: string): string[] {
  const patch = structuredPatch(file, file, before, after, undefined, undefined, { context: 0 });
  const removed = patch.hunks.flatMap((h) => h.lines.filter((l) => l.startsWith('-')).map((l) => l.slice(1)));
  const added = new Set(patch.hunks.flatMap((h) => h.lines.filter((l) => l.startsWith('+')).map((l) => l.slice(1))));
  return removed.filter((line) => !(file.endsWith('.json') && added.has(`${line},`)));
}

let repo: FleetRepo;
afterEach(() => repo?.dispose());

describe('deterministic output', () => {
  it('is byte-identical across runs and whatever order customers are found in', () => {
    const customers = [source('vattenfall-de', vattenfall), source('segurcaixa', segurcaixa), source('nordlicht', nordlicht)];
    const first = render(customers);
    expect(render(customers)).toBe(first);
    expect(render([...customers].reverse())).toBe(first);
    expect(render([customers[1]!, customers[2]!, customers[0]!])).toBe(first);
  });

  it('adding a customer changes no line that belongs to another customer', async () => {
    repo = new FleetRepo().addCustomer('segurcaixa', segurcaixa).addCustomer('vattenfall-de', vattenfall);
    expect((await repo.run('generate')).code).toBe(0);
    const before = repo.snapshotOut();

    // One id sorts between the existing ones, one after all of them.
    repo.addCustomer('nordlicht', nordlicht).addCustomer('zeta', { name: 'Zeta', host: 'z.example.com', mcpServers: [{ type: 'alertmanager', url: 'http://am.z.example.com' }] });
    expect((await repo.run('generate')).code).toBe(0);
    const after = repo.snapshotOut();

    for (const [file, content] of Object.entries(before)) {
      expect(changedLines(file, content, after[file]!), `${file} changed lines of other customers`).toEqual([]);
    }
    expect(after['docker-compose.mcps.yml']).toContain('mcp-grafana-nordlicht-staging:');
    expect(after['schema/customer.schema.json']).toBe(before['schema/customer.schema.json']);
  });
});
