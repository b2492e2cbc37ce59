/**
 * The MCP gateway: one standard MCP server per customer, on the runtime's HTTP port.
 *
 * | Route | What |
 * |---|---|
 * | `POST/GET/DELETE /customers/<id>/mcp` | streamable HTTP (stateful: `Mcp-Session-Id`) |
 * | `GET /customers/<id>/sse` | legacy HTTP+SSE: the event stream; its `endpoint` event names the POST path |
 * | `POST /customers/<id>/messages?sessionId=…` | legacy HTTP+SSE: client → server messages |
 *
 * Any MCP client connects to one URL per customer and sees the union of that customer's servers' tools, namespaced
 * and filtered; see {@link GatewaySession} for what a session does.
 *
 * Isolation: a session belongs to the customer whose path created it. Every request is authorized against the
 * customer in its path ({@link GatewayAuth}), and a session id is only honoured on its own customer's path (elsewhere
 * it is "Session not found", 404), so a session of customer A can never reach customer B's tools.
 *
 * Pool: every session holds a {@link CustomerLease}, so a customer with an open gateway session is never evicted from
 * the LRU pool (its upstream connections and list_changed subscriptions stay up); the pool can then exceed
 * `--pool-size` by the number of such customers. Sessions idle for `idleTimeoutMs` (no request, no open GET stream)
 * are closed, which releases the hold; `maxSessions` bounds the total.
 *
 * The gateway never changes the API's current customer.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { AgentRuntime } from './agent-runtime.ts';
import { GatewayAudit } from './gateway-audit.ts';
import type { GatewayAuth, GatewayAuthMode } from './gateway-auth.ts';
import { GatewaySession, toolListSignature } from './gateway-session.ts';
import type { GatewayTransportKind } from './gateway-session.ts';
import { silentLogger } from './logger.ts';
import type { Logger } from './logger.ts';
import { HttpError, MAX_BODY_BYTES, readJsonBody } from './request-body.ts';

/** Options of {@link Gateway}. */
export interface GatewayOptions {
  auth: GatewayAuth;
  logger?: Logger;
  /** Write argument values into the audit log (`AGENT_AUDIT_ARGUMENTS=1`). Default false. */
  auditArguments?: boolean;
  /** Close sessions with no request and no open stream for this long, ms. Default {@link DEFAULT_IDLE_TIMEOUT_MS}. */
  idleTimeoutMs?: number;
  /** Most sessions open at once, all customers together. Default {@link DEFAULT_MAX_SESSIONS}. */
  maxSessions?: number;
  /** Largest request body. Default 1 MiB. */
  maxBodyBytes?: number;
}

/** Default idle timeout of a gateway session: 15 minutes. */
export const DEFAULT_IDLE_TIMEOUT_MS = 15 * 60_000;
/** Default bound on open gateway sessions. */
export const DEFAULT_MAX_SESSIONS = 1_000;

/** Where a customer's endpoints are, relative to the runtime's URL, and how they are protected. */
export interface GatewayEndpoints {
  mcp: string;
  sse: string;
  auth: GatewayAuthMode;
}

const ROUTE = /^\/customers\/([^/]+)\/(mcp|sse|messages)$/;

/** The per-customer MCP endpoints. */
export class Gateway {
  private readonly runtime: AgentRuntime;
  private readonly auth: GatewayAuth;
  private readonly logger: Logger;
  private readonly audit: GatewayAudit;
  private readonly idleTimeoutMs: number;
  private readonly maxSessions: number;
  private readonly maxBody: number;
  /** Every live session by id (streamable sessions once initialized; SSE sessions from the GET). */
  private readonly sessions = new Map<string, GatewaySession>();
  /** Streamable sessions whose initialize is in progress (counted against `maxSessions`). */
  private pending = 0;
  private readonly byCustomer = new Map<string, Set<GatewaySession>>();
  private readonly changed = new Set<string>();
  private changeScheduled = false;
  private readonly unsubscribe: () => void;
  private readonly sweeper: NodeJS.Timeout;
  private closing = false;

  constructor(runtime: AgentRuntime, options: GatewayOptions) {
    this.runtime = runtime;
    this.auth = options.auth;
    this.logger = (options.logger ?? silentLogger).child({ component: 'gateway' });
    this.audit = new GatewayAudit(this.logger, runtime.redactor, options.auditArguments ?? false);
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    this.maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
    this.unsubscribe = runtime.onToolsChanged((id) => this.scheduleToolsChanged(id));
    this.sweeper = setInterval(() => this.sweepIdle(), Math.max(50, Math.min(30_000, Math.floor(this.idleTimeoutMs / 4))));
    this.sweeper.unref();
    for (const { customer, variable } of this.auth.unsetVariables()) {
      this.logger.warn('gateway token variable is not set; the customer\'s MCP endpoint answers 503 until it is', { customer, variable });
    }
  }

  /** Is this a gateway path (`/customers/…`)? */
  static matches(path: string): boolean {
    return path.startsWith('/customers/');
  }

  /** Number of open sessions, all customers. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Open sessions of one customer. */
  sessionsOf(customerId: string): number {
    return this.byCustomer.get(customerId)?.size ?? 0;
  }

  /** Paths of a customer's endpoints and how they are protected. */
  endpoints(customerId: string): GatewayEndpoints {
    const base = `/customers/${encodeURIComponent(customerId)}`;
    return { mcp: `${base}/mcp`, sse: `${base}/sse`, auth: this.auth.mode(customerId) };
  }

  /**
   * Handles a request under `/customers/`. Throws {@link HttpError} for problems answered before the MCP layer
   * (404 unknown customer or route, 401, 503, 405, 413, 415, 400); the caller turns those into JSON error responses.
   */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const match = ROUTE.exec(path);
    if (!match) throw new HttpError(404, 'not_found', `no route for ${path.slice(0, 100)}; a customer's MCP endpoint is /customers/<id>/mcp (legacy SSE: /customers/<id>/sse)`);
    let id: string;
    try {
      id = decodeURIComponent(match[1]!);
    } catch {
      throw new HttpError(400, 'bad_request', 'customer id in the path is not valid percent-encoding');
    }
    const customer = this.runtime.customerById(id);
    if (!customer) throw new HttpError(404, 'unknown_customer', `unknown customer "${id.slice(0, 100)}"`);
    const verdict = this.auth.check(customer.id, req);
    if (verdict === 'unconfigured') {
      req.resume();
      throw new HttpError(503, 'gateway_token_unset', `the MCP endpoint of customer "${customer.id}" requires a token, but ${this.auth.variableOf(customer.id)} is not set on the agent`);
    }
    if (verdict === 'unauthorized') {
      req.resume();
      res.setHeader('www-authenticate', `Bearer realm="mcpfleet-gateway", error="invalid_token"`);
      throw new HttpError(401, 'unauthorized', `missing or invalid bearer token for customer "${customer.id}"`);
    }
    if (this.closing) {
      req.resume();
      throw new HttpError(503, 'shutting_down', 'the agent is shutting down');
    }
    const route = match[2]!;
    const method = req.method ?? 'GET';
    if (route === 'mcp') return this.handleStreamable(req, res, method, customer.id);
    if (route === 'sse') {
      if (method !== 'GET') throw methodNotAllowed(method, ['GET']);
      return this.openSse(req, res, customer.id);
    }
    if (method !== 'POST') throw methodNotAllowed(method, ['POST']);
    return this.postSseMessage(req, res, customer.id);
  }

  /** Closes every session (releasing their leases) and stops watching tool changes. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper);
    this.unsubscribe();
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
  }

  private async handleStreamable(req: IncomingMessage, res: ServerResponse, method: string, customerId: string): Promise<void> {
    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') throw methodNotAllowed(method, ['POST', 'GET', 'DELETE']);
    const body = method === 'POST' ? await readJsonBody(req, this.maxBody) : undefined;
    const header = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(header) ? header[0] : header;
    if (sessionId !== undefined) {
      const session = this.sessions.get(sessionId);
      if (!session || session.customerId !== customerId || session.kind !== 'streamable-http') {
        req.resume();
        return sendJsonRpcError(res, 404, -32001, 'Session not found');
      }
      session.touch();
      if (method === 'GET') {
        session.openStreams++;
        res.once('close', () => {
          session.openStreams--;
          session.touch();
        });
      }
      await (session.transport as StreamableHTTPServerTransport).handleRequest(req, res, body);
      return;
    }
    if (method !== 'POST' || !isInitialize(body)) {
      req.resume();
      return sendJsonRpcError(res, 400, -32000, 'Bad Request: no valid session ID provided (send initialize first, without Mcp-Session-Id)');
    }
    if (this.sessions.size + this.pending >= this.maxSessions) {
      return sendJsonRpcError(res, 503, -32000, `too many open MCP sessions (limit ${this.maxSessions}); close idle clients or retry later`);
    }
    const id = randomUUID();
    let registered = false;
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      // Plain JSON responses to POSTs (no per-request SSE stream): measurably cheaper, and the gateway sends nothing
      // in-request (no progress); list_changed travels on the client's standalone GET stream.
      enableJsonResponse: true,
      onsessioninitialized: () => {
        registered = true;
        this.register(session);
      },
    });
    const session = this.createSession(id, 'streamable-http', transport, customerId);
    this.pending++;
    try {
      await session.start();
      await transport.handleRequest(req, res, body);
    } finally {
      this.pending--;
      if (!registered) await session.close();
    }
  }

  private async openSse(req: IncomingMessage, res: ServerResponse, customerId: string): Promise<void> {
    if (this.sessions.size + this.pending >= this.maxSessions) {
      req.resume();
      throw new HttpError(503, 'too_many_sessions', `too many open MCP sessions (limit ${this.maxSessions}); close idle clients or retry later`);
    }
    const transport = new SSEServerTransport(`/customers/${encodeURIComponent(customerId)}/messages`, res);
    const session = this.createSession(transport.sessionId, 'sse', transport, customerId);
    session.openStreams = 1;
    this.register(session);
    res.once('close', () => {
      session.openStreams = 0;
      void session.close();
    });
    try {
      await session.start();
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  private async postSseMessage(req: IncomingMessage, res: ServerResponse, customerId: string): Promise<void> {
    const query = (req.url ?? '').split('?')[1] ?? '';
    const sessionId = new URLSearchParams(query).get('sessionId') ?? '';
    const session = this.sessions.get(sessionId);
    if (!session || session.customerId !== customerId || session.kind !== 'sse') {
      req.resume();
      throw new HttpError(404, 'session_not_found', 'Session not found');
    }
    const body = await readJsonBody(req, this.maxBody);
    session.touch();
    await (session.transport as SSEServerTransport).handlePostMessage(req, res, body);
  }

  private createSession(id: string, kind: GatewayTransportKind, transport: StreamableHTTPServerTransport | SSEServerTransport, customerId: string): GatewaySession {
    const { connectMs, callMs } = this.runtime.timeouts;
    return new GatewaySession({
      id,
      kind,
      transport,
      lease: this.runtime.lease(customerId),
      audit: this.audit,
      redactor: this.runtime.redactor,
      logger: this.logger,
      // A call may connect first, then run: both bounds, plus a little for the hops.
      callDeadlineMs: connectMs + callMs + 250,
      readyDeadlineMs: connectMs + 250,
      onClosed: (s) => this.unregister(s),
    });
  }

  private register(session: GatewaySession): void {
    this.sessions.set(session.id, session);
    let set = this.byCustomer.get(session.customerId);
    if (!set) this.byCustomer.set(session.customerId, (set = new Set()));
    set.add(session);
    this.logger.info('gateway session opened', { customer: session.customerId, session: session.id.slice(0, 8), transport: session.kind, sessions: this.sessions.size });
  }

  private unregister(session: GatewaySession): void {
    const known = this.sessions.get(session.id) === session;
    if (known) this.sessions.delete(session.id);
    const set = this.byCustomer.get(session.customerId);
    set?.delete(session);
    if (set && set.size === 0) this.byCustomer.delete(session.customerId);
    if (known) this.logger.info('gateway session closed', { customer: session.customerId, session: session.id.slice(0, 8), transport: session.kind, sessions: this.sessions.size });
  }

  /** Coalesces tool-change events of one event-loop turn, then tells each affected customer's sessions. */
  private scheduleToolsChanged(customerId: string): void {
    if (!this.byCustomer.has(customerId)) return;
    this.changed.add(customerId);
    if (this.changeScheduled) return;
    this.changeScheduled = true;
    setImmediate(() => {
      this.changeScheduled = false;
      const ids = [...this.changed];
      this.changed.clear();
      for (const id of ids) this.announce(id);
    });
  }

  private announce(customerId: string): void {
    const sessions = this.byCustomer.get(customerId);
    const first = sessions?.values().next().value;
    if (!sessions || !first) return;
    // All sessions of a customer share its pooled session and filter, so one of them computes the list for all.
    const signature = toolListSignature(first.currentTools());
    for (const session of sessions) session.toolsChanged(signature);
  }

  private sweepIdle(): void {
    const cutoff = Date.now() - this.idleTimeoutMs;
    for (const session of this.sessions.values()) {
      if (session.openStreams === 0 && session.lastActivity < cutoff) {
        this.logger.info('gateway session idle; closing', { customer: session.customerId, session: session.id.slice(0, 8), idle_ms: Date.now() - session.lastActivity });
        void session.close();
      }
    }
  }
}

function isInitialize(body: unknown): boolean {
  return Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
}

function methodNotAllowed(method: string, allowed: string[]): HttpError {
  return Object.assign(new HttpError(405, 'method_not_allowed', `method ${method.slice(0, 20)} not allowed; use ${allowed.join(' or ')}`), { allow: allowed });
}

function sendJsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
