/**
 * McpConnection against real SDK servers that misbehave: SSE-only, slow start, never answering, refusing, dying
 * mid-session, expiring sessions, changing tools, rejecting credentials.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { McpConnection, UpstreamError } from '../../runtime/pool/mcp-connection.ts';
import type { TransportMemory } from '../../runtime/pool/mcp-connection.ts';
import { startBlackHole, startFixture } from './fixtures/mcp-fixture.ts';
import type { Fixture } from './fixtures/mcp-fixture.ts';
import { cleanup, freePort, rejectionOf, server, waitFor } from './helpers.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c().catch(() => {})));
});
afterAll(cleanup);

async function fixture(options: Parameters<typeof startFixture>[0] = {}): Promise<Fixture> {
  const f = await startFixture(options);
  closers.push(f.close);
  return f;
}

function connection(url: string, options: ConstructorParameters<typeof McpConnection>[1] = {}, transport: 'streamable-http' | 'sse' = 'streamable-http'): McpConnection {
  const c = new McpConnection(server('up', url, 'test', transport), { connectTimeoutMs: 2_000, callTimeoutMs: 5_000, backoffInitialMs: 200, ...options });
  closers.push(() => c.close());
  return c;
}

const failureOf = (promise: Promise<unknown>) => rejectionOf(promise, UpstreamError);

const textOf = (result: { content?: unknown }) => ((result.content as Array<{ type: string; text?: string }>)[0]?.text ?? '');

describe('McpConnection', () => {
  it('connects over streamable HTTP, lists tools and calls one', async () => {
    const f = await fixture();
    const c = connection(f.url);
    await c.connect();
    expect(c.state).toBe('connected');
    expect(c.transport).toBe('streamable-http');
    expect(c.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'add', 'sleep']));
    const result = await c.callTool('add', { a: 2, b: 40 });
    expect(textOf(result)).toBe('42');
    expect(c.status()).toMatchObject({ state: 'connected', transport: 'streamable-http', last_error: null });
    expect(c.status().latency_ms).toBeGreaterThan(0);
  });

  it('falls back to legacy SSE on a 4xx to the initial POST and remembers it per URL', async () => {
    const f = await fixture({ mode: 'sse-only' });
    const memory: TransportMemory = new Map();
    const first = connection(f.sseUrl, { transportMemory: memory });
    await first.connect();
    expect(first.transport).toBe('sse');
    expect(f.stats.methodNotAllowed).toBe(1);
    expect(memory.get(f.sseUrl)).toBe('sse');
    expect(textOf(await first.callTool('echo', { text: 'over sse' }))).toBe('over sse');

    const second = connection(f.sseUrl, { transportMemory: memory });
    await second.connect();
    expect(second.transport).toBe('sse');
    expect(f.stats.methodNotAllowed).toBe(1); // went straight to SSE
  });

  it('uses SSE first when the config says sse', async () => {
    const f = await fixture({ mode: 'both' });
    const c = connection(f.sseUrl, {}, 'sse');
    await c.connect();
    expect(c.transport).toBe('sse');
    expect(f.stats.methodNotAllowed).toBe(0);
  });

  it('waits for a slow-starting server within the timeout', async () => {
    const f = await fixture({ startDelayMs: 300 });
    const c = connection(f.url, { connectTimeoutMs: 3_000 });
    await c.connect();
    expect(c.state).toBe('connected');
    expect(c.status().latency_ms).toBeGreaterThanOrEqual(290);
  });

  it('gives up on a server that never answers after the connect timeout (streamable and SSE)', async () => {
    const hole = await startBlackHole();
    closers.push(hole.close);
    for (const transport of ['streamable-http', 'sse'] as const) {
      const c = connection(hole.url, { connectTimeoutMs: 400 }, transport);
      const started = Date.now();
      const error = await failureOf(c.connect());
      expect(error.failure.reason).toBe('timeout');
      expect(error.stage).toBe('connect');
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(c.state).toBe('failed');
      expect(c.status().last_error).toMatchObject({ reason: 'timeout', message: 'no answer within 400 ms' });
    }
    expect(hole.connections()).toBeGreaterThanOrEqual(2);
  });

  it('reports a refused connection', async () => {
    const port = await freePort();
    const c = connection(`http://127.0.0.1:${port}/mcp`);
    const error = await failureOf(c.connect());
    expect(error.failure.reason).toBe('refused');
  });

  it('reports 401 as auth without forwarding the upstream body', async () => {
    const f = await fixture({ rejectWithBody: 'bad credentials for token=hunter2-supersecret-value' });
    const c = connection(f.url);
    const error = await failureOf(c.connect());
    expect(error.failure).toMatchObject({ reason: 'auth', status: 401 });
    expect(JSON.stringify(c.status())).not.toContain('hunter2');
    expect(f.stats.methodNotAllowed).toBe(0);
  });

  it('reports a URL with no MCP endpoint (404 on both transports) as a protocol failure naming both attempts', async () => {
    const f = await fixture();
    const c = connection(f.url.replace('/mcp', '/nothing-here'));
    const error = await failureOf(c.connect());
    expect(error.failure.reason).toBe('protocol');
    expect(error.failure.message).toMatch(/streamable-http: HTTP 404.*sse: HTTP 404/);
  });

  it('re-initializes on HTTP 404 for an expired session and retries the call (streamable and SSE)', async () => {
    for (const mode of ['streamable', 'sse-only'] as const) {
      const f = await fixture({ mode });
      const c = mode === 'streamable' ? connection(f.url) : connection(f.sseUrl, {}, 'sse');
      await c.connect();
      expect(f.stats.initializes).toBe(1);
      f.expireSessions();
      expect(textOf(await c.callTool('echo', { text: 'after expiry' }))).toBe('after expiry');
      expect(f.stats.unknownSessions).toBeGreaterThanOrEqual(1);
      expect(f.stats.initializes).toBe(2);
      expect(c.state).toBe('connected');
      expect(c.status().consecutive_failures).toBe(0);
    }
  });

  it('marks a server that dies mid-session failed, backs off, and reconnects on the next use', async () => {
    const f = await fixture();
    const c = connection(f.url, { backoffInitialMs: 300 });
    await c.connect();
    await f.kill();
    const error = await failureOf(c.callTool('echo', { text: 'x' }));
    expect(['refused', 'closed']).toContain(error.failure.reason);
    expect(c.state).toBe('failed');

    // Within the backoff the next use fails fast without contacting the server.
    const fast = await failureOf(c.callTool('echo', { text: 'x' }));
    expect(fast.stage).toBe('connect');
    expect(fast.retryInMs).toBeGreaterThan(0);
    expect(c.tools.length).toBeGreaterThan(0); // last known tools are kept

    await f.restart();
    const initializesBefore = f.stats.initializes;
    await waitFor(() => c.retryInMs() === 0, 'backoff to pass', 5_000, 20);
    expect(textOf(await c.callTool('echo', { text: 'back' }))).toBe('back');
    expect(c.state).toBe('connected');
    expect(f.stats.initializes).toBe(initializesBefore + 1);
    expect(c.status().consecutive_failures).toBe(0);
  });

  it('doubles the backoff on consecutive failures', async () => {
    const port = await freePort();
    const c = connection(`http://127.0.0.1:${port}/mcp`, { backoffInitialMs: 100, backoffMaxMs: 1_000 });
    await failureOf(c.connect());
    const first = c.retryInMs();
    await waitFor(() => c.retryInMs() === 0, 'first backoff', 3_000, 10);
    await failureOf(c.connect());
    const second = c.retryInMs();
    expect(first).toBeLessThanOrEqual(100);
    expect(second).toBeGreaterThan(100);
    expect(second).toBeLessThanOrEqual(200);
    expect(c.status().consecutive_failures).toBe(2);
  });

  it('refreshes the tool list on notifications/tools/list_changed (streamable and SSE)', async () => {
    for (const mode of ['streamable', 'sse-only'] as const) {
      const f = await fixture({ mode });
      const c = connection(mode === 'streamable' ? f.url : f.sseUrl, {}, mode === 'streamable' ? 'streamable-http' : 'sse');
      let changes = 0;
      await c.connect();
      c.onToolsChanged = () => changes++;
      if (mode === 'streamable') await waitFor(() => f.stats.gets >= 1, 'standalone SSE stream', 5_000);
      await waitFor(() => f.sessionCount() === 1, 'session registered', 5_000);
      f.addTool('fresh_tool');
      await waitFor(() => c.tools.some((t) => t.name === 'fresh_tool'), `${mode}: fresh_tool after list_changed`, 5_000);
      expect(changes).toBeGreaterThanOrEqual(1);
      expect(textOf(await c.callTool('fresh_tool', {}))).toBe('fresh_tool ok');
    }
  });

  it('shares one connect attempt between concurrent callers', async () => {
    const f = await fixture({ startDelayMs: 100 });
    const c = connection(f.url);
    await Promise.all([c.connect(), c.connect(), c.callTool('echo', { text: 'a' }), c.callTool('echo', { text: 'b' })]);
    expect(f.stats.initializes).toBe(1);
  });

  it('returns tool-level failures without dropping the connection', async () => {
    const f = await fixture();
    const c = connection(f.url, { callTimeoutMs: 300 });
    await c.connect();
    const timeout = await failureOf(c.callTool('sleep', { ms: 2_000 }));
    expect(timeout.failure.reason).toBe('timeout');
    expect(timeout.stage).toBe('call');
    expect(c.state).toBe('connected');
    const unknown = await c.callTool('no_such_tool', {}).then(
      (r) => ({ isError: r.isError, text: textOf(r) }),
      (e: UpstreamError) => ({ isError: true, text: e.failure.message }),
    );
    expect(unknown.isError).toBe(true);
    expect(c.state).toBe('connected');
  });

  it('ends the streamable HTTP session with DELETE on close', async () => {
    const f = await fixture();
    const c = connection(f.url);
    await c.connect();
    await c.close();
    expect(f.stats.deletes).toBe(1);
    expect(c.state).toBe('closed');
    await waitFor(() => f.sessionCount() === 0, 'server to drop the session', 3_000);
  });
});
