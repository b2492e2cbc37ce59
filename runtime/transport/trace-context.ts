/**
 * W3C trace context (`traceparent`, `tracestate`) carried from a gateway request to the upstream requests it causes,
 * so a trace started by the agent continues through the gateway into the MCP server. It rides an AsyncLocalStorage
 * from the gateway's entry (header, or `params._meta.traceparent` on 2026-07-28) down to the runtime's HTTP transport,
 * which adds it to the requests it sends in that context. Values that are not well-formed are dropped, so nothing a
 * client sends reaches an upstream header unchecked.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import { headerValue } from './request-body.ts';

/** The trace context of the request being served. */
export interface TraceContext {
  traceparent: string;
  tracestate?: string;
}

/** version-traceid-parentid-flags; an all-zero trace or parent id is invalid (W3C Trace Context §3.2). */
const TRACEPARENT = /^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
/** Up to 32 list members of key=value, printable ASCII without `,` and `=` in values (W3C §3.3), ≤ 512 characters. */
const TRACESTATE = /^[\x20-\x7e]{1,512}$/;

const storage = new AsyncLocalStorage<TraceContext>();

/** The trace context a request carries in its headers, or else in its body's `params._meta`; undefined without one. */
export function traceContextOf(req: IncomingMessage, body: unknown): TraceContext | undefined {
  return traceContextFrom((name) => headerValue(req, name), (body as { params?: { _meta?: Record<string, unknown> } } | undefined)?.params?._meta);
}

/**
 * The trace context from a header lookup and a request's `_meta`. The SDK handlers use it with the headers the SDK
 * hands them: an SDK transport may run a handler outside the async context the request arrived in.
 */
export function traceContextFrom(header: (name: string) => string | null | undefined, meta: Record<string, unknown> | undefined): TraceContext | undefined {
  const fromMeta = (key: string) => (typeof meta?.[key] === 'string' ? (meta[key] as string) : undefined);
  const traceparent = (header('traceparent') ?? fromMeta('traceparent') ?? undefined)?.trim().toLowerCase();
  if (!traceparent || !TRACEPARENT.test(traceparent)) return undefined;
  const tracestate = (header('tracestate') ?? fromMeta('tracestate') ?? undefined)?.trim();
  return { traceparent, ...(tracestate && TRACESTATE.test(tracestate) && { tracestate }) };
}

/** Runs `work` with `context` as the current trace context (a no-op wrapper without one). */
export function withTraceContext<T>(context: TraceContext | undefined, work: () => T): T {
  return context ? storage.run(context, work) : work();
}

/** The trace context of the request being served now, if any. */
export function currentTraceContext(): TraceContext | undefined {
  return storage.getStore();
}

/** The headers to add to an upstream request sent now: the current trace context, if any. */
export function traceHeaders(): Record<string, string> {
  const context = storage.getStore();
  if (!context) return {};
  return { traceparent: context.traceparent, ...(context.tracestate && { tracestate: context.tracestate }) };
}
