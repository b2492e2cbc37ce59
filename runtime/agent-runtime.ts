/**
 * The agent runtime's state: the customers from the config, the current customer, and the pool of their MCP
 * connections. The HTTP layer (`api-server.ts`) and the MCP gateway (`gateway.ts`) are thin shells over this class.
 *
 * Each customer's tool filter (`gateway.allow_tools` / `deny_tools`, see `gateway-filter.ts`) is applied here, in
 * {@link AgentRuntime.visibleTools} and {@link AgentRuntime.findVisibleTool}, which every listing and every call
 * (API and gateway) goes through.
 */
import { performance } from 'node:perf_hooks';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { CustomerCatalog } from './gateway/customer-catalog.ts';
import { ConnectionPool, DEFAULT_POOL_SIZE } from './pool/connection-pool.ts';
import type { CustomerConfig, RuntimeConfig } from './config.ts';
import { CustomerSession } from './pool/customer-session.ts';
import type { ExposedTool, SessionReport } from './pool/customer-session.ts';
import { ToolFilter } from './gateway/gateway-filter.ts';
import { readLockedTools, type LockedTools } from './gateway/locked-tools.ts';
import { DEFAULT_CONNECTION_OPTIONS } from './pool/mcp-connection.ts';
import type { CallRelay, ClientInput, ConnectionOptions, EraMemory, InputRequiredResult, McpConnection, ServerStatus, TransportMemory } from './pool/mcp-connection.ts';
import { silentLogger } from './logger.ts';
import type { Logger } from './logger.ts';
import { Redactor } from './redact.ts';

/** Options of {@link AgentRuntime}. */
export interface AgentRuntimeOptions {
  connection?: Partial<Omit<ConnectionOptions, 'logger' | 'redactor' | 'transportMemory' | 'eraMemory'>>;
  /** Customers kept connected (LRU). Default {@link DEFAULT_POOL_SIZE}. */
  poolSize?: number;
  logger?: Logger;
  redactor?: Redactor;
  /**
   * Folder of the tool locks (`<id>.json`) for customers with `gateway.locked_tools_only`; without it such a
   * customer is served no tools (see `gateway/locked-tools.ts`).
   */
  toolLocksDir?: string;
}

/** Customer summary as listed by `GET /api/customers`. */
export interface CustomerSummary {
  id: string;
  name: string;
  /** Distinct MCP types configured for the customer, in config order. */
  mcp_types: string[];
}

/** Result of a switch (`POST /api/customers/switch`), in the seed's field names plus details. */
export interface SwitchResult extends SessionReport {
  /** True when the customer is now current (even if some of its servers failed: see `failed_mcps`). */
  success: boolean;
  /** Display name. */
  customer: string;
  customer_id: string;
  /** Whether live connections were reused from the pool. */
  pooled: boolean;
  elapsed_ms: number;
  /** Set when a later switch overtook this one (then `success` is false). */
  error?: string;
}

/** Thrown for a customer that is not in the config. */
export class UnknownCustomerError extends Error {
  constructor(readonly customer: string) {
    super(`unknown customer "${customer}"`);
    this.name = 'UnknownCustomerError';
  }
}

/** A tool as offered to clients, with the upstream's full definition (title, outputSchema, …) when known. */
export interface VisibleTool {
  exposed: ExposedTool;
  upstream: Tool | undefined;
}

/**
 * A customer's pooled session, held open for as long as the lease lives: a held session is never evicted from the
 * LRU pool (the pool may then exceed `--pool-size` by the number of held customers). Used by the MCP gateway, whose
 * clients expect their upstream connections (and list_changed subscriptions) to stay up while they are connected.
 * Does not change the current customer.
 */
export interface CustomerLease {
  readonly customer: CustomerConfig;
  /**
   * Resolves once the customer's first connect has finished (every server connected or failed, each bounded by the
   * connect timeout); the first call starts it. Cheap once done.
   */
  ready(): Promise<void>;
  /** Starts, without waiting, reconnects of the customer's servers that are down and out of backoff. */
  reconnectFailed(): void;
  /** The customer's tools after its filter, in server order. */
  tools(): VisibleTool[];
  /** A tool by namespaced name: `allowed` false when the filter hides it; `undefined` when there is no such tool. */
  find(name: string): { tool: ExposedTool; allowed: boolean } | undefined;
  /**
   * Calls an allowed tool (from {@link find}); `undefined` if it vanished from the list in between. Rejects with
   * `UpstreamError`. With `input` (a 2026-07-28 client's MRTR material, {@link ClientInput}) the result may be the
   * server's `input_required` answer, to pass on; without, such an answer fails the call.
   */
  call(tool: ExposedTool, args: Record<string, unknown>, relay?: CallRelay, input?: ClientInput): Promise<CallToolResult | InputRequiredResult | undefined>;
  /** The customer's prompts, resources and completions (see {@link CustomerCatalog}). */
  catalog(): CustomerCatalog;
  /**
   * How long the customer's tool list may be kept, ms: the shortest `ttlMs` its connected servers give their own lists
   * (2026-07-28), 0 when one gives none (a 2025 server) or none is connected. The list changes when any of them does.
   */
  toolsTtlMs(): number;
  /** Gives the hold back (idempotent); the pool may then evict the session. */
  release(): void;
}

/** Customers, current customer, connection pool. */
export class AgentRuntime {
  readonly redactor: Redactor;
  /** Effective connect and call bounds of every upstream connection, ms. */
  readonly timeouts: { connectMs: number; callMs: number };
  private readonly logger: Logger;
  private readonly pool: ConnectionPool;
  private readonly memory: TransportMemory = new Map();
  private readonly eras: EraMemory = new Map();
  private readonly filters = new Map<string, ToolFilter>();
  private readonly byId = new Map<string, CustomerConfig>();
  private readonly toolListeners = new Set<(customerId: string) => void>();
  private readonly listListeners = new Set<(customerId: string, kind: 'prompts' | 'resources') => void>();
  private readonly resourceListeners = new Set<(customerId: string, server: string, uri: string) => void>();
  private currentId: string | null = null;
  private switchSeq = 0;

  constructor(
    readonly config: RuntimeConfig,
    options: AgentRuntimeOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.redactor = options.redactor ?? new Redactor();
    const connection = options.connection ?? {};
    this.timeouts = {
      connectMs: connection.connectTimeoutMs ?? DEFAULT_CONNECTION_OPTIONS.connectTimeoutMs,
      callMs: connection.callTimeoutMs ?? DEFAULT_CONNECTION_OPTIONS.callTimeoutMs,
    };
    for (const customer of config.customers) {
      this.byId.set(customer.id, customer);
      this.filters.set(customer.id, ToolFilter.fromConfig(customer.gateway, this.lockedToolsOf(customer, options.toolLocksDir)));
    }
    this.pool = new ConnectionPool(
      options.poolSize ?? DEFAULT_POOL_SIZE,
      (customer) => {
        const session = new CustomerSession(customer, { ...connection, logger: this.logger, redactor: this.redactor, transportMemory: this.memory, eraMemory: this.eras });
        // The session clears its tool index on a change; chain a notification for the gateway's list_changed.
        for (const c of session.connections) {
          const previous = c.onToolsChanged;
          c.onToolsChanged = () => {
            previous?.();
            this.emitToolsChanged(customer.id);
          };
          c.onListChanged = (kind) => this.emitListChanged(customer.id, kind);
          c.onResourceUpdated = (uri) => {
            for (const listener of this.resourceListeners) listener(customer.id, c.server.name, uri);
          };
        }
        return session;
      },
      this.logger,
    );
  }

  /**
   * Registers a listener called (synchronously) whenever a server of a pooled customer connected or refreshed its
   * tool list, i.e. whenever that customer's tool list may have changed. Returns the unsubscribe function.
   */
  onToolsChanged(listener: (customerId: string) => void): () => void {
    this.toolListeners.add(listener);
    return () => this.toolListeners.delete(listener);
  }

  /**
   * Registers a listener called when a server of a pooled customer says its prompts or resources changed. Returns the
   * unsubscribe function.
   */
  onListChanged(listener: (customerId: string, kind: 'prompts' | 'resources') => void): () => void {
    this.listListeners.add(listener);
    return () => this.listListeners.delete(listener);
  }

  /** Registers a listener called when a server of a pooled customer says a subscribed resource changed. */
  onResourceUpdated(listener: (customerId: string, server: string, uri: string) => void): () => void {
    this.resourceListeners.add(listener);
    return () => this.resourceListeners.delete(listener);
  }

  /** A customer by exact id. */
  customerById(id: string): CustomerConfig | undefined {
    return this.byId.get(id);
  }

  /**
   * Holds a customer's session open (see {@link CustomerLease}); connects it through the pool on the first
   * {@link CustomerLease.ready}. Throws {@link UnknownCustomerError} for an id not in the config.
   */
  lease(id: string): CustomerLease {
    const customer = this.customerById(id);
    if (!customer) throw new UnknownCustomerError(id);
    const { session } = this.pool.acquire(customer);
    session.holds++;
    let released = false;
    return {
      customer,
      ready: async () => {
        await session.connectAll();
      },
      reconnectFailed: () => {
        if (session.started) void session.resume().catch(() => {});
      },
      tools: () => this.visibleTools(customer, session),
      find: (name) => {
        const tool = session.findTool(name);
        return tool ? { tool, allowed: this.filterOf(customer).allowsTool(tool) } : undefined;
      },
      call: async (tool, args, relay, input) => (await session.callTool(tool.name, args, relay, input))?.result,
      catalog: () => new CustomerCatalog(session.connections, this.filterOf(customer)),
      toolsTtlMs: () => {
        const connected = session.connections.filter((c) => c.state === 'connected');
        const hints = connected.map((c) => c.toolsTtlMs);
        return connected.length === 0 || hints.some((ttl) => ttl === undefined) ? 0 : Math.min(...(hints as number[]));
      },
      release: () => {
        if (released) return;
        released = true;
        session.holds--;
        this.pool.trim();
      },
    };
  }

  /** Summaries of all configured customers. */
  customers(): CustomerSummary[] {
    return this.config.customers.map(summary);
  }

  /** The current customer, if one was selected. */
  get current(): CustomerConfig | null {
    return this.currentId ? (this.config.customers.find((c) => c.id === this.currentId) ?? null) : null;
  }

  /** The open connection to one server of a pooled customer (without touching the LRU order), if any. */
  pooledConnection(customerId: string, serverName: string): McpConnection | undefined {
    return this.pool.peek(customerId)?.connections.find((c) => c.server.name === serverName);
  }

  /** Customer ids currently pooled, most recently used first. */
  pooledCustomers(): string[] {
    return this.pool.ids();
  }

  /** Finds a customer by id, then by display name, then case-insensitively by either. */
  findCustomer(nameOrId: string): CustomerConfig | undefined {
    const customers = this.config.customers;
    const lowered = nameOrId.toLowerCase();
    return (
      customers.find((c) => c.id === nameOrId) ??
      customers.find((c) => c.name === nameOrId) ??
      customers.find((c) => c.id.toLowerCase() === lowered) ??
      customers.find((c) => c.name.toLowerCase() === lowered)
    );
  }

  /**
   * Makes a customer current. A new customer is connected (all servers in parallel, each bounded by the connect
   * timeout) before this resolves; a pooled one returns at once, with reconnects of its failed servers started in the
   * background. Throws {@link UnknownCustomerError}.
   */
  async switchCustomer(nameOrId: string): Promise<SwitchResult> {
    const customer = this.findCustomer(nameOrId);
    if (!customer) throw new UnknownCustomerError(nameOrId);
    const seq = ++this.switchSeq;
    const started = performance.now();
    const { session, pooled } = this.pool.acquire(customer);
    session.holds++;
    let report: SessionReport;
    try {
      report = pooled ? await session.resume() : await session.connectAll();
    } finally {
      session.holds--;
    }
    report = this.filteredReport(customer, session, report);
    const elapsed = Math.round((performance.now() - started) * 10) / 10;
    const base = { customer: customer.name, customer_id: customer.id, pooled, elapsed_ms: elapsed, ...report };
    if (seq !== this.switchSeq) {
      this.pool.trim();
      return { success: false, ...base, error: 'superseded by a later switch request' };
    }
    this.currentId = customer.id;
    this.pool.pin(customer.id);
    this.logger.info('customer switched', {
      customer: customer.id,
      pooled,
      elapsed_ms: elapsed,
      connected: report.connected_servers.map((s) => s.name),
      failed: report.failed_mcps.map((f) => `${f.name}:${f.reason}`),
    });
    return { success: true, ...base };
  }

  /**
   * A customer with its namespaced tool names. Connects the customer (through the pool, without making it current)
   * if it is not pooled yet. Throws {@link UnknownCustomerError}.
   */
  async customerDetail(nameOrId: string): Promise<CustomerSummary & { description: string; host: string; current: boolean; tools: string[]; report: SessionReport }> {
    const customer = this.findCustomer(nameOrId);
    if (!customer) throw new UnknownCustomerError(nameOrId);
    const { session } = this.pool.acquire(customer);
    session.holds++;
    let report: SessionReport;
    let tools: string[];
    try {
      report = this.filteredReport(customer, session, session.started ? await session.resume() : await session.connectAll());
      tools = this.visibleTools(customer, session).map((t) => t.exposed.name);
    } finally {
      session.holds--;
      this.pool.trim();
    }
    return {
      ...summary(customer),
      description: customer.description,
      host: customer.host,
      current: customer.id === this.currentId,
      tools,
      report,
    };
  }

  /** The current customer's tools (after its filter), or `null` when no customer is selected. */
  currentTools(): ExposedTool[] | null {
    const session = this.currentSession();
    return session ? this.visibleTools(session.customer, session).map((t) => t.exposed) : null;
  }

  /**
   * The current customer's per-server status, or `null` when no customer is selected. `tool_count` counts the tools
   * the customer's filter lets through.
   */
  servers(): ServerStatus[] | null {
    const session = this.currentSession();
    if (!session) return null;
    const counts = this.countsByServer(session.customer, session);
    return session.status().map((s) => ({ ...s, tool_count: counts.get(s.name) ?? 0 }));
  }

  /**
   * Calls a namespaced tool of the current customer. `null`: no customer selected; `undefined`: unknown tool (or one
   * the customer's filter hides). Rejects with `UpstreamError` when the server is unavailable or the call fails.
   */
  async callTool(name: string, args: Record<string, unknown>): Promise<{ tool: ExposedTool; result: CallToolResult } | undefined | null> {
    const session = this.currentSession();
    if (!session) return null;
    const tool = this.findVisibleTool(session.customer, session, name);
    if (!tool) return undefined;
    session.holds++;
    try {
      return await session.callTool(tool.name, args);
    } finally {
      session.holds--;
    }
  }

  /** A customer's locked tools when it asks for them (`gateway.locked_tools_only`), else null; logged at start. */
  private lockedToolsOf(customer: CustomerConfig, dir: string | undefined): LockedTools | null {
    if (!customer.gateway?.locked_tools_only) return null;
    if (!dir) {
      this.logger.error('locked tools only, but the agent has no tool locks folder: no tools served', { customer: customer.id });
      return new Map();
    }
    const lock = readLockedTools(dir, customer.id);
    if (!lock.ok) {
      this.logger.error('locked tools only, but the tool lock cannot be used: no tools served', { customer: customer.id, file: lock.file, reason: lock.reason });
      return new Map();
    }
    let count = 0;
    for (const tools of lock.tools.values()) count += tools.size;
    this.logger.info('locked tools only', { customer: customer.id, file: lock.file, tools: count });
    return lock.tools;
  }

  /** The customer's tool filter. */
  filterOf(customer: CustomerConfig): ToolFilter {
    return this.filters.get(customer.id) ?? ToolFilter.ALLOW_ALL;
  }

  /** The one place listings are filtered: a session's tools that the customer's filter lets through. */
  visibleTools(customer: CustomerConfig, session: CustomerSession): VisibleTool[] {
    const filter = this.filterOf(customer);
    const byServer = new Map(session.connections.map((c) => [c.server.name, c]));
    const out: VisibleTool[] = [];
    for (const exposed of session.tools()) {
      if (!filter.allowsTool(exposed)) continue;
      out.push({ exposed, upstream: byServer.get(exposed.server)?.tools.find((t) => t.name === exposed.original_name) });
    }
    return out;
  }

  /** The one place calls are filtered: a tool by namespaced name, unless the customer's filter hides it. */
  findVisibleTool(customer: CustomerConfig, session: CustomerSession, name: string): ExposedTool | undefined {
    const tool = session.findTool(name);
    return tool && this.filterOf(customer).allowsTool(tool) ? tool : undefined;
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    await this.pool.closeAll();
  }

  private currentSession(): CustomerSession | undefined {
    if (!this.currentId) return undefined;
    return this.pool.peek(this.currentId);
  }

  private emitListChanged(customerId: string, kind: 'prompts' | 'resources'): void {
    for (const listener of this.listListeners) {
      try {
        listener(customerId, kind);
      } catch (error) {
        this.logger.error('list-changed listener failed', { customer: customerId, error: this.redactor.reason(error instanceof Error ? error.message : String(error)) });
      }
    }
  }

  private emitToolsChanged(customerId: string): void {
    for (const listener of this.toolListeners) {
      try {
        listener(customerId);
      } catch (error) {
        this.logger.error('tools-changed listener failed', { customer: customerId, error: this.redactor.reason(error instanceof Error ? error.message : String(error)) });
      }
    }
  }

  private countsByServer(customer: CustomerConfig, session: CustomerSession): Map<string, number> {
    const counts = new Map<string, number>();
    const filter = this.filterOf(customer);
    for (const tool of session.tools()) if (filter.allowsTool(tool)) counts.set(tool.server, (counts.get(tool.server) ?? 0) + 1);
    return counts;
  }

  /** A session report whose tool counts count only the tools the customer's filter lets through. */
  private filteredReport(customer: CustomerConfig, session: CustomerSession, report: SessionReport): SessionReport {
    if (this.filterOf(customer).allowsAllTools) return report;
    const counts = this.countsByServer(customer, session);
    let total = 0;
    for (const n of counts.values()) total += n;
    return { ...report, connected_servers: report.connected_servers.map((s) => ({ ...s, tool_count: counts.get(s.name) ?? 0 })), tool_count: total };
  }
}

function summary(customer: CustomerConfig): CustomerSummary {
  const types: string[] = [];
  for (const server of customer.mcp_servers) if (!types.includes(server.type)) types.push(server.type);
  return { id: customer.id, name: customer.name, mcp_types: types };
}
