/**
 * The concurrent-session load both runtime benchmarks use (runtime/bench.ts section 6, bench/replicas.bench.ts): 50
 * SDK v1 client sessions connect and list at once, then (once all are up) each makes `calls` calls of the `add` tool
 * at once, checking every sum. Development only: it uses the test fixtures.
 */
import { performance } from 'node:perf_hooks';
import { closeStreamable, connectStreamable } from '../test/runtime/fixtures/gateway-clients.ts';

export interface SessionLoad {
  /** URL of session i. */
  urlOf: (i: number) => string;
  /** Tool name of call k. */
  toolOf: (k: number) => string;
  /** Tools each session must list. */
  expectTools: number;
  /** Calls per session. */
  calls: number;
  /** Sessions, default 50. */
  sessions?: number;
}

export interface SessionLoadResult {
  errors: string[];
  /** Connect + list per session, ms. */
  setup: number[];
  /** Each call, ms. */
  times: number[];
  /** Whole run, ms. */
  wall: number;
  /** Calls per second of the call phase. */
  callsPerSecond: number;
}

export async function sessionLoad({ urlOf, toolOf, expectTools, calls, sessions: count = 50 }: SessionLoad): Promise<SessionLoadResult> {
  const errors: string[] = [];
  const setup: number[] = [];
  const times: number[] = [];
  const started = performance.now();
  const sessions = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      try {
        const t0 = performance.now();
        const c = await connectStreamable(urlOf(i), undefined, `bench-${i}`);
        const listed = await c.client.listTools();
        setup.push(performance.now() - t0);
        if (listed.tools.length !== expectTools) throw new Error(`session ${i}: expected ${expectTools} tools, got ${listed.tools.length}`);
        return c;
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
        return null;
      }
    }),
  );
  const callsStarted = performance.now();
  await Promise.all(
    sessions.map(async (c, i) => {
      if (!c) return;
      try {
        for (let k = 0; k < calls; k++) {
          const t0 = performance.now();
          const result = await c.client.callTool({ name: toolOf(k), arguments: { a: i, b: k } });
          times.push(performance.now() - t0);
          if (result.isError || (result.structuredContent as { sum?: number } | undefined)?.sum !== i + k) {
            throw new Error(`session ${i} (${urlOf(i)}), call ${k} to ${toolOf(k)}: ${JSON.stringify(result).slice(0, 300)}`);
          }
        }
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      } finally {
        await closeStreamable(c);
      }
    }),
  );
  const end = performance.now();
  return { errors, setup, times, wall: end - started, callsPerSecond: (times.length / (end - callsStarted)) * 1000 };
}
