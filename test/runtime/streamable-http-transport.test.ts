/**
 * The runtime's streamable HTTP client transport: against the SDK's own server (SSE and JSON answers, sessions,
 * list_changed on the GET stream, DELETE, expiry) and against hand-written HTTP servers for what a real server can
 * do on the wire (wrong content type, a stream that ends early, an idle socket closed under us, a GET stream that
 * drops and must resume from its last event id).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import { CONNECTION_CLOSED_CODE, StreamableHttpTransport } from '../../runtime/transport/streamable-http-transport.ts';
import { startFixture } from './fixtures/mcp-fixture.ts';
import { rejectionOf, waitFor } from './helpers.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c().catch(() => {})));
});

const FAST_RECONNECT = { initialDelayMs: 20, maxDelayMs: 100, growFactor: 2, maxRetries: 2 };

function transport(url: string): StreamableHttpTransport {
  const t = new StreamableHttpTransport(new URL(url), { reconnection: FAST_RECONNECT });
  closers.push(() => t.close());
  return t;
}

/** A started transport that records every message it hands on. */
async function recordingTransport(url: string): Promise<{ t: StreamableHttpTransport; received: JSONRPCMessage[] }> {
  const t = transport(url);
  const received: JSONRPCMessage[] = [];
  t.onmessage = (message) => received.push(message);
  await t.start();
  return { t, received };
}

async function connectedClient(url: string): Promise<{ client: Client; transport: StreamableHttpTransport }> {
  const t = transport(url);
  const client = new Client({ name: 'transport-test', version: '1.0.0' });
  await client.connect(t);
  closers.push(() => client.close());
  return { client, transport: t };
}

/** A plain HTTP server on 127.0.0.1 that counts requests and tracks its sockets. */
async function rawServer(handle: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<{ url: string; requests: IncomingMessage[]; openSockets: () => number }> {
  const requests: IncomingMessage[] = [];
  const sockets = new Set<Socket>();
  const srv: Server = createServer((req, res) => {
    requests.push(req);
    req.resume();
    req.once('end', () => handle(req, res, requests.length));
  });
  srv.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/mcp`, requests, openSockets: () => sockets.size };
}

const request = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } });
const answer = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: `answer ${id}` }] } });

describe('StreamableHttpTransport with the SDK server', () => {
  for (const jsonResponse of [false, true]) {
    it(`initializes, keeps the session and protocol version, lists and calls tools (${jsonResponse ? 'JSON' : 'SSE'} answers)`, async () => {
      const f = await startFixture({ jsonResponse });
      closers.push(f.close);
      const { client, transport: t } = await connectedClient(f.url);
      expect(t.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(t.protocolVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain('echo');
      const results = await Promise.all([1, 2, 3].map((n) => client.callTool({ name: 'add', arguments: { a: n, b: 10 } })));
      expect(results.map((r) => (r.content as Array<{ text: string }>)[0]!.text)).toEqual(['11', '12', '13']);
      expect(f.stats.initializes).toBe(1);
      expect(f.stats.unknownSessions).toBe(0);
      expect(f.sessionCount()).toBe(1);
    });
  }

  it('receives tools/list_changed on the standalone GET stream', async () => {
    const f = await startFixture();
    closers.push(f.close);
    const { client } = await connectedClient(f.url);
    let changes = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changes++;
    });
    await waitFor(() => f.stats.gets >= 1, 'the GET stream', 5_000);
    f.addTool('late_tool');
    await waitFor(() => changes >= 1, 'list_changed', 5_000);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('late_tool');
  });

  it('ends the session with DELETE and forgets its id', async () => {
    const f = await startFixture();
    closers.push(f.close);
    const { transport: t } = await connectedClient(f.url);
    await t.terminateSession();
    expect(f.stats.deletes).toBe(1);
    expect(t.sessionId).toBeUndefined();
    await waitFor(() => f.sessionCount() === 0, 'session gone', 5_000);
  });

  it('reports an expired session as SdkHttpError 404', async () => {
    const f = await startFixture();
    closers.push(f.close);
    const { client } = await connectedClient(f.url);
    f.expireSessions();
    const error = await rejectionOf(client.callTool({ name: 'echo', arguments: { text: 'x' } }), SdkHttpError);
    expect(error.status).toBe(404);
    expect(f.stats.unknownSessions).toBeGreaterThanOrEqual(1); // the call, and the GET stream reopening
  });
});

describe('StreamableHttpTransport on the wire', () => {
  it('rejects an answer that is neither JSON nor SSE, and an HTTP error without keeping its body', async () => {
    const { url } = await rawServer((req, res, n) => {
      if (n === 1) res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
      else res.writeHead(500, { 'content-type': 'text/plain' }).end('token=hunter2 rejected');
    });
    const t = transport(url);
    await t.start();
    const wrongType = await rejectionOf(t.send(request(1)), SdkError);
    expect(wrongType.code).toBe(SdkErrorCode.ClientHttpUnexpectedContent);
    expect(wrongType.message).toContain('text/html');
    const serverError = await rejectionOf(t.send(request(2)), SdkHttpError);
    expect(serverError.status).toBe(500);
    expect(serverError.message).not.toContain('hunter2');
    expect(JSON.stringify(serverError.data)).not.toContain('hunter2');
  });

  it('fails a request at once when its SSE stream ends before the answer', async () => {
    const { url } = await rawServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(': keep-alive\n\nevent: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"working"}}\n\n');
    });
    const { t, received } = await recordingTransport(url);
    await t.send(request(7));
    await waitFor(() => received.length >= 2, 'messages', 5_000);
    expect(received[0]).toMatchObject({ method: 'notifications/message' });
    expect(received[1]).toMatchObject({ id: 7, error: { code: CONNECTION_CLOSED_CODE } });
  });

  it('does not invent an error when the stream carried the answer', async () => {
    const { url } = await rawServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      // The answer split across writes, mid-way through a multi-byte character.
      const event = Buffer.from(`event: message\ndata: ${answer(8).replace('answer', 'answer ü')}\n\n`);
      const cut = event.indexOf(Buffer.from('ü')) + 1;
      res.write(event.subarray(0, cut));
      setTimeout(() => res.end(event.subarray(cut)), 20);
    });
    const { t, received } = await recordingTransport(url);
    await t.send(request(8));
    await waitFor(() => received.length >= 1, 'answer', 5_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(received).toEqual([JSON.parse(answer(8).replace('answer', 'answer ü'))]);
  });

  it('sends again once when a reused keep-alive socket was closed under it, but not on a fresh socket', async () => {
    // Request 2 arrives on the socket request 1 used; the server drops it, as one closing an idle socket would.
    const { url, requests } = await rawServer((req, res, n) => {
      if (n === 2 || n === 4) return req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' }).end(answer(n));
    });
    const { t, received } = await recordingTransport(url);
    await t.send(request(1));
    await t.send(request(2)); // dropped on the reused socket, sent again on a new one (request 3)
    expect(requests.length).toBe(3);
    expect(received.map((m) => (m as { id: number }).id)).toEqual([1, 3]);
    expect(requests[1]!.socket).toBe(requests[0]!.socket);
    await t.close();

    const fresh = transport(url); // request 4 is the first on a new socket: the failure stands
    await fresh.start();
    const error = await rejectionOf(fresh.send(request(4)), Error);
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    expect(requests.length).toBe(4);
  });

  it('reopens a dropped GET stream with Last-Event-ID and stops after the retry limit', async () => {
    const notice = (n: number) => `id: ev-${n}\nevent: message\ndata: {"jsonrpc":"2.0","method":"notifications/tools/list_changed","params":{"n":${n}}}\n\n`;
    const gets: Array<string | undefined> = [];
    const { url } = await rawServer((req, res) => {
      if (req.method === 'POST') return res.writeHead(202).end();
      gets.push(req.headers['last-event-id'] as string | undefined);
      if (gets.length <= 2) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(notice(gets.length)); // delivers one event, then the stream drops
      } else res.writeHead(503).end();
    });
    const { t, received } = await recordingTransport(url);
    const errors: string[] = [];
    t.onerror = (error) => errors.push(error.message);
    await t.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    await waitFor(() => errors.some((e) => e.includes('maximum reconnection attempts (2)')), 'the retry limit', 5_000);
    expect(gets).toEqual([undefined, 'ev-1', 'ev-2', 'ev-2']);
    expect(errors.filter((e) => e.includes('HTTP 503'))).toHaveLength(2);
    expect(received.map((m) => (m as unknown as { params: { n: number } }).params.n)).toEqual([1, 2]);
  });

  it('close() ends an open stream, frees its sockets and reports onclose', async () => {
    const srv = await rawServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': open\n\n'); // and never answers
    });
    const t = transport(srv.url);
    let closed = 0;
    t.onclose = () => closed++;
    await t.start();
    await t.send(request(1));
    expect(srv.openSockets()).toBe(1);
    await t.close();
    await waitFor(() => srv.openSockets() === 0, 'sockets closed', 5_000);
    expect(closed).toBe(1);
    await expect(t.send(request(2))).rejects.toThrow(/Connection closed/);
  });
});

describe('StreamableHttpTransport on 2026-07-28 (stateless) requests', () => {
  const envelope = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
  const modernCall = (id: number, name: string): JSONRPCMessage => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {}, _meta: envelope } });
  const probe = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, method: 'server/discover', params: { _meta: envelope } });
  const initialize = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });

  it('derives MCP-Protocol-Version, Mcp-Method and Mcp-Name from the body (Base64 for unsafe names), none on 2025 messages', async () => {
    const { url, requests } = await rawServer((req, res, n) => res.writeHead(200, { 'content-type': 'application/json' }).end(answer(n)));
    const { t } = await recordingTransport(url);
    await t.send(modernCall(1, 'echo'));
    await t.send(modernCall(2, ' spaced é'));
    await t.send(request(3));
    const headersOf = (n: number) => ({ version: requests[n]!.headers['mcp-protocol-version'], method: requests[n]!.headers['mcp-method'], name: requests[n]!.headers['mcp-name'] });
    expect(headersOf(0)).toEqual({ version: '2026-07-28', method: 'tools/call', name: 'echo' });
    expect(headersOf(1)).toEqual({ version: '2026-07-28', method: 'tools/call', name: `=?base64?${Buffer.from(' spaced é').toString('base64')}?=` });
    expect(headersOf(2)).toEqual({ version: undefined, method: undefined, name: undefined });
  });

  it('delivers a 400 carrying a JSON-RPC error for a 2026 request as its answer; other HTTP errors keep 4xx bodies for the probe only', async () => {
    const { url } = await rawServer((req, res, n) => {
      if (n === 1) return res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32020, message: 'header mismatch' } }));
      if (n === 2) return res.writeHead(400, { 'content-type': 'text/plain' }).end('Bad Request: no session');
      res.writeHead(401, { 'content-type': 'text/plain' }).end('token=hunter2 rejected');
    });
    const { t, received } = await recordingTransport(url);
    await t.send(modernCall(1, 'echo'));
    expect(received).toEqual([{ jsonrpc: '2.0', id: 1, error: { code: -32020, message: 'header mismatch' } }]);
    const badRequest = await rejectionOf(t.send(modernCall(2, 'echo')), SdkHttpError);
    expect(badRequest).toMatchObject({ status: 400, data: { text: 'Bad Request: no session' } });
    expect(badRequest.message).not.toContain('no session');
    const unauthorized = await rejectionOf(t.send(modernCall(3, 'echo')), SdkHttpError);
    expect(unauthorized.status).toBe(401);
    expect(JSON.stringify(unauthorized.data)).not.toContain('hunter2');
  });

  it('answers the initialize after a probe refused with 405 (or a bare 404) without sending it, but sends it after a JSON-RPC 404', async () => {
    for (const [status, body, sent] of [[405, 'Method Not Allowed', false], [404, 'Not Found', false], [404, JSON.stringify({ jsonrpc: '2.0', id: 0, error: { code: -32601, message: 'Method not found' } }), true]] as const) {
      const { url, requests } = await rawServer((req, res) => res.writeHead(status, { 'content-type': 'text/plain' }).end(body));
      const { t } = await recordingTransport(url);
      expect((await rejectionOf(t.send(probe(0)), SdkHttpError)).status).toBe(status);
      expect((await rejectionOf(t.send(initialize(1)), SdkHttpError)).status).toBe(status);
      expect(requests.length, `${status} ${body}`).toBe(sent ? 2 : 1);
    }
  });

  it('aborting requestSignal ends that stream alone, with no invented answer; a stream the server ends is reported', async () => {
    const srv = await rawServer((req, res, n) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': open\n\n');
      if (n === 2) res.end(); // the server ends the second stream
    });
    const { t, received } = await recordingTransport(srv.url);
    const abort = new AbortController();
    let ends = 0;
    await t.send(modernCall(1, 'sleep'), { requestSignal: abort.signal, onRequestStreamEnd: () => ends++ });
    expect(srv.openSockets()).toBe(1);
    abort.abort();
    await waitFor(() => srv.openSockets() === 0, 'the stream closed', 5_000);
    await t.send(modernCall(2, 'sleep'), { requestSignal: new AbortController().signal, onRequestStreamEnd: () => ends++ });
    await waitFor(() => ends === 1, 'onRequestStreamEnd', 5_000);
    expect(received).toEqual([{ jsonrpc: '2.0', id: 2, error: { code: CONNECTION_CLOSED_CODE, message: expect.stringMatching(/^Connection closed/) } }]);
  });
});
