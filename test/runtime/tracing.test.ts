/**
 * OpenTelemetry traces on a real runtime process with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a small OTLP/HTTP
 * receiver in the test: a gateway tools/call becomes a SERVER span under the client's traceparent and a CLIENT span
 * under it, and the upstream request carries the CLIENT span as its parent — one trace from the agent to the server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INITIALIZE } from './fixtures/gateway-clients.ts';
import { startFixture } from './fixtures/mcp-fixture.ts';
import type { Fixture } from './fixtures/mcp-fixture.ts';
import { cleanup, customer, server, startRuntime, waitFor, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: { stringValue?: string } }>;
  status?: { code?: number };
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

describe('OTLP traces', () => {
  let fixture: Fixture;
  let runtime: RuntimeProc;
  let receiver: http.Server;
  const spans: OtlpSpan[] = [];
  const contentTypes: string[] = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        contentTypes.push(String(req.headers['content-type']));
        if (req.url === '/v1/traces') {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
          for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    fixture = await startFixture({ name: 'grafana' });
    const config = writeConfig([customer('acme', 'Acme', [server('grafana', fixture.url)])]);
    runtime = await startRuntime(config, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}` } });
  });
  afterAll(async () => {
    await cleanup();
    await fixture?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('a gateway tools/call is one trace: client span → gateway SERVER span → CLIENT span → upstream request', async () => {
    const mcp = `${runtime.url}/customers/acme/mcp`;
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const init = await fetch(mcp, { method: 'POST', headers, body: JSON.stringify(INITIALIZE) });
    await init.text();
    const session = { ...headers, 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-06-18' };
    await (await fetch(mcp, { method: 'POST', headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
    const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'grafana_add', arguments: { a: 1, b: 2 } } };
    const answer = await (await fetch(mcp, { method: 'POST', headers: { ...session, traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` }, body: JSON.stringify(call) })).text();
    expect(answer).toContain('"sum":3');

    const upstream = fixture.stats.traceparents.at(-1)!;
    const [, traceId, parentId] = upstream.split('-');
    expect(traceId).toBe(TRACE_ID);
    expect(parentId).not.toBe(CLIENT_SPAN); // the gateway's own span, not the client's

    await waitFor(() => spans.some((s) => s.kind === 3 /* CLIENT */) && spans.some((s) => s.kind === 2 /* SERVER */), 'both spans exported', 10_000);
    expect(contentTypes).toContain('application/json');
    const serverSpan = spans.find((s) => s.kind === 2)!;
    const clientSpan = spans.find((s) => s.kind === 3)!;
    expect(serverSpan).toMatchObject({ traceId: TRACE_ID, parentSpanId: CLIENT_SPAN, name: 'tools/call grafana_add' });
    expect(clientSpan).toMatchObject({ traceId: TRACE_ID, parentSpanId: serverSpan.spanId, spanId: parentId, name: 'tools/call add' });
    const attributes = Object.fromEntries(clientSpan.attributes.map((a) => [a.key, a.value.stringValue]));
    expect(attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'add', 'mcpfleet.customer': 'acme', 'mcpfleet.server': 'grafana' });
    expect(runtime.output()).toContain('"msg":"tracing on"');
  });
});
