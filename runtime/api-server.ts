/**
 * The HTTP API and web page (node:http, no framework).
 *
 * Routes: `GET /` (page), `GET /healthz`, `GET /readyz`, `GET /api/customers`, `GET /api/customers/{id or name}`,
 * `POST /api/customers/switch`, `GET /api/tools`, `POST /api/tools/call`, `GET /api/servers`; the agent page's
 * per-customer routes (`GET /api/fleet`, `/api/customers/<id>/servers|reconnect|tools|tools/call|client-config`, see
 * {@link CustomerRoutes}); and, when a {@link Gateway} is given, each customer's MCP endpoint under `/customers/<id>/`
 * (`mcp`, `sse`, `messages`), which authorizes with its own per-customer tokens, as does
 * `POST /api/customers/<id>/tools/call`.
 *
 * Security: with a token configured every `/api/` request needs `Authorization: Bearer <token>`; when bound to a
 * loopback address, requests whose `Host` is not a loopback name are refused (DNS-rebinding guard); a browser
 * request from a foreign `Origin` is refused on every route (see {@link originAllowed}); bodies are capped at 1 MiB
 * and validated, tool arguments also in depth; every JSON response passes through the {@link Redactor}; errors never
 * crash the process.
 *
 * Slow clients: headers must arrive within `headersTimeoutMs` and the whole request within `requestTimeoutMs`
 * (checked every ≤ 1 s instead of node's default 30 s); responses, including long-lived event streams, are not bounded
 * by either. Open connections are capped in total (`maxConnections`) and per remote address
 * (`maxConnectionsPerAddress`), so one client cannot take every slot.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { AgentRuntime, UnknownCustomerError } from './agent-runtime.ts';
import { BearerAuth } from './auth.ts';
import { CustomerRoutes } from './api/customer-routes.ts';
import { ServerHealth } from './api/server-health.ts';
import type { ServerHealthOptions } from './api/server-health.ts';
import { toolCallFailure } from './api/tool-call.ts';
import { Gateway } from './gateway/gateway.ts';
import { GatewayAuth } from './gateway/gateway-auth.ts';
import { scrubErrorResult } from './gateway/gateway-results.ts';
import { UpstreamError } from './pool/mcp-connection.ts';
import { RepeatFolder, silentLogger } from './logger.ts';
import type { RuntimeMetrics } from './metrics/runtime-metrics.ts';
import type { Logger } from './logger.ts';
import type { Redactor } from './redact.ts';
import { exceedsDepth, HttpError, jsonType, MAX_ARGUMENT_DEPTH, MAX_BODY_BYTES, readJsonBody, requireObject, requireString } from './transport/request-body.ts';

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** When set, `/api/` requires it as a bearer token. */
  apiToken?: string;
  logger?: Logger;
  /** Directory with index.html, app.js, app.css. Default: `runtime/public`. */
  publicDir?: string;
  /** Largest request body. Default 1 MiB. */
  maxBodyBytes?: number;
  /** The per-customer MCP endpoints; without it `/customers/…` answers 404. Closed by {@link ApiServer.close}. */
  gateway?: Gateway;
  /**
   * Browser origins accepted besides same-origin ones, normalized (`https://host[:port]`, see `parseOrigins`).
   * Default none.
   */
  allowedOrigins?: readonly string[];
  /** Time a client has to send the request headers, ms. Default {@link DEFAULT_HTTP_LIMITS}. */
  headersTimeoutMs?: number;
  /** Time a client has to send the whole request (not the response), ms. Default {@link DEFAULT_HTTP_LIMITS}. */
  requestTimeoutMs?: number;
  /** Most open connections. Default {@link DEFAULT_HTTP_LIMITS}. */
  maxConnections?: number;
  /** Most open connections from one remote address; 0 = no limit. Default {@link DEFAULT_HTTP_LIMITS}. */
  maxConnectionsPerAddress?: number;
  /** Fold repeated failure warnings per this interval, ms; 0 = log every line. Default 10 s. */
  logRepeatIntervalMs?: number;
  /** Serves `GET /metrics` (guarded like `/api`) and counts requests and API tool calls; without it `/metrics` is 404. */
  metrics?: RuntimeMetrics;
  /**
   * The per-customer token policy that `POST /api/customers/<id>/tools/call` applies (the gateway's, so pass the
   * gateway's instance). Default: built from the config with no environment, so customers naming `gateway.token_env`
   * are closed (503) and the others need `apiToken` when set.
   */
  customerAuth?: GatewayAuth;
  /** Throttles and bounds of the page's health checks (`/api/fleet`, `/api/customers/<id>/servers`). */
  health?: ServerHealthOptions;
}

/** Defaults of the HTTP server's slow-client and connection limits. */
export const DEFAULT_HTTP_LIMITS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxConnections: 4_096,
  maxConnectionsPerAddress: 512,
} as const;

/** A started API server. */
export interface ApiServer {
  server: Server;
  /** e.g. `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  /**
   * Stops accepting requests (readyz turns 503 first), closes the gateway's sessions and the connections. Does not
   * close the runtime.
   */
  close(): Promise<void>;
  /**
   * Graceful stop (SIGTERM): /readyz answers 503 at once while everything else is still served for `delayMs` (so load
   * balancers take this replica out), then no new connections are accepted, kept-alive ones close after their
   * current answer, event streams end with a reconnect hint, and requests in flight get up to `timeoutMs` to finish;
   * then {@link close}. Resolves with the number of requests that were cut at the timeout.
   */
  drain(options: { delayMs: number; timeoutMs: number }): Promise<number>;
}

const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** Is `host` a loopback bind address? */
export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Starts the API server; resolves once it listens. */
export async function startApiServer(runtime: AgentRuntime, options: ApiServerOptions): Promise<ApiServer> {
  const logger = options.logger ?? silentLogger;
  const auth = options.apiToken ? new BearerAuth(options.apiToken) : null;
  const publicDir = options.publicDir ?? join(dirname(fileURLToPath(import.meta.url)), 'public');
  const statics = new Map<string, { body: Buffer; type: string }>();
  for (const [path, { file, type }] of Object.entries(STATIC_FILES)) statics.set(path, { body: readFileSync(join(publicDir, file)), type });
  const loopbackOnly = isLoopback(options.host);
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const redactor = runtime.redactor;
  const gateway = options.gateway;
  const metrics = options.metrics;
  const allowedOrigins = options.allowedOrigins ?? [];
  // One folder for the server's own repeated warnings (5xx request lines, failed API tool calls, refused connections).
  const repeats = new RepeatFolder(logger, options.logRepeatIntervalMs === undefined ? {} : { intervalMs: options.logRepeatIntervalMs });
  let listeningUrl = '';
  const health = new ServerHealth(runtime, options.health);
  const customerRoutes = new CustomerRoutes({
    runtime,
    health,
    auth: options.customerAuth ?? new GatewayAuth(runtime.config, {}, options.apiToken),
    ...(gateway && { gateway }),
    ...(metrics && { metrics }),
    logger,
    repeats,
    maxBodyBytes: maxBody,
    baseUrl: () => listeningUrl,
    send: (res, status, body) => sendJson(res, status, body, redactor),
  });
  let shuttingDown = false;
  /** Set once the drain stops accepting: answers then close their connection. */
  let stoppedAccepting = false;
  let inFlight = 0;
  let allAnswered: (() => void) | undefined;

  /** With an API token set: refuses (401) a request of `/api` or `/metrics` that does not carry it. */
  const requireApiToken = (req: IncomingMessage, res: ServerResponse): void => {
    if (!auth || auth.check(req)) return;
    res.setHeader('www-authenticate', 'Bearer realm="mcpfleet-agent"');
    req.resume();
    throw new HttpError(401, 'unauthorized', 'missing or invalid bearer token (Authorization: Bearer <AGENT_API_TOKEN>)');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    inFlight++;
    res.once('close', () => {
      if (--inFlight === 0) allAnswered?.();
      // Draining: a kept-alive connection that just went idle closes now rather than at the final cut.
      if (stoppedAccepting) setImmediate(() => server.closeIdleConnections());
    });
    if (stoppedAccepting) res.setHeader('connection', 'close');
    // The raw path without query; no URL parsing, so "//host/…" cannot change its meaning.
    const path = (req.url ?? '/').split('?')[0]!.split('#')[0]!;
    try {
      res.on('finish', () => {
        metrics?.httpRequest(path, req.method ?? 'GET', res.statusCode);
        // Successful requests are debug: probes hit /healthz every few seconds, and tool calls log their own line.
        const fields = { method: req.method, path: path.slice(0, 200), status: res.statusCode, ms: Math.round((performance.now() - started) * 10) / 10 };
        if (res.statusCode >= 500) {
          // 5xx come in bursts (an upstream outage, a full session table): fold them per method, path and status.
          repeats.log('warn', JSON.stringify(['request', fields.method, fields.path, fields.status]), 'request', fields, { method: fields.method, path: fields.path, status: fields.status });
        } else logger[res.statusCode >= 400 ? 'info' : 'debug']('request', fields);
      });
      if (loopbackOnly && !hostAllowed(req.headers.host)) {
        throw new HttpError(403, 'host_not_allowed', 'Host header is not a loopback name; this server only answers on 127.0.0.1/localhost');
      }
      if (!originAllowed(req.headers.origin, req.headers.host, allowedOrigins)) {
        req.resume();
        throw new HttpError(403, 'origin_not_allowed', `Origin ${JSON.stringify((req.headers.origin ?? '').slice(0, 100))} is not allowed: only same-origin browser requests and the origins in --gateway-allowed-origins are`);
      }
      const method = req.method ?? 'GET';
      const staticFile = statics.get(path);
      if (staticFile) {
        allow(method, ['GET', 'HEAD']);
        res.writeHead(200, { 'content-type': staticFile.type, 'content-length': staticFile.body.length, 'cache-control': 'no-cache', ...PAGE_HEADERS });
        res.end(method === 'HEAD' ? undefined : staticFile.body);
        return;
      }
      if (path === '/healthz') {
        allow(method, ['GET', 'HEAD']);
        return sendJson(res, 200, { status: 'ok' }, redactor);
      }
      if (path === '/readyz') {
        allow(method, ['GET', 'HEAD']);
        if (shuttingDown) return sendJson(res, 503, { ready: false, reason: 'shutting down' }, redactor);
        return sendJson(res, 200, { ready: true, customers: runtime.config.customers.length, current: runtime.current?.name ?? null }, redactor);
      }
      if (path === '/metrics' && metrics) {
        allow(method, ['GET', 'HEAD']);
        requireApiToken(req, res);
        const { text, contentType } = await metrics.scrape();
        res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
        res.end(method === 'HEAD' ? undefined : text);
        return;
      }
      if (CustomerRoutes.matches(path)) {
        // The tool call is authorized by the gateway's per-customer policy (which requires AGENT_API_TOKEN wherever
        // the gateway does); every other page route like the rest of /api.
        if (!CustomerRoutes.isToolCall(path)) requireApiToken(req, res);
        return await customerRoutes.handle(req, res, method, path);
      }
      if (path === '/api' || path.startsWith('/api/')) {
        requireApiToken(req, res);
        return await routeApi(req, res, method, path);
      }
      if (gateway && Gateway.matches(path)) return await gateway.handle(req, res, path);
      throw new HttpError(404, 'not_found', `no route for ${path.slice(0, 100)}`);
    } catch (error) {
      if (error instanceof HttpError) {
        if (error.closeConnection) res.setHeader('connection', 'close');
        const allowed = (error as { allow?: string[] }).allow;
        if (allowed) res.setHeader('allow', allowed.join(', '));
        if (!res.headersSent) sendJson(res, error.status, { error: error.message, code: error.code }, redactor);
        return;
      }
      logger.error('unhandled error', { path: path.slice(0, 200), error: redactor.reason(error instanceof Error ? error.message : String(error)) });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error', code: 'internal' }, redactor);
      else res.destroy();
    }
  };

  const routeApi = async (req: IncomingMessage, res: ServerResponse, method: string, path: string): Promise<void> => {
    if (path === '/api/customers') {
      allow(method, ['GET']);
      return sendJson(res, 200, { customers: runtime.customers(), current: runtime.current?.name ?? null, current_id: runtime.current?.id ?? null }, redactor);
    }
    if (path === '/api/customers/switch') {
      allow(method, ['POST']);
      const body = requireObject(await readJsonBody(req, maxBody), '{"customer": "Segurcaixa"}');
      const name = requireString(body, 'customer');
      try {
        const result = await runtime.switchCustomer(name);
        return sendJson(res, result.success ? 200 : 409, result, redactor);
      } catch (error) {
        if (error instanceof UnknownCustomerError) throw unknownCustomer(runtime, name);
        throw error;
      }
    }
    if (path.startsWith('/api/customers/')) {
      allow(method, ['GET']);
      let name: string;
      try {
        name = decodeURIComponent(path.slice('/api/customers/'.length));
      } catch {
        throw new HttpError(400, 'bad_request', 'customer name in the path is not valid percent-encoding');
      }
      if (!name || name.length > 256) throw new HttpError(400, 'bad_request', 'customer name in the path must be 1–256 characters');
      try {
        const detail = await runtime.customerDetail(name);
        return sendJson(res, 200, gateway ? { ...detail, gateway: gateway.endpoints(detail.id) } : detail, redactor);
      } catch (error) {
        if (error instanceof UnknownCustomerError) throw unknownCustomer(runtime, name);
        throw error;
      }
    }
    if (path === '/api/tools') {
      allow(method, ['GET']);
      const tools = runtime.currentTools();
      if (!tools) throw noCustomer();
      return sendJson(res, 200, { customer: runtime.current?.name ?? null, customer_id: runtime.current?.id ?? null, tool_count: tools.length, tools }, redactor);
    }
    if (path === '/api/servers') {
      allow(method, ['GET']);
      const servers = runtime.servers();
      const current = runtime.current;
      if (!servers || !current) throw noCustomer();
      const checked = servers.map((s) => ({ ...s, last_checked_at: health.lastCheckedAt(current.id, s) }));
      return sendJson(res, 200, { customer: current.name, customer_id: current.id, servers: checked }, redactor);
    }
    if (path === '/api/tools/call') {
      allow(method, ['POST']);
      const body = requireObject(await readJsonBody(req, maxBody), '{"tool": "alertmanager_getAlerts", "arguments": {}}');
      const tool = requireString(body, 'tool', 128);
      const args = body.arguments ?? {};
      if (typeof args !== 'object' || args === null || Array.isArray(args)) {
        throw new HttpError(400, 'bad_request', `field "arguments" must be a JSON object (got ${jsonType(args)})`);
      }
      // Re-sending arguments upstream serializes them recursively; refuse what would overflow the stack there.
      if (exceedsDepth(args, MAX_ARGUMENT_DEPTH)) {
        throw new HttpError(400, 'invalid_arguments', `field "arguments" is nested deeper than ${MAX_ARGUMENT_DEPTH} levels`);
      }
      let outcome;
      const callStarted = performance.now();
      try {
        outcome = await runtime.callTool(tool, args as Record<string, unknown>);
      } catch (error) {
        if (error instanceof UpstreamError) {
          const customer = runtime.current?.id ?? null;
          const exposed = runtime.currentTools()?.find((t) => t.name === tool);
          const server = exposed?.server ?? null;
          if (customer && exposed) {
            const failed = error.failure.reason === 'timeout' ? 'timeout' : 'upstream_error';
            metrics?.toolCall({ customer, server: exposed.server, upstreamTool: exposed.original_name, outcome: failed, durationMs: performance.now() - callStarted });
          }
          const { reason, message } = error.failure;
          repeats.log(
            'warn',
            JSON.stringify(['tool call failed', customer, server, error.stage, reason]),
            'tool call failed',
            { customer, server, tool, stage: error.stage, reason, error: message },
            { customer, server, stage: error.stage, reason },
          );
          const failed = toolCallFailure(error, tool);
          return sendJson(res, failed.status, failed.body, redactor);
        }
        throw error;
      }
      if (outcome === null) throw noCustomer();
      if (runtime.current) {
        metrics?.toolCall({
          customer: runtime.current.id,
          ...(outcome && { server: outcome.tool.server, upstreamTool: outcome.tool.original_name }),
          outcome: outcome === undefined ? 'unknown_tool' : outcome.result.isError ? 'tool_error' : 'ok',
          durationMs: performance.now() - callStarted,
        });
      }
      if (outcome === undefined) throw new HttpError(404, 'unknown_tool', `unknown tool "${tool}" for customer "${runtime.current?.name}" (see GET /api/tools)`);
      logger.info('tool call', { tool, server: outcome.tool.server, is_error: outcome.result.isError === true, ms: Math.round((performance.now() - callStarted) * 10) / 10 });
      const result = outcome.result.isError ? scrubErrorResult(outcome.result, redactor) : outcome.result;
      return sendJson(res, 200, { tool: outcome.tool.name, server: outcome.tool.server, type: outcome.tool.type, original_name: outcome.tool.original_name, result }, redactor);
    }
    throw new HttpError(404, 'not_found', `no API route ${path.slice(0, 100)}`);
  };

  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HTTP_LIMITS.headersTimeoutMs;
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_HTTP_LIMITS.requestTimeoutMs;
  const maxPerAddress = options.maxConnectionsPerAddress ?? DEFAULT_HTTP_LIMITS.maxConnectionsPerAddress;
  const server = createServer(
    {
      headersTimeout,
      // Measured against receiving the request only: once a request is complete its response (a tool call, an
      // event stream held open for hours) is not bounded by it.
      requestTimeout,
      keepAliveTimeout: 5_000,
      // node checks both timeouts on this interval (default 30 s, so a slow client kept its socket up to 30 s past
      // the limit); ≤ 1 s makes the limits what they say.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(Math.min(headersTimeout, requestTimeout) / 4))),
    },
    (req, res) => {
      handle(req, res).catch(() => res.destroy());
    },
  );
  server.maxConnections = options.maxConnections ?? DEFAULT_HTTP_LIMITS.maxConnections;
  server.on('drop', (data?: { remoteAddress?: string }) => {
    repeats.log('warn', 'connection dropped: max connections', 'connection dropped: too many open connections', { address: data?.remoteAddress, limit: server.maxConnections }, { limit: server.maxConnections });
  });
  const perAddress = new Map<string, number>();
  // Prepended, so a refused socket is gone before node's HTTP layer starts reading requests from it.
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const open = (perAddress.get(address) ?? 0) + 1;
    if (maxPerAddress > 0 && open > maxPerAddress) {
      repeats.log('warn', JSON.stringify(['connection refused', address]), 'connection refused: too many connections from one address', { address, limit: maxPerAddress }, { address, limit: maxPerAddress });
      const body = JSON.stringify({ error: `too many open connections from this address (limit ${maxPerAddress}, --http-max-connections-per-address)`, code: 'too_many_connections' });
      socket.on('error', () => {});
      socket.write(`HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      socket.destroy();
      return;
    }
    perAddress.set(address, open);
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // Answer only when no response of ours has started on this socket (else the bytes would corrupt it), then close:
    // destroyed once flushed, so a client that never reads or closes cannot keep a half-open socket.
    const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (!socket.writable || started) {
      socket.destroy();
      return;
    }
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`, () => socket.destroy());
    // end()'s callback waits for the peer to take the bytes; do not wait for a peer that never reads.
    setTimeout(() => socket.destroy(), 1_000).unref();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  listeningUrl = `http://${hostForUrl}:${port}`;
  const close = async (): Promise<void> => {
    shuttingDown = true;
    await Promise.all([gateway?.close(), health.close()]);
    repeats.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 2_000).unref();
    });
  };
  return {
    server,
    port,
    url: `http://${hostForUrl}:${port}`,
    close,
    drain: async ({ delayMs, timeoutMs }) => {
      shuttingDown = true;
      logger.info('draining', { delay_ms: delayMs, timeout_ms: timeoutMs, in_flight: inFlight });
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      stoppedAccepting = true;
      server.close();
      server.closeIdleConnections();
      gateway?.endStreams();
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          allAnswered = resolve;
          timer = setTimeout(resolve, timeoutMs);
        });
        clearTimeout(timer);
      }
      const cut = inFlight;
      await close();
      return cut;
    },
  };
}

function allow(method: string, methods: string[]): void {
  if (!methods.includes(method)) {
    throw Object.assign(new HttpError(405, 'method_not_allowed', `method ${method.slice(0, 20)} not allowed; use ${methods.join(' or ')}`), { allow: methods });
  }
}

/**
 * The MCP spec's Origin rule (servers MUST validate `Origin` against DNS rebinding), applied to every route: a request
 * without `Origin` passes (non-browser clients send none; browsers omit it on same-origin GETs), as does one whose
 * origin names the same host and port as its `Host` header (the runtime's own page POSTing to `/api/…`) or is listed
 * in `allowed`. Anything else, `Origin: null` included, is a page of another site and is refused.
 *
 * Same-origin alone does not stop DNS rebinding (a rebound name is "same-origin" with itself): on a loopback bind the
 * Host guard refuses non-loopback names first; on other binds the tokens have to.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (allowed.includes(url.origin)) return true;
  if (!host) return false;
  const requested = host.trim().toLowerCase();
  const defaultPort = url.protocol === 'https:' ? ':443' : ':80';
  return requested === url.host || requested === `${url.host}${defaultPort}`;
}

function hostAllowed(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return isLoopback(name.toLowerCase());
}

function noCustomer(): HttpError {
  return new HttpError(409, 'no_customer', 'no customer selected; POST /api/customers/switch {"customer": "<name or id>"} first');
}

function unknownCustomer(runtime: AgentRuntime, name: string): HttpError {
  const known = runtime.customers().map((c) => c.id);
  const list = known.length > 20 ? `${known.slice(0, 20).join(', ')}, …` : known.join(', ');
  return new HttpError(404, 'unknown_customer', `unknown customer "${name.slice(0, 100)}"; known ids: ${list}`);
}

/** Serializes, redacts known credential values, and sends a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown, redactor: Redactor): void {
  const text = redactor.redact(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}
