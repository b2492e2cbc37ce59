/**
 * How the HTTP API answers a tool call that failed upstream, shared by `POST /api/tools/call` (current customer) and
 * `POST /api/customers/<id>/tools/call`: 503 when the server is unavailable, 504 on a timeout, 502 otherwise, with
 * the connection's classified (already redacted) failure.
 */
import type { UpstreamError } from '../pool/mcp-connection.ts';

/** Status and JSON body for a failed upstream tool call. */
export function toolCallFailure(error: UpstreamError, tool: string): { status: number; code: string; body: Record<string, unknown> } {
  const unavailable = error.stage === 'connect';
  const timeout = error.failure.reason === 'timeout';
  const status = unavailable ? 503 : timeout ? 504 : 502;
  const code = unavailable ? 'server_unavailable' : timeout ? 'tool_timeout' : 'tool_call_failed';
  return {
    status,
    code,
    body: {
      error: `${unavailable ? 'server unavailable' : 'tool call failed'}: ${error.failure.message}`,
      code,
      tool,
      reason: error.failure.reason,
      ...(error.retryInMs ? { retry_in_ms: error.retryInMs } : {}),
    },
  };
}
