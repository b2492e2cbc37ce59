/**
 * One connection to one MCP server, with the behaviour real servers demand:
 *
 * - transport negotiation per the spec's backwards-compatibility rule: streamable HTTP first (or SSE first when the
 *   config says `sse`), falling back to the other on a 4xx to the initial request; what worked is remembered per URL;
 * - connect + initialize + tools/list bounded by one deadline (`connectTimeoutMs`), enforced even where the SDK
 *   ignores its own timeout (the SSE transport);
 * - HTTP 404 on a request with a session → the session expired: re-initialize once and retry;
 * - after a failure the connection is `failed`; the next use reconnects, but not before an exponential backoff;
 * - `notifications/tools/list_changed` → the tool list is refreshed and {@link McpConnection.onToolsChanged} fires;
 *   the prompts and resources list_changed notifications fire {@link McpConnection.onListChanged};
 * - prompts, resources, resource templates, completions and `logging/setLevel` are forwarded as they are
 *   ({@link McpConnection.request}), with the same connect, retry and failure handling as tools/call.
 */
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import {
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Progress, ServerCapabilities, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ServerConfig, TransportKind } from './config.ts';
import { isolatedAbortFetch } from './isolated-abort-fetch.ts';
import { classifyError, httpStatusOf, isConnectionFailure, isSessionExpired, TimeoutError } from './failure.ts';
import type { Failure } from './failure.ts';
import { silentLogger } from './logger.ts';
import type { Logger } from './logger.ts';
import { Redactor } from './redact.ts';
import { StreamableHttpTransport } from './streamable-http-transport.ts';

/** Connection lifecycle. `failed` keeps the last known tools; the next use reconnects once the backoff has passed. */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'failed' | 'closed';

/** Remembers, per server URL, which transport worked (shared across customers and pool evictions). */
export type TransportMemory = Map<string, TransportKind>;

/** Tunables of a connection. */
export interface ConnectionOptions {
  /** Bound on connect + initialize + tools/list, in ms. Default 5000. */
  connectTimeoutMs: number;
  /** Bound on one tools/call or tools/list after connecting, in ms. Default 30000. */
  callTimeoutMs: number;
  /** First reconnect delay after a failure, doubled per consecutive failure. Default 500. */
  backoffInitialMs: number;
  /** Longest reconnect delay. Default 30000. */
  backoffMaxMs: number;
  transportMemory?: TransportMemory;
  logger?: Logger;
  redactor?: Redactor;
  clientInfo?: { name: string; version: string };
}

/** Defaults for {@link ConnectionOptions}. */
export const DEFAULT_CONNECTION_OPTIONS: ConnectionOptions = {
  connectTimeoutMs: 5_000,
  callTimeoutMs: 30_000,
  backoffInitialMs: 500,
  backoffMaxMs: 30_000,
};

/** Upper bound on tools/list pages followed. */
const MAX_TOOL_PAGES = 100;
/** Delay that coalesces bursts of list_changed notifications. */
const LIST_CHANGED_DEBOUNCE_MS = 25;
/** Bound on the DELETE that ends a streamable HTTP session on close. */
const TERMINATE_TIMEOUT_MS = 1_000;

/** A failure talking to a server; `failure` is safe to return and log. */
export class UpstreamError extends Error {
  constructor(
    readonly failure: Failure,
    /** `connect`: the server is unavailable; `call`: the request failed. */
    readonly stage: 'connect' | 'call',
    /** When the connection is in backoff: how long until the next attempt is allowed. */
    readonly retryInMs?: number,
  ) {
    super(`${failure.reason}: ${failure.message}`);
    this.name = 'UpstreamError';
  }
}

/** The last error of a connection, with its time. */
export interface LastError extends Failure {
  at: string;
}

/** Per-server status as reported by `GET /api/servers`. */
export interface ServerStatus {
  type: string;
  name: string;
  /** Origin and path only (no user-info or query). */
  url: string;
  state: ConnectionState;
  /** The transport in use (or last used), `null` before the first success. */
  transport: TransportKind | null;
  tool_count: number;
  last_error: LastError | null;
  /** Duration of the last successful connect (initialize + tools/list), ms. */
  latency_ms: number | null;
  /** Duration of the last successful tools/call, ms. */
  last_call_ms: number | null;
  connected_at: string | null;
  consecutive_failures: number;
  /** In backoff: ms until the next reconnect is allowed; otherwise 0. */
  retry_in_ms: number;
}

type AnyTransport = StreamableHttpTransport | SSEClientTransport;

interface Established {
  client: Client;
  transport: AnyTransport;
  kind: TransportKind;
  tools: Tool[];
}

/** One MCP server connection. Safe to use concurrently: connects are de-duplicated. */
export class McpConnection {
  /** Called after the tool list changed (list_changed refresh or reconnect). */
  onToolsChanged?: () => void;
  /** Called when the server says its prompts or resources list changed. */
  onListChanged?: (kind: 'prompts' | 'resources') => void;

  private readonly opts: ConnectionOptions;
  private readonly logger: Logger;
  private readonly redactor: Redactor;
  private readonly memory: TransportMemory;
  private _state: ConnectionState = 'idle';
  private _transport: TransportKind | null = null;
  private _tools: Tool[] = [];
  private _lastError: LastError | null = null;
  private latencyMs: number | null = null;
  private lastCallMs: number | null = null;
  private connectedAt: string | null = null;
  private failures = 0;
  private nextAttemptAt = 0;
  private generation = 0;
  private client: Client | null = null;
  private transportObj: AnyTransport | null = null;
  private inflight: Promise<void> | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    readonly server: ServerConfig,
    options: Partial<ConnectionOptions> = {},
  ) {
    this.opts = { ...DEFAULT_CONNECTION_OPTIONS, ...options };
    this.logger = (options.logger ?? silentLogger).child({ server: server.name, type: server.type });
    this.redactor = options.redactor ?? new Redactor();
    this.memory = options.transportMemory ?? new Map();
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** Transport in use, or last used. */
  get transport(): TransportKind | null {
    return this._transport;
  }

  /** Last known tool list (kept while `failed`, so calling a tool triggers the reconnect). */
  get tools(): readonly Tool[] {
    return this._tools;
  }

  get lastError(): LastError | null {
    return this._lastError;
  }

  /** ms until a reconnect is allowed (0 when not in backoff). */
  retryInMs(): number {
    return this._state === 'failed' ? Math.max(0, this.nextAttemptAt - Date.now()) : 0;
  }

  /**
   * Ensures the connection is up. Resolves at once when connected; joins an attempt in progress; rejects at once with
   * {@link UpstreamError} (`retryInMs` set) while in backoff; otherwise starts a new attempt bounded by
   * `connectTimeoutMs`.
   */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new UpstreamError({ reason: 'closed', message: 'connection closed' }, 'connect'));
    if (this._state === 'connected' && this.client) return Promise.resolve();
    if (this.inflight) return this.inflight;
    const wait = this.retryInMs();
    if (wait > 0 && this._lastError) {
      const { reason, message, status } = this._lastError;
      return Promise.reject(new UpstreamError({ reason, message, ...(status ? { status } : {}) }, 'connect', wait));
    }
    const attempt = this.establish();
    this.inflight = attempt;
    void attempt.then(
      () => {
        if (this.inflight === attempt) this.inflight = null;
      },
      () => {
        if (this.inflight === attempt) this.inflight = null;
      },
    );
    return attempt;
  }

  /**
   * Calls a tool by its upstream name. Connects first if needed; on HTTP 404 (session expired) re-initializes once and
   * retries. Rejects with {@link UpstreamError}: `stage: 'connect'` when the server is unavailable, `'call'` when the
   * request failed (timeout, JSON-RPC error); connection-level failures put the connection into `failed`.
   */
  async callTool(name: string, args: Record<string, unknown>, onprogress?: (progress: Progress) => void): Promise<CallToolResult> {
    return (await this.request(
      (client, timeout) => client.callTool({ name, arguments: args }, undefined, { timeout, ...(onprogress && { onprogress, resetTimeoutOnProgress: false }) }),
      true,
    )) as CallToolResult;
  }

  /** What the server offers (prompts, resources, completions, logging), once connected; undefined before. */
  capabilities(): ServerCapabilities | undefined {
    return this._state === 'connected' ? this.client?.getServerCapabilities() : undefined;
  }

  /**
   * Runs one request on the server's client: connects first if needed; on HTTP 404 (session expired) re-initializes
   * once and retries. Rejects with {@link UpstreamError} like {@link callTool}. `timed`: record the call's latency.
   */
  async request<T>(send: (client: Client, timeoutMs: number) => Promise<T>, timed = false): Promise<T> {
    for (let attempt = 0; attempt < 2; attempt++) {
      await this.connect();
      const client = this.client;
      const generation = this.generation;
      if (!client) throw new UpstreamError({ reason: 'closed', message: 'connection closed' }, 'connect');
      const started = performance.now();
      try {
        const result = await send(client, this.opts.callTimeoutMs);
        if (timed) this.lastCallMs = round(performance.now() - started);
        return result;
      } catch (error) {
        if (attempt === 0 && isSessionExpired(error) && generation === this.generation) {
          this.logger.info('session expired (HTTP 404); re-initializing');
          this.dropClient();
          continue;
        }
        const failure = classifyError(error, this.redactor);
        if (isConnectionFailure(failure) && generation === this.generation) this.markFailed(failure);
        throw new UpstreamError(failure, 'call');
      }
    }
    throw new UpstreamError({ reason: 'http', message: 'session expired again right after re-initializing', status: 404 }, 'call');
  }

  /** Re-reads the tool list now (also done automatically on list_changed). */
  async refreshTools(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const generation = this.generation;
    try {
      const tools = await listAllTools(client, this.opts.callTimeoutMs);
      if (generation !== this.generation || client !== this.client) return;
      this._tools = tools;
      this.logger.info('tool list refreshed', { tool_count: tools.length });
      this.onToolsChanged?.();
    } catch (error) {
      const failure = classifyError(error, this.redactor);
      this.logger.warn('tool list refresh failed', { reason: failure.reason, error: failure.message });
      if (isSessionExpired(error)) this.dropClient();
      else if (isConnectionFailure(failure) && generation === this.generation) this.markFailed(failure);
    }
  }

  /** Closes the connection for good (ends a streamable HTTP session with DELETE, bounded to 1 s). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    const client = this.client;
    const transport = this.transportObj;
    this.client = null;
    this.transportObj = null;
    this._state = 'closed';
    if (!client) return;
    if (transport instanceof StreamableHttpTransport && transport.sessionId) {
      await withDeadline(transport.terminateSession(), TERMINATE_TIMEOUT_MS, TERMINATE_TIMEOUT_MS, 'terminate').catch(() => {});
    }
    await closeQuietly(client);
  }

  /** A snapshot for the status endpoint. */
  status(): ServerStatus {
    let url = this.server.url;
    try {
      const parsed = new URL(this.server.url);
      url = `${parsed.origin}${parsed.pathname}`;
    } catch {
      /* keep */
    }
    return {
      type: this.server.type,
      name: this.server.name,
      url,
      state: this._state,
      transport: this._transport,
      tool_count: this._tools.length,
      last_error: this._lastError,
      latency_ms: this.latencyMs,
      last_call_ms: this.lastCallMs,
      connected_at: this.connectedAt,
      consecutive_failures: this.failures,
      retry_in_ms: this.retryInMs(),
    };
  }

  private async establish(): Promise<void> {
    this._state = 'connecting';
    const generation = ++this.generation;
    const started = performance.now();
    try {
      const established = await this.negotiate(Date.now() + this.opts.connectTimeoutMs);
      if (generation !== this.generation || this.closed) {
        await closeQuietly(established.client);
        throw new UpstreamError({ reason: 'closed', message: 'connection closed while connecting' }, 'connect');
      }
      const { client, transport, kind, tools } = established;
      this.client = client;
      this.transportObj = transport;
      this._transport = kind;
      this.memory.set(this.server.url, kind);
      this._tools = tools;
      this._state = 'connected';
      this.failures = 0;
      this._lastError = null;
      this.latencyMs = round(performance.now() - started);
      this.connectedAt = new Date().toISOString();
      client.onclose = () => {
        if (this.client === client && !this.closed) this.markFailed({ reason: 'closed', message: 'connection closed by server' });
      };
      this.logger.info('connected', { transport: kind, tool_count: tools.length, latency_ms: this.latencyMs });
      this.onToolsChanged?.();
    } catch (error) {
      if (generation !== this.generation || this.closed) throw error instanceof UpstreamError ? error : new UpstreamError({ reason: 'closed', message: 'connection closed' }, 'connect');
      const failure = error instanceof UpstreamError ? error.failure : classifyError(error, this.redactor);
      this.markFailed(failure);
      throw new UpstreamError(failure, 'connect', this.retryInMs());
    }
  }

  private async negotiate(deadline: number): Promise<Established> {
    const preferred = this.memory.get(this.server.url) ?? this.server.transport;
    const order: [TransportKind, TransportKind] = preferred === 'sse' ? ['sse', 'streamable-http'] : ['streamable-http', 'sse'];
    let firstError: unknown;
    try {
      return await this.attempt(order[0], deadline);
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === undefined || status < 400 || status >= 500 || status === 401 || status === 403) throw error;
      firstError = error;
    }
    this.logger.info('transport fallback', { from: order[0], to: order[1], status: httpStatusOf(firstError) });
    try {
      return await this.attempt(order[1], deadline);
    } catch (error) {
      const first = classifyError(firstError, this.redactor);
      const second = classifyError(error, this.redactor);
      if (second.reason === 'auth' || second.reason === 'timeout') throw new UpstreamError(second, 'connect');
      const message = `${order[0]}: ${first.message}; ${order[1]}: ${second.message}`;
      throw new UpstreamError({ reason: second.reason === 'http' ? 'protocol' : second.reason, message, ...(second.status ? { status: second.status } : {}) }, 'connect');
    }
  }

  private async attempt(kind: TransportKind, deadline: number): Promise<Established> {
    const remaining = () => deadline - Date.now();
    if (remaining() <= 0) throw new TimeoutError(this.opts.connectTimeoutMs, 'connect');
    const client = new Client(this.opts.clientInfo ?? { name: 'mcpfleet-agent', version: '0.1.0' }, { capabilities: {} });
    client.onerror = (error) => this.logger.debug('transport error', { error: classifyError(error, this.redactor).message });
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => this.scheduleRefresh(client));
    client.setNotificationHandler(PromptListChangedNotificationSchema, async () => {
      if (client === this.client) this.onListChanged?.('prompts');
    });
    client.setNotificationHandler(ResourceListChangedNotificationSchema, async () => {
      if (client === this.client) this.onListChanged?.('resources');
    });
    const url = new URL(this.server.url);
    const transport: AnyTransport =
      kind === 'sse'
        ? new SSEClientTransport(url, { fetch: isolatedAbortFetch() })
        : new StreamableHttpTransport(url, { reconnection: { initialDelayMs: 500, maxDelayMs: 5_000, growFactor: 2, maxRetries: 2 } });
    const work = (async () => {
      await client.connect(transport, { timeout: Math.max(1, remaining()) });
      return listAllTools(client, Math.max(1, remaining()));
    })();
    try {
      const tools = await withDeadline(work, remaining(), this.opts.connectTimeoutMs, 'connect');
      return { client, transport, kind, tools };
    } catch (error) {
      work.catch(() => {});
      await closeQuietly(client);
      throw error;
    }
  }

  private scheduleRefresh(client: Client): void {
    if (client !== this.client) return;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.refreshTools();
    }, LIST_CHANGED_DEBOUNCE_MS);
  }

  /** Forgets the current client without counting a failure (session expired): the next use reconnects at once. */
  private dropClient(): void {
    const client = this.client;
    this.client = null;
    this.transportObj = null;
    this.generation++;
    if (this._state === 'connected') this._state = 'idle';
    if (client) void closeQuietly(client);
  }

  private markFailed(failure: Failure): void {
    const client = this.client;
    this.client = null;
    this.transportObj = null;
    this.generation++;
    this.failures++;
    this._state = 'failed';
    this._lastError = { ...failure, at: new Date().toISOString() };
    const delay = Math.min(this.opts.backoffMaxMs, this.opts.backoffInitialMs * 2 ** Math.min(this.failures - 1, 20));
    this.nextAttemptAt = Date.now() + delay;
    this.logger.warn('server unavailable', { reason: failure.reason, error: failure.message, retry_in_ms: delay });
    if (client) void closeQuietly(client);
  }
}

/** All pages of tools/list, each request bounded by `timeoutMs`; duplicate names keep the first. */
export async function listAllTools(client: Client, timeoutMs: number): Promise<Tool[]> {
  const tools: Tool[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const result = await client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs });
    for (const tool of result.tools) {
      if (!seen.has(tool.name)) {
        seen.add(tool.name);
        tools.push(tool);
      }
    }
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return tools;
}

/** Rejects with {@link TimeoutError} (reporting `reportedMs`) if `promise` takes longer than `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, reportedMs: number, what: string): Promise<T> {
  if (ms <= 0) return Promise.reject(new TimeoutError(reportedMs, what));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(reportedMs, what)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function closeQuietly(client: Client): Promise<void> {
  try {
    await withDeadline(client.close(), TERMINATE_TIMEOUT_MS, TERMINATE_TIMEOUT_MS, 'close');
  } catch {
    /* already gone */
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
