/**
 * Multi round-trip requests (MRTR, SEP-2322, revision 2026-07-28) through the gateway: a real runtime process in
 * front of two 2026-07-28 upstreams of one customer (fixtures/conformance-upstream.ts): `ask`, a well-behaved server
 * with HMAC-signed `requestState`, and `rogue`, the same server ignoring the client capabilities a request declares.
 *
 * - an upstream's `input_required` result reaches the 2026-07-28 client unchanged (embedded requests, `requestState`
 *   byte for byte), and the client's retry (`inputResponses`, `requestState`) reaches the upstream unchanged, with the
 *   client's elicitation/sampling/roots capabilities in place of the gateway's, over several rounds, for tools/call
 *   and prompts/get, by hand and with the SDK v2 client fulfilling the requests itself;
 * - an upstream's refusal of a retry (tampered state, or state of another server) reaches the client as -32602;
 * - the gateway never asks a client for input it did not declare a capability for (-32021), even when the upstream
 *   does;
 * - a 2025 session gets a tool error that says why, not a server→client request.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInputRequiredUpstream } from './fixtures/conformance-upstream.ts';
import type { InputRequiredUpstream } from './fixtures/conformance-upstream.ts';
import { closeStreamable, connectStreamable } from './fixtures/gateway-clients.ts';
import { cleanup, customer, server, startRuntime, waitFor, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const MODERN = '2026-07-28';
const ALL_INPUT = { elicitation: {}, sampling: {}, roots: {} };

let ask: InputRequiredUpstream;
let rogue: InputRequiredUpstream;
let runtime: RuntimeProc;
let nextId = 1;
const endpoint = () => `${runtime.url}/customers/acme/mcp`;

/** One hand-made 2026-07-28 request; returns the JSON-RPC response (from JSON or the event stream). */
async function rpc(method: 'tools/call' | 'prompts/get', params: Record<string, unknown>, capabilities: Record<string, unknown> = ALL_INPUT) {
  const id = nextId++;
  const res = await fetch(endpoint(), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      'mcp-name': String(params.name),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method,
      params: { ...params, _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': capabilities } },
    }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  const json = JSON.parse(text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? 'null')) as { id: number; result?: any; error?: { code: number; message: string; data?: unknown } };
  expect(json.id).toBe(id);
  return { status: res.status, ...json };
}

const callTool = (name: string, extra: Record<string, unknown> = {}, capabilities?: Record<string, unknown>) => rpc('tools/call', { name, arguments: {}, ...extra }, capabilities);
const accept = (content: Record<string, unknown>) => ({ action: 'accept', content });

beforeAll(async () => {
  ask = await startInputRequiredUpstream();
  rogue = await startInputRequiredUpstream({ ignoreClientCapabilities: true });
  runtime = await startRuntime(writeConfig([customer('acme', 'Acme', [server('ask', ask.url), server('rogue', rogue.url)])]));
});

afterAll(async () => {
  await cleanup();
  await Promise.all([ask?.close(), rogue?.close()]);
});

describe('2026-07-28 clients: input_required passes through', () => {
  it('three rounds of tools/call: results and retries unchanged, the tool still namespaced, the capabilities the client declared', async () => {
    const declared = { elicitation: {}, experimental: { 'x-test': {} } };
    const r1 = await callTool('ask_multi_round', {}, declared);
    expect(r1.error).toBeUndefined();
    expect(r1.result).toMatchObject({ resultType: 'input_required', inputRequests: { step1: { method: 'elicitation/create', params: { message: 'Step 1: What is your name?' } } } });
    // The upstream's state, byte for byte (the gateway neither wraps nor reads it).
    expect(r1.result.requestState).toBe(ask.states.at(-1));
    // The upstream was asked with the client's input capabilities only (not the gateway's, not other capabilities).
    expect(ask.calls.at(-1)).toMatchObject({ method: 'tools/call', name: 'multi_round', hadState: false, clientCapabilities: { elicitation: {} } });
    expect(ask.calls.at(-1)!.clientCapabilities).toEqual({ elicitation: {} });

    const responses1 = { step1: accept({ name: 'Ada' }) };
    const r2 = await callTool('ask_multi_round', { inputResponses: responses1, requestState: r1.result.requestState }, declared);
    expect(r2.result).toMatchObject({ resultType: 'input_required', inputRequests: { step2: { method: 'elicitation/create' } } });
    expect(r2.result.requestState).toBe(ask.states.at(-1));
    expect(r2.result.requestState).not.toBe(r1.result.requestState);
    expect(ask.calls.at(-1)).toMatchObject({ name: 'multi_round', inputResponses: responses1, hadState: true });

    const r3 = await callTool('ask_multi_round', { inputResponses: { step2: accept({ color: 'teal' }) }, requestState: r2.result.requestState }, declared);
    expect(r3.result.resultType ?? 'complete').toBe('complete');
    expect(r3.result.content).toEqual([{ type: 'text', text: 'Ada likes teal' }]);

    // One audit line per round; the rounds that asked for input say so.
    await waitFor(() => (runtime.output().match(/"tool":"ask_multi_round"[^\n]*"outcome":"input_required"/g) ?? []).length >= 2, 'audit lines of the input_required rounds');
  });

  it('prompts/get: input_required, then the prompt once the retry carries the response', async () => {
    const r1 = await rpc('prompts/get', { name: 'ask_prompt' });
    expect(r1.result).toMatchObject({ resultType: 'input_required', inputRequests: { user_context: { method: 'elicitation/create' } } });
    const r2 = await rpc('prompts/get', { name: 'ask_prompt', inputResponses: { user_context: accept({ context: 'billing' }) } });
    expect(r2.result.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'Use this context: billing' } }]);
  });

  it('the SDK v2 client fulfils elicitation, sampling and roots through the gateway by itself', async () => {
    const client = new Client({ name: 'mrtr-test', version: '1.0.0' }, { capabilities: ALL_INPUT, versionNegotiation: { mode: { pin: MODERN } } } as never);
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push(`elicit:${request.params.message}`);
      return { action: 'accept', content: { name: 'Grace' } };
    });
    client.setRequestHandler('sampling/createMessage', async () => {
      asked.push('sample');
      return { role: 'assistant', content: { type: 'text', text: 'Good day,' }, model: 'test-model', stopReason: 'endTurn' };
    });
    client.setRequestHandler('roots/list', async () => {
      asked.push('roots');
      return { roots: [{ uri: 'file:///srv/project', name: 'project' }] };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(endpoint())));
    try {
      const result = await client.callTool({ name: 'ask_multiple_inputs', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'Good day, Grace; roots: file:///srv/project' }]);
      expect(asked.sort()).toEqual(['elicit:What is your name?', 'roots', 'sample']);
    } finally {
      await client.close();
    }
  });

  it("a retry whose requestState the upstream refuses gets its -32602, tampered or another server's", async () => {
    const r1 = await callTool('ask_tampered_state');
    const state: string = r1.result.requestState;
    const tampered = await callTool('ask_tampered_state', { inputResponses: { confirm: accept({ ok: true }) }, requestState: `${state}-TAMPERED` });
    expect(tampered.error).toMatchObject({ code: -32602, message: 'Invalid or expired requestState' });
    // `ask`'s state sent to `rogue` (same tool, another server and key): routed by name to rogue, refused by it.
    const foreign = await callTool('rogue_tampered_state', { inputResponses: { confirm: accept({ ok: true }) }, requestState: state });
    expect(foreign.error).toMatchObject({ code: -32602, message: 'Invalid or expired requestState' });
    // The untouched state still works at its own server.
    const good = await callTool('ask_tampered_state', { inputResponses: { confirm: accept({ ok: true }) }, requestState: state });
    expect(good.result.content).toEqual([{ type: 'text', text: 'state-ok' }]);
  });

  it('never asks a client for input it did not declare: the upstream is told, and a rogue upstream is refused (-32021)', async () => {
    const polite = await callTool('ask_capabilities', {}, { sampling: {} });
    expect(Object.values(polite.result.inputRequests).map((r: any) => r.method)).toEqual(['sampling/createMessage']);
    expect(ask.calls.at(-1)!.clientCapabilities).toEqual({ sampling: {} });

    const before = rogue.calls.length;
    const refused = await callTool('rogue_elicitation', {}, { sampling: {} });
    expect(rogue.calls.length).toBe(before + 1); // the upstream did answer input_required: the gateway refused to pass it on
    expect(refused.result).toBeUndefined();
    expect(refused.error?.code).toBe(-32021);
    expect(refused.error?.message).toMatch(/elicitation/);
  });
});

describe('2025 sessions: no relaying', () => {
  it('an upstream input_required result becomes a tool error that says why; the upstream saw no client capabilities', async () => {
    const session = await connectStreamable(endpoint());
    try {
      const result = await session.client.callTool({ name: 'rogue_elicitation', arguments: {} });
      expect(result.isError).toBe(true);
      const text = (result.content as Array<{ type: string; text: string }>)[0]!.text;
      expect(text).toContain('server "rogue"');
      expect(text).toContain('input_required');
      expect(text).toContain('elicitation/create');
      expect(text).toContain('2025 session');
      // A well-behaved upstream, told the truth (no capabilities), refuses by itself; still a tool error, not a hang.
      const polite = await session.client.callTool({ name: 'ask_elicitation', arguments: {} });
      expect(polite.isError).toBe(true);
      expect(ask.calls.at(-1)).toMatchObject({ name: 'elicitation', clientCapabilities: {} });
    } finally {
      await closeStreamable(session);
    }
  });
});
