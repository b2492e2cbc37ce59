/**
 * The agent runtime's state: the customers from the config, the current customer, and the pool of their MCP
 * connections. The HTTP layer (`api-server.ts`) is a thin shell over this class.
 */
import { performance } from 'node:perf_hooks';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ConnectionPool, DEFAULT_POOL_SIZE } from './connection-pool.ts';
import type { CustomerConfig, RuntimeConfig } from './config.ts';
import { CustomerSession } from './customer-session.ts';
import type { ExposedTool, SessionReport } from './customer-session.ts';
import type { ConnectionOptions, ServerStatus, TransportMemory } from './mcp-connection.ts';
import { silentLogger } from './logger.ts';
import type { Logger } from './logger.ts';
import { Redactor } from './redact.ts';

/** Options of {@link AgentRuntime}. */
export interface AgentRuntimeOptions {
  connection?: Partial<Omit<ConnectionOptions, 'logger' | 'redactor' | 'transportMemory'>>;
  /** Customers kept connected (LRU). Default {@link DEFAULT_POOL_SIZE}. */
  poolSize?: number;
  logger?: Logger;
  redactor?: Redactor;
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

/** Customers, current customer, connection pool. */
export class AgentRuntime {
  readonly redactor: Redactor;
  private readonly logger: Logger;
  private readonly pool: ConnectionPool;
  private readonly memory: TransportMemory = new Map();
  private currentId: string | null = null;
  private switchSeq = 0;

  constructor(
    readonly config: RuntimeConfig,
    options: AgentRuntimeOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.redactor = options.redactor ?? new Redactor();
    const connection = options.connection ?? {};
    this.pool = new ConnectionPool(
      options.poolSize ?? DEFAULT_POOL_SIZE,
      (customer) => new CustomerSession(customer, { ...connection, logger: this.logger, redactor: this.redactor, transportMemory: this.memory }),
      this.logger,
    );
  }

  /** Summaries of all configured customers. */
  customers(): CustomerSummary[] {
    return this.config.customers.map(summary);
  }

  /** The current customer, if one was selected. */
  get current(): CustomerConfig | null {
    return this.currentId ? (this.config.customers.find((c) => c.id === this.currentId) ?? null) : null;
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
      report = session.started ? await session.resume() : await session.connectAll();
      tools = session.tools().map((t) => t.name);
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

  /** The current customer's tools, or `null` when no customer is selected. */
  currentTools(): ExposedTool[] | null {
    return this.currentSession()?.tools() ?? null;
  }

  /** The current customer's per-server status, or `null` when no customer is selected. */
  servers(): ServerStatus[] | null {
    return this.currentSession()?.status() ?? null;
  }

  /**
   * Calls a namespaced tool of the current customer. `null`: no customer selected; `undefined`: unknown tool.
   * Rejects with `UpstreamError` when the server is unavailable or the call fails.
   */
  async callTool(name: string, args: Record<string, unknown>): Promise<{ tool: ExposedTool; result: CallToolResult } | undefined | null> {
    const session = this.currentSession();
    if (!session) return null;
    session.holds++;
    try {
      return await session.callTool(name, args);
    } finally {
      session.holds--;
    }
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    await this.pool.closeAll();
  }

  private currentSession(): CustomerSession | undefined {
    if (!this.currentId) return undefined;
    return this.pool.peek(this.currentId);
  }
}

function summary(customer: CustomerConfig): CustomerSummary {
  const types: string[] = [];
  for (const server of customer.mcp_servers) if (!types.includes(server.type)) types.push(server.type);
  return { id: customer.id, name: customer.name, mcp_types: types };
}
