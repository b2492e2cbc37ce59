/**
 * tools/call on a 2025 streamable session is answered outside the SDK (runtime/sessions/direct-tool-call.ts). These
 * tests hold it to the SDK's answers: the same request sent as a one-message batch still goes through the SDK
 * transport and Server, so each case below is sent both ways on one session and the JSON-RPC messages must be equal.
 * Requests the direct path is not sure of get the SDK's own refusals; a cancelled call and a call whose session is
 * deleted get no answer, as through the SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawInitialize, rawPost } from './fixtures/gateway-clients.ts';
import { startFixture } from './fixtures/mcp-fixture.ts';
import type { Fixture } from './fixtures/mcp-fixture.ts';
import { cleanup, customer, server, startRuntime, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const CALL_TIMEOUT_MS = 1_500;
let fixture: Fixture;
let runtime: RuntimeProc;
let url: string;

/** The JSON-RPC messages of an event-stream answer, in order. */
const messages = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => JSON.parse(line.slice(5)) as Record<string, unknown>);

const toolCall = (id: string | number, params: Record<string, unknown>) => ({ jsonrpc: '2.0', id, method: 'tools/call', params });

async function openSession(): Promise<string> {
  const init = await rawInitialize(url);
  expect(init.status).toBe(200);
  const sessionId = init.sessionId!;
  expect((await rawPost(url, sessionId, { jsonrpc: '2.0', method: 'notifications/initialized' })).status).toBe(202);
  return sessionId;
}

/** Starts a POST and returns its response (headers received), leaving the body to be read. */
function startPost(sessionId: string, message: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify(message),
    signal: AbortSignal.timeout(15_000),
  });
}

beforeAll(async () => {
  fixture = await startFixture({ name: 'direct' });
  const config = writeConfig([{ ...customer('open', 'Open', [server('grafana', fixture.url)]), gateway: { deny_tools: ['grafana_add'] } }]);
  runtime = await startRuntime(config, { args: ['--call-timeout-ms', String(CALL_TIMEOUT_MS)] });
  url = `${runtime.url}/customers/open/mcp`;
});

afterAll(async () => {
  await cleanup();
  await fixture?.close();
});

describe('gateway: tools/call answered outside the SDK', () => {
  it('answers each call as the SDK does: result, unknown tool, filtered tool, upstream timeout, string and number ids, _meta', async () => {
    const sessionId = await openSession();
    const cases = [
      toolCall(1, { name: 'grafana_echo', arguments: { text: 'hello' } }),
      toolCall('call-a', { name: 'grafana_echo', arguments: { text: 'string id' } }),
      toolCall(2, { name: 'grafana_no_such_tool', arguments: {} }),
      toolCall(3, { name: 'grafana_add', arguments: { a: 1, b: 2 } }),
      toolCall(4, { name: 'grafana_sleep', arguments: { ms: CALL_TIMEOUT_MS + 2_000 } }),
      toolCall(5, { name: 'grafana_echo', arguments: { text: 'with meta' }, _meta: { progressToken: 'p-1', 'example.com/note': 'kept' } }),
      toolCall(6, { name: 'grafana_echo' }),
    ];
    for (const call of cases) {
      const direct = await startPost(sessionId, call);
      expect(direct.status).toBe(200);
      expect(direct.headers.get('content-type')).toBe('text/event-stream');
      expect(direct.headers.get('mcp-session-id')).toBe(sessionId);
      const directMessages = messages(await direct.text());
      const viaSdk = await startPost(sessionId, [call]);
      expect(viaSdk.status).toBe(200);
      expect(directMessages).toEqual(messages(await viaSdk.text()));
      expect(directMessages).toHaveLength(1);
      expect(directMessages[0]).toMatchObject({ jsonrpc: '2.0', id: call.id });
    }
    // The cases are what their names say (so the comparison above compares something).
    const answers = await Promise.all(cases.slice(0, 4).map(async (call) => messages(await (await startPost(sessionId, call)).text())[0]));
    expect(answers[0]).toMatchObject({ result: { content: [{ type: 'text', text: 'hello' }] } });
    expect(answers[2]).toMatchObject({ error: { code: -32602 } });
    expect(answers[3]).toMatchObject({ error: { code: -32602 } });
  });

  it('leaves to the SDK what it is not sure of, and the client gets the SDK\'s answer', async () => {
    const sessionId = await openSession();
    const echo = toolCall(10, { name: 'grafana_echo', arguments: { text: 'a' } });
    const notAcceptable = await rawPost(url, sessionId, echo, { accept: 'application/json' });
    expect(notAcceptable.status).toBe(406);
    const unsupported = await rawPost(url, sessionId, echo, { 'mcp-protocol-version': '1999-01-01' });
    expect(unsupported.status).toBe(400);
    expect(unsupported.text).toContain('Unsupported protocol version: 1999-01-01');
    const arrayArguments = await rawPost(url, sessionId, toolCall(11, { name: 'grafana_echo', arguments: ['a'] }));
    expect(messages(arrayArguments.text)[0]).toMatchObject({ id: 11, error: { code: -32602, message: expect.stringContaining('Invalid tools/call request') } });
  });

  it('a cancelled call is not answered: its stream ends empty and the session goes on', async () => {
    const sessionId = await openSession();
    const pending = startPost(sessionId, toolCall(42, { name: 'grafana_sleep', arguments: { ms: CALL_TIMEOUT_MS + 2_000 } }));
    const response = await pending;
    expect(response.status).toBe(200);
    const cancelled = await rawPost(url, sessionId, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 42, reason: 'test' } });
    expect(cancelled.status).toBe(202);
    // Without the cancel, the call would be answered with a timeout error result after the call timeout.
    expect(await response.text()).toBe('');
    expect(messages((await rawPost(url, sessionId, toolCall(43, { name: 'grafana_echo', arguments: { text: 'after' } }))).text)[0]).toMatchObject({ id: 43, result: { content: [{ text: 'after' }] } });
  });

  it('deleting the session ends the streams of its calls in flight, unanswered', async () => {
    const sessionId = await openSession();
    const response = await startPost(sessionId, toolCall(7, { name: 'grafana_sleep', arguments: { ms: CALL_TIMEOUT_MS + 2_000 } }));
    expect(response.status).toBe(200);
    const deleted = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' } });
    expect(deleted.status).toBe(200);
    expect(await response.text()).toBe('');
    expect((await rawPost(url, sessionId, toolCall(8, { name: 'grafana_echo', arguments: { text: 'gone' } }))).status).toBe(404);
  });
});
