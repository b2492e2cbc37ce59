/**
 * All MCP connections of one customer: connected in parallel (each bounded by its own timeout, so one slow or dead
 * server neither delays nor breaks the others), exposed as one namespaced tool list, and reported per server.
 */
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { CustomerConfig, TransportKind } from '../config.ts';
import type { FailureReason } from './failure.ts';
import { McpConnection } from './mcp-connection.ts';
import type { CallRelay, ClientInput, ConnectionOptions, InputRequiredResult, ServerStatus } from './mcp-connection.ts';
import { assignToolNames } from '../tool-names.ts';

/** A tool as the agent sees it: namespaced name plus where it comes from. */
export interface ExposedTool {
  /** Namespaced, e.g. `grafana_search_dashboards`; matches `^[a-zA-Z0-9_-]{1,64}$`. */
  name: string;
  /** Server name from the config. */
  server: string;
  /** MCP type of that server. */
  type: string;
  /** The tool's name on the server. */
  original_name: string;
  description?: string;
  inputSchema: Tool['inputSchema'];
  annotations?: Tool['annotations'];
}

/** A server that could not be used, and why. */
export interface FailedMcp {
  type: string;
  name: string;
  /** `failed`, or `connecting` while a background reconnect (after a pooled switch) is under way. */
  state: 'failed' | 'connecting' | 'idle' | 'closed';
  reason: FailureReason;
  message: string;
  status?: number;
  /** ms until the next reconnect attempt is allowed. */
  retry_in_ms: number;
}

/** A connected server. */
export interface ConnectedServer {
  type: string;
  name: string;
  transport: TransportKind | null;
  tool_count: number;
}

/** The customer's state after (re)connecting. */
export interface SessionReport {
  /** Types with at least one connected server, in config order (the seed's `connected_mcps`). */
  connected_mcps: string[];
  connected_servers: ConnectedServer[];
  failed_mcps: FailedMcp[];
  /** Servers whose (re)connect is in progress right now. */
  pending_mcps: Array<{ type: string; name: string }>;
  tool_count: number;
}

interface IndexedTool {
  exposed: ExposedTool;
  connection: McpConnection;
}

/** One customer's connections. */
export class CustomerSession {
  /** One connection per configured server, in config order. */
  readonly connections: McpConnection[];
  /** Operations in progress that must keep this session out of LRU eviction. */
  holds = 0;

  private index: Map<string, IndexedTool> | null = null;
  private initial: Promise<SessionReport> | null = null;

  constructor(
    readonly customer: CustomerConfig,
    options: Partial<ConnectionOptions> = {},
  ) {
    const logger = options.logger?.child({ customer: customer.id });
    this.connections = customer.mcp_servers.map((server) => {
      const connection = new McpConnection(server, { ...options, ...(logger ? { logger } : {}) });
      connection.onToolsChanged = () => {
        this.index = null;
      };
      return connection;
    });
  }

  /** Has the first {@link connectAll} finished? */
  get started(): boolean {
    return this.initial !== null;
  }

  /**
   * Connects every server in parallel and waits for all of them (each is bounded by `connectTimeoutMs`). The first
   * call's promise is shared: concurrent callers wait for the same attempt.
   */
  connectAll(): Promise<SessionReport> {
    if (!this.initial) this.initial = Promise.all(this.connections.map((c) => c.connect().catch(() => {}))).then(() => this.report());
    return this.initial;
  }

  /**
   * For a session that is already up: starts, without waiting, a reconnect of every server that is down and out of
   * backoff. Resolves to the report once the first connect has finished (at once if it has).
   */
  async resume(): Promise<SessionReport> {
    if (!this.initial) return this.connectAll();
    await this.initial;
    for (const connection of this.connections) {
      if ((connection.state === 'failed' || connection.state === 'idle') && connection.retryInMs() === 0) void connection.connect().catch(() => {});
    }
    return this.report();
  }

  /** Current per-server summary. */
  report(): SessionReport {
    const connected = this.connections.filter((c) => c.state === 'connected');
    const connectedTypes: string[] = [];
    for (const c of connected) if (!connectedTypes.includes(c.server.type)) connectedTypes.push(c.server.type);
    const failed: FailedMcp[] = [];
    const pending: Array<{ type: string; name: string }> = [];
    for (const c of this.connections) {
      if (c.state === 'connected') continue;
      const error = c.lastError;
      if (error) {
        failed.push({
          type: c.server.type,
          name: c.server.name,
          state: c.state as FailedMcp['state'],
          reason: error.reason,
          message: error.message,
          ...(error.status ? { status: error.status } : {}),
          retry_in_ms: c.retryInMs(),
        });
      } else pending.push({ type: c.server.type, name: c.server.name });
    }
    return {
      connected_mcps: connectedTypes,
      connected_servers: connected.map((c) => ({ type: c.server.type, name: c.server.name, transport: c.transport, tool_count: c.tools.length })),
      failed_mcps: failed,
      pending_mcps: pending,
      tool_count: this.tools().length,
    };
  }

  /** The namespaced tool list (last known tools of every server, including ones currently failed). */
  tools(): ExposedTool[] {
    return [...this.buildIndex().values()].map((t) => t.exposed);
  }

  /** Finds a tool by namespaced name. */
  findTool(name: string): ExposedTool | undefined {
    return this.buildIndex().get(name)?.exposed;
  }

  /**
   * Calls a tool by namespaced name. Returns `undefined` for an unknown name; otherwise the upstream result, or
   * rejects with `UpstreamError`. With `input` (MRTR, see {@link McpConnection.callTool}) the result may be the
   * server's `input_required` answer.
   */
  callTool(name: string, args: Record<string, unknown>, relay?: CallRelay): Promise<{ tool: ExposedTool; result: CallToolResult } | undefined>;
  callTool(name: string, args: Record<string, unknown>, relay: CallRelay | undefined, input: ClientInput | undefined): Promise<{ tool: ExposedTool; result: CallToolResult | InputRequiredResult } | undefined>;
  async callTool(name: string, args: Record<string, unknown>, relay?: CallRelay, input?: ClientInput): Promise<{ tool: ExposedTool; result: CallToolResult | InputRequiredResult } | undefined> {
    const entry = this.buildIndex().get(name);
    if (!entry) return undefined;
    const result = input ? await entry.connection.callTool(entry.exposed.original_name, args, relay, input) : await entry.connection.callTool(entry.exposed.original_name, args, relay);
    return { tool: entry.exposed, result };
  }

  /** Per-server status, in config order. */
  status(): ServerStatus[] {
    return this.connections.map((c) => c.status());
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.close()));
  }

  private buildIndex(): Map<string, IndexedTool> {
    if (this.index) return this.index;
    const entries: Array<{ connection: McpConnection; tool: Tool }> = [];
    for (const connection of this.connections) for (const tool of connection.tools) entries.push({ connection, tool });
    const names = assignToolNames(entries.map((e) => ({ server: e.connection.server.name, tool: e.tool.name })));
    const index = new Map<string, IndexedTool>();
    entries.forEach((entry, i) => {
      const exposed: ExposedTool = {
        name: names[i]!,
        server: entry.connection.server.name,
        type: entry.connection.server.type,
        original_name: entry.tool.name,
        ...(entry.tool.description !== undefined ? { description: entry.tool.description } : {}),
        inputSchema: entry.tool.inputSchema,
        ...(entry.tool.annotations ? { annotations: entry.tool.annotations } : {}),
      };
      index.set(exposed.name, { exposed, connection: entry.connection });
    });
    this.index = index;
    return index;
  }
}
