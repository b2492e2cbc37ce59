import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { importBundled } from '../../fleet/module-loader/bundled-import.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'mcpfleet-bundled-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(path.join(dir, 'schema'));
mkdirSync(path.join(dir, 'customers'));
writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
const schemaSource = path.join(dir, 'schema', 'index.ts');
writeFileSync(schemaSource, 'export const defineCustomer = <T>(value: T) => value;\n');
// The compiled schema marks what it defines, so a test sees which module a bundled file was given.
const compiledSchema = path.join(dir, 'compiled-schema.mjs');
writeFileSync(compiledSchema, 'export const defineCustomer = (value) => ({ ...value, via: "compiled" });\n');
const schema = { source: schemaSource, compiledUrl: pathToFileURL(compiledSchema).href };

function customer(name: string, source: string): string {
  const file = path.join(dir, 'customers', name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, source);
  return file;
}

const IMPORT_SCHEMA = "import { defineCustomer } from '../schema/index.ts';\n";

describe('importBundled: one bundle for the files it can give exactly, each file still a module of its own', () => {
  it('bundles files importing only the schema and built-ins, and leaves every other kind to tsx', async () => {
    const files = [
      customer('good.ts', `${IMPORT_SCHEMA}export default defineCustomer({ name: 'Good' as string });`),
      customer('builtin.ts', "import path from 'node:path';\nexport default { base: path.basename('/a/b.ts') };"),
      customer('type-only.ts', "import type { Missing } from '../schema/index.ts';\nconst n: number = 1;\nexport default { n } satisfies Record<string, number> as Missing;"),
      customer('awaits.ts', 'const n = await Promise.resolve(3);\nexport default { n };'),
      customer('no-default.ts', 'export const x = 1;'),
      customer('meta.ts', 'export default { url: import.meta.url };'),
      customer('helper.ts', "import { shared } from './shared.ts';\nexport default shared;"),
      customer('package.ts', "import { z } from 'zod';\nexport default z.string().parse('x');"),
      customer('commonjs.ts', 'module.exports = { a: 1 };'),
      customer('computed.ts', "const name = '../schema/index.ts';\nexport default await import(name);"),
      customer('extensionless.ts', "import { defineCustomer } from '../schema/index';\nexport default defineCustomer({ name: 'E' });"),
      // CommonJS to Node and tsx: its nearest package.json has no "type": "module".
      customer('commonjs-package/in-package.ts', 'export default { n: 1 };'),
    ];
    customer('shared.ts', 'export const shared = { s: 1 };');
    writeFileSync(path.join(dir, 'customers', 'commonjs-package', 'package.json'), '{}\n');
    const bundled = await importBundled(files, schema);
    expect([...bundled.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 10]);
    const exports = await Promise.all([...bundled].map(async ([index, evaluate]) => [index, await evaluate()] as const));
    const byIndex = new Map(exports);
    expect(byIndex.get(0)!.default).toEqual({ name: 'Good', via: 'compiled' });
    expect(byIndex.get(1)!.default).toEqual({ base: 'b.ts' });
    expect(byIndex.get(2)!.default).toEqual({ n: 1 });
    expect(byIndex.get(3)!.default).toEqual({ n: 3 });
    expect('default' in byIndex.get(4)!).toBe(false);
    expect(byIndex.get(4)!.x).toBe(1);
    expect(byIndex.get(10)!.default).toEqual({ name: 'E', via: 'compiled' });
  });

  it('a file that throws fails alone, when it is evaluated; the files around it keep their values', async () => {
    const files = [
      customer('before.ts', 'export default { at: "before" };'),
      customer('throws.ts', "throw new Error('boom from a bundled file');\nexport default {};"),
      customer('after.ts', 'export default { at: "after" };'),
    ];
    const bundled = await importBundled(files, schema);
    expect(bundled.size).toBe(3);
    await expect(bundled.get(1)!()).rejects.toThrow('boom from a bundled file');
    expect((await bundled.get(0)!()).default).toEqual({ at: 'before' });
    expect((await bundled.get(2)!()).default).toEqual({ at: 'after' });
  });

  it('a file esbuild cannot build leaves the bundle; the others are built without it', async () => {
    const files = [customer('fine.ts', 'export default 1;'), customer('broken.ts', "export default {\n  name: 'x',,\n};\n"), customer('also-fine.ts', 'export default 2;')];
    const bundled = await importBundled(files, schema);
    expect([...bundled.keys()].sort()).toEqual([0, 2]);
    expect((await bundled.get(2)!()).default).toBe(2);
  });
});
