/**
 * Tool locks in a review (docs/tool-locks.md): two sets of locks compared per customer — tools added, removed,
 * changed (input schema hash, annotations) — shown in the customer's section next to its config changes in text,
 * Markdown and JSON; a customer with only tool changes still gets a section; any tool change is a change (exit 2).
 * Also the lock file itself: deterministic bytes, canonical schema hashes.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ToolFilter } from '../../runtime/gateway/gateway-filter.ts';
import type { Review } from '../../review/review-change.ts';
import { renderJson } from '../../review/render-json.ts';
import { renderMarkdown } from '../../review/render-markdown.ts';
import { renderText } from '../../review/render-text.ts';
import { sectionsOf } from '../../review/sections.ts';
import { hasChanges, type FleetDiff } from '../../review/semantic-diff.ts';
import { diffToolLocks } from '../../review/tool-lock-diff.ts';
import { buildLock, filterAllows, filterCovers, formatLock, parseLock, schemaHash, type LiveTool, type ToolLock } from '../../scripts/lib/tool-locks.mjs';

const schema = (props: Record<string, unknown>) => ({ type: 'object', properties: props });
const getAlerts: LiveTool = { name: 'getAlerts', inputSchema: schema({ filter: { type: 'string' } }), annotations: { readOnlyHint: true } };
const getSilences: LiveTool = { name: 'getSilences', inputSchema: schema({}), annotations: { readOnlyHint: true } };
const createSilence: LiveTool = { name: 'createSilence', inputSchema: schema({ matchers: { type: 'array' } }), annotations: { readOnlyHint: false, destructiveHint: false } };
const deleteSilence: LiveTool = { name: 'deleteSilence', inputSchema: schema({ id: { type: 'string' } }), annotations: { destructiveHint: true } };

const lock = (customer: string, tools: LiveTool[]): ToolLock => buildLock(customer, [{ name: 'alertmanager', type: 'alertmanager', tools }]);

const emptyDiff = (): FleetDiff => ({ customers: [], config: [], objects: [], files: [], outputOrder: ['runtime', 'manifest'] });
const review = (diff: FleetDiff): Review => ({ base: { ref: 'main', commit: 'a'.repeat(40), how: 'given' }, diff, patches: [] });

describe('tool lock files', () => {
  it('are the same bytes whatever the order of servers, tools and schema keys', () => {
    const a = formatLock(buildLock('acme', [{ name: 'b', type: 't', tools: [getSilences, getAlerts] }, { name: 'a', type: 't', tools: [createSilence] }]));
    const reordered = { ...getAlerts, inputSchema: { properties: { filter: { type: 'string' } }, type: 'object' } };
    const b = formatLock(buildLock('acme', [{ name: 'a', type: 't', tools: [createSilence] }, { name: 'b', type: 't', tools: [reordered, getSilences] }]));
    expect(a).toBe(b);
    expect(a.indexOf('"a"')).toBeLessThan(a.indexOf('"b"'));
    expect(a).toMatch(/^\{\n {2}"\$comment": "Do not edit: written by pnpm manage tools lock/);
    expect(a.endsWith('}\n')).toBe(true);
    expect(schemaHash(getAlerts.inputSchema)).toBe(schemaHash(reordered.inputSchema));
    expect(schemaHash(getAlerts.inputSchema)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(schemaHash(undefined)).toBe(schemaHash({}));
    // Only boolean hints are recorded.
    const entry = buildLock('x', [{ name: 's', type: 't', tools: [{ name: 'odd', annotations: { title: 'Odd', readOnlyHint: 'yes' } }] }]).servers.s!.tools.odd!;
    expect(entry).toEqual({ inputSchema: schemaHash({}) });
    expect(() => parseLock('{"customer":"x"}', 'tool-locks/x.json')).toThrow('tool-locks/x.json: not a tool lock');
  });

  it('the allow/deny semantics match the gateway filter (upstream or namespaced names, * wildcards)', () => {
    expect(filterAllows(undefined, 'alertmanager', 'deleteSilence')).toBe(true);
    expect(filterAllows({ deny_tools: ['delete*'] }, 'alertmanager', 'deleteSilence')).toBe(false);
    expect(filterAllows({ allow_tools: ['alertmanager_get*'] }, 'alertmanager', 'getAlerts')).toBe(true);
    expect(filterAllows({ allow_tools: ['alertmanager_get*'] }, 'alertmanager', 'deleteSilence')).toBe(false);
    expect(filterCovers(undefined, 'alertmanager', 'deleteSilence')).toBe(false);
    expect(filterCovers({ deny_tools: ['create*'] }, 'alertmanager', 'deleteSilence')).toBe(false);
    expect(filterCovers({ deny_tools: ['alertmanager_delete*'] }, 'alertmanager', 'deleteSilence')).toBe(true);
    expect(filterCovers({ allow_tools: ['get*'] }, 'alertmanager', 'deleteSilence')).toBe(true);
  });

  // The zx scripts cannot import the runtime's TypeScript, so the filter exists twice: held equal here.
  const nameArb = fc.string({ unit: fc.constantFrom('a', 'b', '_', '.', '-'), minLength: 1, maxLength: 5 });
  const patternArb = fc.string({ unit: fc.constantFrom('a', 'b', '_', '.', '*', '?', '['), maxLength: 6 });
  const listArb = fc.option(fc.array(patternArb, { maxLength: 3 }), { nil: undefined });
  test.prop([nameArb, nameArb, listArb, listArb], { numRuns: 500 })('filterAllows decides as the runtime\'s ToolFilter on random patterns and names', (server, tool, allow, deny) => {
    const gateway = { ...(allow && { allow_tools: allow }), ...(deny && { deny_tools: deny }) };
    expect(filterAllows(gateway, server, tool)).toBe(ToolFilter.fromConfig(gateway).allows({ name: `${server}_${tool}`, original_name: tool }));
  });
});

describe('pnpm diff: tool lock changes', () => {
  const before = new Map([
    ['acme', lock('acme', [getAlerts, getSilences, createSilence])],
    ['gone', lock('gone', [getAlerts])],
  ]);
  const changedSchema = { ...getSilences, inputSchema: schema({ limit: { type: 'number' } }) };
  const after = new Map([
    ['acme', lock('acme', [getAlerts, changedSchema, { ...createSilence, annotations: { destructiveHint: true } }, deleteSilence])],
    ['fresh', lock('fresh', [getAlerts])],
  ]);
  const tools = diffToolLocks(before, after);

  it('per customer: tools added, removed, changed (schema hash or annotations), and locks added or removed', () => {
    expect(tools.map((t) => [t.customer, t.lock, t.file])).toEqual([
      ['acme', 'changed', 'tool-locks/acme.json'],
      ['fresh', 'added', 'tool-locks/fresh.json'],
      ['gone', 'removed', 'tool-locks/gone.json'],
    ]);
    expect(tools[0]!.tools).toEqual([
      { server: 'alertmanager', change: 'changed', tool: 'createSilence', detail: 'readOnlyHint: false → unset; destructiveHint: false → true' },
      { server: 'alertmanager', change: 'added', tool: 'deleteSilence', detail: 'may be destructive', writes: true },
      { server: 'alertmanager', change: 'changed', tool: 'getSilences', detail: expect.stringMatching(/^inputSchema sha256:[0-9a-f]{12}… → sha256:[0-9a-f]{12}…$/) },
    ]);
    expect(tools[1]!.tools).toEqual([{ server: 'alertmanager', change: 'added', tool: 'getAlerts', detail: 'read-only' }]);
    expect(diffToolLocks(before, new Map(before))).toEqual([]);
  });

  it('a customer with only tool changes gets its own section, and the review counts as a change', () => {
    const diff = { ...emptyDiff(), tools };
    expect(hasChanges(emptyDiff())).toBe(false);
    expect(hasChanges(diff)).toBe(true);
    expect(sectionsOf(diff).map((s) => [s.id, s.tools?.lock])).toEqual([
      ['acme', 'changed'],
      ['fresh', 'added'],
      ['gone', 'removed'],
    ]);
  });

  it('text, Markdown and JSON list the tool changes in the customer section', () => {
    const r = review({ ...emptyDiff(), tools });
    const text = renderText(r);
    expect(text).toContain('Tool locks: 3 customers\n  ~ tool-locks/acme.json  changed: tools +1 −0 ~2\n  + tool-locks/fresh.json  added: tools +1 −0 ~0\n  - tool-locks/gone.json  removed: tools +0 −1 ~0');
    expect(text).toContain(
      [
        'acme',
        '  tools (tool-locks/acme.json)',
        '    ~ alertmanager/createSilence: readOnlyHint: false → unset; destructiveHint: false → true',
        '    + alertmanager/deleteSilence: may be destructive (a new tool that may change things)',
      ].join('\n'),
    );
    const markdown = renderMarkdown(r);
    expect(markdown).toContain('**Tool locks:** `tool-locks/acme.json` changed (+1 −0 ~2)');
    expect(markdown).toContain('<b>acme</b> (0 objects, 3 tool changes)</summary>');
    expect(markdown).toContain('- ➕ `alertmanager/deleteSilence: may be destructive (a new tool that may change things)`');
    const json = JSON.parse(renderJson(r)) as { changed: boolean; tools: typeof tools };
    expect(json.changed).toBe(true);
    expect(json.tools).toEqual(tools);
  });
});
