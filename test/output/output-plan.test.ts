import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hashOf } from '../../cache/code-fingerprint.ts';
import { fileStamp } from '../../cache/file-stamp.ts';
import type { GeneratedFile } from '../../generators/generator.ts';
import { outStamps } from '../../output/out-stamps.ts';
import { applyPlan, MANIFEST_FILE, planOutput } from '../../output/output-plan.ts';

/** out/ with one generator's files, planned and applied as `pnpm generate` does with a cache. */
describe('planning out/ with the stamps of its files', () => {
  let root: string;
  let outDir: string;
  let fingerprint = 0;
  // A new fingerprint per test: packs are shared per process by file and fingerprint.
  const stampsOf = () => outStamps({ dir: path.join(root, 'cache'), fingerprint: `test-${fingerprint}` });
  const outputs = (files: GeneratedFile[]) => new Map([['one', files]]);
  const generate = async (files: GeneratedFile[], options: { exact?: boolean } = {}) => {
    const stamps = stampsOf();
    const plan = await planOutput(outDir, outputs(files), { stamps, ...options });
    return { plan, apply: () => applyPlan(outDir, plan, stamps) };
  };
  /** Runs as if the clock were `ms` ahead: stamps taken now count as settled. */
  const later = async <T>(work: () => Promise<T>, ms = 10_000): Promise<T> => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + ms);
    try {
      return await work();
    } finally {
      vi.useRealTimers();
    }
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'mcpfleet-plan-'));
    outDir = path.join(root, 'out');
    fingerprint++;
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('records what it writes, and plans a change to a file with a record without reading the file', async () => {
    const first = await generate([{ path: 'big.yml', content: 'version 1\n' }]);
    expect(first.plan.writes.map((file) => [file.path, file.isNew])).toEqual([['big.yml', true], [MANIFEST_FILE, true]]);
    await first.apply();
    const target = path.join(outDir, 'big.yml');
    expect(stampsOf().peek(target)).toEqual({ stamp: fileStamp(target), hash: hashOf('version 1\n'), fresh: true });

    const second = await generate([{ path: 'big.yml', content: 'version 2\n' }]);
    const [write] = second.plan.writes;
    expect([write!.path, write!.isNew]).toEqual(['big.yml', false]);
    // Not read while planning: what the file holds when `before` is first asked for is what it shows.
    writeFileSync(target, 'written meanwhile\n');
    expect(write!.before).toBe('written meanwhile\n');
  });

  it('plans an unchanged file as unchanged unread once its record has settled, and reads it while the record is fresh', async () => {
    const files = [{ path: 'big.yml', content: 'same\n' }];
    await (await generate(files)).apply();
    const target = path.join(outDir, 'big.yml');
    // Fresh: the file is read and compared, and found current; its record settles once the stamp is 2 s old.
    const fresh = await generate(files);
    expect(fresh.plan.unchanged).toContain('big.yml');
    expect(stampsOf().peek(target)?.fresh).toBe(true);
    await later(async () => (await generate(files)).apply());
    expect(stampsOf().peek(target)).toEqual({ stamp: fileStamp(target), hash: hashOf('same\n') });
    // Settled: the record alone decides. A record that says the content is what the run makes is taken as it is.
    stampsOf().set(target, { stamp: fileStamp(target)!, hash: hashOf('claimed by the record\n') });
    expect((await generate([{ path: 'big.yml', content: 'claimed by the record\n' }])).plan.unchanged).toContain('big.yml');
  });

  it('reads a file whose stamp moved since its record: a hand edit back to the new content is seen as unchanged', async () => {
    await (await generate([{ path: 'big.yml', content: 'version 1\n' }])).apply();
    const target = path.join(outDir, 'big.yml');
    writeFileSync(target, 'version 2\n');
    const { plan } = await generate([{ path: 'big.yml', content: 'version 2\n' }]);
    expect(plan.writes).toEqual([]);
    expect(plan.unchanged).toContain('big.yml');
  });

  it('with exact (--check) confirms a change by reading: a fresh record alone is not a drift', async () => {
    await (await generate([{ path: 'big.yml', content: 'version 1\n' }])).apply();
    const target = path.join(outDir, 'big.yml');
    // The record now claims other content than the file holds, as a write within the clock's tick could leave it.
    stampsOf().set(target, { stamp: fileStamp(target)!, hash: hashOf('version 0\n'), fresh: true });
    const exact = await generate([{ path: 'big.yml', content: 'version 1\n' }], { exact: true });
    expect(exact.plan.writes).toEqual([]);
    const trusting = await generate([{ path: 'big.yml', content: 'version 1\n' }]);
    // Without exact, the worst a wrong fresh record does is one write of the same content.
    expect(trusting.plan.writes.map((file) => file.path)).toEqual(['big.yml']);
    await trusting.apply();
    expect(readFileSync(target, 'utf8')).toBe('version 1\n');
  });
});
