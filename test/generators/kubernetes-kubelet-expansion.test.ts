/**
 * The kubelet expands `$(VAR)` and `$$` in container env values and args. out/k8s escapes every literal, so each
 * container sees exactly the values of the customer files and the fleet config: checked by resolving the
 * generated YAML the way the kubelet does (./kubelet-expansion.ts) for values built to be misread.
 */
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fleet, FleetServer } from '../../fleet/model.ts';
import { CREDENTIALS_SECRET } from '../../generators/kubernetes/index.ts';
import { FleetRepo } from '../helpers/fleet-repo.ts';
import { containerView, expandKubelet, type ManifestContainer, secretValue } from './kubelet-expansion.ts';
import { fleetOf, generate, type K8sObject, objectsOf, parseDocs } from './kubernetes-fixtures.ts';

/** Values the kubelet would change if written as they are (quotes and `#` for the YAML writer's sake). */
const HOSTILE = [
  '$(ALERTMANAGER_PASSWORD)',
  '$$',
  '$$(X)',
  '$',
  'trailing$',
  'a$b',
  '$(',
  '${X}',
  '$$$(ALERTMANAGER_URL)',
  '$(MCP_PORT)',
  '$()',
  '(($)))$(',
  `say "hi" it's $5 # not a comment`,
];

/** URLs the schema accepts (no whitespace or credentials), with `$` in path and query. */
const HOSTILE_URLS = [
  'https://am.example.com/$$/$(ALERTMANAGER_PASSWORD)/a$b?q=$$&r=$(MCP_PORT)&s=${X}&t=$',
  'http://am.example.com:9093/$(',
  'https://am.example.com/%24$$(X)',
];
const GRAFANA_URL = 'https://grafana.example.com/$$(GRAFANA_SERVICE_ACCOUNT_TOKEN)?org=$';

/** `types.<type>.env` and `.args` of the fleet config: any string, line breaks and quotes included. */
const CONFIG = {
  types: {
    alertmanager: {
      env: {
        EXTRA_EMPTY: '',
        EXTRA_MULTILINE: 'first "line" $$\nsecond \'line\' $(MCP_PORT)\n',
        EXTRA_PASSWORD_REF: '$(ALERTMANAGER_PASSWORD)',
        EXTRA_TENANT_REF: '$(ALERTMANAGER_TENANT)$',
      },
    },
    grafana: {
      args: ['-t', 'streamable-http', '--address', '0.0.0.0:8000', '--token=$(GRAFANA_SERVICE_ACCOUNT_TOKEN)', '--url', '$(GRAFANA_URL)', ...HOSTILE, 'two\nlines $$'],
      env: { GRAFANA_EXTRA: '$(GRAFANA_URL)$$$(GRAFANA_SERVICE_ACCOUNT_TOKEN)' },
    },
    genesys: { args: ['$(GENESYSCLOUD_OAUTHCLIENT_SECRET)', '$$', '$'] },
  },
};

const CUSTOMER = {
  name: 'Hostile $(X) $$ Co',
  host: 'hostile.example.com',
  mcpServers: [
    ...HOSTILE.map((tenant, i) => ({
      type: 'alertmanager',
      name: `t${i}`,
      url: HOSTILE_URLS[i % HOSTILE_URLS.length]!,
      // Defined before the tenant, so an unescaped `$(ALERTMANAGER_PASSWORD)` tenant would become the password.
      basicAuth: { usernameEnv: 'AM_USER_HOSTILE', passwordEnv: 'AM_PASSWORD_HOSTILE' },
      tenant,
    })),
    { type: 'grafana', url: GRAFANA_URL, tokenEnv: 'GRAFANA_TOKEN_HOSTILE' },
    { type: 'genesys', region: 'mypurecloud.de', clientIdEnv: 'GENESYS_ID_HOSTILE', clientSecretEnv: 'GENESYS_SECRET_HOSTILE' },
  ],
};

const containerIn = (objects: K8sObject[], server: FleetServer): ManifestContainer => {
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === server.serviceName);
  if (!deployment) throw new Error(`no Deployment ${server.serviceName}`);
  return deployment.spec.template.spec.containers[0];
};

/** Every server's container, resolved like the kubelet, shows the Fleet model's env (literals as written, credentials from the Secret) and args. */
function expectModelSeen(fleet: Fleet, objects: K8sObject[]): void {
  for (const server of fleet.customers.flatMap((c) => c.servers)) {
    const view = containerView(containerIn(objects, server));
    const expected = new Map(server.env.map((e) => [e.name, 'credential' in e ? secretValue(CREDENTIALS_SECRET, e.credential.variable) : e.value]));
    expect(view.env, server.serviceName).toEqual(expected);
    expect([...view.env.keys()], server.serviceName).toEqual(server.env.map((e) => e.name));
    expect(view.args ?? [], server.serviceName).toEqual(server.args);
    expect(view.command, server.serviceName).toBeUndefined();
  }
}

describe('kubelet expansion helper (the rules the test relies on)', () => {
  const vars = new Map([['A', 'alpha'], ['B', '$(A)']]);
  const expand = (input: string) => expandKubelet(input, (name) => vars.get(name));

  it.each([
    ['$(A)', 'alpha'],
    ['x$(A)y$(A)', 'xalphayalpha'],
    ['$(B)', '$(A)'], // one pass: a value that itself holds a reference is not expanded again
    ['$(UNKNOWN)', '$(UNKNOWN)'],
    ['$()', '$()'],
    ['$$', '$'],
    ['$$$$', '$$'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$alpha'],
    ['$', '$'],
    ['a$', 'a$'],
    ['a$b', 'a$b'],
    ['${A}', '${A}'],
    ['$(A', '$(A'],
    ['$($(A)', '$($(A)'], // the name runs to the first `)`: "$(A" is not defined
    ['$(A$(A)', '$(A$(A)'],
    ['$((A)', '$((A)'],
    ['(($)))$(', '(($)))$('],
  ])('%j expands to %j', (input, expected) => {
    expect(expand(input)).toBe(expected);
  });

  it('resolves env in order (only earlier variables), secrets from valueFrom, args against the whole environment', () => {
    const view = containerView({
      env: [
        { name: 'EARLY', value: '$(LATE)|$(SECRET)' },
        { name: 'SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'K' } } },
        { name: 'LATE', value: 'late:$(SECRET)' },
        { name: 'EMPTY', value: '' },
      ],
      args: ['$(EARLY)', '$(LATE)', '$(EMPTY)'],
    });
    expect(Object.fromEntries(view.env)).toEqual({ EARLY: '$(LATE)|$(SECRET)', SECRET: secretValue('s', 'K'), LATE: `late:${secretValue('s', 'K')}`, EMPTY: '' });
    expect(view.args).toEqual(['$(LATE)|$(SECRET)', `late:${secretValue('s', 'K')}`, '']);
  });

  it('the hostile values include ones the kubelet changes when written as they are', () => {
    // `$`, `a$b`, `$(`, `${X}`, `$()` are kept by the kubelet; they are there to catch an escape that misses a `$`.
    const env = new Map([['ALERTMANAGER_PASSWORD', 'secret'], ['ALERTMANAGER_URL', 'url'], ['MCP_PORT', '8000'], ['GRAFANA_SERVICE_ACCOUNT_TOKEN', 'token']]);
    const changed = ['$(ALERTMANAGER_PASSWORD)', '$$', '$$(X)', '$$$(ALERTMANAGER_URL)', '$(MCP_PORT)', HOSTILE_URLS[0]!, HOSTILE_URLS[2]!, GRAFANA_URL];
    for (const value of changed) expect(expandKubelet(value, (name) => env.get(name)), value).not.toBe(value);
  });
});

describe('kubernetes generator: env values and args reach the container as written', () => {
  const fleet = fleetOf({ hostile: CUSTOMER as never }, CONFIG);
  const files = generate(fleet);
  const objects = objectsOf(files).map((o) => o.object);
  const customer = fleet.customers[0]!;
  const server = (name: string) => customer.servers.find((s) => s.name === name)!;

  it('the Fleet model keeps the values as written (the premise of the checks below)', () => {
    expect(HOSTILE.map((_, i) => server(`t${i}`).env.find((e) => e.name === 'ALERTMANAGER_TENANT'))).toEqual(HOSTILE.map((value) => ({ name: 'ALERTMANAGER_TENANT', value })));
    expect(server('grafana').args).toEqual(CONFIG.types.grafana.args);
  });

  it('every server container, resolved like the kubelet, sees exactly the Fleet model\'s env and args', () => {
    expectModelSeen(fleet, objects);
  });

  it('alertmanager: each hostile tenant, its URL and the configured extra env arrive as written; the password stays in its own variable', () => {
    HOSTILE.forEach((tenant, i) => {
      const view = containerView(containerIn(objects, server(`t${i}`)));
      expect(view.env.get('ALERTMANAGER_TENANT'), tenant).toBe(tenant);
      expect(view.env.get('ALERTMANAGER_URL')).toBe(HOSTILE_URLS[i % HOSTILE_URLS.length]);
      expect(view.env.get('ALERTMANAGER_PASSWORD')).toBe(secretValue(CREDENTIALS_SECRET, 'AM_PASSWORD_HOSTILE'));
      for (const [name, value] of Object.entries(CONFIG.types.alertmanager.env)) expect(view.env.get(name), name).toBe(value);
      for (const [name, value] of view.env) if (name !== 'ALERTMANAGER_USERNAME' && name !== 'ALERTMANAGER_PASSWORD') expect(value, name).not.toContain('<secret');
    });
  });

  it('grafana and genesys: configured args (with line breaks) and the URL arrive as written; no secret leaks into an argument', () => {
    const grafana = containerView(containerIn(objects, server('grafana')));
    expect(grafana.args).toEqual(CONFIG.types.grafana.args);
    expect(grafana.env.get('GRAFANA_URL')).toBe(GRAFANA_URL);
    expect(grafana.env.get('GRAFANA_EXTRA')).toBe(CONFIG.types.grafana.env.GRAFANA_EXTRA);
    const genesys = containerView(containerIn(objects, server('genesys')));
    expect(genesys.args).toEqual(CONFIG.types.genesys.args);
    for (const arg of [...grafana.args!, ...genesys.args!]) expect(arg).not.toContain('<secret');
  });

  it('writes each `$` doubled in the YAML text, and credentials only as secretKeyRef', () => {
    const text = files.get('k8s/customers/hostile.yaml')!;
    const tenant = containerIn(parseDocs(text), server('t0')).env!.find((e) => e.name === 'ALERTMANAGER_TENANT')!;
    expect(tenant).toEqual({ name: 'ALERTMANAGER_TENANT', value: '$$(ALERTMANAGER_PASSWORD)' });
    const password = containerIn(parseDocs(text), server('t0')).env!.find((e) => e.name === 'ALERTMANAGER_PASSWORD')!;
    expect(password).toEqual({ name: 'ALERTMANAGER_PASSWORD', valueFrom: { secretKeyRef: { name: CREDENTIALS_SECRET, key: 'AM_PASSWORD_HOSTILE' } } });
  });

  it('the agent\'s literal env arrives as written too', () => {
    const agent = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === fleet.agent.serviceName)!;
    const container: ManifestContainer = agent.spec.template.spec.containers[0];
    const view = containerView(container);
    for (const variable of container.env!) if (variable.value !== undefined) expect(view.env.get(variable.name)).toBe(variable.value);
    expect(view.env.get('AGENT_PORT')).toBe(String(fleet.agent.containerPort));
  });
});

describe('kubernetes generator: random values with `$`, `(`, `)` and quotes', () => {
  const piece = fc.constantFrom('$', '$$', '(', ')', '{', '}', '$(', 'ALERTMANAGER_PASSWORD', 'MCP_PORT', 'X', 'a', ' ', '"', "'", '#');
  const value = fc.array(piece, { minLength: 1, maxLength: 12 }).map((p) => p.join(''));
  const tenant = value.map((v) => v.trim()).filter((v) => v.length > 0);

  test.prop([tenant, value, fc.array(value, { maxLength: 4 })], { numRuns: 80 })('each container sees the tenant, config env and args as written', (t, extra, args) => {
    const fleet = fleetOf(
      {
        rnd: {
          name: 'Random',
          host: 'rnd.example.com',
          mcpServers: [{ type: 'alertmanager', url: 'https://am.example.com', basicAuth: { usernameEnv: 'AM_USER_RND', passwordEnv: 'AM_PASSWORD_RND' }, tenant: t }],
        },
      },
      { types: { alertmanager: { env: { EXTRA: extra }, args } } },
    );
    const objects = parseDocs(generate(fleet).get('k8s/customers/rnd.yaml')!);
    const view = containerView(containerIn(objects, fleet.customers[0]!.servers[0]!));
    expect(view.env.get('ALERTMANAGER_TENANT')).toBe(t);
    expect(view.env.get('EXTRA')).toBe(extra);
    expect(view.args ?? []).toEqual(args);
  });
});

describe('pnpm generate: out/k8s from a customer file and fleet.config.ts', () => {
  const repo = new FleetRepo();
  const tenant = '$(ALERTMANAGER_PASSWORD) $$ $';
  const url = 'https://am.example.com/$$/$(ALERTMANAGER_PASSWORD)?q=$';
  const args = ['--label', '$(ALERTMANAGER_PASSWORD)', 'cost $5', 'end$'];

  beforeAll(async () => {
    repo
      .addCustomer('acme', {
        name: 'Acme',
        host: 'acme.example.com',
        mcpServers: [{ type: 'alertmanager', url, basicAuth: { usernameEnv: 'AM_USER_ACME', passwordEnv: 'AM_PASSWORD_ACME' }, tenant }],
      })
      .writeConfig({ types: { alertmanager: { args, env: { EXTRA: 'line "1" $$\nline 2 $(ALERTMANAGER_TENANT)' } } } });
    const generated = await repo.run('generate');
    if (generated.code !== 0) throw new Error(generated.stderr);
  });
  afterAll(() => repo.dispose());

  it('the written out/k8s file, resolved like the kubelet, gives the container the customer file\'s values', () => {
    const objects = parseDocs(repo.read('k8s/customers/acme.yaml'));
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    const view = containerView(deployment.spec.template.spec.containers[0]);
    expect(view.env.get('ALERTMANAGER_TENANT')).toBe(tenant);
    expect(view.env.get('ALERTMANAGER_URL')).toBe(url);
    expect(view.env.get('EXTRA')).toBe('line "1" $$\nline 2 $(ALERTMANAGER_TENANT)');
    expect(view.env.get('ALERTMANAGER_PASSWORD')).toBe(secretValue(CREDENTIALS_SECRET, 'AM_PASSWORD_ACME'));
    expect(view.args).toEqual(args);
  });
});
