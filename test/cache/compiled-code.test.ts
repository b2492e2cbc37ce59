import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashOf } from '../../cache/code-fingerprint.ts';
import { requiredFileUrls, runWithCodeCache } from '../../cache/code-cache.ts';
import { COMPILED_ENTRIES, compileAll, compiledFile, compiledUrl, isIntact, readIntact, type CompiledModule } from '../../cache/compiled-code.ts';
import { defaultPaths } from '../../fleet/paths.ts';
import type { Pipeline } from '../../output/load-pipeline.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'mcpfleet-compiled-'));
/** A key of this test's own: nothing else uses or prunes these files. */
const key = hashOf('compiled-code test', String(process.pid), String(Date.now()));
const modules = Object.keys(COMPILED_ENTRIES) as CompiledModule[];

beforeAll(() => compileAll(key, dir), 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Generated files by path, each generator's in registry order. */
async function generated(pipeline: Pipeline): Promise<Map<string, string>> {
  const run = await pipeline.generateOutputs(defaultPaths(repoRoot), { cache: false });
  if (!run.ok) throw new Error(`the repo's fleet did not generate: ${JSON.stringify(run.problems)}`);
  return new Map([...run.outputs.values()].flat().map((file) => [file.path, file.content]));
}

describe('compiled code (cache/compiled-code.ts)', () => {
  it('compiles every module into one file whose first line holds its key and hash', () => {
    for (const module of modules) {
      const file = compiledFile(module, key, dir);
      expect(isIntact(file, key), module).toBe(true);
      expect(readFileSync(file, 'utf8').split('\n', 1)[0]).toMatch(new RegExp(`^// mcpfleet-compiled ${key} [0-9a-f]{64}$`));
    }
  });

  it('the compiled pipeline generates exactly what its sources generate, file for file', async () => {
    const text = readIntact(compiledFile('pipeline', key, dir), key)!;
    const shared = new Map(await Promise.all(requiredFileUrls(text).map(async (url) => [url, await import(url)] as const)));
    const compiled = runWithCodeCache(text, shared).exports as unknown as Pipeline;
    const sources = await import('../../output/pipeline.ts');
    expect(compiled.generateOutputs).not.toBe(sources.generateOutputs);
    const [fromCompiled, fromSources] = [await generated(compiled), await generated(sources)];
    expect(fromCompiled.size).toBeGreaterThan(10);
    expect([...fromCompiled.keys()]).toEqual([...fromSources.keys()]);
    for (const [file, content] of fromSources) expect(fromCompiled.get(file), file).toBe(content);
  }, 120_000);

  it('compiles `pnpm generate` whole: the pipeline inside, nothing shared by file URL, its command exported', () => {
    const text = readIntact(compiledFile('generateCli', key, dir), key)!;
    // Its loader-thread side and its pipeline are one copy, its own: no module is left to import by file URL.
    expect(requiredFileUrls(text)).toEqual([]);
    expect(text.text).toContain('generateOutputs');
    // Evaluating it defines the command and runs nothing (main() does, with the process's arguments).
    const { exports } = runWithCodeCache(text, new Map());
    expect(typeof exports.main).toBe('function');
  });

  it('a file that is missing, of another key, truncated, edited or without its header is not intact', () => {
    const original = readFileSync(compiledFile('schema', key, dir), 'utf8');
    const damaged = path.join(dir, 'damaged.mjs');
    const cases: Array<[string, string]> = [
      ['truncated', original.slice(0, -20)],
      ['edited', original.replace('defineCustomer', 'defineCustomeR')],
      ['without header', original.slice(original.indexOf('\n') + 1)],
    ];
    for (const [what, text] of cases) {
      writeFileSync(damaged, text);
      expect(isIntact(damaged, key), what).toBe(false);
    }
    writeFileSync(damaged, original);
    expect(isIntact(damaged, key)).toBe(true);
    expect(isIntact(damaged, hashOf('another key'))).toBe(false);
    expect(isIntact(path.join(dir, 'absent.mjs'), key)).toBe(false);
  });

  it('MCPFLEET_COMPILED=off hands out no compiled file', () => {
    const before = process.env.MCPFLEET_COMPILED;
    process.env.MCPFLEET_COMPILED = 'off';
    try {
      expect(compiledUrl('pipeline')).toBeUndefined();
    } finally {
      if (before === undefined) delete process.env.MCPFLEET_COMPILED;
      else process.env.MCPFLEET_COMPILED = before;
    }
  });
});
