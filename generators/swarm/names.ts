/**
 * Names only the Swarm output uses: stack files, stack names, secret and config names. Everything a server or
 * customer is called elsewhere (service, network, port) comes from the Fleet model; a stack is named after the
 * customer's namespace, which is what Docker calls a stack (label com.docker.stack.namespace).
 */
import { createHash } from 'node:crypto';
import type { Fleet, FleetCustomer } from '../../fleet/model.ts';

/** Folder under out/ holding the stack files. */
export const SWARM_DIR = 'swarm';

/** Stack file format: the newest version Debian's docker 20.10 client and the docker CLI 28 both accept. */
export const STACK_FILE_VERSION = '3.8';

/** Stack name of the agent runtime when the fleet config names none. */
export const DEFAULT_AGENT_STACK = 'mcp-agent';

/** The agent's stack file (no customer can be called "agent": the id is reserved). */
export const AGENT_STACK_FILE = `${SWARM_DIR}/agent.yml`;

/**
 * Deploy-time variable naming the version of the agent's config objects. Swarm configs are immutable, so a
 * changed mcp_servers.json needs a new config name; scripts/manage.mjs sets it to a digest of the two files.
 * It is not computed here because adding a customer would then change a line that belongs to no customer.
 */
export const AGENT_CONFIG_DIGEST_VARIABLE = 'MCPFLEET_AGENT_CONFIG_DIGEST';

/** Top-level extension key (`x-…`, ignored by Docker) that tells scripts which stack a file is and for whom. */
export const STACK_EXTENSION = 'x-mcpfleet';

/** The stack file of one customer. */
export const customerStackFile = (customer: FleetCustomer): string => `${SWARM_DIR}/${customer.id}.yml`;

/** `docker stack deploy … <name>`: the customer's namespace. */
export const customerStackName = (customer: FleetCustomer): string => customer.namespace;

export const agentStackName = (fleet: Fleet): string => fleet.config.swarm?.agentStack ?? DEFAULT_AGENT_STACK;

/** Where Swarm mounts a secret inside the container. */
export const secretPath = (target: string): string => `/run/secrets/${target}`;

/** Swarm object names: 1-64 characters, alphanumeric at both ends, `-`, `_`, `.` inside. */
const SWARM_OBJECT_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9._-]*[a-zA-Z0-9])?$/;
const SWARM_OBJECT_NAME_MAX = 64;

/**
 * Name of the Swarm secret holding one credential variable of a customer: `<stack>_<VARIABLE>`, the way Docker
 * names a stack's own objects. When that is not a valid name (too long, or the variable ends in "_"), a shortened
 * form with a hash of the full name keeps it valid and unique.
 */
export function secretName(customer: FleetCustomer, variable: string): string {
  const readable = `${customerStackName(customer)}_${variable}`;
  if (readable.length <= SWARM_OBJECT_NAME_MAX && SWARM_OBJECT_NAME.test(readable)) return readable;
  const hash = createHash('sha256').update(readable).digest('hex').slice(0, 10);
  const head = readable.slice(0, SWARM_OBJECT_NAME_MAX - hash.length - 1).replace(/[._-]+$/, '');
  return `${head}-${hash}`;
}
