/**
 * A customer that serves only locked tools (gateway.lockedToolsOnly) gets the agent its locks on every target, with
 * only a path in out/ (tool-locks/ lies beside it): compose mounts the folder, Swarm ships each lock as a config named
 * by the configs' digest. Without such a customer the agent is unchanged.
 */
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { buildFleet } from '../../fleet/build-fleet.ts';
import { composeGenerator } from '../../generators/compose.ts';
import { swarmGenerator } from '../../generators/swarm/index.ts';
import { segurcaixa, vattenfall } from '../helpers/fleet-repo.ts';
import { validateComposeSpec } from '../helpers/validators.ts';

type Service = { environment: Record<string, string>; volumes?: string[]; configs?: Array<{ source: string; target: string }> };
type Document = { services: Record<string, Service>; configs?: Record<string, { file: string; name: string }> };

function generated(customers: Record<string, unknown>, generator: typeof composeGenerator, path: string): Document {
  const result = buildFleet({ customers: Object.entries(customers).map(([id, exported]) => ({ id, file: `customers/${id}.ts`, exported })) });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  const file = generator.generate(result.fleet).find((f) => f.path === path)!;
  const document = YAML.parse(file.content) as Document;
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

  it('leaves the agent as it was when no customer serves only locked tools', () => {
    const compose = generated({ segurcaixa, 'vattenfall-de': vattenfall }, composeGenerator, 'docker-compose.mcps.yml').services['mcp-agent']!;
    expect(compose.environment.AGENT_TOOL_LOCKS).toBeUndefined();
    expect(compose.volumes!.some((v) => v.includes('tool-locks'))).toBe(false);
    const stack = generated({ segurcaixa, 'vattenfall-de': vattenfall }, swarmGenerator, 'swarm/agent.yml');
    expect(stack.services['mcp-agent']!.environment.AGENT_TOOL_LOCKS).toBeUndefined();
    expect(Object.keys(stack.configs!).some((k) => k.startsWith('tool_lock_'))).toBe(false);
  });
});
