/**
 * OpenTelemetry traces of gateway tool calls, exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, and nothing at all when it is not: the SDK is then never loaded and
 * {@link traced} is a plain call.
 *
 * Each gateway `tools/call` is a SERVER span (`tools/call <namespaced tool>`) under the trace context the client sent
 * (a new trace without one), with a CLIENT span (`tools/call <upstream tool>`) for the request to the upstream server;
 * the upstream request then carries the CLIENT span's `traceparent` (see trace-context.ts), so the MCP server's own
 * spans hang below the gateway's. Attribute names follow the OpenTelemetry MCP semantic conventions (`mcp.method.name`,
 * `gen_ai.tool.name`, `gen_ai.operation.name`, `error.type`), plus `mcpfleet.customer` and `mcpfleet.server`.
 */
import type { Span, Tracer } from '@opentelemetry/api';
import type { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Logger } from '../logger.ts';
import { currentTraceContext, withTraceContext } from '../transport/trace-context.ts';
import type { TraceContext } from '../transport/trace-context.ts';

/** SpanKind values of @opentelemetry/api (kept here so the API is not loaded when tracing is off). */
const SERVER = 1;
const CLIENT = 2;
/** SpanStatusCode.ERROR. */
const ERROR = 2;

/** The loaded SDK, only when tracing is on. */
interface Otel {
  tracer: Tracer;
  api: typeof import('@opentelemetry/api');
  propagator: W3CTraceContextPropagator;
  shutdown: () => Promise<void>;
}

let otel: Otel | undefined;

/** Is tracing on (an OTLP endpoint configured and the SDK started)? */
export function tracingEnabled(): boolean {
  return otel !== undefined;
}

/**
 * Starts the OpenTelemetry SDK when the environment names an OTLP endpoint; returns whether it did. The exporter
 * reads the standard `OTEL_EXPORTER_OTLP_*` variables (endpoint, headers, timeout) itself; the service name is
 * `OTEL_SERVICE_NAME` or `mcpfleet-agent`.
 */
export async function startTracing(env: NodeJS.ProcessEnv, logger: Logger): Promise<boolean> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return false;
  const [api, { BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, core] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
  ]);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || 'mcpfleet-agent' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 1_000 })],
  });
  otel = { tracer: provider.getTracer('mcpfleet-gateway'), api, propagator: new core.W3CTraceContextPropagator(), shutdown: () => provider.shutdown() };
  logger.info('tracing on', { exporter: 'otlp/http' });
  return true;
}

/** Flushes and stops the exporter (at shutdown). */
export async function stopTracing(): Promise<void> {
  const stopping = otel;
  otel = undefined;
  await stopping?.shutdown().catch(() => {});
}

/** What a span records about a tool call. */
export interface ToolSpan {
  /** The tool name the span is named after (namespaced on the gateway's side, the server's own on the upstream side). */
  tool: string;
  customer: string;
  server?: string;
}

const getter = { get: (carrier: TraceContext, key: string) => carrier[key as keyof TraceContext], keys: (carrier: TraceContext) => Object.keys(carrier) };
const setter = { set: (carrier: Record<string, string>, key: string, value: string) => void (carrier[key] = value) };

/**
 * Runs `work` in a span of `kind` under the current trace context, with the span's context as the current one (so
 * upstream requests sent inside carry it). `failed` names the error type of a result that is an error (a tool error
 * result). Without tracing: `work()`.
 */
export async function traced<T>(kind: 'server' | 'client', span: ToolSpan, work: () => Promise<T>, failed?: (result: T) => string | undefined): Promise<T> {
  if (!otel) return work();
  const { tracer, api, propagator } = otel;
  const incoming = currentTraceContext();
  const parent = incoming ? propagator.extract(api.ROOT_CONTEXT, incoming, getter) : api.ROOT_CONTEXT;
  const active: Span = tracer.startSpan(
    `tools/call ${span.tool}`,
    {
      kind: kind === 'server' ? SERVER : CLIENT,
      attributes: {
        'mcp.method.name': 'tools/call',
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': span.tool,
        'mcpfleet.customer': span.customer,
        ...(span.server !== undefined && { 'mcpfleet.server': span.server }),
      },
    },
    parent,
  );
  const carrier: Record<string, string> = {};
  propagator.inject(api.trace.setSpan(api.ROOT_CONTEXT, active), carrier, setter);
  const context: TraceContext | undefined = carrier.traceparent ? { traceparent: carrier.traceparent, ...(carrier.tracestate && { tracestate: carrier.tracestate }) } : undefined;
  try {
    const result = await withTraceContext(context, work);
    const error = failed?.(result);
    if (error) {
      active.setAttribute('error.type', error);
      active.setStatus({ code: ERROR });
    }
    return result;
  } catch (error) {
    // The type only: an error message may quote an upstream's text.
    active.setAttribute('error.type', error instanceof Error ? error.name : 'error');
    active.setStatus({ code: ERROR });
    throw error;
  } finally {
    active.end();
  }
}
