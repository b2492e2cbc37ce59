/**
 * pnpm import against throwaway repos: the design note's mcp_servers.json imports into customer files from which
 * pnpm generate writes the same runtime config (every mapped field compared, the unmapped ones named with their
 * reason); guesses are listed; existing files are refused without --force; an unmappable entry, a syntax error and a
 * secret are refused with nothing written; the older Grafana-only list imports; --dry-run writes nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetRepo, REPO_ROOT, runCli, segurcaixa, snapshotDir, type CliResult } from '../helpers/fleet-repo.ts';

const FIXTURES = path.join(REPO_ROOT, 'test/cli/fixtures/import');
const fixture = (name: string) => path.join(FIXTURES, name);
/** The design note's example, verbatim (comment included). */
const NOTE_EXAMPLE = fixture('design-note-mcp_servers.json');

const repos: FleetRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.dispose();
});
function newRepo(): FleetRepo {
  const repo = new FleetRepo();
  repos.push(repo);
  return repo;
}
const importInto = (repo: FleetRepo, file: string, ...args: string[]): Promise<CliResult> => runCli('import', [file, '--root', repo.root, ...args]);

/**
 * Fields of the note's example that no customer file can carry, with the reason; every other leaf of the input is
 * compared with the generated runtime config. Paths use [] for any list index.
 */
const UNMAPPED: Record<string, string> = {
  'customers[].mcp_servers[].url':
    "the agent's URL of a server the fleet runs itself: derived from the service name (http://mcp-<type>-<id>:8000/mcp), so the note's http://mcp-grafana-vattenfall:8888/mcp cannot be kept",
};

/** The guesses the import lists for the note's example. */
const NOTE_GUESSES = [
  'vattenfall-de: no id; used vattenfall-de (from name "Vattenfall DE")',
  'segurcaixa: no id; used segurcaixa (from name "Segurcaixa")',
  'segurcaixa: mcp_servers[0] grafana: no config.grafana_url; used https://maas-1171.mon.sabio.cloud (from host)',
  'segurcaixa: mcp_servers[0] grafana: no config.token_env; used GRAFANA_TOKEN_SEGURCAIXA (from the customer id)',
  'segurcaixa: mcp_servers[1] alertmanager: no config.alertmanager_url; used http://maas-1171.mon.sabio.cloud:9093 (from host, with the Alertmanager port 9093)',
];

/** Every leaf of a JSON value with its path (indexes kept) . */
function leaves(value: unknown, at: Array<string | number> = []): Array<{ path: Array<string | number>; value: unknown }> {
  if (value === null || typeof value !== 'object') return [{ path: at, value }];
  return Object.entries(value).flatMap(([key, inner]) => leaves(inner, [...at, Array.isArray(value) ? Number(key) : key]));
}
const pattern = (p: Array<string | number>) => p.map((k) => (typeof k === 'number' ? '[]' : `.${k}`)).join('').replace(/^\./, '').replaceAll('.[]', '[]');
const at = (value: unknown, p: Array<string | number>) => p.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], value);

/** The note's example without its `//` comment, as a value. */
function noteExample(): { customers: Array<Record<string, unknown>> } {
  return JSON.parse(readFileSync(NOTE_EXAMPLE, 'utf8').replaceAll(/^\s*\/\/.*$/gm, '')) as { customers: Array<Record<string, unknown>> };
}

function guessLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.trim().startsWith('guessed:')).map((l) => l.trim().replace(/^guessed: /, ''));
}

describe('pnpm import', () => {
  it("round trip: the design note's example → customer files → generate → the same runtime config on every mapped field", async () => {
    const repo = newRepo();
    const result = await importInto(repo, NOTE_EXAMPLE);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(guessLines(result.stdout)).toEqual(NOTE_GUESSES);
    expect(result.stdout).toContain('customers/vattenfall-de.ts — Vattenfall DE: grafana, alertmanager, genesys (written)');
    expect(result.stdout).toContain('✓ 2 customer files written; 5 values guessed');

    // The files look hand-written.
    const segurcaixaFile = readFileSync(path.join(repo.customersDir, 'segurcaixa.ts'), 'utf8');
    expect(segurcaixaFile).toMatch(/^import \{ defineCustomer \} from '[^']*schema\/index\.ts';\n/);
    expect(segurcaixaFile).toContain("    { type: 'grafana', url: 'https://maas-1171.mon.sabio.cloud', tokenEnv: 'GRAFANA_TOKEN_SEGURCAIXA' },\n");
    expect(segurcaixaFile).toContain('//   mcpServers[0].tokenEnv: GRAFANA_TOKEN_SEGURCAIXA (from the customer id)');
    expect(segurcaixaFile).toMatch(/\nexport default defineCustomer\(\{\n[\s\S]*\n\}\);\n$/);

    // Only the runtime config is compared; the other generators are left out to keep the test short.
    const generate = await repo.run('generate', ['--only', 'runtime']);
    expect(generate.stderr).toBe('');
    expect(generate.code).toBe(0);
    const output = JSON.parse(repo.read('mcp_servers.json')) as { customers: Array<Record<string, unknown> & { name: string }> };

    const input = noteExample();
    expect(output.customers.map((c) => c.name).sort()).toEqual(input.customers.map((c) => c.name as string).sort());
    const compared: string[] = [];
    const skipped = new Set<string>();
    for (const [index, customer] of input.customers.entries()) {
      const generated = output.customers.find((c) => c.name === customer.name);
      expect((generated!.mcp_servers as unknown[]).length, `customers[${index}] servers`).toBe((customer.mcp_servers as unknown[]).length);
      for (const leaf of leaves(customer)) {
        const key = pattern(['customers', index, ...leaf.path]);
        if (key in UNMAPPED) {
          skipped.add(key);
          continue;
        }
        expect(at(generated, leaf.path), `customers[${index}].${pattern(leaf.path)}`).toEqual(leaf.value);
        compared.push(key);
      }
    }
    // What was compared: every other field of the note (names, hosts, descriptions, types, upstream URLs, region, variables).
    expect(new Set(compared)).toEqual(
      new Set([
        'customers[].name',
        'customers[].description',
        'customers[].host',
        'customers[].mcp_servers[].type',
        'customers[].mcp_servers[].config.grafana_url',
        'customers[].mcp_servers[].config.token_env',
        'customers[].mcp_servers[].config.alertmanager_url',
        'customers[].mcp_servers[].config.region',
        'customers[].mcp_servers[].config.oauth_client_id_env',
        'customers[].mcp_servers[].config.oauth_client_secret_env',
      ]),
    );
    expect([...skipped]).toEqual(Object.keys(UNMAPPED));
    // The guessed values are what the generated config holds for the Grafana and Alertmanager without config.
    const generatedSegurcaixa = output.customers.find((c) => c.name === 'Segurcaixa')!;
    expect(at(generatedSegurcaixa, ['mcp_servers', 0, 'config'])).toEqual({ grafana_url: 'https://maas-1171.mon.sabio.cloud', token_env: 'GRAFANA_TOKEN_SEGURCAIXA' });
    expect(at(generatedSegurcaixa, ['mcp_servers', 1, 'config'])).toEqual({ alertmanager_url: 'http://maas-1171.mon.sabio.cloud:9093' });

    // What generate wrote imports back to the same customer files (its ids, transports and derived Genesys URLs included).
    const again = newRepo();
    const reimport = await importInto(again, path.join(repo.outDir, 'mcp_servers.json'));
    expect(reimport.stderr).toBe('');
    expect(guessLines(reimport.stdout)).toEqual([]);
    const generateAgain = await again.run('generate', ['--only', 'runtime']);
    expect(generateAgain.code).toBe(0);
    expect(again.read('mcp_servers.json')).toBe(repo.read('mcp_servers.json'));
  });

  it('--dry-run lists what would be written and writes nothing', async () => {
    const repo = newRepo();
    const result = await importInto(repo, NOTE_EXAMPLE, '--dry-run');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('customers/segurcaixa.ts — Segurcaixa: grafana, alertmanager (would be written)');
    expect(guessLines(result.stdout)).toEqual(NOTE_GUESSES);
    expect(result.stdout).toContain('Dry run: nothing was written; 2 customer files would be written');
    expect(snapshotDir(repo.customersDir)).toEqual({});
  });

  it('refuses existing customer files (all listed, none changed) unless --force', async () => {
    const repo = newRepo().addCustomer('segurcaixa', segurcaixa);
    const before = snapshotDir(repo.customersDir);
    const refused = await importInto(repo, NOTE_EXAMPLE);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('1 problem found; nothing was written:');
    expect(refused.stderr).toContain(
      'test/cli/fixtures/import/design-note-mcp_servers.json › customers[1] (line 34:5): would be customer "segurcaixa", but',
    );
    expect(refused.stderr).toContain('customers/segurcaixa.ts exists already; the import never overwrites a customer file: pass --force to replace it');
    expect(snapshotDir(repo.customersDir)).toEqual(before);

    const forced = await importInto(repo, NOTE_EXAMPLE, '--force');
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('customers/segurcaixa.ts — Segurcaixa: grafana, alertmanager (replaced)');
    expect(forced.stdout).toMatch(/2 customer files written \(1 replaced: .*segurcaixa\.ts\)/);
    const after = snapshotDir(repo.customersDir);
    expect(Object.keys(after).sort()).toEqual(['segurcaixa.ts', 'vattenfall-de.ts']);
    expect(after['segurcaixa.ts']).not.toBe(before['segurcaixa.ts']);
    expect(after['segurcaixa.ts']).toContain("tokenEnv: 'GRAFANA_TOKEN_SEGURCAIXA'");
  });

  it('refuses unmappable entries and JSON syntax errors with the source path, line and fix, and writes nothing', async () => {
    const repo = newRepo();
    const [unmappable, syntax] = await Promise.all([importInto(repo, fixture('unmappable.json')), importInto(repo, fixture('syntax-error.json'))]);
    expect(unmappable.code).toBe(1);
    expect(unmappable.stderr).toContain('2 problems found; nothing was written:');
    expect(unmappable.stderr).toContain(
      'test/cli/fixtures/import/unmappable.json › customers[0].mcp_servers[1].type (line 9:19): unknown MCP type "ssh": the fleet knows grafana, alertmanager, genesys',
    );
    expect(unmappable.stderr).toContain(
      'test/cli/fixtures/import/unmappable.json › customers[1].mcp_servers[0].config (line 17:40): has no config.region, which a genesys server needs and the import cannot guess: add it; one of: mypurecloud.com,',
    );
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toContain('test/cli/fixtures/import/syntax-error.json:6:7: JSON syntax error: expected "," between two entries; fix the file at line 6, column 7');
    // Acme's Grafana was fine, yet nothing is written when any entry is refused.
    expect(snapshotDir(repo.customersDir)).toEqual({});
  });

  it('imports the older Grafana-only list (name + Grafana URL) and refuses its other entries with the reason', async () => {
    const repo = newRepo();
    const refusedRepo = newRepo();
    const [accepted, refused] = await Promise.all([importInto(repo, fixture('grafana-servers.json')), importInto(refusedRepo, fixture('grafana-servers-refused.json'))]);
    expect(accepted.stderr).toBe('');
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain("the older Grafana-only list (grafana_servers.json), 2 customers");
    expect(guessLines(accepted.stdout)).toEqual([
      'nordwind-logistik: no id; used nordwind-logistik (from name "Nordwind Logistik")',
      'nordwind-logistik: no host; used grafana.nordwind.example.com (from url)',
      'nordwind-logistik: grafana: no token_env; used GRAFANA_TOKEN_NORDWIND_LOGISTIK (from the customer id)',
      'acme-eu: no id; used acme-eu (from name "Acme EU")',
      'acme-eu: no host; used maas-1300.mon.example.com (from description, which the old agent read as the host)',
    ]);
    expect(accepted.stdout).toContain('not kept: default (line 18:14): the fleet has no default customer');

    expect(refused.code).toBe(1);
    const file = 'test/cli/fixtures/import/grafana-servers-refused.json';
    expect(refused.stderr).toContain('4 problems found; nothing was written:');
    expect(refused.stderr).toContain(`${file} › servers[0].url (line 4:31): the string "http://localhost:3001/mcp" is the address of the old agent's Grafana MCP server, not of the Grafana itself`);
    expect(refused.stderr).toContain(`${file} › servers[1] (line 6:5): has no "name"`);
    expect(refused.stderr).toContain(`${file} › servers[2] (line 8:5): has no Grafana URL`);
    expect(refused.stderr).toContain(`${file} › servers[3].org_id (line 10:78): unknown key "org_id"`);
    expect(snapshotDir(refusedRepo.customersDir)).toEqual({});

    // The accepted list as written: one Grafana each, at the URL the list gives.
    const acme = readFileSync(path.join(repo.customersDir, 'acme-eu.ts'), 'utf8');
    expect(acme).toContain("  host: 'maas-1300.mon.example.com',\n  description: 'maas-1300.mon.example.com',\n");
    expect(acme).toContain("    { type: 'grafana', url: 'https://maas-1300.mon.example.com', tokenEnv: 'GRAFANA_TOKEN_ACME' },\n");
    const nordwind = readFileSync(path.join(repo.customersDir, 'nordwind-logistik.ts'), 'utf8');
    expect(nordwind).toContain("  host: 'grafana.nordwind.example.com',\n  description: 'Production Grafana',\n");
    expect(nordwind).toContain("    { type: 'grafana', url: 'https://grafana.nordwind.example.com', tokenEnv: 'GRAFANA_TOKEN_NORDWIND_LOGISTIK' },\n");
  });

  it('refuses literal secrets where a variable name belongs, and secrets anywhere, without printing them', async () => {
    const repo = newRepo();
    // Built from parts so that this file itself holds no whole secret.
    const grafanaToken = ['glsa', 'Zq7kP2mX9vB4nR8tW3yL6cF1hJ5dG0sA', '7e3b9c1d'].join('_');
    const githubToken = ['ghp', 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5'].join('_');
    const source = path.join(repo.root, 'mcp_servers.json');
    writeFileSync(
      source,
      JSON.stringify(
        {
          customers: [
            {
              name: 'Acme',
              host: 'acme.example.com',
              description: `deploy key ${githubToken}`,
              mcp_servers: [
                { type: 'grafana', config: { grafana_url: 'https://acme.example.com', token_env: grafanaToken } },
                { type: 'alertmanager', config: { alertmanager_url: 'https://am.acme.example.com', password: 'hunter2hunter2' } },
                { type: 'genesys', config: { region: 'mypurecloud.de', oauth_client_id_env: 'GENESYS_CLIENT_ID_ACME', oauth_client_secret: 'not-a-name' } },
              ],
            },
          ],
        },
        null,
        2,
      ),
    );
    const result = await importInto(repo, source);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('4 problems found; nothing was written:');
    expect(result.stderr).toMatch(/customers\[0\]\.mcp_servers\[0\]\.config\.token_env \(line \d+:\d+\): holds a string of 46 characters, which looks like a secret value, not the name of a variable, so the entry is refused: mcpfleet never writes secret values/);
    expect(result.stderr).toMatch(/customers\[0\]\.mcp_servers\[1\]\.config\.password \(line \d+:\d+\): holds a credential value where mcpfleet keeps only a variable name, so the entry is refused: secrets are never written .* write its name as "password_env" instead/);
    expect(result.stderr).toMatch(/customers\[0\]\.mcp_servers\[2\]\.config\.oauth_client_secret \(line \d+:\d+\): holds a credential value .* "oauth_client_secret_env" instead/);
    expect(result.stderr).toMatch(/customers\[0\]\.description \(line \d+:\d+\): holds what looks like a secret \(github: GITHUB_TOKEN\), so the file is refused/);
    for (const secret of [grafanaToken, githubToken, 'hunter2hunter2', 'not-a-name']) expect(result.stdout + result.stderr).not.toContain(secret);
    expect(snapshotDir(repo.customersDir)).toEqual({});
  });
});
