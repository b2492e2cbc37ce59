import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deltaFile, readPack, writePack } from '../../cache/pack-file.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'mcpfleet-pack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FINGERPRINT = 'test fingerprint';
let packs = 0;
const newPack = () => path.join(dir, `parts-${++packs}.pack`);

describe('pack files and their deltas (cache/pack-file.ts)', () => {
  it('a delta adds to the pack it names: read together, one entry changed and one added', () => {
    const file = newPack();
    const base = writePack(file, FINGERPRINT, new Map([['a', 1], ['b', 2]]));
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    writePack(file, FINGERPRINT, new Map([['b', 20], ['c', 3]]), base);
    expect(deltaFile(file)).toBe(file.replace(/\.pack$/, '.delta.pack'));
    expect(readPack(file, FINGERPRINT)).toEqual(new Map([['a', 1], ['b', 20], ['c', 3]]));
  });

  it('a delta for another pack (written whole since), a damaged delta or one of another fingerprint reads as nothing', () => {
    const file = newPack();
    const first = writePack(file, FINGERPRINT, new Map([['a', 1]]));
    writePack(file, FINGERPRINT, new Map([['a', 10]]), first);
    // Another run wrote the pack whole: the delta names the old one. (A whole write removes the delta; put it back.)
    const delta = readFileSync(deltaFile(file));
    writePack(file, FINGERPRINT, new Map([['a', 2]]));
    expect(existsSync(deltaFile(file))).toBe(false);
    writeFileSync(deltaFile(file), delta);
    expect(readPack(file, FINGERPRINT)).toEqual(new Map([['a', 2]]));

    const second = writePack(file, FINGERPRINT, new Map([['a', 2]]));
    writePack(file, FINGERPRINT, new Map([['a', 30]]), second);
    const good = readFileSync(deltaFile(file));
    writeFileSync(deltaFile(file), Buffer.concat([good.subarray(0, -1), Buffer.from([good.at(-1)! ^ 1])]));
    expect(readPack(file, FINGERPRINT)).toEqual(new Map([['a', 2]]));
    writePack(file, 'another fingerprint', new Map([['a', 40]]), second);
    expect(readPack(file, FINGERPRINT)).toEqual(new Map([['a', 2]]));
  });

  it('a delta without its pack, or in the pack’s place, reads as an empty pack', () => {
    const file = newPack();
    writePack(file, FINGERPRINT, new Map([['a', 1]]), 'f'.repeat(64));
    expect(existsSync(file)).toBe(false);
    expect(readPack(file, FINGERPRINT)).toEqual(new Map());
    writeFileSync(file, readFileSync(deltaFile(file)));
    expect(readPack(file, FINGERPRINT)).toEqual(new Map());
  });
});
