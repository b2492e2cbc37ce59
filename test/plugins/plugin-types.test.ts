/**
 * A plugin type is typed in customer files like a built-in one: `pnpm typecheck` (the project's tsc) catches a typo in
 * a plugin type's field, and a type no listed plugin declares is not a type at all.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fleet-repo.ts';

const SCHEMA_INDEX = path.join(REPO_ROOT, 'schema/index.ts');
const PROMETHEUS_PLUGIN = path.join(REPO_ROOT, 'examples/plugins/prometheus/index.ts');

/** Type-checks a repo of one customer file (and a fleet config, when given); resolves with tsc's errors. */
async function typecheck(customerServers: string, config?: string): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcpfleet-plugin-types-'));
  try {
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    mkdirSync(path.join(dir, 'customers'));
    writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(
      path.join(dir, 'customers/acme.ts'),
      `import { defineCustomer } from ${JSON.stringify(SCHEMA_INDEX)};\n\nexport default defineCustomer({\n  name: 'Acme',\n  host: 'acme.example.com',\n  mcpServers: [${customerServers}],\n});\n`,
    );
    const files = ['customers/acme.ts'];
    if (config !== undefined) {
      writeFileSync(path.join(dir, 'fleet.config.ts'), config);
      files.push('fleet.config.ts');
    }
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, noEmit: true, allowImportingTsExtensions: true, verbatimModuleSyntax: true, types: ['node'] },
        files,
      }),
    );
    return await new Promise((resolve, reject) => {
      execFile(path.join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', path.join(dir, 'tsconfig.json')], { timeout: 60_000 }, (error, stdout, stderr) => {
        const errors = stdout.split('\n').filter((line) => /error TS\d+/.test(line));
        if (error && errors.length === 0) reject(new Error(`tsc failed without diagnostics: ${stdout}${stderr}`));
        else resolve(errors);
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const withPlugin = `import { defineFleetConfig } from ${JSON.stringify(SCHEMA_INDEX)};\nimport prometheus from ${JSON.stringify(PROMETHEUS_PLUGIN)};\n\nexport default defineFleetConfig({ plugins: [prometheus], types: { prometheus: { resources: { memory: '64M' } } } });\n`;

describe('plugin types in customer files', () => {
  it('accepts a plugin server entry when the fleet config lists the plugin, and types its per-type settings', async () => {
    expect(await typecheck(`{ type: 'prometheus', url: 'https://prometheus.acme.example.com' }, { type: 'grafana', url: 'https://g.acme.example.com', tokenEnv: 'GRAFANA_TOKEN_ACME' }`, withPlugin)).toEqual([]);
  });

  it('catches a typo in a plugin type field, as in a built-in one', async () => {
    const errors = await typecheck(`{ type: 'prometheus', urll: 'https://prometheus.acme.example.com' }, { type: 'grafana', url: 'https://g.acme.example.com', tokenEnvv: 'GRAFANA_TOKEN_ACME' }`, withPlugin);
    expect(errors.find((e) => e.includes('customers/acme.ts') && e.includes("'urll'")), errors.join('\n')).toBeDefined();
    expect(errors.find((e) => e.includes('customers/acme.ts') && e.includes("'tokenEnvv'")), errors.join('\n')).toBeDefined();
  });

  it('without the plugin in the program, its type is not a type', async () => {
    const errors = await typecheck(`{ type: 'prometheus', url: 'https://prometheus.acme.example.com' }`);
    expect(errors.find((e) => e.includes('customers/acme.ts') && /"prometheus"|'prometheus'/.test(e)), errors.join('\n')).toBeDefined();
  });
});
