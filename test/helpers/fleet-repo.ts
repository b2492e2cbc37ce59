/**
 * Test fixtures: a throwaway repo (customers/, fleet.config.ts, out/) in a temp dir, and the CLIs run
 * against it as a user runs them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = path.join(REPO_ROOT, 'node_modules/.bin/tsx');
const SCHEMA_INDEX = path.join(REPO_ROOT, 'schema/index.ts');

/** A plain customer object as a customer file exports it. */
export type CustomerObject = Record<string, unknown>;

export class FleetRepo {
  readonly root = mkdtempSync(path.join(tmpdir(), 'mcpfleet-'));
  readonly customersDir = path.join(this.root, 'customers');
  readonly outDir = path.join(this.root, 'out');

  constructor() {
    mkdirSync(this.customersDir);
  }

  /** Writes customers/<id>.ts the way a user would, through defineCustomer. */
  addCustomer(id: string, customer: CustomerObject): this {
    return this.writeCustomerSource(
      `${id}.ts`,
      `import { defineCustomer } from ${JSON.stringify(SCHEMA_INDEX)};\n\nexport default defineCustomer(${JSON.stringify(customer, null, 2)} as never);\n`,
    );
  }

  writeCustomerSource(fileName: string, source: string): this {
    writeFileSync(path.join(this.customersDir, fileName), source);
    return this;
  }

  removeCustomer(id: string): this {
    rmSync(path.join(this.customersDir, `${id}.ts`));
    return this;
  }

  writeConfig(config: Record<string, unknown>): this {
    writeFileSync(path.join(this.root, 'fleet.config.ts'), `export default ${JSON.stringify(config, null, 2)};\n`);
    return this;
  }

  /** Runs a CLI in cli/ against this repo. */
  run(cli: 'generate' | 'validate', args: string[] = [], env: Record<string, string> = {}): Promise<CliResult> {
    return runCli(cli, ['--root', this.root, ...args], env);
  }

  /** Every file under out/ with its content, keyed by relative path. */
  snapshotOut(): Record<string, string> {
    return snapshotDir(this.outDir);
  }

  read(relative: string): string {
    return readFileSync(path.join(this.outDir, relative), 'utf8');
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(cli: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [path.join(REPO_ROOT, 'cli', `${cli}.ts`), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

export function snapshotDir(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (current: string) => {
    let entries: string[];
    try {
      entries = readdirSync(current);
    } catch {
      return;
    }
    for (const entry of entries.sort()) {
      const full = path.join(current, entry);
      if (statSync(full).isDirectory()) walk(full);
      else files[path.relative(dir, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return files;
}

/** The seed's two customers, as plain objects. */
export const vattenfall: CustomerObject = {
  name: 'Vattenfall DE',
  host: 'maas-1203.mon.sabio.cloud',
  mcpServers: [
    { type: 'grafana', url: 'https://maas-1203.mon.sabio.cloud', tokenEnv: 'GRAFANA_TOKEN_VATTENFALL' },
    { type: 'alertmanager', url: 'http://maas-1203.mon.sabio.cloud:9093' },
    { type: 'genesys', region: 'mypurecloud.de', clientIdEnv: 'GENESYS_CLIENT_ID_VATTENFALL', clientSecretEnv: 'GENESYS_CLIENT_SECRET_VATTENFALL' },
  ],
};

export const segurcaixa: CustomerObject = {
  name: 'Segurcaixa',
  host: 'maas-1171.mon.sabio.cloud',
  mcpServers: [
    { type: 'grafana', url: 'https://maas-1171.mon.sabio.cloud', tokenEnv: 'GRAFANA_TOKEN_SEGURCAIXA' },
    { type: 'alertmanager', url: 'http://maas-1171.mon.sabio.cloud:9093', basicAuth: { usernameEnv: 'AM_USER_SEGURCAIXA', passwordEnv: 'AM_PASSWORD_SEGURCAIXA' } },
  ],
};
