/**
 * pnpm new-customer against a throwaway repo: the file it writes validates and generates, its variable names
 * follow the id and never collide, bad ids are refused before anything is written, and answers can be piped.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetRepo, REPO_ROOT, runCli, segurcaixa, snapshotDir, type CliResult } from '../helpers/fleet-repo.ts';

let repo: FleetRepo;
afterEach(() => repo?.dispose());

const newCustomer = (args: string[]): Promise<CliResult> => runCli('new-customer', [...args, '--root', repo.root]);
const customerFile = (id: string) => path.join(repo.customersDir, `${id}.ts`);

describe('pnpm new-customer', () => {
  it('writes a customer that validates, regenerates out/, and prints the credentials to add', async () => {
    repo = new FleetRepo().addCustomer('segurcaixa', segurcaixa);
    const result = await newCustomer(['acme-eu', '--name', 'Acme EU', '--host', 'maas-1300.mon.example.com', '--types', 'grafana,alertmanager,genesys', '--region', 'mypurecloud.de']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const source = readFileSync(customerFile('acme-eu'), 'utf8');
    expect(source).toContain("import { defineCustomer } from '");
    expect(source).toContain("name: 'Acme EU',");
    expect(source).toContain("{ type: 'grafana', url: 'https://maas-1300.mon.example.com', tokenEnv: 'GRAFANA_TOKEN_ACME_EU' }");
    expect(source).toContain("{ type: 'alertmanager', url: 'http://maas-1300.mon.example.com:9093' }");
    expect(source).toContain("clientIdEnv: 'GENESYS_CLIENT_ID_ACME_EU'");
    expect(source).toContain("clientSecretEnv: 'GENESYS_CLIENT_SECRET_ACME_EU'");
    expect(source).toContain("region: 'mypurecloud.de'");

    // The pipeline ran: out/ holds the new customer and is exactly what generate writes.
    expect(repo.read('docker-compose.mcps.yml')).toContain('mcp-genesys-acme-eu:');
    expect(repo.read('env/mcp_credentials.env.example')).toContain('GENESYS_CLIENT_SECRET_ACME_EU=');
    expect(JSON.parse(repo.read('ports.lock.json')).ports).toHaveProperty(['acme-eu/grafana']);
    expect((await repo.run('validate')).code).toBe(0);
    const check = await repo.run('generate', ['--check']);
    expect(check.stdout + check.stderr).toContain('out/ is up to date');
    expect(check.code).toBe(0);

    expect(result.stdout).toContain('wrote customers/acme-eu.ts: grafana, alertmanager, genesys');
    const lines = result.stdout.split('\n');
    const block = lines.slice(lines.findIndex((l) => l.startsWith('Add these lines to mcp_credentials.env')));
    expect(block.filter((l) => /^[A-Z_]+=$/.test(l))).toEqual(['GRAFANA_TOKEN_ACME_EU=', 'GENESYS_CLIENT_ID_ACME_EU=', 'GENESYS_CLIENT_SECRET_ACME_EU=']);
    expect(result.stdout).toContain('--profile acme-eu up -d');
  });

  it('picks variable names no other customer uses', async () => {
    repo = new FleetRepo().addCustomer('acme-legacy', {
      name: 'Acme Legacy',
      host: 'legacy.acme.example.com',
      mcpServers: [{ type: 'grafana', url: 'https://legacy.acme.example.com', tokenEnv: 'GRAFANA_TOKEN_ACME' }],
    });
    const result = await newCustomer(['acme', '--name', 'Acme', '--host', 'acme.example.com', '--types', 'grafana,alertmanager', '--alertmanager-auth']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const source = readFileSync(customerFile('acme'), 'utf8');
    expect(source).toContain("tokenEnv: 'GRAFANA_TOKEN_ACME_2'");
    expect(source).toContain("basicAuth: { usernameEnv: 'ALERTMANAGER_USER_ACME', passwordEnv: 'ALERTMANAGER_PASSWORD_ACME' }");
    expect(result.stdout).toContain('GRAFANA_TOKEN_ACME is used by customers/acme-legacy.ts, so this customer gets GRAFANA_TOKEN_ACME_2');
    expect((await repo.run('validate')).code).toBe(0);
  });

  it('refuses bad ids with a clear message and writes nothing', async () => {
    repo = new FleetRepo().addCustomer('segurcaixa', segurcaixa);
    await repo.run('generate');
    const before = { customers: snapshotDir(repo.customersDir), out: repo.snapshotOut() };
    const cases: Array<[string, string]> = [
      ['Acme', '"Acme" is not a valid customer id: use a lowercase DNS label'],
      ['acme_eu', '"acme_eu" is not a valid customer id'],
      ['acme-', '"acme-" is not a valid customer id'],
      ['a'.repeat(60), 'is not a valid customer id'],
      ['segurcaixa', 'customer "segurcaixa" already exists: customers/segurcaixa.ts'],
      ['all', '"all" is reserved'],
      ['grafana', '"grafana" is reserved'],
    ];
    const results = await Promise.all(cases.map(([id]) => newCustomer([id, '--name', 'Someone', '--host', 'someone.example.com'])));
    results.forEach((result, index) => {
      expect(result.code, cases[index]![0]).toBe(1);
      expect(result.stderr, cases[index]![0]).toContain(cases[index]![1]);
    });
    expect({ customers: snapshotDir(repo.customersDir), out: repo.snapshotOut() }).toEqual(before);
  });

  it('refuses missing or invalid values, leaving customers/ and out/ as they were', async () => {
    repo = new FleetRepo().addCustomer('segurcaixa', segurcaixa);
    await repo.run('generate');
    const before = { customers: snapshotDir(repo.customersDir), out: repo.snapshotOut() };
    // Distinct ids: the runs are parallel, and the last one writes its file for a moment before taking it back.
    const [noName, noRegion, badType, badHost] = await Promise.all([
      newCustomer(['acme-a', '--host', 'acme.example.com']),
      newCustomer(['acme-b', '--name', 'Acme', '--host', 'acme.example.com', '--types', 'genesys']),
      newCustomer(['acme-c', '--name', 'Acme', '--host', 'acme.example.com', '--types', 'grafana,prometheus']),
      newCustomer(['acme', '--name', 'Acme', '--host', 'https://acme.example.com/']),
    ]);
    expect(noName.code).toBe(1);
    expect(noName.stderr).toContain('missing --name');
    expect(noRegion.code).toBe(1);
    expect(noRegion.stderr).toContain('genesys needs --region');
    expect(badType.code).toBe(1);
    expect(badType.stderr).toContain('unknown MCP type "prometheus"');
    // Passes the flag checks, fails validation: the file is taken back.
    expect(badHost.code).toBe(1);
    expect(badHost.stderr).toContain('customers/acme.ts would not validate, so it was not kept');
    expect(badHost.stderr).toContain('customers/acme.ts › host: must be a host name');
    expect(existsSync(customerFile('acme'))).toBe(false);
    expect({ customers: snapshotDir(repo.customersDir), out: repo.snapshotOut() }).toEqual(before);
  });

  it('asks for the values when run interactively (answers piped)', async () => {
    repo = new FleetRepo();
    const answers = ['zeta', 'Zeta Corp', 'zeta.example.com', 'grafana,genesys', 'euw2.pure.cloud', ''].join('\n');
    const result = await new Promise<CliResult>((resolve) => {
      const child = execFile(
        path.join(REPO_ROOT, 'node_modules/.bin/tsx'),
        [path.join(REPO_ROOT, 'cli/new-customer.ts'), '--interactive', '--root', repo.root],
        { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(answers);
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Customer id (file name, e.g. acme-eu):');
    expect(result.stdout).toContain('Genesys Cloud region');
    const source = readFileSync(customerFile('zeta'), 'utf8');
    expect(source).toContain("name: 'Zeta Corp'");
    expect(source).toContain("tokenEnv: 'GRAFANA_TOKEN_ZETA'");
    expect(source).toContain("region: 'euw2.pure.cloud'");
    expect(source).not.toContain("type: 'alertmanager'");
    expect((await repo.run('validate')).code).toBe(0);
  });
});
