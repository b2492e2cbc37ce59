/**
 * The MCP streamable HTTP client transport on node:http with a keep-alive agent, for the SDK v2 `Client`
 * (`@modelcontextprotocol/client`), speaking both revisions the client negotiates: 2025 (sessions, standalone GET
 * stream, DELETE) and 2026-07-28 (stateless requests whose headers are derived from the body, one stream per
 * request, `subscriptions/listen`).
 *
 * Why not the SDK's `StreamableHTTPClientTransport`: it sends through fetch (undici) and reads every answer through
 * a web-streams pipeline (TextDecoderStream → EventSourceParserStream). Measured against the same server (see
 * docs/runtime.md, benchmark), that costs ~1.5 ms more CPU per tools/call than a plain node:http round trip, in v1
 * and in v2 alike — more than the whole hop through the runtime. This transport sends the same requests and feeds
 * answers to `eventsource-parser` directly. What it does, as the SDK's transport does:
 *
 * - POST per message; JSON or SSE answers; the session id and protocol version headers;
 * - on 2026-07-28 requests (`_meta` carries `io.modelcontextprotocol/protocolVersion`): `MCP-Protocol-Version`,
 *   `Mcp-Method` and `Mcp-Name` taken from the body (the Client does not add them); a 400 whose body is a JSON-RPC
 *   error for that request is delivered as the answer (`onmessage`), not thrown;
 * - HTTP errors are {@link SdkHttpError} with the status (and, for 4xx other than 401/403, up to 4 KiB of the body
 *   as `data.text`, which the Client's version probe reads to fall back to 2025); the body never goes into the
 *   message, and nothing in the runtime forwards `data.text` (it can echo credentials);
 * - `hasPerRequestStream`: each request's stream is aborted through `requestSignal` (2026 cancellation, closing a
 *   `subscriptions/listen` subscription); `onRequestStreamEnd` fires when a stream ends on the server's side;
 * - the standalone GET stream after `initialized` (2025), reconnected with backoff and `Last-Event-ID`; DELETE to
 *   end a 2025 session.
 *
 * Beyond the SDK: a POST stream that ends before its answer fails that request at once ("connection closed")
 * instead of leaving it to the request timeout; a request that meets a keep-alive socket the server just closed is
 * sent again once; a 405 (or a 404 that is not a JSON-RPC answer) to the `server/discover` probe (the URL takes no
 * POST: an SSE-only server, or no endpoint) answers the `initialize` that follows with the same error without
 * sending it, so the fallback to SSE costs one request, as before the probe existed; every request carries the
 * trace context of the gateway request it serves (`traceHeaders()`). Not implemented, as the runtime has no use for them: OAuth, redirects, resuming an
 * interrupted POST stream, `Mcp-Param-*` beyond passing on what the Client puts in `options.headers`.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { createParser } from 'eventsource-parser';
import { parseJSONRPCMessage, PROTOCOL_VERSION_META_KEY, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import type { JSONRPCMessage, JSONRPCRequest, RequestId, Transport, TransportSendOptions } from '@modelcontextprotocol/client';
import { traceHeaders } from './trace-context.ts';

/** Reconnection of the standalone GET stream: delay `initialDelayMs × growFactor^attempt`, capped. */
export interface StreamReconnection {
  initialDelayMs: number;
  maxDelayMs: number;
  growFactor: number;
  /** Consecutive failed attempts before giving up (reported through `onerror`). */
  maxRetries: number;
}

export interface StreamableHttpTransportOptions {
  reconnection?: StreamReconnection;
}

const DEFAULT_RECONNECTION: StreamReconnection = { initialDelayMs: 1_000, maxDelayMs: 30_000, growFactor: 1.5, maxRetries: 2 };

/** JSON-RPC code of the error a request gets when its stream ends before the answer (the SDK v1's ConnectionClosed). */
export const CONNECTION_CLOSED_CODE = -32000;
/** Most of an HTTP error body kept for the version probe (`SdkHttpError.data.text`). */
const ERROR_TEXT_LIMIT = 4_096;
/** The first revision of the stateless (2026) era. */
const FIRST_MODERN_VERSION = '2026-07-28';
/** Which field of `params` `Mcp-Name` carries, per method (2026-07-28). */
const MCP_NAME_SOURCE: Record<string, string> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };
/** Headers the transport derives itself; `options.headers` cannot set them (as in the SDK's transport). */
const RESERVED_HEADERS = new Set(['authorization', 'content-type', 'accept', 'mcp-protocol-version', 'mcp-method', 'mcp-name', 'mcp-session-id', 'content-length', 'host']);

/** Media type without parameters, lower case (`text/event-stream; charset=utf-8` → `text/event-stream`). */
function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

function readText(res: IncomingMessage, limit = Infinity): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (text.length < limit) text += chunk;
    });
    res.once('end', () => resolve(text.length > limit ? text.slice(0, limit) : text));
    res.once('error', reject); // a connection lost mid-body is an ECONNRESET error here
  });
}

const isSuccess = (status: number) => status >= 200 && status < 300;

/** Reads and drops a body we do not use, so the socket goes back to the pool. */
function drain(res: IncomingMessage): void {
  res.on('error', () => {});
  res.resume();
}

// Shape checks on messages the Client built or `parseJSONRPCMessage` validated. (The SDK's guards run a schema
// parse each, and a failing one builds an error: ~0.07 ms per call for the handful a send needs.)
const isRequest = (m: JSONRPCMessage): m is JSONRPCRequest => 'method' in m && 'id' in m && m.id !== undefined;
const isInitializeRequest = (m: JSONRPCMessage) => isRequest(m) && m.method === 'initialize';
const isInitializedNotification = (m: JSONRPCMessage) => 'method' in m && !('id' in m) && m.method === 'notifications/initialized';
const isResponse = (m: JSONRPCMessage) => 'id' in m && ('result' in m || 'error' in m);

/** Whether an HTTP error body is a JSON-RPC error (`{"jsonrpc":"2.0","error":{…}}`). */
function jsonRpcErrorIn(text: string | undefined): boolean {
  if (!text) return false;
  try {
    const body = JSON.parse(text) as { error?: unknown };
    return typeof body === 'object' && body !== null && typeof body.error === 'object' && body.error !== null;
  } catch {
    return false;
  }
}

/** The revision a request claims in its `_meta` envelope (2026-07-28 and later); undefined for 2025 messages. */
function envelopeVersion(message: JSONRPCMessage): string | undefined {
  if (!isRequest(message)) return undefined;
  const version = (message.params?._meta as Record<string, unknown> | undefined)?.[PROTOCOL_VERSION_META_KEY];
  return typeof version === 'string' ? version : undefined;
}

/** A header value as the spec encodes one: plain when it is safe printable ASCII, else `=?base64?…?=` of its UTF-8. */
export function encodeHeaderValue(value: string): string {
  const unsafe = value.length === 0 || value !== value.trim() || (value.startsWith('=?base64?') && value.endsWith('?=')) || /[^\t\x20-\x7e]/.test(value);
  return unsafe ? `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=` : value;
}

/** `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name` of a 2026-07-28 request, from its body; none for other messages. */
function eraHeaders(message: JSONRPCMessage, version: string | undefined): http.OutgoingHttpHeaders {
  if (version === undefined || !isRequest(message)) return {};
  const headers: http.OutgoingHttpHeaders = { 'mcp-protocol-version': version, 'mcp-method': message.method };
  const field = Object.hasOwn(MCP_NAME_SOURCE, message.method) ? MCP_NAME_SOURCE[message.method]! : undefined;
  const name = field === undefined ? undefined : (message.params as Record<string, unknown> | undefined)?.[field];
  if (typeof name === 'string') headers['mcp-name'] = encodeHeaderValue(name);
  return headers;
}

/** See the module comment. One instance per connection; not reusable after `close()`. */
export class StreamableHttpTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;
  /** One HTTP request per outbound request: the Client cancels a 2026 request by aborting `requestSignal`. */
  readonly hasPerRequestStream = true;

  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly requestFn: typeof http.request;
  private readonly reconnection: StreamReconnection;
  private _sessionId: string | undefined;
  private _protocolVersion: string | undefined;
  private serverRetryMs: number | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Set when the version probe got 405 (or a bare 404): the URL takes no POST, so initialize would get the same. */
  private refusedPost: { status: number; statusText: string | undefined } | undefined;
  private started = false;
  private closed = false;

  constructor(url: URL, options: StreamableHttpTransportOptions = {}) {
    this.url = url;
    const secure = url.protocol === 'https:';
    this.agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.requestFn = secure ? https.request : http.request;
    this.reconnection = options.reconnection ?? DEFAULT_RECONNECTION;
  }

  /** The session id the server assigned at initialize (2025), until the session is terminated. */
  get sessionId(): string | undefined {
    return this._sessionId;
  }

  get protocolVersion(): string | undefined {
    return this._protocolVersion;
  }

  /** Called by the Client once the revision is known; sent as `mcp-protocol-version` from then on. */
  setProtocolVersion(version: string): void {
    this._protocolVersion = version;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('StreamableHttpTransport already started');
    this.started = true;
  }

  /**
   * POSTs one message. Resolves once the server has answered the POST (for a request, its response then arrives
   * through `onmessage`: at once for a JSON answer, as the stream is read for SSE). Rejects on HTTP errors
   * ({@link SdkHttpError}), unexpected content ({@link SdkError}) and network errors.
   */
  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const requestSignal = options?.requestSignal;
    try {
      if (this.refusedPost && isInitializeRequest(message)) {
        const { status, statusText } = this.refusedPost;
        throw new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint (HTTP ${status})`, { status, statusText });
      }
      const version = envelopeVersion(message);
      const extra: http.OutgoingHttpHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      for (const [name, value] of Object.entries(options?.headers ?? {})) if (!RESERVED_HEADERS.has(name.toLowerCase())) extra[name] = value;
      Object.assign(extra, eraHeaders(message, version));
      const res = await this.request('POST', extra, JSON.stringify(message), false, requestSignal, isInitializeRequest(message));
      const sessionId = res.headers['mcp-session-id'];
      if (typeof sessionId === 'string' && sessionId) this._sessionId = sessionId;
      const status = res.statusCode ?? 0;
      if (!isSuccess(status)) {
        const keepText = status >= 400 && status < 500 && status !== 401 && status !== 403;
        const text = keepText ? await readText(res, ERROR_TEXT_LIMIT).catch(() => undefined) : (drain(res), undefined);
        if (status === 400 && text && version !== undefined && version >= FIRST_MODERN_VERSION && isRequest(message)) {
          const answer = this.errorAnswerFor(message, text);
          if (answer) return this.onmessage?.(answer);
        }
        // 405, or a 404 that is no JSON-RPC answer (a bridge may answer "method not found" with 404): no POST here.
        if (isRequest(message) && message.method === 'server/discover' && (status === 405 || (status === 404 && !jsonRpcErrorIn(text)))) {
          this.refusedPost = { status, statusText: res.statusMessage };
        }
        throw new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint (HTTP ${status})`, {
          status,
          statusText: res.statusMessage,
          ...(text !== undefined && { text }),
        });
      }
      if (status === 202 || !isRequest(message)) {
        drain(res);
        if (isInitializedNotification(message)) this.openServerStream(undefined, 0);
        return;
      }
      const mediaType = mediaTypeOf(res.headers['content-type']);
      if (mediaType === 'text/event-stream') {
        this.readEvents(res, message.id, options);
      } else if (mediaType === 'application/json') {
        const data: unknown = JSON.parse(await readText(res));
        for (const item of Array.isArray(data) ? data : [data]) this.onmessage?.(parseJSONRPCMessage(item));
      } else {
        drain(res);
        throw new SdkError(SdkErrorCode.ClientHttpUnexpectedContent, `Unexpected content type: ${mediaType || '(none)'}`, { contentType: mediaType });
      }
    } catch (error) {
      if (!requestSignal?.aborted) this.onerror?.(error as Error);
      throw error;
    }
  }

  /** Ends the session on the server (DELETE); a 405 means the server does not offer that, which is fine. */
  async terminateSession(): Promise<void> {
    if (!this._sessionId) return;
    const res = await this.request('DELETE', {});
    drain(res);
    const status = res.statusCode ?? 0;
    if (!isSuccess(status) && status !== 405) {
      throw new SdkHttpError(SdkErrorCode.ClientHttpFailedToTerminateSession, `Failed to terminate session (HTTP ${status})`, { status, statusText: res.statusMessage });
    }
    this._sessionId = undefined;
  }

  /** Aborts everything in flight (open streams included), closes the pooled sockets. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.agent.destroy(); // every socket, in use or idle: open streams and pending requests end with it
    this.onclose?.();
  }

  /** The JSON-RPC error in a 400 body when it answers `request` (same id), else undefined. */
  private errorAnswerFor(request: JSONRPCRequest, text: string): JSONRPCMessage | undefined {
    try {
      const parsed = parseJSONRPCMessage(JSON.parse(text));
      return 'error' in parsed && parsed.id === request.id ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  private headers(extra: http.OutgoingHttpHeaders, handshake: boolean): http.OutgoingHttpHeaders {
    // The trace context of the gateway request this upstream request serves, if any.
    const headers: http.OutgoingHttpHeaders = { ...traceHeaders() };
    if (this._sessionId && !handshake) headers['mcp-session-id'] = this._sessionId;
    if (this._protocolVersion) headers['mcp-protocol-version'] = this._protocolVersion;
    return Object.assign(headers, extra);
  }

  /**
   * One HTTP request; resolves with the response once its headers have arrived. A request that fails with a reset on
   * a reused keep-alive socket before any answer is sent again once (the server closed an idle socket as we used it).
   * `signal` aborts this request alone (its response stream included).
   */
  private request(
    method: 'GET' | 'POST' | 'DELETE',
    extra: http.OutgoingHttpHeaders,
    body?: string,
    retried = false,
    signal?: AbortSignal,
    handshake = false,
  ): Promise<IncomingMessage> {
    if (this.closed) return Promise.reject(new Error('Connection closed'));
    return new Promise((resolve, reject) => {
      const headers = this.headers(extra, handshake);
      if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
      const req = this.requestFn(this.url, { method, headers, agent: this.agent, ...(signal && { signal }) }, resolve);
      req.once('error', (error: NodeJS.ErrnoException) => {
        if (!retried && req.reusedSocket && error.code === 'ECONNRESET' && !this.closed && !signal?.aborted) {
          this.request(method, extra, body, true, signal, handshake).then(resolve, reject);
        } else reject(error);
      });
      req.end(body);
    });
  }

  /**
   * Reads an SSE body, handing each message event to `onmessage`. For a POST stream (`requestId` set) that ends
   * before the answer, the request is failed with "connection closed"; `onRequestStreamEnd` is told when the server
   * ends the stream (not when we abort it).
   */
  private readEvents(
    res: IncomingMessage,
    requestId: RequestId | undefined,
    options?: TransportSendOptions,
    onEnd?: (lastEventId: string | undefined) => void,
  ): void {
    let lastEventId: string | undefined;
    let answered = false;
    let notified = false;
    /** The end of the stream, held back while a deferred answer is on its way (see below). */
    let heldEnd: (() => void) | undefined;
    let deferring = false;
    const parser = createParser({
      onEvent: (event) => {
        if (event.id) lastEventId = event.id;
        if (!event.data || (event.event && event.event !== 'message')) return;
        let message: JSONRPCMessage;
        try {
          message = parseJSONRPCMessage(JSON.parse(event.data));
        } catch (error) {
          this.onerror?.(error as Error);
          return;
        }
        const isAnswer = requestId !== undefined && isResponse(message) && (message as { id?: RequestId }).id === requestId;
        if (isAnswer) answered = true;
        if (!isAnswer) notified ||= !isResponse(message);
        // The SDK client runs notification handlers a tick after it settles a request with its answer: progress or a
        // log line the server sent just before answering would reach a request that has already ended. Handing the
        // answer over one turn later lets them run first.
        if (isAnswer && notified) {
          deferring = true;
          setImmediate(() => {
            deferring = false;
            this.onmessage?.(message);
            heldEnd?.();
          });
          return;
        }
        this.onmessage?.(message);
      },
      onRetry: (ms) => {
        this.serverRetryMs = ms;
      },
    });
    let ended = false;
    const finish = (error?: Error) => {
      if (ended) return;
      if (deferring) {
        heldEnd = () => finish(error);
        return;
      }
      ended = true;
      if (this.closed || options?.requestSignal?.aborted) return;
      if (error) this.onerror?.(new Error(`SSE stream disconnected: ${error.message}`));
      if (requestId !== undefined && !answered) {
        this.onmessage?.({ jsonrpc: '2.0', id: requestId, error: { code: CONNECTION_CLOSED_CODE, message: 'Connection closed: the server ended the stream before answering' } });
      }
      options?.onRequestStreamEnd?.();
      onEnd?.(lastEventId);
    };
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => parser.feed(chunk));
    res.once('error', (error) => finish(error));
    res.once('close', () => finish(res.complete ? undefined : new Error('closed'))); // after 'end', or cut short
  }

  /**
   * Opens the standalone GET stream (2025: server-initiated messages, e.g. tools/list_changed). A stream that ends is
   * reopened from its last event id; a failed open counts towards `maxRetries`.
   */
  private openServerStream(lastEventId: string | undefined, attempt: number): void {
    this.request('GET', { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) })
      .then((res) => {
        const status = res.statusCode ?? 0;
        if (status === 405) return drain(res); // the server offers no GET stream
        if (!isSuccess(status) || mediaTypeOf(res.headers['content-type']) !== 'text/event-stream') {
          drain(res);
          throw new SdkHttpError(SdkErrorCode.ClientHttpFailedToOpenStream, `Failed to open SSE stream (HTTP ${status})`, { status, statusText: res.statusMessage });
        }
        this.readEvents(res, undefined, undefined, (last) => this.reconnectServerStream(last ?? lastEventId, 0));
      })
      .catch((error: Error) => {
        if (this.closed) return;
        this.onerror?.(error);
        this.reconnectServerStream(lastEventId, attempt + 1);
      });
  }

  private reconnectServerStream(lastEventId: string | undefined, attempt: number): void {
    if (this.closed) return;
    const { initialDelayMs, maxDelayMs, growFactor, maxRetries } = this.reconnection;
    if (attempt >= maxRetries) {
      this.onerror?.(new Error(`SSE stream: maximum reconnection attempts (${maxRetries}) exceeded`));
      return;
    }
    const delay = this.serverRetryMs ?? Math.min(initialDelayMs * growFactor ** attempt, maxDelayMs);
    this.reconnectTimer = setTimeout(() => this.openServerStream(lastEventId, attempt), delay);
  }
}
