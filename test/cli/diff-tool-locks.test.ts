/**
 * pnpm diff with tool locks (docs/tool-locks.md): the base commit's tool-locks/ against the working tree's, in a
 * fixture git repository. Alpha's lock gains a destructive tool and one of its tools changes its input schema while
 * its customer file stays the same: alpha still gets a section with its tool changes, in every format, exit 2.
 * Bravo's customer file changes but its lock does not: no tool lines for it. Unchanged locks: exit 0.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/fleet-repo.ts';
import { baseCustomers, GitFixture } from '../helpers/git-fixture.ts';
import { buildLock, writeLock, type LiveTool } from '../../scripts/lib/tool-locks.mjs';

let fixture: GitFixture;
const locksDir = () => path.join(fixture.root, 'tool-locks');
const diff = (...args: string[]): Promise<CliResult> => runCli('diff', ['--root', fixture.root, '--base', 'main', ...args]);

const tools: LiveTool[] = [
  { name: 'getAlerts', inputSchema: { type: 'object', properties: { filter: { type: 'string' } } }, annotations: { readOnlyHint: true } },
  { name: 'getSilences', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } },
];

beforeAll(async () => {
  fixture = new GitFixture();
  for (const id of ['alpha', 'bravo']) fixture.writeCustomer(id, baseCustomers[id]!);
  await fixture.generate();
  writeLock(locksDir(), buildLock('alpha', [{ name: 'alertmanager', type: 'alertmanager', tools }]));
  writeLock(locksDir(), buildLock('bravo', [{ name: 'grafana', type: 'grafana', tools: [{ name: 'search_dashboards', annotations: { readOnlyHint: true } }] }]));
  fixture.commit('base fleet with tool locks');
}, 60_000);
afterAll(() => fixture?.dispose());

describe('pnpm diff and tool locks', () => {
  it('unchanged locks and customers: no change, exit 0', async () => {
    const result = await diff();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('tool changes appear in the customer section next to the config changes; a customer with only tool changes too; exit 2', async () => {
    // The running servers changed (as pnpm manage tools lock would record it): a new destructive tool, a changed schema.
    writeLock(
      locksDir(),
      buildLock('alpha', [
        {
          name: 'alertmanager',
          type: 'alertmanager',
          tools: [tools[0]!, { ...tools[1]!, inputSchema: { type: 'object', properties: { limit: { type: 'number' } } } }, { name: 'deleteSilence', annotations: { destructiveHint: true } }],
        },
      ]),
    );
    const bravo = structuredClone(baseCustomers.bravo!) as { mcpServers: Array<Record<string, unknown>> };
    bravo.mcpServers[0]!.url = 'https://grafana-new.bravo.example.com';
    fixture.writeCustomer('bravo', bravo);

    const text = await diff('--summary-only');
    expect(text.stderr).toBe('');
    expect(text.code).toBe(2);
    expect(text.stdout).toContain('Tool locks: 1 customer\n  ~ tool-locks/alpha.json  changed: tools +1 −0 ~1');
    const alpha = text.stdout.slice(text.stdout.indexOf('\nalpha\n'));
    expect(alpha.split('\n').slice(1, 5)).toEqual([
      'alpha',
      '  tools (tool-locks/alpha.json)',
      '    + alertmanager/deleteSilence: may be destructive (a new tool that may change things)',
      expect.stringMatching(/^ {4}~ alertmanager\/getSilences: inputSchema sha256:[0-9a-f]{12}… → sha256:[0-9a-f]{12}…$/),
    ]);
    // Bravo: its config change, no tool lines.
    const bravoSection = text.stdout.slice(text.stdout.indexOf('\nbravo (changed)\n'));
    expect(bravoSection).not.toContain('tools (tool-locks/bravo.json)');

    const markdown = await diff('--format', 'markdown', '--summary-only');
    expect(markdown.code).toBe(2);
    expect(markdown.stdout).toContain('**Tool locks:** `tool-locks/alpha.json` changed (+1 −0 ~1)');
    expect(markdown.stdout).toContain('- ➕ `alertmanager/deleteSilence: may be destructive (a new tool that may change things)`');

    const json = await diff('--format', 'json', '--summary-only');
    expect(json.code).toBe(2);
    const parsed = JSON.parse(json.stdout) as { tools: Array<{ customer: string; tools: Array<{ tool: string; change: string; writes?: boolean }> }> };
    expect(parsed.tools.map((t) => t.customer)).toEqual(['alpha']);
    expect(parsed.tools[0]!.tools.map((t) => [t.change, t.tool, t.writes ?? false])).toEqual([
      ['added', 'deleteSilence', true],
      ['changed', 'getSilences', false],
    ]);
  });

  it('a broken lock file is an error naming it (exit 1)', async () => {
    const file = path.join(locksDir(), 'bravo.json');
    const kept = readFileSync(file, 'utf8');
    writeFileSync(file, '{ not json');
    try {
      const result = await diff('--summary-only');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('tool-locks/bravo.json: not JSON');
    } finally {
      writeFileSync(file, kept);
    }
  });
});
