import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compiledUrlOrCompile } from '../../cache/compiled-code.ts';
import { loadModules } from '../../fleet/module-loader/load-modules.ts';

const SCHEMA = new URL('../../schema/index.ts', import.meta.url).pathname;
const dir = mkdtempSync(path.join(tmpdir(), 'mcpfleet-loader-'));
writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function moduleFile(name: string, source: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, source);
  return file;
}

describe('loadModules: no module can stop the run', () => {
  it('loads good modules, and gives every failing one its own reason, in input order', async () => {
    const files = [
      moduleFile('good.ts', "export default { name: 'Good', nested: { list: [1, 'two'] } };"),
      moduleFile('spin.ts', 'while (true) {}\nexport default {};'),
      moduleFile('throws.ts', "throw new Error('boom from module');"),
      moduleFile('tla.ts', 'await new Promise(() => {});\nexport default {};'),
      moduleFile('exits.ts', 'process.exit(3);\nexport default {};'),
      moduleFile('no-default.ts', 'export const x = 1;'),
      moduleFile('syntax.ts', "export default {\n  name: 'x',,\n};\n"),
      moduleFile('also-good.ts', 'export default { n: 2 };'),
    ];
    const outcomes = await loadModules(files, { timeoutMs: 1_000 });
    expect(outcomes[0]).toEqual({ ok: true, hasDefault: true, value: { name: 'Good', nested: { list: [1, 'two'] } }, secrets: [] });
    expect(outcomes[1]).toEqual({ ok: false, reason: { kind: 'timeout', timeoutMs: 1_000 } });
    expect(outcomes[2]).toEqual({ ok: false, reason: { kind: 'error', message: 'boom from module' } });
    expect(outcomes[3]).toEqual({ ok: false, reason: { kind: 'exit', code: 13 } });
    expect(outcomes[4]).toEqual({ ok: false, reason: { kind: 'exit', code: 3 } });
    expect(outcomes[5]).toEqual({ ok: true, hasDefault: false, value: undefined, secrets: [] });
    expect(outcomes[6]).toMatchObject({ ok: false, reason: { kind: 'error', message: expect.stringMatching(/syntax\.ts:2:12: ERROR: Expected identifier/) } });
    expect(outcomes[7]).toEqual({ ok: true, hasDefault: true, value: { n: 2 }, secrets: [] });
  });

  it('carries what structured clone cannot: a function stays a function, a cycle stays a cycle', async () => {
    const [fn, cyclic, promise] = await loadModules([
      moduleFile('fn.ts', 'export default function makeCustomer() { return {}; }'),
      moduleFile('cycle.ts', 'const a: Record<string, unknown> = { name: "a" };\na.self = a;\nexport default a;'),
      moduleFile('promise.ts', 'export default Promise.resolve({});'),
    ]);
    expect(fn!.ok && typeof fn!.value).toBe('function');
    const value = cyclic!.ok ? (cyclic!.value as Record<string, unknown>) : {};
    expect(value.self).toBe(value);
    expect(promise!.ok && promise!.value instanceof Promise).toBe(true);
  });

  it('scans what every module exported for secrets, also when a hanging module stopped the first pass', async () => {
    const token = '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';
    const [early, , late] = await loadModules(
      [
        moduleFile('leaky-early.ts', `export default { description: '${token}' };`),
        moduleFile('hangs.ts', 'while (true) {}\nexport default {};'),
        moduleFile('leaky-late.ts', `export default { servers: [{ tenant: '${token}' }] };`),
      ],
      { timeoutMs: 1_000 },
    );
    expect(early).toMatchObject({ ok: true, secrets: [{ path: 'description', kind: 'github: GITHUB_TOKEN' }] });
    expect(late).toMatchObject({ ok: true, secrets: [{ path: 'servers[0].tenant', kind: 'github: GITHUB_TOKEN' }] });
    expect(JSON.stringify([early, late]).replace(/"value":\{[^]*?\}\}?/g, '')).not.toContain(token.slice(4));
  });

  it('a module that allocates without end fails alone, under the thread heap limit', async () => {
    const [hog, good] = await loadModules(
      [moduleFile('hog.ts', 'const keep: string[] = [];\nfor (;;) keep.push("x".repeat(1024) + keep.length);\nexport default {};'), moduleFile('fine.ts', 'export default 1;')],
      { timeoutMs: 20_000, maxHeapMb: 64 },
    );
    expect(hog).toMatchObject({ ok: false, reason: { kind: 'exit' } });
    expect(good).toEqual({ ok: true, hasDefault: true, value: 1, secrets: [] });
  });

  it('the compiled thread (files bundled where they can be, tsx for the rest) gives what the sources through tsx give', async () => {
    // Compiled, the thread starts without tsx and bundles the files it can (bundled-import.ts).
    expect(await compiledUrlOrCompile('loaderThread')).toBeDefined();
    const importSchema = `import { defineCustomer } from ${JSON.stringify(SCHEMA)};\n`;
    const files = [
      moduleFile('customer.ts', `${importSchema}export default defineCustomer({ name: 'Acme', host: 'acme.example', mcpServers: [{ type: 'alertmanager', url: 'http://am:9093' }] });`),
      moduleFile('invalid-customer.ts', `${importSchema}export default defineCustomer({ name: 42 } as never);`),
      moduleFile('throws-here.ts', "throw new Error('thrown at import');"),
      moduleFile('settles.ts', 'export default await Promise.resolve({ late: true });'),
      moduleFile('only-named.ts', 'export const named = 1;'),
      moduleFile('broken-syntax.ts', 'export default {,};'),
      moduleFile('reads-meta.ts', 'export default { file: import.meta.url.endsWith("reads-meta.ts") };'),
      moduleFile('uses-helper.ts', "import { shared } from './helper-module.ts';\nexport default shared;"),
      moduleFile('helper-module.ts', 'export const shared = { from: "helper" };'),
      moduleFile('leaks.ts', "export default { description: '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' };"),
      // Where it ran: a bundled file's stack is in the bundle's data: module. The only outcome that may differ.
      moduleFile('where.ts', "export default { bundled: new Error().stack!.includes('data:text/javascript') };"),
    ];
    const compiled = await loadModules(files);
    const before = process.env.MCPFLEET_COMPILED;
    process.env.MCPFLEET_COMPILED = 'off';
    try {
      const fromSources = await loadModules(files);
      expect(compiled.slice(0, -1)).toEqual(fromSources.slice(0, -1));
      expect([compiled.at(-1), fromSources.at(-1)]).toMatchObject([{ value: { bundled: true } }, { value: { bundled: false } }]);
    } finally {
      if (before === undefined) delete process.env.MCPFLEET_COMPILED;
      else process.env.MCPFLEET_COMPILED = before;
    }
    expect(compiled[0]).toMatchObject({ ok: true, value: { name: 'Acme' } });
    expect(compiled[2]).toEqual({ ok: false, reason: { kind: 'error', message: 'thrown at import' } });
    expect(compiled[9]).toMatchObject({ ok: true, secrets: [{ path: 'description' }] });
  });
});
