/**
 * Not tools only: the prompts, resources, resource templates and completions of a customer's servers pass through
 * its endpoint on both protocol faces — namespaced (`<server>_<prompt>`, `mcpfleet://<server>/<uri>`), under the
 * customer's allow/deny filter, isolated per customer — and logging/setLevel reaches the upstream on a 2025 session.
 * The upstream is the protocol's reference server (server-everything), run on loopback.
 */
import { join } from 'node:path';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeStreamable, connectStreamable } from './fixtures/gateway-clients.ts';
import { baseEnv, cleanup, customer, freePort, rejectionOf, ROOT, server, startProcess, startRuntime, waitFor, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const closers: Array<() => Promise<void>> = [];
let runtime: RuntimeProc;
const endpoint = (id: string) => `${runtime.url}/customers/${id}/mcp`;

async function legacy(id: string) {
  const c = await connectStreamable(endpoint(id));
  closers.push(() => closeStreamable(c));
  return c.client;
}

async function modern(id: string) {
  const client = new ModernClient({ name: 'catalog-test', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } } as never);
  await client.connect(new ModernTransport(new URL(endpoint(id))));
  closers.push(() => client.close());
  return client;
}

beforeAll(async () => {
  const port = await freePort();
  const everything = startProcess(process.execPath, [EVERYTHING, 'streamableHttp'], { env: baseEnv({ PORT: String(port) }) });
  await waitFor(() => /listening on port/.test(everything.output()), 'server-everything to listen', 20_000);
  const url = `http://127.0.0.1:${port}/mcp`;
  const config = writeConfig([
    customer('acme', 'Acme', [server('everything', url, 'everything')]),
    // The same upstream, but this customer's filter offers one tool only: no prompt or resource matches it.
    { ...customer('narrow', 'Narrow', [server('everything', url, 'everything')]), gateway: { allow_tools: ['everything_echo'] } },
  ]);
  runtime = await startRuntime(config);
}, 60_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await cleanup();
});

describe('prompts, resources and completions through the gateway', () => {
  it('a 2025 session lists and gets prompts under <server>_<name>', async () => {
    const client = await legacy('acme');
    const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
    expect(prompts).toEqual(expect.arrayContaining(['everything_simple-prompt', 'everything_args-prompt']));
    expect(prompts.every((name) => name.startsWith('everything_'))).toBe(true);
    const got = await client.getPrompt({ name: 'everything_args-prompt', arguments: { city: 'Lisbon', state: 'Lisboa' } });
    expect(JSON.stringify(got.messages)).toContain('Lisbon');
    const missing = await rejectionOf(client.getPrompt({ name: 'simple-prompt' }), McpError);
    expect(missing.code).toBe(-32602);
  });

  it('resources and templates carry mcpfleet://<server>/ URIs, and reads route by them', async () => {
    const client = await legacy('acme');
    const { resources } = await client.listResources();
    expect(resources.length).toBeGreaterThan(0);
    for (const r of resources) expect(r.uri.startsWith('mcpfleet://everything/demo://')).toBe(true);
    const read = await client.readResource({ uri: resources[0]!.uri });
    expect(read.contents[0]!.uri).toBe(resources[0]!.uri);
    expect(JSON.stringify(read.contents).length).toBeGreaterThan(20);
    const templates = (await client.listResourceTemplates()).resourceTemplates;
    const dynamic = templates.find((t) => t.uriTemplate.includes('dynamic/text'))!;
    expect(dynamic.uriTemplate).toBe('mcpfleet://everything/demo://resource/dynamic/text/{resourceId}');
    const expanded = await client.readResource({ uri: dynamic.uriTemplate.replace('{resourceId}', '7') });
    expect(expanded.contents[0]!.uri).toBe('mcpfleet://everything/demo://resource/dynamic/text/7');
    // A link as a tool result would carry it (no prefix) is found on the server that has it.
    expect((await client.readResource({ uri: 'demo://resource/dynamic/text/7' })).contents[0]!.uri).toBe('demo://resource/dynamic/text/7');
    // The SDK v2 answers "resource not found" as -32602 with the URI in data, on either revision (SEP-2164).
    const unknown = await rejectionOf(client.readResource({ uri: 'mcpfleet://nosuch/demo://x' }), McpError);
    expect(unknown.code).toBe(-32602);
    expect(unknown.data).toMatchObject({ uri: 'mcpfleet://nosuch/demo://x' });
  });

  it('completions are answered by the server the reference names', async () => {
    const client = await legacy('acme');
    const result = await client.complete({ ref: { type: 'ref/prompt', name: 'everything_completable-prompt' }, argument: { name: 'department', value: 'E' } });
    expect(result.completion.values.length).toBeGreaterThan(0);
    expect(result.completion.values.every((v) => v.startsWith('E'))).toBe(true);
  });

  it('a 2025 session can watch a resource: subscribe and unsubscribe reach its server; an unknown one is refused', async () => {
    const client = await legacy('acme');
    expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true);
    const { resources } = await client.listResources();
    await expect(client.subscribeResource({ uri: resources[0]!.uri })).resolves.toBeDefined();
    await expect(client.unsubscribeResource({ uri: resources[0]!.uri })).resolves.toBeDefined();
    const unknown = await rejectionOf(client.subscribeResource({ uri: 'mcpfleet://nosuch/demo://x' }), McpError);
    expect(unknown.code).toBe(-32602);
  });

  it('logging/setLevel is accepted and forwarded on a 2025 session', async () => {
    const client = await legacy('acme');
    await expect(client.setLoggingLevel('debug')).resolves.toBeDefined();
  });

  it('a 2026-07-28 client sees the same prompts and resources, and reads through them', async () => {
    const client = await modern('acme');
    const legacyClient = await legacy('acme');
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual((await legacyClient.listPrompts()).prompts.map((p) => p.name));
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual((await legacyClient.listResources()).resources.map((r) => r.uri));
    const read = await client.readResource({ uri: resources[0]!.uri });
    expect(read.contents[0]!.uri).toBe(resources[0]!.uri);
    const prompt = await client.getPrompt({ name: 'everything_simple-prompt' });
    expect(prompt.messages.length).toBeGreaterThan(0);
  });

  it('the customer filter applies to prompts and resources too, on both faces', async () => {
    const client = await legacy('narrow');
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['everything_echo']);
    expect((await client.listPrompts()).prompts).toEqual([]);
    expect((await client.listResources()).resources).toEqual([]);
    const hidden = await rejectionOf(client.getPrompt({ name: 'everything_simple-prompt' }), McpError);
    expect(hidden.code).toBe(-32602);
    for (const uri of ['mcpfleet://everything/demo://resource/dynamic/text/7', 'demo://resource/dynamic/text/7']) {
      expect((await rejectionOf(client.readResource({ uri }), McpError)).code).toBe(-32602);
    }
    const modernClient = await modern('narrow');
    expect((await modernClient.listPrompts()).prompts).toEqual([]);
  });
});
