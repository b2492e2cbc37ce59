import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { assignToolNames, namespacedToolName, TOOL_NAME_PATTERN } from '../../runtime/tool-names.ts';

describe('tool names', () => {
  it('prefixes the server name', () => {
    expect(namespacedToolName('grafana', 'search_dashboards')).toBe('grafana_search_dashboards');
    expect(namespacedToolName('staging', 'search_dashboards')).toBe('staging_search_dashboards');
  });

  it('shortens long names deterministically with a hash', () => {
    const long = 'x'.repeat(80);
    const a = namespacedToolName('grafana', long);
    expect(a).toMatch(TOOL_NAME_PATTERN);
    expect(a).toHaveLength(64);
    expect(a).toBe(namespacedToolName('grafana', long));
    expect(a).not.toBe(namespacedToolName('grafana', `${long}y`));
    expect(a).toMatch(/^grafana_x+_[0-9a-f]{8}$/);
  });

  it('replaces invalid characters and hashes', () => {
    const name = namespacedToolName('genesys', 'queue.search/v2');
    expect(name).toMatch(TOOL_NAME_PATTERN);
    expect(name).toMatch(/^genesys_queue_search_v2_[0-9a-f]{8}$/);
    expect(name).not.toBe(namespacedToolName('genesys', 'queue_search_v2'));
  });

  it('resolves collisions between different (server, tool) pairs', () => {
    const names = assignToolNames([
      { server: 'a_b', tool: 'c' },
      { server: 'a', tool: 'b_c' },
      { server: 'a', tool: 'd' },
    ]);
    expect(new Set(names).size).toBe(3);
    expect(names[2]).toBe('a_d');
    expect(names[0]).toMatch(/^a_b_c_[0-9a-f]{8}$/);
    // Order does not change the result.
    const reversed = assignToolNames([
      { server: 'a', tool: 'd' },
      { server: 'a', tool: 'b_c' },
      { server: 'a_b', tool: 'c' },
    ]);
    expect(reversed).toEqual([names[2], names[1], names[0]]);
  });

  test.prop([fc.array(fc.record({ server: fc.string({ minLength: 1, maxLength: 70 }), tool: fc.string({ minLength: 1, maxLength: 90 }) }), { maxLength: 30 })])(
    'always valid and unique',
    (refs) => {
      const unique = [...new Map(refs.map((r) => [`${r.server}\u0000${r.tool}`, r])).values()];
      const names = assignToolNames(unique);
      for (const name of names) expect(name).toMatch(TOOL_NAME_PATTERN);
      expect(new Set(names).size).toBe(unique.length);
      expect(assignToolNames(unique)).toEqual(names);
    },
  );
});
