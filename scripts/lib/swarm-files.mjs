// What the swarm generator decided, read back from out/swarm/*.yml: stacks, their services with customer, type,
// published port and MCP path, the variables interpolated at deploy time and the Swarm secrets mounted.
// Nothing here derives a name again.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';

const EXTENSION = 'x-mcpfleet';
const CREDENTIAL_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*):\?/;

/**
 * @typedef {object} SwarmService
 * @property {string} service       service name in the stack file (as compose names it)
 * @property {string} swarmName     `<stack>_<service>`, the name Swarm knows
 * @property {string} stack
 * @property {'mcp'|'agent'|'balancer'} role  ('balancer': HAProxy in front of the agent's replicas)
 * @property {string} customer      customer id ('' for the agent)
 * @property {string} type          MCP type ('agent' for the agent)
 * @property {string} server
 * @property {number|undefined} hostPort  host-mode published port (the agent's: its balancer's)
 * @property {string} healthPath    MCP path (servers) or health path (agent)
 * @property {string[]} credentials variables `docker stack deploy` interpolates (must be set)
 * @property {{ variable: string, name: string }[]} secrets  Swarm secrets it mounts (must exist)
 * @property {string} image
 *
 * @typedef {object} Stack
 * @property {string} stack        stack name for `docker stack deploy`
 * @property {'customer'|'agent'} role
 * @property {string} customer
 * @property {string} file         absolute path of the stack file
 * @property {string[]} networks          networks the stack owns (creates and removes)
 * @property {string[]} externalNetworks  networks it joins but does not own
 * @property {SwarmService[]} services
 */

/**
 * The stack files of a swarm output folder, parsed, in name order, each with the stack name, role and customer its
 * `x-mcpfleet` block gives (files without one are not stacks). A folder without a customer stack is an error.
 * @returns {Promise<{ stack: string, role: 'customer'|'agent', customer: string, file: string, document: object }[]>}
 */
export async function readStackDocuments(swarmDir) {
  let names;
  try {
    names = (await readdir(swarmDir)).filter((f) => f.endsWith('.yml')).sort();
  } catch (error) {
    throw new Error(`cannot read ${swarmDir}: ${error.code === 'ENOENT' ? 'it does not exist; run pnpm generate first' : error.message}`);
  }
  const stacks = [];
  for (const name of names) {
    const file = path.join(swarmDir, name);
    const document = YAML.parse(await readFile(file, 'utf8'));
    const about = document?.[EXTENSION];
    if (!about?.stack) continue;
    stacks.push({ stack: about.stack, role: about.role === 'agent' ? 'agent' : 'customer', customer: about.customer ?? '', file, document });
  }
  if (!stacks.some((s) => s.role === 'customer')) throw new Error(`${swarmDir} holds no customer stack file; run pnpm generate first`);
  return stacks;
}

/** Reads every stack file of a swarm output folder. @returns {Promise<Stack[]>} */
export async function readStacks(swarmDir) {
  const stacks = [];
  for (const { document, ...about } of await readStackDocuments(swarmDir)) {
    const secretNames = Object.fromEntries(Object.entries(document.secrets ?? {}).map(([key, s]) => [key, s.name ?? key]));
    const services = Object.entries(document.services ?? {}).map(([service, definition]) => {
      const labels = definition.deploy?.labels ?? {};
      const role = labels['mcpfleet.role'] === 'agent' ? 'agent' : labels['mcpfleet.role'] === 'agent-balancer' ? 'balancer' : 'mcp';
      const published = (definition.ports ?? []).find((p) => typeof p === 'object' && p.published);
      return {
        service,
        swarmName: `${about.stack}_${service}`,
        stack: about.stack,
        role,
        customer: labels['mcpfleet.customer'] ?? '',
        type: labels['mcpfleet.type'] ?? 'agent',
        server: labels['mcpfleet.server'] ?? service,
        hostPort: published ? Number(published.published) : undefined,
        healthPath: labels['mcpfleet.mcp-path'] ?? '/healthz',
        credentials: Object.values(definition.environment ?? {}).flatMap((value) => {
          const match = String(value).match(CREDENTIAL_REFERENCE);
          return match ? [match[1]] : [];
        }),
        secrets: (definition.secrets ?? []).map((s) => {
          const variable = typeof s === 'string' ? s : s.source;
          return { variable, name: secretNames[variable] ?? variable };
        }),
        image: definition.image,
      };
    });
    // The agent's replicas publish no port: they are reached through the stack's balancer, which does.
    const balancer = services.find((s) => s.role === 'balancer');
    for (const service of services) if (service.role === 'agent' && service.hostPort === undefined && balancer) service.hostPort = balancer.hostPort;
    stacks.push({
      ...about,
      networks: Object.entries(document.networks ?? {}).filter(([, n]) => !n?.external).map(([key, n]) => n?.name ?? key),
      externalNetworks: Object.entries(document.networks ?? {}).filter(([, n]) => n?.external).map(([key, n]) => n.name ?? key),
      services,
    });
  }
  return stacks;
}
