/**
 * Failure classification of the SDK v2 client's errors (what McpConnection, the API and the gateway report), and the
 * "server now speaks another revision" test the connection re-negotiates on.
 */
import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError, SseError, UnauthorizedError } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { classifyError, httpStatusOf, isConnectionFailure, isEraMismatch, isSessionExpired, TimeoutError } from '../../runtime/pool/failure.ts';
import { Redactor } from '../../runtime/redact.ts';
import { CONNECTION_CLOSED_CODE } from '../../runtime/transport/streamable-http-transport.ts';

const redactor = new Redactor();
const classify = (error: unknown) => classifyError(error, redactor);
const http = (status: number, text?: string) => new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint (HTTP ${status})`, { status, ...(text !== undefined && { text }) });
const errno = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

describe('classifyError on SDK v2 errors', () => {
  it('maps each error to the reason the API and the gateway report', () => {
    expect(classify(new TimeoutError(400, 'connect'))).toEqual({ reason: 'timeout', message: 'no answer within 400 ms' });
    expect(classify(new SdkError(SdkErrorCode.RequestTimeout, 'Request timed out'))).toEqual({ reason: 'timeout', message: 'request timed out' });
    expect(classify(new SdkError(SdkErrorCode.ConnectionClosed, 'closed'))).toMatchObject({ reason: 'closed' });
    expect(classify(new SdkError(SdkErrorCode.NotConnected, 'Not connected'))).toMatchObject({ reason: 'closed' });
    expect(classify(new ProtocolError(CONNECTION_CLOSED_CODE, 'Connection closed: the server ended the stream before answering'))).toMatchObject({ reason: 'closed' });
    expect(classify(new ProtocolError(-32602, 'Unknown tool: nope'))).toEqual({ reason: 'protocol', message: 'Unknown tool: nope' });
    expect(classify(http(404, 'Not Found'))).toEqual({ reason: 'http', message: 'HTTP 404 not found', status: 404 });
    expect(classify(http(503))).toEqual({ reason: 'http', message: 'HTTP 503 service unavailable', status: 503 });
    expect(classify(http(401))).toMatchObject({ reason: 'auth', status: 401 });
    expect(classify(new SdkHttpError(SdkErrorCode.ClientHttpForbidden, 'Version negotiation failed: the server denied access (HTTP 403)', { status: 403 }))).toMatchObject({ reason: 'auth', status: 403 });
    expect(classify(new UnauthorizedError())).toMatchObject({ reason: 'auth', status: 401 });
    expect(classify(new SdkError(SdkErrorCode.ClientHttpUnexpectedContent, 'Unexpected content type: text/html'))).toMatchObject({ reason: 'protocol' });
    expect(classify(new SdkError(SdkErrorCode.InvalidResult, 'Invalid result for tools/list'))).toMatchObject({ reason: 'protocol' });
    expect(classify(errno('ECONNREFUSED'))).toMatchObject({ reason: 'refused' });
    expect(classify(errno('ECONNRESET'))).toMatchObject({ reason: 'closed' });
    expect(classify(errno('ENOTFOUND'))).toMatchObject({ reason: 'unreachable' });
    expect(classify(errno('DEPTH_ZERO_SELF_SIGNED_CERT'))).toMatchObject({ reason: 'tls' });
    expect(classify(new SseError(404, 'Non-200 status code (404)', {} as ConstructorParameters<typeof SseError>[2]))).toMatchObject({ reason: 'http', status: 404 });
    expect(classify(new Error('Error POSTing to endpoint (HTTP 404): Session not found'))).toEqual({ reason: 'http', message: 'HTTP 404 not found', status: 404 });
  });

  it('looks through a failed version probe to its cause', () => {
    const refused = new SdkError(SdkErrorCode.EraNegotiationFailed, 'Version negotiation probe failed: connect ECONNREFUSED', { cause: errno('ECONNREFUSED') }, { cause: errno('ECONNREFUSED') });
    expect(classify(refused)).toMatchObject({ reason: 'refused' });
    const failedSend = new SdkError(SdkErrorCode.SendFailed, 'send failed', undefined, { cause: errno('ECONNRESET') });
    expect(classify(failedSend)).toMatchObject({ reason: 'closed' });
    const fiveHundred = new SdkHttpError(SdkErrorCode.EraNegotiationFailed, 'Version negotiation failed: the server answered the probe with HTTP 502', { status: 502 });
    expect(classify(fiveHundred)).toMatchObject({ reason: 'http', status: 502 });
    expect(classify(new SdkError(SdkErrorCode.EraNegotiationFailed, 'unusable reply'))).toMatchObject({ reason: 'protocol' });
  });

  it('never forwards an HTTP error body', () => {
    const failure = classify(http(400, 'bad credentials for token=hunter2-supersecret-value'));
    expect(JSON.stringify(failure)).not.toContain('hunter2');
  });

  it('tells connection failures, session expiry and status apart', () => {
    expect(isConnectionFailure(classify(errno('ECONNREFUSED')))).toBe(true);
    expect(isConnectionFailure(classify(http(502)))).toBe(true);
    expect(isConnectionFailure(classify(http(400)))).toBe(false);
    expect(isConnectionFailure(classify(new SdkError(SdkErrorCode.RequestTimeout, 'x')))).toBe(false);
    expect(isSessionExpired(http(404))).toBe(true);
    expect(isSessionExpired(http(400))).toBe(false);
    expect(httpStatusOf(new Error('nothing'))).toBeUndefined();
  });
});

describe('isEraMismatch', () => {
  const unsupported = JSON.stringify({ jsonrpc: '2.0', id: 5, error: { code: -32022, message: 'Unsupported protocol version: 2025-11-25', data: { supported: ['2026-07-28'] } } });

  it('on 2026-07-28: a 4xx without a JSON-RPC answer, or -32022 — not auth, rate limits or server errors', () => {
    expect(isEraMismatch(http(400, '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: no session"},"id":null}'), 'modern')).toBe(true);
    expect(isEraMismatch(http(400, 'Bad Request: Unsupported protocol version (supported versions: 2025-11-25)'), 'modern')).toBe(true);
    expect(isEraMismatch(http(405), 'modern')).toBe(true);
    expect(isEraMismatch(new ProtocolError(-32022, 'Unsupported protocol version'), 'modern')).toBe(true);
    for (const status of [401, 403, 408, 413, 429, 500, 503]) expect(isEraMismatch(http(status), 'modern'), String(status)).toBe(false);
    expect(isEraMismatch(new ProtocolError(-32602, 'Unknown tool'), 'modern')).toBe(false);
    expect(isEraMismatch(errno('ECONNREFUSED'), 'modern')).toBe(false);
  });

  it('on 2025: only a 400 carrying -32022 (a 2026-only server); 404 is a lost session, not a revision change', () => {
    expect(isEraMismatch(http(400, unsupported), 'legacy')).toBe(true);
    expect(isEraMismatch(http(400, 'Bad Request'), 'legacy')).toBe(false);
    expect(isEraMismatch(http(404, 'Session not found'), 'legacy')).toBe(false);
    expect(isEraMismatch(http(405), 'legacy')).toBe(false);
  });
});
