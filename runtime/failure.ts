/**
 * Why talking to an MCP server failed, as a small closed set of reasons plus a bounded, scrubbed message.
 *
 * Upstream error text can echo configuration (and so credentials): HTTP error bodies are never forwarded, only the
 * status; JSON-RPC error messages are forwarded through {@link Redactor.reason}.
 */
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Redactor } from './redact.ts';

/**
 * - `refused`: nothing listens at the address (connection refused).
 * - `unreachable`: the host name does not resolve or the network is unreachable.
 * - `timeout`: no answer within the configured time.
 * - `tls`: the HTTPS handshake failed (certificate not trusted, expired, for another name).
 * - `auth`: the server answered 401/403.
 * - `http`: another HTTP error status (e.g. 404: no MCP endpoint at that URL, 5xx).
 * - `protocol`: the server answered, but not with valid MCP (bad content type, JSON-RPC error, invalid data).
 * - `closed`: the connection was reset or closed mid-session.
 * - `error`: anything else.
 */
export type FailureReason = 'refused' | 'unreachable' | 'timeout' | 'tls' | 'auth' | 'http' | 'protocol' | 'closed' | 'error';

/** A classified failure; `message` is safe to return and log. */
export interface Failure {
  reason: FailureReason;
  message: string;
  /** HTTP status when the server answered with one. */
  status?: number;
}

/** Raised by our own deadlines. */
export class TimeoutError extends Error {
  constructor(readonly ms: number, what = 'operation') {
    super(`${what} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'bad request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not found',
  405: 'method not allowed',
  406: 'not acceptable',
  409: 'conflict',
  415: 'unsupported media type',
  429: 'too many requests',
  500: 'internal server error',
  502: 'bad gateway',
  503: 'service unavailable',
  504: 'gateway timeout',
};

/** OpenSSL/Node codes of certificate and handshake failures (`DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`, …). */
const TLS_ERROR_CODE = /CERT|_SIGNATURE|^ERR_(SSL|TLS)_|^EPROTO$/;

/** The HTTP status carried by an SDK transport error, if any. */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof StreamableHTTPError && typeof error.code === 'number' && error.code >= 100) return error.code;
  if (error instanceof SseError && typeof error.code === 'number' && error.code >= 100) return error.code;
  if (error instanceof Error) {
    const match = /Error POSTing to endpoint \(HTTP (\d{3})\)/.exec(error.message);
    if (match) return Number(match[1]);
  }
  return undefined;
}

/** Does this error say that the server no longer knows our session (HTTP 404 on a request that carried one)? */
export function isSessionExpired(error: unknown): boolean {
  return httpStatusOf(error) === 404;
}

function errnoCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors[0]) {
      current = errors[0];
      continue;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Classifies any error thrown while connecting to or calling an MCP server. */
export function classifyError(error: unknown, redactor: Redactor): Failure {
  if (error instanceof TimeoutError) return { reason: 'timeout', message: `no answer within ${error.ms} ms` };
  if (error instanceof McpError) {
    if (error.code === ErrorCode.RequestTimeout) return { reason: 'timeout', message: 'request timed out' };
    if (error.code === ErrorCode.ConnectionClosed) return { reason: 'closed', message: 'connection closed' };
    return { reason: 'protocol', message: redactor.reason(error.message) };
  }
  if (error instanceof UnauthorizedError) return { reason: 'auth', message: 'server requires authorization (401)', status: 401 };
  const status = httpStatusOf(error);
  if (status !== undefined) {
    const text = STATUS_TEXT[status] ?? 'error';
    if (status === 401 || status === 403) return { reason: 'auth', message: `server rejected the request: HTTP ${status} ${text}`, status };
    return { reason: 'http', message: `HTTP ${status} ${text}`, status };
  }
  if (error instanceof StreamableHTTPError) return { reason: 'protocol', message: 'unexpected response (not MCP: wrong content type)' };
  const code = errnoCode(error);
  switch (code) {
    case 'ECONNREFUSED':
      return { reason: 'refused', message: 'connection refused' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { reason: 'unreachable', message: 'host name does not resolve' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { reason: 'unreachable', message: 'host unreachable' };
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return { reason: 'timeout', message: 'network timeout' };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return { reason: 'closed', message: 'connection reset by server' };
    default:
      if (code && TLS_ERROR_CODE.test(code)) return { reason: 'tls', message: `TLS handshake failed: ${code}` };
      break;
  }
  const message = messageOf(error);
  if (error instanceof SseError) {
    if (/ECONNREFUSED|fetch failed/i.test(message)) return { reason: 'refused', message: 'connection refused' };
    return { reason: 'closed', message: 'SSE stream failed' };
  }
  if ((error as { name?: string })?.name === 'AbortError') return { reason: 'timeout', message: 'request aborted' };
  if (/^Not connected$|Connection closed/i.test(message)) return { reason: 'closed', message: 'connection closed' };
  if (error instanceof SyntaxError || (error as { name?: string })?.name === 'ZodError' || /invalid_(type|union)|Unexpected token/.test(message)) {
    return { reason: 'protocol', message: 'invalid MCP message from server' };
  }
  if (/fetch failed/i.test(message)) return { reason: 'refused', message: 'connection failed' };
  return { reason: 'error', message: redactor.reason(message) };
}

/** Failures that mean the connection itself is unusable (as opposed to one request failing). */
export function isConnectionFailure(failure: Failure): boolean {
  return failure.reason === 'refused' || failure.reason === 'unreachable' || failure.reason === 'tls' || failure.reason === 'closed' || failure.reason === 'auth' || (failure.reason === 'http' && failure.status !== undefined && failure.status >= 500);
}
