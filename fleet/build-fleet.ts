/**
 * Validation and derivation: from what customer files and the fleet config export, to the Fleet model,
 * or to the complete list of problems.
 */
import type { z } from 'zod';
import type { McpType } from '../mcp-types/index.ts';
import { customerSchemaFor, type Customer, type CustomerSchema, type McpServerConfig } from '../schema/customer.ts';
import { DNS_LABEL, DNS_LABEL_MAX } from '../schema/fields.ts';
import { fleetConfigSchemaFor, type FleetConfig } from '../schema/fleet-config.ts';
import { hashOf } from '../cache/code-fingerprint.ts';
import { compare } from './compare.ts';
import type { Fleet, FleetAgent, FleetCustomer, FleetServer } from './model.ts';
import { attachPlugins, BUILTIN_PLUGINS, resolvePlugins, type FleetPlugins } from './plugins.ts';
import { ALL_PROFILE } from './profiles.ts';
import { allocatePorts, type PortAllocation } from './ports.ts';
import { problemsFromZod, type Problem } from './problem.ts';
import { objectKeysAt } from './schema-keys.ts';

/** What one customer module exported, before validation. */
export interface CustomerSource {
  /** Customer id: the file name without extension. */
  id: string;
  /** File path relative to the repo root, for messages. */
  file: string;
  exported: unknown;
}

export interface FleetInput {
  customers: CustomerSource[];
  /** What the fleet config module exported (undefined: all defaults). */
  config?: unknown;
  configFile?: string;
  /** The previous port allocation (out/ports.lock.json), so ports stay stable. */
  previousPorts?: PortAllocation;
  /** Customers validated before (by a cache): a value found here is not validated again. Only used without plugins. */
  validated?: ValidatedCustomers;
  /** Names the built-in generators take, which a plugin's generator may not. */
  generatorNames?: readonly string[];
}

/** A store of customer values that passed validation, and what validation made of them. */
export interface ValidatedCustomers {
  get(source: CustomerSource): Customer | undefined;
  set(source: CustomerSource, customer: Customer): void;
}

export type FleetResult = { ok: true; fleet: Fleet } | { ok: false; problems: Problem[] };

/** Hostnames a server is reached by, on every target; the loopback names cover the published port. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1'];

/**
 * Ids a customer cannot have: compose profiles of the types and of the whole fleet, and `agent`, whose
 * namespace (mcp-agent) and network belong to the agent runtime.
 */
const reservedIds = (plugins: FleetPlugins) => new Set<string>([...plugins.typeOwner.keys(), ALL_PROFILE, 'agent']);

export function buildFleet(input: FleetInput): FleetResult {
  const problems: Problem[] = [];
  const configFile = input.configFile ?? 'fleet.config.ts';
  const resolved = resolvePlugins(input.config, configFile, input.generatorNames);
  const plugins = resolved.problems.length === 0 ? resolved.plugins : BUILTIN_PLUGINS;
  problems.push(...resolved.problems);
  const fleetConfigSchema = fleetConfigSchemaFor(plugins.mcpTypes.map((type) => type.type));
  const customerSchema = customerSchemaFor(plugins.mcpTypes);
  const RESERVED_IDS = reservedIds(plugins);
  // A cache of validated customers knows the built-in types only.
  const store = plugins === BUILTIN_PLUGINS ? input.validated : undefined;
  const parsedConfig = safeParse(fleetConfigSchema, input.config, configFile);
  if ('problem' in parsedConfig) problems.push(parsedConfig.problem);
  else if (!parsedConfig.success) {
    problems.push(...problemsFromZod(configFile, parsedConfig.error, (path, value) => objectKeysAt(fleetConfigSchema, path, value), input.config));
  }

  const valid: Array<{ source: CustomerSource; customer: Customer }> = [];
  for (const source of [...input.customers].sort((a, b) => compare(a.id, b.id))) {
    if (!DNS_LABEL.test(source.id) || source.id.length > DNS_LABEL_MAX) {
      problems.push({
        file: source.file,
        path: '',
        message: `file name "${source.id}" is not a valid customer id: rename the file to a lowercase DNS label (a-z, 0-9, "-"), e.g. customers/acme-eu.ts`,
      });
    }
    if (RESERVED_IDS.has(source.id)) {
      problems.push({ file: source.file, path: '', message: `customer id "${source.id}" is reserved (compose profiles use the type names and "all"; "agent" is the agent runtime's namespace); rename the file` });
    }
    const parsed = parseCustomer(customerSchema, source, store);
    if ('problem' in parsed) problems.push(parsed.problem);
    else if (parsed.success) valid.push({ source, customer: parsed.data });
    else problems.push(...problemsFromZod(source.file, parsed.error, (path, value) => objectKeysAt(customerSchema, path, value), source.exported));
  }
  const configValid = !('problem' in parsedConfig) && parsedConfig.success;
  // With a broken config the customers are still checked against each other (under the default config), so that
  // every problem is reported at once; port checks need the real config and wait for it.
  const validConfig = configValid ? parsedConfig.data : fleetConfigSchema.parse(undefined);
  // The Fleet is plain data (cloned to threads, hashed for caches): the config names its plugins, pluginsOf() has them.
  const config: FleetConfig = { ...validConfig, plugins: validConfig.plugins.map((plugin) => plugin.name) };

  const keys = valid.flatMap(({ source, customer }) => customer.mcpServers.map((s) => `${source.id}/${s.name ?? s.type}`));
  const { ports, exhausted } = allocatePorts(keys, input.previousPorts ?? {}, config.ports);
  if (configValid && config.agent.hostPort >= config.ports.base && config.agent.hostPort <= config.ports.max) {
    problems.push({ file: configFile, path: 'agent.hostPort', message: `port ${config.agent.hostPort} lies inside ports ${config.ports.base}-${config.ports.max}, which servers use; pick a port outside it` });
  }
  for (const key of configValid ? exhausted : []) {
    problems.push({ file: configFile, path: 'ports', message: `no free host port left in ${config.ports.base}-${config.ports.max} for ${key}; widen ports.max` });
  }

  const types = new Map(plugins.mcpTypes.map((type) => [type.type, type]));
  const configKey = hashOf(JSON.stringify(config));
  const derived = valid.map(({ source, customer }) => derivedCustomer(source, customer, configKey, () => deriveCustomer(source, customer, config, ports, types, plugins), ports, plugins));
  const customers = derived.flatMap((d) => ('problem' in d ? [] : [d]));
  problems.push(...derived.flatMap((d) => ('problem' in d ? [d.problem] : [])));
  problems.push(...crossCustomerProblems(customers));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, fleet: attachPlugins({ customers, agent: deriveAgent(config), config, ports }, plugins) };
}

/**
 * Validation results by exported value: the module cache hands out the same object for an unchanged file, so a
 * long-running `generate --watch` validates only the customers that were saved.
 */
const validatedBySchema = new WeakMap<CustomerSchema, WeakMap<object, ReturnType<CustomerSchema['safeParse']>>>();

function parseCustomer(customerSchema: CustomerSchema, source: CustomerSource, store: ValidatedCustomers | undefined): ReturnType<CustomerSchema['safeParse']> | { problem: Problem } {
  let validated = validatedBySchema.get(customerSchema);
  if (!validated) validatedBySchema.set(customerSchema, (validated = new WeakMap()));
  const exported = source.exported;
  const known = typeof exported === 'object' && exported !== null ? validated.get(exported) : undefined;
  if (known) return known;
  const stored = store?.get(source);
  const parsed = stored ? ({ success: true, data: stored } as ReturnType<CustomerSchema['safeParse']>) : safeParse(customerSchema, exported, source.file);
  if ('problem' in parsed) return parsed;
  if (typeof exported === 'object' && exported !== null) validated.set(exported, parsed);
  if (parsed.success && !stored) store?.set(source, parsed.data);
  return parsed;
}

/**
 * `schema.safeParse`, with a check that throws (a bug, or a value no check foresaw) turned into one problem for that
 * file, so the other files are still checked and reported.
 */
function safeParse<S extends z.ZodType>(schema: S, value: unknown, file: string): ReturnType<S['safeParse']> | { problem: Problem } {
  try {
    return schema.safeParse(value) as ReturnType<S['safeParse']>;
  } catch (error) {
    return { problem: { file, path: '', message: `could not be checked: ${(error as Error).message.split('\n')[0]}; this is a bug in mcpfleet's schema, please report it with the file` } };
  }
}

/** The agent runtime's image version follows the package version, so a release rebuilds it. */
const AGENT_IMAGE = 'mcpfleet/agent:0.1.0';
/** HAProxy 2.8, a long-term-support line; the generated configuration also runs on Debian 12's 2.6. */
const BALANCER_IMAGE = 'haproxy:2.8-alpine';

function deriveAgent(config: FleetConfig): FleetAgent {
  return {
    serviceName: 'mcp-agent',
    image: withRegistry(config.agent.image ?? AGENT_IMAGE, config.imageRegistry),
    ...(!config.agent.image && { buildContext: '.' }),
    dockerfile: 'runtime/Dockerfile',
    containerPort: 8080,
    hostPort: config.agent.hostPort,
    configPath: '/config/mcp_servers.json',
    resources: { cpus: '0.5', memory: '256M', ...config.resources, ...config.agent.resources },
    replicas: config.agent.replicas,
    maxReplicas: config.agent.maxReplicas ?? 2 * config.agent.replicas,
    balancer: { serviceName: 'mcp-agent-lb', image: withRegistry(config.agent.balancerImage ?? BALANCER_IMAGE, config.imageRegistry) },
  };
}

/**
 * Derived customers by validated value, for a long-running `generate --watch`: the validation memo above hands out
 * the same value for an unchanged file, and its derivation is reused while everything else it reads is the same — its
 * file, the parts of the config it reads (type overrides, resources, registry), its ports and the fleet's types.
 */
const derivedByValue = new WeakMap<object, { inputs: string; plugins: FleetPlugins; derived: FleetCustomer | { problem: Problem } }>();

function derivedCustomer(
  source: CustomerSource,
  customer: Customer,
  configKey: string,
  derive: () => FleetCustomer | { problem: Problem },
  ports: PortAllocation,
  plugins: FleetPlugins,
): FleetCustomer | { problem: Problem } {
  const ownPorts = customer.mcpServers.map((server) => ports[`${source.id}/${server.name ?? server.type}`]);
  const inputs = JSON.stringify([source.id, source.file, configKey, ownPorts]);
  const known = derivedByValue.get(customer);
  if (known && known.inputs === inputs && known.plugins === plugins) return known.derived;
  const derived = derive();
  derivedByValue.set(customer, { inputs, plugins, derived });
  return derived;
}

function deriveCustomer(
  source: CustomerSource,
  customer: Customer,
  config: FleetConfig,
  ports: PortAllocation,
  types: ReadonlyMap<string, McpType>,
  plugins: FleetPlugins,
): FleetCustomer | { problem: Problem } {
  const id = source.id;
  const servers: FleetServer[] = [];
  for (const [index, server] of customer.mcpServers.entries()) {
    const type = types.get(server.type)!;
    try {
      servers.push(deriveServer(id, server, config, ports, type));
    } catch (error) {
      // Only a plugin's code can throw here: the built-in types are total over what their schemas accept.
      const message = (error as Error).message?.split('\n')[0] ?? String(error);
      return { problem: { file: source.file, path: `mcpServers[${index}]`, message: `plugin "${plugins.typeOwner.get(server.type)}": MCP type "${server.type}" failed on this server: ${message}; fix the plugin or this entry` } };
    }
  }
  return {
    id,
    file: source.file,
    name: customer.name,
    host: customer.host,
    description: customer.description ?? customer.host,
    network: `mcp-${id}`,
    namespace: `mcp-${id}`,
    servers,
    ...(customer.gateway && { gateway: customer.gateway }),
    ...(customer.gateway?.tokenEnv && {
      gatewayToken: {
        variable: customer.gateway.tokenEnv,
        description: `Bearer token MCP clients present at the agent's /customers/${id}/mcp endpoint (choose one, e.g. openssl rand -hex 24)`,
      },
    }),
  };
}

function deriveServer(customerId: string, server: McpServerConfig, config: FleetConfig, ports: PortAllocation, type: McpType): FleetServer {
  const override = config.types[server.type as keyof typeof config.types] ?? {};
  const name = server.name ?? server.type;
  const key = `${customerId}/${name}`;
  const serviceName = name === server.type ? `mcp-${server.type}-${customerId}` : `mcp-${server.type}-${customerId}-${name}`;
  const namespace = `mcp-${customerId}`;
  const hostPort = ports[key] ?? 0;
  const env = [...type.env(server), ...Object.entries(override.env ?? {}).sort(([a], [b]) => compare(a, b)).map(([n, value]) => ({ name: n, value }))];
  const kubernetesHost = `${serviceName}.${namespace}.svc.cluster.local`;
  const hostnames = [serviceName, `${serviceName}.${namespace}`, `${serviceName}.${namespace}.svc`, kubernetesHost, ...LOOPBACK_NAMES];
  return {
    customerId,
    type: server.type,
    name,
    key,
    serviceName,
    hostPort,
    containerPort: type.containerPort,
    path: type.path,
    transport: type.transport,
    image: withRegistry(override.image ?? type.image, config.imageRegistry),
    ...(type.buildContext && !override.image && { buildContext: type.buildContext }),
    args: override.args ?? type.args({ containerPort: type.containerPort, hostnames }),
    env,
    credentials: env.flatMap((entry) => ('credential' in entry ? [entry.credential] : [])),
    resources: { ...type.resources, ...config.resources, ...override.resources },
    health: type.health,
    runtimeConfig: type.runtimeConfig(server),
    composeUrl: `http://${serviceName}:${type.containerPort}${type.path}`,
    kubernetesUrl: `http://${kubernetesHost}:${type.containerPort}${type.path}`,
    localUrl: `http://127.0.0.1:${hostPort}${type.path}`,
    ...(server.description !== undefined && { description: server.description }),
  };
}

/** Rewrites an image reference to come from `registry`, dropping the public registry host if it names one. */
function withRegistry(image: string, registry: string | undefined): string {
  if (!registry) return image;
  const [first, ...rest] = image.split('/');
  const hasRegistryHost = rest.length > 0 && /[.:]|^localhost$/.test(first!);
  return `${registry}/${hasRegistryHost ? rest.join('/') : image}`;
}

function crossCustomerProblems(customers: FleetCustomer[]): Problem[] {
  const problems: Problem[] = [];
  const displayNames = new Map<string, FleetCustomer>();
  const serviceNames = new Map<string, FleetCustomer>();
  const variables = new Map<string, FleetCustomer>();
  for (const customer of customers) {
    const folded = customer.name.toLocaleLowerCase('en');
    const sameName = displayNames.get(folded);
    if (sameName) problems.push({ file: customer.file, path: 'name', message: `display name "${customer.name}" is already used by ${sameName.file}; names must be unique (case-insensitive)` });
    else displayNames.set(folded, customer);

    if (customer.namespace.length > DNS_LABEL_MAX) {
      problems.push({ file: customer.file, path: '', message: `namespace "${customer.namespace}" is longer than ${DNS_LABEL_MAX} characters; shorten the file name (customer id)` });
    }
    customer.servers.forEach((server, index) => {
      const path = `mcpServers[${index}]`;
      if (server.serviceName.length > DNS_LABEL_MAX) {
        problems.push({
          file: customer.file,
          path,
          message: `service name "${server.serviceName}" is ${server.serviceName.length} characters, over the DNS limit of ${DNS_LABEL_MAX}; shorten the customer id or the server name`,
        });
      }
      const clash = serviceNames.get(server.serviceName);
      if (clash && clash !== customer) {
        problems.push({ file: customer.file, path, message: `service name "${server.serviceName}" is also generated for ${clash.file}; rename this server or the customer file` });
      } else serviceNames.set(server.serviceName, customer);

      for (const credential of new Set([...server.credentials.map((c) => c.variable), ...(index === 0 && customer.gatewayToken ? [customer.gatewayToken.variable] : [])])) {
        const owner = variables.get(credential);
        if (owner && owner !== customer) {
          problems.push({
            file: customer.file,
            path,
            message: `credential variable ${credential} is also used by ${owner.file}; give each customer its own variables (e.g. suffix it with _${customer.id.toUpperCase().replaceAll('-', '_')})`,
          });
        } else variables.set(credential, customer);
      }
    });
  }
  return problems;
}
