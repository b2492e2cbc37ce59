/**
 * Replicas without affinity, in-process pieces and two real runtime processes: a 2025 session opened on one replica
 * is served by another that shares AGENT_SESSION_SECRET (and only by one that does, on the same customer's path);
 * the secret never shows in logs; SIGTERM drains (readyz 503 first, in-flight calls finish, then exit).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionSeal, SessionSecretError, sessionSecretsFromEnv } from '../../runtime/sessions/session-seal.ts';
import { startFixture } from './fixtures/mcp-fixture.ts';
import type { Fixture } from './fixtures/mcp-fixture.ts';
import { INITIALIZE } from './fixtures/gateway-clients.ts';
import { baseEnv, cleanup, customer, server, startProcess, startRuntime, tempDir, waitFor, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const SECRET = randomBytes(36).toString('base64');
const OTHER_SECRET = randomBytes(36).toString('base64');
const session = { customer: 'acme', initialize: { protocolVersion: '2025-06-18', capabilities: { roots: {} }, clientInfo: { name: 'c', version: '1' } }, issuedAt: 1_700_000_000_000 };

describe('SessionSeal', () => {
  it('opens what it sealed, with the current or the previous secret, and nothing else', () => {
    const old = new SessionSeal([OTHER_SECRET]);
    const rotated = new SessionSeal([SECRET, OTHER_SECRET]);
    const fresh = new SessionSeal([SECRET]);
    const id = old.seal(session)!;
    expect(id).toMatch(/^s1\.[A-Za-z0-9_-]+$/); // visible ASCII, as Mcp-Session-Id must be
    expect(rotated.open(id)).toEqual(session);
    expect(fresh.open(id)).toBeUndefined();
    expect(old.open(rotated.seal(session)!)).toBeUndefined(); // new ids are sealed with the new secret
    expect(old.seal(session)).not.toBe(id); // a random iv: two seals of the same session differ
  });

  it('refuses any altered id', () => {
    const seal = new SessionSeal([SECRET]);
    const id = seal.seal(session)!;
    const bytes = (sealed: string) => Buffer.from(sealed.slice(3), 'base64url');
    let altered = 0;
    for (let i = 3; i < id.length; i += 7) {
      const flipped = id.slice(0, i) + (id[i] === 'A' ? 'B' : 'A') + id.slice(i + 1);
      // The last character may carry only padding bits, which decode to the same bytes: that is the same id.
      if (bytes(flipped).equals(bytes(id))) continue;
      altered++;
      expect(seal.open(flipped)).toBeUndefined();
    }
    expect(altered).toBeGreaterThan(10);
    expect(seal.open('s2.' + id.slice(3))).toBeUndefined();
    expect(seal.open(crypto.randomUUID())).toBeUndefined();
  });

  it('does not seal initialize params too large for a header', () => {
    expect(new SessionSeal([SECRET]).seal({ ...session, initialize: { pad: 'x'.repeat(5000) } })).toBeUndefined();
  });

  it('reads the secrets from the environment or files, and refuses short or half configurations', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secret'), `${SECRET}\n`);
    expect(sessionSecretsFromEnv({})).toEqual([]);
    expect(sessionSecretsFromEnv({ AGENT_SESSION_SECRET_FILE: join(dir, 'secret'), AGENT_SESSION_SECRET_PREVIOUS: OTHER_SECRET })).toEqual([SECRET, OTHER_SECRET]);
    expect(() => sessionSecretsFromEnv({ AGENT_SESSION_SECRET: SECRET, AGENT_SESSION_SECRET_FILE: join(dir, 'secret') })).toThrow(/both AGENT_SESSION_SECRET and AGENT_SESSION_SECRET_FILE/);
    expect(() => sessionSecretsFromEnv({ AGENT_SESSION_SECRET_PREVIOUS: OTHER_SECRET })).toThrow(SessionSecretError);
    expect(() => sessionSecretsFromEnv({ AGENT_SESSION_SECRET_FILE: join(dir, 'missing') })).toThrow(/cannot read .*ENOENT/);
    expect(() => new SessionSeal(['short'])).toThrow(/at least 32/);
  });
});

describe('two replicas sharing AGENT_SESSION_SECRET', () => {
  let fixture: Fixture;
  let config: string;
  let a: RuntimeProc;
  let b: RuntimeProc;
  let stranger: RuntimeProc;

  beforeAll(async () => {
    fixture = await startFixture({ name: 'grafana' });
    config = writeConfig([customer('acme', 'Acme', [server('grafana', fixture.url)]), customer('globex', 'Globex', [server('grafana', fixture.url)])]);
    [a, b, stranger] = await Promise.all([
      startRuntime(config, { env: { AGENT_SESSION_SECRET: SECRET } }),
      startRuntime(config, { env: { AGENT_SESSION_SECRET: SECRET } }),
      startRuntime(config, { env: { AGENT_SESSION_SECRET: OTHER_SECRET } }),
    ]);
  });
  afterAll(async () => {
    await cleanup();
    await fixture?.close();
  });

  /** Sends one JSON-RPC message on a session to a replica; returns status and the parsed answer (JSON or SSE). */
  const post = async (replica: RuntimeProc, path: string, sessionId: string, message: unknown) => {
    const res = await fetch(`${replica.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    const data = text.split('\n').find((line) => line.startsWith('data: {'));
    return { status: res.status, body: data ? JSON.parse(data.slice(6)) : text ? JSON.parse(text) : undefined };
  };

  it('a session initialized on one replica calls tools on the other, without re-initializing', async () => {
    const init = await fetch(`${a.url}/customers/acme/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(INITIALIZE),
    });
    await init.text();
    const id = init.headers.get('mcp-session-id')!;
    expect(id).toMatch(/^s1\./);
    expect(id).not.toContain(SECRET);
    await post(a, '/customers/acme/mcp', id, { jsonrpc: '2.0', method: 'notifications/initialized' });
    const viaB = await post(b, '/customers/acme/mcp', id, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'grafana_add', arguments: { a: 2, b: 3 } } });
    expect(viaB.status).toBe(200);
    expect(viaB.body.result.structuredContent).toEqual({ sum: 5 });
    expect(b.output()).toContain('"msg":"gateway session taken over"');
    // Back on A, then B again: both keep serving it.
    expect((await post(a, '/customers/acme/mcp', id, { jsonrpc: '2.0', id: 3, method: 'tools/list' })).body.result.tools.map((t: { name: string }) => t.name)).toContain('grafana_add');
    expect((await post(b, '/customers/acme/mcp', id, { jsonrpc: '2.0', id: 4, method: 'ping' })).body.result).toEqual({});

    // Not on another customer's path, not on a replica with another secret.
    expect((await post(b, '/customers/globex/mcp', id, { jsonrpc: '2.0', id: 5, method: 'tools/list' })).status).toBe(404);
    expect((await post(stranger, '/customers/acme/mcp', id, { jsonrpc: '2.0', id: 6, method: 'tools/list' })).status).toBe(404);
    for (const replica of [a, b, stranger]) expect(replica.output()).not.toContain(SECRET);
  });

  it('an SDK client keeps calling while its requests alternate between the replicas', async () => {
    // A round-robin "balancer" in the client's fetch: every request goes to the next replica.
    let turn = 0;
    const roundRobin = (url: string | URL | Request, init?: RequestInit) => {
      const replica = [a, b][turn++ % 2]!;
      const target = new URL(String(url));
      return fetch(`${replica.url}${target.pathname}`, init);
    };
    const client = new Client({ name: 'alternating', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${a.url}/customers/acme/mcp`), { fetch: roundRobin }), { timeout: 10_000 });
    for (let i = 0; i < 10; i++) {
      const result = await client.callTool({ name: 'grafana_add', arguments: { a: i, b: 1 } });
      expect(result.structuredContent).toEqual({ sum: i + 1 });
    }
    expect(turn).toBeGreaterThan(10);
    await client.close();
  });

  it('a secret that is set but too short stops the runtime with a clear message', async () => {
    const proc = startProcess(process.execPath, ['--import', 'tsx', 'runtime/main.ts', '--port', '0', '--config', config], { env: baseEnv({ AGENT_SESSION_SECRET: 'too-short' }) });
    const code = await new Promise<number | null>((resolve) => proc.child.once('exit', resolve));
    expect(code).toBe(1);
    expect(proc.output()).toContain('agent: AGENT_SESSION_SECRET is 9 characters; use at least 32');
    expect(proc.output()).not.toContain('too-short');
  });
});

/** GET on a new connection (no keep-alive pool): the status, or the connection error's code. */
function freshGet(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.once('timeout', () => req.destroy(new Error('timeout')));
  });
}

describe('SIGTERM drains', () => {
  it('readyz turns 503 at once, calls in flight finish, new connections are refused after the delay, then it exits', async () => {
    const fixture = await startFixture({ name: 'grafana' });
    try {
      const config = writeConfig([customer('acme', 'Acme', [server('grafana', fixture.url)])]);
      const runtime = await startRuntime(config, { env: { AGENT_DRAIN_DELAY_MS: '600', AGENT_DRAIN_TIMEOUT_MS: '5000' } });
      const client = new Client({ name: 'drain', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${runtime.url}/customers/acme/mcp`)), { timeout: 10_000 });
      const slow = client.callTool({ name: 'grafana_sleep', arguments: { ms: 1500 } });
      await new Promise((resolve) => setTimeout(resolve, 200)); // the call is in flight
      const stoppedAt = Date.now();
      runtime.child.kill('SIGTERM');
      await waitFor(async () => (await runtime.api('/readyz').catch(() => undefined))?.status === 503, 'readyz 503', 2_000, 20);
      expect(Date.now() - stoppedAt).toBeLessThan(600); // within the delay: still answering, but not ready
      expect((await runtime.api('/healthz')).status).toBe(200);
      // Past the delay, while the call is still in flight: a new connection is refused.
      let settled = false;
      void slow.finally(() => (settled = true));
      await waitFor(async () => (await freshGet(`${runtime.url}/healthz`)) === 'ECONNREFUSED', 'new connections refused', 2_000, 20);
      expect(settled).toBe(false);
      const result = await slow;
      expect(result.isError).toBeFalsy();
      expect(Date.now() - stoppedAt).toBeGreaterThan(1_000);
      const exit = await new Promise<number | null>((resolve) => (runtime.child.exitCode !== null ? resolve(runtime.child.exitCode) : runtime.child.once('exit', resolve)));
      expect(exit).toBe(0);
      expect(runtime.output()).toContain('"msg":"draining"');
      expect(runtime.output()).not.toContain('were cut');
      await client.close().catch(() => {});
    } finally {
      await cleanup();
      await fixture.close();
    }
  });
});
