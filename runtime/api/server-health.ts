/**
 * Health of every customer × server for the agent page: how each server answered its last check and when.
 *
 * Checks are driven by the page's requests (nobody looking, nothing checked), throttled, de-duplicated and bounded:
 *
 * - a pooled customer's servers ({@link ServerHealth.checkCustomer}): a connected server is pinged over its open
 *   connection (a dead one is marked failed, as a call would mark it); a failed one whose reconnect backoff has passed
 *   is reconnected, so a server that came back turns `connected` without anyone re-selecting the customer. At most one
 *   check per customer per `customerIntervalMs`;
 * - the fleet ({@link ServerHealth.overview}): the same for pooled customers, and a fresh MCP handshake (connect, then
 *   close) for the servers of customers that are not pooled, like the metrics' health probe. At most one round per
 *   `fleetIntervalMs`, a few probes at a time;
 * - {@link ServerHealth.reconnect}: an operator's Reconnect, which skips the backoff.
 *
 * An answer waits for a check in progress at most `waitMs`, then reports what is known (a server still being checked
 * shows as `checking` or with its previous result); the check goes on in the background. Error messages are the
 * connection's classified, redacted failures ({@link Failure}); callers send them through the {@link Redactor} again.
 */
import type { AgentRuntime } from '../agent-runtime.ts';
import type { ServerConfig } from '../config.ts';
import { classifyError } from '../pool/failure.ts';
import type { Failure } from '../pool/failure.ts';
import { McpConnection, UpstreamError } from '../pool/mcp-connection.ts';
import type { ConnectionState, ServerStatus } from '../pool/mcp-connection.ts';

/** `up`: answered its last check; `down`: did not; `checking`: first check in progress; `unknown`: never checked. */
export type Health = 'up' | 'down' | 'checking' | 'unknown';

/** A failure as shown to API clients (no stack, no raw error). */
export interface HealthError {
  reason: Failure['reason'];
  message: string;
  status?: number;
}

/** One server in the fleet overview. */
export interface FleetServer {
  name: string;
  type: string;
  health: Health;
  /** The pooled connection's state; `null` when the customer is not pooled (health then comes from a probe). */
  state: ConnectionState | null;
  /** When the server last answered or failed a check, connect or ping (ISO 8601), `null` when never. */
  last_checked_at: string | null;
  /** Why it is down (or why its last attempt failed), redacted. */
  error: HealthError | null;
}

/** One customer in the fleet overview. */
export interface FleetCustomer {
  id: string;
  name: string;
  /** Whether the customer's connections are open in the pool (its servers are then checked over them). */
  pooled: boolean;
  servers: FleetServer[];
}

/** `GET /api/fleet`. */
export interface FleetOverview {
  /** When the last complete fleet round finished, `null` before the first. */
  checked_at: string | null;
  /** A round is in progress (some servers may show their previous result). */
  checking: boolean;
  totals: Record<Health, number>;
  customers: FleetCustomer[];
}

/** Tunables of {@link ServerHealth}. */
export interface ServerHealthOptions {
  /** Least time between two checks of one customer's servers, ms. Default 1000. */
  customerIntervalMs?: number;
  /** Least time between two fleet rounds, ms. Default 15000. */
  fleetIntervalMs?: number;
  /** Longest an answer waits for a check in progress, ms. Default 1500. */
  waitMs?: number;
  /** Bound on one ping, ms. Default the smaller of the runtime's connect timeout and 5000. */
  pingTimeoutMs?: number;
  /** Probes in flight at once during a fleet round. Default 8. */
  concurrency?: number;
}

interface CheckRecord {
  ok: boolean;
  /** Date.now() of the answer. */
  at: number;
  failure?: HealthError;
}

/** Throttled, de-duplicated health checks of customers' servers. */
export class ServerHealth {
  private readonly records = new Map<string, CheckRecord>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly customerChecks = new Map<string, { at: number; running: Promise<void> }>();
  private readonly customerIntervalMs: number;
  private readonly fleetIntervalMs: number;
  private readonly waitMs: number;
  private readonly pingTimeoutMs: number;
  private readonly concurrency: number;
  /** Probe connections open right now (closed by {@link close}). */
  private readonly probes = new Set<McpConnection>();
  private closed = false;
  private fleetRound: Promise<void> | undefined;
  private fleetStartedAt = 0;
  private fleetFinishedAt: number | null = null;

  constructor(
    private readonly runtime: AgentRuntime,
    options: ServerHealthOptions = {},
  ) {
    this.customerIntervalMs = options.customerIntervalMs ?? 1_000;
    this.fleetIntervalMs = options.fleetIntervalMs ?? 15_000;
    this.waitMs = options.waitMs ?? 1_500;
    this.pingTimeoutMs = options.pingTimeoutMs ?? Math.min(runtime.timeouts.connectMs, 5_000);
    this.concurrency = options.concurrency ?? 8;
  }

  /**
   * Checks a pooled customer's servers (at most once per interval; concurrent callers share the check). Resolves when
   * the check is done or after `waitMs`, whichever comes first. A customer that is not pooled is left alone.
   */
  async checkCustomer(customerId: string): Promise<void> {
    const now = Date.now();
    const last = this.customerChecks.get(customerId);
    let running = last?.running;
    if (!last || now - last.at >= this.customerIntervalMs) {
      const customer = this.runtime.customerById(customerId);
      if (!customer) return;
      running = Promise.all(customer.mcp_servers.map((s) => this.checkPooled(customerId, s.name))).then(() => {});
      this.customerChecks.set(customerId, { at: now, running });
    }
    await this.bounded(running!);
  }

  /**
   * Reconnects a pooled customer's server now (or all its servers without `serverName`), skipping any backoff, and
   * waits for the attempts (each bounded by the connect timeout). Returns the servers it tried; a server name the
   * customer does not have yields an empty list.
   */
  async reconnect(customerId: string, serverName?: string): Promise<string[]> {
    const customer = this.runtime.customerById(customerId);
    if (!customer) return [];
    const names = customer.mcp_servers.map((s) => s.name).filter((name) => serverName === undefined || name === serverName);
    await Promise.all(
      names.map(async (name) => {
        const connection = this.runtime.pooledConnection(customerId, name);
        if (!connection) return;
        try {
          await connection.reconnect();
          this.record(customerId, name, { ok: true, at: Date.now() });
        } catch (error) {
          this.record(customerId, name, { ok: false, at: Date.now(), failure: this.failureOf(error) });
        }
      }),
    );
    return names;
  }

  /** When a pooled server was last checked: the latest of our checks, its last connect and its last failure. */
  lastCheckedAt(customerId: string, status: ServerStatus): string | null {
    const times = [this.records.get(key(customerId, status.name))?.at, parseTime(status.connected_at), parseTime(status.last_error?.at)].filter((t): t is number => t !== undefined);
    return times.length ? new Date(Math.max(...times)).toISOString() : null;
  }

  /** The health of a pooled server, from its connection's state and our last check of it. */
  healthOf(customerId: string, status: ServerStatus): { health: Health; error: HealthError | null } {
    const record = this.records.get(key(customerId, status.name));
    const lastError = status.last_error ? errorOf(status.last_error) : null;
    switch (status.state) {
      case 'connected': {
        // Connected, but the last ping went unanswered (a hung server: a timeout does not drop the connection).
        const connectedAt = parseTime(status.connected_at) ?? 0;
        if (record && !record.ok && record.at >= connectedAt) return { health: 'down', error: record.failure ?? null };
        return { health: 'up', error: null };
      }
      case 'failed':
        return { health: 'down', error: lastError ?? record?.failure ?? null };
      case 'connecting':
        return { health: record ? (record.ok ? 'up' : 'down') : 'checking', error: lastError };
      default:
        if (record) return { health: record.ok ? 'up' : 'down', error: record.failure ?? null };
        return { health: 'unknown', error: null };
    }
  }

  /**
   * Every customer × server with its health. Starts a fleet round when the last one is older than the interval and
   * waits for it at most `waitMs`.
   */
  async overview(): Promise<FleetOverview> {
    if (!this.fleetRound && !this.closed && Date.now() - this.fleetStartedAt >= this.fleetIntervalMs) {
      this.fleetStartedAt = Date.now();
      this.fleetRound = this.runFleetRound().finally(() => {
        this.fleetFinishedAt = Date.now();
        this.fleetRound = undefined;
      });
    }
    if (this.fleetRound) await this.bounded(this.fleetRound);
    const totals: Record<Health, number> = { up: 0, down: 0, checking: 0, unknown: 0 };
    const customers: FleetCustomer[] = this.runtime.config.customers.map((customer) => {
      let pooled = false;
      const servers = customer.mcp_servers.map((server): FleetServer => {
        const connection = this.runtime.pooledConnection(customer.id, server.name);
        let entry: FleetServer;
        if (connection) {
          pooled = true;
          const status = connection.status();
          const { health, error } = this.healthOf(customer.id, status);
          entry = { name: server.name, type: server.type, health, state: status.state, last_checked_at: this.lastCheckedAt(customer.id, status), error };
        } else {
          const k = key(customer.id, server.name);
          const record = this.records.get(k);
          const health: Health = record ? (record.ok ? 'up' : 'down') : this.inFlight.has(k) ? 'checking' : 'unknown';
          entry = { name: server.name, type: server.type, health, state: null, last_checked_at: record ? new Date(record.at).toISOString() : null, error: record?.failure ?? null };
        }
        totals[entry.health]++;
        return entry;
      });
      return { id: customer.id, name: customer.name, pooled, servers };
    });
    return { checked_at: this.fleetFinishedAt === null ? null : new Date(this.fleetFinishedAt).toISOString(), checking: this.fleetRound !== undefined, totals, customers };
  }

  /** One round over every customer's servers, a few at a time. */
  private async runFleetRound(): Promise<void> {
    const jobs: Array<() => Promise<void>> = [];
    for (const customer of this.runtime.config.customers) {
      for (const server of customer.mcp_servers) {
        jobs.push(() => (this.runtime.pooledConnection(customer.id, server.name) ? this.checkPooled(customer.id, server.name) : this.probe(customer.id, server)));
      }
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length && !this.closed) await jobs[next++]!();
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, jobs.length) }, worker));
  }

  /**
   * Checks one pooled server: ping when connected, reconnect when down and out of backoff; nothing while in backoff or
   * while an attempt is already under way (their outcome shows in the connection's status).
   */
  private checkPooled(customerId: string, serverName: string): Promise<void> {
    const connection = this.runtime.pooledConnection(customerId, serverName);
    if (!connection) return Promise.resolve();
    const state = connection.state;
    if (state === 'closed' || state === 'connecting' || (state !== 'connected' && connection.retryInMs() > 0)) return Promise.resolve();
    // Just connected or just failed (a switch a moment ago): that was the check.
    const checked = this.lastCheckedAt(customerId, connection.status());
    if (checked && Date.now() - Date.parse(checked) < this.customerIntervalMs) return Promise.resolve();
    return this.once(customerId, serverName, async () => {
      try {
        await connection.request((client, timeoutMs) => client.ping({ timeout: Math.min(timeoutMs, this.pingTimeoutMs) }));
        this.record(customerId, serverName, { ok: true, at: Date.now() });
      } catch (error) {
        // A JSON-RPC error answer (a server without ping) still proves the server is there.
        if (error instanceof UpstreamError && error.stage === 'call' && error.failure.reason === 'protocol') this.record(customerId, serverName, { ok: true, at: Date.now() });
        else this.record(customerId, serverName, { ok: false, at: Date.now(), failure: this.failureOf(error) });
      }
    });
  }

  /** A fresh handshake with a server of a customer that is not pooled (connect, list tools, close). */
  private probe(customerId: string, server: ServerConfig): Promise<void> {
    return this.once(customerId, server.name, async () => {
      const connection = new McpConnection(server, { connectTimeoutMs: this.runtime.timeouts.connectMs, callTimeoutMs: this.runtime.timeouts.callMs, redactor: this.runtime.redactor });
      this.probes.add(connection);
      try {
        await connection.connect();
        this.record(customerId, server.name, { ok: true, at: Date.now() });
      } catch (error) {
        this.record(customerId, server.name, { ok: false, at: Date.now(), failure: this.failureOf(error) });
      } finally {
        this.probes.delete(connection);
        await connection.close().catch(() => {});
      }
    });
  }

  /** Stops fleet rounds and closes the probes in flight (the server is shutting down). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.probes].map((c) => c.close().catch(() => {})));
  }

  /** Runs `check` unless one of the same server is in flight (then joins it). */
  private once(customerId: string, serverName: string, check: () => Promise<void>): Promise<void> {
    const k = key(customerId, serverName);
    const running = this.inFlight.get(k);
    if (running) return running;
    const started = check().finally(() => this.inFlight.delete(k));
    this.inFlight.set(k, started);
    return started;
  }

  private record(customerId: string, serverName: string, record: CheckRecord): void {
    this.records.set(key(customerId, serverName), record);
  }

  private failureOf(error: unknown): HealthError {
    return errorOf(error instanceof UpstreamError ? error.failure : classifyError(error, this.runtime.redactor));
  }

  /** Waits for `promise` at most `waitMs` (never rejects). */
  private async bounded(promise: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([promise.catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, this.waitMs)))]);
    clearTimeout(timer);
  }
}

function key(customerId: string, serverName: string): string {
  return `${customerId}\0${serverName}`;
}

function parseTime(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

function errorOf(failure: Failure): HealthError {
  return { reason: failure.reason, message: failure.message, ...(failure.status ? { status: failure.status } : {}) };
}
