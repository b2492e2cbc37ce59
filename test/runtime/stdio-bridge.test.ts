/**
 * stdio-only MCP servers bridged to HTTP, listed and called through the runtime: the reference "everything" server
 * behind supergateway (stateful streamable HTTP) and behind mcp-proxy, as two servers of one customer.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, customer, freePort, postJson, ROOT, server, startProcess, startRuntime, waitFor, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
let runtime: RuntimeProc;

async function listening(url: string, what: string, output: () => string): Promise<void> {
  await waitFor(async () => (await fetch(url)).status < 500, `${what} (${output().slice(-300)})`, 30_000, 100);
}

beforeAll(async () => {
  const sgPort = await freePort();
  const sg = startProcess(join(ROOT, 'node_modules/.bin/supergateway'), [
    '--stdio', `${process.execPath} ${EVERYTHING} stdio`,
    '--outputTransport', 'streamableHttp',
    '--stateful',
    '--sessionTimeout', '60000',
    '--port', String(sgPort),
    '--healthEndpoint', '/healthz',
    '--logLevel', 'none',
  ]);
  const proxyPort = await freePort();
  const proxy = startProcess(join(ROOT, 'node_modules/.bin/mcp-proxy'), ['--host', '127.0.0.1', '--port', String(proxyPort), '--', process.execPath, EVERYTHING, 'stdio']);
  await listening(`http://127.0.0.1:${sgPort}/healthz`, 'supergateway', sg.output);
  await listening(`http://127.0.0.1:${proxyPort}/ping`, 'mcp-proxy', proxy.output);
  const config = writeConfig([
    customer('bridged', 'Bridged', [
      server('everything', `http://127.0.0.1:${sgPort}/mcp`, 'everything'),
      server('proxied', `http://127.0.0.1:${proxyPort}/mcp`, 'everything'),
    ]),
  ]);
  runtime = await startRuntime(config, { args: ['--connect-timeout-ms', '15000'] });
});

afterAll(cleanup);

describe('stdio servers behind supergateway and mcp-proxy', () => {
  it('lists and calls their tools through the runtime', async () => {
    const switched = await runtime.json('/api/customers/switch', postJson({ customer: 'bridged' }));
    expect(switched.body).toMatchObject({ success: true, connected_mcps: ['everything'], failed_mcps: [] });
    expect(switched.body.connected_servers.map((s: { name: string }) => s.name)).toEqual(['everything', 'proxied']);

    const { body } = await runtime.json('/api/tools');
    const names: string[] = body.tools.map((t: { name: string }) => t.name);
    expect(names).toEqual(expect.arrayContaining(['everything_echo', 'proxied_echo']));
    expect(names.filter((n) => n.startsWith('everything_')).length).toBe(names.filter((n) => n.startsWith('proxied_')).length);

    for (const tool of ['everything_echo', 'proxied_echo']) {
      const called = await runtime.json('/api/tools/call', postJson({ tool, arguments: { message: `via ${tool}` } }));
      expect(called.status, tool).toBe(200);
      expect(JSON.stringify(called.body.result.content)).toContain(`via ${tool}`);
    }
  });
});
