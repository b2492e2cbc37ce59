/**
 * tools/call on a 2025 streamable HTTP session, answered straight onto `node:http`.
 *
 * Why: through the SDK a session's POST becomes a web `Request`, goes through the transport's checks and the
 * `Server`'s zod validation of the request and of the result (which the upstream's client already validated), and
 * comes back as a web `Response` whose `ReadableStream` is piped onto the socket. Measured under the 50-session load
 * of `pnpm bench:runtime` that was about half the runtime's CPU per call. A well-formed tools/call is the bulk of a
 * gateway's traffic, so it takes this path; everything else (and every tools/call this path is not sure of) goes
 * through the SDK as before.
 *
 * What stays the same, because it is the same code: the call itself is {@link GatewaySession.callTool}, the handler
 * the SDK path runs too (filter, isolation, deadline, audit, redaction, progress and log relay, trace context). What
 * this file repeats of the SDK is only the wire: the transport's checks of `Accept`, `Content-Type` and
 * `MCP-Protocol-Version` (anything they would refuse goes to the SDK to be refused there, in its words), the
 * event-stream framing (`event: message` + `data:`), the JSON-RPC result or error with the request's id, and
 * `notifications/cancelled` (no answer for a cancelled request).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJsonContentType, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { DirectCall, GatewaySession, ToolCallParams } from './gateway-session.ts';
import type { StreamableSessionTransport } from './streamable-session-transport.ts';

type RequestId = string | number;

/** A tools/call request this path serves: one JSON-RPC request whose params the SDK would accept as they are. */
interface DirectToolCall {
  id: RequestId;
  params: ToolCallParams;
}

/**
 * Serves `body` if it is a tools/call this path is sure of: resolves when it has been answered. Undefined when it is
 * not one (hand it to the SDK). `session` must be a streamable HTTP session of the request's customer, whose id the
 * request carries.
 */
export function serveDirectToolCall(session: GatewaySession, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> | undefined {
  const call = directToolCall(body);
  if (!call || !acceptedBySessionTransport(req, session.transport as StreamableSessionTransport)) return undefined;
  return answer(session, req, res, call);
}

/**
 * A client's `notifications/cancelled` for a call this path is serving: the call is answered with nothing (its stream
 * just ends). The notification still goes on to the SDK, which accepts it with 202.
 */
export function cancelDirectToolCall(session: GatewaySession, body: unknown): void {
  const message = body as { method?: unknown; params?: { requestId?: unknown } } | undefined;
  if (message?.method !== 'notifications/cancelled') return;
  const requestId = message.params?.requestId;
  if (typeof requestId === 'string' || typeof requestId === 'number') session.directCalls.get(requestId)?.end();
}

/** `body` as a tools/call this path serves, or undefined. */
function directToolCall(body: unknown): DirectToolCall | undefined {
  if (!isPlainObject(body) || body.jsonrpc !== '2.0' || body.method !== 'tools/call') return undefined;
  const { id, params } = body;
  if (!(typeof id === 'string' || Number.isSafeInteger(id)) || !isPlainObject(params)) return undefined;
  const { name, arguments: args, _meta: meta, task } = params;
  if (typeof name !== 'string' || task !== undefined) return undefined; // task-augmented: how to treat them stays the SDK's
  if (args !== undefined && !isPlainObject(args)) return undefined;
  if (meta !== undefined && !isPlainObject(meta)) return undefined;
  const token = meta?.progressToken;
  if (token !== undefined && typeof token !== 'string' && !Number.isSafeInteger(token)) return undefined;
  return { id: id as RequestId, params: params as unknown as ToolCallParams };
}

/** Would the SDK transport take this POST? (Otherwise it answers 406, 415 or 400, and the SDK path says so.) */
function acceptedBySessionTransport(req: IncomingMessage, transport: StreamableSessionTransport): boolean {
  const accept = req.headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return false;
  if (!isJsonContentType(req.headers['content-type'] ?? null)) return false;
  const version = req.headers['mcp-protocol-version'];
  return version === undefined || (typeof version === 'string' && transport.supportsProtocolVersion(version));
}

async function answer(session: GatewaySession, req: IncomingMessage, res: ServerResponse, { id, params }: DirectToolCall): Promise<void> {
  // The status goes out at once, as the SDK's stream does: a long call must not look like a server that never answered.
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'mcp-session-id': session.id,
  });
  res.flushHeaders();
  let ended = false;
  const open = () => !ended && !res.writableEnded && !res.destroyed;
  const call: DirectCall = { end: () => end() };
  const end = (message?: unknown) => {
    if (open()) res.end(message === undefined ? undefined : event(message));
    ended = true;
    if (session.directCalls.get(id) === call) session.directCalls.delete(id);
  };
  session.directCalls.set(id, call);
  let message: unknown;
  try {
    const result = await session.callTool(params, {
      http: { req: { headers: { get: (name) => headerOf(req, name) } } },
      mcpReq: {
        ...(params._meta && { _meta: params._meta }),
        notify: async (notification: unknown) => {
          if (open()) res.write(event({ jsonrpc: '2.0', ...(notification as object) }));
        },
      },
    });
    message = { result, jsonrpc: '2.0', id };
  } catch (error) {
    const { code, message: text, data } = error as { code?: unknown; message?: string; data?: unknown };
    message = {
      jsonrpc: '2.0',
      id,
      error: { code: Number.isSafeInteger(code) ? code : ProtocolErrorCode.InternalError, message: text ?? 'Internal error', ...(data !== undefined && { data }) },
    };
  }
  end(message);
}

/** One JSON-RPC message as a server-sent event, framed as the SDK frames it. */
function event(message: unknown): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

/** A header as the SDK path's web `Headers.get` gives it: repeated ones joined (`headerValue` keeps the first). */
function headerOf(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : (value ?? null);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
