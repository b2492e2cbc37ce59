import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { allocatePorts } from '../../fleet/ports.ts';

const range = { base: 20000, max: 20999 };

describe('allocatePorts', () => {
  it('keeps previous ports and gives new keys the lowest free port', () => {
    const { ports } = allocatePorts(['b/x', 'a/x', 'c/x'], { 'b/x': 20000, 'c/x': 20002 }, range);
    expect(ports).toEqual({ 'a/x': 20001, 'b/x': 20000, 'c/x': 20002 });
  });

  it('resolves a duplicated port (a bad merge) in favour of the first key', () => {
    const { ports } = allocatePorts(['a/x', 'b/x'], { 'a/x': 20005, 'b/x': 20005 }, range);
    expect(ports).toEqual({ 'a/x': 20005, 'b/x': 20000 });
  });

  it('ignores previous ports outside the range', () => {
    expect(allocatePorts(['a/x'], { 'a/x': 8080 }, range).ports).toEqual({ 'a/x': 20000 });
  });

  test.prop([fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}\/[a-z]{1,4}$/), { minLength: 1, maxLength: 40 }), fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}\/[a-z]{1,4}$/), { maxLength: 10 })])(
    'adding keys never moves an existing key, and ports stay unique',
    (existing, added) => {
      const first = allocatePorts(existing, {}, range).ports;
      const second = allocatePorts([...existing, ...added], first, range).ports;
      for (const key of existing) expect(second[key]).toBe(first[key]);
      expect(new Set(Object.values(second)).size).toBe(Object.keys(second).length);
    },
  );
});
