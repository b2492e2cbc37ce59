/**
 * One MCP client session on a customer's gateway endpoint: an SDK `Server` over one transport (streamable HTTP or
 * legacy SSE), bound for its whole life to one customer's {@link CustomerLease}. It can only ever see and call that
 * customer's tools: the lease is the only thing it holds, so there is nothing to route to another customer.
 *
 * - `tools/list`: the customer's tools after its filter, namespaced (`<server>_<tool>`), with the upstream's full
 *   definition (title, outputSchema, annotations) under the new name.
 * - `tools/call`: routed to the upstream connection of the tool's server. Unknown and filtered-out names answer
 *   JSON-RPC -32602 alike. Upstream failures (down, backoff, reset, timeout) answer an MCP tool error result
 *   (`isError: true`) naming the server, within a hard deadline (connect + call timeout). Every call writes one audit
 *   line ({@link GatewayAudit}).
 * - `notifications/tools/list_changed` is sent when the customer's visible tool list differs from what this session
 *   last listed ({@link GatewaySession.toolsChanged}).
 */
import { createHash } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { CustomerLease, VisibleTool } from './agent-runtime.ts';
import type { GatewayAudit } from './gateway-audit.ts';
import { GatewayTools } from './gateway-tools.ts';
import type { Logger } from './logger.ts';
import type { Redactor } from './redact.ts';

/** The transport a gateway session runs over. */
export type GatewayTransportKind = 'streamable-http' | 'sse';

/** What a session needs from the gateway. */
export interface GatewaySessionOptions {
  /** The session id (the streamable `Mcp-Session-Id`, or the SSE `sessionId`). */
  id: string;
  kind: GatewayTransportKind;
  transport: StreamableHTTPServerTransport | SSEServerTransport;
  lease: CustomerLease;
  audit: GatewayAudit;
  redactor: Redactor;
  logger: Logger;
  /** Hard bound on one tools/call, connect included, ms. */
  callDeadlineMs: number;
  /** Bound on waiting for the customer's first connect before answering tools/list, ms. */
  readyDeadlineMs: number;
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

/** A short fingerprint of a tool list, to tell whether it changed. */
export function toolListSignature(tools: readonly Tool[]): string {
  return createHash('sha256').update(JSON.stringify(tools)).digest('base64url').slice(0, 22);
}

/** One client session of a customer's MCP endpoint. */
export class GatewaySession {
  readonly id: string;
  readonly kind: GatewayTransportKind;
  readonly customerId: string;
  readonly server: Server;
  readonly transport: StreamableHTTPServerTransport | SSEServerTransport;
  /** `Date.now()` of the last request seen on this session. */
  lastActivity = Date.now();
  /** Open long-lived GET streams (the streamable standalone stream, or the SSE stream itself). */
  openStreams = 0;

  private readonly opts: GatewaySessionOptions;
  private readonly tools: GatewayTools;
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
    const customer = options.lease.customer;
    const servers = customer.mcp_servers.map((s) => s.name).join(', ');
    this.server = new Server(GATEWAY_SERVER_INFO, {
      capabilities: { tools: { listChanged: true } },
      instructions: `Tools of ${customer.name}'s MCP servers (${servers}), each named <server>_<tool>.`,
    });
    this.server.onclose = () => this.dispose();
    this.server.setRequestHandler(ListToolsRequestSchema, async () => {
      this.touch();
      const tools = await this.listTools();
      this.listedSignature = toolListSignature(tools);
      this.notifiedSignature = undefined;
      return { tools };
    });
    this.server.setRequestHandler(CallToolRequestSchema, async (request) => {
      this.touch();
      const answer = await this.tools.callTool(request.params.name, request.params.arguments ?? {}, { session: this.id, transport: this.kind });
      if ('unknownTool' in answer) throw new McpError(ErrorCode.InvalidParams, answer.unknownTool);
      return answer.result;
    });
    // Start connecting the customer's servers now, so the first tools/list finds them (or their failures) ready.
    void options.lease.ready().catch(() => {});
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
      this.opts.logger.debug('list_changed not delivered', { session: this.id.slice(0, 8), error: this.opts.redactor.reason(String(error)) });
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
    this.opts.lease.release();
    this.opts.onClosed(this);
  }
}
