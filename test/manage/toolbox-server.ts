/**
 * A small real MCP server for the tool lock end-to-end tests (SDK v1, streamable HTTP, stateless, JSON answers),
 * bundled with esbuild into the images `toolbox-images.ts` builds. Its "version" (TOOLBOX_VERSION, baked into each
 * image) decides its tools: version 1 offers two read-only tools, version 2 also `purgeItems`, destructive — the
 * upgrade that would widen what an agent may do. Listens on MCP_PORT (default 8000), any path; GET /health → 200.
 */
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const version = Number(process.env.TOOLBOX_VERSION ?? '1');
const items = ['alpha', 'beta', 'gamma'];

function build(): McpServer {
  const server = new McpServer({ name: 'toolbox', version: `${version}.0.0` });
  server.registerTool('getStatus', { description: 'Status of the toolbox.', annotations: { readOnlyHint: true } }, async () => ({
    content: [{ type: 'text', text: `toolbox ${version} ok` }],
  }));
  server.registerTool(
    'listItems',
    { description: 'Lists items, optionally by prefix.', inputSchema: { prefix: z.string().optional() }, annotations: { readOnlyHint: true } },
    async ({ prefix }) => ({ content: [{ type: 'text', text: items.filter((i) => i.startsWith(prefix ?? '')).join(',') }] }),
  );
  if (version >= 2) {
    server.registerTool(
      'purgeItems',
      { description: 'Deletes every item with the prefix.', inputSchema: { prefix: z.string() }, annotations: { readOnlyHint: false, destructiveHint: true } },
      async ({ prefix }) => ({ content: [{ type: 'text', text: `purged ${prefix}*` }] }),
    );
  }
  return server;
}

const http = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  // Stateless: no standing GET stream and no session to end.
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' }).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    void (async () => {
      const server = build();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      try {
        await server.connect(transport);
        await transport.handleRequest(req, res, JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: String(error) } }));
      }
    })();
  });
});
http.listen(Number(process.env.MCP_PORT ?? 8000), '0.0.0.0');
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => http.close(() => process.exit(0)));
