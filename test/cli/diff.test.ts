/**
 * pnpm diff against a fixture git repository: `main` holds three customers, branch `feature` adds delta, moves
 * bravo's Grafana URL and removes charlie. The fixture holds only customers/ and out/: the code that generates
 * both sides is this repo's (see review/base-inputs.ts for why).
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRAVO_NEW_GRAFANA_URL, baseCustomers, fixtureWithChange, type GitFixture } from '../helpers/git-fixture.ts';
import { runCli, type CliResult } from '../helpers/fleet-repo.ts';

const OLD_URL = 'https://grafana.bravo.example.com';

let fixture: GitFixture;
let baseCommit: string;

beforeAll(async () => {
  ({ fixture, baseCommit } = await fixtureWithChange());
});
afterAll(() => fixture?.dispose());

const diff = (...args: string[]): Promise<CliResult> => runCli('diff', ['--root', fixture.root, ...args]);

/** The lines of a text block that starts with `heading` and ends at the next blank line. */
function block(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  expect(start, `"${heading}" in:\n${text}`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

interface JsonDiff {
  base: { ref: string; commit: string; how: string };
  changed: boolean;
  customers: Array<{ id: string; change: string; fields: Array<{ path: string; before?: unknown; after?: unknown }> }>;
  objects: Array<{ output: string; id: string; customer?: string; change: string; fields: Array<{ path: string; before?: unknown; after?: unknown }> }>;
  files: Array<{ path: string; change: string }>;
  patch: string;
}

describe('pnpm diff', () => {
  it('text: names the added, removed and changed customer, the objects per output with changed fields, then the unified diff; exit 2', async () => {
    const result = await diff();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(2);
    const out = result.stdout;
    expect(out).toContain(`main (${baseCommit.slice(0, 7)}, merge base with main) → working tree`);

    // Added and removed customers in detail: URLs, host ports (each side's ports lock), credential variable names.
    const portsOf = (json: string) => (JSON.parse(json) as { ports: Record<string, number> }).ports;
    const basePorts = portsOf(fixture.git('show', 'main:out/ports.lock.json'));
    const headPorts = portsOf(fixture.git('show', 'HEAD:out/ports.lock.json'));
    expect(block(out, 'Customers: 1 added, 1 removed, 1 changed')).toEqual([
      '  ~ bravo  "Bravo"  changed (grafana, genesys)',
      `      servers[grafana].config.grafana_url: "${OLD_URL}" → "${BRAVO_NEW_GRAFANA_URL}"`,
      '  - charlie  "Charlie"  removed (alertmanager)',
      '      host charlie.example.com',
      `      alertmanager: alertmanager_url http://charlie.example.com:9093 · host port ${basePorts['charlie/alertmanager']} · no credentials`,
      '  + delta  "Delta"  added (grafana, alertmanager)',
      '      host delta.example.com',
      `      grafana: grafana_url https://grafana.delta.example.com · host port ${headPorts['delta/grafana']} · credentials GRAFANA_TOKEN_DELTA`,
      `      alertmanager: alertmanager_url http://delta.example.com:9093 · host port ${headPorts['delta/alertmanager']} · no credentials`,
    ]);

    const sectionTitles = out.split('\n').filter((l) => /^(\w[\w-]* \((added|removed|changed)\)|Fleet-wide)$/.test(l));
    expect(sectionTitles).toEqual(['bravo (changed)', 'charlie (removed)', 'delta (added)', 'Fleet-wide']);

    const bravo = block(out, 'bravo (changed)');
    expect(bravo).toEqual(
      expect.arrayContaining([
        '  compose',
        '    ~ service mcp-grafana-bravo',
        `        environment.GRAFANA_URL: "${OLD_URL}" → "${BRAVO_NEW_GRAFANA_URL}"`,
        '    ~ bravo/grafana',
        `        config.grafana_url: "${OLD_URL}" → "${BRAVO_NEW_GRAFANA_URL}"`,
        '    ~ GRAFANA_TOKEN_BRAVO',
      ]),
    );
    expect(bravo.filter((l) => /^ {4}[+~-] /.test(l)).every((l) => l.includes('bravo') || l.includes('BRAVO'))).toBe(true);
    expect(block(out, 'charlie (removed)')).toEqual(expect.arrayContaining(['    - service mcp-alertmanager-charlie', '    - network mcp-charlie', '    - charlie/alertmanager']));
    expect(block(out, 'delta (added)')).toEqual(
      expect.arrayContaining(['    + service mcp-grafana-delta', '    + service mcp-alertmanager-delta', '    + GRAFANA_TOKEN_DELTA', '    + delta/grafana', '    + delta/alertmanager']),
    );
    // A customer's Swarm stack is filed under the customer, never fleet-wide.
    const swarmLines = (section: string) => {
      const lines = block(out, section);
      const start = lines.indexOf('  swarm');
      return start < 0 ? [] : lines.slice(start + 1, lines.findIndex((l, i) => i > start && /^ {2}\S/.test(l)) >>> 0);
    };
    expect(swarmLines('delta (added)')).toEqual(expect.arrayContaining(['    + service mcp-grafana-delta', '    + network mcp-delta']));
    expect(swarmLines('charlie (removed)')).toEqual(expect.arrayContaining(['    - service mcp-alertmanager-charlie']));
    // Fleet-wide keeps only the agent's own service (it joins the new network and leaves the old one).
    expect(swarmLines('Fleet-wide').filter((l) => /^ {4}[+~-] /.test(l))).toEqual(['    ~ service mcp-agent']);

    const summaryEnd = out.indexOf('diff --git');
    expect(summaryEnd).toBeGreaterThan(out.indexOf('Customers:'));
    expect(out.slice(0, summaryEnd)).not.toMatch(/alpha \(|\+ .*alpha|- .*alpha|~ .*alpha/);
    const patch = out.slice(summaryEnd);
    expect(patch).toContain('--- a/out/docker-compose.mcps.yml\n+++ b/out/docker-compose.mcps.yml\n');
    expect(patch).toContain(`-      GRAFANA_URL: "${OLD_URL}"\n+      GRAFANA_URL: "${BRAVO_NEW_GRAFANA_URL}"`);
    expect(patch).toContain('+GRAFANA_TOKEN_DELTA=');
    expect(patch).toMatch(/^ {7}GRAFANA_SERVICE_ACCOUNT_TOKEN: "\$\{GRAFANA_TOKEN_BRAVO/m); // context lines around the change
  });

  it('json: exactly the changed customers, fields and per-output objects', async () => {
    const result = await diff('--format', 'json');
    expect(result.code).toBe(2);
    const json = JSON.parse(result.stdout) as JsonDiff;
    expect(json.base).toEqual({ ref: 'main', commit: baseCommit, how: 'merge base with main' });
    expect(json.changed).toBe(true);
    expect(json.customers.map((c) => [c.id, c.change])).toEqual([
      ['bravo', 'changed'],
      ['charlie', 'removed'],
      ['delta', 'added'],
    ]);
    expect(json.customers[0]!.fields).toEqual([{ path: 'servers[grafana].config.grafana_url', before: OLD_URL, after: BRAVO_NEW_GRAFANA_URL }]);

    const objects = (output: string) =>
      json.objects
        .filter((o) => o.output === output && o.customer !== undefined)
        .map((o) => `${o.change} ${o.customer} ${o.id}${o.fields.length ? `: ${o.fields.map((f) => f.path).join(', ')}` : ''}`)
        .sort();
    expect(objects('compose')).toEqual([
      'added delta network mcp-delta',
      'added delta service mcp-alertmanager-delta',
      'added delta service mcp-grafana-delta',
      'changed bravo service mcp-grafana-bravo: environment.GRAFANA_URL',
      'removed charlie network mcp-charlie',
      'removed charlie service mcp-alertmanager-charlie',
    ]);
    expect(objects('env')).toEqual(['added delta GRAFANA_TOKEN_DELTA', 'changed bravo GRAFANA_TOKEN_BRAVO: comment']);
    expect(objects('runtime')).toEqual([
      'added delta customer delta',
      'added delta delta/alertmanager',
      'added delta delta/grafana',
      'changed bravo bravo/grafana: config.grafana_url',
      'removed charlie charlie/alertmanager',
      'removed charlie customer charlie',
    ]);
    expect(objects('ports')).toEqual(['added delta delta/alertmanager', 'added delta delta/grafana', 'removed charlie charlie/alertmanager']);
    expect(json.objects.some((o) => o.customer === 'alpha')).toBe(false);
    expect(json.files).toEqual(
      expect.arrayContaining([
        { path: 'out/docker-compose.mcps.yml', change: 'changed', additions: expect.any(Number), deletions: expect.any(Number) },
        { path: 'out/env/mcp_credentials.env.example', change: 'changed', additions: 4, deletions: 3 },
      ]),
    );
    expect(json.patch).toContain(`+      GRAFANA_URL: "${BRAVO_NEW_GRAFANA_URL}"`);
  });

  it('markdown: a collapsible section per customer, tables, the diff; fits a PR comment and trims with a note', async () => {
    // Independent runs go in parallel: each one starts a tsx process.
    const [result, small] = await Promise.all([diff('--format', 'markdown'), diff('--format', 'markdown', '--limit', '6000')]);
    expect(result.code).toBe(2);
    const md = result.stdout;
    expect(md.length).toBeLessThanOrEqual(60_000);
    expect(md).toContain('**Customers: 1 added, 1 removed, 1 changed**');
    expect(md).toContain('| ✏️ | `bravo` Bravo | `servers[grafana].config.grafana_url` |');
    expect(md).toContain('| ➖ | `charlie` Charlie | removed: alertmanager<br>`host charlie.example.com`<br>`alertmanager: alertmanager_url http://charlie.example.com:9093 · host port ');
    expect(md).toMatch(/\| ➕ \| `delta` Delta \| added: grafana, alertmanager<br>`host delta\.example\.com`<br>`grafana: grafana_url https:\/\/grafana\.delta\.example\.com · host port \d+ · credentials GRAFANA_TOKEN_DELTA`<br>`alertmanager: [^`]+` \|/);
    const summaries = [...md.matchAll(/<details><summary>(.*?)<\/summary>/g)].map((m) => m[1]);
    expect(summaries).toEqual([
      expect.stringMatching(/^✏️ <b>bravo<\/b> Bravo — changed \(\d+ objects\)$/),
      expect.stringMatching(/^➖ <b>charlie<\/b> Charlie — removed \(\d+ objects\)$/),
      expect.stringMatching(/^➕ <b>delta<\/b> Delta — added \(\d+ objects\)$/),
      expect.stringMatching(/^<b>Fleet-wide<\/b>/),
      expect.stringMatching(/^Unified diff: \d+ files/),
    ]);
    expect(md).toContain(`- \`environment.GRAFANA_URL: "${OLD_URL}" → "${BRAVO_NEW_GRAFANA_URL}"\``);
    expect(md).not.toContain('<b>alpha</b>');
    // The diff block starts with the first changed file (the agent replicas override joins the customers' networks too).
    expect(md).toMatch(/```diff\ndiff --git a\/out\/docker-compose.agent-replicas.yml/);
    expect(md).toContain('diff --git a/out/docker-compose.mcps.yml');
    expect(md).not.toContain('Trimmed');

    expect(small.code).toBe(2);
    expect(small.stdout.length).toBeLessThanOrEqual(6000);
    expect(small.stdout).toContain('Trimmed to fit a PR comment (6,000 characters)');
    expect(small.stdout).toContain('<b>bravo</b>');
    expect(small.stdout.match(/<details>/g)?.length).toBe(small.stdout.match(/<\/details>/g)?.length);
    expect((small.stdout.match(/^```/gm)?.length ?? 0) % 2).toBe(0);
  });

  it('with no change exits 0; diffs the working tree, not the last commit', async () => {
    const [same, json] = await Promise.all([diff('--base', 'HEAD'), diff('--base', 'HEAD', '--format', 'json')]);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('No change');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ changed: false, customers: [], objects: [], files: [] });

    const alpha = structuredClone(baseCustomers.alpha!) as { name: string };
    alpha.name = 'Alpha Renamed';
    fixture.writeCustomer('alpha', alpha);
    try {
      const edited = await diff('--base', 'HEAD', '--format', 'json');
      expect(edited.code).toBe(2);
      const parsed = JSON.parse(edited.stdout) as JsonDiff;
      expect(parsed.customers).toEqual([{ id: 'alpha', name: 'Alpha Renamed', change: 'changed', servers: ['grafana', 'alertmanager'], fields: [{ path: 'name', before: 'Alpha', after: 'Alpha Renamed' }] }]);
    } finally {
      fixture.git('checkout', '--', 'customers/alpha.ts');
    }
  });

  it('on main the base is HEAD, so a clean main has no change', async () => {
    fixture.git('checkout', '--quiet', 'main');
    try {
      const result = await diff();
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('HEAD on main');
    } finally {
      fixture.git('checkout', '--quiet', 'feature');
    }
  });

  it('exits 1 with a message for an unknown ref, an invalid working tree or a bad flag', async () => {
    const [ref, format] = await Promise.all([diff('--base', 'no-such-branch'), diff('--format', 'yaml')]);
    expect(ref.code).toBe(1);
    expect(ref.stderr).toContain('unknown git ref "no-such-branch"');
    expect(format.code).toBe(1);
    expect(format.stderr).toContain('unknown --format "yaml"');

    const broken = path.join(fixture.customersDir, 'broken.ts');
    writeFileSync(broken, 'export default { name: "Broken", host: "broken.example.com", mcpServers: [] };\n');
    try {
      const invalid = await diff();
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).toContain('the fleet in the working tree does not validate');
      expect(invalid.stderr).toContain('customers/broken.ts › mcpServers: a customer needs at least one MCP server');
      expect(invalid.stdout).toBe('');
    } finally {
      rmSync(broken);
    }
  });
});

describe('markdown limits (renderer alone)', () => {
  /** A review of `count` added customers whose compose diff alone is larger than a PR comment may be. */
  async function largeReview(count: number) {
    const { unifiedDiff } = await import('../../review/unified-diff.ts');
    const ids = Array.from({ length: count }, (_, i) => `customer-${String(i).padStart(3, '0')}`);
    const big = Array.from({ length: 1200 }, (_, i) => `  service-${i}:\n    image: "x"\n    command: ["\`\`\`\`", "a|b"]\n`).join('');
    const files = [{ path: 'docker-compose.mcps.yml', output: 'compose', change: 'changed' as const, before: 'services: {}\n', after: big }];
    return {
      base: { ref: 'main', commit: 'a'.repeat(40), how: 'given' },
      diff: {
        customers: ids.map((id) => ({ id, name: `Name <${id}> | *x*`, change: 'added' as const, servers: ['grafana'], fields: [] })),
        config: [],
        objects: ids.map((id) => ({ output: 'compose', file: 'docker-compose.mcps.yml', id: `service mcp-grafana-${id}`, customer: id, change: 'added' as const, fields: [] })),
        files,
        outputOrder: ['compose', 'manifest'],
      },
      patches: unifiedDiff(files),
    };
  }
  const balanced = (md: string) => expect(md.match(/<details>/g)?.length).toBe(md.match(/<\/details>/g)?.length);

  it('cuts the unified diff at a line and closes its block when the summary fits', async () => {
    const { renderMarkdown } = await import('../../review/render-markdown.ts');
    const review = await largeReview(20);
    expect(review.patches[0]!.patch.length).toBeGreaterThan(60_000);
    const md = renderMarkdown(review);
    expect(md.length).toBeLessThanOrEqual(60_000);
    expect(md).toContain('Trimmed to fit a PR comment (60,000 characters): part of one file diff not shown.');
    expect(md).toContain('<b>customer-019</b>');
    expect(md).toMatch(/\n… \d+ more lines of out\/docker-compose.mcps.yml not shown\n/);
    balanced(md);
    // The diff holds a run of four backticks, so its fence is longer than that, and it is closed.
    expect(md).toContain('`````diff\n');
    expect(md.endsWith('`````\n\n</details>\n')).toBe(true);
    // Customer names are user input: escaped in the table, so they cannot open tags or split cells.
    expect(md).toContain('| ➕ | `customer-000` Name &lt;customer-000&gt; \\| \\*x\\* | added: grafana |');
    expect(md).not.toContain('<customer-000>');
  });

  it('leaves out whole customer sections, then the diff, when the summary alone is too long', async () => {
    const { renderMarkdown } = await import('../../review/render-markdown.ts');
    const md = renderMarkdown(await largeReview(400));
    expect(md.length).toBeLessThanOrEqual(60_000);
    expect(md).toMatch(/Trimmed to fit a PR comment \(60,000 characters\): \d+ customer sections, the diff of 1 file not shown/);
    expect(md).toContain('<b>customer-000</b>');
    expect(md).not.toContain('<b>customer-399</b>');
    balanced(md);
  });
});
