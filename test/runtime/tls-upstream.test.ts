/**
 * An MCP server behind HTTPS with a private certificate: the runtime reaches it once the certificate is trusted
 * (NODE_EXTRA_CA_CERTS, as a deployment would mount its CA) and otherwise reports the server failed with reason `tls`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture } from './fixtures/mcp-fixture.ts';
import type { Fixture } from './fixtures/mcp-fixture.ts';
import { cleanup, customer, postJson, server, startRuntime, tempDir, writeConfig } from './helpers.ts';

let fixture: Fixture;
let certPath: string;
let configPath: string;

beforeAll(async () => {
  const dir = tempDir();
  certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  fixture = await startFixture({ tls: { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') } });
  configPath = writeConfig([customer('secure', 'Secure', [server('grafana', fixture.url)])]);
});

afterAll(async () => {
  await fixture?.close();
  await cleanup();
});

describe('an HTTPS MCP server', () => {
  it('is connected and called through the runtime when its certificate is trusted', async () => {
    expect(fixture.url).toMatch(/^https:\/\//);
    const runtime = await startRuntime(configPath, { env: { NODE_EXTRA_CA_CERTS: certPath } });
    const switched = await runtime.json('/api/customers/switch', postJson({ customer: 'secure' }));
    expect(switched.body).toMatchObject({ success: true, connected_mcps: ['grafana'], failed_mcps: [] });
    expect(switched.body.connected_servers[0].transport).toBe('streamable-http');
    const call = await runtime.json('/api/tools/call', postJson({ tool: 'grafana_echo', arguments: { text: 'over tls' } }));
    expect(call.status).toBe(200);
    expect(JSON.stringify(call.body)).toContain('over tls');
    await runtime.stop();
  });

  it('is reported failed with reason tls when the certificate is not trusted', async () => {
    const runtime = await startRuntime(configPath);
    const switched = await runtime.json('/api/customers/switch', postJson({ customer: 'secure' }));
    expect(switched.body.connected_mcps).toEqual([]);
    expect(switched.body.failed_mcps).toEqual([expect.objectContaining({ type: 'grafana', reason: 'tls', message: expect.stringMatching(/TLS handshake failed: \w*CERT/) })]);
    await runtime.stop();
  });
});
