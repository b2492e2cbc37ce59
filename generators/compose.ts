/**
 * out/docker-compose.mcps.yml: one service per customer × server (seed's Option B), each on its
 * customer's own network, published on 127.0.0.1 only, with credentials as `${VAR:?…}` interpolation.
 */
import yaml from 'js-yaml';
import path from 'node:path';
import type { Fleet, FleetCustomer, FleetServer } from '../fleet/model.ts';
import { ALL_PROFILE } from '../fleet/profiles.ts';
import { GENERATED_MARKER, type Generator } from './generator.ts';
import { RUNTIME_CONFIG_FILE, RUNTIME_SCHEMA_FILE } from './runtime-config.ts';

export const COMPOSE_FILE = 'docker-compose.mcps.yml';
/** The credentials file compose reads, relative to the repo root; its template is out/env/. */
const CREDENTIALS_HINT = 'set it in mcp_credentials.env (template out/env/mcp_credentials.env.example)';

/** A credential as compose interpolation that refuses to start without it. */
const credentialReference = (variable: string) => `\${${variable}:?${variable} is missing: ${CREDENTIALS_HINT}}`;

/** Compose interpolates `$` in every value; `$$` is a literal dollar. */
export const escapeInterpolation = (value: string): string => value.replaceAll('$', '$$$$');

function service(customer: FleetCustomer, server: FleetServer): Record<string, unknown> {
  const environment = Object.fromEntries(
    server.env.map((entry) =>
      'credential' in entry
        ? [entry.name, credentialReference(entry.credential.variable)]
        : [entry.name, escapeInterpolation(entry.value)],
    ),
  );
  return {
    image: server.image,
    ...(server.buildContext && { build: { context: `../${server.buildContext}` } }),
    ...(server.args.length > 0 && { command: server.args.map(escapeInterpolation) }),
    environment,
    ports: [`127.0.0.1:${server.hostPort}:${server.containerPort}`],
    networks: [customer.network],
    profiles: [customer.id, server.type, ALL_PROFILE],
    labels: {
      'mcpfleet.customer': customer.id,
      'mcpfleet.customer-name': escapeInterpolation(customer.name),
      'mcpfleet.type': server.type,
      'mcpfleet.server': server.name,
      'mcpfleet.mcp-path': server.path,
    },
    restart: 'unless-stopped',
    deploy: { resources: { limits: { cpus: server.resources.cpus, memory: server.resources.memory } } },
    ...(server.health.command && {
      healthcheck: { test: ['CMD', ...server.health.command.map(escapeInterpolation)], interval: '30s', timeout: '5s', retries: 3, start_period: '20s' },
    }),
  };
}

/**
 * Every string double-quoted: one reading under YAML 1.1 (compose v1's PyYAML: `yes`, `on`, `1_000`) and
 * 1.2 (compose v2), and a multi-line value stays on one line, so a diff shows one changed line.
 * js-yaml rather than yaml here: 3-4× faster on a 1,000-customer file (measured in pnpm bench).
 */
export function toComposeYaml(document: unknown): string {
  return yaml.dump(document, { lineWidth: -1, noRefs: true, forceQuotes: true, quotingType: '"', sortKeys: false });
}

/**
 * The agent runtime joins every customer network (and only it can: customers' servers share none), reads
 * out/mcp_servers.json and its schema read-only, and serves its API on 127.0.0.1. It has no profile: it runs
 * whatever subset of customers is started.
 */
function agentService(fleet: Fleet): Record<string, unknown> {
  const { agent } = fleet;
  const configDir = path.posix.dirname(agent.configPath);
  return {
    image: agent.image,
    ...(agent.buildContext && { build: { context: path.posix.join('..', agent.buildContext), dockerfile: agent.dockerfile } }),
    environment: {
      AGENT_HOST: '0.0.0.0',
      AGENT_PORT: String(agent.containerPort),
      AGENT_CONFIG: agent.configPath,
      // Optional bearer token for /api; empty means no token required.
      AGENT_API_TOKEN: '${AGENT_API_TOKEN:-}',
      // Each customer's gateway token, when its file names one (/customers/<id>/mcp).
      ...Object.fromEntries(fleet.customers.flatMap((c) => (c.gatewayToken ? [[c.gatewayToken.variable, credentialReference(c.gatewayToken.variable)]] : []))),
    },
    volumes: [`./${RUNTIME_CONFIG_FILE}:${agent.configPath}:ro`, `./${path.posix.dirname(RUNTIME_SCHEMA_FILE)}:${configDir}/${path.posix.dirname(RUNTIME_SCHEMA_FILE)}:ro`],
    ports: [`127.0.0.1:${agent.hostPort}:${agent.containerPort}`],
    networks: fleet.customers.map((c) => c.network),
    labels: { 'mcpfleet.role': 'agent' },
    restart: 'unless-stopped',
    deploy: { resources: { limits: { cpus: agent.resources.cpus, memory: agent.resources.memory } } },
    healthcheck: {
      test: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${agent.containerPort}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
      interval: '30s',
      timeout: '5s',
      retries: 3,
      start_period: '10s',
    },
  };
}

export const composeGenerator: Generator = {
  name: 'compose',
  description: 'Docker Compose file with one service per customer × MCP server',
  generate(fleet) {
    const services: Record<string, unknown> = { [fleet.agent.serviceName]: agentService(fleet) };
    const networks: Record<string, unknown> = {};
    for (const customer of fleet.customers) {
      for (const server of customer.servers) services[server.serviceName] = service(customer, server);
      networks[customer.network] = { name: customer.network, labels: { 'mcpfleet.customer': customer.id } };
    }
    const header = [
      GENERATED_MARKER,
      `Start one customer: docker compose -f out/${COMPOSE_FILE} --env-file mcp_credentials.env --profile <customer-id> up -d`,
      `Start everything:   … --profile ${ALL_PROFILE} up -d`,
    ];
    return [{ path: COMPOSE_FILE, content: `${header.map((line) => `# ${line}`).join('\n')}\n\n${toComposeYaml({ services, networks })}` }];
  },
};
