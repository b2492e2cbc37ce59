/**
 * The 2026-07-28 face of a customer's MCP endpoint: stateless requests, each carrying its protocol version, client
 * info and capabilities in `_meta`, served by the SDK v2 entry (`createMcpHandler`) on the same URL as the 2025
 * sessions. The SDK checks what the revision requires before any of our code runs — the `MCP-Protocol-Version`,
 * `Mcp-Method` and `Mcp-Name` headers against the body, the `_meta` envelope, the version (an unsupported one gets
 * `UnsupportedProtocolVersionError` listing ours), the method — answers `server/discover`, serves
 * `subscriptions/listen` streams, and echoes the request id in every error.
 *
 * Each request gets a fresh SDK `Server` (the factory is cheap: it closes over the customer) whose handlers take a
 * lease on the customer for the length of the request, so the pooled upstream connections are shared with the 2025
 * sessions and the agent API, and an idle customer can still be evicted.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { NodeMcpRequestHandler } from '@modelcontextprotocol/node';
import { classifyInboundRequest, CLIENT_CAPABILITIES_META_KEY, createMcpHandler, LOG_LEVEL_META_KEY, ResourceNotFoundError, Server } from '@modelcontextprotocol/server';
import type { McpHttpHandler } from '@modelcontextprotocol/server';
import type { AgentRuntime, CustomerLease } from '../agent-runtime.ts';
import type { GatewayAudit } from './gateway-audit.ts';
import { catalogResult, GatewayCatalog } from './gateway-catalog.ts';
import { GATEWAY_CAPABILITIES, GATEWAY_SERVER_INFO, gatewayInstructions } from '../sessions/gateway-session.ts';
import { GatewayTools, serveToolCall } from './gateway-tools.ts';
import type { Logger } from '../logger.ts';
import type { ClientInput } from '../pool/mcp-connection.ts';
import { headerValue } from '../transport/request-body.ts';

/**
 * Caching hint of the prompts, resources and templates lists: `private`, as they depend on the customer's token and
 * filter, and a TTL of 0, as they are read from the upstreams on every request. tools/list derives its TTL from the
 * upstreams' own (the shortest; 0 when one gives none), as the customer's list changes whenever one of theirs does.
 */
const LIST_CACHE_HINT = { ttlMs: 0, cacheScope: 'private' as const };

/** The client capabilities whose requests an upstream may embed in an `input_required` result (MRTR). */
const INPUT_CAPABILITIES = ['elicitation', 'sampling', 'roots'] as const;

/** What the SDK hands a 2026-07-28 handler about the request (the parts MRTR needs). */
interface ModernRequestContext {
  envelope?: Record<string, unknown>;
  inputResponses?: Record<string, unknown>;
  requestState: () => unknown;
}

/**
 * What an upstream must see of this request for MRTR ({@link ClientInput}): a retry's `inputResponses` (the bare
 * responses; the SDK has already dropped entries of any other shape) and `requestState` as the client sent them, and
 * the client's elicitation, sampling and roots capabilities in place of the gateway's own, so the upstream asks only
 * for input this client can give (the SDK also refuses, -32021, to pass on a request for an undeclared one). The
 * state is not the gateway's: it is the upstream's, integrity-protected (or not) by the upstream, and routed back to
 * it by the namespaced tool or prompt name within this customer's endpoint.
 */
function clientInput(req: ModernRequestContext): ClientInput {
  const declared = req.envelope?.[CLIENT_CAPABILITIES_META_KEY] as Record<string, unknown> | undefined;
  const clientCapabilities = Object.fromEntries(INPUT_CAPABILITIES.filter((c) => declared?.[c] !== undefined).map((c) => [c, declared![c]]));
  const requestState = req.requestState();
  return {
    ...(req.inputResponses !== undefined && { inputResponses: req.inputResponses }),
    ...(typeof requestState === 'string' && { requestState }),
    clientCapabilities,
  };
}

/** Is this request 2026-07-28 traffic (or one the SDK's ladder must refuse as such), not a 2025 session request? */
export function isModernRequest(req: IncomingMessage, body: unknown): boolean {
  const route = classifyInboundRequest({
    httpMethod: req.method ?? 'GET',
    protocolVersionHeader: headerValue(req, 'mcp-protocol-version'),
    mcpMethodHeader: headerValue(req, 'mcp-method'),
    mcpNameHeader: headerValue(req, 'mcp-name'),
    body,
  });
  // A ladder rejection is the modern entry's to answer (it knows the error and status).
  return route.kind !== 'legacy';
}

export interface ModernEndpointOptions {
  runtime: AgentRuntime;
  audit: GatewayAudit;
  logger: Logger;
  /** Hard bound on one tools/call, connect included, ms. */
  callDeadlineMs: number;
  /** Bound on waiting for the customer's first connect before answering, ms. */
  readyDeadlineMs: number;
}

/** One customer's 2026-07-28 endpoint. */
export class ModernEndpoint {
  private readonly handler: McpHttpHandler;
  private readonly node: NodeMcpRequestHandler;

  constructor(
    readonly customerId: string,
    private readonly opts: ModernEndpointOptions,
  ) {
    const onerror = (error: Error) => opts.logger.debug('2026-07-28 request refused or failed', { customer: customerId, error: opts.runtime.redactor.reason(error.message) });
    this.handler = createMcpHandler(() => this.server(), { legacy: 'reject', onerror });
    this.node = toNodeHandler(this.handler, { onerror });
  }

  /** Serves one request (body already read and checked by the gateway). */
  handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    return this.node(req, res, body);
  }

  /** Tells the customer's open `subscriptions/listen` streams that its tool list changed. */
  toolsChanged(): void {
    this.handler.notify.toolsChanged();
  }

  /** Tells the customer's open `subscriptions/listen` streams that its prompts or resources changed. */
  listChanged(kind: 'prompts' | 'resources'): void {
    if (kind === 'prompts') this.handler.notify.promptsChanged();
    else this.handler.notify.resourcesChanged();
  }

  /** Ends open exchanges and subscription streams. */
  close(): Promise<void> {
    return this.handler.close();
  }

  private server(): Server {
    const customer = this.opts.runtime.customerById(this.customerId)!;
    const servers = customer.mcp_servers.map((s) => s.name).join(', ');
    // logging/setLevel is gone in 2026-07-28 (the level travels per request); the rest is as on a 2025 session.
    const { logging: _logging, ...capabilities } = GATEWAY_CAPABILITIES;
    const server = new Server(GATEWAY_SERVER_INFO, { capabilities, instructions: gatewayInstructions(customer.name, servers) });
    server.setRequestHandler('tools/list', async () =>
      this.withTools(async (tools, lease) => ({ tools: await tools.listTools(), ttlMs: lease.toolsTtlMs(), cacheScope: 'private' as const })) as never,
    );
    server.setRequestHandler('tools/call', async (request, ctx) => {
      // The response turns into an event stream when progress comes before the result (the SDK's 'auto' mode).
      // Log lines only for a request that asks for them (its `_meta` log level: 2026-07-28 has no logging/setLevel).
      const logs = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[LOG_LEVEL_META_KEY] !== undefined;
      const input = clientInput(ctx.mcpReq);
      return serveToolCall(ctx, logs, (relay) =>
        this.withTools((tools) => tools.callTool(request.params.name, request.params.arguments ?? {}, { session: String(ctx.mcpReq.id), transport: 'stateless' }, relay, input)),
      ) as never;
    });
    server.setRequestHandler('prompts/list', () => this.withCatalog((c) => c.listPrompts()) as never);
    server.setRequestHandler('prompts/get', (request, ctx) =>
      this.withCatalog(async (c) => catalogResult(await c.getPrompt(request.params.name, request.params.arguments, clientInput(ctx.mcpReq)))) as never,
    );
    server.setRequestHandler('resources/list', () => this.withCatalog(async (c) => ({ ...(await c.listResources()), ...LIST_CACHE_HINT })) as never);
    server.setRequestHandler('resources/templates/list', () => this.withCatalog(async (c) => ({ ...(await c.listResourceTemplates()), ...LIST_CACHE_HINT })) as never);
    server.setRequestHandler('resources/read', (request) =>
      this.withCatalog(async (c) => catalogResult(await c.readResource(request.params.uri), () => new ResourceNotFoundError(request.params.uri))) as never,
    );
    server.setRequestHandler('completion/complete', (request) => this.withCatalog(async (c) => catalogResult(await c.complete(request.params as never))) as never);
    return server;
  }

  /** Runs `work` with the customer's catalog, holding a lease on the customer for its length. */
  private withCatalog<T>(work: (catalog: GatewayCatalog) => Promise<T>): Promise<T> {
    return this.withLease((lease) => work(new GatewayCatalog(lease, this.opts.runtime.redactor)));
  }

  /** Runs `work` with the customer's tools, holding a lease on the customer for its length. */
  private withTools<T>(work: (tools: GatewayTools, lease: CustomerLease) => Promise<T>): Promise<T> {
    const { runtime, audit, callDeadlineMs, readyDeadlineMs } = this.opts;
    return this.withLease((lease) => work(new GatewayTools({ lease, audit, redactor: runtime.redactor, callDeadlineMs, readyDeadlineMs }), lease));
  }

  /** Runs `work` holding a lease on the customer: its pooled connections stay up for the request, not longer. */
  private async withLease<T>(work: (lease: CustomerLease) => Promise<T>): Promise<T> {
    const lease = this.opts.runtime.lease(this.customerId);
    try {
      return await work(lease);
    } finally {
      lease.release();
    }
  }
}
