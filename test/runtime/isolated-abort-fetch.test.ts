import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedAbortFetch } from '../../runtime/transport/isolated-abort-fetch.ts';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/empty') return void res.writeHead(204).end();
    if (req.url === '/slow') {
      // Streams one event, then never finishes: only an abort ends the read.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      return;
    }
    res.writeHead(201, { 'content-type': 'application/json', 'x-probe': 'kept' });
    res.end(JSON.stringify({ path: req.url, method: req.method }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const abortListeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('isolatedAbortFetch', () => {
  it('leaves no listener on a shared signal after 300 requests whose bodies were read', async () => {
    const transportLifetime = new AbortController();
    const fetchIsolated = isolatedAbortFetch();
    for (let i = 0; i < 300; i++) {
      const res = await fetchIsolated(`${base}/call/${i}`, { method: 'POST', body: '{}', signal: transportLifetime.signal });
      expect(await res.json()).toEqual({ path: `/call/${i}`, method: 'POST' });
    }
    expect(abortListeners(transportLifetime.signal)).toBe(0);
  });

  it('keeps status, headers and body, and passes bodiless responses through', async () => {
    const signal = new AbortController().signal;
    const res = await isolatedAbortFetch()(`${base}/x`, { signal });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-probe')).toBe('kept');
    expect(await res.text()).toBe('{"path":"/x","method":"GET"}');
    const empty = await isolatedAbortFetch()(`${base}/empty`, { signal });
    expect(empty.status).toBe(204);
    expect(abortListeners(signal)).toBe(0);
  });

  it('holds one listener while a body is open, and aborting the shared signal ends that read', async () => {
    const transportLifetime = new AbortController();
    const res = await isolatedAbortFetch()(`${base}/slow`, { signal: transportLifetime.signal });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: first\n\n');
    expect(abortListeners(transportLifetime.signal)).toBe(1);
    const pending = reader.read();
    transportLifetime.abort(new Error('transport closed'));
    await expect(pending).rejects.toThrow();
  });

  it('releases the listener when the reader cancels the body', async () => {
    const transportLifetime = new AbortController();
    const res = await isolatedAbortFetch()(`${base}/slow`, { signal: transportLifetime.signal });
    await res.body!.cancel();
    expect(abortListeners(transportLifetime.signal)).toBe(0);
  });

  it('releases the listener when the request itself fails', async () => {
    const transportLifetime = new AbortController();
    await expect(isolatedAbortFetch()('http://127.0.0.1:1/refused', { signal: transportLifetime.signal })).rejects.toThrow();
    expect(abortListeners(transportLifetime.signal)).toBe(0);
  });
});
