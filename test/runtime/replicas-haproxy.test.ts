/**
 * The runtime scaled out, for real (issue 15, item 4): three runtime replicas (processes on their own 127.0.0.1 ports,
 * the same AGENT_SESSION_SECRET) behind Debian's HAProxy (round robin, no stickiness, health checks on /readyz,
 * retries of refused connections and of connections closed before any response byte, redispatched to another
 * replica), in front of the real mcp-alertmanager and Alertmanager. Clients of both revisions call a tool through the
 * balancer the whole time: two SDK v2 clients (auto negotiation → 2026-07-28, stateless), two SDK v1 clients (2025
 * sessions, whose requests land on every replica in turn) and the MCP inspector CLI (a process, and a 2025 session,
 * per call). Every request carries an `x-call-id` header, so HAProxy's log says which replica each call went to.
 *
 * (a) One replica is killed with SIGKILL mid-traffic and restarted on its port: only calls in flight on that replica
 *     may fail, and every client's next call succeeds, the v1 clients on the session they had.
 * (b) Every replica is restarted in turn with SIGTERM (the next one once the new process is up in HAProxy): no call
 *     fails.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInspector } from './fixtures/gateway-clients.ts';
import { CHECK, startHaproxy } from './fixtures/haproxy.ts';
import type { Haproxy, LoggedRequest } from './fixtures/haproxy.ts';
import { startAlertmanagerStack } from './fixtures/real-alertmanager.ts';
import { cleanup, customer, freePort, server, startRuntime, waitFor, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const SECRET = randomBytes(36).toString('base64');
/** Three times what HAProxy needs to see a draining replica (inter × fall): it is out well before it stops accepting. */
const DRAIN_DELAY_MS = 1_500;
const REPLICA_ENV = { AGENT_SESSION_SECRET: SECRET, AGENT_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS), AGENT_DRAIN_TIMEOUT_MS: '10000' };
const TOOL = 'alertmanager_getAlerts';
const alertname = `ReplicaTest_${randomUUID().slice(0, 8)}`;
/** Bounds of each client loop: calls per scenario, time per call, pause between calls. */
const MAX_CALLS = 400;
const CALL_TIMEOUT_MS = 10_000;
const PAUSE_MS = 100;

if (CHECK.interMs * CHECK.fall * 3 > DRAIN_DELAY_MS) throw new Error('the drain delay must be at least three times what HAProxy needs to take a replica out');

let config: string;
let ports: number[];
const replicas: RuntimeProc[] = [];
let haproxy: Haproxy;
let endpoint: string;

/** One call as a client saw it. */
interface CallRecord {
  client: string;
  id: string;
  start: number;
  end: number;
  ok: boolean;
  error?: string;
}

/** A client of the gateway that makes one tool call at a time, every request of a call tagged with its id. */
interface Caller {
  name: string;
  call(id: string): Promise<void>;
}

/** A fetch that adds the current call's id to every request (the caller makes one call at a time). */
function tagging(): { fetch: typeof fetch; current: { id: string } } {
  const current = { id: '' };
  return {
    current,
    fetch: (url, init) => {
      const headers = new Headers(init?.headers);
      headers.set('x-call-id', current.id);
      return fetch(url, { ...init, headers });
    },
  };
}

function alertsIn(text: string): boolean {
  return text.includes(alertname);
}

function resultText(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((c) => c.text ?? '').join('\n');
}

async function v1Caller(name: string): Promise<Caller & { sessionId(): string | undefined; close(): Promise<void> }> {
  const tag = tagging();
  tag.current.id = `${name}-connect`;
  const client = new Client({ name, version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(endpoint), { fetch: tag.fetch });
  await client.connect(transport, { timeout: CALL_TIMEOUT_MS });
  return {
    name,
    sessionId: () => transport.sessionId,
    async call(id) {
      tag.current.id = id;
      const result = await client.callTool({ name: TOOL, arguments: {} }, undefined, { timeout: CALL_TIMEOUT_MS });
      if (result.isError || !alertsIn(resultText(result))) throw new Error(`unexpected result: ${resultText(result).slice(0, 200)}`);
    },
    close: () => client.close(),
  };
}

async function v2Caller(name: string): Promise<Caller & { close(): Promise<void> }> {
  const tag = tagging();
  tag.current.id = `${name}-connect`;
  const client = new V2Client({ name, version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } } as never);
  await client.connect(new V2Transport(new URL(endpoint), { fetch: tag.fetch }));
  expect(client.getProtocolEra()).toBe('modern');
  expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
  return {
    name,
    async call(id) {
      tag.current.id = id;
      const result = await client.callTool({ name: TOOL, arguments: {} }, { timeout: CALL_TIMEOUT_MS });
      if (result.isError || !alertsIn(resultText(result))) throw new Error(`unexpected result: ${resultText(result).slice(0, 200)}`);
    },
    close: () => client.close(),
  };
}

const inspectorCaller: Caller = {
  name: 'inspector',
  async call(id) {
    const run = await runInspector([endpoint, '--transport', 'http', '--header', `x-call-id: ${id}`, '--method', 'tools/call', '--tool-name', TOOL]);
    if (run.code !== 0 || !alertsIn(run.stdout)) throw new Error(`inspector exit ${run.code}: ${(run.stderr || run.stdout).slice(-300)}`);
  },
};

/** Every caller calling in a loop (bounded in count) until `stop()`. */
function traffic(callers: Caller[], scenario: string) {
  const records: CallRecord[] = [];
  /** Calls in progress: id → start. */
  const active = new Map<string, number>();
  let stopping = false;
  const loops = callers.map(async (caller) => {
    for (let n = 0; n < MAX_CALLS && !stopping; n++) {
      const id = `${scenario}-${caller.name}-${n}`;
      const start = Date.now();
      active.set(id, start);
      try {
        await caller.call(id);
        records.push({ client: caller.name, id, start, end: Date.now(), ok: true });
      } catch (error) {
        records.push({ client: caller.name, id, start, end: Date.now(), ok: false, error: (error as Error).message.slice(0, 300) });
      } finally {
        active.delete(id);
      }
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
  });
  /** Waits until every caller (or only the SDK ones: an inspector call takes seconds) has `n` successful calls that started after `since`. */
  const progress = (n: number, since: number, who: 'all' | 'sdk' = 'all', timeoutMs = 30_000) =>
    waitFor(
      () => callers.filter((c) => who === 'all' || c.name !== 'inspector').every((c) => records.filter((r) => r.client === c.name && r.ok && r.start >= since).length >= n),
      `${n} successful calls of every client`,
      timeoutMs,
      50,
    );
  return {
    records,
    progress,
    /** How many SDK calls (not inspector runs, which are in progress most of the time) are in progress now. */
    sdkCallsInFlight: () => [...active.keys()].filter((id) => !id.includes('-inspector-')).length,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      return records;
    },
  };
}

async function startReplica(i: number): Promise<RuntimeProc> {
  replicas[i] = await startRuntime(config, { args: ['--port', String(ports[i])], env: REPLICA_ENV });
  return replicas[i]!;
}

function exitOf(replica: RuntimeProc, timeoutMs: number): Promise<number | null> {
  return Promise.race([replica.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('replica did not exit')), timeoutMs))]);
}

const summary = (records: CallRecord[]) => {
  const by = (prefix: string) => records.filter((r) => r.client.startsWith(prefix));
  return ['v2', 'v1', 'inspector'].map((p) => `${p} ${by(p).filter((r) => r.ok).length}/${by(p).length}`).join(', ');
};

describe('three replicas behind HAProxy, in front of the real mcp-alertmanager', () => {
  let v1: Array<Awaited<ReturnType<typeof v1Caller>>>;
  let v2: Array<Awaited<ReturnType<typeof v2Caller>>>;
  let sessions: Array<string | undefined>;

  beforeAll(async () => {
    const stack = await startAlertmanagerStack();
    await stack.postAlert({ alertname, severity: 'warning', customer: 'acme' }, { summary: 'replica test' });
    config = writeConfig([customer('acme', 'Acme', [server('alertmanager', stack.mcpUrl, 'alertmanager', 'streamable-http', { alertmanager_url: stack.alertmanagerUrl })])]);
    ports = [];
    while (ports.length < 3) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    await Promise.all([0, 1, 2].map(startReplica));
    haproxy = await startHaproxy({ ports });
    endpoint = `${haproxy.url}/customers/acme/mcp`;
    v1 = await Promise.all(['v1-a', 'v1-b'].map(v1Caller));
    v2 = await Promise.all(['v2-a', 'v2-b'].map(v2Caller));
    sessions = v1.map((c) => c.sessionId());
    expect(sessions.every((s) => s?.startsWith('s1.'))).toBe(true);
  });

  afterAll(async () => {
    await Promise.all([...(v1 ?? []), ...(v2 ?? [])].map((c) => c.close().catch(() => {})));
    await cleanup();
  });

  const callers = () => [...v2, ...v1, inspectorCaller];

  it('(a) SIGKILL of one replica mid-traffic, then restarted: only calls in flight on it fail, every client goes on', { timeout: 150_000 }, async () => {
    const load = traffic(callers(), 'a');
    await load.progress(1, 0);
    const victim = 1;
    // Mid-traffic: kill when SDK calls are in progress (bounded wait, then kill anyway) and the inspector is in a run.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await waitFor(() => load.sdkCallsInFlight() >= 3, 'SDK calls in flight', 5_000, 1).catch(() => {});
    const killedAt = Date.now();
    process.kill(replicas[victim]!.child.pid!, 'SIGKILL');
    await exitOf(replicas[victim]!, 5_000);
    await haproxy.waitFor([`r${victim}`], 'DOWN', 5_000);
    const downAt = Date.now();
    await load.progress(1, downAt, 'sdk'); // the two replicas left serve everyone, sessions included
    await startReplica(victim);
    await haproxy.waitFor([`r${victim}`], 'UP', 10_000);
    const upAt = Date.now();
    await load.progress(1, upAt);
    // The restarted replica, which never saw the v1 sessions, serves their calls (bounded wait: round robin gets there).
    const servedByNew = (from: number) => (l: LoggedRequest) => l.callId.startsWith('a-v1-') && l.server === `r${victim}` && l.status === 200 && load.records.some((r) => r.id === l.callId && r.start >= from);
    await waitFor(() => haproxy.requests().some(servedByNew(upAt)), 'a v1 session call on the restarted replica', 20_000, 100);
    const records = await load.stop();

    const failed = records.filter((r) => !r.ok);
    const inFlight = records.filter((r) => r.start <= killedAt && r.end >= killedAt);
    const log = haproxy.requests();
    console.log(
      `replicas (a) SIGKILL + restart: ${failed.length} failed of ${records.length} calls (${summary(records)}); ${inFlight.length} in flight at the kill; ` +
        `DOWN in HAProxy after ${downAt - killedAt} ms; ${log.filter((l) => l.callId.startsWith('a-') && l.retries > 0).length} requests retried by HAProxy` +
        (failed.length ? `; failed: ${failed.map((f) => `${f.id} (${f.error}; HAProxy: ${JSON.stringify(log.filter((l) => l.callId === f.id))})`).join('; ')}` : ''),
    );
    for (const f of failed) {
      // It was in flight when the replica was killed, and HAProxy had sent it (or part of it) to that replica.
      expect(f.start, f.id).toBeLessThanOrEqual(killedAt);
      expect(f.end, f.id).toBeGreaterThanOrEqual(killedAt);
      const lines = log.filter((l) => l.callId === f.id);
      expect(lines.some((l) => l.server === `r${victim}` && l.termination !== '--'), `${f.id}: ${JSON.stringify(lines)}`).toBe(true);
      // The same client's next call succeeded.
      const next = records.filter((r) => r.client === f.client && r.start > f.start).sort((x, y) => x.start - y.start)[0];
      expect(next?.ok, `${f.client} after ${f.id}`).toBe(true);
    }
    expect(failed.length).toBeLessThanOrEqual(inFlight.length);
    // Calls after the kill went on without a new handshake: the v1 clients kept their sessions, and the restarted
    // replica (which never saw them) took them over.
    expect(v1.map((c) => c.sessionId())).toEqual(sessions);
    expect(replicas[victim]!.output()).toContain('"msg":"gateway session taken over"');
    expect(log.some(servedByNew(upAt))).toBe(true);
    for (const c of callers()) expect(records.filter((r) => r.client === c.name && r.start > killedAt).every((r) => r.ok), c.name).toBe(true);
  });

  it('(b) every replica restarted in turn with SIGTERM: no call fails', { timeout: 150_000 }, async () => {
    const load = traffic(callers(), 'b');
    await load.progress(1, 0);
    const steps: string[] = [];
    for (const i of [0, 1, 2]) {
      const old = replicas[i]!;
      const stoppedAt = Date.now();
      process.kill(old.child.pid!, 'SIGTERM');
      await haproxy.waitFor([`r${i}`], 'DOWN', 5_000);
      const downMs = Date.now() - stoppedAt;
      expect(downMs).toBeLessThan(DRAIN_DELAY_MS); // out of the balancer before it stops accepting
      expect(await exitOf(old, 20_000)).toBe(0);
      const exitedMs = Date.now() - stoppedAt;
      expect(old.output()).toContain('"msg":"draining"');
      expect(old.output()).not.toContain('were cut');
      await startReplica(i);
      await haproxy.waitFor([`r${i}`], 'UP', 10_000);
      steps.push(`r${i} DOWN after ${downMs} ms, exited after ${exitedMs} ms, restarted and UP after ${Date.now() - stoppedAt} ms`);
      await load.progress(1, Date.now(), 'sdk');
    }
    await load.progress(1, Date.now());
    // Each new process serves 2025 session calls it took over (bounded wait: round robin gets there).
    const servedBy = (i: number) => (l: LoggedRequest) => l.callId.startsWith('b-v1-') && l.server === `r${i}` && l.status === 200;
    await waitFor(() => [0, 1, 2].every((i) => haproxy.requests().some(servedBy(i))), 'v1 session calls on every new replica', 20_000, 100);
    const records = await load.stop();
    const failed = records.filter((r) => !r.ok);
    const log = haproxy.requests();
    console.log(
      `replicas (b) rolling SIGTERM restart of 3: ${failed.length} failed of ${records.length} calls (${summary(records)}); ` +
        `${log.filter((l) => l.callId.startsWith('b-') && l.retries > 0).length} requests retried by HAProxy; ${steps.join('; ')}` +
        (failed.length ? `; failed: ${failed.map((f) => `${f.id} (${f.error})`).join('; ')}` : ''),
    );
    expect(failed).toEqual([]);
    expect(v1.map((c) => c.sessionId())).toEqual(sessions);
    for (const i of [0, 1, 2]) expect(replicas[i]!.output()).toContain('"msg":"gateway session taken over"');
  });
});
