/**
 * The runtime's Prometheus metrics (`GET /metrics`, prom-client on its own registry). Names and labels are the
 * contract of docs/observability.md, which the generated alert rules and dashboard rely on. Every label value is
 * bounded by the config: customers and servers come from mcp_servers.json, tool names from what a server listed
 * (anything else is `other`), routes from a fixed list of templates.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditOutcome } from '../gateway/gateway-audit.ts';

/** One tool call as the gateway's audit and the API see it. */
export interface ToolCallSample {
  customer: string;
  /** The server the tool belongs to; undefined when no server of the customer has it. */
  server?: string;
  /** The server's own name of the tool; set only when the server listed it (the call found it in the tool index). */
  upstreamTool?: string;
  outcome: AuditOutcome;
  durationMs: number;
}

/** Outcomes of calls that reached an upstream server (they time the upstream request). */
const UPSTREAM_OUTCOMES = new Set<AuditOutcome>(['ok', 'tool_error', 'upstream_error', 'timeout', 'input_required', 'refused']);

/** Upper bounds of the duration buckets, seconds: 5 ms … 30 s. */
const DURATION_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** HTTP route templates, so a path never becomes a label value of its own. */
const ROUTES: Array<[RegExp, string]> = [
  [/^\/customers\/[^/]+\/mcp$/, '/customers/:id/mcp'],
  [/^\/customers\/[^/]+\/sse$/, '/customers/:id/sse'],
  [/^\/customers\/[^/]+\/messages$/, '/customers/:id/messages'],
  [/^\/api\/customers\/[^/]+$/, '/api/customers/:id'],
];
// The agent page's per-customer routes (runtime/api/customer-routes.ts): `/api/customers/:id/servers`, ….
const CUSTOMER_SUBROUTE = /^\/api\/customers\/[^/]+\/(servers|reconnect|tools|tools\/call|client-config)$/;
const FIXED_ROUTES = new Set(['/', '/index.html', '/app.js', '/app.css', '/healthz', '/readyz', '/metrics', '/api', '/api/customers', '/api/customers/switch', '/api/tools', '/api/tools/call', '/api/servers', '/api/fleet']);

/** The route template of a request path (`other` for anything unknown). */
export function routeOf(path: string): string {
  if (FIXED_ROUTES.has(path)) return path;
  for (const [pattern, route] of ROUTES) if (pattern.test(path)) return route;
  const sub = CUSTOMER_SUBROUTE.exec(path);
  if (sub) return `/api/customers/:id/${sub[1]}`;
  return 'other';
}

/** What the metrics read from the runtime at scrape time. */
export interface MetricsSources {
  /** Open 2025-era gateway sessions by customer, transport and protocol revision. */
  sessions?: () => Iterable<{ customer: string; transport: string; protocolVersion: string; count: number }>;
  /** Customers with open upstream connections. */
  pooledCustomers?: () => number;
}

export class RuntimeMetrics {
  readonly registry = new Registry();
  private readonly toolCalls: Counter<'customer' | 'server' | 'tool' | 'outcome'>;
  private readonly operationDuration: Histogram<'customer' | 'mcp_method_name' | 'error_type'>;
  private readonly upstreamUp: Gauge<'customer' | 'server'>;
  private readonly connectFailures: Counter<'customer' | 'server' | 'reason'>;
  private readonly httpRequests: Counter<'route' | 'method' | 'status'>;

  constructor(sources: MetricsSources = {}) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // Gauges whose names end in _total, which Prometheus reserves for counters (promtool check metrics flags them).
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
    this.toolCalls = new Counter({
      name: 'mcpfleet_tool_calls_total',
      help: 'Tool calls through the gateway and the HTTP API, by customer, server, tool (the server\'s own name; other when it does not list it) and outcome.',
      labelNames: ['customer', 'server', 'tool', 'outcome'],
      registers,
    });
    this.operationDuration = new Histogram({
      name: 'mcp_client_operation_duration_seconds',
      help: 'Duration of the runtime\'s MCP requests to upstream servers (OpenTelemetry MCP mcp.client.operation.duration), connect wait included.',
      // Per customer, not per server: the buckets are most of a scrape (200 customers × 3 servers made it 1.2 MB and
      // 34 ms); tool calls by server are in mcpfleet_tool_calls_total.
      labelNames: ['customer', 'mcp_method_name', 'error_type'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.upstreamUp = new Gauge({
      name: 'mcpfleet_upstream_up',
      help: '1 when the upstream MCP server answered the last health probe, else 0.',
      labelNames: ['customer', 'server'],
      registers,
    });
    this.connectFailures = new Counter({
      name: 'mcpfleet_upstream_connect_failures_total',
      help: 'Failed connects to upstream MCP servers (health probes included), by reason.',
      labelNames: ['customer', 'server', 'reason'],
      registers,
    });
    this.httpRequests = new Counter({
      name: 'mcpfleet_http_requests_total',
      help: 'HTTP requests to the runtime, by route template, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    const sessions = new Gauge({
      name: 'mcpfleet_gateway_sessions',
      help: 'Open 2025-era gateway sessions by customer, transport and protocol revision (2026-07-28 requests have none).',
      labelNames: ['customer', 'transport', 'protocol_version'],
      registers,
      collect() {
        sessions.reset();
        for (const s of sources.sessions?.() ?? []) sessions.set({ customer: s.customer, transport: s.transport, protocol_version: s.protocolVersion }, s.count);
      },
    });
    const pooled = new Gauge({
      name: 'mcpfleet_pool_customers',
      help: 'Customers with open upstream connections in the pool.',
      registers,
      collect() {
        pooled.set(sources.pooledCustomers?.() ?? 0);
      },
    });
  }

  /** Counts and times one tool call. */
  toolCall(sample: ToolCallSample): void {
    const server = sample.server ?? 'none';
    const tool = sample.server !== undefined && sample.upstreamTool !== undefined ? sample.upstreamTool : 'other';
    this.toolCalls.inc({ customer: sample.customer, server, tool, outcome: sample.outcome });
    if (sample.server !== undefined && UPSTREAM_OUTCOMES.has(sample.outcome)) {
      const errorType = sample.outcome === 'ok' || sample.outcome === 'input_required' ? '' : sample.outcome;
      this.operationDuration.observe({ customer: sample.customer, mcp_method_name: 'tools/call', error_type: errorType }, sample.durationMs / 1000);
    }
  }

  /** The result of a health probe of one upstream server. */
  probe(customer: string, server: string, up: boolean, failureReason?: string): void {
    this.upstreamUp.set({ customer, server }, up ? 1 : 0);
    if (!up && failureReason) this.connectFailures.inc({ customer, server, reason: failureReason });
  }

  /** Counts one answered HTTP request. */
  httpRequest(path: string, method: string, status: number): void {
    this.httpRequests.inc({ route: routeOf(path), method: HTTP_METHODS.has(method) ? method : 'other', status: String(status) });
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS']);
