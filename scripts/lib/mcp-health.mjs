// Real MCP health: initialize + tools/list through the published port, bounded by a timeout, then the session closed.
// No dependencies but Node's fetch, so the same file is also the health check inside the local images
// (`node mcp-health.mjs URL`, see local-images.mjs): `docker ps` health and `manage status` run one probe.
//
// Why not the SDK's Client: after `notifications/initialized` its streamable HTTP transport opens a standing GET
// (SSE) stream, and close() only drops the connection — every probe left a stream and a session in the server's
// logs until the server timed them out. Here a probe is four requests: initialize, initialized, tools/list and a
// DELETE of the session (Mcp-Session-Id), and nothing is left open.

const PROTOCOL_VERSION = '2025-06-18';
const CLIENT = { name: 'mcpfleet-health', version: '0.1.0' };

/**
 * With `{ listTools: true }` the result also carries the tools themselves (`toolList`, every page of tools/list
 * followed through `nextCursor`, at most 50 pages): what `pnpm manage tools lock` records.
 * @returns {Promise<{ healthy: boolean, tools?: number, latencyMs?: number, reason?: string, server?: string, toolList?: object[] }>}
 */
export async function probeMcp(url, timeoutMs = 5000, { listTools = false } = {}) {
  const started = performance.now();
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(), timeoutMs);
  let session;
  let protocol = PROTOCOL_VERSION;
  try {
    const init = await rpc(url, { id: 1, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT } }, { signal: timer.signal });
    session = init.session;
    protocol = init.message.result?.protocolVersion ?? protocol;
    const headers = { ...(session && { 'mcp-session-id': session }), 'mcp-protocol-version': protocol };
    await rpc(url, { method: 'notifications/initialized' }, { signal: timer.signal, headers });
    const list = await rpc(url, { id: 2, method: 'tools/list', params: {} }, { signal: timer.signal, headers });
    let tools = list.message.result?.tools;
    if (!Array.isArray(tools)) throw new Error('tools/list returned no tool list');
    for (let page = 1, cursor = list.message.result?.nextCursor; listTools && cursor && page < 50; page++) {
      const next = await rpc(url, { id: 2 + page, method: 'tools/list', params: { cursor } }, { signal: timer.signal, headers });
      if (!Array.isArray(next.message.result?.tools)) throw new Error('tools/list returned no tool list');
      tools = [...tools, ...next.message.result.tools];
      cursor = next.message.result.nextCursor;
    }
    const info = init.message.result?.serverInfo;
    return { healthy: true, tools: tools.length, latencyMs: Math.round(performance.now() - started), server: info ? `${info.name} ${info.version ?? ''}`.trim() : undefined, ...(listTools && { toolList: tools }) };
  } catch (error) {
    return { healthy: false, reason: describe(error, timer.signal.aborted, timeoutMs) };
  } finally {
    clearTimeout(timeout);
    // Close the session: the server forgets it now instead of at its idle timeout. 405 (sessions cannot be
    // ended by the client) and errors are fine; bounded on its own since the probe's time may be used up.
    if (session) {
      await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': session, 'mcp-protocol-version': protocol }, signal: AbortSignal.timeout(2000) })
        .then((r) => r.body?.cancel())
        .catch(() => {});
    }
  }
}

/**
 * One JSON-RPC message over streamable HTTP. A request's answer may come as JSON or as an SSE stream (read until
 * the answer with its id, then the stream is cancelled); a notification expects 202.
 * @returns {Promise<{ message: any, session: string | null }>}
 */
async function rpc(url, message, { signal, headers = {} }) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', ...message }),
    signal,
  });
  const session = response.headers.get('mcp-session-id');
  if (!response.ok) {
    const body = (await response.text().catch(() => '')).trim().replace(/\s+/g, ' ').slice(0, 160);
    throw Object.assign(new Error(`HTTP ${response.status}${body ? `: ${body}` : ''}`), { status: response.status });
  }
  if (message.id === undefined) {
    await response.body?.cancel();
    return { message: null, session };
  }
  const type = response.headers.get('content-type') ?? '';
  const answer = type.includes('text/event-stream') ? await fromEventStream(response, message.id) : await response.json();
  if (answer?.error) throw new Error(`${message.method}: ${answer.error.message ?? JSON.stringify(answer.error)}`);
  if (!answer || answer.id !== message.id) throw new Error(`${message.method}: no answer`);
  return { message: answer, session };
}

async function fromEventStream(response, id) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += decoder.decode(value ?? new Uint8Array(), { stream: !done });
      // Events end with a blank line; each event's data lines form one message.
      const events = buffer.split(/\r?\n\r?\n/);
      buffer = events.pop() ?? '';
      if (done) events.push(buffer);
      for (const event of events) {
        const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
        if (!data) continue;
        try {
          const parsed = JSON.parse(data);
          if (parsed?.id === id) return parsed;
        } catch {
          // Not JSON: not ours.
        }
      }
      if (done) return undefined;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** Plain HTTP health (the agent's /healthz). */
export async function probeHttp(url, timeoutMs = 5000) {
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    if (!response.ok) return { healthy: false, reason: `HTTP ${response.status}` };
    return { healthy: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { healthy: false, reason: describe(error, false, timeoutMs) };
  }
}

function describe(error, aborted, timeoutMs) {
  if (aborted || error?.name === 'TimeoutError' || error?.name === 'AbortError' || /timed? ?out/i.test(String(error?.message))) return `no answer within ${timeoutMs} ms`;
  const cause = error?.cause?.code ?? error?.code;
  if (cause === 'ECONNREFUSED') return 'connection refused';
  if (cause === 'ECONNRESET' || /other side closed|socket hang up/i.test(String(error?.cause?.message ?? error?.message))) return 'connection reset';
  if (cause === 'ENOTFOUND' || cause === 'EAI_AGAIN') return `host not found (${error?.cause?.hostname ?? 'DNS'})`;
  return String(error?.message ?? error).split('\n')[0].slice(0, 200);
}

// As a health check command: node mcp-health.mjs URL [--http] [--timeout MS]; one line on stdout, exit 0 or 1.
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const url = args.find((a) => !a.startsWith('--'));
  const timeoutAt = args.indexOf('--timeout');
  const timeoutMs = timeoutAt >= 0 ? Number(args[timeoutAt + 1]) : 4000;
  if (!url) {
    console.log('usage: node mcp-health.mjs URL [--http] [--timeout MS]');
    process.exit(2);
  }
  const result = args.includes('--http') ? await probeHttp(url, timeoutMs) : await probeMcp(url, timeoutMs);
  console.log(
    result.healthy
      ? `healthy: ${args.includes('--http') ? `HTTP 2xx from ${url}` : `MCP initialize + tools/list (${result.tools} tools${result.server ? `, ${result.server}` : ''})`} in ${result.latencyMs} ms`
      : `unhealthy: ${url}: ${result.reason}`,
  );
  process.exit(result.healthy ? 0 : 1);
}
