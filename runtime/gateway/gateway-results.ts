/**
 * Shaping tool results on their way out, shared by the HTTP API (`POST /api/tools/call`) and the MCP gateway:
 *
 * - a tool's own error result (`isError: true`) can echo upstream configuration: its text is pattern-scrubbed and
 *   bounded ({@link scrubErrorResult});
 * - a failure to reach or use an upstream becomes, on the gateway, an MCP tool error result naming the server
 *   ({@link upstreamErrorResult}), never a hang and never an upstream error body;
 * - everything sent passes through the {@link Redactor}, so a known credential value never leaves
 *   ({@link redactValue});
 * - an upstream's refusal of a 2026-07-28 client's multi round-trip retry reaches that client as the JSON-RPC error it
 *   is ({@link relayedError}).
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ExposedTool } from '../pool/customer-session.ts';
import { UpstreamError } from '../pool/mcp-connection.ts';
import type { ClientInput } from '../pool/mcp-connection.ts';
import type { Failure } from '../pool/failure.ts';
import type { Redactor } from '../redact.ts';

/** Longest text kept per content item of a tool *error* result. */
export const MAX_ERROR_TEXT = 2_000;

/** Tool error results can echo upstream configuration: scrub and bound their text. */
export function scrubErrorResult(result: CallToolResult, redactor: Redactor): CallToolResult {
  return {
    ...result,
    content: (result.content ?? []).map((item) => {
      if (item.type !== 'text') return item;
      const text = redactor.scrub(item.text);
      return { ...item, text: text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT - 1)}…` : text };
    }),
  };
}

/** What went wrong between the gateway and the upstream server. */
export interface UpstreamProblem {
  /** `connect`: the server is unavailable (down, in backoff); `call`: the request failed (timeout, reset, …). */
  stage: 'connect' | 'call';
  failure: Failure;
  retryInMs?: number;
}

/**
 * An MCP tool error result for a call the upstream could not serve. The text names the server, its type and the
 * reason (already classified and scrubbed by `failure.ts`), e.g.
 * `server "alertmanager" (alertmanager) is unavailable: connection refused (refused); retry in 500 ms`.
 */
export function upstreamErrorResult(tool: ExposedTool, problem: UpstreamProblem): CallToolResult {
  const { stage, failure, retryInMs } = problem;
  const where = `server "${tool.server}" (${tool.type})`;
  const text =
    stage === 'connect'
      ? `${where} is unavailable: ${failure.message} (${failure.reason})${retryInMs ? `; retry in ${retryInMs} ms` : ''}`
      : `tool ${tool.original_name} on ${where} failed: ${failure.message} (${failure.reason})`;
  return {
    isError: true,
    content: [{ type: 'text', text }],
    _meta: { 'mcpfleet/upstream_error': { server: tool.server, type: tool.type, stage, reason: failure.reason, ...(retryInMs ? { retry_in_ms: retryInMs } : {}) } },
  };
}

/**
 * A deep copy of a JSON value with every known credential value replaced. Returns the value itself when nothing
 * needed replacing (the common case costs one serialization).
 */
export function redactValue<T>(value: T, redactor: Redactor): T {
  if (redactor.size === 0) return value;
  const text = JSON.stringify(value);
  if (text === undefined) return value;
  const redacted = redactor.redact(text);
  return redacted === text ? value : (JSON.parse(redacted) as T);
}

/** An upstream's JSON-RPC error that the client gets as its own (see {@link relayedError}). */
export interface RelayedError {
  code: number;
  message: string;
  data?: unknown;
}

/** JSON-RPC -32602 Invalid Params. */
const INVALID_PARAMS = -32602;
/** JSON-RPC -32021 MissingRequiredClientCapability (2026-07-28). */
const MISSING_CLIENT_CAPABILITY = -32021;

/**
 * Which upstream JSON-RPC errors a 2026-07-28 client (one that sent {@link ClientInput}) gets as JSON-RPC errors of
 * its own rather than as the gateway's failure (a tool error result naming the server; -32603 for a prompt): the ones
 * about the client's own request that only the upstream can judge, in a multi round-trip exchange — a retry's
 * `requestState` or `inputResponses` refused (-32602: tampered, expired or foreign state), and a client capability the
 * request needs but did not declare (-32021). Message and data are redacted like every answer.
 */
export function relayedError(error: unknown, input: ClientInput | undefined, redactor: Redactor): RelayedError | undefined {
  if (!input || !(error instanceof UpstreamError) || !error.rpcError) return undefined;
  const { code, data } = error.rpcError;
  const retry = input.requestState !== undefined || input.inputResponses !== undefined;
  if (code !== MISSING_CLIENT_CAPABILITY && !(code === INVALID_PARAMS && retry)) return undefined;
  return { code, message: error.failure.message, ...(data !== undefined && { data: redactValue(data, redactor) }) };
}
