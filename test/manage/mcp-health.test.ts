/**
 * The health probe of manage status, --wait and the local images' checks (scripts/lib/mcp-health.mjs) against the
 * protocol's reference server on 127.0.0.1: it answers with the tool count, and leaves nothing behind on the server
 * — no standing GET (SSE) stream per probe, its session ended with a DELETE.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMcp } from '../../scripts/lib/mcp-health.mjs';
import { REPO_ROOT } from '../helpers/fleet-repo.ts';
import { freePortRange } from './docker-fixtures.ts';

let server: ChildProcess;
let port: number;
let log = '';

beforeAll(async () => {
  port = await freePortRange(1);
  server = spawn(process.execPath, [path.join(REPO_ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js'), 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (chunk) => (log += chunk));
  server.stderr!.on('data', (chunk) => (log += chunk));
  for (let attempt = 0; attempt < 100 && !/listening on port/i.test(log); attempt++) await new Promise((r) => setTimeout(r, 100));
  if (!/listening on port/i.test(log)) throw new Error(`server-everything did not start: ${log}`);
});

afterAll(() => {
  server?.kill('SIGTERM');
});

describe('probeMcp', () => {
  it('initialize + tools/list, then the session is closed and no stream is left open', async () => {
    log = '';
    const results = [await probeMcp(`http://127.0.0.1:${port}/mcp`), await probeMcp(`http://127.0.0.1:${port}/mcp`)];
    for (const result of results) expect(result).toMatchObject({ healthy: true, tools: expect.any(Number) });
    await new Promise((r) => setTimeout(r, 300));
    const sessions = [...log.matchAll(/Session initialized with ID: (\S+)/g)].map((m) => m[1]);
    expect(sessions).toHaveLength(2);
    for (const id of sessions) expect(log).toContain(`Received session termination request for session ${id}`);
    expect(log).not.toContain('Received MCP GET request');
  });

  it('names the failure: refused port, HTTP error', async () => {
    const [free] = [await freePortRange(1)];
    expect(await probeMcp(`http://127.0.0.1:${free}/mcp`, 2000)).toEqual({ healthy: false, reason: 'connection refused' });
    const notMcp = await probeMcp(`http://127.0.0.1:${port}/not-here`, 2000);
    expect(notMcp.healthy).toBe(false);
    expect(notMcp.reason).toMatch(/^HTTP 404/);
  });
});
