// Real MCP health: initialize + tools/list through the published 127.0.0.1 port, bounded by a timeout.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/**
 * @returns {Promise<{ healthy: boolean, tools?: number, latencyMs?: number, reason?: string }>}
 */
export async function probeMcp(url, timeoutMs = 5000) {
  const started = performance.now();
  const client = new Client({ name: 'mcpfleet-manage', version: '0.1.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(), timeoutMs);
  try {
    await client.connect(transport, { timeout: timeoutMs, signal: timer.signal });
    const { tools } = await client.listTools(undefined, { timeout: timeoutMs, signal: timer.signal });
    return { healthy: true, tools: tools.length, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { healthy: false, reason: describe(error, timer.signal.aborted, timeoutMs) };
  } finally {
    clearTimeout(timeout);
    await client.close().catch(() => {});
  }
}

/** Plain HTTP health (the agent's /healthz). */
export async function probeHttp(url, timeoutMs = 5000) {
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return { healthy: false, reason: `HTTP ${response.status}` };
    return { healthy: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { healthy: false, reason: describe(error, false, timeoutMs) };
  }
}

function describe(error, aborted, timeoutMs) {
  if (aborted || error?.name === 'TimeoutError' || /timed? ?out/i.test(String(error?.message))) return `no answer within ${timeoutMs} ms`;
  const cause = error?.cause?.code ?? error?.code;
  if (cause === 'ECONNREFUSED') return 'connection refused';
  if (cause === 'ECONNRESET' || /other side closed|socket hang up/i.test(String(error?.cause?.message ?? error?.message))) return 'connection reset';
  if (typeof error?.code === 'number') return `HTTP ${error.code}`;
  return String(error?.message ?? error).split('\n')[0].slice(0, 120);
}
