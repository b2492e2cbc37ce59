/**
 * One connection to one MCP server, with the behaviour real servers demand:
 *
 * - protocol revision: the SDK v2 client probes with `server/discover` and speaks 2026-07-28 (stateless) where the
 *   server offers it, else falls back to the 2025 `initialize` handshake; the verdict is remembered per URL and given
 *   to later connects as `prior` (no probe), for at most {@link ERA_VERDICT_MAX_AGE_MS}. A server restarted as another
 *   revision answers the remembered one with an error that says so ({@link isEraMismatch}): the connection then
 *   negotiates again, once;
 * - transport negotiation per the spec's backwards-compatibility rule: streamable HTTP first (or SSE first when the
 *   config says `sse`), falling back to the other on a 4xx to the initial request; what worked is remembered per URL;
 * - connect (probe or initialize) + tools/list (+ the 2026 `subscriptions/listen` stream) bounded by one deadline
 *   (`connectTimeoutMs`), enforced even where the SDK ignores its own timeout (the SSE transport);
 * - HTTP 404 on a 2025 request with a session → the session expired: re-initialize once and retry;
 * - after a failure the connection is `failed`; the next use reconnects, but not before an exponential backoff;
 * - `notifications/tools/list_changed` (2025: unsolicited, on the session's GET stream; 2026: on the
 *   `subscriptions/listen` stream this connection keeps open, reopened when the server ends it) → the tool list is
 *   refreshed and {@link McpConnection.onToolsChanged} fires; the prompts and resources list_changed notifications
 *   fire {@link McpConnection.onListChanged};
 * - prompts, resources, resource templates, completions and `logging/setLevel` are forwarded as they are
 *   ({@link McpConnection.request}), with the same connect, retry and failure handling as tools/call.
 *
 * The v2 client's response cache is switched off ({@link toolIndexOnlyCache}): upstreams may mark lists cacheable
 * (`ttlMs`), but a gateway must answer from the server's current state — list_changed, a reconnect or another
 * customer's filter must never meet a list the client kept.
 */
import { performance } from 'node:perf_hooks';
import { Client, ProtocolError, SSEClientTransport } from '@modelcontextprotocol/client';
import type { CacheEntry, CacheKey, McpSubscription, PriorDiscovery, ResponseCacheStore, SubscriptionFilter } from '@modelcontextprotocol/client';
// The connection's public types stay those the gateway files use (SDK v1 shapes, structurally the same data).
import type { CallToolResult, Progress, ServerCapabilities, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ServerConfig, TransportKind } from '../config.ts';
import { isolatedAbortFetch } from '../transport/isolated-abort-fetch.ts';
import { classifyError, httpStatusOf, isConnectionFailure, isEraMismatch, isSessionExpired, TimeoutError } from './failure.ts';
import type { Failure } from './failure.ts';
import { silentLogger } from '../logger.ts';
import type { Logger } from '../logger.ts';
import { Redactor } from '../redact.ts';
import { StreamableHttpTransport } from '../transport/streamable-http-transport.ts';

/** A server's log line (`notifications/message` params). */
export interface LogMessage {
  level: string;
  logger?: string;
  data: unknown;
}

/**
 * A 2026-07-28 server's `input_required` answer to tools/call or prompts/get (MRTR, SEP-2322): the client must fulfil
 * `inputRequests` (embedded elicitation/create, sampling/createMessage, roots/list) and retry the same request with
 * `inputResponses` and the opaque `requestState` echoed. The connection hands it back as it came (the client's own
 * auto-fulfilment is off: it has nobody to ask).
 */
export interface InputRequiredResult {
  resultType: 'input_required';
  inputRequests?: Record<string, unknown>;
  requestState?: string;
  _meta?: Record<string, unknown>;
}

/** Whether an upstream answer is an `input_required` result rather than a complete one. */
export function isInputRequired(value: unknown): value is InputRequiredResult {
  return typeof value === 'object' && value !== null && (value as { resultType?: unknown }).resultType === 'input_required';
}

/**
 * What a 2026-07-28 client sent with a request that the server of it must see (MRTR): the retry's `inputResponses`
 * and `requestState` (passed on as they are, opaque), and the client capabilities the request declared, which stand
 * in for the gateway's own in the upstream request's `_meta` envelope, so the server asks only for input that client
 * can give. Only on a 2026-07-28 upstream (a 2025 one has no such vocabulary and gets none of it).
 */
export interface ClientInput {
  inputResponses?: Record<string, unknown>;
  requestState?: string;
  clientCapabilities?: Record<string, unknown>;
}

/** The envelope key of the client capabilities a 2026-07-28 request declares. */
const CLIENT_CAPABILITIES_META_KEY = 'io.modelcontextprotocol/clientCapabilities';

/** Request params with a client's {@link ClientInput} added (2026-07-28 upstreams only; others get `params` as is). */
export function withClientInput<P extends Record<string, unknown>>(client: Client, params: P, input: ClientInput | undefined): P {
  if (!input || client.getProtocolEra() !== 'modern') return params;
  const { inputResponses, requestState, clientCapabilities } = input;
  const meta = params._meta as Record<string, unknown> | undefined;
  return {
    ...params,
    ...(inputResponses !== undefined && { inputResponses }),
    ...(requestState !== undefined && { requestState }),
    ...(clientCapabilities !== undefined && { _meta: { ...meta, [CLIENT_CAPABILITIES_META_KEY]: clientCapabilities } }),
  };
}

/**
 * Why an `input_required` answer cannot be passed on to a caller that has no way to answer it (a 2025 session of the
 * gateway, the HTTP API): what the server asked for, by method.
 */
export function inputRequiredRefusal(result: InputRequiredResult): string {
  const methods = [...new Set(Object.values(result.inputRequests ?? {}).map((r) => String((r as { method?: unknown } | null)?.method ?? '?')))].sort();
  const what = methods.length > 0 ? `input from the client (${methods.join(', ')})` : 'a retry with its requestState';
  return `the server asked for ${what} in a 2026-07-28 input_required result (MRTR), which the gateway passes on to 2026-07-28 requests only; a 2025 session or the HTTP API cannot answer it`;
}

/** What a tool call passes on while it runs: the server's progress and log lines. */
export interface CallRelay {
  onprogress?: (progress: Progress) => void;
  onlog?: (message: LogMessage) => void;
}

/** Connection lifecycle. `failed` keeps the last known tools; the next use reconnects once the backoff has passed. */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'failed' | 'closed';

/** Remembers, per server URL, which transport worked (shared across customers and pool evictions). */
export type TransportMemory = Map<string, TransportKind>;

/** `modern`: MCP 2026-07-28 (stateless, `server/discover`); `legacy`: the 2025 revisions (`initialize`, sessions). */
export type ProtocolEra = 'modern' | 'legacy';

/** What a streamable HTTP server negotiated, and when (`Date.now()`). */
export interface EraVerdict {
  prior: PriorDiscovery;
  at: number;
}

/** Remembers, per server URL, the revision its streamable HTTP endpoint negotiated (shared like {@link TransportMemory}). */
export type EraMemory = Map<string, EraVerdict>;

/**
 * How long a remembered revision is used instead of probing. A stale 2026 verdict fails loudly and is re-negotiated;
 * a stale 2025 one would keep working on 2025 after the server was upgraded, and a 2026 one carries the server's
 * capabilities as they were, so both are re-probed after this long.
 */
export const ERA_VERDICT_MAX_AGE_MS = 10 * 60_000;

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
  eraMemory?: EraMemory;
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

/** Upper bound on the pages a list call follows (the client walks them; past it the call fails). */
const MAX_LIST_PAGES = 100;
/** Delay that coalesces bursts of list_changed notifications. */
const LIST_CHANGED_DEBOUNCE_MS = 25;
/** Bound on the DELETE that ends a streamable HTTP session (or on closing a listen stream) on close. */
const TERMINATE_TIMEOUT_MS = 1_000;
/** Attempts at reopening a 2026 listen stream the server ended, before leaving it closed until the next reconnect. */
const RELISTEN_ATTEMPTS = 3;

/**
 * The client's response cache, reduced to what `callTool` needs: the last tools/list (for output-schema checks and
 * 2026 `Mcp-Param-*` headers, compiled once per list), stored as already stale so it is never served as an answer;
 * everything else is dropped. (The client would otherwise serve `tools/list`, `prompts/list`, `resources/list`,
 * templates and reads for as long as the upstream's `ttlMs` says.) One per client.
 */
export function toolIndexOnlyCache(): ResponseCacheStore {
  const lists = new Map<string, CacheEntry>(); // tools/list only, by partition and params
  const keyOf = (key: CacheKey) => JSON.stringify([key.partition ?? '', key.params ?? '']);
  let stamp = 0;
  return {
    get: (key) => (key.method === 'tools/list' ? lists.get(keyOf(key)) : undefined),
    set: (key, entry) => {
      stamp++;
      // No expiresAt: never fresh, so never served; the tool index reads it regardless of age.
      if (key.method === 'tools/list') lists.set(keyOf(key), { value: entry.value, stamp, ...(entry.scope && { scope: entry.scope }) });
      return stamp;
    },
    delete: (key) => {
      if (key.method === 'tools/list') lists.delete(keyOf(key));
    },
    evict: (method) => {
      if (method === 'tools/list') lists.clear();
    },
    clear: () => lists.clear(),
  };
}

/** A failure talking to a server; `failure` is safe to return and log. */
export class UpstreamError extends Error {
  constructor(
    readonly failure: Failure,
    /** `connect`: the server is unavailable; `call`: the request failed. */
    readonly stage: 'connect' | 'call',
    /** When the connection is in backoff: how long until the next attempt is allowed. */
    readonly retryInMs?: number,
    /** The server answered the request with a JSON-RPC error: its code and data (the message is `failure.message`). */
    readonly rpcError?: { code: number; data?: unknown },
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
  /** The MCP revision in use (or last used): `2026-07-28`, `2025-11-25`, …; `null` before the first success. */
  protocol_version: string | null;
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
  toolsTtlMs: number | undefined;
  /** 2026: the open `subscriptions/listen` stream (change notifications), if the server offers any. */
  subscription: McpSubscription | undefined;
  /** Whether this connect used a remembered revision (`prior`) instead of negotiating. */
  usedPrior: boolean;
}

/** One MCP server connection. Safe to use concurrently: connects are de-duplicated. */
export class McpConnection {
  /** Called after the tool list changed (list_changed refresh or reconnect). */
  onToolsChanged?: () => void;
  /** Called when the server says its prompts or resources list changed. */
  onListChanged?: (kind: 'prompts' | 'resources') => void;
  /** Listeners of the server's `notifications/message` log lines: the tool calls in flight that relay them. */
  private readonly logListeners = new Set<(params: LogMessage) => void>();
  /** Called when the server says a resource it was asked to watch (`resources/subscribe`) changed. */
  onResourceUpdated?: (uri: string) => void;

  private readonly opts: ConnectionOptions;
  private readonly logger: Logger;
  private readonly redactor: Redactor;
  private readonly memory: TransportMemory;
  private readonly eras: EraMemory;
  private _state: ConnectionState = 'idle';
  private _transport: TransportKind | null = null;
  private _protocolVersion: string | null = null;
  private _era: ProtocolEra | null = null;
  private _tools: Tool[] = [];
  private _toolsTtlMs: number | undefined;
  private _lastError: LastError | null = null;
  private latencyMs: number | null = null;
  private lastCallMs: number | null = null;
  private connectedAt: string | null = null;
  private failures = 0;
  private nextAttemptAt = 0;
  private generation = 0;
  private client: Client | null = null;
  private transportObj: AnyTransport | null = null;
  private subscription: McpSubscription | null = null;
  private inflight: Promise<void> | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private relistenTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    readonly server: ServerConfig,
    options: Partial<ConnectionOptions> = {},
  ) {
    this.opts = { ...DEFAULT_CONNECTION_OPTIONS, ...options };
    this.logger = (options.logger ?? silentLogger).child({ server: server.name, type: server.type });
    this.redactor = options.redactor ?? new Redactor();
    this.memory = options.transportMemory ?? new Map();
    this.eras = options.eraMemory ?? new Map();
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** Transport in use, or last used. */
  get transport(): TransportKind | null {
    return this._transport;
  }

  /** MCP revision in use, or last used (`2026-07-28`, `2025-11-25`, …). */
  get protocolVersion(): string | null {
    return this._protocolVersion;
  }

  /** `modern` (2026-07-28) or `legacy` (2025), in use or last used. */
  get protocolEra(): ProtocolEra | null {
    return this._era;
  }

  /** How long the server says its tool list may be kept, ms (2026-07-28 `ttlMs`); undefined when it says nothing. */
  get toolsTtlMs(): number | undefined {
    return this._state === 'connected' ? this._toolsTtlMs : undefined;
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
   * Connects again now, skipping the backoff (an operator's Reconnect): a connected server gets a fresh connection, an
   * attempt in progress is joined. Rejects like {@link connect}.
   */
  reconnect(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.nextAttemptAt = 0;
    if (this.client) this.dropClient();
    return this.connect();
  }

  /**
   * Calls a tool by its upstream name. Connects first if needed; on HTTP 404 (session expired) or a changed revision
   * re-connects once and retries. Rejects with {@link UpstreamError}: `stage: 'connect'` when the server is
   * unavailable, `'call'` when the request failed (timeout, JSON-RPC error); connection-level failures put the
   * connection into `failed`.
   *
   * MRTR (2026-07-28): with `input` (what the client sent for it, {@link ClientInput}) a server's `input_required`
   * answer is returned as it is, for the caller to pass on; without, the caller cannot pass it on and the call fails
   * with an {@link UpstreamError} (`protocol`) that says what the server asked for.
   */
  callTool(name: string, args: Record<string, unknown>, relay?: CallRelay): Promise<CallToolResult>;
  callTool(name: string, args: Record<string, unknown>, relay: CallRelay | undefined, input: ClientInput): Promise<CallToolResult | InputRequiredResult>;
  async callTool(name: string, args: Record<string, unknown>, relay: CallRelay = {}, input?: ClientInput): Promise<CallToolResult | InputRequiredResult> {
    const result = await this.callToolRaw(name, args, relay, input);
    if (input || !isInputRequired(result)) return result;
    throw new UpstreamError({ reason: 'protocol', message: inputRequiredRefusal(result) }, 'call');
  }

  private async callToolRaw(name: string, args: Record<string, unknown>, relay: CallRelay, input: ClientInput | undefined): Promise<CallToolResult | InputRequiredResult> {
    const { onprogress, onlog } = relay;
    // The server's log lines while the call runs belong to it (a pooled connection serves one customer; calls running
    // at the same time on it all hear them).
    if (onlog) this.logListeners.add(onlog);
    try {
      return (await this.request(
        (client, timeout) =>
          client.callTool(withClientInput(client, { name, arguments: args }, input), {
            timeout,
            // An input_required answer comes back as it is, for the caller to pass on (or refuse).
            allowInputRequired: true,
            ...(onprogress && { onprogress, resetTimeoutOnProgress: false }),
          }),
        true,
      )) as CallToolResult | InputRequiredResult;
    } finally {
      if (onlog) this.logListeners.delete(onlog);
    }
  }

  /** What the server offers (prompts, resources, completions, logging), once connected; undefined before. */
  capabilities(): ServerCapabilities | undefined {
    return this._state === 'connected' ? (this.client?.getServerCapabilities() as ServerCapabilities | undefined) : undefined;
  }

  /**
   * Runs one request on the server's client: connects first if needed; on HTTP 404 (session expired) or an answer
   * saying the server now speaks another revision, re-connects once and retries. Rejects with {@link UpstreamError}
   * like {@link callTool}. `timed`: record the call's latency.
   */
  async request<T>(send: (client: Client, timeoutMs: number) => Promise<T>, timed = false): Promise<T> {
    for (let attempt = 0; attempt < 2; attempt++) {
      await this.connect();
      const client = this.client;
      const generation = this.generation;
      const era = this._era;
      if (!client) throw new UpstreamError({ reason: 'closed', message: 'connection closed' }, 'connect');
      const started = performance.now();
      try {
        const result = await send(client, this.opts.callTimeoutMs);
        if (timed) this.lastCallMs = round(performance.now() - started);
        return result;
      } catch (error) {
        if (attempt === 0 && generation === this.generation && this.recoverable(error, era)) continue;
        const failure = classifyError(error, this.redactor);
        if (isConnectionFailure(failure) && generation === this.generation) this.markFailed(failure);
        const rpcError = failure.reason === 'protocol' && error instanceof ProtocolError ? { code: error.code, ...(error.data !== undefined && { data: error.data }) } : undefined;
        throw new UpstreamError(failure, 'call', undefined, rpcError);
      }
    }
    throw new UpstreamError({ reason: 'http', message: 'session expired again right after re-initializing', status: 404 }, 'call');
  }

  /** Re-reads the tool list now (also done automatically on list_changed). */
  async refreshTools(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const generation = this.generation;
    const era = this._era;
    try {
      const { tools, ttlMs } = await listAllTools(client, this.opts.callTimeoutMs);
      if (generation !== this.generation || client !== this.client) return;
      this._tools = tools;
      this._toolsTtlMs = ttlMs;
      this.logger.info('tool list refreshed', { tool_count: tools.length });
      this.onToolsChanged?.();
    } catch (error) {
      const failure = classifyError(error, this.redactor);
      this.logger.warn('tool list refresh failed', { reason: failure.reason, error: failure.message });
      if (generation !== this.generation) return;
      if (this.recoverable(error, era)) return;
      if (isConnectionFailure(failure)) this.markFailed(failure);
    }
  }

  /** Closes the connection for good (ends a 2025 session with DELETE, a 2026 listen stream; each bounded to 1 s). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.relistenTimer) clearTimeout(this.relistenTimer);
    const client = this.client;
    const transport = this.transportObj;
    const subscription = this.subscription;
    this.client = null;
    this.transportObj = null;
    this.subscription = null;
    this._state = 'closed';
    if (!client) return;
    if (subscription) await withDeadline(subscription.close(), TERMINATE_TIMEOUT_MS, TERMINATE_TIMEOUT_MS, 'close listen').catch(() => {});
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
      protocol_version: this._protocolVersion,
      tool_count: this._tools.length,
      last_error: this._lastError,
      latency_ms: this.latencyMs,
      last_call_ms: this.lastCallMs,
      connected_at: this.connectedAt,
      consecutive_failures: this.failures,
      retry_in_ms: this.retryInMs(),
    };
  }

  /**
   * After a failed request: if the session expired (404) or the server now speaks another revision, forgets the
   * client (and, for the latter, the remembered revision) so the next use reconnects at once; true then.
   */
  private recoverable(error: unknown, era: ProtocolEra | null): boolean {
    if (isSessionExpired(error)) {
      this.logger.info('session expired (HTTP 404); re-initializing');
      this.dropClient();
      return true;
    }
    if (era && isEraMismatch(error, era)) {
      this.logger.info('server no longer speaks the negotiated revision; negotiating again', { protocol_version: this._protocolVersion });
      this.eras.delete(this.server.url);
      this.dropClient();
      return true;
    }
    return false;
  }

  private async establish(): Promise<void> {
    this._state = 'connecting';
    const generation = ++this.generation;
    const started = performance.now();
    try {
      const established = await this.negotiate(Date.now() + this.opts.connectTimeoutMs);
      if (generation !== this.generation || this.closed) {
        await established.subscription?.close().catch(() => {});
        await closeQuietly(established.client);
        throw new UpstreamError({ reason: 'closed', message: 'connection closed while connecting' }, 'connect');
      }
      const { client, transport, kind, tools, subscription, usedPrior } = established;
      this.client = client;
      this.transportObj = transport;
      this.subscription = subscription ?? null;
      this._transport = kind;
      this.memory.set(this.server.url, kind);
      this._protocolVersion = client.getNegotiatedProtocolVersion() ?? null;
      this._era = client.getProtocolEra() ?? 'legacy';
      if (kind === 'streamable-http' && !usedPrior) {
        const discover = client.getDiscoverResult();
        this.eras.set(this.server.url, { prior: this._era === 'modern' && discover ? { kind: 'modern', discover } : { kind: 'legacy' }, at: Date.now() });
      }
      this._tools = tools;
      this._toolsTtlMs = established.toolsTtlMs;
      this._state = 'connected';
      this.failures = 0;
      this._lastError = null;
      this.latencyMs = round(performance.now() - started);
      this.connectedAt = new Date().toISOString();
      client.onclose = () => {
        if (this.client === client && !this.closed) this.markFailed({ reason: 'closed', message: 'connection closed by server' });
      };
      if (subscription) this.watch(client, subscription, 0);
      this.logger.info('connected', { transport: kind, protocol_version: this._protocolVersion, tool_count: tools.length, latency_ms: this.latencyMs });
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

  /**
   * One transport. Streamable HTTP uses the remembered revision when there is a fresh one; if the server answers it
   * as a server of the other revision would, the remembered one is dropped and the revision negotiated again (within
   * the same deadline). Legacy SSE is 2025 by definition: no probe.
   */
  private async attempt(kind: TransportKind, deadline: number): Promise<Established> {
    if (kind === 'sse') return this.open(kind, deadline, { kind: 'legacy' }, false);
    const remembered = this.eras.get(this.server.url);
    if (!remembered || Date.now() - remembered.at > ERA_VERDICT_MAX_AGE_MS) return this.open(kind, deadline, undefined, false);
    const era: ProtocolEra = remembered.prior.kind;
    try {
      return await this.open(kind, deadline, remembered.prior, true);
    } catch (error) {
      if (!isEraMismatch(error, era)) throw error;
      this.logger.info('server no longer speaks the remembered revision; negotiating again', { remembered: era });
      if (this.eras.get(this.server.url) === remembered) this.eras.delete(this.server.url);
      return this.open(kind, deadline, undefined, false);
    }
  }

  private async open(kind: TransportKind, deadline: number, prior: PriorDiscovery | undefined, usedPrior: boolean): Promise<Established> {
    const remaining = () => deadline - Date.now();
    if (remaining() <= 0) throw new TimeoutError(this.opts.connectTimeoutMs, 'connect');
    const client = new Client(this.opts.clientInfo ?? { name: 'mcpfleet-agent', version: '0.1.0' }, {
      capabilities: {},
      // Probe with server/discover; without 2026 evidence, the plain 2025 initialize (SSE: always 2025).
      versionNegotiation: { mode: kind === 'sse' ? 'legacy' : 'auto' },
      responseCacheStore: toolIndexOnlyCache(),
      listMaxPages: MAX_LIST_PAGES,
      // MRTR: the gateway has no elicitation, sampling or roots of its own; input_required results are handed back.
      inputRequired: { autoFulfill: false },
    });
    client.onerror = (error) => this.logger.debug('transport error', { error: classifyError(error, this.redactor).message });
    client.setNotificationHandler('notifications/tools/list_changed', () => this.scheduleRefresh(client));
    client.setNotificationHandler('notifications/prompts/list_changed', () => {
      if (client === this.client) this.onListChanged?.('prompts');
    });
    client.setNotificationHandler('notifications/resources/list_changed', () => {
      if (client === this.client) this.onListChanged?.('resources');
    });
    client.setNotificationHandler('notifications/message', (notification) => {
      if (client === this.client) for (const listener of this.logListeners) listener(notification.params as LogMessage);
    });
    client.setNotificationHandler('notifications/resources/updated', (notification) => {
      if (client === this.client) this.onResourceUpdated?.(notification.params.uri);
    });
    const url = new URL(this.server.url);
    const transport: AnyTransport =
      kind === 'sse'
        ? new SSEClientTransport(url, { fetch: isolatedAbortFetch() })
        : new StreamableHttpTransport(url, { reconnection: { initialDelayMs: 500, maxDelayMs: 5_000, growFactor: 2, maxRetries: 2 } });
    const work = (async () => {
      await client.connect(transport, { timeout: Math.max(1, remaining()), ...(prior && { prior }) });
      const listed = await listAllTools(client, Math.max(1, remaining()));
      // 2026: change notifications come only on a listen stream; opened now so none is missed after connecting.
      const subscription = await this.listen(client, Math.max(1, remaining()));
      return { listed, subscription };
    })();
    try {
      const { listed, subscription } = await withDeadline(work, remaining(), this.opts.connectTimeoutMs, 'connect');
      return { client, transport, kind, tools: listed.tools, toolsTtlMs: listed.ttlMs, subscription, usedPrior };
    } catch (error) {
      work.then((w) => w.subscription?.close(), () => {}).catch(() => {});
      await closeQuietly(client);
      // The SDK's own timeout and the deadline fire together: report the deadline.
      if (remaining() <= 0 && classifyError(error, this.redactor).reason === 'timeout') throw new TimeoutError(this.opts.connectTimeoutMs, 'connect');
      throw error;
    }
  }

  /**
   * 2026: opens the `subscriptions/listen` stream for the change notifications the server advertises (none on 2025,
   * where they arrive unsolicited). A server that refuses it still connects: its lists are then read as requested.
   */
  private async listen(client: Client, timeoutMs: number): Promise<McpSubscription | undefined> {
    const filter = listenFilter(client);
    if (!filter) return undefined;
    try {
      return await client.listen(filter, { timeout: timeoutMs });
    } catch (error) {
      this.logger.warn('could not open the change notification stream', { error: classifyError(error, this.redactor).message });
      return undefined;
    }
  }

  /**
   * Reopens the listen stream when the server ends it (restart, idle cut) while this client is in use, after the
   * backoff delay (500 ms doubling); a refused or reset reopen marks the connection failed, and an answer of a 2025
   * server drops the client (either way the next use reconnects); other failures are retried
   * {@link RELISTEN_ATTEMPTS} times. Reopened, the tool list is read again (changes may have been missed).
   */
  private watch(client: Client, subscription: McpSubscription, attempt: number): void {
    void subscription.closed.then((cause) => {
      if (cause === 'local' || client !== this.client || this.closed) return;
      if (this.subscription === subscription) this.subscription = null;
      this.logger.info('change notification stream ended; reopening', { cause });
      this.relisten(client, attempt);
    });
  }

  private relisten(client: Client, attempt: number): void {
    if (attempt >= RELISTEN_ATTEMPTS) {
      this.logger.warn('change notification stream not reopened; lists are refreshed on reconnect', { attempts: attempt });
      return;
    }
    if (this.relistenTimer) clearTimeout(this.relistenTimer);
    const delay = Math.min(this.opts.backoffMaxMs, this.opts.backoffInitialMs * 2 ** attempt);
    this.relistenTimer = setTimeout(() => {
      this.relistenTimer = null;
      if (client !== this.client || this.closed) return;
      const filter = listenFilter(client);
      if (!filter) return;
      const generation = this.generation;
      client.listen(filter, { timeout: this.opts.callTimeoutMs }).then(
        (subscription) => {
          if (client !== this.client || this.closed) return void subscription.close().catch(() => {});
          this.subscription = subscription;
          this.watch(client, subscription, 0);
          void this.refreshTools();
        },
        (error: unknown) => {
          if (client !== this.client || this.closed || generation !== this.generation) return;
          if (this.recoverable(error, 'modern')) return; // restarted as a 2025 server: the next use negotiates again
          const failure = classifyError(error, this.redactor);
          if (isConnectionFailure(failure)) return this.markFailed(failure);
          this.logger.debug('reopening the change notification stream failed', { reason: failure.reason, error: failure.message });
          this.relisten(client, attempt + 1);
        },
      );
    }, delay);
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
    this.subscription = null;
    this.generation++;
    if (this._state === 'connected') this._state = 'idle';
    if (client) void closeQuietly(client);
  }

  private markFailed(failure: Failure): void {
    const client = this.client;
    this.client = null;
    this.transportObj = null;
    this.subscription = null;
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

/** The 2026 listen filter for the list changes the server advertises; undefined on 2025 or when it advertises none. */
function listenFilter(client: Client): SubscriptionFilter | undefined {
  if (client.getProtocolEra() !== 'modern') return undefined;
  const caps = client.getServerCapabilities();
  const filter: SubscriptionFilter = {
    ...(caps?.tools?.listChanged && { toolsListChanged: true }),
    ...(caps?.prompts?.listChanged && { promptsListChanged: true }),
    ...(caps?.resources?.listChanged && { resourcesListChanged: true }),
  };
  return Object.keys(filter).length > 0 ? filter : undefined;
}

/**
 * Every page of tools/list (the client walks them, each request bounded by `timeoutMs`, never answered from its cache);
 * duplicate names keep the first. A server without the tools capability has none.
 */
export async function listAllTools(client: Client, timeoutMs: number): Promise<ToolList> {
  if (!client.getServerCapabilities()?.tools) return { tools: [], ttlMs: undefined };
  const result = await client.listTools(undefined, { timeout: timeoutMs, cacheMode: 'refresh' }); // fetched, and kept for callTool
  const tools: Tool[] = [];
  const seen = new Set<string>();
  for (const tool of result.tools as Tool[]) {
    if (!seen.has(tool.name)) {
      seen.add(tool.name);
      tools.push(tool);
    }
  }
  const ttlMs = (result as { ttlMs?: unknown }).ttlMs;
  return { tools, ttlMs: typeof ttlMs === 'number' && ttlMs >= 0 ? ttlMs : undefined };
}

/** A server's tool list and how long it says the list may be kept (`ttlMs`, 2026-07-28; undefined when it says nothing). */
export interface ToolList {
  tools: Tool[];
  ttlMs: number | undefined;
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
