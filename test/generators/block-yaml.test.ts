import fc from 'fast-check';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { customerManifests } from '../../generators/kubernetes/customer-chart.ts';
import { agentManifests } from '../../generators/kubernetes/agent-chart.ts';
import { dumpBlockYaml } from '../../generators/kubernetes/block-yaml.ts';
import { syntheticFleet } from '../../bench/synthetic-fleet.ts';

const jsYaml = (value: unknown) => yaml.dump(value, { lineWidth: -1, noRefs: true });

/** Strings that sit on every edge of js-yaml's style choice: keywords, numbers, indicators, quotes, spaces, escapes. */
const TRICKY = [
  '', ' ', 'a b', ' lead', 'trail ', 'y', 'Y', 'yes', 'No', 'on', 'OFF', 'null', 'Null', '~', 'true', 'False', 'TRUE',
  '0', '8080', '-1', '+1', '0x1F', '0o17', '1_000', '1.5', '.5', '1e3', '.inf', '-.Inf', '.nan', '12:30', '1:2:3',
  '2024-01-01', '2024-01-01T10:00:00Z', '<<', '-', '-t', '--address', '?', '? x', ':', 'a:b', 'a: b', 'a #b', '#x', '&a',
  '*a', '!tag', '|', '>', '%', '@x', '`x', '"q"', "'q'", "it's", '[x]', '{x}', 'a,b', 'x]', 'https://h.example.com:9093/p?q=1#f',
  'mcp-grafana-x', 'app.kubernetes.io/name', 'a\tb', 'tab\t', '\u0007bell', 'ü', 'Grüße', '日本', '😀', 'a\u2028b', 'x\u00a0y',
  'RuntimeDefault', 'IfNotPresent', '500m', '64Mi', 'v1.28', 'v1', 'apps/v1', 'Y2K', 'NaN', 'Infinity',
];

/** Multi-line text: lines of the tricky characters, leading spaces and line feeds, empty lines, trailing line feeds. */
const multiLineArb = fc
  .array(fc.oneof(fc.constantFrom('', ' ', '  x', '{', '  "a": 1,', '}', 'ü', '\t', '\r', '😀', '# c', '- x', 'a: b'), fc.string({ maxLength: 8 })), { minLength: 2, maxLength: 6 })
  .map((lines) => lines.join('\n'));
const scalarArb = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.string({ unit: fc.constantFrom(...'aZ09 -_.:/#,\'"?!&*[]{}|>%@`~\t\\xyé😀'.split('')), maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  multiLineArb,
);
const keyArb = fc.oneof(fc.constantFrom(...TRICKY), fc.string({ maxLength: 10 }));
const { value: valueArb } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalarArb, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(keyArb, tie('value'), { maxKeys: 4 }),
}));

describe('block YAML', () => {
  it('writes every tricky string exactly as js-yaml does, as a value, a key and a sequence item', () => {
    for (const text of TRICKY) {
      for (const value of [text, { [text]: text }, [text], { list: [text, { [text]: [text] }] }]) expect(dumpBlockYaml(value)).toBe(jsYaml(value));
    }
  });

  it('matches js-yaml byte for byte on random JSON-like documents (nesting, empties, numbers, unicode)', () => {
    fc.assert(
      fc.property(valueArb, (value) => {
        expect(dumpBlockYaml(value)).toBe(jsYaml(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('writes multi-line values as js-yaml does: literal blocks with their indentation and chomping indicators, or quoted', () => {
    const texts = ['{\n  "a": 1\n}\n', 'a\nb', 'a\nb\n\n', '\n', '\n\n', ' lead\nx', '\n  lead\nx', 'x\n\n\ny', 'tab\t\nx', 'cr\r\nx', 'ü\n日本', '😀\nx', 'a\u2028\nb'];
    for (const text of texts) {
      for (const value of [{ data: { 'config.json': text } }, { list: [{ key: text, other: 1 }] }, [[{ deep: { deeper: text } }]], [text]]) expect(dumpBlockYaml(value)).toBe(jsYaml(value));
    }
  });

  it('hands non-JSON values to js-yaml unchanged', () => {
    for (const value of [['a\r\nb'], { when: new Date(0) }, { skipped: undefined, kept: 1 }]) {
      expect(dumpBlockYaml(value)).toBe(jsYaml(value));
    }
  });

  it('matches js-yaml on every manifest the Kubernetes generator builds for a synthetic fleet', () => {
    const fleet = syntheticFleet(12, { kubernetes: { externalSecrets: { storeName: 'vault', storeKind: 'ClusterSecretStore' } } });
    const manifests = [...agentManifests(fleet), ...fleet.customers.flatMap((c) => customerManifests(c, fleet.config))];
    expect(manifests.length).toBeGreaterThan(100);
    for (const manifest of manifests) expect(dumpBlockYaml(manifest)).toBe(jsYaml(manifest));
  });
});
