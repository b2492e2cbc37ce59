/** Parallel connect per customer, namespaced tools, and the LRU pool, against real fixture servers. */
import { afterAll, describe, expect, it } from 'vitest';
import { AgentRuntime } from '../../runtime/agent-runtime.ts';
import { CustomerSession } from '../../runtime/pool/customer-session.ts';
import { TOOL_NAME_PATTERN } from '../../runtime/tool-names.ts';
import { startBlackHole, startFixture } from './fixtures/mcp-fixture.ts';
import { cleanup, customer, freePort, server } from './helpers.ts';

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(closers.map((c) => c().catch(() => {})));
  await cleanup();
});

async function fixture(options: Parameters<typeof startFixture>[0] = {}) {
  const f = await startFixture(options);
  closers.push(f.close);
  return f;
}

describe('CustomerSession', () => {
  it('connects all servers in parallel; a slow or dead one neither blocks nor breaks the others', async () => {
    const fast = await fixture();
    const slow = await fixture({ startDelayMs: 300 });
    const dead1 = await startBlackHole();
    const dead2 = await startBlackHole();
    closers.push(dead1.close, dead2.close);
    const refusedPort = await freePort();
    // When the slow server sees its initialize, both dead servers must already have been contacted.
    let deadSeenBySlow = -1;
    slow.stats.onInitialize = () => (deadSeenBySlow = dead1.connections() + dead2.connections());

    const session = new CustomerSession(
      customer('acme', 'Acme', [
        server('grafana', fast.url),
        server('slow', slow.url, 'alertmanager'),
        server('dead', dead1.url, 'genesys'),
        server('dead2', dead2.url, 'genesys'),
        server('gone', `http://127.0.0.1:${refusedPort}/mcp`, 'grafana'),
      ]),
      { connectTimeoutMs: 1_500 },
    );
    closers.push(() => session.close());
    const started = Date.now();
    const report = await session.connectAll();
    const elapsed = Date.now() - started;

    expect(deadSeenBySlow).toBe(2);
    // Sequential would take at least 2 × 1500 ms (two dead servers) + 300 ms.
    expect(elapsed).toBeLessThan(3_000);
    expect(report.connected_mcps).toEqual(['grafana', 'alertmanager']);
    expect(report.connected_servers.map((s) => s.name)).toEqual(['grafana', 'slow']);
    expect(report.failed_mcps).toEqual([
      expect.objectContaining({ type: 'genesys', name: 'dead', reason: 'timeout' }),
      expect.objectContaining({ type: 'genesys', name: 'dead2', reason: 'timeout' }),
      expect.objectContaining({ type: 'grafana', name: 'gone', reason: 'refused' }),
    ]);
    expect(report.pending_mcps).toEqual([]);

    const names = session.tools().map((t) => t.name);
    expect(names).toContain('grafana_echo');
    expect(names).toContain('slow_echo');
    for (const name of names) expect(name).toMatch(TOOL_NAME_PATTERN);
    expect(report.tool_count).toBe(names.length);
    const called = await session.callTool('slow_add', { a: 1, b: 2 });
    expect(called?.tool).toMatchObject({ server: 'slow', original_name: 'add', type: 'alertmanager' });
    expect(await session.callTool('nope_tool', {})).toBeUndefined();
  });

  it('namespaces two servers of the same type apart and follows list_changed', async () => {
    const prod = await fixture();
    const staging = await fixture();
    const session = new CustomerSession(customer('n', 'N', [server('grafana', prod.url), server('staging', staging.url, 'grafana')]));
    closers.push(() => session.close());
    await session.connectAll();
    const names = session.tools().map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['grafana_echo', 'staging_echo']));
    await new Promise((r) => setTimeout(r, 100));
    staging.addTool('search_dashboards');
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && !session.findTool('staging_search_dashboards')) await new Promise((r) => setTimeout(r, 25));
    expect(session.findTool('staging_search_dashboards')).toMatchObject({ server: 'staging', original_name: 'search_dashboards' });
    expect(session.findTool('grafana_search_dashboards')).toBeUndefined();
  });
});

describe('CustomerSession.resume', () => {
  it('returns at once for a pooled session and reconnects a server that came back in the background', async () => {
    const port = await freePort();
    const up = await fixture();
    const session = new CustomerSession(customer('r', 'R', [server('grafana', up.url), server('late', `http://127.0.0.1:${port}/mcp`)]), { backoffInitialMs: 100 });
    closers.push(() => session.close());
    const first = await session.connectAll();
    expect(first.failed_mcps).toEqual([expect.objectContaining({ name: 'late', state: 'failed', reason: 'refused' })]);

    const late = await fixture({ port });
    await new Promise((r) => setTimeout(r, 150)); // past the 100 ms backoff
    const resumed = await session.resume();
    expect(resumed.failed_mcps).toEqual([expect.objectContaining({ name: 'late', state: 'connecting' })]);
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && session.report().connected_servers.length < 2) await new Promise((r) => setTimeout(r, 20));
    expect(session.report()).toMatchObject({ connected_mcps: ['grafana', 'late'], failed_mcps: [] });
    expect(late.stats.initializes).toBe(1);
    expect(session.findTool('late_echo')).toBeDefined();
  });
});

describe('AgentRuntime pool', () => {
  it('keeps recently used customers connected (LRU) and closes evicted ones', async () => {
    const a = await fixture();
    const b = await fixture();
    const c = await fixture();
    const runtime = new AgentRuntime(
      { customers: [customer('a', 'Alpha', [server('s', a.url)]), customer('b', 'Beta', [server('s', b.url)]), customer('c', 'Gamma', [server('s', c.url)])] },
      { poolSize: 2, connection: { connectTimeoutMs: 2_000 } },
    );
    closers.push(() => runtime.close());

    expect((await runtime.switchCustomer('Alpha')).pooled).toBe(false);
    expect((await runtime.switchCustomer('b')).pooled).toBe(false);
    const back = await runtime.switchCustomer('alpha'); // case-insensitive name
    expect(back).toMatchObject({ success: true, pooled: true, customer: 'Alpha', customer_id: 'a', connected_mcps: ['s'] });
    expect(a.stats.initializes).toBe(1);

    // Gamma evicts the least recently used (Beta), whose session is ended with DELETE.
    await runtime.switchCustomer('Gamma');
    expect(runtime.pooledCustomers()).toEqual(['c', 'a']);
    const deadline = Date.now() + 3_000;
    while (Date.now() < deadline && b.stats.deletes === 0) await new Promise((r) => setTimeout(r, 20));
    expect(b.stats.deletes).toBe(1);
    expect((await runtime.switchCustomer('Beta')).pooled).toBe(false);
    expect(b.stats.initializes).toBe(2);
  });

  it('never evicts the current customer, even when a detail request connects another', async () => {
    const a = await fixture();
    const b = await fixture();
    const runtime = new AgentRuntime({ customers: [customer('a', 'Alpha', [server('s', a.url)]), customer('b', 'Beta', [server('s', b.url)])] }, { poolSize: 1 });
    closers.push(() => runtime.close());
    await runtime.switchCustomer('a');
    const detail = await runtime.customerDetail('Beta');
    expect(detail.tools).toContain('s_echo');
    expect(detail.current).toBe(false);
    expect(runtime.pooledCustomers()).toEqual(['a']);
    expect(runtime.current?.id).toBe('a');
    const called = await runtime.callTool('s_echo', { text: 'still here' });
    expect(called?.result.content).toEqual([{ type: 'text', text: 'still here' }]);

    // With room for one customer, switching replaces the old current one.
    const switched = await runtime.switchCustomer('b');
    expect(switched.success).toBe(true);
    expect(runtime.pooledCustomers()).toEqual(['b']);
    expect((await runtime.callTool('s_echo', { text: 'on b' }))?.result.content).toEqual([{ type: 'text', text: 'on b' }]);
  });

  it('a later switch wins over an earlier slower one', async () => {
    const slow = await fixture({ startDelayMs: 400 });
    const fast = await fixture();
    const runtime = new AgentRuntime({ customers: [customer('slow', 'Slow', [server('s', slow.url)]), customer('fast', 'Fast', [server('s', fast.url)])] });
    closers.push(() => runtime.close());
    const [first, second] = await Promise.all([runtime.switchCustomer('slow'), runtime.switchCustomer('fast')]);
    expect(first).toMatchObject({ success: false, error: 'superseded by a later switch request' });
    expect(second.success).toBe(true);
    expect(runtime.current?.id).toBe('fast');
  });
});
