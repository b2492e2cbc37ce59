/**
 * The gateway's audit trail: one structured log line per `tools/call` through a customer's MCP endpoint, written
 * through the runtime's logger (so it is JSON, on stdout, and redacted like every other line):
 *
 * ```json
 * {"time":"…","level":"info","msg":"gateway tool call","audit":"tools/call","customer":"acme","session":"5f0c1a2b",
 *  "transport":"streamable-http","tool":"alertmanager_getAlerts","server":"alertmanager","upstream_tool":"getAlerts",
 *  "outcome":"ok","duration_ms":4.1}
 * ```
 *
 * `outcome` is one of {@link AuditOutcome}. Argument values are left out unless enabled (`--audit-arguments`,
 * `AGENT_AUDIT_ARGUMENTS=1`); then `arguments` holds the arguments as JSON text, pattern-scrubbed of credentials and
 * cut to {@link MAX_AUDIT_ARGUMENTS} characters. Failures (`upstream_error`, `timeout`) are logged at `warn`, the rest
 * at `info`.
 *
 * Failures are folded: during an upstream outage every call fails at once (the reconnect backoff answers without
 * trying), and one line per call buried everything else (53k lines in 15 s in a probe). The first failure of a
 * customer + server + outcome + reason is logged in full at once; further ones within the interval are counted, and
 * one summary line per interval carries the count (`gateway tool call: repeated N times in the last 10s`,
 * `"repeated": N`). Successes, tool errors and refusals stay one line each.
 */
import { RepeatFolder } from '../logger.ts';
import type { Logger } from '../logger.ts';
import type { Redactor } from '../redact.ts';
import type { RuntimeMetrics } from '../metrics/runtime-metrics.ts';

/**
 * - `ok`: the upstream answered with a result;
 * - `tool_error`: the upstream answered with a tool error result (`isError: true`);
 * - `upstream_error`: the server was unavailable or the request failed (answered as a tool error naming the server);
 * - `timeout`: no answer within the bound (answered as a tool error naming the server);
 * - `unknown_tool`: no such tool for this customer (JSON-RPC error -32602);
 * - `denied`: the tool exists but the customer's filter hides it (answered exactly like `unknown_tool`);
 * - `invalid_arguments`: refused at the edge, before any lookup (arguments nested too deep; JSON-RPC error -32602);
 * - `input_required`: the server asked the client for input (2026-07-28 MRTR), passed on; the client's retry is
 *   another call;
 * - `refused`: the server refused a 2026-07-28 client's multi round-trip retry (its `requestState` or
 *   `inputResponses`, -32602) or a capability it did not declare (-32021); passed on as that JSON-RPC error, `reason`
 *   being the code.
 */
export type AuditOutcome = 'ok' | 'tool_error' | 'upstream_error' | 'timeout' | 'unknown_tool' | 'denied' | 'invalid_arguments' | 'input_required' | 'refused';

/** Longest `arguments` text written to the audit log. */
export const MAX_AUDIT_ARGUMENTS = 2_000;

/** One audited call. */
export interface AuditRecord {
  customer: string;
  /** 8 characters of the gateway session id (`sessionLabel`: enough to correlate, not enough to reuse). */
  session: string;
  /** `streamable-http` and `sse`: a 2025 session; `stateless`: a 2026-07-28 request. */
  transport: 'streamable-http' | 'sse' | 'stateless';
  /** The namespaced name the client called. */
  tool: string;
  server?: string;
  upstream_tool?: string;
  outcome: AuditOutcome;
  duration_ms: number;
  /** Failure reason (`refused`, `timeout`, …) for `upstream_error` and `timeout`; the JSON-RPC code for `refused`. */
  reason?: string;
  arguments?: unknown;
}

/** Writes audit lines. */
export class GatewayAudit {
  private readonly failures: RepeatFolder;

  constructor(
    private readonly logger: Logger,
    private readonly redactor: Redactor,
    /** Include argument values (`AGENT_AUDIT_ARGUMENTS=1`). */
    readonly includeArguments = false,
    /** Fold repeated failure lines per this interval, ms (0: one line per failure). Default 10 s. */
    repeatIntervalMs?: number,
    /** Counts and times every audited call too. */
    private readonly metrics?: RuntimeMetrics,
  ) {
    this.failures = new RepeatFolder(logger, repeatIntervalMs === undefined ? {} : { intervalMs: repeatIntervalMs });
  }

  /** Logs one tool call (a failure possibly folded into a later summary line). */
  record(entry: AuditRecord): void {
    this.metrics?.toolCall({ customer: entry.customer, server: entry.server, upstreamTool: entry.upstream_tool, outcome: entry.outcome, durationMs: entry.duration_ms });
    const { arguments: args, ...fields } = entry;
    const line: Record<string, unknown> = { audit: 'tools/call', ...fields, duration_ms: Math.round(entry.duration_ms * 10) / 10 };
    if (this.includeArguments && args !== undefined) line.arguments = this.argumentsText(args);
    if (entry.outcome === 'upstream_error' || entry.outcome === 'timeout') {
      const { customer, server, outcome, reason } = entry;
      const summary = { audit: 'tools/call', customer, ...(server !== undefined && { server }), outcome, ...(reason !== undefined && { reason }) };
      this.failures.log('warn', JSON.stringify([customer, server ?? '', outcome, reason ?? '']), 'gateway tool call', line, summary);
    } else this.logger.info('gateway tool call', line);
  }

  /** Writes the pending summaries of folded failure lines (at shutdown). */
  close(): void {
    this.failures.close();
  }

  private argumentsText(args: unknown): string {
    let text: string;
    try {
      text = JSON.stringify(args) ?? 'null';
    } catch {
      return '(unserializable)';
    }
    const scrubbed = this.redactor.scrub(text);
    return scrubbed.length > MAX_AUDIT_ARGUMENTS ? `${scrubbed.slice(0, MAX_AUDIT_ARGUMENTS - 1)}…` : scrubbed;
  }
}
