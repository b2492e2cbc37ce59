/**
 * Checks generated JSON/YAML values against TypeScript types a package publishes (Grafana's dashboard model in
 * @grafana/schema, the Prometheus Operator's CRDs in @kubernetes-models/prometheus-operator) by compiling
 * `const x = <value> satisfies Json<Type>` with the project's tsc: wrong types, bad enum values, missing required
 * fields and unknown fields (object-literal excess property checks, at every depth) are all errors.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './fleet-repo.ts';

export interface TypeCheck {
  /** A name for the value, used in the diagnostics (`const <name>`). */
  name: string;
  /** The type expression, e.g. `Dashboard` or `TimeSeries.Options`, using the imports. */
  type: string;
  value: unknown;
}

/**
 * JSON has no enums: a TypeScript string enum accepts only its members, so each is widened to the union of its
 * values (`${E}`) and a numeric enum to number; objects and arrays are mapped member by member.
 */
const JSON_TYPE = `type Json<T> = T extends string ? \`\${T}\` : T extends number ? number : T extends boolean ? boolean : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;`;

/** Compiles the checks; resolves with tsc's diagnostics (empty when every value has its type). */
export function typeCheckJson(imports: string[], checks: TypeCheck[]): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcpfleet-typecheck-'));
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const source = [
    ...imports,
    JSON_TYPE,
    ...checks.map((c) => `export const ${c.name} = ${JSON.stringify(c.value, null, 1)} satisfies Json<${c.type}>;`),
  ].join('\n');
  writeFileSync(path.join(dir, 'check.ts'), `${source}\n`);
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, noEmit: true, types: [] },
      files: ['check.ts'],
    }),
  );
  return new Promise((resolve, reject) => {
    execFile(path.join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', path.join(dir, 'tsconfig.json')], { timeout: 60_000 }, (error, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      const diagnostics = stdout.split('\n').filter((line) => /error TS\d+/.test(line));
      if (error && diagnostics.length === 0) reject(new Error(`tsc failed without diagnostics: ${stdout}${stderr}`));
      else resolve(diagnostics);
    });
  });
}
