/**
 * The transport of one 2025-era streamable HTTP gateway session: the SDK v2's web-standard server transport, served on
 * `node:http` through the SDK's `toNodeHandler`, plus an in-process handshake replay so a replica can take over a
 * sealed session it has never seen (see session-seal.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { SUPPORTED_PROTOCOL_VERSIONS, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { WebStandardStreamableHTTPServerTransportOptions } from '@modelcontextprotocol/server';

/** Where replayed requests claim to come from; never fetched (the requests go straight into the transport). */
const REPLAY_URL = 'http://replay.invalid/mcp';

export class StreamableSessionTransport extends WebStandardStreamableHTTPServerTransport {
  private readonly node = toNodeHandler({ fetch: (request, options) => this.handleRequest(request, options) });
  private protocolVersions: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS;

  constructor(options: WebStandardStreamableHTTPServerTransportOptions) {
    super(options);
  }

  override setSupportedProtocolVersions(versions: string[]): void {
    super.setSupportedProtocolVersions(versions);
    this.protocolVersions = versions;
  }

  /** Would this transport take a request with this `MCP-Protocol-Version` header? */
  supportsProtocolVersion(version: string): boolean {
    return this.protocolVersions.includes(version);
  }

  /** Serves one HTTP request of the session (`body`: the already parsed JSON of a POST). */
  serve(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    return this.node(req, flushingStreamHeaders(res), body);
  }

  /**
   * Replays a client's handshake (`initialize` with `params`, then `notifications/initialized`) through this transport
   * and the server connected to it, as if the client had just sent them: the session then holds the client's
   * capabilities and negotiated revision. Resolves with the negotiated protocol version.
   */
  async replayHandshake(params: Record<string, unknown>): Promise<string> {
    const initialize = { jsonrpc: '2.0', id: 'mcpfleet-takeover', method: 'initialize', params };
    const answer = await this.handleRequest(replayRequest(initialize), { parsedBody: initialize });
    const result = resultOf(await answer.text());
    const version = (result as { protocolVersion?: unknown } | undefined)?.protocolVersion;
    if (answer.status !== 200 || typeof version !== 'string') throw new Error(`session handshake replay failed (HTTP ${answer.status})`);
    const initialized = { jsonrpc: '2.0', method: 'notifications/initialized' };
    const ack = await this.handleRequest(replayRequest(initialized, { 'mcp-session-id': this.sessionId ?? '', 'mcp-protocol-version': version }), { parsedBody: initialized });
    await ack.body?.cancel();
    if (ack.status !== 202) throw new Error(`session handshake replay: initialized answered HTTP ${ack.status}`);
    return version;
  }
}

/**
 * `res` as `toNodeHandler` drives it, but an event stream's headers go out at once: node:http holds them back until
 * the first write, and a standalone GET stream may carry nothing for minutes while its client waits for the 200.
 */
function flushingStreamHeaders(res: ServerResponse): Parameters<ReturnType<typeof toNodeHandler>>[1] {
  return {
    writeHead(status: number, headers?: Record<string, string>) {
      res.writeHead(status, headers);
      if (/^text\/event-stream\b/i.test(headers?.['content-type'] ?? '')) res.flushHeaders();
      return res;
    },
    write: (chunk: string | Uint8Array) => res.write(chunk),
    end: (chunk?: string | Uint8Array) => (chunk === undefined ? res.end() : res.end(chunk)),
    on: (event: string, listener: (...args: unknown[]) => void) => res.on(event, listener),
    get destroyed() {
      return res.destroyed;
    },
  };
}

function replayRequest(message: unknown, headers: Record<string, string> = {}): Request {
  return new Request(REPLAY_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(message),
  });
}

/** The `result` of the JSON-RPC answer in a JSON or event-stream body. */
function resultOf(text: string): unknown {
  const payloads = text.trimStart().startsWith('{') ? [text] : text.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5));
  for (const payload of payloads) {
    try {
      const message = JSON.parse(payload) as { result?: unknown };
      if (message.result !== undefined) return message.result;
    } catch {
      // not JSON (an empty priming event): skip
    }
  }
  return undefined;
}
