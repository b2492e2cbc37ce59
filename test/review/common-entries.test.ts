import fc from 'fast-check';
import jsYaml from 'js-yaml';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { withoutCommonEntries } from '../../review/common-entries.ts';
import { Owners, outputObjects } from '../../review/output-objects.ts';

/** As generators/compose.ts writes the compose file. */
const dump = (document: unknown) => jsYaml.dump(document, { lineWidth: -1, noRefs: true, forceQuotes: true, quotingType: '"', sortKeys: false });

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constantFrom('a: b', '- x', '&anchor', '*star', '"quoted"', 'multi\nline', '  lead'));
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(name, tie('node'), { maxKeys: 3 })),
})).node;
const entries = fc.dictionary(name, fc.dictionary(name, value, { minKeys: 1, maxKeys: 4 }), { maxKeys: 6 });
const composeDocument = fc.record(
  { name: fc.string({ maxLength: 8 }), services: entries, networks: fc.dictionary(name, fc.oneof(fc.constant({}), fc.record({ driver: fc.constantFrom('bridge', 'overlay') })), { maxKeys: 4 }), 'x-extra': value },
  { requiredKeys: ['services'] },
);

/** A second version: some entries kept as they are, some changed, removed or added, the top level perhaps changed. */
const pair = composeDocument.chain((before) =>
  fc.tuple(fc.constant(before), composeDocument, fc.array(fc.boolean(), { minLength: 12, maxLength: 12 })).map(([base, other, keep]) => {
    const mix = (a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined) => {
      const result: Record<string, unknown> = {};
      Object.keys(a ?? {}).forEach((key, index) => {
        if (keep[index % keep.length]) result[key] = a![key];
      });
      for (const [key, entry] of Object.entries(b ?? {})) if (!(key in result)) result[key] = entry;
      return result;
    };
    const after: Record<string, unknown> = { ...other, services: mix(base.services, other.services) };
    if (base.networks || other.networks) after.networks = mix(base.networks, other.networks);
    return [base, keep[0] ? { ...after, name: base.name, 'x-extra': base['x-extra'] } : after] as const;
  }),
);

/** The objects that differ between two texts: id → [before value, after value]. */
function changesOf(before: string, after: string): Map<string, [unknown, unknown]> {
  const owners = new Owners([]);
  const objects = (text: string) => new Map(outputObjects('compose', 'docker-compose.mcps.yml', text, owners).map((o) => [o.id, o.value]));
  const [a, b] = [objects(before), objects(after)];
  const changes = new Map<string, [unknown, unknown]>();
  for (const id of new Set([...a.keys(), ...b.keys()])) if (!isDeepStrictEqual(a.get(id), b.get(id))) changes.set(id, [a.get(id), b.get(id)]);
  return changes;
}

describe('withoutCommonEntries: a compose file parsed only where it differs', () => {
  it('finds exactly the object changes of the whole files, and leaves out the entries both have', () => {
    fc.assert(
      fc.property(pair, ([before, after]) => {
        const [textBefore, textAfter] = [dump(before), dump(after)];
        const reduced = withoutCommonEntries(textBefore, textAfter);
        expect(reduced).toBeDefined();
        expect(changesOf(reduced![0], reduced![1])).toEqual(changesOf(textBefore, textAfter));
        const common = Object.keys(before.services).filter((key) => isDeepStrictEqual(before.services[key], (after.services as Record<string, unknown>)[key])).length;
        if (common > 0) expect(reduced![0].length).toBeLessThan(textBefore.length);
      }),
      { numRuns: 400 },
    );
  });

  it('compares a file of another shape whole: anchors and aliases, a section that is a list, an entry in flow style', () => {
    const shapes = ['services:\n  a: &base\n    image: "x"\n  b: *base\n', 'services:\n  - "a"\n', 'services:\n  { a: 1 }\n', 'x: 1\nservices:\n    a: 1\n', 'services:\n  a: 1\n  a: 2\n'];
    for (const text of shapes) expect(withoutCommonEntries(text, text), text).toBeUndefined();
    // A section in flow style has no entries to leave out: it stays as it is.
    expect(withoutCommonEntries('services: { a: { image: "x" } }\n', 'services: {}\n')).toEqual(['services: { a: { image: "x" } }\n', 'services: {}\n']);
  });
});
