/**
 * `manage drift` without Docker: normalization (images, env, sizes, durations, health checks, commands, ports), the
 * compose and Swarm comparisons on docker-inspect-shaped objects, orphans and missing services, the report's lines
 * and exit code, and that a credential's value never reaches the report.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareCompose, desiredCompose, livePorts, normalizeComposePort } from '../../scripts/lib/drift-compose.mjs';
import {
  commandList,
  compareEnv,
  compareLabels,
  desiredEnv,
  envMap,
  formatBytes,
  isInterpolated,
  normalizeHealthcheck,
  normalizeImage,
  parseBytes,
  parseDuration,
} from '../../scripts/lib/drift-normalize.mjs';
import { buildReport, formatJson, formatText } from '../../scripts/lib/drift-report.mjs';
import { compareSwarm, desiredStack, normalizeStackPort, liveStackPorts } from '../../scripts/lib/drift-swarm.mjs';
import { overrideServices } from '../../scripts/lib/local-images.mjs';
import { REPO_ROOT } from '../helpers/fleet-repo.ts';

const SECRET = 'planted-secret-value-4711';

describe('normalization', () => {
  it('images: default registry and library dropped, :latest added, digests dropped', () => {
    expect(normalizeImage('haproxy')).toBe('haproxy:latest');
    expect(normalizeImage('docker.io/library/haproxy:2.8-alpine')).toBe('haproxy:2.8-alpine');
    expect(normalizeImage('ghcr.io/a/b:1.0.0@sha256:0123abcd')).toBe('ghcr.io/a/b:1.0.0');
    expect(normalizeImage('localhost:5000/img')).toBe('localhost:5000/img:latest');
    expect(normalizeImage('mcpfleet-local/alertmanager-mcp:local')).toBe('mcpfleet-local/alertmanager-mcp:local');
  });

  it('interpolation marks credentials; $$ is an escaped dollar', () => {
    expect(isInterpolated('${TOKEN:?TOKEN is missing}')).toBe(true);
    expect(isInterpolated('${AGENT_API_TOKEN:-}')).toBe(true);
    expect(isInterpolated('$TOKEN')).toBe(true);
    expect(isInterpolated('prefix-${A}')).toBe(true);
    expect(isInterpolated('$$HOME')).toBe(false);
    expect(isInterpolated('a$${B}')).toBe(false);
    expect(isInterpolated('http://x:9093')).toBe(false);
    const env = desiredEnv({ URL: 'http://x', PASS: '${AM_PASS:?missing}', LIT: 'cost $$5' });
    expect(env.get('URL')).toEqual({ credential: false, value: 'http://x' });
    expect(env.get('PASS')).toEqual({ credential: true, variables: ['AM_PASS'] });
    expect(env.get('LIT')).toEqual({ credential: false, value: 'cost $5' });
  });

  it('env: credentials by presence only; literal values shown unless the name looks secret; image env ignored', () => {
    const desired = desiredEnv({ URL: 'http://new:9093', PASS: '${AM_PASS:?missing}', USER: '${AM_USER:?missing}', API_TOKEN: 'literal-but-secret-looking', KEPT: 'same' });
    const live = envMap([`URL=http://old:9093`, `PASS=${SECRET}`, 'API_TOKEN=other', 'KEPT=same', 'PATH=/usr/bin', `OLD_PASSWORD=${SECRET}`]);
    const image = envMap(['PATH=/usr/bin']);
    const found = compareEnv(desired, live, image);
    expect(found).toEqual([
      { field: 'env URL', before: '"http://old:9093"', after: '"http://new:9093"' },
      { field: 'env USER', before: '(absent)', after: '(set from the environment: ${AM_USER})' },
      { field: 'env API_TOKEN', before: '(a value, not shown)', after: '(another value, not shown)' },
      { field: 'env OLD_PASSWORD', before: '(set, value not shown)', after: '(absent)' },
    ]);
    expect(JSON.stringify(found)).not.toContain(SECRET);
    // PATH differing from the image's is the container's own, so it counts.
    expect(compareEnv(new Map(), envMap(['PATH=/bin']), image)).toEqual([{ field: 'env PATH', before: '(set, value not shown)', after: '(absent)' }]);
  });

  it('sizes, durations, commands, ports', () => {
    expect(parseBytes('256M')).toBe(268435456);
    expect(parseBytes('1g')).toBe(1024 ** 3);
    expect(parseBytes('512mb')).toBe(512 * 1024 ** 2);
    expect(parseBytes(undefined)).toBe(0);
    expect(formatBytes(268435456)).toBe('256M');
    expect(formatBytes(0)).toBe('none');
    expect(parseDuration('1m30s')).toBe(90e9);
    expect(parseDuration('500ms')).toBe(5e8);
    expect(commandList('node -e "console.log(1 + 2)" --flag')).toEqual(['node', '-e', 'console.log(1 + 2)', '--flag']);
    expect(commandList(['a', '$$x'])).toEqual(['a', '$x']);
    expect(commandList(undefined)).toBeUndefined();
    expect(normalizeComposePort('127.0.0.1:20000:8000')).toBe('127.0.0.1:20000->8000/tcp');
    expect(normalizeComposePort('8080:80/udp')).toBe('0.0.0.0:8080->80/udp');
    expect(livePorts({ '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: '20000' }] })).toEqual(['127.0.0.1:20000->8000/tcp']);
    expect(normalizeStackPort({ target: 8000, published: 20003, protocol: 'tcp', mode: 'host' })).toBe('host:20003->8000/tcp');
    expect(liveStackPorts([{ Protocol: 'tcp', TargetPort: 8000, PublishedPort: 20003, PublishMode: 'host' }])).toEqual(['host:20003->8000/tcp']);
  });

  it('health checks: compose and Docker forms agree; disable; the image\'s own when none is set', () => {
    const compose = normalizeHealthcheck({ test: ['CMD', 'sh', '-c', '[[ $$s == 1 ]]'], interval: '10s', timeout: '5s', retries: 3, start_period: '20s' });
    const docker = normalizeHealthcheck({ Test: ['CMD', 'sh', '-c', '[[ $s == 1 ]]'], Interval: 10e9, Timeout: 5e9, Retries: 3, StartPeriod: 20e9 }, { docker: true });
    expect(compose).toEqual(docker);
    expect(normalizeHealthcheck({ test: 'curl -f x' })).toMatchObject({ test: ['CMD-SHELL', 'curl -f x'] });
    expect(normalizeHealthcheck({ disable: true })).toBe('disabled');
    expect(normalizeHealthcheck({ Test: ['NONE'] }, { docker: true })).toBe('disabled');
    expect(normalizeHealthcheck(undefined)).toBeUndefined();
  });

  it('labels: only the generator\'s; the image\'s own ignored', () => {
    expect(
      compareLabels({ 'mcpfleet.customer': 'a', 'mcpfleet.server': 'am' }, { 'mcpfleet.customer': 'a', 'mcpfleet.server': 'old', 'mcpfleet.local-recipe': 'abc', 'com.docker.compose.project': 'p' }, { 'mcpfleet.local-recipe': 'abc' }),
    ).toEqual([{ field: 'label mcpfleet.server', before: '"old"', after: '"am"' }]);
  });
});

// A generated compose file, cut down: two customers' Alertmanager servers (one with basic auth), and the agent.
const amService = (customer: string, url: string, port: number, auth = false) => ({
  image: 'ghcr.io/ntk148v/alertmanager-mcp-server:1.0.0',
  environment: {
    ALERTMANAGER_URL: url,
    MCP_TRANSPORT: 'http',
    MCP_HOST: '0.0.0.0',
    MCP_PORT: '8000',
    ...(auth && { ALERTMANAGER_USERNAME: '${AM_USER:?AM_USER is missing}', ALERTMANAGER_PASSWORD: '${AM_PASS:?AM_PASS is missing}' }),
  },
  ports: [`127.0.0.1:${port}:8000`],
  networks: [`mcp-${customer}`],
  profiles: [customer, 'alertmanager', 'all'],
  labels: { 'mcpfleet.customer': customer, 'mcpfleet.customer-name': customer.toUpperCase(), 'mcpfleet.type': 'alertmanager', 'mcpfleet.server': 'alertmanager', 'mcpfleet.mcp-path': '/mcp' },
  restart: 'unless-stopped',
  deploy: { resources: { limits: { cpus: '0.5', memory: '256M' } } },
  healthcheck: { test: ['CMD', 'curl', '-fsS', 'http://127.0.0.1:8000/health'], interval: '30s', timeout: '5s', retries: 3, start_period: '20s' },
});
const composeDocument = (alphaUrl: string) => ({
  services: {
    'mcp-alertmanager-alpha': amService('alpha', alphaUrl, 20000, true),
    'mcp-alertmanager-beta': amService('beta', 'http://beta:9093', 20001),
  },
  networks: { 'mcp-alpha': { name: 'mcp-alpha' }, 'mcp-beta': { name: 'mcp-beta' } },
});

const LOCAL_IMAGE = 'mcpfleet-local/alertmanager-mcp:local';
const localImage = { Id: 'sha256:localimage', RepoTags: [LOCAL_IMAGE], Config: { Env: ['PATH=/usr/local/bin:/usr/bin'], Cmd: null, Entrypoint: ['node', '/app/start.mjs'], Labels: { 'mcpfleet.local-recipe': 'cad9' } } };

/** A container as `docker inspect` shows what compose v1 made of a desired service (with local image and check). */
function containerFor(project: string, service: string, definition: ReturnType<typeof amService>, env: Record<string, string> = {}) {
  const port = definition.ports[0]!.split(':')[1]!;
  return {
    Id: `id-${service}`,
    Name: `/${project}_${service}_1`,
    Image: localImage.Id,
    State: { Status: 'running', ExitCode: 0 },
    Config: {
      Image: LOCAL_IMAGE,
      Cmd: null,
      Entrypoint: ['node', '/app/start.mjs'],
      Env: [...Object.entries({ ...definition.environment, ...env }).filter(([, v]) => !String(v).startsWith('${')).map(([k, v]) => `${k}=${v}`), ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'PATH=/usr/local/bin:/usr/bin'].filter((v, i, all) => all.indexOf(v) === i),
      Labels: { ...definition.labels, 'com.docker.compose.project': project, 'com.docker.compose.service': service, 'com.docker.compose.config-hash': 'abc', 'mcpfleet.local-recipe': 'cad9' },
      Healthcheck: { Test: ['CMD', 'node', '/usr/local/lib/mcpfleet/mcp-health.mjs', 'http://127.0.0.1:8000/mcp'], Interval: 10e9, Timeout: 5e9, Retries: 3, StartPeriod: 20e9 },
    },
    HostConfig: { PortBindings: { '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: port }] }, NanoCpus: 5e8, Memory: 268435456, RestartPolicy: { Name: 'unless-stopped' } },
    NetworkSettings: { Networks: { [definition.networks[0]!]: {} } },
  };
}

describe('compose comparison (with the local override, as manage up applies it)', () => {
  const project = 'drift-unit';
  const present = (image: string) => image === LOCAL_IMAGE;
  const desiredOf = (alphaUrl: string) => {
    const document = composeDocument(alphaUrl);
    return desiredCompose(document, { project, override: overrideServices(document, present).services });
  };
  const deployed = composeDocument('http://alpha:9093');
  const images = new Map<string, object>([[localImage.Id, localImage], [LOCAL_IMAGE, localImage]]);
  const live = {
    containers: [
      containerFor(project, 'mcp-alertmanager-alpha', deployed.services['mcp-alertmanager-alpha'], { ALERTMANAGER_USERNAME: 'admin', ALERTMANAGER_PASSWORD: SECRET }),
      containerFor(project, 'mcp-alertmanager-beta', deployed.services['mcp-alertmanager-beta']),
    ],
    images,
  };

  it('in sync: image and check from the override, image env and labels, compose labels normalized away', () => {
    const result = compareCompose(desiredOf('http://alpha:9093'), live);
    expect(result.differences).toEqual([]);
    expect(result.orphans).toEqual([]);
    expect(result.missing).toEqual([]);
    expect(result.compared).toBe(2);
    const report = buildReport({ target: 'compose', scope: `compose project ${project}`, desired: { files: ['out/docker-compose.mcps.yml'], local: null }, result });
    expect(report.exitCode).toBe(0);
    expect(formatText(report)).toContain('In sync: 2 services as out/ asks');
  });

  it('a changed customer: one line naming customer, service, field, before → after; exit 2', () => {
    const result = compareCompose(desiredOf('http://alpha-new:9093'), live);
    const report = buildReport({ target: 'compose', scope: `compose project ${project}`, desired: { files: ['out/docker-compose.mcps.yml'], local: null }, result });
    expect(report.exitCode).toBe(2);
    expect(report.differences).toEqual([{ customer: 'alpha', service: 'mcp-alertmanager-alpha', field: 'env ALERTMANAGER_URL', before: '"http://alpha:9093"', after: '"http://alpha-new:9093"' }]);
    expect(formatText(report)).toContain('customer alpha:\n  customer alpha, service mcp-alertmanager-alpha: env ALERTMANAGER_URL: "http://alpha:9093" → "http://alpha-new:9093"');
  });

  it('without the override the public image and its curl check are what out/ asks: both reported', () => {
    const result = compareCompose(desiredCompose(composeDocument('http://alpha:9093'), { project }), live);
    expect(result.differences.filter((d) => d.service === 'mcp-alertmanager-beta').map((d) => d.field)).toEqual(['image', 'healthcheck']);
  });

  it('a customer no longer configured is an orphan; a configured service with no container is missing', () => {
    const document = composeDocument('http://alpha-new:9093');
    delete (document.services as Record<string, unknown>)['mcp-alertmanager-beta'];
    (document.services as Record<string, unknown>)['mcp-alertmanager-gamma'] = amService('gamma', 'http://gamma:9093', 20002);
    const result = compareCompose(desiredCompose(document, { project, override: overrideServices(document, present).services }), live);
    expect(result.orphans).toEqual([{ customer: 'beta', service: 'mcp-alertmanager-beta', container: `${project}_mcp-alertmanager-beta_1`, state: 'running', reason: 'customer no longer configured' }]);
    expect(result.missing).toEqual([{ customer: 'gamma', service: 'mcp-alertmanager-gamma', type: 'alertmanager' }]);
    const text = formatText(buildReport({ target: 'compose', scope: 'p', desired: { files: ['f'], local: null }, result }));
    expect(text).toContain('customer beta, service mcp-alertmanager-beta: orphan (customer no longer configured)');
    expect(text).toContain('customer gamma, service mcp-alertmanager-gamma: missing: no container');
    // The orphan's plain values (its URL, MCP_TRANSPORT=http) are not taken for secrets: nothing else is scrubbed.
    expect(text).toContain('env ALERTMANAGER_URL: "http://alpha:9093" → "http://alpha-new:9093"');
    expect(text).not.toContain('(redacted)');
    // --customer narrows all three lists.
    const alphaOnly = compareCompose(desiredCompose(document, { project, override: overrideServices(document, present).services }), live, { customers: ['alpha'] });
    expect([alphaOnly.orphans, alphaOnly.missing, alphaOnly.differences.map((d) => d.field)]).toEqual([[], [], ['env ALERTMANAGER_URL']]);
  });

  it('resources, ports, networks, restart, command and the image id are compared', () => {
    const changed = structuredClone(deployed);
    const alpha = changed.services['mcp-alertmanager-alpha'] as ReturnType<typeof amService> & { command?: string[] };
    alpha.deploy.resources.limits = { cpus: '1', memory: '512M' };
    alpha.ports = ['127.0.0.1:20010:8000'];
    alpha.networks = ['mcp-other'];
    alpha.restart = 'always';
    alpha.command = ['--port', '8000'];
    const rebuilt = new Map<string, object>([[localImage.Id, localImage], [LOCAL_IMAGE, { ...localImage, Id: 'sha256:rebuilt' }]]);
    const result = compareCompose(desiredCompose(changed, { project, override: overrideServices(changed, present).services }), { containers: live.containers, images: rebuilt }, { customers: ['alpha'] });
    expect(Object.fromEntries(result.differences.map((d) => [d.field, `${d.before} → ${d.after}`]))).toEqual({
      'image id': `sha256:localimage (${LOCAL_IMAGE} when created) → sha256:rebuilt (${LOCAL_IMAGE} now)`,
      command: '(none) → ["--port","8000"]',
      ports: '127.0.0.1:20000->8000/tcp → 127.0.0.1:20010->8000/tcp',
      // A network the file does not name is the project's, as compose names it.
      networks: 'mcp-alpha → drift-unit_mcp-other',
      cpus: '0.5 → 1',
      memory: '256M → 512M',
      restart: 'unless-stopped → always',
    });
  });

  it('a credential value never reaches the report, text or JSON, whatever changed around it', () => {
    // out/ drops basic auth: the live variables are no longer asked for, and a literal now takes the password's name.
    const document = composeDocument('http://alpha-new:9093');
    const alpha = document.services['mcp-alertmanager-alpha'] as { environment: Record<string, string> };
    delete alpha.environment.ALERTMANAGER_USERNAME;
    alpha.environment.ALERTMANAGER_PASSWORD = 'literal';
    const result = compareCompose(desiredCompose(document, { project, override: overrideServices(document, present).services }), live);
    // And one more place the value could hide: a difference a future field might copy from the live side.
    result.differences.push({ customer: 'alpha', service: 'mcp-alertmanager-alpha', field: 'test', before: `x${SECRET}x`, after: '' });
    const report = buildReport({ target: 'compose', scope: 'p', desired: { files: ['f'], local: null }, result });
    expect(report.exitCode).toBe(2);
    expect(formatText(report)).not.toContain(SECRET);
    expect(formatJson(report)).not.toContain(SECRET);
    expect(formatText(report)).toContain('env ALERTMANAGER_PASSWORD: (a value, not shown) → (another value, not shown)');
    expect(formatText(report)).toContain('env ALERTMANAGER_USERNAME: (set, value not shown) → (absent)');
    expect(formatText(report)).toContain('test: x(redacted)x');
  });
});

describe('swarm comparison', () => {
  const stackDocument = (replicas: number) => ({
    version: '3.8',
    'x-mcpfleet': { stack: 'mcp-alpha', role: 'customer', customer: 'alpha' },
    services: {
      'mcp-alertmanager-alpha': {
        image: 'ghcr.io/ntk148v/alertmanager-mcp-server:1.0.0',
        environment: { ALERTMANAGER_URL: 'http://alpha:9093', ALERTMANAGER_PASSWORD: '${AM_PASS:?missing}' },
        secrets: [{ source: 'TOKEN', target: 'TOKEN' }],
        ports: [{ target: 8000, published: 20003, protocol: 'tcp', mode: 'host' }],
        networks: ['mcp-alpha'],
        healthcheck: { test: ['CMD', 'curl', '-fsS', 'http://127.0.0.1:8000/health'], interval: '10s', timeout: '5s', retries: 3, start_period: '20s' },
        deploy: { mode: 'replicated', replicas, endpoint_mode: 'dnsrr', labels: { 'mcpfleet.customer': 'alpha', 'mcpfleet.type': 'alertmanager', 'mcpfleet.server': 'alertmanager', 'mcpfleet.mcp-path': '/mcp' }, resources: { limits: { cpus: '0.5', memory: '256M' } } },
      },
    },
    networks: { 'mcp-alpha': { name: 'mcp-alpha', driver: 'overlay' } },
    secrets: { TOKEN: { external: true, name: 'mcp-alpha_TOKEN' } },
  });
  const service = (name: string, customer: string, extra: Record<string, unknown> = {}) => ({
    Spec: {
      Name: name,
      Labels: { 'com.docker.stack.namespace': name.split('_')[0], 'com.docker.stack.image': 'x', 'mcpfleet.customer': customer, 'mcpfleet.type': 'alertmanager', 'mcpfleet.server': 'alertmanager', 'mcpfleet.mcp-path': '/mcp' },
      TaskTemplate: {
        ContainerSpec: {
          Image: 'ghcr.io/ntk148v/alertmanager-mcp-server:1.0.0@sha256:feed',
          Env: ['ALERTMANAGER_URL=http://alpha:9093', `ALERTMANAGER_PASSWORD=${SECRET}`],
          Healthcheck: { Test: ['CMD', 'curl', '-fsS', 'http://127.0.0.1:8000/health'], Interval: 10e9, Timeout: 5e9, Retries: 3, StartPeriod: 20e9 },
          Secrets: [{ SecretName: 'mcp-alpha_TOKEN', File: { Name: 'TOKEN' } }],
        },
        Resources: { Limits: { NanoCPUs: 5e8, MemoryBytes: 268435456 } },
        Networks: [{ Target: 'net-alpha-full-id' }],
      },
      Mode: { Replicated: { Replicas: 1 } },
      EndpointSpec: { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: 8000, PublishedPort: 20003, PublishMode: 'host' }] },
      ...extra,
    },
  });
  const networks = new Map([['net-alpha-full-id', 'mcp-alpha']]);
  const desired = (replicas: number) => ({ stacks: [{ stack: 'mcp-alpha', role: 'customer' as const, customer: 'alpha', file: 'alpha.yml' }], services: new Map(desiredStack(stackDocument(replicas)).map((s) => [s.swarmName, s])) });

  it('in sync: the digest Swarm appends, network ids and stack labels normalized away', () => {
    const result = compareSwarm(desired(1), { services: [service('mcp-alpha_mcp-alertmanager-alpha', 'alpha')], networks });
    expect(result.differences).toEqual([]);
    expect(result.compared).toBe(1);
  });

  it('replicas and an orphan stack of a customer no longer configured; the credential never shown', () => {
    const result = compareSwarm(desired(2), { services: [service('mcp-alpha_mcp-alertmanager-alpha', 'alpha'), service('mcp-beta_mcp-alertmanager-beta', 'beta')], networks });
    expect(result.differences).toEqual([{ customer: 'alpha', service: 'mcp-alertmanager-alpha', field: 'replicas', before: '1', after: '2' }]);
    expect(result.orphans).toEqual([{ customer: 'beta', service: 'mcp-alertmanager-beta', stack: 'mcp-beta', swarmService: 'mcp-beta_mcp-alertmanager-beta', reason: 'customer no longer configured' }]);
    const report = buildReport({ target: 'swarm', scope: "the swarm's stacks", desired: { files: ['out/swarm/'], local: null }, result });
    const text = formatText(report);
    expect(text).toContain('customer alpha, service mcp-alertmanager-alpha: replicas: 1 → 2');
    expect(text).toContain('customer beta, service mcp-alertmanager-beta: orphan (customer no longer configured): service mcp-beta_mcp-alertmanager-beta of stack mcp-beta; remove its stack: docker stack rm mcp-beta');
    expect(text + formatJson(report)).not.toContain(SECRET);
  });

  it('a service with no Swarm service is missing', () => {
    const result = compareSwarm(desired(1), { services: [], networks });
    expect(result.missing).toEqual([{ customer: 'alpha', service: 'mcp-alertmanager-alpha', stack: 'mcp-alpha', swarmService: 'mcp-alpha_mcp-alertmanager-alpha', type: 'alertmanager' }]);
  });
});

describe('report', () => {
  const withTools = (changes: Array<{ customer: string; server: string; change: string; tool: string; detail?: string; unsafe?: boolean }>) =>
    buildReport({
      target: 'compose',
      scope: 'p',
      desired: { files: ['f'], local: null },
      result: { differences: [], orphans: [], missing: [], compared: 1 },
      tools: { checked: true, changes },
    });

  it('tool drift findings join the customer\'s lines and make it drift', () => {
    const report = withTools([{ customer: 'alpha', server: 'alertmanager', change: 'added', tool: 'getStatus', detail: 'new tool' }]);
    expect(report.exitCode).toBe(2);
    expect(formatText(report)).toContain('customer alpha:\n  customer alpha, server alertmanager: tool getStatus: added: new tool');
    expect(formatText(report)).toMatch(/Drift: 0 differences, 0 orphans, 0 missing, 1 tool change/);
    expect(formatText(report)).not.toContain('Unsafe:');
  });

  it('a new tool that may change things and no filter covers fails (exit 1) by its name', () => {
    const report = withTools([
      { customer: 'alpha', server: 'alertmanager', change: 'added', tool: 'getStatus', detail: 'new tool' },
      { customer: 'alpha', server: 'alertmanager', change: 'added', tool: 'deleteSilence', detail: 'new tool', unsafe: true },
    ]);
    expect(report.exitCode).toBe(1);
    const text = formatText(report);
    expect(text).toContain('customer alpha, server alertmanager: tool deleteSilence: added (not read-only, not covered by the gateway filter): new tool');
    expect(text).toContain('Unsafe: deleteSilence (customer alpha, server alertmanager) may change things and no allowTools/denyTools of the customer covers it');
  });
});

describe('manage drift errors: --target k8s without a cluster (the only k8s path testable here), no engine', () => {
  const manage = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(path.join(REPO_ROOT, 'node_modules/.bin/zx'), [path.join(REPO_ROOT, 'scripts/manage.mjs'), 'drift', ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });

  it('no kubectl context: one clear sentence, exit 1, kubectl diff not run', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'mcpfleet-kube-'));
    try {
      const result = await manage(['--target', 'k8s'], { KUBECONFIG: path.join(home, 'none.yaml'), HOME: home });
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toMatch(/^no Kubernetes cluster is configured for kubectl \(.*current-context is not set\): set KUBECONFIG or a current context, then run drift --target k8s again$/);
      expect(result.stdout).toBe('');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('no Docker engine: compose and swarm drift say so, exit 1 (an error, not drift)', async () => {
    for (const target of ['compose', 'swarm']) {
      const result = await manage(['--target', target], { DOCKER_HOST: `unix://${path.join(tmpdir(), `mcpfleet-no-engine-${process.pid}.sock`)}` });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Cannot reach the Docker engine at DOCKER_HOST=');
      expect(result.stdout).toBe('');
    }
  });

  it('no kubectl at all: says so, exit 1; an unknown target: exit 1', async () => {
    // A PATH with node alone (node may share its folder with kubectl).
    const bin = mkdtempSync(path.join(tmpdir(), 'mcpfleet-bin-'));
    try {
      symlinkSync(process.execPath, path.join(bin, 'node'));
      const result = await manage(['--target', 'k8s'], { PATH: bin });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('kubectl is not installed');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
    const unknown = await manage(['--target', 'nomad'], {});
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown --target nomad for drift; use compose, swarm or k8s');
  });
});
