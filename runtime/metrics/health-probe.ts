/**
 * The runtime's background health loop: every interval it asks each configured upstream server whether it is up, so
 * `mcpfleet_upstream_up` covers every customer, not only those someone is calling. A server of a pooled customer is
 * pinged over its open connection (no new connection; a failure marks the connection failed, as a call would); any
 * other server gets a fresh MCP handshake (connect, then close). Probes run a few at a time and a round never overlaps
 * the next.
 */
import type { AgentRuntime } from '../agent-runtime.ts';
import type { ServerConfig } from '../config.ts';
import { classifyError } from '../pool/failure.ts';
import type { Logger } from '../logger.ts';
import { McpConnection, UpstreamError } from '../pool/mcp-connection.ts';
import type { RuntimeMetrics } from './runtime-metrics.ts';

/** Default time between health rounds, ms. */
export const DEFAULT_HEALTH_INTERVAL_MS = 30_000;
/** Probes in flight at once. */
const PROBE_CONCURRENCY = 8;

export class HealthProbe {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly runtime: AgentRuntime,
    private readonly metrics: RuntimeMetrics,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Runs a first round now, then one per interval. */
  start(): void {
    if (this.intervalMs <= 0) return;
    const tick = () => {
      if (this.stopped) return;
      this.round = this.runRound().finally(() => {
        this.round = undefined;
        if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs).unref();
      });
    };
    tick();
  }

  /** Stops the loop; waits for a round in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }

  /** One round over every customer's servers. */
  async runRound(): Promise<void> {
    const jobs = this.runtime.config.customers.flatMap((customer) => customer.mcp_servers.map((server) => () => this.probe(customer.id, server)));
    let next = 0;
    const worker = async () => {
      while (next < jobs.length && !this.stopped) await jobs[next++]!();
    };
    await Promise.all(Array.from({ length: Math.min(PROBE_CONCURRENCY, jobs.length) }, worker));
  }

  private async probe(customerId: string, server: ServerConfig): Promise<void> {
    const pooled = this.runtime.pooledConnection(customerId, server.name);
    try {
      if (pooled) {
        await pooled.request((client, timeoutMs) => client.ping({ timeout: timeoutMs }));
      } else {
        const connection = new McpConnection(server, { connectTimeoutMs: this.runtime.timeouts.connectMs, callTimeoutMs: this.runtime.timeouts.callMs, redactor: this.runtime.redactor });
        try {
          await connection.connect();
        } finally {
          await connection.close();
        }
      }
      this.metrics.probe(customerId, server.name, true);
    } catch (error) {
      const reason = error instanceof UpstreamError ? error.failure.reason : classifyError(error, this.runtime.redactor).reason;
      this.metrics.probe(customerId, server.name, false, reason);
      this.logger.debug('health probe failed', { customer: customerId, server: server.name, reason });
    }
  }
}
