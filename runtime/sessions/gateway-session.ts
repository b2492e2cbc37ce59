/**
 * One MCP client session on a customer's gateway endpoint: an SDK `Server` over one transport (streamable HTTP or
 * legacy SSE), bound for its whole life to one customer's {@link CustomerLease}. It can only ever see and call that
 * customer's tools: the lease is the only thing it holds, so there is nothing to route to another customer.
 *
 * - `tools/list`: the customer's tools after its filter, namespaced (`<server>_<tool>`), with the upstream's full
 *   definition (title, outputSchema, annotations) under the new name.
 * - `tools/call`: routed to the upstream connection of the tool's server ({@link GatewaySession.callTool}; on a
 *   streamable session a well-formed call reaches it without the SDK, see direct-tool-call.ts). Unknown and filtered-out names answer
 *   JSON-RPC -32602 alike. Upstream failures (down, backoff, reset, timeout) answer an MCP tool error result
 *   (`isError: true`) naming the server, within a hard deadline (connect + call timeout). Every call writes one audit
 *   line ({@link GatewayAudit}).
 * - `notifications/tools/list_changed` is sent when the customer's visible tool list differs from what this session
 *   last listed ({@link GatewaySession.toolsChanged}).
 */
import { createHash } from 'node:crypto';
import type { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { ResourceNotFoundError, Server } from '@modelcontextprotocol/server';
import type { CustomerLease, VisibleTool } from '../agent-runtime.ts';
import type { GatewayAudit } from '../gateway/gateway-audit.ts';
import { catalogResult, GatewayCatalog } from '../gateway/gateway-catalog.ts';
import { GatewayTools, serveToolCall } from '../gateway/gateway-tools.ts';
import type { ToolCallContext } from '../gateway/gateway-tools.ts';
import type { Logger } from '../logger.ts';
import type { Redactor } from '../redact.ts';
import { sessionLabel } from './session-seal.ts';
import type { StreamableSessionTransport } from './streamable-session-transport.ts';

/** The transport a gateway session runs over. */
export type GatewayTransportKind = 'streamable-http' | 'sse';

/** What a session needs from the gateway. */
export interface GatewaySessionOptions {
  /** The session id (the streamable `Mcp-Session-Id`, or the SSE `sessionId`). */
  id: string;
  kind: GatewayTransportKind;
  /** Streamable HTTP: the SDK v2 transport; legacy SSE: the v1 one (v2 has no SSE server), which v2's Server drives alike. */
  transport: StreamableSessionTransport | SSEServerTransport;
  lease: CustomerLease;
  audit: GatewayAudit;
  redactor: Redactor;
  logger: Logger;
  /** Hard bound on one tools/call, connect included, ms. */
  callDeadlineMs: number;
  /** Bound on waiting for the customer's first connect before answering tools/list, ms. */
  readyDeadlineMs: number;
  /** Whether another session of the customer watches this gateway resource URI (then it stays watched upstream). */
  watchedElsewhere?: (uri: string) => boolean;
  /** Called once when the session has closed (client DELETE, stream closed, idle, shutdown). */
  onClosed: (session: GatewaySession) => void;
}

/** Name and version the gateway reports in `initialize`. */
export const GATEWAY_SERVER_INFO = { name: 'mcpfleet-gateway', version: '0.1.0' };

/** The MCP tool list a client sees for a set of visible tools (upstream definitions under namespaced names). */
export function toMcpTools(tools: readonly VisibleTool[]): Tool[] {
  return tools.map(({ exposed, upstream }) => {
    if (!upstream) {
      return {
        name: exposed.name,
        ...(exposed.description !== undefined && { description: exposed.description }),
        inputSchema: exposed.inputSchema,
        ...(exposed.annotations && { annotations: exposed.annotations }),
      };
    }
    // `execution` (task support) is left out: the gateway answers tools/call directly, without tasks.
    const { execution: _execution, ...rest } = upstream;
    return { ...rest, name: exposed.name };
  });
}

/** What a customer's endpoint offers, on either protocol face. */
export const GATEWAY_CAPABILITIES = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { listChanged: true },
  completions: {},
  logging: {},
};

/** The `instructions` of a customer's endpoint. */
export function gatewayInstructions(customerName: string, servers: string): string {
  return `Tools, prompts and resources of ${customerName}'s MCP servers (${servers}): tools and prompts are named <server>_<name>, resource URIs are mcpfleet://<server>/<uri>.`;
}

/** A short fingerprint of a tool list, to tell whether it changed. */
export function toolListSignature(tools: readonly Tool[]): string {
  return createHash('sha256').update(JSON.stringify(tools)).digest('base64url').slice(0, 22);
}

/** The params of a tools/call request, as the SDK's schema accepts them. */
export interface ToolCallParams {
  name: string;
  arguments?: Record<string, unknown>;
  _meta?: Record<string, unknown> & { progressToken?: string | number };
}

/** A tools/call being answered outside the SDK (direct-tool-call.ts). */
export interface DirectCall {
  /** Ends its stream without an answer (the client cancelled it, or the session closed). */
  end(): void;
}

/** One client session of a customer's MCP endpoint. */
export class GatewaySession {
  readonly id: string;
  readonly kind: GatewayTransportKind;
  readonly customerId: string;
  readonly server: Server;
  readonly transport: StreamableSessionTransport | SSEServerTransport;
  /** `Date.now()` of the last request seen on this session. */
  lastActivity = Date.now();
  /** Open long-lived GET streams (the streamable standalone stream, or the SSE stream itself). */
  openStreams = 0;
  /** tools/call requests being answered outside the SDK, by request id (direct-tool-call.ts). */
  readonly directCalls = new Map<string | number, DirectCall>();

  private readonly opts: GatewaySessionOptions;
  private readonly tools: GatewayTools;
  private readonly catalog: GatewayCatalog;
  /** Has the client asked for log lines (logging/setLevel)? */
  private logLevelSet = false;
  /** Gateway URIs of the resources this session's client watches. */
  private readonly subscriptions = new Set<string>();
  private listedSignature: string | undefined;
  private notifiedSignature: string | undefined;
  private closed = false;

  constructor(options: GatewaySessionOptions) {
    this.opts = options;
    this.id = options.id;
    this.kind = options.kind;
    this.transport = options.transport;
    this.customerId = options.lease.customer.id;
    this.tools = new GatewayTools(options);
    this.catalog = new GatewayCatalog(options.lease, options.redactor);
    const customer = options.lease.customer;
    const servers = customer.mcp_servers.map((s) => s.name).join(', ');
    this.server = new Server(GATEWAY_SERVER_INFO, {
      // resources/subscribe is a 2025 method (2026-07-28 watches resources on its listen stream instead).
      capabilities: { ...GATEWAY_CAPABILITIES, resources: { ...GATEWAY_CAPABILITIES.resources, subscribe: true } },
      instructions: gatewayInstructions(customer.name, servers),
    });
    this.server.onclose = () => this.dispose();
    this.server.setRequestHandler('tools/list', async () => {
      this.touch();
      const tools = await this.listTools();
      this.listedSignature = toolListSignature(tools);
      this.notifiedSignature = undefined;
      return { tools } as never;
    });
    this.server.setRequestHandler('tools/call', (request, ctx) => this.callTool(request.params, ctx) as never);
    const touched = <T>(work: () => Promise<T>): Promise<never> => {
      this.touch();
      return work() as Promise<never>;
    };
    this.server.setRequestHandler('prompts/list', () => touched(() => this.catalog.listPrompts()));
    this.server.setRequestHandler('prompts/get', (request) => touched(async () => catalogResult(await this.catalog.getPrompt(request.params.name, request.params.arguments))));
    this.server.setRequestHandler('resources/list', () => touched(() => this.catalog.listResources()));
    this.server.setRequestHandler('resources/templates/list', () => touched(() => this.catalog.listResourceTemplates()));
    this.server.setRequestHandler('resources/read', (request) =>
      touched(async () => catalogResult(await this.catalog.readResource(request.params.uri), () => new ResourceNotFoundError(request.params.uri))),
    );
    this.server.setRequestHandler('resources/subscribe', (request) =>
      touched(async () => {
        const result = catalogResult(await this.catalog.subscription(request.params.uri, true), () => new ResourceNotFoundError(request.params.uri));
        this.subscriptions.add(request.params.uri);
        return result;
      }),
    );
    this.server.setRequestHandler('resources/unsubscribe', (request) =>
      touched(async () => {
        this.subscriptions.delete(request.params.uri);
        // The upstream subscription is the customer's: it ends with the last session that watches the resource.
        if (this.opts.watchedElsewhere?.(request.params.uri)) return {};
        return catalogResult(await this.catalog.subscription(request.params.uri, false), () => new ResourceNotFoundError(request.params.uri));
      }),
    );
    this.server.setRequestHandler('completion/complete', (request) => touched(async () => catalogResult(await this.catalog.complete(request.params as never))));
    this.server.setRequestHandler('logging/setLevel', (request) =>
      touched(async () => {
        await this.catalog.setLoggingLevel(request.params.level);
        this.logLevelSet = true;
        return {};
      }),
    );
    // Start connecting the customer's servers now, so the first tools/list finds them (or their failures) ready.
    void options.lease.ready().catch(() => {});
  }

  /**
   * Answers a tools/call: the SDK's handler, and the direct path's (direct-tool-call.ts). Log lines go to a session
   * whose client asked for them (logging/setLevel).
   */
  callTool(params: ToolCallParams, ctx: ToolCallContext): ReturnType<typeof serveToolCall> {
    this.touch();
    return serveToolCall(ctx, this.logLevelSet, (relay) => this.tools.callTool(params.name, params.arguments ?? {}, { session: this.id, transport: this.kind }, relay));
  }

  /** Connects the SDK server to the transport (for SSE this opens the event stream). */
  async start(): Promise<void> {
    await this.server.connect(this.transport);
  }

  /** Marks activity (a request arrived). */
  touch(): void {
    this.lastActivity = Date.now();
  }

  /**
   * The customer's visible tool list may have changed: if it differs from what this session last listed (and was
   * not already announced), sends `notifications/tools/list_changed`. Sessions that never listed are not told.
   */
  toolsChanged(signature: string): void {
    if (this.closed || this.listedSignature === undefined) return;
    if (signature === this.listedSignature || signature === this.notifiedSignature) return;
    this.notifiedSignature = signature;
    this.server.sendToolListChanged().catch((error: unknown) => {
      this.opts.logger.debug('list_changed not delivered', { session: sessionLabel(this.id), error: this.opts.redactor.reason(String(error)) });
    });
  }

  /** A server of the customer says its prompts or resources changed: tells this session's client, if it listens. */
  listChanged(kind: 'prompts' | 'resources'): void {
    if (this.closed) return;
    const send = kind === 'prompts' ? this.server.sendPromptListChanged() : this.server.sendResourceListChanged();
    send.catch((error: unknown) => {
      this.opts.logger.debug('list_changed not delivered', { session: sessionLabel(this.id), kind, error: this.opts.redactor.reason(String(error)) });
    });
  }

  /** Does this session's client watch the resource with this gateway URI? */
  watches(uri: string): boolean {
    return this.subscriptions.has(uri);
  }

  /** A watched resource changed at its server: tells this session's client if it subscribed to it (gateway URI). */
  resourceUpdated(uri: string): void {
    if (this.closed || !this.subscriptions.has(uri)) return;
    this.server.sendResourceUpdated({ uri }).catch((error: unknown) => {
      this.opts.logger.debug('resource update not delivered', { session: sessionLabel(this.id), error: this.opts.redactor.reason(String(error)) });
    });
  }

  /** Closes the session (the transport, its streams and the SDK server) and releases the customer's lease. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.server.close().catch(() => {});
    this.dispose();
  }

  /** The tool list this session answers to tools/list (after waiting, bounded, for the customer's first connect). */
  listTools(): Promise<Tool[]> {
    return this.tools.listTools();
  }

  /** The tool list as this session would answer it right now, without waiting for connects. */
  currentTools(): Tool[] {
    return this.tools.currentTools();
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const call of [...this.directCalls.values()]) call.end();
    this.opts.lease.release();
    this.opts.onClosed(this);
  }
}
