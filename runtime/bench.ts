/**
 * Runtime benchmark (`tsx runtime/bench.ts`, wired as `pnpm bench:runtime`). Development only: it uses the test
 * fixtures and is not part of the container image. Prints figures; asserts nothing.
 *
 * 1. Switch to a customer with 3 servers (one answers at once, one after 300 ms, one never) through a fresh runtime
 *    process, next to a sequential baseline (the same three connects one after another) measured in the same run.
 * 2. Switching back to a pooled customer (median, p95).
 * 3. tools/call overhead: through the runtime vs. an SDK client talking to the server directly (medians), the
 *    runtime called with node:http on a keep-alive socket and, for comparison, with fetch; bare GET /healthz round
 *    trips with both clients show each client's own share. Direct clients, all in the same interleaved run: the
 *    SDK v1 client on its transport, the SDK v2 client on its `StreamableHTTPClientTransport` (what an agent would
 *    use without the runtime) and on the runtime's own transport (so the cost of the extra hop alone shows too), on
 *    a 2025 server and on a 2026-07-28 one; their medians and client CPU per call (this process) as ratios, v2's
 *    transport to the runtime's.
 * 4. 200 concurrent API requests: errors and wall time.
 * 5. MCP gateway: tools/call through `/customers/<id>/mcp` (SDK client, streamable HTTP) vs. an SDK client talking
 *    to the server directly, interleaved: medians, p99s and the overhead of each.
 * 6. MCP gateway under load: 50 concurrent client sessions across 10 customers (pool size 8, so the gateway's holds
 *    keep all 10 connected): all connect and list at once, then all make --session-calls calls at once; errors,
 *    wall time, setup and call latency; the same load sent directly to the servers for scale.
 *
 * Options: --timeout-ms N (connect timeout, default 1000), --samples N (fresh switches, default 5),
 * --calls N (tools/call pairs, default 300), --session-calls N (calls per gateway session in 6, default 20; 400 makes
 * the 20,000 calls the memory figure is for), --tsx (run the runtime's sources under tsx instead of the built bundle),
 * --node-flags "..." (Node flags of the measured runtime instead of those runtime/Dockerfile starts it with; "" for none),
 * --only metrics (sections 7 and 8 alone).
 *
 * 7. Metrics cost: tools/call through the gateway on two runtimes, one with --metrics on (and its health loop), one
 *    with --metrics off, interleaved: medians and runtime CPU per call, on/off ratios.
 * 8. GET /metrics at 200 customers × 3 servers (every server probed, one tool call per server): median time of 20
 *    scrapes and the size of the text.
 * BENCH_RUNTIME_NODE_OPTIONS: NODE_OPTIONS of the measured runtime instead of the image's (runtime/Dockerfile), e.g.
 * "" to see what its heap cap does to memory and throughput.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client as V2Client, StreamableHTTPClientTransport as V2StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { sessionLoad } from '../bench/session-load.ts';
import { closeStreamable, connectStreamable } from '../test/runtime/fixtures/gateway-clients.ts';
import { startBlackHole } from '../test/runtime/fixtures/mcp-fixture.ts';
import { cleanup, customer, postJson, server, startProcess, startRuntime, waitFor, writeConfig } from '../test/runtime/helpers.ts';
import { McpConnection } from './pool/mcp-connection.ts';
import { StreamableHttpTransport } from './transport/streamable-http-transport.ts';

const { values } = parseArgs({
  options: { 'timeout-ms': { type: 'string' }, samples: { type: 'string' }, calls: { type: 'string' }, 'session-calls': { type: 'string' }, 'node-flags': { type: 'string' }, only: { type: 'string' }, tsx: { type: 'boolean', default: false } },
});
const TIMEOUT = Number(values['timeout-ms'] ?? 1000);
const SAMPLES = Number(values.samples ?? 5);
const CALLS = Number(values.calls ?? 300);
const SESSION_CALLS = Number(values['session-calls'] ?? 20);

const median = (xs: number[]) => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

/**
 * Builds the agent bundle (`pnpm build:agent`) and returns how the image starts it: the Node flags of the
 * Dockerfile's `CMD ["node", ...flags, "/app/agent.mjs"]` before the bundle's entry file, and its `NODE_OPTIONS`.
 */
function shippedRuntime(): { entry: string[]; env: Record<string, string> } {
  execFileSync('pnpm', ['run', '--silent', 'build:agent'], { stdio: 'ignore' });
  const dockerfile = readFileSync('runtime/Dockerfile', 'utf8');
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
  const argv: unknown = cmd ? JSON.parse(cmd) : undefined;
  if (!Array.isArray(argv) || argv[0] !== 'node' || argv.at(-1) !== '/app/agent.mjs') throw new Error('runtime/Dockerfile: expected CMD ["node", ...flags, "/app/agent.mjs"]');
  const flags = values['node-flags'] === undefined ? (argv.slice(1, -1) as string[]) : values['node-flags'].split(' ').filter(Boolean);
  const nodeOptions = process.env.BENCH_RUNTIME_NODE_OPTIONS ?? /\bNODE_OPTIONS=(\S+)/.exec(dockerfile)?.[1];
  return { entry: [...flags, 'dist/agent/agent.mjs'], env: nodeOptions ? { NODE_OPTIONS: nodeOptions } : {} };
}

/** Resident and peak resident memory of a process, MB (Linux /proc). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}

/** CPU time (user + system, all threads) a process has used so far, ms; NaN where /proc is not available. */
function cpuMs(pid: number): number {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return NaN;
  const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms (CLK_TCK 100)
}

/** A minimal JSON client on one keep-alive socket (node:http), for timing the runtime without fetch's own cost. */
class KeepAliveJsonClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly base: URL;

  constructor(base: string) {
    this.base = new URL(base);
  }

  /** Sends one request, reads the whole response; resolves with the status code. */
  request(method: 'GET' | 'POST', path: string, body?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
      const req = http.request({ host: this.base.hostname, port: this.base.port, path, method, headers, agent: this.agent }, (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A fixture MCP server in its own process, so direct and runtime calls both cross a process boundary. */
async function fixtureProcess(name: string, delayMs = 0, revision = '2025'): Promise<{ url: string }> {
  const proc = startProcess(process.execPath, ['--import', 'tsx', 'test/runtime/fixtures/serve-fixture.ts', '--name', name, '--delay', String(delayMs), '--revision', revision]);
  const match = await waitFor(() => /FIXTURE_URL=(\S+)/.exec(proc.output()), `fixture ${name}`, 20_000);
  return { url: match[1]! };
}

async function main(): Promise<void> {
  if (values.only === 'metrics') return metricsSections();
  if (values.only !== undefined) throw new Error(`--only: expected "metrics", got ${JSON.stringify(values.only)}`);
  const [fast, slow, solo, fleetA, fleetB, modern] = await Promise.all([
    fixtureProcess('fast'),
    fixtureProcess('slow', 300),
    fixtureProcess('solo'),
    fixtureProcess('fleet-a'),
    fixtureProcess('fleet-b'),
    fixtureProcess('modern', 0, '2026'),
  ]);
  const dead = await startBlackHole();
  const trio = customer('trio', 'Trio', [server('grafana', fast.url), server('alertmanager', slow.url), server('genesys', dead.url)]);
  // Ten more customers for the gateway load test, two servers each (two fixture processes shared by all).
  const ten = Array.from({ length: 10 }, (_, i) => customer(`c${i}`, `Customer ${i}`, [server('grafana', fleetA.url), server('alertmanager', fleetB.url)]));
  const config = writeConfig([trio, customer('solo', 'Solo', [server('grafana', solo.url)]), ...ten]);
  const args = ['--connect-timeout-ms', String(TIMEOUT)];
  console.log(`runtime benchmark — connect timeout ${TIMEOUT} ms, node ${process.version}\n`);

  // 1. Parallel switch vs sequential baseline.
  const parallel: number[] = [];
  const sequential: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const runtime = await startRuntime(config, { args });
    const t0 = performance.now();
    const res = await runtime.json('/api/customers/switch', postJson({ customer: 'trio' }));
    parallel.push(performance.now() - t0);
    if (res.body?.connected_servers?.length !== 2) throw new Error(`unexpected switch result: ${res.text}`);
    await runtime.stop();

    const t1 = performance.now();
    for (const s of trio.mcp_servers) {
      const c = new McpConnection(s, { connectTimeoutMs: TIMEOUT });
      await c.connect().catch(() => {});
      await c.close();
    }
    sequential.push(performance.now() - t1);
  }
  console.log('1. switch to a customer with 3 servers (instant, 300 ms, never answers), fresh runtime');
  console.log(`   parallel (runtime):   median ${ms(median(parallel))}  [${parallel.map((x) => x.toFixed(0)).join(', ')}]`);
  console.log(`   sequential baseline:  median ${ms(median(sequential))}  [${sequential.map((x) => x.toFixed(0)).join(', ')}]`);
  console.log(`   expected ≈ max(300, ${TIMEOUT}) = ${Math.max(300, TIMEOUT)} ms parallel vs ≥ ${300 + TIMEOUT} ms sequential\n`);

  // One long-lived runtime for the rest: the esbuild bundle with the image's Node flags, as it ships (under tsx the same
  // runtime takes ~75 MB more memory for the TypeScript loader); --tsx runs the sources instead.
  const shipped = values.tsx ? undefined : shippedRuntime();
  console.log(`runtime for sections 2–8: ${shipped ? `${Object.entries(shipped.env).map(([k, v]) => `${k}=${v} `).join('')}node ${shipped.entry.join(' ')} (as runtime/Dockerfile starts it)` : 'tsx runtime/main.ts'}\n`);
  const runtime = await startRuntime(config, { args, ...(shipped && { entry: shipped.entry, env: shipped.env }) });
  await runtime.json('/api/customers/switch', postJson({ customer: 'solo' }));
  await runtime.json('/api/customers/switch', postJson({ customer: 'trio' }));

  // 2. Switching back to pooled customers.
  const back: number[] = [];
  for (let i = 0; i < 100; i++) {
    const target = i % 2 === 0 ? 'solo' : 'trio';
    const t0 = performance.now();
    const res = await runtime.json('/api/customers/switch', postJson({ customer: target }));
    back.push(performance.now() - t0);
    if (!res.body?.pooled) throw new Error(`expected a pooled switch: ${res.text}`);
  }
  console.log('2. switch back to a pooled customer (HTTP round trip, 100 switches)');
  console.log(`   median ${ms(median(back))}, p95 ${ms(quantile(back, 0.95))}  (target ≤ 5 ms)\n`);

  // 3. tools/call overhead. The runtime is called with node:http on a keep-alive socket, which costs the client what
  // the runtime's own SDK client pays on its side; fetch (undici) is measured too, as it adds ~0.6 ms of client work
  // per request that is not the runtime's (see the bare round trips). The direct clients compare the SDK's
  // transports with the runtime's on both revisions (the 2026 fixture is the SDK v2 stateless server).
  await runtime.json('/api/customers/switch', postJson({ customer: 'trio' }));
  const v1Sdk = new Client({ name: 'bench-v1', version: '1.0.0' });
  await v1Sdk.connect(new StreamableHTTPClientTransport(new URL(fast.url)));
  const v1Own = new Client({ name: 'bench-v1-own', version: '1.0.0' }); // the runtime before SDK v2
  await v1Own.connect(new StreamableHttpTransport(new URL(fast.url)));
  const v2Client = async (url: string, own: boolean) => {
    const client = new V2Client({ name: own ? 'bench-v2-own' : 'bench-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(own ? new StreamableHttpTransport(new URL(url)) : new V2StreamableHTTPClientTransport(new URL(url)));
    return client;
  };
  const v2Sdk = await v2Client(fast.url, false);
  const v2Own = await v2Client(fast.url, true);
  const v2SdkModern = await v2Client(modern.url, false);
  const v2OwnModern = await v2Client(modern.url, true);
  if (v2Sdk.getProtocolEra() !== 'legacy' || v2SdkModern.getProtocolEra() !== 'modern' || v2OwnModern.getProtocolEra() !== 'modern') throw new Error('unexpected protocol revisions');
  const keepAlive = new KeepAliveJsonClient(runtime.url);
  type Series = { times: number[]; cpu: number };
  const series = (): Series => ({ times: [], cpu: 0 });
  const calls = {
    v1Sdk: series(),
    v1Own: series(),
    v2Sdk: series(),
    v2Own: series(),
    v2SdkModern: series(),
    v2OwnModern: series(),
    runtime: series(),
    runtimeFetch: series(),
    hop: series(),
    hopFetch: series(),
  };
  /** One call, timed; `cpu` is this process's CPU (user + system) during it, i.e. the client's share. */
  const timed = async (into: Series, warm: boolean, call: () => Promise<number>) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const status = await call();
    const elapsed = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    if (status !== 200) throw new Error(`bench call failed: HTTP ${status}`);
    if (warm) {
      into.times.push(elapsed);
      into.cpu += (cpu.user + cpu.system) / 1000;
    }
  };
  const echo = (client: { callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown> }, text: string) => async () => (await client.callTool({ name: 'echo', arguments: { text } }), 200);
  for (let i = 0; i < CALLS + 30; i++) {
    const warm = i >= 30;
    const call = JSON.stringify({ tool: 'grafana_echo', arguments: { text: `r${i}` } });
    await timed(calls.v1Sdk, warm, echo(v1Sdk, `d${i}`));
    await timed(calls.v1Own, warm, echo(v1Own, `v${i}`));
    await timed(calls.v2Sdk, warm, echo(v2Sdk, `s${i}`));
    await timed(calls.v2Own, warm, echo(v2Own, `o${i}`));
    await timed(calls.v2SdkModern, warm, echo(v2SdkModern, `m${i}`));
    await timed(calls.v2OwnModern, warm, echo(v2OwnModern, `n${i}`));
    await timed(calls.runtime, warm, () => keepAlive.request('POST', '/api/tools/call', call));
    await timed(calls.runtimeFetch, warm, async () => {
      const res = await runtime.api('/api/tools/call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: call });
      await res.arrayBuffer();
      return res.status;
    });
    await timed(calls.hop, warm, () => keepAlive.request('GET', '/healthz'));
    await timed(calls.hopFetch, warm, async () => {
      const res = await runtime.api('/healthz');
      await res.arrayBuffer();
      return res.status;
    });
  }
  await Promise.all([v1Sdk.close(), v1Own.close(), v2Sdk.close(), v2Own.close(), v2SdkModern.close(), v2OwnModern.close()]);
  keepAlive.close();
  const med = (s: Series) => median(s.times);
  const cpuPerCall = (s: Series) => s.cpu / s.times.length;
  const row = (label: string, s: Series) => `   ${label.padEnd(54)}median ${ms(med(s))}, p95 ${ms(quantile(s.times, 0.95))}, client CPU ${ms(cpuPerCall(s))}/call`;
  const ratio = (a: Series, b: Series) => `latency ${(med(a) / med(b)).toFixed(2)}×, client CPU ${(cpuPerCall(a) / cpuPerCall(b)).toFixed(2)}×`;
  const directMedian = med(calls.v2Sdk);
  console.log(`3. tools/call (echo), ${CALLS} calls each, interleaved after 30 warm-up calls`);
  console.log(row('direct, SDK v1 client + v1 transport (2025):', calls.v1Sdk));
  console.log(row("direct, SDK v1 client + runtime's transport (2025):", calls.v1Own));
  console.log(row('direct, SDK v2 client + v2 transport (2025):', calls.v2Sdk));
  console.log(row("direct, SDK v2 client + runtime's transport (2025):", calls.v2Own));
  console.log(row('direct, SDK v2 client + v2 transport (2026-07-28):', calls.v2SdkModern));
  console.log(row("direct, SDK v2 client + runtime's transport (2026):", calls.v2OwnModern));
  const show = (label: string, text: string) => console.log(`   ${label.padEnd(54)}${text}`);
  show("v2 transport / runtime's transport, 2025:", ratio(calls.v2Sdk, calls.v2Own));
  show("v2 transport / runtime's transport, 2026-07-28:", ratio(calls.v2SdkModern, calls.v2OwnModern));
  show('v2 client / v1 client, both on v1-era transports:', ratio(calls.v2Sdk, calls.v1Sdk));
  show("v2 client / v1 client, both on the runtime's:", ratio(calls.v2Own, calls.v1Own));
  show('through the runtime (node:http):', `median ${ms(med(calls.runtime))}, p95 ${ms(quantile(calls.runtime.times, 0.95))}`);
  show('overhead vs the direct SDK v2 client (medians):', `${ms(med(calls.runtime) - directMedian)}  (target ≤ 2 ms)`);
  show('overhead vs the direct SDK v1 client (medians):', ms(med(calls.runtime) - med(calls.v1Sdk)));
  show('the hop alone (vs the same client and transport):', ms(med(calls.runtime) - med(calls.v2Own)));
  show('through the runtime (fetch):', `median ${ms(med(calls.runtimeFetch))}, overhead ${ms(med(calls.runtimeFetch) - directMedian)}`);
  show('bare round trip GET /healthz:', `node:http ${ms(med(calls.hop))}, fetch ${ms(med(calls.hopFetch))} (the client's share)\n`);

  // 4. 200 concurrent requests.
  const paths = ['/api/customers', '/api/tools', '/api/servers', '/healthz'];
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      (i % 5 === 4 ? runtime.api('/api/tools/call', postJson({ tool: 'grafana_echo', arguments: { text: `c${i}` } })) : runtime.api(paths[i % 4]!)).then(
        async (r) => ({ ok: r.status === 200, bytes: (await r.arrayBuffer()).byteLength }),
        () => ({ ok: false, bytes: 0 }),
      ),
    ),
  );
  const wall = performance.now() - t0;
  console.log('4. 200 concurrent API requests (customers, tools, servers, healthz, 40 tools/call)');
  console.log(`   errors ${results.filter((r) => !r.ok).length}, wall time ${ms(wall)}\n`);

  // 5. tools/call through the gateway vs direct.
  const viaGateway = await connectStreamable(`${runtime.url}/customers/solo/mcp`, undefined, 'bench-gateway');
  const directSolo = new Client({ name: 'bench-direct', version: '1.0.0' });
  await directSolo.connect(new StreamableHTTPClientTransport(new URL(solo.url)));
  await viaGateway.client.listTools();
  const gw: number[] = [];
  const dr: number[] = [];
  for (let i = 0; i < CALLS + 30; i++) {
    const t0 = performance.now();
    const a = await directSolo.callTool({ name: 'echo', arguments: { text: `d${i}` } });
    const t1 = performance.now();
    const b = await viaGateway.client.callTool({ name: 'grafana_echo', arguments: { text: `g${i}` } });
    const t2 = performance.now();
    if (a.isError || b.isError) throw new Error('gateway benchmark call failed');
    if (i >= 30) {
      dr.push(t1 - t0);
      gw.push(t2 - t1);
    }
  }
  // The runtime's own CPU per call, gateway vs. HTTP API (robust to other load on the machine, unlike wall time).
  const pid = runtime.child.pid!;
  let cpu0 = cpuMs(pid);
  for (let i = 0; i < CALLS; i++) await viaGateway.client.callTool({ name: 'grafana_echo', arguments: { text: `c${i}` } });
  const gatewayCpu = (cpuMs(pid) - cpu0) / CALLS;
  await runtime.json('/api/customers/switch', postJson({ customer: 'solo' }));
  cpu0 = cpuMs(pid);
  for (let i = 0; i < CALLS; i++) await (await runtime.api('/api/tools/call', postJson({ tool: 'grafana_echo', arguments: { text: `c${i}` } }))).arrayBuffer();
  const apiCpu = (cpuMs(pid) - cpu0) / CALLS;
  await closeStreamable(viaGateway);
  await directSolo.close();
  console.log(`5. MCP gateway tools/call (echo), SDK client over streamable HTTP, ${CALLS} calls each, interleaved after 30 warm-up calls`);
  console.log(`   direct to the server:  median ${ms(median(dr))}, p99 ${ms(quantile(dr, 0.99))}`);
  console.log(`   through the gateway:   median ${ms(median(gw))}, p99 ${ms(quantile(gw, 0.99))}`);
  console.log(`   overhead:              median ${ms(median(gw) - median(dr))}, p99 ${ms(quantile(gw, 0.99) - quantile(dr, 0.99))}`);
  console.log(`   runtime CPU per call:  gateway ${ms(gatewayCpu)}, HTTP API (POST /api/tools/call) ${ms(apiCpu)}\n`);

  // 6. 50 concurrent gateway sessions across 10 customers, and the same load sent directly to the servers for scale.
  //    Phase 1: all sessions connect and list at once; phase 2 (once all are up): all call at once.
  const before = (await runtime.json('/api/customers')).body?.current_id;
  const viaGw = await sessionLoad({ urlOf: (i) => `${runtime.url}/customers/c${i % 10}/mcp`, toolOf: (k) => (k % 2 === 0 ? 'grafana_add' : 'alertmanager_add'), expectTools: 10, calls: SESSION_CALLS });
  const direct50 = await sessionLoad({ urlOf: (i) => (i % 2 === 0 ? fleetA.url : fleetB.url), toolOf: () => 'add', expectTools: 5, calls: SESSION_CALLS });
  const after = await runtime.json('/api/customers');
  const line = (r: { errors: string[]; setup: number[]; times: number[]; wall: number }) =>
    `errors ${r.errors.length}${r.errors.length ? ` (${r.errors.slice(0, 3).join('; ')})` : ''}, wall ${ms(r.wall)}; connect+list median ${ms(median(r.setup))}, p99 ${ms(quantile(r.setup, 0.99))}; ${r.times.length} calls median ${ms(median(r.times))}, p99 ${ms(quantile(r.times, 0.99))}`;
  console.log(`6. 50 concurrent MCP client sessions (one client process): all connect + list, then all make ${SESSION_CALLS} calls`);
  console.log(`   through the gateway, 10 customers × 2 servers:\n     ${line(viaGw)}`);
  console.log(`   direct to the 2 servers (for scale):\n     ${line(direct50)}`);
  console.log(`   throughput of the call phase: gateway ${viaGw.callsPerSecond.toFixed(0)} calls/s, direct ${direct50.callsPerSecond.toFixed(0)} calls/s (${(viaGw.callsPerSecond / direct50.callsPerSecond).toFixed(2)} of direct; target ≥ 0.6)`);
  const memory = memoryOf(runtime.child.pid!);
  console.log(`   runtime memory after ${viaGw.times.length} gateway calls over 50 sessions: RSS ${memory.rss} MB, peak ${memory.peak} MB (target ≤ 150 MB)`);
  console.log(`   API's current customer: ${after.body?.current_id === before ? `unchanged (${before})` : `CHANGED from ${before} to ${after.body?.current_id}`}\n`);

  await cleanup();
  await dead.close();
  await metricsSections();
}

/** Sections 7 and 8: what the metrics cost per call, and a scrape at 200 customers × 3 servers. */
async function metricsSections(): Promise<void> {
  const upstream = await fixtureProcess('metrics');
  const shipped = values.tsx ? undefined : shippedRuntime();
  const as = shipped ? { entry: shipped.entry, env: shipped.env } : {};
  const solo = writeConfig([customer('solo', 'Solo', [server('grafana', upstream.url)])]);
  const [on, off] = await Promise.all([
    startRuntime(solo, { ...as, args: ['--metrics', 'on'] }),
    startRuntime(solo, { ...as, args: ['--metrics', 'off'] }),
  ]);
  const clients = await Promise.all([on, off].map((r) => connectStreamable(`${r.url}/customers/solo/mcp`, undefined, 'bench-metrics')));
  const times: [number[], number[]] = [[], []];
  const cpu = [0, 0];
  for (let i = 0; i < 30 + CALLS; i++) {
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const pid = [on, off][k]!.child.pid!;
      const c0 = cpuMs(pid);
      const t0 = performance.now();
      await clients[k]!.client.callTool({ name: 'grafana_echo', arguments: { text: `m${i}` } });
      if (i >= 30) {
        times[k]!.push(performance.now() - t0);
        cpu[k]! += cpuMs(pid) - c0;
      }
    }
  }
  await Promise.all(clients.map((c) => closeStreamable(c)));
  const [mOn, mOff] = [median(times[0]), median(times[1])];
  const [cOn, cOff] = [cpu[0]! / CALLS, cpu[1]! / CALLS];
  console.log(`7. metrics cost: gateway tools/call (echo), ${CALLS} calls each on two runtimes, interleaved after 30 warm-up calls`);
  console.log(`   --metrics on:  median ${ms(mOn)}, runtime CPU ${ms(cOn)}/call`);
  console.log(`   --metrics off: median ${ms(mOff)}, runtime CPU ${ms(cOff)}/call`);
  console.log(`   on / off: latency ${(mOn / mOff).toFixed(3)}×, CPU ${(cOn / cOff).toFixed(3)}× (target ≤ 1.03×; CPU per call is counted in 10 ms ticks, so it is coarse)\n`);

  // 8. A fleet of 200 customers × 3 servers, all served by one fixture process; every server probed and called once.
  const fleet = Array.from({ length: 200 }, (_, i) => customer(`customer-${String(i).padStart(3, '0')}`, `Customer ${i}`, ['grafana', 'alertmanager', 'genesys'].map((name) => server(name, upstream.url))));
  const big = await startRuntime(writeConfig(fleet), { ...as, args: ['--health-interval-ms', '2000', '--pool-size', '8'] });
  const api = new KeepAliveJsonClient(big.url);
  for (const c of fleet) {
    await api.request('POST', '/api/customers/switch', JSON.stringify({ customer: c.id }));
    for (const name of ['grafana', 'alertmanager', 'genesys']) await api.request('POST', '/api/tools/call', JSON.stringify({ tool: `${name}_add`, arguments: { a: 1, b: 2 } }));
  }
  await waitFor(async () => ((await (await big.api('/metrics')).text()).match(/^mcpfleet_upstream_up\{/gm)?.length ?? 0) >= 600, 'every server probed', 60_000, 500);
  const scrapes: number[] = [];
  let size = 0;
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const text = await (await big.api('/metrics')).text();
    scrapes.push(performance.now() - t0);
    size = Buffer.byteLength(text);
  }
  api.close();
  console.log('8. GET /metrics at 200 customers × 3 servers (600 servers probed, 600 tool calls)');
  console.log(`   median ${ms(median(scrapes))}, p95 ${ms(quantile(scrapes, 0.95))} over 20 scrapes (target ≤ 50 ms); ${(size / 1024).toFixed(0)} KiB (target < 1 MB)\n`);
  await cleanup();
}

main().catch(async (error: unknown) => {
  console.error(error);
  await cleanup();
  process.exit(1);
});
