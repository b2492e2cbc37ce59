import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { packPath } from '../../cache/cache-location.ts';
import { readPack, writePack } from '../../cache/pack-file.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'mcpfleet-stored-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FINGERPRINT = 'stored-module-keys test';
const cache = { dir: path.join(dir, 'cache'), fingerprint: FINGERPRINT };
const pack = packPath(cache, 'module-keys.pack');

/** module-key.ts as a new process has it: nothing keyed yet. */
async function newProcess() {
  vi.resetModules();
  return import('../../fleet/module-loader/module-key.ts');
}

function stampOf(file: string): string {
  const stat = statSync(file, { bigint: true });
  return `${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}:${stat.ino}`;
}

describe('module keys stored between runs (module-key.ts)', () => {
  it('stores no key of a file written in the last seconds, and the keys of settled files', async () => {
    const file = path.join(dir, 'fresh.ts');
    writeFileSync(file, 'export default { a: 1 };\n');
    const keys = await newProcess();
    const [key] = keys.moduleKeys([file], dir);
    expect(key).toBeDefined();
    keys.storeModuleKeys(cache);
    expect(readPack(pack, FINGERPRINT).has(file)).toBe(false);
    keys.storeModuleKeys(cache, 0);
    expect(readPack(pack, FINGERPRINT).get(file)).toEqual({ stamp: stampOf(file), root: dir, key });
  });

  it('a restored key counts while the file keeps its stamp, and not once it is written again (even with the same content)', async () => {
    const file = path.join(dir, 'settled.ts');
    writeFileSync(file, 'export default { b: 2 };\n');
    const planted = 'a key only the stored pack knows';
    writePack(pack, FINGERPRINT, new Map([[file, { stamp: stampOf(file), root: dir, key: planted }]]));
    let keys = await newProcess();
    keys.restoreModuleKeys(cache);
    expect(keys.moduleKeys([file], dir)).toEqual([planted]);
    // Keyed for another root, the entry does not count.
    expect(keys.moduleKeys([file], path.join(dir, 'elsewhere'))[0]).not.toBe(planted);

    writeFileSync(file, 'export default { b: 2 };\n');
    keys = await newProcess();
    keys.restoreModuleKeys(cache);
    const [key] = keys.moduleKeys([file], dir);
    expect(key).toBeDefined();
    expect(key).not.toBe(planted);
  });

  it('a pack made under another fingerprint is not read', async () => {
    const file = path.join(dir, 'other.ts');
    writeFileSync(file, 'export default { c: 3 };\n');
    writePack(pack, 'another fingerprint', new Map([[file, { stamp: stampOf(file), root: dir, key: 'planted' }]]));
    const keys = await newProcess();
    keys.restoreModuleKeys(cache);
    expect(keys.moduleKeys([file], dir)[0]).not.toBe('planted');
  });
});
