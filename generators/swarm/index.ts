/**
 * The Docker Swarm generator (`swarm`): out/swarm/<customer>.yml, one stack per customer so each is deployed,
 * updated and removed on its own, and out/swarm/agent.yml for the agent runtime. Pure: fleet in, files out.
 */
import type { Fleet } from '../../fleet/model.ts';
import type { GeneratedFile, Generator } from '../generator.ts';
import { rememberedRendering } from '../output-memo.ts';
import { agentAbout, agentStack } from './agent-stack.ts';
import { customerAbout, customerStack } from './customer-stack.ts';
import { AGENT_STACK_FILE, customerStackFile } from './names.ts';
import { renderStack } from './render.ts';

export { AGENT_CONFIG_DIGEST_VARIABLE, AGENT_STACK_FILE, agentStackName, customerStackFile, customerStackName, secretName, SWARM_DIR } from './names.ts';

export function swarmFiles(fleet: Fleet): GeneratedFile[] {
  return [agentStackFile(fleet), ...customerStackFiles(fleet)];
}

function agentStackFile(fleet: Fleet): GeneratedFile {
  const [about, stack] = [agentAbout(fleet), agentStack(fleet)];
  return { path: AGENT_STACK_FILE, content: rememberedRendering(AGENT_STACK_FILE, [about, stack], () => renderStack(about, stack)) };
}

const customerStackFiles = (fleet: Fleet): GeneratedFile[] =>
  fleet.customers.map((customer) => ({ path: customerStackFile(customer), content: renderStack(customerAbout(customer), customerStack(customer, fleet)) }));

export const swarmGenerator: Generator = {
  name: 'swarm',
  description: 'Docker Swarm stack files: one per customer (own overlay network, secrets) and one for the agent',
  generate: swarmFiles,
  incremental: {
    customerParts: customerStackFiles,
    assemble: (fleet, parts) => [agentStackFile(fleet), ...(parts as GeneratedFile[])],
    partsAreFiles: { filePrefix: '' },
  },
};
