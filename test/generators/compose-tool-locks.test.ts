/**
 * A customer that serves only locked tools (gateway.lockedToolsOnly) gets the agent its locks in compose: tool-locks/
 * beside out/ mounted read-only and AGENT_TOOL_LOCKS pointing at it. Without such a customer the agent is unchanged.
 */
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { buildFleet } from '../../fleet/build-fleet.ts';
import { composeGenerator } from '../../generators/compose.ts';
import { segurcaixa, vattenfall } from '../helpers/fleet-repo.ts';
import { validateComposeSpec } from '../helpers/validators.ts';

function agentOf(customers: Record<string, unknown>) {
  const result = buildFleet({ customers: Object.entries(customers).map(([id, exported]) => ({ id, file: `customers/${id}.ts`, exported })) });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  const file = composeGenerator.generate(result.fleet).find((f) => f.path === 'docker-compose.mcps.yml')!;
  const document = YAML.parse(file.content) as { services: Record<string, { environment: Record<string, string>; volumes: string[] }> };
  expect(validateComposeSpec(document), JSON.stringify(validateComposeSpec.errors)).toBe(true);
  return document.services['mcp-agent']!;
}

describe('compose: the agent and tool locks', () => {
  it('mounts tool-locks/ read-only and names it in AGENT_TOOL_LOCKS when a customer serves only locked tools', () => {
    const locked = { ...segurcaixa, gateway: { ...(segurcaixa.gateway as object), lockedToolsOnly: true } };
    const agent = agentOf({ segurcaixa: locked, 'vattenfall-de': vattenfall });
    expect(agent.environment.AGENT_TOOL_LOCKS).toBe('/config/tool-locks');
    expect(agent.volumes).toContain('../tool-locks:/config/tool-locks:ro');
  });

  it('leaves the agent as it was when no customer does', () => {
    const agent = agentOf({ segurcaixa, 'vattenfall-de': vattenfall });
    expect(agent.environment.AGENT_TOOL_LOCKS).toBeUndefined();
    expect(agent.volumes.some((v) => v.includes('tool-locks'))).toBe(false);
  });
});
