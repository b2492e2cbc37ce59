// What the generators decided, read back from the generated compose file: services, their customer, type,
// published port, MCP path and credential variables. Nothing here derives a name again.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';

const CREDENTIAL_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*):\?/;

/**
 * @typedef {object} FleetService
 * @property {string} service       compose service name
 * @property {'mcp'|'agent'} role
 * @property {string} customer      customer id ('' for the agent)
 * @property {string} type          MCP type ('agent' for the agent)
 * @property {string} server        server name within the customer
 * @property {number|undefined} hostPort  published port on 127.0.0.1
 * @property {string} healthPath    MCP path (servers) or health path (agent)
 * @property {string[]} credentials credential variables it needs
 * @property {boolean} builds       whether compose builds its image from this repo
 * @property {string} image
 */

/** Reads the services of a generated compose file. @returns {Promise<FleetService[]>} */
export async function readFleetServices(composeFile) {
  let document;
  try {
    document = YAML.parse(await readFile(composeFile, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${composeFile}: ${error.code === 'ENOENT' ? 'it does not exist; run pnpm generate first' : error.message}`);
  }
  return Object.entries(document?.services ?? {}).flatMap(([service, definition]) => {
    const labels = definition.labels ?? {};
    const role = labels['mcpfleet.role'] === 'agent' ? 'agent' : labels['mcpfleet.customer'] ? 'mcp' : undefined;
    if (!role) return [];
    const published = (definition.ports ?? []).map((p) => String(p).match(/^127\.0\.0\.1:(\d+):\d+$/)).find(Boolean);
    return [
      {
        service,
        role,
        customer: labels['mcpfleet.customer'] ?? '',
        type: labels['mcpfleet.type'] ?? 'agent',
        server: labels['mcpfleet.server'] ?? service,
        hostPort: published ? Number(published[1]) : undefined,
        healthPath: labels['mcpfleet.mcp-path'] ?? '/healthz',
        credentials: Object.values(definition.environment ?? {}).flatMap((value) => {
          const match = String(value).match(CREDENTIAL_REFERENCE);
          return match ? [match[1]] : [];
        }),
        builds: Boolean(definition.build),
        image: definition.image,
      },
    ];
  });
}

/** Whether a server of `customer` and `type` is selected by `--customer` and `--type` (neither given: every server). */
export const inSelection = ({ customers = [], types = [] }, customer, type) =>
  (customers.length === 0 || customers.includes(customer)) && (types.length === 0 || types.includes(type));

/**
 * The services a command acts on: MCP servers matching every given filter, plus the agent when any server is
 * selected (it serves all customers). Unknown customers or types are an error naming the known ones.
 */
export function selectServices(services, { customers = [], types = [] }) {
  const mcp = services.filter((s) => s.role === 'mcp');
  for (const [given, known, what] of [
    [customers, [...new Set(mcp.map((s) => s.customer))], 'customer'],
    [types, [...new Set(mcp.map((s) => s.type))], 'type'],
  ]) {
    const unknown = given.filter((g) => !known.includes(g));
    if (unknown.length > 0) throw new Error(`unknown ${what} ${unknown.join(', ')}; known: ${known.join(', ')}`);
  }
  const selected = mcp.filter((s) => inSelection({ customers, types }, s.customer, s.type));
  return { servers: selected, agent: services.find((s) => s.role === 'agent'), everything: customers.length === 0 && types.length === 0 };
}

/**
 * The agent's gateway token variables and the customer each guards, from the generated mcp_servers.json (empty when
 * the file cannot be read). @returns {Map<string, string>}
 */
export function gatewayTokens(mcpServersFile) {
  try {
    const config = JSON.parse(readFileSync(mcpServersFile, 'utf8'));
    return new Map((config.customers ?? []).filter((c) => c.gateway?.token_env).map((c) => [c.gateway.token_env, c.id]));
  } catch {
    return new Map();
  }
}

/** Whose a missing credential is, for a message: the customer's server, or the agent (naming the customer a gateway token guards). */
export function credentialOwner({ customer, service, variable }, gateways = new Map()) {
  if (customer) return `customer ${customer}, service ${service}`;
  const guarded = gateways.get(variable);
  return `the agent${guarded ? `: gateway token of customer ${guarded}` : ''}, service ${service}`;
}
