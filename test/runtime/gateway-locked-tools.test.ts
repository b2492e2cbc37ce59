/**
 * `gateway.locked_tools_only` (docs/tool-locks.md): a customer is served only the tools of its tool lock. The upstream
 * is the protocol's reference server (server-everything) on loopback; its lock is written the way `pnpm manage tools
 * lock` writes it (the MCP probe's tool list → tool-locks.mjs), leaving one tool out — as if the server had gained it
 * after the lock. That tool is neither listed nor callable through the gateway nor the HTTP API; a customer asking for
 * locked tools without a lock file gets no tools; customers without the flag are unchanged.
 */
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLock, listLiveTools, toolDrift, writeLock } from '../../scripts/lib/tool-locks.mjs';
import { ToolFilter } from '../../runtime/gateway/gateway-filter.ts';
import { readLockedTools } from '../../runtime/gateway/locked-tools.ts';
import { closeStreamable, connectStreamable } from './fixtures/gateway-clients.ts';
import { baseEnv, cleanup, customer, freePort, postJson, rejectionOf, ROOT, server, startProcess, startRuntime, tempDir, waitFor, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
/** The tool the lock leaves out: the server "gained" it after the lock was written. */
const NEW_TOOL = 'echo';
const closers: Array<() => Promise<void>> = [];
let runtime: RuntimeProc;
let allTools: string[];
let locksDir: string;
let everythingPort: number;
let liveTools: Array<{ name: string; annotations?: Record<string, unknown> }>;

async function toolNames(id: string): Promise<string[]> {
  const c = await connectStreamable(`${runtime.url}/customers/${id}/mcp`);
  closers.push(() => closeStreamable(c));
  return (await c.client.listTools()).tools.map((t) => t.name).sort();
}

beforeAll(async () => {
  const port = await freePort();
  const everything = startProcess(process.execPath, [EVERYTHING, 'streamableHttp'], { env: baseEnv({ PORT: String(port) }) });
  await waitFor(() => /listening on port/.test(everything.output()), 'server-everything to listen', 20_000);
  const url = `http://127.0.0.1:${port}/mcp`;
  everythingPort = port;

  const [live] = await listLiveTools([{ customer: 'locked', server: 'everything', type: 'everything', hostPort: port, healthPath: '/mcp' }]);
  expect(live!.ok).toBe(true);
  allTools = live!.tools!.map((t) => t.name).sort();
  liveTools = live!.tools!;
  expect(allTools).toContain(NEW_TOOL);
  locksDir = tempDir('mcpfleet-locks-');
  writeLock(locksDir, buildLock('locked', [{ name: 'everything', type: 'everything', tools: live!.tools!.filter((t) => t.name !== NEW_TOOL) }]));
  // Locked under another server name: nothing of this customer's server is locked.
  writeLock(locksDir, buildLock('renamed', [{ name: 'other', type: 'everything', tools: live!.tools! }]));

  const config = writeConfig([
    customer('open', 'Open', [server('everything', url, 'everything')]),
    { ...customer('locked', 'Locked', [server('everything', url, 'everything')]), gateway: { locked_tools_only: true } },
    { ...customer('filtered', 'Filtered', [server('everything', url, 'everything')]), gateway: { locked_tools_only: true, deny_tools: ['get-*'] } },
    { ...customer('unlocked', 'Unlocked', [server('everything', url, 'everything')]), gateway: { locked_tools_only: true } },
    { ...customer('renamed', 'Renamed', [server('everything', url, 'everything')]), gateway: { locked_tools_only: true } },
  ]);
  // "filtered" shares "locked"'s lock file.
  writeLock(locksDir, { ...buildLock('filtered', [{ name: 'everything', type: 'everything', tools: live!.tools!.filter((t) => t.name !== NEW_TOOL) }]) });
  runtime = await startRuntime(config, { args: ['--tool-locks', locksDir] });
}, 60_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await cleanup();
});

describe('locked tools only', () => {
  it('a customer without the flag is served every tool', async () => {
    expect(await toolNames('open')).toEqual(allTools.map((t) => `everything_${t}`));
  });

  it('a tool missing from the lock is neither listed nor callable through the gateway', async () => {
    const listed = await toolNames('locked');
    expect(listed).toEqual(allTools.filter((t) => t !== NEW_TOOL).map((t) => `everything_${t}`));
    const c = await connectStreamable(`${runtime.url}/customers/locked/mcp`);
    closers.push(() => closeStreamable(c));
    const refused = await rejectionOf(c.client.callTool({ name: `everything_${NEW_TOOL}`, arguments: { message: 'hi' } }), McpError);
    expect(refused.code).toBe(-32602);
    // A locked tool still works.
    const added = await c.client.callTool({ name: 'everything_get-sum', arguments: { a: 20, b: 22 } });
    expect(JSON.stringify(added.content)).toContain('42');
    // The open customer calls the same tool on the same server.
    const open = await connectStreamable(`${runtime.url}/customers/open/mcp`);
    closers.push(() => closeStreamable(open));
    expect(JSON.stringify((await open.client.callTool({ name: `everything_${NEW_TOOL}`, arguments: { message: 'hi' } })).content)).toContain('hi');
  });

  it('the HTTP API applies the lock too: listing, counts and calls', async () => {
    const switched = await runtime.json('/api/customers/switch', postJson({ customer: 'locked' }));
    expect(switched.body).toMatchObject({ success: true, tool_count: allTools.length - 1 });
    const tools = (await runtime.json('/api/tools')).body.tools.map((t: { name: string }) => t.name);
    expect(tools).not.toContain(`everything_${NEW_TOOL}`);
    expect(tools).toHaveLength(allTools.length - 1);
    expect((await runtime.json('/api/customers/locked')).body.tools).not.toContain(`everything_${NEW_TOOL}`);
    const refused = await runtime.json('/api/tools/call', postJson({ tool: `everything_${NEW_TOOL}`, arguments: { message: 'hi' } }));
    expect(refused).toMatchObject({ status: 404, body: { code: 'unknown_tool' } });
  });

  it('the allow/deny filter still applies on top of the lock', async () => {
    const listed = await toolNames('filtered');
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.some((t) => t.startsWith('everything_get-'))).toBe(false);
    expect(listed).not.toContain(`everything_${NEW_TOOL}`);
  });

  it('fails closed: no lock file, or a lock of other servers, serves no tools, and the start-up log says why', async () => {
    expect(await toolNames('unlocked')).toEqual([]);
    expect(await toolNames('renamed')).toEqual([]);
    expect(runtime.output()).toMatch(/locked tools only, but the tool lock cannot be used: no tools served.*"customer":"unlocked".*no tool lock file/);
    expect(runtime.output()).toMatch(/"msg":"locked tools only","customer":"locked".*"tools":\d+/);
  });
});

describe('the lock reader and the filter', () => {
  it('reads tool names per server and refuses what is not a lock', () => {
    const dir = tempDir('mcpfleet-locks-');
    writeLock(dir, buildLock('a', [{ name: 's', type: 't', tools: [{ name: 'x' }, { name: 'y', annotations: { readOnlyHint: true } }] }]));
    const read = readLockedTools(dir, 'a');
    expect(read.ok && [...read.tools.get('s')!]).toEqual(['x', 'y']);
    expect(readLockedTools(dir, 'missing')).toMatchObject({ ok: false, reason: expect.stringContaining('no tool lock file') });
    const filter = ToolFilter.fromConfig({ locked_tools_only: true }, read.ok ? read.tools : null);
    expect(filter.allowsAllTools).toBe(false);
    expect(filter.allowsAll).toBe(true); // prompts and resources are not locked
    expect(filter.allowsTool({ server: 's', name: 's_x', original_name: 'x' })).toBe(true);
    expect(filter.allowsTool({ server: 's', name: 's_z', original_name: 'z' })).toBe(false);
    expect(filter.allowsTool({ server: 'other', name: 'other_x', original_name: 'x' })).toBe(false);
    expect(ToolFilter.fromConfig({ locked_tools_only: true }, new Map()).allowsTool({ server: 's', name: 's_x', original_name: 'x' })).toBe(false);
  });
});

describe('from the customer file to mcp_servers.json', () => {
  it('gateway.lockedToolsOnly is written as gateway.locked_tools_only, valid against the runtime schema; out/ does not read the locks', async () => {
    const { gatewayEntry } = await import('../../generators/runtime-config.ts');
    const { customerGatewaySchema } = await import('../../schema/customer.ts');
    const { runtimeGatewaySchema } = await import('../../schema/runtime-config.ts');
    const gateway = customerGatewaySchema.parse({ lockedToolsOnly: true, denyTools: ['delete*'] });
    const entry = gatewayEntry(gateway);
    expect(entry).toEqual({ gateway: { deny_tools: ['delete*'], locked_tools_only: true } });
    expect(runtimeGatewaySchema.safeParse(entry.gateway).success).toBe(true);
    expect(customerGatewaySchema.safeParse({ lockedToolsOnly: 'yes' }).success).toBe(false);
  });
});

describe('toolDrift against the live server (what manage tools check and manage drift run)', () => {
  it('names the tool the server offers beyond its lock, unsafe unless the filter covers it; unreachable servers and missing locks', async () => {
    const live = (customer: string) => ({ customer, server: 'everything', type: 'everything', hostPort: everythingPort, healthPath: '/mcp' });
    const root = tempDir('mcpfleet-drift-');
    const config = (gateway: object) => {
      const file = join(root, 'mcp_servers.json');
      writeFileSync(file, JSON.stringify({ customers: [{ id: 'drifty', gateway }] }));
      return file;
    };
    // "drifty" was locked before the server offered echo (read-only) and a tool that may change things.
    const writer = liveTools.find((t) => t.annotations?.readOnlyHint !== true)!.name;
    writeLock(locksDir, buildLock('drifty', [{ name: 'everything', type: 'everything', tools: liveTools.filter((t) => t.name !== NEW_TOOL && t.name !== writer) as never }]));
    const dead = await freePort();
    const drift = await toolDrift({
      root,
      locksDir,
      runtimeConfigFile: config({ locked_tools_only: true }),
      servers: [live('drifty'), live('locked'), live('nolock'), { customer: 'filtered', server: 'everything', type: 'everything', hostPort: dead, healthPath: '/mcp' }],
    });
    const added = (customer: string, tool: string, unsafe: boolean) => ({ customer, server: 'everything', change: 'added', tool, detail: expect.any(String), ...(unsafe && { unsafe }) });
    expect(drift).toEqual(
      [
        added('drifty', NEW_TOOL, false),
        added('drifty', writer, true),
        { customer: 'filtered', server: 'everything', change: 'unreachable', detail: 'tools not listed: connection refused' },
        added('locked', NEW_TOOL, false),
        { customer: 'nolock', change: 'unlocked', detail: `no ${basename(locksDir)}/nolock.json: run pnpm manage tools lock --customer nolock and commit it` },
      ].sort((a, b) => (a.customer === b.customer ? ((a as { tool?: string }).tool! < (b as { tool?: string }).tool! ? -1 : 1) : a.customer < b.customer ? -1 : 1)),
    );
    // A deny pattern covers it: still drift, not unsafe.
    const covered = await toolDrift({ root, locksDir, customers: ['drifty'], runtimeConfigFile: config({ deny_tools: [`everything_${writer}`] }), servers: [live('drifty')] });
    expect(covered.find((d) => d.tool === writer)).toEqual(added('drifty', writer, false));
    // A locked server that is not running: its tools count as removed.
    const gone = await toolDrift({ root, locksDir, customers: ['renamed'], servers: [] });
    expect(gone.length).toBe(allTools.length);
    expect(gone[0]).toMatchObject({ customer: 'renamed', server: 'other', change: 'removed', detail: expect.stringContaining('server other is not running') });
  });
});
