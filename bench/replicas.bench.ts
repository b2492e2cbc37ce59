/**
 * pnpm bench:replicas — the runtime scaled out behind HAProxy (issue 15), one run, figures and ratios, no assertions.
 * Runtimes are the esbuild bundle started with the Node flags of runtime/Dockerfile (as it ships), all sharing one
 * AGENT_SESSION_SECRET; upstreams are fixture MCP servers in their own processes; HAProxy is Debian's
 * (/usr/sbin/haproxy) with the configuration of test/runtime/fixtures/haproxy.ts.
 *
 * 1. Throughput at concurrency 50 (the model of runtime/bench.ts section 6): 50 SDK v1 client sessions across 10
 *    customers connect and list, then all make --session-calls small `add` calls at once; calls per second of the
 *    call phase, 3 replicas behind HAProxy vs 1 replica direct, alternated in the same run (--rounds each), ratio.
 * 2. The balancer hop at concurrency 1: tools/call (SDK v1 client) through HAProxy with one replica vs straight to
 *    that replica, interleaved (--calls each): medians and the difference; same for a bare GET /healthz (fetch).
 * 3. Session resume: a 2025 session initialized on replica A, then its first tools/call on replica B, which never saw
 *    it (B takes it over: opens the sealed id, replays the handshake), then a second call on B (which now knows it),
 *    --samples sessions; against the cost of one upstream connect (a fresh McpConnection to the same fixture, as the
 *    runtime connects a server). B's customer is already connected (a warm replica); a cold replica (restarted, so
 *    the takeover connects upstream too) is shown for scale.
 *
 * Options: --session-calls N (default 20), --rounds N (default 2), --calls N (default 300), --samples N (default 30).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg, cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { McpConnection } from '../runtime/pool/mcp-connection.ts';
import { sessionLoad } from './session-load.ts';
import { closeStreamable, connectStreamable, rawInitialize, rawPost } from '../test/runtime/fixtures/gateway-clients.ts';
import { startHaproxy } from '../test/runtime/fixtures/haproxy.ts';
import { cleanup, customer, freePort, server, startProcess, startRuntime, waitFor, writeConfig } from '../test/runtime/helpers.ts';
import type { RuntimeProc } from '../test/runtime/helpers.ts';

const { values } = parseArgs({ options: { 'session-calls': { type: 'string' }, rounds: { type: 'string' }, calls: { type: 'string' }, samples: { type: 'string' } } });
const SESSION_CALLS = Number(values['session-calls'] ?? 20);
const ROUNDS = Number(values.rounds ?? 2);
const CALLS = Number(values.calls ?? 300);
const SAMPLES = Number(values.samples ?? 30);
const SECRET = randomBytes(36).toString('base64');

const median = (xs: number[]) => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

/** How runtime/Dockerfile starts the bundle: its Node flags, then the bundle (built here with `pnpm build:agent`). */
function shippedEntry(): string[] {
  execFileSync('pnpm', ['run', '--silent', 'build:agent'], { stdio: 'ignore' });
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync('runtime/Dockerfile', 'utf8'))?.[1];
  const argv: unknown = cmd ? JSON.parse(cmd) : undefined;
  if (!Array.isArray(argv) || argv[0] !== 'node' || argv.at(-1) !== '/app/agent.mjs') throw new Error('runtime/Dockerfile: expected CMD ["node", ...flags, "/app/agent.mjs"]');
  return [...(argv.slice(1, -1) as string[]), 'dist/agent/agent.mjs'];
}

/** A fixture MCP server in its own process. */
async function fixtureProcess(name: string): Promise<{ url: string }> {
  const proc = startProcess(process.execPath, ['--import', 'tsx', 'test/runtime/fixtures/serve-fixture.ts', '--name', name]);
  const match = await waitFor(() => /FIXTURE_URL=(\S+)/.exec(proc.output()), `fixture ${name}`, 20_000);
  return { url: match[1]! };
}

/** The section-6 load of runtime/bench.ts against `urlOf`: 50 sessions over the ten customers' 10 tools. */
const load = (urlOf: (i: number) => string) =>
  sessionLoad({ urlOf, toolOf: (k) => (k % 2 === 0 ? 'grafana_add' : 'alertmanager_add'), expectTools: 10, calls: SESSION_CALLS });

/** The result of a tools/call answered on an event stream or as JSON. */
function sumOf(text: string): number | undefined {
  const payload = text.trimStart().startsWith('{') ? text : /^data: (\{.*\})$/m.exec(text)?.[1];
  return payload ? (JSON.parse(payload) as { result?: { structuredContent?: { sum?: number } } }).result?.structuredContent?.sum : undefined;
}

async function main(): Promise<void> {
  const cores = cpus().length;
  console.log(`replicas benchmark — ${new Date().toISOString()}, node ${process.version}, ${cores} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(
    `NOTE: this machine has only ${cores} cores, shared by 3 replicas, HAProxy, the fixtures and the 50 clients: the throughput ratio` +
      ` does not show how replicas scale on a bigger host (and when other jobs load the machine, see the load average, more` +
      ` processes also win a larger share of its CPU).\n`,
  );
  const [fixA, fixB] = await Promise.all([fixtureProcess('fleet-a'), fixtureProcess('fleet-b')]);
  const ten = Array.from({ length: 10 }, (_, i) => customer(`c${i}`, `Customer ${i}`, [server('grafana', fixA.url), server('alertmanager', fixB.url)]));
  const config = writeConfig([...ten, customer('resume', 'Resume', [server('grafana', fixA.url), server('alertmanager', fixB.url)])]);
  const entry = shippedEntry();
  console.log(`runtimes: node ${entry.join(' ')} (as runtime/Dockerfile starts it), AGENT_SESSION_SECRET shared\n`);
  const ports: number[] = [];
  while (ports.length < 3) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const env = { AGENT_SESSION_SECRET: SECRET, AGENT_LOG_LEVEL: 'warn' };
  const startReplica = (port: number) => startRuntime(config, { entry, args: ['--port', String(port)], env });
  const replicas: RuntimeProc[] = await Promise.all(ports.map(startReplica));
  const trio = await startHaproxy({ ports });
  const solo = await startHaproxy({ ports: [ports[0]!] });

  // 1. Throughput at concurrency 50.
  const direct = (i: number) => `${replicas[0]!.url}/customers/c${i % 10}/mcp`;
  const balanced = (i: number) => `${trio.url}/customers/c${i % 10}/mcp`;
  await load(direct); // warm-up: every replica connects the ten customers
  await load(balanced);
  const rates: Record<'direct' | 'balanced', number[]> = { direct: [], balanced: [] };
  const errors: string[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const [kind, urlOf] of [['direct', direct], ['balanced', balanced]] as const) {
      const result = await load(urlOf);
      rates[kind].push(result.callsPerSecond);
      errors.push(...result.errors.map((e) => `${kind === 'direct' ? '1 direct' : '3 via HAProxy'}: ${e}`));
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`1. throughput at concurrency 50 (50 SDK v1 sessions over 10 customers, ${SESSION_CALLS} calls each, ${ROUNDS} rounds alternated)`);
  console.log(`   1 replica direct:          ${rates.direct.map((x) => x.toFixed(0)).join(', ')} calls/s`);
  console.log(`   3 replicas behind HAProxy: ${rates.balanced.map((x) => x.toFixed(0)).join(', ')} calls/s`);
  const kinds = new Map<string, number>();
  for (const e of errors) kinds.set(e.replace(/\s+/g, ' ').slice(0, 160), (kinds.get(e.replace(/\s+/g, ' ').slice(0, 160)) ?? 0) + 1);
  console.log(`   ratio 3 replicas / 1 direct: ${(mean(rates.balanced) / mean(rates.direct)).toFixed(2)}  (errors: ${errors.length}${[...kinds].map(([k, n]) => `\n     ${n}× ${k}`).join('')})\n`);

  // 2. The balancer hop at concurrency 1, interleaved.
  const viaSolo = await connectStreamable(`${solo.url}/customers/resume/mcp`, undefined, 'hop-haproxy');
  const straight = await connectStreamable(`${replicas[0]!.url}/customers/resume/mcp`, undefined, 'hop-direct');
  const hop = { haproxy: [] as number[], direct: [] as number[], healthHaproxy: [] as number[], healthDirect: [] as number[] };
  const call = async (c: typeof straight, into: number[], k: number) => {
    const t0 = performance.now();
    const result = await c.client.callTool({ name: 'grafana_add', arguments: { a: k, b: 1 } });
    into.push(performance.now() - t0);
    if ((result.structuredContent as { sum?: number } | undefined)?.sum !== k + 1) throw new Error('wrong sum');
  };
  const health = async (base: string, into: number[]) => {
    const t0 = performance.now();
    const res = await fetch(`${base}/healthz`);
    await res.arrayBuffer();
    into.push(performance.now() - t0);
  };
  for (let k = 0; k < 30; k++) await Promise.all([call(viaSolo, [], k), call(straight, [], k)]);
  for (let k = 0; k < CALLS; k++) {
    if (k % 2 === 0) {
      await call(viaSolo, hop.haproxy, k);
      await call(straight, hop.direct, k);
      await health(solo.url, hop.healthHaproxy);
      await health(replicas[0]!.url, hop.healthDirect);
    } else {
      await call(straight, hop.direct, k);
      await call(viaSolo, hop.haproxy, k);
      await health(replicas[0]!.url, hop.healthDirect);
      await health(solo.url, hop.healthHaproxy);
    }
  }
  await closeStreamable(viaSolo);
  await closeStreamable(straight);
  console.log(`2. the balancer hop at concurrency 1 (HAProxy with 1 replica vs the same replica direct, ${CALLS} each, interleaved)`);
  console.log(`   tools/call: via HAProxy median ${ms(median(hop.haproxy))} (p99 ${ms(quantile(hop.haproxy, 0.99))}), direct ${ms(median(hop.direct))} (p99 ${ms(quantile(hop.direct, 0.99))}); added ${ms(median(hop.haproxy) - median(hop.direct))} (${(median(hop.haproxy) / median(hop.direct)).toFixed(2)}x)`);
  console.log(`   GET /healthz: via HAProxy median ${ms(median(hop.healthHaproxy))}, direct ${ms(median(hop.healthDirect))}; added ${ms(median(hop.healthHaproxy) - median(hop.healthDirect))}\n`);

  // 3. Session resume on a replica that never saw the session vs a call on one that knows it, vs one upstream connect.
  const [a, b] = [replicas[0]!, replicas[1]!];
  const resumeUrl = (r: RuntimeProc) => `${r.url}/customers/resume/mcp`;
  const callOn = async (r: RuntimeProc, sessionId: string, k: number): Promise<number> => {
    const t0 = performance.now();
    const res = await rawPost(resumeUrl(r), sessionId, { jsonrpc: '2.0', id: 10 + k, method: 'tools/call', params: { name: 'grafana_add', arguments: { a: k, b: 2 } } });
    const elapsed = performance.now() - t0;
    if (res.status !== 200 || sumOf(res.text) !== k + 2) throw new Error(`call on ${r.url}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
    return elapsed;
  };
  const openSession = async (): Promise<string> => {
    const init = await rawInitialize(resumeUrl(a));
    if (init.status !== 200 || !init.sessionId?.startsWith('s1.')) throw new Error(`initialize: HTTP ${init.status}`);
    await rawPost(resumeUrl(a), init.sessionId, { jsonrpc: '2.0', method: 'notifications/initialized' });
    return init.sessionId;
  };
  const endSession = async (id: string) => {
    for (const r of [a, b]) await fetch(resumeUrl(r), { method: 'DELETE', headers: { 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' } }).then((res) => res.arrayBuffer()).catch(() => {});
  };
  await callOn(b, await openSession(), 0); // B connects the customer once (warm replica)
  const takeover: number[] = [];
  const known: number[] = [];
  for (let k = 0; k < SAMPLES; k++) {
    const id = await openSession();
    takeover.push(await callOn(b, id, k));
    known.push(await callOn(b, id, k));
    await endSession(id);
  }
  // A cold replica: restarted, so its first call of the session also connects the customer's two servers.
  const cold: number[] = [];
  for (let k = 0; k < 3; k++) {
    const id = await openSession();
    await replicas[2]!.stop();
    replicas[2] = await startReplica(ports[2]!);
    cold.push(await callOn(replicas[2]!, id, k));
  }
  // One upstream connect, as the runtime makes it (revision and transport remembered after a first connect).
  const memory = { transportMemory: new Map(), eraMemory: new Map() };
  const connects: number[] = [];
  let first = NaN;
  for (let k = 0; k <= SAMPLES; k++) {
    const c = new McpConnection(server('grafana', fixA.url), memory);
    const t0 = performance.now();
    await c.connect();
    const elapsed = performance.now() - t0;
    if (k === 0) first = elapsed;
    else connects.push(elapsed);
    await c.close();
  }
  const extra = median(takeover) - median(known);
  console.log(`3. session resume (2025 session initialized on replica A, then tools/call on replica B; ${SAMPLES} sessions)`);
  console.log(`   first call on B (never saw the session, takes it over): median ${ms(median(takeover))}, p95 ${ms(quantile(takeover, 0.95))}`);
  console.log(`   next call on B (knows it):                               median ${ms(median(known))}; resume adds ${ms(extra)}`);
  console.log(`   one upstream connect (fresh McpConnection to the same fixture): median ${ms(median(connects))} (the very first, revision probe included: ${ms(first)})`);
  console.log(`   ratio resume cost / upstream connect: ${(extra / median(connects)).toFixed(2)} (first call on B / upstream connect: ${(median(takeover) / median(connects)).toFixed(2)})`);
  console.log(`   for scale, a cold replica (restarted; its first call also connects the customer's 2 servers): ${cold.map((x) => x.toFixed(0)).join(', ')} ms\n`);
  console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  await cleanup();
}

main().catch(async (error: unknown) => {
  console.error(error);
  await cleanup();
  process.exit(1);
});
