/**
 * The agent page's per-customer API (see docs/agent-page.md). Unlike `/api/servers`, `/api/tools` and
 * `/api/tools/call`, these name the customer in the path and never change the runtime's current customer:
 *
 * | Route | What |
 * |---|---|
 * | `GET /api/fleet` | every customer × server: health, last checked, redacted error ({@link ServerHealth.overview}) |
 * | `GET /api/customers/<id>/servers` | the customer's servers, checked first (ping / reconnect), with `last_checked_at` |
 * | `POST /api/customers/<id>/reconnect` | reconnect now, skipping the backoff; body `{"server": "<name>"}` or none (all) |
 * | `GET /api/customers/<id>/tools` | tools after the customer's filter, grouped by server, with descriptions and input schemas |
 * | `POST /api/customers/<id>/tools/call` | call a tool: the gateway's filter and the gateway's bearer tokens |
 * | `GET /api/customers/<id>/client-config` | the gateway endpoint URL and a client config with a token placeholder |
 *
 * Authorization: every route but the tool call is guarded like the rest of `/api` (`AGENT_API_TOKEN`, by the caller).
 * The tool call is authorized exactly as the customer's MCP endpoint is, by the same {@link GatewayAuth}: the
 * customer's own token when its config names `gateway.token_env` (503 while that variable is unset), else
 * `AGENT_API_TOKEN` when set, else nothing. A tool the customer's filter hides does not exist here either (404).
 */
import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentRuntime, CustomerLease, VisibleTool } from '../agent-runtime.ts';
import type { CustomerConfig } from '../config.ts';
import type { Gateway } from '../gateway/gateway.ts';
import type { GatewayAuth } from '../gateway/gateway-auth.ts';
import { scrubErrorResult } from '../gateway/gateway-results.ts';
import type { RepeatFolder } from '../logger.ts';
import type { Logger } from '../logger.ts';
import type { RuntimeMetrics } from '../metrics/runtime-metrics.ts';
import { UpstreamError } from '../pool/mcp-connection.ts';
import type { ServerStatus } from '../pool/mcp-connection.ts';
import { exceedsDepth, HttpError, jsonType, MAX_ARGUMENT_DEPTH, readJsonBody, requireObject, requireString } from '../transport/request-body.ts';
import { baseUrlOf, clientConfig } from './client-config.ts';
import type { Health, HealthError, ServerHealth } from './server-health.ts';
import { toolCallFailure } from './tool-call.ts';

/** A server of `GET /api/customers/<id>/servers`: the connection's status plus health and check time. */
export interface CheckedServer extends ServerStatus {
  health: Health;
  /** When it last answered or failed a connect or ping (ISO 8601). */
  last_checked_at: string | null;
  /** Why it is down, redacted (`last_error` without its time, or the failed ping). */
  error: HealthError | null;
}

/** A tool of `GET /api/customers/<id>/tools`. */
export interface ListedTool {
  /** Namespaced name, the one to call. */
  name: string;
  original_name: string;
  title?: string;
  description?: string;
  input_schema: unknown;
  annotations?: unknown;
}

/** What {@link CustomerRoutes} needs from the server. */
export interface CustomerRoutesOptions {
  runtime: AgentRuntime;
  health: ServerHealth;
  /** The gateway's per-customer token policy, applied to tool calls. */
  auth: GatewayAuth;
  /** For the endpoint paths; absent when the gateway is off. */
  gateway?: Gateway;
  metrics?: RuntimeMetrics;
  logger: Logger;
  repeats: RepeatFolder;
  maxBodyBytes: number;
  /** The listening URL, used when the request's Host header is unusable. */
  baseUrl: () => string;
  /** Sends a JSON answer through the redactor. */
  send: (res: ServerResponse, status: number, body: unknown) => void;
}

const CUSTOMER_ROUTE = /^\/api\/customers\/([^/]+)\/(servers|reconnect|tools|tools\/call|client-config)$/;

/** The routes of the agent page. */
export class CustomerRoutes {
  constructor(private readonly o: CustomerRoutesOptions) {}

  /** Is this one of these routes? */
  static matches(path: string): boolean {
    return path === '/api/fleet' || CUSTOMER_ROUTE.test(path);
  }

  /** Is this the tool call (authorized by the gateway's policy instead of the API token)? */
  static isToolCall(path: string): boolean {
    return CUSTOMER_ROUTE.exec(path)?.[2] === 'tools/call';
  }

  /** Answers a request of a path {@link matches} accepted. Throws {@link HttpError}. */
  async handle(req: IncomingMessage, res: ServerResponse, method: string, path: string): Promise<void> {
    if (path === '/api/fleet') {
      allow(method, ['GET']);
      return this.o.send(res, 200, await this.o.health.overview());
    }
    const match = CUSTOMER_ROUTE.exec(path)!;
    const customer = this.customerOf(match[1]!);
    switch (match[2]) {
      case 'servers':
        allow(method, ['GET']);
        return this.withLease(customer, async (lease) => {
          await this.o.health.checkCustomer(customer.id);
          this.o.send(res, 200, this.serversAnswer(customer, lease));
        });
      case 'reconnect': {
        allow(method, ['POST']);
        const body = await readJsonBody(req, this.o.maxBodyBytes);
        let server: string | undefined;
        if (body !== undefined) {
          const object = requireObject(body, '{"server": "grafana"}');
          if (object.server !== undefined) server = requireString(object, 'server', 128);
        }
        if (server !== undefined && !customer.mcp_servers.some((s) => s.name === server)) {
          throw new HttpError(404, 'unknown_server', `customer "${customer.id}" has no server "${server.slice(0, 100)}" (servers: ${customer.mcp_servers.map((s) => s.name).join(', ') || 'none'})`);
        }
        return this.withLease(customer, async (lease) => {
          const started = performance.now();
          const tried = await this.o.health.reconnect(customer.id, server);
          this.o.logger.info('reconnect requested', { customer: customer.id, servers: tried, ms: Math.round(performance.now() - started) });
          this.o.send(res, 200, { reconnected: tried, ...this.serversAnswer(customer, lease) });
        });
      }
      case 'tools':
        allow(method, ['GET']);
        return this.withLease(customer, async (lease) => {
          this.o.send(res, 200, toolsAnswer(customer, lease.tools(), (name) => this.o.runtime.pooledConnection(customer.id, name)?.state ?? 'idle'));
        });
      case 'tools/call':
        allow(method, ['POST']);
        this.authorize(customer, req, res);
        return this.callTool(customer, req, res);
      default:
        allow(method, ['GET']);
        return this.o.send(
          res,
          200,
          clientConfig(customer, baseUrlOf(req, this.o.baseUrl()), this.o.auth.mode(customer.id), this.o.auth.variableOf(customer.id), this.o.gateway?.endpoints(customer.id)),
        );
    }
  }

  private customerOf(segment: string): CustomerConfig {
    let name: string;
    try {
      name = decodeURIComponent(segment);
    } catch {
      throw new HttpError(400, 'bad_request', 'customer id in the path is not valid percent-encoding');
    }
    const customer = name.length <= 256 ? this.o.runtime.findCustomer(name) : undefined;
    if (!customer) throw new HttpError(404, 'unknown_customer', `unknown customer "${name.slice(0, 100)}" (see GET /api/customers)`);
    return customer;
  }

  /** Holds the customer's session (connected on first use) for the duration of `use`. */
  private async withLease(customer: CustomerConfig, use: (lease: CustomerLease) => Promise<void>): Promise<void> {
    const lease = this.o.runtime.lease(customer.id);
    try {
      await lease.ready();
      await use(lease);
    } finally {
      lease.release();
    }
  }

  private serversAnswer(customer: CustomerConfig, lease: CustomerLease): { customer: string; customer_id: string; servers: CheckedServer[] } {
    const counts = new Map<string, number>();
    for (const t of lease.tools()) counts.set(t.exposed.server, (counts.get(t.exposed.server) ?? 0) + 1);
    const servers: CheckedServer[] = [];
    for (const server of customer.mcp_servers) {
      const status = this.o.runtime.pooledConnection(customer.id, server.name)?.status();
      if (!status) continue;
      const { health, error } = this.o.health.healthOf(customer.id, status);
      servers.push({ ...status, tool_count: counts.get(server.name) ?? 0, health, last_checked_at: this.o.health.lastCheckedAt(customer.id, status), error });
    }
    return { customer: customer.name, customer_id: customer.id, servers };
  }

  /** The gateway's token policy for this customer ({@link GatewayAuth}), with the gateway's answers. */
  private authorize(customer: CustomerConfig, req: IncomingMessage, res: ServerResponse): void {
    const verdict = this.o.auth.check(customer.id, req);
    if (verdict === 'ok') return;
    req.resume();
    if (verdict === 'unconfigured') {
      throw new HttpError(503, 'gateway_token_unset', `tools of customer "${customer.id}" require its token, but ${this.o.auth.variableOf(customer.id)} is not set on the agent`);
    }
    res.setHeader('www-authenticate', 'Bearer realm="mcpfleet-gateway", error="invalid_token"');
    const wanted = this.o.auth.mode(customer.id) === 'customer-token' ? `the customer's token ($${this.o.auth.variableOf(customer.id)})` : 'AGENT_API_TOKEN';
    throw new HttpError(401, 'unauthorized', `missing or invalid bearer token for customer "${customer.id}": calling its tools needs ${wanted}, as its MCP endpoint does`);
  }

  private async callTool(customer: CustomerConfig, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = requireObject(await readJsonBody(req, this.o.maxBodyBytes), '{"tool": "alertmanager_getAlerts", "arguments": {}}');
    const name = requireString(body, 'tool', 128);
    const args = body.arguments ?? {};
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      throw new HttpError(400, 'bad_request', `field "arguments" must be a JSON object (got ${jsonType(args)})`);
    }
    if (exceedsDepth(args, MAX_ARGUMENT_DEPTH)) throw new HttpError(400, 'invalid_arguments', `field "arguments" is nested deeper than ${MAX_ARGUMENT_DEPTH} levels`);
    const { metrics, logger, repeats } = this.o;
    return this.withLease(customer, async (lease) => {
      const found = lease.find(name);
      // A tool the filter hides does not exist for the customer: the same 404 as an unknown one.
      if (!found || !found.allowed) {
        metrics?.toolCall({ customer: customer.id, outcome: 'unknown_tool', durationMs: 0 });
        throw new HttpError(404, 'unknown_tool', `unknown tool "${name}" for customer "${customer.id}" (see GET /api/customers/${encodeURIComponent(customer.id)}/tools)`);
      }
      const tool = found.tool;
      const started = performance.now();
      let result;
      try {
        result = await lease.call(tool, args as Record<string, unknown>);
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        const failed = toolCallFailure(error, name);
        metrics?.toolCall({ customer: customer.id, server: tool.server, upstreamTool: tool.original_name, outcome: error.failure.reason === 'timeout' ? 'timeout' : 'upstream_error', durationMs: performance.now() - started });
        const { reason, message } = error.failure;
        repeats.log(
          'warn',
          JSON.stringify(['tool call failed', customer.id, tool.server, error.stage, reason]),
          'tool call failed',
          { customer: customer.id, server: tool.server, tool: name, stage: error.stage, reason, error: message },
          { customer: customer.id, server: tool.server, stage: error.stage, reason },
        );
        return this.o.send(res, failed.status, failed.body);
      }
      if (result === undefined) throw new HttpError(404, 'unknown_tool', `tool "${name}" of customer "${customer.id}" disappeared from its server's list`);
      const isError = (result as { isError?: unknown }).isError === true;
      metrics?.toolCall({ customer: customer.id, server: tool.server, upstreamTool: tool.original_name, outcome: isError ? 'tool_error' : 'ok', durationMs: performance.now() - started });
      logger.info('tool call', { customer: customer.id, tool: name, server: tool.server, is_error: isError, ms: Math.round((performance.now() - started) * 10) / 10 });
      const shown = isError ? scrubErrorResult(result as Parameters<typeof scrubErrorResult>[0], this.o.runtime.redactor) : result;
      this.o.send(res, 200, { customer_id: customer.id, tool: tool.name, server: tool.server, type: tool.type, original_name: tool.original_name, result: shown });
    });
  }
}

/** The customer's tools grouped by server (config order; servers without tools included). */
export function toolsAnswer(customer: CustomerConfig, tools: VisibleTool[], stateOf: (server: string) => string): Record<string, unknown> {
  const groups = new Map<string, ListedTool[]>(customer.mcp_servers.map((s) => [s.name, []]));
  for (const { exposed, upstream } of tools) {
    groups.get(exposed.server)?.push({
      name: exposed.name,
      original_name: exposed.original_name,
      ...(upstream?.title !== undefined && { title: upstream.title }),
      ...(exposed.description !== undefined && { description: exposed.description }),
      input_schema: exposed.inputSchema,
      ...(exposed.annotations !== undefined && { annotations: exposed.annotations }),
    });
  }
  return {
    customer: customer.name,
    customer_id: customer.id,
    tool_count: tools.length,
    servers: customer.mcp_servers.map((s) => ({ name: s.name, type: s.type, state: stateOf(s.name), tool_count: groups.get(s.name)!.length, tools: groups.get(s.name)! })),
  };
}

function allow(method: string, methods: string[]): void {
  if (!methods.includes(method)) {
    throw Object.assign(new HttpError(405, 'method_not_allowed', `method ${method.slice(0, 20)} not allowed; use ${methods.join(' or ')}`), { allow: methods });
  }
}
