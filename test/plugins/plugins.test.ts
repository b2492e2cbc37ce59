/**
 * Plugins through the real CLI: the example plugins (a Prometheus MCP type, a CMDB export generator) listed in a
 * fleet config reach every output, validate with the built-in types' error quality, are cleaned when removed, and
 * what a plugin does wrong is a problem naming it, never a crash.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import jsYaml from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetRepo, REPO_ROOT, runCli, segurcaixa } from '../helpers/fleet-repo.ts';
import { GitFixture } from '../helpers/git-fixture.ts';

const PROMETHEUS_PLUGIN = path.join(REPO_ROOT, 'examples/plugins/prometheus/index.ts');
const CMDB_PLUGIN = path.join(REPO_ROOT, 'examples/plugins/cmdb-export/index.ts');
const SCHEMA_INDEX = path.join(REPO_ROOT, 'schema/index.ts');

const acme = {
  name: 'Acme',
  host: 'acme.example.com',
  mcpServers: [
    { type: 'prometheus', url: 'https://prometheus.acme.example.com' },
    { type: 'grafana', url: 'https://grafana.acme.example.com', tokenEnv: 'GRAFANA_TOKEN_ACME' },
  ],
};

/** fleet.config.ts importing `plugins` (name → module) and listing them. */
function writeConfigWithPlugins(repo: FleetRepo, plugins: Record<string, string>): void {
  const imports = Object.entries(plugins).map(([name, module]) => `import ${name} from ${JSON.stringify(module)};`);
  writeFileSync(
    path.join(repo.root, 'fleet.config.ts'),
    `import { defineFleetConfig } from ${JSON.stringify(SCHEMA_INDEX)};\n${imports.join('\n')}\nexport default defineFleetConfig({ plugins: [${Object.keys(plugins).join(', ')}] });\n`,
  );
}

let repo: FleetRepo | undefined;
afterEach(() => repo?.dispose());

describe('example plugins', () => {
  it('a plugin MCP type reaches compose, Kubernetes, Swarm, mcp_servers.json and the JSON Schemas; a plugin generator writes its file', async () => {
    repo = new FleetRepo().addCustomer('acme', acme).addCustomer('segurcaixa', segurcaixa);
    writeConfigWithPlugins(repo, { prometheus: PROMETHEUS_PLUGIN, cmdb: CMDB_PLUGIN });
    const result = await repo.run('generate');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const compose = jsYaml.load(repo.read('docker-compose.mcps.yml')) as { services: Record<string, { image: string; command: string[]; environment: Record<string, string>; profiles: string[] }> };
    const service = compose.services['mcp-prometheus-acme']!;
    expect(service.image).toBe('ghcr.io/jeanlopezxyz/mcp-prometheus:2.1.1');
    expect(service.command).toEqual(['--port', '8000']);
    expect(service.environment).toMatchObject({ PROMETHEUS_URL: 'https://prometheus.acme.example.com' });
    expect(service.profiles).toEqual(expect.arrayContaining(['prometheus', 'acme']));

    const k8s = repo.read('k8s/customers/acme.yaml');
    expect(k8s).toContain('name: mcp-prometheus-acme');
    expect(k8s).toContain('value: https://prometheus.acme.example.com');
    const swarm = jsYaml.load(repo.read('swarm/acme.yml')) as { services: Record<string, { environment: Record<string, string> }> };
    expect(swarm.services['mcp-prometheus-acme']!.environment).toMatchObject({ PROMETHEUS_URL: 'https://prometheus.acme.example.com' });

    const runtime = JSON.parse(repo.read('mcp_servers.json')) as { customers: Array<{ id: string; mcp_servers: Array<{ type: string; url: string; config: Record<string, string> }> }> };
    expect(runtime.customers.find((c) => c.id === 'acme')!.mcp_servers[0]).toMatchObject({
      type: 'prometheus',
      url: 'http://mcp-prometheus-acme:8000/mcp',
      config: { prometheus_url: 'https://prometheus.acme.example.com' },
    });
    const customerSchema = JSON.parse(repo.read('schema/customer.schema.json')) as object;
    expect(JSON.stringify(customerSchema)).toContain('"const":"prometheus"');

    const csv = repo.read('cmdb/mcp-servers.csv').split('\r\n');
    expect(csv[0]).toBe('customer,customer_name,server,type,image,host_port,compose_url,kubernetes_url,credential_variables');
    const ports = JSON.parse(repo.read('ports.lock.json')).ports as Record<string, number>;
    expect(csv).toContain(`acme,Acme,prometheus,prometheus,ghcr.io/jeanlopezxyz/mcp-prometheus:2.1.1,${ports['acme/prometheus']},http://mcp-prometheus-acme:8000/mcp,http://mcp-prometheus-acme.mcp-acme.svc.cluster.local:8000/mcp,`);
    expect(csv).toContain(`acme,Acme,grafana,grafana,grafana/mcp-grafana:0.17.1,${ports['acme/grafana']},http://mcp-grafana-acme:8000/mcp,http://mcp-grafana-acme.mcp-acme.svc.cluster.local:8000/mcp,GRAFANA_TOKEN_ACME`);
    expect(JSON.parse(repo.read('generated-files.json')).files.cmdb).toEqual(['cmdb/mcp-servers.csv']);

    // Planned and checked like the others: --check passes, --only picks the plugin's generator by name.
    expect((await repo.run('generate', ['--check'])).code).toBe(0);
    expect((await repo.run('generate', ['--check', '--only', 'cmdb', '--no-cache'])).code).toBe(0);

    // Cleaned like the others: without the generator plugin, its file goes.
    writeConfigWithPlugins(repo, { prometheus: PROMETHEUS_PLUGIN });
    const without = await repo.run('generate');
    expect(without.code, without.stderr).toBe(0);
    expect(without.stdout).toContain('removed out/cmdb/mcp-servers.csv');
    expect(Object.keys(repo.snapshotOut()).some((f) => f.startsWith('cmdb/'))).toBe(false);
  });

  it('validates a plugin type like a built-in one: a typo gets "did you mean", and without the plugin the type is unknown', async () => {
    repo = new FleetRepo().addCustomer('acme', { ...acme, mcpServers: [{ type: 'prometheus', urll: 'https://prometheus.acme.example.com' }] });
    writeConfigWithPlugins(repo, { prometheus: PROMETHEUS_PLUGIN });
    const typo = await repo.run('validate');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('customers/acme.ts');
    expect(typo.stderr).toMatch(/mcpServers\[0\]\.urll.*did you mean "url"\?/);
    expect(typo.stderr).toMatch(/mcpServers\[0\]\.url.*is required/);

    writeFileSync(path.join(repo.root, 'fleet.config.ts'), 'export default {};\n');
    repo.addCustomer('acme', acme);
    const unknown = await repo.run('validate');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/mcpServers\[0\]\.type.*unknown MCP type; use one of: 'grafana', 'alertmanager', 'genesys'/);
  });
});

describe('plugins in the env template and in review', () => {
  it("a plugin type's credentials reach the env template and compose as variables, never values", async () => {
    repo = new FleetRepo().addCustomer('acme', { ...acme, mcpServers: [{ type: 'secured-prometheus', url: 'https://prometheus.acme.example.com', tokenEnv: 'PROMETHEUS_TOKEN_ACME' }] });
    const securedType = `{ ...prometheus.mcpTypes[0], type: 'secured-prometheus', serverSchema: prometheus.mcpTypes[0].serverSchema.extend({ type: z.literal('secured-prometheus'), tokenEnv: envVarName }), env: (server) => [{ name: 'PROMETHEUS_URL', value: server.url }, { name: 'PROMETHEUS_TOKEN', credential: { variable: server.tokenEnv, description: 'Bearer token for ' + server.url } }] }`;
    writeFileSync(
      path.join(repo.root, 'fleet.config.ts'),
      `import { definePlugin, envVarName, z } from ${JSON.stringify(SCHEMA_INDEX)};\nimport prometheus from ${JSON.stringify(PROMETHEUS_PLUGIN)};\nexport default { plugins: [definePlugin({ name: 'secured', mcpTypes: [${securedType}] })] };\n`,
    );
    const result = await repo.run('generate');
    expect(result.code, result.stderr).toBe(0);
    const env = repo.read('env/mcp_credentials.env.example');
    expect(env).toMatch(/^PROMETHEUS_TOKEN_ACME=$/m);
    expect(env).toContain('Bearer token for https://prometheus.acme.example.com');
    const compose = jsYaml.load(repo.read('docker-compose.mcps.yml')) as { services: Record<string, { environment: Record<string, string> }> };
    expect(compose.services['mcp-secured-prometheus-acme']!.environment.PROMETHEUS_TOKEN).toMatch(/^\$\{PROMETHEUS_TOKEN_ACME[:?]/);
  });

  it('pnpm diff shows a customer of a plugin type and the plugin generator\'s file', async () => {
    const fixture = new GitFixture();
    try {
      fixture.writeCustomer('segurcaixa', segurcaixa);
      writeFileSync(
        path.join(fixture.root, 'fleet.config.ts'),
        `import prometheus from ${JSON.stringify(PROMETHEUS_PLUGIN)};\nimport cmdb from ${JSON.stringify(CMDB_PLUGIN)};\nexport default { plugins: [prometheus, cmdb] };\n`,
      );
      await fixture.generate();
      fixture.commit('base');
      fixture.git('checkout', '--quiet', '-b', 'feature');
      fixture.writeCustomer('acme', acme);
      const result = await runCli('diff', ['--root', fixture.root, '--format', 'json']);
      expect(result.code, result.stderr).toBe(2);
      const json = JSON.parse(result.stdout) as { customers: Array<{ id: string; change: string; servers: string[] }>; objects: Array<{ output: string; id: string; customer?: string; change: string }> };
      expect(json.customers).toEqual([expect.objectContaining({ id: 'acme', change: 'added', servers: ['prometheus', 'grafana'] })]);
      expect(json.objects).toEqual(expect.arrayContaining([expect.objectContaining({ output: 'compose', id: 'service mcp-prometheus-acme', customer: 'acme', change: 'added' })]));
      expect(json.objects.filter((o) => o.output === 'cmdb').map((o) => o.change)).toEqual(['changed']);
    } finally {
      fixture.dispose();
    }
  });
});

describe('plugin problems name the plugin', () => {
  const definedPlugin = (source: string) => `definePlugin(${source})`;

  it('a type or generator name taken twice, a plugin listed twice, a malformed type: every problem at once, nothing written', async () => {
    repo = new FleetRepo().addCustomer('segurcaixa', segurcaixa);
    const grafanaAgain = definedPlugin(`{ name: 'grafana-again', mcpTypes: [{ ...prometheus.mcpTypes[0], type: 'grafana', serverSchema: prometheus.mcpTypes[0].serverSchema }] }`);
    const composeAgain = definedPlugin(`{ name: 'compose-again', generators: [{ name: 'compose', description: 'x', generate: () => [] }] }`);
    const broken = definedPlugin(`{ name: 'broken', mcpTypes: [{ type: 'Bad Type', title: 'x' }] }`);
    writeFileSync(
      path.join(repo.root, 'fleet.config.ts'),
      `import { definePlugin } from ${JSON.stringify(SCHEMA_INDEX)};\nimport prometheus from ${JSON.stringify(PROMETHEUS_PLUGIN)};\nexport default { plugins: [${grafanaAgain}, ${composeAgain}, prometheus, prometheus, ${broken}] };\n`,
    );
    const result = await repo.run('generate');
    expect(result.code).toBe(1);
    const lines = result.stderr.split('\n');
    const line = (pattern: RegExp) => expect(lines.find((l) => pattern.test(l)), result.stderr).toBeDefined();
    line(/fleet\.config\.ts.*plugins\[0\]\.mcpTypes\[0\]\.type.*plugin "grafana-again": MCP type "grafana" is already defined by plugin "mcpfleet" \(built in\)/);
    line(/fleet\.config\.ts.*plugins\[1\]\.generators\[0\]\.name.*plugin "compose-again": generator "compose" is already defined by plugin "mcpfleet \(built in\)"/);
    line(/fleet\.config\.ts.*plugins\[3\]\.name.*plugin "prometheus" is listed twice/);
    line(/fleet\.config\.ts.*plugins\[4\]\.mcpTypes\[0\]\.type.*plugin "broken": must be a lowercase DNS label/);
    line(/fleet\.config\.ts.*plugins\[4\]\.mcpTypes\[0\]\.env.*plugin "broken": .*must be a function/);
    expect(repo.snapshotOut()).toEqual({});
  });

  it('a plugin whose code throws (on import, in a type, in a generator) is one problem naming it', async () => {
    repo = new FleetRepo().addCustomer('acme', acme);
    const throwingGenerator = definedPlugin(`{ name: 'flaky', generators: [{ name: 'flaky', description: 'x', generate: () => { throw new Error('disk quota of the CMDB exceeded'); } }] }`);
    writeFileSync(
      path.join(repo.root, 'fleet.config.ts'),
      `import { defineFleetConfig, definePlugin } from ${JSON.stringify(SCHEMA_INDEX)};\nimport prometheus from ${JSON.stringify(PROMETHEUS_PLUGIN)};\nconst flaky = ${throwingGenerator};\nexport default defineFleetConfig({ plugins: [prometheus, flaky] });\n`,
    );
    const generator = await repo.run('generate');
    expect(generator.code).toBe(1);
    expect(generator.stderr).toMatch(/fleet\.config\.ts.*plugins\[1\]\.generators\[0\].*plugin "flaky": generator "flaky" failed: disk quota of the CMDB exceeded; fix the plugin/);
    expect(repo.snapshotOut()).toEqual({});

    const throwingType = definedPlugin(`{ name: 'strict-prometheus', mcpTypes: [{ ...prometheus.mcpTypes[0], type: 'strictprom', serverSchema: prometheus.mcpTypes[0].serverSchema.extend({ type: z.literal('strictprom') }), env: () => { throw new Error('no PROMETHEUS_URL for this one'); } }] }`);
    writeFileSync(
      path.join(repo.root, 'fleet.config.ts'),
      `import { definePlugin, z } from ${JSON.stringify(SCHEMA_INDEX)};\nimport prometheus from ${JSON.stringify(PROMETHEUS_PLUGIN)};\nexport default { plugins: [${throwingType}] };\n`,
    );
    repo.addCustomer('acme', { ...acme, mcpServers: [{ type: 'strictprom', url: 'https://prometheus.acme.example.com' }] });
    const type = await repo.run('generate');
    expect(type.code).toBe(1);
    expect(type.stderr).toMatch(/customers\/acme\.ts.*mcpServers\[0\].*plugin "strict-prometheus": MCP type "strictprom" failed on this server: no PROMETHEUS_URL for this one/);

    const module = path.join(repo.root, 'exploding-plugin.ts');
    writeFileSync(module, "throw new Error('plugin module exploded on import');\nexport default {};\n");
    writeFileSync(path.join(repo.root, 'fleet.config.ts'), `import exploding from './exploding-plugin.ts';\nexport default { plugins: [exploding] };\n`);
    const load = await repo.run('generate');
    expect(load.code).toBe(1);
    expect(load.stderr).toMatch(/fleet\.config\.ts.*failed to load: .*plugin module exploded on import/);
    expect(repo.snapshotOut()).toEqual({});
  });

  it('a plugin generator that writes outside out/ or over another output is refused', async () => {
    repo = new FleetRepo().addCustomer('segurcaixa', segurcaixa);
    const escape = definedPlugin(`{ name: 'escape', generators: [{ name: 'escape', description: 'x', generate: () => [{ path: '../outside.txt', content: 'x' }] }] }`);
    const overwrite = definedPlugin(`{ name: 'overwrite', generators: [{ name: 'overwrite', description: 'x', generate: () => [{ path: 'mcp_servers.json', content: '{}' }] }] }`);
    writeFileSync(path.join(repo.root, 'fleet.config.ts'), `import { definePlugin } from ${JSON.stringify(SCHEMA_INDEX)};\nexport default { plugins: [${escape}, ${overwrite}] };\n`);
    const result = await repo.run('generate');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/plugins\[0\]\.generators\[0\].*plugin "escape": generator "escape" writes "\.\.\/outside\.txt", outside out\//);
    expect(result.stderr).toMatch(/plugins\[1\]\.generators\[0\].*plugin "overwrite": generator "overwrite" writes out\/mcp_servers\.json, which generator "runtime" writes too/);
    expect(repo.snapshotOut()).toEqual({});
  });
});
