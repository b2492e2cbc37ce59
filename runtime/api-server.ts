/**
 * The HTTP API and web page (node:http, no framework).
 *
 * Routes: `GET /` (page), `GET /healthz`, `GET /readyz`, `GET /api/customers`, `GET /api/customers/{id or name}`,
 * `POST /api/customers/switch`, `GET /api/tools`, `POST /api/tools/call`, `GET /api/servers`; and, when a
 * {@link Gateway} is given, each customer's MCP endpoint under `/customers/<id>/` (`mcp`, `sse`, `messages`), which
 * authorizes with its own per-customer tokens.
 *
 * Security: with a token configured every `/api/` request needs `Authorization: Bearer <token>`; when bound to a
 * loopback address, requests whose `Host` is not a loopback name are refused (DNS-rebinding guard); bodies are capped
 * at 1 MiB and validated; every JSON response passes through the {@link Redactor}; errors never crash the process.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { AgentRuntime, UnknownCustomerError } from './agent-runtime.ts';
import { BearerAuth } from './auth.ts';
import { Gateway } from './gateway.ts';
import { scrubErrorResult } from './gateway-results.ts';
import { UpstreamError } from './mcp-connection.ts';
import { silentLogger } from './logger.ts';
import type { Logger } from './logger.ts';
import type { Redactor } from './redact.ts';
import { HttpError, jsonType, MAX_BODY_BYTES, readJsonBody, requireObject, requireString } from './request-body.ts';

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
}

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
  let shuttingDown = false;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    // The raw path without query; no URL parsing, so "//host/…" cannot change its meaning.
    const path = (req.url ?? '/').split('?')[0]!.split('#')[0]!;
    try {
      res.on('finish', () => {
        // Successful requests are debug: probes hit /healthz every few seconds, and tool calls log their own line.
        const level = res.statusCode >= 500 ? 'warn' : res.statusCode >= 400 ? 'info' : 'debug';
        logger[level]('request', { method: req.method, path: path.slice(0, 200), status: res.statusCode, ms: Math.round((performance.now() - started) * 10) / 10 });
      });
      if (loopbackOnly && !hostAllowed(req.headers.host)) {
        throw new HttpError(403, 'host_not_allowed', 'Host header is not a loopback name; this server only answers on 127.0.0.1/localhost');
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
      if (path === '/api' || path.startsWith('/api/')) {
        if (auth && !auth.check(req)) {
          res.setHeader('www-authenticate', 'Bearer realm="mcpfleet-agent"');
          req.resume();
          throw new HttpError(401, 'unauthorized', 'missing or invalid bearer token (Authorization: Bearer <AGENT_API_TOKEN>)');
        }
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
      if (!servers) throw noCustomer();
      return sendJson(res, 200, { customer: runtime.current?.name ?? null, customer_id: runtime.current?.id ?? null, servers }, redactor);
    }
    if (path === '/api/tools/call') {
      allow(method, ['POST']);
      const body = requireObject(await readJsonBody(req, maxBody), '{"tool": "alertmanager_getAlerts", "arguments": {}}');
      const tool = requireString(body, 'tool', 128);
      const args = body.arguments ?? {};
      if (typeof args !== 'object' || args === null || Array.isArray(args)) {
        throw new HttpError(400, 'bad_request', `field "arguments" must be a JSON object (got ${jsonType(args)})`);
      }
      let outcome;
      const callStarted = performance.now();
      try {
        outcome = await runtime.callTool(tool, args as Record<string, unknown>);
      } catch (error) {
        if (error instanceof UpstreamError) {
          logger.warn('tool call failed', { tool, stage: error.stage, reason: error.failure.reason, error: error.failure.message });
          const status = error.stage === 'connect' ? 503 : error.failure.reason === 'timeout' ? 504 : 502;
          const code = error.stage === 'connect' ? 'server_unavailable' : error.failure.reason === 'timeout' ? 'tool_timeout' : 'tool_call_failed';
          return sendJson(
            res,
            status,
            {
              error: `${error.stage === 'connect' ? 'server unavailable' : 'tool call failed'}: ${error.failure.message}`,
              code,
              tool,
              reason: error.failure.reason,
              ...(error.retryInMs ? { retry_in_ms: error.retryInMs } : {}),
            },
            redactor,
          );
        }
        throw error;
      }
      if (outcome === null) throw noCustomer();
      if (outcome === undefined) throw new HttpError(404, 'unknown_tool', `unknown tool "${tool}" for customer "${runtime.current?.name}" (see GET /api/tools)`);
      logger.info('tool call', { tool, server: outcome.tool.server, is_error: outcome.result.isError === true, ms: Math.round((performance.now() - callStarted) * 10) / 10 });
      const result = outcome.result.isError ? scrubErrorResult(outcome.result, redactor) : outcome.result;
      return sendJson(res, 200, { tool: outcome.tool.name, server: outcome.tool.server, type: outcome.tool.type, original_name: outcome.tool.original_name, result }, redactor);
    }
    throw new HttpError(404, 'not_found', `no API route ${path.slice(0, 100)}`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 120_000;
  server.keepAliveTimeout = 5_000;
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
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
  return {
    server,
    port,
    url: `http://${hostForUrl}:${port}`,
    close: async () => {
      shuttingDown = true;
      await gateway?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
    },
  };
}

function allow(method: string, methods: string[]): void {
  if (!methods.includes(method)) {
    throw Object.assign(new HttpError(405, 'method_not_allowed', `method ${method.slice(0, 20)} not allowed; use ${methods.join(' or ')}`), { allow: methods });
  }
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
