/**
 * The runtime's HTTP server against slow and greedy clients, and its log during an upstream outage, each against a
 * real runtime process with small limits (so nothing waits long):
 *
 * - a client that sends headers and part of a body is cut at the request timeout (408, socket closed), one that
 *   never finishes its headers at the headers timeout, and other clients are served meanwhile;
 * - long-lived event streams are not cut by the request timeout (it bounds receiving the request, not the response);
 * - connections per remote address and in total are capped (503 for the per-address cap), and freed slots are reused;
 * - 1,000 fast failures through the gateway (and a few hundred through the API) write a bounded number of lines whose
 *   counts add up exactly.
 *
 * Only raw sockets are used where connections are counted: fetch keeps pooled keep-alive sockets that would take slots.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeStreamable, connectStreamable, rawInitialize, rawPost } from './fixtures/gateway-clients.ts';
import { startFixture } from './fixtures/mcp-fixture.ts';
import type { Fixture } from './fixtures/mcp-fixture.ts';
import { cleanup, customer, postJson, server, startRuntime, waitFor, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const HEADERS_TIMEOUT_MS = 500;
const REQUEST_TIMEOUT_MS = 1_000;

let solo: Fixture;
let config: string;
let runtime: RuntimeProc;
const sockets = new Set<Socket>();
const timers = new Set<NodeJS.Timeout>();

/** A raw client socket to `url`'s port: everything it receives, and whether (and in what order) it closed. */
interface RawClient {
  socket: Socket;
  received(): string;
  closed: Promise<void>;
  isClosed(): boolean;
}

async function rawClient(url: string): Promise<RawClient> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  sockets.add(socket);
  let data = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
  socket.on('error', () => {});
  const done = new Promise<void>((resolve) => socket.once('close', () => ((closed = true), sockets.delete(socket), resolve())));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => data, closed: done, isClosed: () => closed };
}

/** Resolves when `promise` does, or rejects after `ms` (so a socket that is never closed fails the test, not hangs it). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
    }),
  ]);
}

/** Opens a legacy SSE stream on a raw socket and waits for its `endpoint` event; returns the client and session id. */
async function openRawSse(url: string, customerId: string): Promise<{ client: RawClient; sessionId: string }> {
  const client = await rawClient(url);
  client.socket.write(`GET /customers/${customerId}/sse HTTP/1.1\r\nhost: ${new URL(url).host}\r\naccept: text/event-stream\r\n\r\n`);
  const match = await waitFor(() => /sessionId=([0-9a-f-]+)/.exec(client.received()) ?? (client.isClosed() ? Promise.reject(new Error(`closed: ${client.received()}`)) : null), 'the SSE endpoint event', 10_000);
  return { client, sessionId: match[1]! };
}

beforeAll(async () => {
  solo = await startFixture({ name: 'solo' });
  config = writeConfig([customer('solo', 'Solo', [server('grafana', solo.url)])]);
  runtime = await startRuntime(config, { args: ['--http-headers-timeout-ms', String(HEADERS_TIMEOUT_MS), '--http-request-timeout-ms', String(REQUEST_TIMEOUT_MS)] });
});

afterAll(async () => {
  for (const timer of timers) clearInterval(timer);
  for (const socket of sockets) socket.destroy();
  await cleanup();
  await solo.close();
});

describe('slow clients', () => {
  it('a client trickling its body is cut at the request timeout (408, socket closed); another client is served meanwhile', async () => {
    const slow = await rawClient(runtime.url);
    slow.socket.write(`POST /api/customers/switch HTTP/1.1\r\nhost: ${new URL(runtime.url).host}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"customer": "`);
    // One byte every 100 ms: the body would take 100 s to complete; bounded by the socket's closing (or afterAll).
    const trickle = setInterval(() => {
      if (!slow.isClosed()) slow.socket.write('s');
    }, 100);
    timers.add(trickle);
    const served = await fetch(`${runtime.url}/healthz`);
    expect(served.status).toBe(200);
    expect(slow.isClosed()).toBe(false); // served while the slow client still held its socket
    await within(slow.closed, 15_000, 'the slow client being cut');
    clearInterval(trickle);
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect((await runtime.json('/api/customers')).body.current_id).toBeNull(); // the cut request did nothing
  });

  it('a client that never finishes its headers is cut at the headers timeout', async () => {
    const slow = await rawClient(runtime.url);
    slow.socket.write(`GET /healthz HTTP/1.1\r\nhost: ${new URL(runtime.url).host}\r\nx-slow: `);
    expect((await fetch(`${runtime.url}/readyz`)).status).toBe(200);
    await within(slow.closed, 15_000, 'the client with unfinished headers being cut');
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('long-lived event streams outlive the request timeout (it bounds the request, not the response)', async () => {
    const { client, sessionId } = await openRawSse(runtime.url, 'solo');
    // The streamable transport's standalone GET stream, on a raw socket, for a session that has listed its tools.
    const mcp = `${runtime.url}/customers/solo/mcp`;
    const init = await rawInitialize(mcp);
    const sid = init.sessionId!;
    await rawPost(mcp, sid, { jsonrpc: '2.0', method: 'notifications/initialized' });
    expect((await rawPost(mcp, sid, { jsonrpc: '2.0', id: 2, method: 'tools/list' })).text).toContain('grafana_echo');
    const get = await rawClient(runtime.url);
    get.socket.write(`GET /customers/solo/mcp HTTP/1.1\r\nhost: ${new URL(runtime.url).host}\r\naccept: text/event-stream\r\nmcp-session-id: ${sid}\r\nmcp-protocol-version: 2025-06-18\r\n\r\n`);
    await waitFor(() => /^HTTP\/1\.1 200 /.test(get.received()), 'the GET stream to open', 10_000);

    await new Promise((r) => setTimeout(r, REQUEST_TIMEOUT_MS * 3));
    expect(client.isClosed()).toBe(false);
    expect(get.isClosed()).toBe(false);
    // Both streams still carry messages: an answer on the SSE stream, a list_changed on the GET stream.
    const posted = await fetch(`${runtime.url}/customers/solo/messages?sessionId=${sessionId}`, postJson({ jsonrpc: '2.0', id: 5, method: 'tools/list' }));
    expect(posted.status).toBe(202);
    await waitFor(() => client.received().includes('"id":5') && client.received().includes('grafana_echo'), 'the answer on the SSE stream', 10_000);
    solo.addTool('late');
    await waitFor(() => get.received().includes('notifications/tools/list_changed'), 'list_changed on the GET stream', 10_000);
    client.socket.destroy();
    get.socket.destroy();
  });
});

describe('connection limits', () => {
  it('per remote address: beyond the limit a connection gets 503 and is closed; a freed slot is served again', async () => {
    const limited = await startRuntime(config, { args: ['--http-max-connections-per-address', '3'] });
    const streams = [];
    for (let i = 0; i < 3; i++) streams.push(await openRawSse(limited.url, 'solo'));
    const refused = await rawClient(limited.url);
    await within(refused.closed, 10_000, 'the 4th connection being closed');
    expect(refused.received()).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(refused.received()).toContain('"code":"too_many_connections"');
    expect(streams.every((s) => !s.client.isClosed())).toBe(true); // the admitted ones are untouched
    streams.pop()!.client.socket.destroy();
    await waitFor(async () => (await fetch(`${limited.url}/healthz`, { headers: { connection: 'close' } })).status === 200, 'a freed slot', 10_000);
    for (const s of streams) s.client.socket.destroy();
    await waitFor(() => /"msg":"connection refused: too many connections from one address".*"limit":3/.test(limited.output()), 'the refusal logged', 5_000);
    await limited.stop();
  });

  it('in total (--http-max-connections): a connection beyond the limit is dropped', async () => {
    const limited = await startRuntime(config, { args: ['--http-max-connections', '2', '--http-max-connections-per-address', '0'] });
    const streams = [];
    for (let i = 0; i < 2; i++) streams.push(await openRawSse(limited.url, 'solo'));
    const dropped = await rawClient(limited.url);
    dropped.socket.write(`GET /healthz HTTP/1.1\r\nhost: ${new URL(limited.url).host}\r\n\r\n`);
    await within(dropped.closed, 10_000, 'the 3rd connection being dropped');
    expect(dropped.received()).toBe('');
    streams.pop()!.client.socket.destroy();
    await waitFor(async () => (await fetch(`${limited.url}/healthz`, { headers: { connection: 'close' } })).status === 200, 'a freed slot', 10_000);
    for (const s of streams) s.client.socket.destroy();
    await waitFor(() => /"msg":"connection dropped: too many open connections"/.test(limited.output()), 'the drop logged', 5_000);
    await limited.stop();
  });
});

describe('log during an upstream outage', () => {
  it('1,000 fast failures through the gateway and 300 through the API: a bounded number of lines, exact counts', async () => {
    const doomed = await startFixture({ name: 'doomed' });
    const outageConfig = writeConfig([customer('down', 'Down', [server('grafana', doomed.url)])]);
    // A long interval, so every repeat is folded and the summaries are written at shutdown (no waiting on a clock).
    const outage = await startRuntime(outageConfig, { args: ['--log-repeat-interval-ms', '600000'] });
    const c = await connectStreamable(`${outage.url}/customers/down/mcp`);
    expect((await c.client.listTools()).tools.map((t) => t.name)).toContain('grafana_echo'); // known, then gone
    await doomed.kill();
    const workers = Array.from({ length: 10 }, async () => {
      for (let i = 0; i < 100; i++) {
        const result = await c.client.callTool({ name: 'grafana_echo', arguments: { text: 'x' } });
        expect(result.isError).toBe(true);
      }
    });
    await Promise.all(workers);
    expect((await outage.json('/api/customers/switch', postJson({ customer: 'down' }))).status).toBe(200);
    for (let i = 0; i < 300; i++) expect((await outage.json('/api/tools/call', postJson({ tool: 'grafana_echo', arguments: {} }))).status).toBeGreaterThanOrEqual(500);
    await closeStreamable(c);
    await outage.stop();
    await doomed.close();

    const lines = outage.output().split('\n').filter(Boolean);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, any>);
    const audit = parsed.filter((l) => l.audit === 'tools/call' && l.customer === 'down');
    const fullAudit = audit.filter((l) => l.msg === 'gateway tool call');
    const auditSummaries = audit.filter((l) => /^gateway tool call: repeated \d+ times in the last [\d.]+s$/.test(l.msg));
    expect(fullAudit.length).toBeGreaterThanOrEqual(1);
    expect(fullAudit.length + auditSummaries.reduce((n, l) => n + l.repeated, 0)).toBe(1_000);
    for (const l of auditSummaries) expect(l).toMatchObject({ level: 'warn', customer: 'down', server: 'grafana', outcome: 'upstream_error' });
    const apiFailures = parsed.filter((l) => l.msg?.startsWith('tool call failed'));
    expect(apiFailures.filter((l) => l.msg === 'tool call failed').length + apiFailures.reduce((n, l) => n + (l.repeated ?? 0), 0)).toBe(300);
    const failedRequests = parsed.filter((l) => l.msg?.startsWith('request') && l.path === '/api/tools/call' && l.status >= 500);
    expect(failedRequests.filter((l) => l.msg === 'request').length + failedRequests.reduce((n, l) => n + (l.repeated ?? 0), 0)).toBe(300);
    // One line per key and reason (refused; a call joining a reconnect attempt may see another), not one per call.
    expect(fullAudit.length + auditSummaries.length).toBeLessThanOrEqual(2 * new Set(audit.map((l) => l.reason)).size);
    expect(lines.length).toBeLessThan(100);
  });
});
