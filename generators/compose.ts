/**
 * out/docker-compose.mcps.yml: one service per customer × server (seed's Option B), each on its
 * customer's own network, published on 127.0.0.1 only, with credentials as `${VAR:?…}` interpolation.
 */
import yaml from 'js-yaml';
import path from 'node:path';
import type { Fleet, FleetCustomer, FleetServer } from '../fleet/model.ts';
import { ALL_PROFILE } from '../fleet/profiles.ts';
import {
  BALANCER_BACKEND_VARIABLE,
  BALANCER_CONFIG_FILE,
  BALANCER_CONFIG_TARGET,
  BALANCER_STOP_SIGNAL,
  balancerConfig,
} from './agent-balancer.ts';
import { AGENT_STOP_GRACE_S, drainEnvironment, SESSION_SECRET_HOWTO, SESSION_SECRET_VARIABLE } from './agent-replicas.ts';
import { GENERATED_MARKER, type GeneratedFile, type Generator } from './generator.ts';
import { lockedCustomers, RUNTIME_CONFIG_FILE, RUNTIME_SCHEMA_FILE, TOOL_LOCKS_DIR } from './runtime-config.ts';
import { rememberedRendering } from './output-memo.ts';
import { nestedYaml } from './yaml-fragment.ts';

export const COMPOSE_FILE = 'docker-compose.mcps.yml';
/** Override file: the agent as several replicas behind HAProxy on the same published port. */
export const AGENT_REPLICAS_FILE = 'docker-compose.agent-replicas.yml';
/** With the override, the single agent only runs under this profile (i.e. not, unless asked for). */
export const SINGLE_AGENT_PROFILE = 'single-agent';
/** The replicas' service in the override is the agent's name with this suffix. */
export const AGENT_REPLICA_SERVICE_SUFFIX = '-replica';
/** The network only the replicas and the balancer share (not `mcp-…`, the customers' networks). */
export const AGENT_BALANCER_NETWORK = 'mcpfleet-agent-lb';
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
  // Customers that serve only locked tools need the locks (tool-locks/ beside out/, not part of it) in the agent.
  const toolLocks = lockedCustomers(fleet).length > 0 ? `${configDir}/${TOOL_LOCKS_DIR}` : undefined;
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
      ...(toolLocks && { AGENT_TOOL_LOCKS: toolLocks }),
    },
    volumes: [
      `./${RUNTIME_CONFIG_FILE}:${agent.configPath}:ro`,
      `./${path.posix.dirname(RUNTIME_SCHEMA_FILE)}:${configDir}/${path.posix.dirname(RUNTIME_SCHEMA_FILE)}:ro`,
      ...(toolLocks ? [`../${TOOL_LOCKS_DIR}:${toolLocks}:ro`] : []),
    ],
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

/**
 * The override that runs the agent as `agent.replicas` containers behind HAProxy: compose publishes a fixed host
 * port from one container only (`--scale` of a published service fails on the second bind), so the balancer takes
 * the published port and the replicas publish none. The single agent of the main file is put under a profile
 * nobody starts. The replicas share AGENT_SESSION_SECRET, so any of them serves any request; on stop each drains
 * (its /readyz fails, the balancer's health check drops it) within stop_grace_period.
 */
function agentReplicasOverride(fleet: Fleet): string {
  const { agent } = fleet;
  const replicaService = `${agent.serviceName}${AGENT_REPLICA_SERVICE_SUFFIX}`;
  const network = AGENT_BALANCER_NETWORK;
  const single = agentService(fleet);
  const { ports: _ports, labels: _labels, ...replica } = single;
  const services = {
    [agent.serviceName]: { profiles: [SINGLE_AGENT_PROFILE] },
    [replicaService]: {
      ...replica,
      environment: {
        ...(single.environment as Record<string, string>),
        [SESSION_SECRET_VARIABLE]: `\${${SESSION_SECRET_VARIABLE}:?${SESSION_SECRET_VARIABLE} is missing: every replica needs the same one; make it with ${SESSION_SECRET_HOWTO} and ${CREDENTIALS_HINT}}`,
        ...drainEnvironment(),
      },
      networks: [...(single.networks as string[]), network],
      labels: { 'mcpfleet.role': 'agent-replica' },
      stop_grace_period: `${AGENT_STOP_GRACE_S}s`,
      deploy: { ...(single.deploy as Record<string, unknown>), replicas: agent.replicas },
    },
    [agent.balancer.serviceName]: {
      image: agent.balancer.image,
      environment: { [BALANCER_BACKEND_VARIABLE]: `${replicaService}:${agent.containerPort}` },
      volumes: [`./${BALANCER_CONFIG_FILE}:${BALANCER_CONFIG_TARGET}:ro`],
      ports: [`127.0.0.1:${agent.hostPort}:${agent.containerPort}`],
      networks: [network],
      labels: { 'mcpfleet.role': 'agent-balancer' },
      restart: 'unless-stopped',
      stop_signal: BALANCER_STOP_SIGNAL,
      deploy: { resources: { limits: { cpus: '0.25', memory: '64M' } } },
    },
  };
  const header = [
    GENERATED_MARKER,
    `The agent runtime as ${agent.replicas} replicas behind HAProxy on the same 127.0.0.1:${agent.hostPort}, instead of the single agent:`,
    `  docker compose -f out/${COMPOSE_FILE} -f out/${AGENT_REPLICAS_FILE} --env-file mcp_credentials.env --profile <customer-id or all> up -d`,
    `Needs ${SESSION_SECRET_VARIABLE} (${SESSION_SECRET_HOWTO}) in mcp_credentials.env; other counts: --scale ${replicaService}=N.`,
  ];
  const document = { services, networks: { [network]: { name: network } } };
  return rememberedRendering(AGENT_REPLICAS_FILE, [header, document], () => `${header.map((line) => `# ${line}`).join('\n')}\n\n${toComposeYaml(document)}`);
}

const COMPOSE_HEADER = [
  GENERATED_MARKER,
  `Start one customer: docker compose -f out/${COMPOSE_FILE} --env-file mcp_credentials.env --profile <customer-id> up -d`,
  `Start everything:   … --profile ${ALL_PROFILE} up -d`,
  `Agent replicas behind a balancer on the same port: add -f out/${AGENT_REPLICAS_FILE} (see its first lines)`,
]
  .map((line) => `# ${line}`)
  .join('\n');

function customerNetwork(customer: FleetCustomer): Record<string, unknown> {
  return { name: customer.network, labels: { 'mcpfleet.customer': customer.id } };
}

/** The compose files, from the agent's part and each customer's services and network as YAML entries. */
function composeFiles(fleet: Fleet, parts: ComposePart[]): GeneratedFile[] {
  const agent = { [fleet.agent.serviceName]: agentService(fleet) };
  const services = rememberedRendering('compose agent service', agent, () => nestedYaml(toComposeYaml(agent))) + parts.map((part) => part.services).join('');
  const networks = parts.length === 0 ? ' {}\n' : `\n${parts.map((part) => part.network).join('')}`;
  return [
    { path: COMPOSE_FILE, content: `${COMPOSE_HEADER}\n\nservices:\n${services}networks:${networks}` },
    { path: AGENT_REPLICAS_FILE, content: agentReplicasOverride(fleet) },
    { path: BALANCER_CONFIG_FILE, content: balancerConfig(fleet) },
  ];
}

/** One customer's entries under `services:` and `networks:`, as YAML text at their place in the file. */
interface ComposePart {
  services: string;
  network: string;
}

function composePart(customer: FleetCustomer): ComposePart {
  const services = Object.fromEntries(customer.servers.map((server) => [server.serviceName, service(customer, server)]));
  return {
    services: customer.servers.length === 0 ? '' : nestedYaml(toComposeYaml(services)),
    network: nestedYaml(toComposeYaml({ [customer.network]: customerNetwork(customer) })),
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
      networks[customer.network] = customerNetwork(customer);
    }
    return [
      { path: COMPOSE_FILE, content: `${COMPOSE_HEADER}\n\n${toComposeYaml({ services, networks })}` },
      { path: AGENT_REPLICAS_FILE, content: agentReplicasOverride(fleet) },
      { path: BALANCER_CONFIG_FILE, content: balancerConfig(fleet) },
    ];
  },
  incremental: {
    customerParts: (fleet) => fleet.customers.map(composePart),
    assemble: (fleet, parts) => composeFiles(fleet, parts as ComposePart[]),
  },
};
