/**
 * Why talking to an MCP server failed, as a small closed set of reasons plus a bounded, scrubbed message.
 *
 * Upstream error text can echo configuration (and so credentials): HTTP error bodies are never forwarded, only the
 * status; JSON-RPC error messages are forwarded through {@link Redactor.reason}.
 */
import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError, SseError, UnauthorizedError } from '@modelcontextprotocol/client';
import { CONNECTION_CLOSED_CODE } from '../transport/streamable-http-transport.ts';
import type { Redactor } from '../redact.ts';

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

/** The HTTP status carried by an SDK transport error, if any (also behind an era-negotiation error's `cause`). */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof SdkHttpError && error.status >= 100) return error.status;
  if (error instanceof SseError && typeof error.code === 'number' && error.code >= 100) return error.code;
  if (error instanceof Error) {
    // The SDK's SSE transport throws a plain Error for a failed POST.
    const match = /Error POSTing to endpoint \(HTTP (\d{3})\)/.exec(error.message);
    if (match) return Number(match[1]);
  }
  return undefined;
}

/** Does this error say that the server no longer knows our session (HTTP 404 on a request that carried one)? */
export function isSessionExpired(error: unknown): boolean {
  return httpStatusOf(error) === 404;
}

/** JSON-RPC code -32022: the server does not support the protocol version a request claimed (2026-07-28). */
const UNSUPPORTED_PROTOCOL_VERSION = -32022;

/** The JSON-RPC error code in an HTTP error body the transport kept (`SdkHttpError.data.text`), if it is one. */
function bodyErrorCode(error: SdkHttpError): number | undefined {
  const text = error.data.text;
  if (typeof text !== 'string' || !text.startsWith('{')) return undefined;
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'number' ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Does this error say that the server no longer speaks the revision the connection negotiated — it was restarted as
 * another version? On a 2026-07-28 connection: an HTTP 4xx without a JSON-RPC answer (a 2025 server rejects the
 * stateless request: 400 "no session", "unsupported protocol version", 405 for an SSE-only one; auth, 408, 413 and
 * 429 excepted) or error -32022. On a 2025 connection: 400 carrying -32022 (a 2026-only server refusing initialize
 * or a session request); a lost session (404) is {@link isSessionExpired}.
 */
export function isEraMismatch(error: unknown, era: 'modern' | 'legacy'): boolean {
  if (error instanceof ProtocolError) return error.code === UNSUPPORTED_PROTOCOL_VERSION;
  if (!(error instanceof SdkHttpError)) return false;
  const status = error.status;
  if (era === 'legacy') return status === 400 && bodyErrorCode(error) === UNSUPPORTED_PROTOCOL_VERSION;
  return status >= 400 && status < 500 && ![401, 403, 408, 413, 429].includes(status);
}

function errnoCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth++) {
    if (current instanceof SdkError) {
      current = current.cause; // its code is the SDK's, not the system's
      continue;
    }
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
  if (error instanceof ProtocolError) {
    // A JSON-RPC error answer (in-band, or a 2026 400 with one), or the transport's "stream ended before the answer".
    if (error.code === CONNECTION_CLOSED_CODE && /^Connection closed/.test(error.message)) return { reason: 'closed', message: 'connection closed' };
    return { reason: 'protocol', message: redactor.reason(error.message) };
  }
  if (error instanceof UnauthorizedError) return { reason: 'auth', message: 'server requires authorization (401)', status: 401 };
  const status = httpStatusOf(error);
  if (status !== undefined) {
    const text = STATUS_TEXT[status] ?? 'error';
    if (status === 401 || status === 403) return { reason: 'auth', message: `server rejected the request: HTTP ${status} ${text}`, status };
    return { reason: 'http', message: `HTTP ${status} ${text}`, status };
  }
  if (error instanceof SdkError) {
    switch (error.code) {
      case SdkErrorCode.RequestTimeout:
        return { reason: 'timeout', message: 'request timed out' };
      case SdkErrorCode.ConnectionClosed:
      case SdkErrorCode.NotConnected:
        return { reason: 'closed', message: 'connection closed' };
      case SdkErrorCode.ClientHttpUnexpectedContent:
        return { reason: 'protocol', message: 'unexpected response (not MCP: wrong content type)' };
      case SdkErrorCode.EraNegotiationFailed:
        // The version probe failed: the network error (refused, reset, TLS …) is its cause.
        if (error.cause !== undefined) {
          const cause = classifyError(error.cause, redactor);
          return cause.reason === 'error' ? { reason: 'protocol', message: 'protocol version negotiation failed' } : cause;
        }
        return { reason: 'protocol', message: 'protocol version negotiation failed' };
      case SdkErrorCode.InvalidResult:
      case SdkErrorCode.UnsupportedResultType:
      case SdkErrorCode.ListPaginationExceeded:
        return { reason: 'protocol', message: 'invalid MCP message from server' };
      case SdkErrorCode.CapabilityNotSupported:
      case SdkErrorCode.MethodNotSupportedByProtocolVersion:
        return { reason: 'protocol', message: redactor.reason(error.message) };
      default:
        break; // SendFailed, AlreadyConnected …: look at the cause and the message below
    }
  }
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
