/**
 * What a customer's MCP endpoint does with tools, whatever the protocol revision and transport that carried the
 * request: the visible (filtered, namespaced) tool list, and tools/call routed to the upstream with a hard deadline,
 * failures as tool error results naming the server, and one audit line per call. A 2025 session
 * ({@link GatewaySession}) keeps one for its life; a 2026-07-28 stateless request gets one of its own.
 */
import { performance } from 'node:perf_hooks';
import type { CallToolResult, Progress, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { CustomerLease } from '../agent-runtime.ts';
import { classifyError, TimeoutError } from '../pool/failure.ts';
import type { AuditOutcome, AuditRecord, GatewayAudit } from './gateway-audit.ts';
import { redactValue, relayedError, scrubErrorResult, upstreamErrorResult } from './gateway-results.ts';
import type { RelayedError, UpstreamProblem } from './gateway-results.ts';
import { toMcpTools } from '../sessions/gateway-session.ts';
import { isInputRequired, UpstreamError, withDeadline } from '../pool/mcp-connection.ts';
import type { CallRelay, ClientInput, InputRequiredResult, LogMessage } from '../pool/mcp-connection.ts';
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { Redactor } from '../redact.ts';
import { traceContextFrom, withTraceContext } from '../transport/trace-context.ts';
import { traced } from '../metrics/tracing.ts';
import { sessionLabel } from '../sessions/session-seal.ts';

/** Who is calling, for the audit line. */
export interface CallerInfo {
  /** Session id (2025) or request id (2026), shortened in the log. */
  session: string;
  transport: AuditRecord['transport'];
}

/**
 * A tools/call answer: a result for the client (on the 2026-07-28 face possibly an upstream's `input_required` one, to
 * pass on as it is), or "no such tool" for the SDK layer to turn into JSON-RPC -32602.
 */
export type ToolCallAnswer = { result: CallToolResult | InputRequiredResult } | { unknownTool: string } | { refused: RelayedError };


export interface GatewayToolsOptions {
  lease: CustomerLease;
  audit: GatewayAudit;
  redactor: Redactor;
  /** Hard bound on one tools/call, connect included, ms. */
  callDeadlineMs: number;
  /** Bound on waiting for the customer's first connect before answering, ms. */
  readyDeadlineMs: number;
}

/** What a tools/call handler of either face gets from the SDK (the parts used here). */
export interface ToolCallContext {
  http?: { req?: { headers: { get(name: string): string | null } } };
  mcpReq: { _meta?: Record<string, unknown> & { progressToken?: string | number }; notify(notification: never): Promise<void> };
}

/**
 * Serves one tools/call on either face: runs `call` in the request's trace context (its HTTP headers, or its `_meta`),
 * so the upstream requests it causes carry it on; passes the upstream's progress, and its log lines when `logs`, on to
 * the client; answers "no such tool" as JSON-RPC -32602.
 */
export async function serveToolCall(ctx: ToolCallContext, logs: boolean, call: (relay: CallRelay) => Promise<ToolCallAnswer>): Promise<CallToolResult | InputRequiredResult> {
  const relay = callRelay(ctx.mcpReq._meta?.progressToken, logs, (n) => ctx.mcpReq.notify(n as never));
  const headers = ctx.http?.req?.headers;
  const answer = await withTraceContext(traceContextFrom((name) => headers?.get(name), ctx.mcpReq._meta), () => call(relay.relay));
  await relay.delivered();
  if ('unknownTool' in answer) throw new ProtocolError(ProtocolErrorCode.InvalidParams, answer.unknownTool);
  if ('refused' in answer) throw new ProtocolError(answer.refused.code, answer.refused.message, answer.refused.data);
  return answer.result;
}

/** Sends one notification to the client, on the stream of the request it belongs to. */
type Notify = (notification: { method: 'notifications/progress' | 'notifications/message'; params: Record<string, unknown> }) => Promise<void>;

/**
 * Passes an upstream's progress (under the client's own token) and, when `logs`, its log lines on to the client while
 * a call runs. `delivered()` resolves once everything passed on so far has been written: the handler awaits it
 * before answering, or what the upstream sent just before its result would race the result and be cut off when the
 * stream ends.
 */
function callRelay(token: string | number | undefined, logs: boolean, notify: Notify): { relay: CallRelay; delivered: () => Promise<void> } {
  const sent: Array<Promise<void>> = [];
  const send = (notification: Parameters<Notify>[0]) => sent.push(notify(notification).catch(() => {}));
  return {
    relay: {
      ...(token !== undefined && { onprogress: (progress: Progress) => send({ method: 'notifications/progress', params: { ...progress, progressToken: token } }) }),
      ...(logs && { onlog: (message: LogMessage) => send({ method: 'notifications/message', params: { ...message } }) }),
    },
    delivered: async () => {
      await Promise.all(sent);
    },
  };
}

/** A customer's tool list as its endpoint answers it right now: filtered, namespaced, redacted. */
export function visibleMcpTools(lease: CustomerLease, redactor: Redactor): Tool[] {
  return redactValue(toMcpTools(lease.tools()), redactor);
}

/** The tools of one customer as its MCP endpoint offers them. */
export class GatewayTools {
  readonly customerId: string;
  private readonly opts: GatewayToolsOptions;
  /** The customer's first connect has finished (no need to wait for it again). */
  private ready = false;

  constructor(options: GatewayToolsOptions) {
    this.opts = options;
    this.customerId = options.lease.customer.id;
  }

  /** The tool list to answer tools/list with (after waiting, bounded, for the customer's first connect). */
  async listTools(): Promise<Tool[]> {
    if (!this.ready) await this.waitReady();
    this.opts.lease.reconnectFailed();
    return this.currentTools();
  }

  /** The tool list as it would be answered right now, without waiting for connects. */
  currentTools(): Tool[] {
    return visibleMcpTools(this.opts.lease, this.opts.redactor);
  }

  /**
   * Calls a tool by its namespaced name; never rejects for upstream failures (they become tool error results).
   * `relay` receives the upstream's progress and log lines while the call runs, for the face to pass on.
   *
   * MRTR: `input` is what a 2026-07-28 client sent for the call (its retry's `inputResponses` and `requestState`, its
   * capabilities), passed to the upstream as it is; the upstream's `input_required` answer then comes back as it is
   * (its `requestState` stays the upstream's, opaque here; the retry reaches the same server because it names the same
   * namespaced tool). Without `input` (a 2025 session) such an answer becomes a tool error saying why.
   */
  callTool(name: string, args: Record<string, unknown>, caller: CallerInfo, relay?: CallRelay, input?: ClientInput): Promise<ToolCallAnswer> {
    return traced('server', { tool: name, customer: this.customerId }, () => this.serveCall(name, args, caller, relay, input), answerError);
  }

  private async serveCall(name: string, args: Record<string, unknown>, caller: CallerInfo, relay?: CallRelay, input?: ClientInput): Promise<ToolCallAnswer> {
    const { lease, audit, redactor, callDeadlineMs } = this.opts;
    const started = performance.now();
    const base = { customer: this.customerId, session: sessionLabel(caller.session), transport: caller.transport, tool: name, arguments: args };
    const notFound = `Tool ${name.slice(0, 128)} not found for customer "${this.customerId}"`;
    if (!this.ready) await this.waitReady();
    const found = lease.find(name);
    if (!found || !found.allowed) {
      audit.record({
        ...base,
        ...(found && { server: found.tool.server, upstream_tool: found.tool.original_name }),
        outcome: found ? 'denied' : 'unknown_tool',
        duration_ms: performance.now() - started,
      });
      return { unknownTool: notFound };
    }
    const tool = found.tool;
    let result: CallToolResult | InputRequiredResult;
    let outcome: AuditOutcome;
    let reason: string | undefined;
    try {
      const upstream = traced('client', { tool: tool.original_name, customer: this.customerId, server: tool.server }, () => lease.call(tool, args, relay, input), (r) =>
        r && !isInputRequired(r) && r.isError ? 'tool_error' : undefined,
      );
      const answer = await withDeadline(upstream, callDeadlineMs, callDeadlineMs, 'tool call');
      if (!answer) {
        audit.record({ ...base, server: tool.server, upstream_tool: tool.original_name, outcome: 'unknown_tool', duration_ms: performance.now() - started });
        return { unknownTool: notFound };
      }
      if (isInputRequired(answer)) {
        result = answer;
        outcome = 'input_required';
      } else {
        result = answer.isError ? scrubErrorResult(answer, redactor) : answer;
        outcome = answer.isError ? 'tool_error' : 'ok';
      }
    } catch (error) {
      const refused = relayedError(error, input, redactor);
      if (refused) {
        audit.record({ ...base, server: tool.server, upstream_tool: tool.original_name, outcome: 'refused', reason: String(refused.code), duration_ms: performance.now() - started });
        return { refused };
      }
      const problem: UpstreamProblem =
        error instanceof UpstreamError
          ? { stage: error.stage, failure: error.failure, ...(error.retryInMs ? { retryInMs: error.retryInMs } : {}) }
          : error instanceof TimeoutError
            ? { stage: 'call', failure: { reason: 'timeout', message: `no answer within ${callDeadlineMs} ms` } }
            : { stage: 'call', failure: classifyError(error, redactor) };
      result = upstreamErrorResult(tool, problem);
      outcome = problem.failure.reason === 'timeout' ? 'timeout' : 'upstream_error';
      reason = problem.failure.reason;
    }
    audit.record({ ...base, server: tool.server, upstream_tool: tool.original_name, outcome, ...(reason && { reason }), duration_ms: performance.now() - started });
    return { result: redactValue(result, redactor) };
  }

  /** Waits (bounded) for the customer's first connect; afterwards the wait is skipped. */
  private async waitReady(): Promise<void> {
    const { lease, readyDeadlineMs } = this.opts;
    try {
      await withDeadline(lease.ready(), readyDeadlineMs, readyDeadlineMs, 'connect');
      this.ready = true;
    } catch {
      /* answer with what is known; the next request waits again */
    }
  }
}

/** The error type a span records for an answer that is one (a tool error result, an unknown tool, a refusal). */
function answerError(answer: ToolCallAnswer): string | undefined {
  if ('unknownTool' in answer) return 'unknown_tool';
  if ('refused' in answer) return 'refused';
  return !isInputRequired(answer.result) && answer.result.isError ? 'tool_error' : undefined;
}
