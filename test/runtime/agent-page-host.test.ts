/**
 * `pnpm agent` on the host against a config generated for compose: the upstream hosts are compose service names. The
 * runtime says so in one warning (naming the published ports), and `--upstream-compose-file` points it at the ports
 * the compose file publishes on 127.0.0.1, so the same config works from the host.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeHint, publishedPorts, rewriteUpstreams, serviceHosts, unresolvedServiceHosts } from '../../runtime/upstream-hosts.ts';
import { startFixture } from './fixtures/mcp-fixture.ts';
import type { Fixture } from './fixtures/mcp-fixture.ts';
import { cleanup, customer, postJson, server, startRuntime, tempDir, waitFor, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

let fixture: Fixture;
/** Started without the option: it should hint. */
let hinting: RuntimeProc;
/** Started with `--upstream-compose-file`. */
let mapped: RuntimeProc;

beforeAll(async () => {
  fixture = await startFixture({ name: 'grafana' });
  const acme = [customer('acme', 'Acme', [server('grafana', 'http://mcp-grafana-acme:8000/mcp')])];
  const hintConfig = writeConfig(acme);
  composeFile(dirname(hintConfig), fixture.port);
  const mappedConfig = writeConfig(acme);
  // Each process takes a few seconds to start on a busy machine: side by side.
  [hinting, mapped] = await Promise.all([
    startRuntime(hintConfig, { args: ['--log-level', 'warn'] }),
    startRuntime(mappedConfig, { args: ['--upstream-compose-file', composeFile(tempDir(), fixture.port)] }),
  ]);
}, 30_000);

afterAll(async () => {
  await cleanup();
  await fixture?.close();
});

/** A compose file in the generated shape: the service publishes container port 8000 on 127.0.0.1:`port`. */
function composeFile(dir: string, port: number): string {
  const path = join(dir, 'docker-compose.mcps.yml');
  writeFileSync(
    path,
    [
      'services:',
      '  mcp-agent:',
      '    ports:',
      '      - "127.0.0.1:8080:8080"',
      '  mcp-grafana-acme:',
      '    image: "grafana/mcp-grafana:0.17.1"',
      '    ports:',
      `      - "127.0.0.1:${port}:8000"`,
      '  mcp-alertmanager-acme:',
      '    ports:',
      '      - target: 8000',
      '        published: 20003',
      '        host_ip: 0.0.0.0',
      '  mcp-unpublished:',
      '    image: x',
      '',
    ].join('\n'),
  );
  return path;
}

describe('compose service names on the host', () => {
  it('reads published ports (short and long syntax) and rewrites service URLs to them', () => {
    const file = composeFile(tempDir(), 20001);
    const published = publishedPorts(file);
    expect(Object.fromEntries(published)).toEqual({ 'mcp-agent:8080': '127.0.0.1:8080', 'mcp-grafana-acme:8000': '127.0.0.1:20001', 'mcp-alertmanager-acme:8000': '127.0.0.1:20003' });
    const config = {
      customers: [
        customer('acme', 'Acme', [
          server('grafana', 'http://mcp-grafana-acme:8000/mcp'),
          server('alertmanager', 'http://mcp-alertmanager-acme:8000/mcp?x=1'),
          server('genesys', 'http://mcp-unpublished:8000/mcp'),
          server('remote', 'https://mcp.example.com/mcp'),
        ]),
      ],
    };
    expect(serviceHosts(config)).toEqual(['mcp-alertmanager-acme', 'mcp-grafana-acme', 'mcp-unpublished']);
    const { config: rewritten, rewritten: count, missing } = rewriteUpstreams(config, published);
    expect(rewritten.customers[0]!.mcp_servers.map((s) => s.url)).toEqual(['http://127.0.0.1:20001/mcp', 'http://127.0.0.1:20003/mcp?x=1', 'http://mcp-unpublished:8000/mcp', 'https://mcp.example.com/mcp']);
    expect(count).toBe(2);
    expect(missing).toEqual(['mcp-unpublished:8000']);
    expect(() => publishedPorts(join(tempDir(), 'none.yml'))).toThrow(/no such file/);
  });

  it('hints once at start when service hosts do not resolve, naming the option and the published port', async () => {
    expect(await unresolvedServiceHosts({ customers: [customer('a', 'A', [server('x', 'http://svc-a:1/mcp'), server('y', 'http://svc-b:1/mcp')])] }, 1_000, async (host) => {
      if (host === 'svc-a') throw Object.assign(new Error('getaddrinfo ENOTFOUND svc-a'), { code: 'ENOTFOUND' });
    })).toEqual(['svc-a']);

    const runtime = hinting;
    const line = await waitFor(() => runtime.output().split('\n').find((l) => l.includes('do not resolve') || l.includes('does not resolve')), 'the hint', 10_000);
    const hint = JSON.parse(line);
    expect(hint.level).toBe('warn');
    expect(hint.msg).toContain('compose service names resolve only inside the compose network');
    expect(hint.msg).toContain('pnpm manage up');
    expect(hint.msg).toContain('--upstream-compose-file');
    expect(hint.msg).toContain(`mcp-grafana-acme:8000 → 127.0.0.1:${fixture.port}`);
    expect(hint.hosts).toEqual(['mcp-grafana-acme']);
    expect(runtime.output().split('\n').filter((l) => l.includes('compose network'))).toHaveLength(1);
  });

  it('--upstream-compose-file reaches the servers through the published ports', async () => {
    const runtime = mapped;
    expect(runtime.output()).toContain('"rewritten":1');
    const switched = await runtime.json('/api/customers/switch', postJson({ customer: 'acme' }));
    expect(switched.body).toMatchObject({ success: true, connected_mcps: ['grafana'] });
    expect((await runtime.json('/api/tools/call', postJson({ tool: 'grafana_echo', arguments: { text: 'via the published port' } }))).body.result.content[0].text).toBe('via the published port');
    expect(runtime.output()).not.toContain('compose network');
  });
});
