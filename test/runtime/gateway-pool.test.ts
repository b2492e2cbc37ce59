/**
 * The gateway and the LRU pool, session limits and the audit flag, against a runtime process with `--pool-size 1`:
 * a customer with an open gateway session is held (never evicted, no reconnect) and released when the session ends
 * (DELETE or idle timeout); the session limits (per customer and in total) answer 503 naming the limit, and one
 * customer's full quota does not lock out another; AGENT_AUDIT_ARGUMENTS=1 puts argument values in the audit
 * line; shutdown ends gateway sessions and their upstream sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeStreamable, connectStreamable, rawInitialize, rawPost } from './fixtures/gateway-clients.ts';
import { startFixture } from './fixtures/mcp-fixture.ts';
import type { Fixture } from './fixtures/mcp-fixture.ts';
import { cleanup, customer, postJson, server, startRuntime, waitFor, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const IDLE_MS = 1_000;
const closers: Array<() => Promise<void>> = [];
let one: Fixture;
let two: Fixture;
let three: Fixture;
let runtime: RuntimeProc;

const endpoint = (id: string) => `${runtime.url}/customers/${id}/mcp`;

beforeAll(async () => {
  one = await startFixture({ name: 'one' });
  two = await startFixture({ name: 'two' });
  three = await startFixture({ name: 'three' });
  closers.push(one.close, two.close, three.close);
  const config = writeConfig([
    customer('one', 'One', [server('grafana', one.url)]),
    customer('two', 'Two', [server('grafana', two.url)]),
    customer('three', 'Three', [server('grafana', three.url)]),
  ]);
  runtime = await startRuntime(config, {
    args: ['--pool-size', '1', '--gateway-idle-timeout-ms', String(IDLE_MS), '--gateway-max-sessions', '4', '--gateway-max-sessions-per-customer', '2'],
    env: { AGENT_AUDIT_ARGUMENTS: '1' },
  });
});

afterAll(async () => {
  await cleanup();
  await Promise.all(closers.map((c) => c().catch(() => {})));
});

describe('gateway sessions hold their customer in the pool', () => {
  it('an open session keeps its customer connected past LRU eviction; ending it releases the customer', async () => {
    const c = await connectStreamable(endpoint('one'));
    const { client } = c;
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('grafana_echo');
    expect(one.sessionCount()).toBe(1);
    const initializes = one.stats.initializes;

    // The API switches to two, then three: with --pool-size 1, "one" would be evicted if it were not held.
    expect((await runtime.json('/api/customers/switch', postJson({ customer: 'two' }))).status).toBe(200);
    expect((await runtime.json('/api/customers/switch', postJson({ customer: 'three' }))).status).toBe(200);
    await waitFor(() => two.sessionCount() === 0, '"two" evicted (not held, not current)', 5_000);
    expect(one.sessionCount()).toBe(1);
    expect(await client.callTool({ name: 'grafana_add', arguments: { a: 1, b: 1 } })).toMatchObject({ structuredContent: { sum: 2 } });
    expect(one.stats.initializes).toBe(initializes); // no reconnect: same upstream session
    expect((await runtime.json('/api/customers')).body.current_id).toBe('three');

    // DELETE ends the gateway session; the hold goes, and the pool evicts "one" (closing its upstream session).
    await closeStreamable(c);
    await waitFor(() => one.sessionCount() === 0, '"one" evicted after its gateway session ended', 5_000);
    await waitFor(() => /"msg":"gateway session closed".*"customer":"one"/.test(runtime.output()), 'session closed log', 5_000);
  });

  it('closes a session idle for the idle timeout (no request, no open stream) and releases its customer', async () => {
    const init = await rawInitialize(endpoint('two'));
    expect(init.status).toBe(200);
    const sid = init.sessionId!;
    await rawPost(endpoint('two'), sid, { jsonrpc: '2.0', method: 'notifications/initialized' });
    const listed = await rawPost(endpoint('two'), sid, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect(listed.text).toContain('grafana_echo');
    expect(two.sessionCount()).toBe(1);
    await waitFor(() => /"msg":"gateway session idle; closing".*"customer":"two"/.test(runtime.output()), 'idle close', IDLE_MS * 5);
    expect((await rawPost(endpoint('two'), sid, { jsonrpc: '2.0', id: 3, method: 'tools/list' })).status).toBe(404);
    await waitFor(() => two.sessionCount() === 0, '"two" evicted after its idle session closed', 5_000);
  });

  it('a customer that filled its own quota gets 503 naming that limit; another customer still opens sessions', async () => {
    const held = [];
    for (let i = 0; i < 2; i++) held.push(await connectStreamable(endpoint('three')));
    const refused = await rawInitialize(endpoint('three'));
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.text).error).toMatchObject({
      code: -32000,
      message: expect.stringContaining('too many open MCP sessions for customer "three" (limit 2 per customer, --gateway-max-sessions-per-customer)'),
      data: { limit: 'gateway-max-sessions-per-customer', max: 2 },
    });
    // Customer A ("three") is full; customer B ("two") is not locked out.
    const other = await connectStreamable(endpoint('two'));
    held.push(other);
    expect((await other.client.listTools()).tools.map((t) => t.name)).toContain('grafana_echo');
    held.push(await connectStreamable(endpoint('two')));

    // Now 4 of 4 in total: the global ceiling still holds, and its 503 names it.
    const global = await rawInitialize(endpoint('one'));
    expect(global.status).toBe(503);
    expect(JSON.parse(global.text).error).toMatchObject({
      message: expect.stringContaining('too many open MCP sessions (limit 4 for all customers, --gateway-max-sessions)'),
      data: { limit: 'gateway-max-sessions', max: 4 },
    });
    await closeStreamable(held.shift()!);
    await waitFor(async () => (await connectStreamable(endpoint('one')).then((c) => (held.push(c), true))) === true, 'a session slot', 5_000);
    // Listing waits for the customer's connect, so closing does not evict "one" while it is still connecting.
    expect((await held.at(-1)!.client.listTools()).tools.map((t) => t.name)).toContain('grafana_echo');
    await Promise.all(held.map((c) => closeStreamable(c)));
    await waitFor(() => one.sessionCount() === 0 && two.sessionCount() === 0, 'customers without sessions evicted', 5_000);
  });

  it('concurrent initializes for one customer: exactly its quota succeeds; initializes that fail give their slot back', async () => {
    // "one" current: pinned in the pool, so its upstream session stays put whatever ran before.
    expect((await runtime.json('/api/customers/switch', postJson({ customer: 'one' }))).status).toBe(200);
    // Initializes the SDK refuses (406: Accept lacks text/event-stream) are counted while in progress, then released:
    // three of them against a quota of 2 must leave the quota whole.
    for (let i = 0; i < 3; i++) expect((await rawInitialize(endpoint('one'), { accept: 'application/json' })).status).toBe(406);
    const results = await Promise.all(Array.from({ length: 6 }, () => rawInitialize(endpoint('one'))));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 503, 503, 503, 503]);
    for (const r of results.filter((x) => x.status === 503)) expect(r.text).toContain('--gateway-max-sessions-per-customer');
    for (const r of results.filter((x) => x.status === 200)) {
      expect((await fetch(endpoint('one'), { method: 'DELETE', headers: { 'mcp-session-id': r.sessionId!, 'mcp-protocol-version': '2025-06-18' } })).status).toBe(200);
    }
    expect((await rawInitialize(endpoint('one'))).status).toBe(200); // the slots came back (closed by the idle timeout)
    expect(one.sessionCount()).toBe(1);
  });

  it('AGENT_AUDIT_ARGUMENTS=1 writes the arguments (scrubbed) into the audit line', async () => {
    const c = await connectStreamable(endpoint('one'));
    await c.client.callTool({ name: 'grafana_echo', arguments: { text: 'visible-argument-42', password: 'hunter2-is-my-password' } });
    const line = await waitFor(() => runtime.output().split('\n').find((l) => l.includes('"msg":"gateway tool call"') && l.includes('visible-argument-42')), 'an audit line with arguments', 5_000);
    const entry = JSON.parse(line);
    expect(entry.arguments).toContain('"text":"visible-argument-42"');
    expect(entry.arguments).not.toContain('hunter2-is-my-password');
    await closeStreamable(c);
  });

  it('on SIGTERM ends gateway sessions and the upstream sessions they held', async () => {
    const c = await connectStreamable(endpoint('one'));
    await c.client.listTools();
    expect(one.sessionCount()).toBe(1);
    await runtime.stop();
    expect(runtime.output()).toMatch(/"msg":"stopped"/);
    await waitFor(() => one.sessionCount() === 0, 'upstream session of "one" ended', 5_000);
    await c.client.close().catch(() => {});
  });
});
