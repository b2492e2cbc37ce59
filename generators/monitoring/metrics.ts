/**
 * The runtime's metric contract as the generated monitoring uses it (docs/observability.md, "Runtime metrics"):
 * names, labels and the outcomes that count as errors. Alerts and the dashboard use these names only.
 */

/** Counter: tool calls by `customer`, `server`, `tool`, `outcome`. */
export const TOOL_CALLS = 'mcpfleet_tool_calls_total';
/** Gauge: 1 when the runtime's last health probe reached the server, else 0; by `customer`, `server`. */
export const UPSTREAM_UP = 'mcpfleet_upstream_up';
/** Histogram (OpenTelemetry `mcp.client.operation.duration`): by `customer`, `server`, `mcp_method_name`, `error_type`. */
export const CLIENT_DURATION = 'mcp_client_operation_duration_seconds';
export const CLIENT_DURATION_BUCKET = `${CLIENT_DURATION}_bucket`;
/** The `mcp_method_name` whose durations the latency alert and panels use. */
export const TOOLS_CALL_METHOD = 'tools/call';

/** Outcomes of `mcpfleet_tool_calls_total` that are the fleet's fault (the rest are the caller's or the tool's). */
export const ERROR_OUTCOMES = ['upstream_error', 'timeout'] as const;
export const ERROR_OUTCOME_REGEX = ERROR_OUTCOMES.join('|');

/** The label every per-customer series carries. */
export const CUSTOMER_LABEL = 'customer';
export const SERVER_LABEL = 'server';
