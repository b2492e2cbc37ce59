/**
 * The swarm generator: every stack file passes the docker CLI's strict stack validation (`docker stack config`,
 * client-side, no engine), and carries what Swarm needs instead of what only compose understands.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FleetRepo, REPO_ROOT, segurcaixa, vattenfall } from '../helpers/fleet-repo.ts';

const nordlicht = {
  name: 'Nordlicht $Energie',
  host: 'n.example.com',
  mcpServers: [
    { type: 'grafana', url: 'https://n.example.com', tokenEnv: 'GRAFANA_TOKEN_NORDLICHT' },
    { type: 'grafana', name: 'staging', url: 'https://s.n.example.com', tokenEnv: 'GRAFANA_TOKEN_NORDLICHT_STAGING' },
    { type: 'alertmanager', url: 'https://am.n.example.com', tenant: 'team$1 "quoted" #x', basicAuth: { usernameEnv: 'AM_USER_NORDLICHT', passwordEnv: 'AM_PASSWORD_NORDLICHT' } },
  ],
  gateway: { tokenEnv: 'GATEWAY_TOKEN_NORDLICHT' },
};
const customers = { 'vattenfall-de': vattenfall, segurcaixa, nordlicht };
/** Every credential variable of the fleet above: mounted as a secret (grafana) or interpolated (the others). */
const SECRET_VARIABLES = ['GRAFANA_TOKEN_VATTENFALL', 'GRAFANA_TOKEN_SEGURCAIXA', 'GRAFANA_TOKEN_NORDLICHT', 'GRAFANA_TOKEN_NORDLICHT_STAGING'];
const INTERPOLATED_VARIABLES = ['GENESYS_CLIENT_ID_VATTENFALL', 'GENESYS_CLIENT_SECRET_VATTENFALL', 'AM_USER_SEGURCAIXA', 'AM_PASSWORD_SEGURCAIXA', 'AM_USER_NORDLICHT', 'AM_PASSWORD_NORDLICHT', 'GATEWAY_TOKEN_NORDLICHT'];
const DIGEST = 'MCPFLEET_AGENT_CONFIG_DIGEST';
const planted = Object.fromEntries([...SECRET_VARIABLES, ...INTERPOLATED_VARIABLES].map((v) => [v, `planted-${v}-${randomBytes(8).toString('hex')}`]));

const repo = new FleetRepo();
let generated: { stdout: string; stderr: string };
const swarmFile = (name: string) => path.join(repo.outDir, 'swarm', name);
const stackFiles = () => Object.keys(repo.snapshotOut()).filter((f) => f.startsWith('swarm/')).sort();
const read = (name: string): any => YAML.parse(repo.read(`swarm/${name}`));

/** `docker stack config -c FILE` with only the given variables in the environment. */
function stackConfig(file: string, env: Record<string, string>): { code: number; stdout: string; stderr: string } {
  const result = spawnSync('docker', ['stack', 'config', '-c', file], { encoding: 'utf8', env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', ...env }, timeout: 30_000 });
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  for (const [id, customer] of Object.entries(customers)) repo.addCustomer(id, customer);
  repo.writeConfig({
    types: { alertmanager: { env: { EXTRA: 'cost $5' } } },
    swarm: { placement: ['node.labels.mcp.customer == {customer}', 'node.role == worker'], skipHealthcheck: ['genesys'] },
  });
  const result = await repo.run('generate', [], planted);
  if (result.code !== 0) throw new Error(result.stderr);
  generated = result;
}, 120_000);
afterAll(() => repo.dispose());

describe('swarm generator', () => {
  it('writes one stack per customer plus the agent stack', () => {
    expect(stackFiles()).toEqual(['swarm/agent.yml', 'swarm/nordlicht.yml', 'swarm/segurcaixa.yml', 'swarm/vattenfall-de.yml']);
  });

  it('every stack file passes docker stack config (the strict Swarm schema)', () => {
    const docker = execFileSync('docker', ['--version'], { encoding: 'utf8' });
    expect(docker).toMatch(/Docker version (2[3-9]|[3-9]\d)\./); // stack config needs the docker CLI ≥ 23 (/usr/local/bin)
    const env = { ...planted, [DIGEST]: 'abcdef012345' };
    for (const file of stackFiles()) {
      const result = stackConfig(path.join(repo.outDir, file), env);
      expect(result.stderr, file).toBe('');
      expect(result.code, file).toBe(0);
      const normalized = YAML.parse(result.stdout);
      for (const [name, service] of Object.entries<any>(normalized.services)) {
        // The agent runs agent.replicas (default 2) replicas, its balancer one task per node; every server one.
        if (name === 'mcp-agent') expect(service.deploy.replicas, `${file} ${name}`).toBe(2);
        else if (name === 'mcp-agent-lb') expect(service.deploy.mode, `${file} ${name}`).toBe('global');
        else expect(service.deploy.replicas, `${file} ${name}`).toBe(1);
        expect(service.deploy.endpoint_mode).toBe('dnsrr');
      }
    }
  });

  it('the strict schema is really applied: a compose-only key fails it', () => {
    const tampered = path.join(repo.root, 'segurcaixa.profiles.yml');
    const document = read('segurcaixa.yml');
    document.services['mcp-alertmanager-segurcaixa'].profiles = ['segurcaixa'];
    writeFileSync(tampered, YAML.stringify(document));
    // The same file, copied beside it unchanged, passes: only the key makes the difference.
    writeFileSync(path.join(repo.root, 'segurcaixa-untampered.yml'), repo.read('swarm/segurcaixa.yml'));
    expect(stackConfig(path.join(repo.root, 'segurcaixa-untampered.yml'), planted).code).toBe(0);
    const result = stackConfig(tampered, { ...planted });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Additional property profiles is not allowed');
  });

  it('a missing credential or digest stops the deploy, naming the variable', () => {
    for (const [file, variables] of [
      ['vattenfall-de.yml', ['GENESYS_CLIENT_ID_VATTENFALL', 'GENESYS_CLIENT_SECRET_VATTENFALL']],
      ['segurcaixa.yml', ['AM_USER_SEGURCAIXA', 'AM_PASSWORD_SEGURCAIXA']],
      ['nordlicht.yml', ['AM_USER_NORDLICHT', 'AM_PASSWORD_NORDLICHT']],
      ['agent.yml', [DIGEST, 'GATEWAY_TOKEN_NORDLICHT']],
    ] as const) {
      for (const variable of variables) {
        const env: Record<string, string> = { ...planted, [DIGEST]: 'abcdef012345' };
        delete env[variable];
        const result = stackConfig(swarmFile(file), env);
        expect(result.code, `${file} without ${variable}`).toBe(1);
        expect(result.stderr).toContain(`required variable ${variable} is missing a value: ${variable} is missing`);
      }
    }
  });

  it('uses Swarm settings, not compose-only ones', () => {
    for (const file of stackFiles()) {
      const document = read(file.slice('swarm/'.length));
      expect(document.version).toBe('3.8');
      for (const [name, service] of Object.entries<any>(document.services)) {
        const where = `${file} ${name}`;
        for (const key of ['profiles', 'restart', 'container_name', 'depends_on', 'build']) expect(service[key], `${where} ${key}`).toBeUndefined();
        expect(service.deploy.restart_policy, where).toEqual({ condition: 'any', delay: '5s', window: '30s' });
        // The agent's replicas publish no port, so they update start-first; whatever holds a host-mode port stops first.
        const order = name === 'mcp-agent' ? 'start-first' : 'stop-first';
        expect(service.deploy.update_config, where).toMatchObject({ parallelism: 1, order, failure_action: 'rollback' });
        expect(service.deploy.rollback_config, where).toMatchObject({ order });
        expect(service.deploy.resources.limits, where).toEqual({ cpus: expect.any(String), memory: expect.stringMatching(/^\d+[KMG]$/) });
        expect(service.deploy.resources.reservations, where).toBeUndefined();
        if (name === 'mcp-agent') expect(service.ports, where).toBeUndefined();
        else expect(service.ports, where).toEqual([{ target: expect.any(Number), published: expect.any(Number), protocol: 'tcp', mode: 'host' }]);
      }
    }
  });

  it('gives each customer its own overlay network and joins them all, as external networks, from the agent stack', () => {
    const ids = Object.keys(customers).sort();
    for (const id of ids) {
      const document = read(`${id}.yml`);
      expect(document['x-mcpfleet']).toEqual({ stack: `mcp-${id}`, role: 'customer', customer: id });
      expect(document.networks).toEqual({ [`mcp-${id}`]: { name: `mcp-${id}`, driver: 'overlay', labels: { 'mcpfleet.customer': id } } });
      for (const service of Object.values<any>(document.services)) expect(service.networks).toEqual([`mcp-${id}`]);
      // Nothing of another customer in this file.
      for (const other of ids.filter((o) => o !== id && !id.includes(o) && !o.includes(id))) expect(repo.read(`swarm/${id}.yml`)).not.toContain(other);
    }
    const agent = read('agent.yml');
    expect(agent['x-mcpfleet']).toEqual({ stack: 'mcp-agent', role: 'agent' });
    expect(agent.networks).toEqual({ ...Object.fromEntries(ids.map((id) => [`mcp-${id}`, { external: true, name: `mcp-${id}` }])), balancer: { driver: 'overlay' } });
    expect(agent.services['mcp-agent'].networks).toEqual([...ids.map((id) => `mcp-${id}`), 'balancer']);
    expect(agent.services['mcp-agent-lb'].networks).toEqual(['balancer']);
    expect(agent.services['mcp-agent'].configs).toEqual([
      { source: 'mcp_servers', target: '/config/mcp_servers.json' },
      { source: 'mcp_servers_schema', target: '/config/schema/mcp_servers.schema.json' },
    ]);
    expect(agent.configs.mcp_servers.file).toBe('../mcp_servers.json');
    expect(agent.configs.mcp_servers.name).toMatch(/^mcp-agent_servers-\$\{MCPFLEET_AGENT_CONFIG_DIGEST:\?/);
  });

  it('runs agent.replicas replicas behind HAProxy: start-first, healthy only when ready, drained within the stop grace', () => {
    const agent = read('agent.yml');
    const replicas = agent.services['mcp-agent'];
    expect(replicas.deploy).toMatchObject({ mode: 'replicated', replicas: 2, endpoint_mode: 'dnsrr' });
    expect(replicas.deploy.update_config).toEqual({ parallelism: 1, delay: '0s', order: 'start-first', failure_action: 'rollback', monitor: '10s' });
    // A start-first update stops the old task once the new one runs, i.e. once its healthcheck passes: /readyz.
    expect(replicas.healthcheck.test.slice(0, 3)).toEqual(['CMD', 'bash', '-c']);
    expect(replicas.healthcheck.test[3]).toContain('/dev/tcp/127.0.0.1/8080');
    expect(replicas.healthcheck.test[3]).toContain('GET /readyz');
    expect(replicas.healthcheck).toMatchObject({ interval: '3s', timeout: '5s', retries: 3 });
    expect(replicas.environment).toMatchObject({ AGENT_SESSION_SECRET_FILE: '/run/secrets/AGENT_SESSION_SECRET', AGENT_DRAIN_DELAY_MS: '5000', AGENT_DRAIN_TIMEOUT_MS: '20000' });
    expect(replicas.environment.AGENT_SESSION_SECRET).toBeUndefined();
    expect(replicas.secrets).toEqual([{ source: 'AGENT_SESSION_SECRET', target: 'AGENT_SESSION_SECRET' }]);
    expect(agent.secrets).toEqual({ AGENT_SESSION_SECRET: { external: true, name: 'mcp-agent_AGENT_SESSION_SECRET' } });
    // Swarm's default is 10 s: SIGKILL would cut the drain.
    expect(replicas.stop_grace_period).toBe('30s');
    expect(30_000).toBeGreaterThan(Number(replicas.environment.AGENT_DRAIN_DELAY_MS) + Number(replicas.environment.AGENT_DRAIN_TIMEOUT_MS));

    const lb = agent.services['mcp-agent-lb'];
    expect(lb.image).toBe('haproxy:2.8-alpine');
    expect(lb.ports).toEqual([{ target: 8080, published: 8080, protocol: 'tcp', mode: 'host' }]);
    expect(lb.environment).toEqual({ AGENT_BACKEND: 'mcp-agent:8080' });
    expect(lb.configs).toEqual([{ source: 'balancer', target: '/usr/local/etc/haproxy/haproxy.cfg' }]);
    expect(lb.stop_signal).toBe('SIGUSR1');
    expect(agent.configs.balancer).toEqual({ file: '../haproxy/mcp-agent.cfg', name: expect.stringMatching(/^mcp-agent_balancer-\$\{MCPFLEET_AGENT_CONFIG_DIGEST:\?/) });
    expect(repo.read('haproxy/mcp-agent.cfg')).toContain('option httpchk GET /readyz');
    // The manual deploy line hashes the same files, in the order of the configs.
    expect(repo.read('swarm/agent.yml')).toContain('$(cat out/mcp_servers.json out/schema/mcp_servers.schema.json out/haproxy/mcp-agent.cfg | sha256sum | cut -c1-12)');
  });

  it('the agent\'s healthcheck, as Swarm runs it, passes on /readyz 200 and fails on 503 or a closed port', async () => {
    const result = stackConfig(swarmFile('agent.yml'), { ...planted, [DIGEST]: 'abcdef012345' });
    expect(result.code).toBe(0);
    const script: string = YAML.parse(result.stdout).services['mcp-agent'].healthcheck.test[3];
    let status = 200;
    const server = createServer((request, response) => {
      response.statusCode = request.url === '/readyz' ? status : 404;
      response.end('ready?');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const check = (target: number) =>
      new Promise<number | null>((resolve) => {
        const child = spawn('bash', ['-c', script.replace('/dev/tcp/127.0.0.1/8080', `/dev/tcp/127.0.0.1/${target}`)], { stdio: 'ignore' });
        child.on('exit', (code) => resolve(code));
      });
    try {
      expect(await check(port)).toBe(0);
      status = 503;
      expect(await check(port)).not.toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await check(port)).not.toBe(0);
  });

  it('mounts file-capable credentials as Swarm secrets and interpolates the others; no value anywhere', () => {
    const nord = read('nordlicht.yml');
    const grafana = nord.services['mcp-grafana-nordlicht-staging'];
    expect(grafana.environment.GRAFANA_SERVICE_ACCOUNT_TOKEN_FILE).toBe('/run/secrets/GRAFANA_TOKEN_NORDLICHT_STAGING');
    expect(grafana.environment.GRAFANA_SERVICE_ACCOUNT_TOKEN).toBeUndefined();
    expect(grafana.secrets).toEqual([{ source: 'GRAFANA_TOKEN_NORDLICHT_STAGING', target: 'GRAFANA_TOKEN_NORDLICHT_STAGING' }]);
    expect(nord.secrets).toEqual({
      GRAFANA_TOKEN_NORDLICHT: { external: true, name: 'mcp-nordlicht_GRAFANA_TOKEN_NORDLICHT' },
      GRAFANA_TOKEN_NORDLICHT_STAGING: { external: true, name: 'mcp-nordlicht_GRAFANA_TOKEN_NORDLICHT_STAGING' },
    });
    const am = nord.services['mcp-alertmanager-nordlicht'];
    expect(am.environment.ALERTMANAGER_USERNAME).toMatch(/^\$\{AM_USER_NORDLICHT:\?AM_USER_NORDLICHT is missing: [^-?}]*\}$/);
    expect(am.secrets).toBeUndefined();
    expect(read('vattenfall-de.yml').services['mcp-genesys-vattenfall-de'].environment.GENESYSCLOUD_OAUTHCLIENT_SECRET).toMatch(/^\$\{GENESYS_CLIENT_SECRET_VATTENFALL:\?/);
    // The agent serves nordlicht's gateway endpoint with its token (the runtime reads it from the environment).
    expect(read('agent.yml').services['mcp-agent'].environment.GATEWAY_TOKEN_NORDLICHT).toMatch(/^\$\{GATEWAY_TOKEN_NORDLICHT:\?GATEWAY_TOKEN_NORDLICHT is missing: [^-?}]*\}$/);

    const everything = [generated.stdout, generated.stderr, ...Object.values(repo.snapshotOut())].join('\n');
    for (const [variable, value] of Object.entries(planted)) {
      expect(everything, `${variable}'s value leaked`).not.toContain(value);
      const file = variable.startsWith('GATEWAY_') ? 'agent' : variable.includes('VATTENFALL') ? 'vattenfall-de' : variable.includes('SEGURCAIXA') ? 'segurcaixa' : 'nordlicht';
      expect(repo.read(`swarm/${file}.yml`)).toContain(variable);
    }
  });

  it('escapes $ so Swarm sees the literal value; placement and healthchecks follow the fleet config', () => {
    const result = stackConfig(swarmFile('nordlicht.yml'), planted);
    expect(result.code).toBe(0);
    const normalized = YAML.parse(result.stdout);
    const am = normalized.services['mcp-alertmanager-nordlicht'];
    expect(am.environment.ALERTMANAGER_TENANT).toBe('team$1 "quoted" #x');
    expect(am.environment.EXTRA).toBe('cost $5');
    expect(am.deploy.labels['mcpfleet.customer-name']).toBe('Nordlicht $Energie');
    expect(am.deploy.placement.constraints).toEqual(['node.labels.mcp.customer == nordlicht', 'node.role == worker']);
    expect(am.healthcheck.test).toEqual(['CMD', 'curl', '-fsS', 'http://127.0.0.1:8000/health']);

    const vattenfallStack = read('vattenfall-de.yml');
    expect(vattenfallStack.services['mcp-genesys-vattenfall-de'].healthcheck).toBeUndefined(); // skipHealthcheck: genesys
    expect(vattenfallStack.services['mcp-grafana-vattenfall-de'].healthcheck).toBeUndefined(); // the image has no tool for one
    expect(read('agent.yml').services['mcp-agent'].deploy.placement).toBeUndefined();
  });

  it('keeps the ports and service names of the Fleet model (the same as the compose file)', () => {
    const compose = YAML.parse(repo.read('docker-compose.mcps.yml'));
    for (const id of Object.keys(customers)) {
      for (const [name, service] of Object.entries<any>(read(`${id}.yml`).services)) {
        const composeService = compose.services[name];
        expect(composeService, name).toBeDefined();
        expect(`127.0.0.1:${service.ports[0].published}:${service.ports[0].target}`).toBe(composeService.ports[0]);
        expect(service.image).toBe(composeService.image);
        expect(service.command).toEqual(composeService.command);
      }
    }
  });
});

describe('scripts/swarm-secrets.mjs --dry-run', () => {
  it('lists the secrets it would create from the stack files, names only', () => {
    const result = spawnSync('node', [path.join(REPO_ROOT, 'scripts/swarm-secrets.mjs'), '--dry-run', '--swarm-dir', path.join(repo.outDir, 'swarm'), '--customer', 'nordlicht'], {
      encoding: 'utf8',
      cwd: REPO_ROOT,
      env: { ...process.env, ...planted },
      timeout: 30_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      'docker secret create --label mcpfleet.customer=nordlicht --label mcpfleet.variable=GRAFANA_TOKEN_NORDLICHT mcp-nordlicht_GRAFANA_TOKEN_NORDLICHT -   # stdin: the value of GRAFANA_TOKEN_NORDLICHT from mcp_credentials.env',
      'docker secret create --label mcpfleet.customer=nordlicht --label mcpfleet.variable=GRAFANA_TOKEN_NORDLICHT_STAGING mcp-nordlicht_GRAFANA_TOKEN_NORDLICHT_STAGING -   # stdin: the value of GRAFANA_TOKEN_NORDLICHT_STAGING from mcp_credentials.env',
    ]);
    for (const value of Object.values(planted)) expect(result.stdout).not.toContain(value);
  });

  it('without --customer also makes the agent\'s session key, a random value, and never offers to replace it', () => {
    const result = spawnSync('node', [path.join(REPO_ROOT, 'scripts/swarm-secrets.mjs'), '--dry-run', '--replace', '--swarm-dir', path.join(repo.outDir, 'swarm')], {
      encoding: 'utf8',
      cwd: REPO_ROOT,
      env: { ...process.env, ...planted },
      timeout: 30_000,
    });
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toContain('docker secret create --label mcpfleet.role=agent --label mcpfleet.variable=AGENT_SESSION_SECRET mcp-agent_AGENT_SESSION_SECRET -   # stdin: a random AGENT_SESSION_SECRET, only when it does not exist');
    expect(lines).not.toContain('docker secret rm mcp-agent_AGENT_SESSION_SECRET');
    expect(lines).toContain('docker secret rm mcp-nordlicht_GRAFANA_TOKEN_NORDLICHT');
  });
});
