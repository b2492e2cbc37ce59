/**
 * A customer that serves only locked tools (gateway.lockedToolsOnly) gets the agent its locks on every target, with
 * only a path in out/ (tool-locks/ lies beside it): compose mounts the folder, Swarm ships each lock as a config named
 * by the configs' digest, Kubernetes mounts an optional ConfigMap that scripts/k8s-tool-locks.mjs makes. Without such
 * a customer the agent is unchanged.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { buildFleet } from '../../fleet/build-fleet.ts';
import { composeGenerator } from '../../generators/compose.ts';
import { kubernetesGenerator } from '../../generators/kubernetes/index.ts';
import { swarmGenerator } from '../../generators/swarm/index.ts';
import { parseManifest, validateManifests } from '../../verify/kubernetes-offline.ts';
import { FleetRepo, REPO_ROOT, segurcaixa, vattenfall } from '../helpers/fleet-repo.ts';
import { validateComposeSpec } from '../helpers/validators.ts';

type Service = { environment: Record<string, string>; volumes?: string[]; configs?: Array<{ source: string; target: string }> };
type Document = { services: Record<string, Service>; configs?: Record<string, { file: string; name: string }> };

function fleetOf(customers: Record<string, unknown>) {
  const result = buildFleet({ customers: Object.entries(customers).map(([id, exported]) => ({ id, file: `customers/${id}.ts`, exported })) });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.fleet;
}

function generated(customers: Record<string, unknown>, generator: typeof composeGenerator, file: string): Document {
  const content = generator.generate(fleetOf(customers)).find((f) => f.path === file)!.content;
  const document = YAML.parse(content) as Document;
  expect(validateComposeSpec(document), JSON.stringify(validateComposeSpec.errors)).toBe(true);
  return document;
}

const locked = { ...segurcaixa, gateway: { ...(segurcaixa.gateway as object), lockedToolsOnly: true } };

describe('the agent and tool locks', () => {
  it('compose: mounts tool-locks/ read-only and names it in AGENT_TOOL_LOCKS when a customer serves only locked tools', () => {
    const agent = generated({ segurcaixa: locked, 'vattenfall-de': vattenfall }, composeGenerator, 'docker-compose.mcps.yml').services['mcp-agent']!;
    expect(agent.environment.AGENT_TOOL_LOCKS).toBe('/config/tool-locks');
    expect(agent.volumes).toContain('../tool-locks:/config/tool-locks:ro');
  });

  it("Swarm: that customer's lock is a config of the agent's stack, mounted where AGENT_TOOL_LOCKS points", () => {
    const stack = generated({ segurcaixa: locked, 'vattenfall-de': vattenfall }, swarmGenerator, 'swarm/agent.yml');
    const agent = stack.services['mcp-agent']!;
    expect(agent.environment.AGENT_TOOL_LOCKS).toBe('/config/tool-locks');
    expect(agent.configs).toContainEqual({ source: 'tool_lock_segurcaixa', target: '/config/tool-locks/segurcaixa.json' });
    // Beside out/, named by the digest manage computes over every config file (a changed lock is a new config).
    expect(stack.configs!.tool_lock_segurcaixa).toEqual({ file: '../../tool-locks/segurcaixa.json', name: expect.stringMatching(/^mcp-agent_tool-lock-segurcaixa-\$\{MCPFLEET_AGENT_CONFIG_DIGEST:\?/) });
    expect(Object.keys(stack.configs!).filter((k) => k.startsWith('tool_lock_'))).toEqual(['tool_lock_segurcaixa']);
  });

  it('Kubernetes: the agent mounts the optional ConfigMap mcp-tool-locks and names it in AGENT_TOOL_LOCKS; the tree validates', async () => {
    const files = new Map(kubernetesGenerator.generate(fleetOf({ segurcaixa: locked, 'vattenfall-de': vattenfall })).map((f) => [f.path, f.content]));
    const deployment = parseManifest(files.get('k8s/agent.yaml')!).find((o) => o.kind === 'Deployment')!;
    const pod = deployment.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'tool-locks', configMap: { name: 'mcp-tool-locks', optional: true } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'tool-locks', mountPath: '/tool-locks', readOnly: true });
    expect(pod.containers[0].env).toContainEqual({ name: 'AGENT_TOOL_LOCKS', value: '/tool-locks' });
    expect((await validateManifests(files)).problems).toEqual([]);
  });

  it('leaves the agent as it was when no customer serves only locked tools', () => {
    const plain = parseManifest(kubernetesGenerator.generate(fleetOf({ segurcaixa, 'vattenfall-de': vattenfall })).find((f) => f.path === 'k8s/agent.yaml')!.content);
    expect(JSON.stringify(plain.find((o) => o.kind === 'Deployment'))).not.toContain('tool-locks');
    const compose = generated({ segurcaixa, 'vattenfall-de': vattenfall }, composeGenerator, 'docker-compose.mcps.yml').services['mcp-agent']!;
    expect(compose.environment.AGENT_TOOL_LOCKS).toBeUndefined();
    expect(compose.volumes!.some((v) => v.includes('tool-locks'))).toBe(false);
    const stack = generated({ segurcaixa, 'vattenfall-de': vattenfall }, swarmGenerator, 'swarm/agent.yml');
    expect(stack.services['mcp-agent']!.environment.AGENT_TOOL_LOCKS).toBeUndefined();
    expect(Object.keys(stack.configs!).some((k) => k.startsWith('tool_lock_'))).toBe(false);
  });
});

describe('scripts/k8s-tool-locks.mjs', () => {
  const repo = new FleetRepo().addCustomer('segurcaixa', locked).addCustomer('vattenfall-de', vattenfall);
  afterAll(() => repo.dispose());
  const script = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(REPO_ROOT, 'scripts/k8s-tool-locks.mjs'), ...args], { cwd: repo.root, timeout: 30_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });

  it('refuses a missing lock by customer and what to run; --dry-run prints a valid ConfigMap of the locked customers\' locks', async () => {
    const generated = await repo.run('generate', ['--only', 'k8s']);
    expect(generated.code, generated.stderr).toBe(0);
    const missing = await script(['--dry-run']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('k8s-tool-locks: no tool lock for segurcaixa');
    expect(missing.stderr).toContain('pnpm manage tools lock --customer segurcaixa');

    mkdirSync(path.join(repo.root, 'tool-locks'));
    const lock = '{ "customer": "segurcaixa", "servers": {} }\n';
    writeFileSync(path.join(repo.root, 'tool-locks/segurcaixa.json'), lock);
    writeFileSync(path.join(repo.root, 'tool-locks/vattenfall-de.json'), '{}\n');
    const dry = await script(['--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    const configMap = YAML.parse(dry.stdout);
    new ConfigMap(configMap).validate();
    expect(configMap.metadata).toMatchObject({ name: 'mcp-tool-locks', namespace: 'mcp-agent' });
    // Only the customers that serve only locked tools.
    expect(configMap.data).toEqual({ 'segurcaixa.json': lock });
  });
});
