import { describe, expect, it } from 'vitest';
import { buildFleet, type CustomerSource } from '../../fleet/build-fleet.ts';
import type { Problem } from '../../fleet/problem.ts';
import { segurcaixa, vattenfall, type CustomerObject } from '../helpers/fleet-repo.ts';

const source = (id: string, exported: unknown): CustomerSource => ({ id, file: `customers/${id}.ts`, exported });
const grafana = (extra: Record<string, unknown> = {}) => ({ type: 'grafana', url: 'https://g.example.com', tokenEnv: 'GRAFANA_TOKEN_X', ...extra });
const customer = (servers: unknown[], extra: Record<string, unknown> = {}): CustomerObject => ({ name: 'Acme', host: 'acme.example.com', mcpServers: servers, ...extra });

function problemsOf(...customers: CustomerSource[]): Problem[] {
  const result = buildFleet({ customers });
  if (result.ok) throw new Error('expected problems, got a valid fleet');
  return result.problems;
}

describe('buildFleet: valid input', () => {
  it('derives names, ports and URLs once for every output', () => {
    const result = buildFleet({ customers: [source('vattenfall-de', vattenfall), source('segurcaixa', segurcaixa)] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.fleet.customers.map((c) => c.id)).toEqual(['segurcaixa', 'vattenfall-de']);
    const genesys = result.fleet.customers[1]!.servers[2]!;
    expect(genesys.serviceName).toBe('mcp-genesys-vattenfall-de');
    expect(genesys.composeUrl).toBe('http://mcp-genesys-vattenfall-de:8000/mcp');
    expect(genesys.kubernetesUrl).toBe('http://mcp-genesys-vattenfall-de.mcp-vattenfall-de.svc.cluster.local:8000/mcp');
    expect(genesys.credentials.map((c) => c.variable)).toEqual(['GENESYS_CLIENT_ID_VATTENFALL', 'GENESYS_CLIENT_SECRET_VATTENFALL']);
    expect(genesys.runtimeConfig).toMatchObject({ region: 'mypurecloud.de', oauth_url: 'https://login.mypurecloud.de/oauth/token' });
    const ports = Object.values(result.fleet.ports);
    expect(new Set(ports).size).toBe(5);
    expect(ports.every((p) => p >= 20000 && p <= 29999)).toBe(true);
  });

  it('names the second server of a type after its own name', () => {
    const result = buildFleet({ customers: [source('acme', customer([grafana(), grafana({ name: 'staging', tokenEnv: 'GRAFANA_TOKEN_Y' })]))] });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.fleet.customers[0]!.servers.map((s) => s.serviceName)).toEqual(['mcp-grafana-acme', 'mcp-grafana-acme-staging']);
  });

  it('applies fleet-config overrides: image, registry mirror, resources', () => {
    const result = buildFleet({
      customers: [source('acme', customer([grafana(), { type: 'genesys', region: 'mypurecloud.ie', clientIdEnv: 'A', clientSecretEnv: 'B' }]))],
      config: { imageRegistry: 'mirror.example.com/hub', resources: { memory: '512M' }, types: { grafana: { image: 'ghcr.io/acme/grafana-mcp:1', resources: { cpus: '1' } } } },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const [g, gen] = result.fleet.customers[0]!.servers;
    expect(g!.image).toBe('mirror.example.com/hub/acme/grafana-mcp:1');
    expect(g!.resources).toEqual({ cpus: '1', memory: '512M' });
    expect(gen!.image).toBe('mirror.example.com/hub/mcpfleet/genesys-cloud-mcp:1.0.4');
    expect(gen!.buildContext).toBe('images/genesys');
  });
});

describe('buildFleet: every bad input is reported with file, path and fix', () => {
  const cases: Array<[string, CustomerSource[], Partial<Problem>]> = [
    ['typo in a key suggests the right one', [source('acme', customer([{ type: 'grafana', url: 'https://g.example.com', tokenEnvv: 'T' }]))], { path: 'mcpServers[0].tokenEnvv', message: 'unknown key "tokenEnvv": did you mean "tokenEnv"?' }],
    ['typo at the top level', [source('acme', { ...customer([grafana()]), hots: 'x' })], { path: 'hots', message: 'unknown key "hots": did you mean "host"?' }],
    ['unknown MCP type', [source('acme', customer([{ type: 'prometheus' }]))], { path: 'mcpServers[0].type', message: "unknown MCP type; use one of: 'grafana', 'alertmanager', 'genesys'" }],
    ['invalid Genesys region', [source('acme', customer([{ type: 'genesys', region: 'mypurecloud.fr', clientIdEnv: 'A', clientSecretEnv: 'B' }]))], { path: 'mcpServers[0].region' }],
    ['env var name that is not one', [source('acme', customer([grafana({ tokenEnv: 'glsa_abc123' })]))], { path: 'mcpServers[0].tokenEnv' }],
    ['URL that is not http(s)', [source('acme', customer([grafana({ url: 'ftp://g.example.com' })]))], { path: 'mcpServers[0].url', message: expect.stringContaining('must be a full http:// or https:// URL') }],
    ['URL without a scheme does not crash the run', [source('acme', customer([grafana({ url: 'maas-1203' })]))], { path: 'mcpServers[0].url', message: expect.stringContaining('e.g. https://') }],
    ['URL without a host', [source('acme', customer([grafana({ url: 'https://' })]))], { path: 'mcpServers[0].url', message: expect.stringContaining('with a host') }],
    ['URL with a credential in its query string', [source('acme', customer([grafana({ url: 'https://g.example.com/?api_key=abc&org=1' })]))], { path: 'mcpServers[0].url', message: expect.stringContaining('"api_key"') }],
    ['URL with a signature parameter', [source('acme', customer([grafana({ url: 'https://g.example.com/?X-Amz-Signature=abc' })]))], { path: 'mcpServers[0].url', message: expect.stringContaining('query string') }],
    ['a number where a string belongs says what was given', [source('acme', customer([grafana()], { name: 42 }))], { path: 'name', message: 'expected a string, got the number 42' }],
    ['a string where an array belongs', [source('acme', customer('grafana' as never))], { path: 'mcpServers', message: 'expected an array, got the string "grafana"' }],
    ['a default export that is a function', [source('acme', () => ({}))], { path: '', message: expect.stringContaining('got a function') }],
    ['a tool name with shell characters', [source('acme', customer([grafana()], { gateway: { allowTools: ['$(x);../"\''] } }))], { path: 'gateway.allowTools[0]', message: expect.stringContaining('letters, digits') }],
    ['gateway token variable that is the agent admin token', [source('acme', customer([grafana()], { gateway: { tokenEnv: 'AGENT_API_TOKEN' } }))], { path: 'gateway.tokenEnv', message: expect.stringContaining("agent runtime's and mcpfleet's own settings") }],
    ['credential variable an image reads', [source('acme', customer([grafana({ tokenEnv: 'GRAFANA_URL' })]))], { path: 'mcpServers[0].tokenEnv', message: expect.stringContaining("grafana server's container reads") }],
    ['credential variable the shell owns', [source('acme', customer([{ type: 'alertmanager', url: 'http://a.example.com', basicAuth: { usernameEnv: 'USER', passwordEnv: 'LD_PRELOAD' } }]))], { path: 'mcpServers[0].basicAuth.usernameEnv', message: expect.stringContaining('set by the shell') }],
    ['an access key where a variable name belongs', [source('acme', customer([grafana({ tokenEnv: 'AKIA2E0A8F3B244C9986' })]))], { path: 'mcpServers[0].tokenEnv', message: expect.stringContaining('looks like a secret value') }],
    ['URL with credentials', [source('acme', customer([grafana({ url: 'https://admin:pw@g.example.com' })]))], { path: 'mcpServers[0].url' }],
    ['URL with a line break', [source('acme', customer([grafana({ url: 'https://g.example.com/\nX=1' })]))], { path: 'mcpServers[0].url' }],
    ['no servers', [source('acme', customer([]))], { path: 'mcpServers' }],
    ['missing field', [source('acme', customer([{ type: 'grafana', url: 'https://g.example.com' }]))], { path: 'mcpServers[0].tokenEnv', message: 'is required (expected string)' }],
    ['two servers with one name', [source('acme', customer([grafana(), grafana()]))], { path: 'mcpServers[1].name' }],
    ['id that is not a DNS label', [source('Acme_EU', customer([grafana()]))], { file: 'customers/Acme_EU.ts', path: '' }],
    ['id reserved for a profile', [source('grafana', customer([grafana()]))], { file: 'customers/grafana.ts' }],
    ['duplicate display names, case-insensitive', [source('a', customer([grafana({ tokenEnv: 'A' })], { name: 'ACME' })), source('b', customer([grafana({ tokenEnv: 'B' })], { name: 'acme' }))], { file: 'customers/b.ts', path: 'name' }],
    ['duplicate generated service names', [source('a-b', customer([grafana({ tokenEnv: 'A' }), grafana({ name: 'c', tokenEnv: 'A2' })], { name: 'AB' })), source('a-b-c', customer([grafana({ tokenEnv: 'B' })], { name: 'ABC' }))], { file: 'customers/a-b-c.ts', path: 'mcpServers[0]' }],
    ['service name longer than 63', [source('a'.repeat(50), customer([{ type: 'alertmanager', url: 'http://a.example.com' }]))], { file: `customers/${'a'.repeat(50)}.ts`, path: 'mcpServers[0]', message: expect.stringContaining('over the DNS limit of 63') }],
    ['credential variable shared by two customers', [source('a', customer([grafana()], { name: 'A' })), source('b', customer([grafana()], { name: 'B' }))], { file: 'customers/b.ts', path: 'mcpServers[0]' }],
    ['default export that is not an object', [source('acme', 'oops')], { path: '' }],
  ];

  it.each(cases)('%s', (_title, customers, expected) => {
    const problems = problemsOf(...customers);
    expect(problems).toContainEqual(expect.objectContaining({ file: expected.file ?? 'customers/acme.ts', ...expected }));
    for (const p of problems) expect(p.message.length).toBeGreaterThan(10);
  });

  it('reports all problems of all files at once, not the first only', () => {
    const problems = problemsOf(
      source('one', customer([grafana({ tokenEnv: 'bad name' })], { name: 'One' })),
      source('two', customer([{ type: 'genesys', region: 'nowhere', clientIdEnv: 'A', clientSecretEnv: 'B' }], { name: 'Two', host: 'not a host' })),
    );
    expect(problems.map((p) => `${p.file} ${p.path}`)).toEqual(
      expect.arrayContaining(['customers/one.ts mcpServers[0].tokenEnv', 'customers/two.ts host', 'customers/two.ts mcpServers[0].region']),
    );
  });

  it('reports a bad fleet config with its own file name', () => {
    const result = buildFleet({ customers: [source('acme', customer([grafana()]))], config: { ports: { base: 30000, max: 20000 }, typos: {} } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toContainEqual(expect.objectContaining({ file: 'fleet.config.ts', path: 'typos' }));
    expect(result.problems).toContainEqual(expect.objectContaining({ file: 'fleet.config.ts', path: 'ports' }));
  });

  it('names what was given and what is allowed in the fleet config', () => {
    const result = buildFleet({ customers: [source('acme', customer([grafana()]))], config: { ports: { base: '20000' }, types: { prometheus: {}, grafana: { env: { 'MY-VAR': 'x' }, image: 'img:${HOME}' } } } });
    if (result.ok) throw new Error('expected problems');
    expect(result.problems).toEqual(
      expect.arrayContaining([
        { file: 'fleet.config.ts', path: 'ports.base', message: 'expected a number, got the string "20000"' },
        { file: 'fleet.config.ts', path: 'types.prometheus', message: 'unknown key "prometheus": remove it; allowed keys: grafana, alertmanager, genesys' },
        expect.objectContaining({ path: 'types.grafana.env.MY-VAR', message: expect.stringContaining('rename it (e.g. "MY_VAR")') }),
        expect.objectContaining({ path: 'types.grafana.image', message: expect.stringContaining('must be an image reference') }),
      ]),
    );
  });

  it('a fleet config that exports a string says so', () => {
    const result = buildFleet({ customers: [], config: 'ports' });
    if (result.ok) throw new Error('expected problems');
    expect(result.problems).toEqual([{ file: 'fleet.config.ts', path: '', message: expect.stringContaining('the default export must be an object') }]);
  });

  it('never echoes a value that may be a secret', () => {
    const token = 'glsa_0123456789abcdefABCDEF0123456789_abcd1234';
    const problems = problemsOf(source('acme', customer(token as never, { host: token, name: [token] })), source('b', customer([grafana({ tokenEnv: token, url: token })], { name: 'B' })));
    expect(problems).toContainEqual({ file: 'customers/acme.ts', path: 'mcpServers', message: `expected an array, got a string of ${token.length} characters` });
    expect(problems.length).toBeGreaterThan(3);
    for (const p of problems) expect(p.message).not.toContain(token);
  });

  it('reports an exhausted port range', () => {
    const result = buildFleet({ customers: [source('acme', customer([grafana(), grafana({ name: 'b', tokenEnv: 'B' })]))], config: { ports: { base: 20000, max: 20000 } } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]!.message).toContain('no free host port left');
  });
});
