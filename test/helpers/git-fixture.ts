/**
 * A throwaway git repository holding only a fleet's inputs (customers/ as plain `export default {…}` objects,
 * optionally out/), for the commands that compare commits. The mcpfleet code itself stays in this repo: `diff`
 * runs it against the fixture with --root.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, type CliResult, type CustomerObject } from './fleet-repo.ts';

/** Git identity and isolation from the machine's git config, so commits work anywhere (CI, no ~/.gitconfig). */
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'mcpfleet test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'mcpfleet test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export class GitFixture {
  readonly root = mkdtempSync(path.join(tmpdir(), 'mcpfleet-git-'));
  readonly customersDir = path.join(this.root, 'customers');

  constructor() {
    mkdirSync(this.customersDir);
    this.git('init', '--quiet', '--initial-branch=main');
    this.git('config', 'commit.gpgsign', 'false');
  }

  /** Runs git in the fixture and returns its stdout. */
  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.root, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** customers/<id>.ts exporting `customer` as a plain object: no imports, so the file needs no mcpfleet code. */
  writeCustomer(id: string, customer: CustomerObject): this {
    writeFileSync(path.join(this.customersDir, `${id}.ts`), `export default ${JSON.stringify(customer, null, 2)};\n`);
    return this;
  }

  removeCustomer(id: string): this {
    rmSync(path.join(this.customersDir, `${id}.ts`));
    return this;
  }

  /** Runs `generate` into the fixture's out/, as an author does before committing. */
  async generate(): Promise<CliResult> {
    const result = await runCli('generate', ['--root', this.root]);
    if (result.code !== 0) throw new Error(`generate failed in the fixture: ${result.stderr}`);
    return result;
  }

  /** Commits everything in the working tree; returns the commit id. */
  commit(message: string): string {
    this.git('add', '--all');
    this.git('commit', '--quiet', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD').trim();
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The fleet the diff tests start from: three customers, one of each shape. */
export const baseCustomers: Record<string, CustomerObject> = {
  alpha: {
    name: 'Alpha',
    host: 'alpha.example.com',
    mcpServers: [
      { type: 'grafana', url: 'https://grafana.alpha.example.com', tokenEnv: 'GRAFANA_TOKEN_ALPHA' },
      { type: 'alertmanager', url: 'http://alpha.example.com:9093' },
    ],
  },
  bravo: {
    name: 'Bravo',
    host: 'bravo.example.com',
    mcpServers: [
      { type: 'grafana', url: 'https://grafana.bravo.example.com', tokenEnv: 'GRAFANA_TOKEN_BRAVO' },
      { type: 'genesys', region: 'mypurecloud.de', clientIdEnv: 'GENESYS_CLIENT_ID_BRAVO', clientSecretEnv: 'GENESYS_CLIENT_SECRET_BRAVO' },
    ],
  },
  charlie: {
    name: 'Charlie',
    host: 'charlie.example.com',
    mcpServers: [{ type: 'alertmanager', url: 'http://charlie.example.com:9093' }],
  },
};

/** The customer the change adds. */
export const deltaCustomer: CustomerObject = {
  name: 'Delta',
  host: 'delta.example.com',
  mcpServers: [
    { type: 'grafana', url: 'https://grafana.delta.example.com', tokenEnv: 'GRAFANA_TOKEN_DELTA' },
    { type: 'alertmanager', url: 'http://delta.example.com:9093' },
  ],
};

/** Bravo's Grafana after the change. */
export const BRAVO_NEW_GRAFANA_URL = 'https://grafana-new.bravo.example.com';

/**
 * A fixture with two commits: `main` holds the base fleet (with out/ generated and committed), and branch
 * `feature` adds delta, moves bravo's Grafana URL and removes charlie (out/ regenerated and committed).
 * Leaves `feature` checked out with a clean working tree.
 */
export async function fixtureWithChange(): Promise<{ fixture: GitFixture; baseCommit: string; changeCommit: string }> {
  const fixture = new GitFixture();
  for (const [id, customer] of Object.entries(baseCustomers)) fixture.writeCustomer(id, customer);
  await fixture.generate();
  const baseCommit = fixture.commit('base fleet');
  fixture.git('checkout', '--quiet', '-b', 'feature');
  fixture.writeCustomer('delta', deltaCustomer);
  const bravo = structuredClone(baseCustomers.bravo!) as { mcpServers: Array<Record<string, unknown>> };
  bravo.mcpServers[0]!.url = BRAVO_NEW_GRAFANA_URL;
  fixture.writeCustomer('bravo', bravo);
  fixture.removeCustomer('charlie');
  await fixture.generate();
  const changeCommit = fixture.commit('add delta, move bravo grafana, remove charlie');
  return { fixture, baseCommit, changeCommit };
}
