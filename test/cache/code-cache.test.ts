import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'mcpfleet-code-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const compiled = path.join(dir, 'module.cjs');
const shared = path.join(dir, 'shared.mjs');
writeFileSync(shared, 'export const fromShared = "the shared module";\n');
/** A process that runs `module.cjs` with its code cache and prints what it exported and whether the cache served. */
const runner = path.join(dir, 'run.mts');
writeFileSync(
  runner,
  `import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { requiredFileUrls, runWithCodeCache } from ${JSON.stringify(path.join(repoRoot, 'cache/code-cache.ts'))};
const text = readFileSync(${JSON.stringify(compiled)}, 'utf8');
const body = { file: ${JSON.stringify(compiled)}, text, sha256: createHash('sha256').update(text).digest('hex') };
const shared = new Map(await Promise.all(requiredFileUrls(body).map(async (url) => [url, await import(url)] as const)));
const { exports, cacheUsed } = runWithCodeCache(body, shared);
console.log(JSON.stringify({ answer: (exports.answer as () => unknown)(), cacheUsed }));
`,
);

function run(): { answer: unknown; cacheUsed: boolean } {
  const result = spawnSync(path.join(repoRoot, 'node_modules/.bin/tsx'), [runner], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`runner failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as { answer: unknown; cacheUsed: boolean };
}

const source = (value: string) =>
  `const { fromShared } = require(${JSON.stringify(`file://${shared}`)});\nconst path = require('node:path');\nexports.answer = () => [${JSON.stringify(value)}, fromShared, path.basename(__filename)];\n`;

describe('runWithCodeCache (cache/code-cache.ts)', () => {
  it('runs a CommonJS file with the modules it is handed, makes its cache at exit, and takes it next time', () => {
    writeFileSync(compiled, source('first'));
    const cacheFile = `${compiled}.v8cache`;
    expect(run()).toEqual({ answer: ['first', 'the shared module', 'module.cjs'], cacheUsed: false });
    expect(existsSync(cacheFile)).toBe(true);
    expect(run()).toEqual({ answer: ['first', 'the shared module', 'module.cjs'], cacheUsed: true });
  });

  it('a cache made for other text is not used, even of the same length, and is made again for this one', () => {
    writeFileSync(compiled, source('one'));
    run();
    // Same length, other content: V8's own check (the source's length) would take the old code.
    writeFileSync(compiled, source('two'));
    expect(run()).toEqual({ answer: ['two', 'the shared module', 'module.cjs'], cacheUsed: false });
    expect(run()).toEqual({ answer: ['two', 'the shared module', 'module.cjs'], cacheUsed: true });
  });

  it('a damaged cache is not used: the file still runs, and the cache is made again', () => {
    writeFileSync(compiled, source('three'));
    run();
    const cacheFile = `${compiled}.v8cache`;
    const data = readFileSync(cacheFile);
    writeFileSync(cacheFile, Buffer.concat([data.subarray(0, 64), Buffer.alloc(data.length - 64, 7)]));
    expect(run()).toEqual({ answer: ['three', 'the shared module', 'module.cjs'], cacheUsed: false });
    expect(run()).toEqual({ answer: ['three', 'the shared module', 'module.cjs'], cacheUsed: true });
  });
});
