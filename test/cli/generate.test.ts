import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetRepo, segurcaixa, vattenfall } from '../helpers/fleet-repo.ts';

let repo: FleetRepo;
afterEach(() => repo?.dispose());

describe('pnpm generate', () => {
  it('writes every output, then --check passes; a hand edit makes --check fail with a diff and change nothing', async () => {
    repo = new FleetRepo().addCustomer('vattenfall-de', vattenfall).addCustomer('segurcaixa', segurcaixa);
    const first = await repo.run('generate');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const written = Object.keys(repo.snapshotOut()).sort();
    expect(first.stdout).toMatch(new RegExp(`2 customers, 5 servers → ${written.length} written, 0 unchanged, 0 removed \\(\\d+ ms\\)`));
    expect(written).toEqual(
      expect.arrayContaining([
        'docker-compose.mcps.yml',
        'env/mcp_credentials.env.example',
        'generated-files.json',
        'mcp_servers.json',
        'ports.lock.json',
        'schema/customer.schema.json',
        'schema/fleet-config.schema.json',
        'schema/mcp_servers.schema.json',
      ]),
    );
    const manifest = JSON.parse(repo.read('generated-files.json')).files as Record<string, string[]>;
    expect([...Object.values(manifest).flat(), 'generated-files.json'].sort()).toEqual(written);

    expect((await repo.run('generate', ['--check'])).code).toBe(0);
    const again = await repo.run('generate');
    expect(again.stdout).toContain(`0 written, ${written.length} unchanged, 0 removed`);

    const compose = path.join(repo.outDir, 'docker-compose.mcps.yml');
    writeFileSync(compose, repo.read('docker-compose.mcps.yml').replace('restart: "unless-stopped"', 'restart: "always"'));
    const tampered = repo.snapshotOut();
    const check = await repo.run('generate', ['--check']);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('--- a/out/docker-compose.mcps.yml');
    expect(check.stderr).toContain('-    restart: "always"');
    expect(check.stderr).toContain('+    restart: "unless-stopped"');
    expect(repo.snapshotOut()).toEqual(tampered);
  });

  it('removes files it generated before and no longer produces, and leaves other files alone', async () => {
    repo = new FleetRepo().addCustomer('segurcaixa', segurcaixa);
    await repo.run('generate');
    const manifest = JSON.parse(repo.read('generated-files.json'));
    manifest.files.compose.push('old-compose.yml');
    writeFileSync(path.join(repo.outDir, 'generated-files.json'), JSON.stringify(manifest));
    writeFileSync(path.join(repo.outDir, 'old-compose.yml'), 'stale\n');
    writeFileSync(path.join(repo.outDir, 'NOTES.md'), 'mine\n');

    expect((await repo.run('generate', ['--check'])).code).toBe(1);
    const result = await repo.run('generate');
    expect(result.stdout).toContain('removed out/old-compose.yml');
    const files = repo.snapshotOut();
    expect(files['old-compose.yml']).toBeUndefined();
    expect(files['NOTES.md']).toBe('mine\n');
  });

  it('--only runs a subset (plus the port lock) and refuses unknown names', async () => {
    repo = new FleetRepo().addCustomer('segurcaixa', segurcaixa);
    const only = await repo.run('generate', ['--only', 'compose,env']);
    expect(only.code).toBe(0);
    expect(Object.keys(repo.snapshotOut()).sort()).toEqual([
      'docker-compose.agent-replicas.yml',
      'docker-compose.mcps.yml',
      'env/mcp_credentials.env.example',
      'generated-files.json',
      'haproxy/mcp-agent.cfg',
      'ports.lock.json',
    ]);
    const bad = await repo.run('generate', ['--only', 'compose,helm']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown generator "helm"');
  });

  it('keeps every port when a customer is added or removed', async () => {
    repo = new FleetRepo().addCustomer('vattenfall-de', vattenfall).addCustomer('segurcaixa', segurcaixa);
    await repo.run('generate');
    const before = JSON.parse(repo.read('ports.lock.json')).ports;
    repo.addCustomer('acme', { name: 'Acme', host: 'acme.example.com', mcpServers: [{ type: 'alertmanager', url: 'http://am.acme.example.com' }] });
    await repo.run('generate');
    const added = JSON.parse(repo.read('ports.lock.json')).ports;
    expect(added).toMatchObject(before);
    repo.removeCustomer('segurcaixa');
    await repo.run('generate');
    const removed = JSON.parse(repo.read('ports.lock.json')).ports;
    expect(removed['acme/alertmanager']).toBe(added['acme/alertmanager']);
    expect(removed['vattenfall-de/grafana']).toBe(before['vattenfall-de/grafana']);
  });
});

describe('bad input', () => {
  it('lists every problem of every file, exits 1 and leaves out/ byte-identical', async () => {
    repo = new FleetRepo().addCustomer('segurcaixa', segurcaixa);
    expect((await repo.run('generate')).code).toBe(0);
    const before = repo.snapshotOut();

    repo
      .addCustomer('typo', { name: 'Typo', host: 'typo.example.com', mcpServers: [{ type: 'grafana', url: 'https://g.example.com', tokenEnvv: 'GRAFANA_TOKEN_TYPO' }] })
      .addCustomer('empty', { name: 'Empty', host: 'empty.example.com', mcpServers: [] })
      .addCustomer('insecure', { name: 'Insecure', host: 'i.example.com', mcpServers: [{ type: 'alertmanager', url: 'https://user:pw@am.example.com' }] })
      .addCustomer('copycat', { ...segurcaixa, name: 'SEGURCAIXA', mcpServers: [{ type: 'alertmanager', url: 'http://am.example.com' }] })
      .writeCustomerSource('throws.ts', "throw new Error('boom from customer file');\n")
      .writeCustomerSource('no-default.ts', 'export const customer = { name: "x" };\n')
      .writeCustomerSource('Bad_Name.ts', `export default ${JSON.stringify({ name: 'Bad', host: 'bad.example.com', mcpServers: [{ type: 'alertmanager', url: 'http://am.bad.example.com' }] })};\n`);

    const result = await repo.run('generate');
    expect(result.code).toBe(1);
    const expectations = [
      'customers/typo.ts › mcpServers[0].tokenEnvv: unknown key "tokenEnvv": did you mean "tokenEnv"?',
      'customers/typo.ts › mcpServers[0].tokenEnv: is required',
      'customers/empty.ts › mcpServers: a customer needs at least one MCP server',
      'customers/insecure.ts › mcpServers[0].url: must not contain credentials',
      'customers/segurcaixa.ts › name: display name "Segurcaixa" is already used by customers/copycat.ts',
      'customers/throws.ts: failed to load: boom from customer file',
      'customers/no-default.ts: has no default export',
      'customers/Bad_Name.ts: file name "Bad_Name" is not a valid customer id',
    ];
    for (const line of expectations) expect(result.stderr).toContain(line);
    expect(result.stderr).toContain('nothing was written');
    expect(repo.snapshotOut()).toEqual(before);

    expect((await repo.run('validate')).code).toBe(1);
    expect((await repo.run('generate', ['--check'])).code).toBe(1);
    expect(repo.snapshotOut()).toEqual(before);
  });

  it('reports a port lock broken by a merge conflict instead of moving ports', async () => {
    repo = new FleetRepo().addCustomer('segurcaixa', segurcaixa);
    await repo.run('generate');
    writeFileSync(path.join(repo.outDir, 'ports.lock.json'), '<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> branch\n');
    const before = repo.snapshotOut();
    const result = await repo.run('generate');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('out/ports.lock.json: is not valid JSON');
    expect(repo.snapshotOut()).toEqual(before);
  });

  it('pnpm validate passes a good fleet and writes nothing', async () => {
    repo = new FleetRepo().addCustomer('segurcaixa', segurcaixa);
    const result = await repo.run('validate');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('1 customers, 2 servers: valid');
    expect(repo.snapshotOut()).toEqual({});
  });
});
