/**
 * Runtime benchmark (`tsx runtime/bench.ts`, wired as `pnpm bench:runtime`). Development only: it uses the test
 * fixtures and is not part of the container image. Prints figures; asserts nothing.
 *
 * 1. Switch to a customer with 3 servers (one answers at once, one after 300 ms, one never) through a fresh runtime
 *    process, next to a sequential baseline (the same three connects one after another) measured in the same run.
 * 2. Switching back to a pooled customer (median, p95).
 * 3. tools/call overhead: through the runtime vs. an SDK client talking to the server directly (medians), with the
 *    round trip of a bare GET /healthz for scale.
 * 4. 200 concurrent API requests: errors and wall time.
 *
 * Options: --timeout-ms N (connect timeout, default 1000), --samples N (fresh switches, default 5),
 * --calls N (tools/call pairs, default 300).
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startBlackHole } from '../test/runtime/fixtures/mcp-fixture.ts';
import { cleanup, customer, postJson, server, startProcess, startRuntime, waitFor, writeConfig } from '../test/runtime/helpers.ts';
import { McpConnection } from './mcp-connection.ts';

const { values } = parseArgs({
  options: { 'timeout-ms': { type: 'string' }, samples: { type: 'string' }, calls: { type: 'string' } },
});
const TIMEOUT = Number(values['timeout-ms'] ?? 1000);
const SAMPLES = Number(values.samples ?? 5);
const CALLS = Number(values.calls ?? 300);

const median = (xs: number[]) => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

/** A fixture MCP server in its own process, so direct and runtime calls both cross a process boundary. */
async function fixtureProcess(name: string, delayMs = 0): Promise<{ url: string }> {
  const proc = startProcess(process.execPath, ['--import', 'tsx', 'test/runtime/fixtures/serve-fixture.ts', '--name', name, '--delay', String(delayMs)]);
  const match = await waitFor(() => /FIXTURE_URL=(\S+)/.exec(proc.output()), `fixture ${name}`, 20_000);
  return { url: match[1]! };
}

async function main(): Promise<void> {
  const [fast, slow, solo] = await Promise.all([fixtureProcess('fast'), fixtureProcess('slow', 300), fixtureProcess('solo')]);
  const dead = await startBlackHole();
  const trio = customer('trio', 'Trio', [server('grafana', fast.url), server('alertmanager', slow.url), server('genesys', dead.url)]);
  const config = writeConfig([trio, customer('solo', 'Solo', [server('grafana', solo.url)])]);
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

  // One long-lived runtime for the rest.
  const runtime = await startRuntime(config, { args });
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

  // 3. tools/call overhead.
  await runtime.json('/api/customers/switch', postJson({ customer: 'trio' }));
  const direct = new Client({ name: 'bench-direct', version: '1.0.0' });
  await direct.connect(new StreamableHTTPClientTransport(new URL(fast.url)));
  const viaRuntime: number[] = [];
  const viaDirect: number[] = [];
  const hop: number[] = [];
  for (let i = 0; i < CALLS + 30; i++) {
    const t0 = performance.now();
    await direct.callTool({ name: 'echo', arguments: { text: `d${i}` } });
    const t1 = performance.now();
    const res = await runtime.api('/api/tools/call', postJson({ tool: 'grafana_echo', arguments: { text: `r${i}` } }));
    await res.arrayBuffer();
    const t2 = performance.now();
    if (res.status !== 200) throw new Error(`tools/call failed: ${res.status}`);
    const health = await runtime.api('/healthz');
    await health.arrayBuffer();
    const t3 = performance.now();
    if (i >= 30) {
      viaDirect.push(t1 - t0);
      viaRuntime.push(t2 - t1);
      hop.push(t3 - t2);
    }
  }
  await direct.close();
  console.log(`3. tools/call (echo), ${CALLS} calls each, interleaved after 30 warm-up calls`);
  console.log(`   direct SDK client:    median ${ms(median(viaDirect))}, p95 ${ms(quantile(viaDirect, 0.95))}`);
  console.log(`   through the runtime:  median ${ms(median(viaRuntime))}, p95 ${ms(quantile(viaRuntime, 0.95))}`);
  console.log(`   overhead (medians):   ${ms(median(viaRuntime) - median(viaDirect))}  (target ≤ 2 ms)`);
  console.log(`   for scale: one bare HTTP round trip to the runtime (GET /healthz) median ${ms(median(hop))}\n`);

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

  await cleanup();
  await dead.close();
}

main().catch(async (error: unknown) => {
  console.error(error);
  await cleanup();
  process.exit(1);
});
