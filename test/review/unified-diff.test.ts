import fc from 'fast-check';
import { applyPatch, formatPatch, structuredPatch, type StructuredPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { windowedPatch } from '../../review/unified-diff.ts';

const counts = (patch: StructuredPatch) => {
  const lines = patch.hunks.flatMap((hunk) => hunk.lines);
  return { added: lines.filter((l) => l.startsWith('+')).length, removed: lines.filter((l) => l.startsWith('-')).length };
};

/** Two texts of lines from `alphabet` (few letters: lines repeat, so a diff could match them more than one way). */
const texts = (alphabet: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.array(alphabet, { maxLength: 60 }), fc.array(fc.tuple(fc.nat(60), fc.nat(3), fc.array(alphabet, { maxLength: 3 })), { maxLength: 4 }), fc.boolean(), fc.boolean())
    .map(([lines, edits, endA, endB]) => {
      const after = [...lines];
      for (const [at, remove, insert] of edits) after.splice(at % (after.length + 1), remove, ...insert);
      const text = (l: string[], newlineAtEnd: boolean) => l.join('\n') + (newlineAtEnd && l.length > 0 ? '\n' : '');
      return [text(lines, endA), text(after, endB)] as const;
    });

describe('windowedPatch: the line diff of only the part that differs', () => {
  it('adds and removes the lines the whole-text diff does, and its patch turns one text into the other', () => {
    fc.assert(
      fc.property(texts(fc.constantFrom('a', 'b', 'c', '')), fc.nat(4), ([before, after], context) => {
        const windowed = windowedPatch('a/f', 'b/f', before, after, context);
        expect(counts(windowed)).toEqual(counts(structuredPatch('a/f', 'b/f', before, after, undefined, undefined, { context })));
        expect(applyPatch(before, formatPatch(windowed))).toBe(after);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the same hunks as the whole-text diff where no line repeats', () => {
    let serial = 0;
    const unique = fc.constant(null).map(() => `line ${serial++}`);
    fc.assert(
      fc.property(texts(unique), fc.nat(4), ([before, after], context) => {
        expect(windowedPatch('a/f', 'b/f', before, after, context)).toEqual(structuredPatch('a/f', 'b/f', before, after, undefined, undefined, { context }));
      }),
      { numRuns: 500 },
    );
  });
});
