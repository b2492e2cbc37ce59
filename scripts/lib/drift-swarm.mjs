// `manage drift --target swarm`: the services of the fleet's stacks against out/swarm/*.yml — the stack files with
// the local images applied as `manage --target swarm up` deploys them when `manage build --local` has run — spec
// field by field and replicas. Desired: desiredSwarm (pure). Live: liveSwarm (docker service ls + service inspect +
// network ls, three calls). Comparison: compareSwarm (pure).
import {
  collectSecrets,
  compareEnv,
  compareLabels,
  commandList,
  desiredEnv,
  difference,
  envMap,
  formatBytes,
  formatCommand,
  formatCpus,
  formatHealthcheck,
  formatSet,
  normalizeHealthcheck,
  normalizeImage,
  parseBytes,
  parseCpus,
  sameHealthcheck,
  sameList,
  sameSet,
} from './drift-normalize.mjs';
import { dockerRead } from './docker.mjs';
import { inSelection } from './fleet-files.mjs';
import { readStackDocuments } from './swarm-files.mjs';

const docker = dockerRead;

/** A stack file's published port (long or short syntax) as `mode:published->target/protocol`. */
export function normalizeStackPort(port) {
  if (typeof port === 'object' && port !== null) return `${port.mode ?? 'ingress'}:${port.published ?? ''}->${port.target}/${port.protocol ?? 'tcp'}`;
  const [spec, protocol = 'tcp'] = String(port).split('/');
  const parts = spec.split(':');
  const target = parts.pop();
  return `ingress:${parts.pop() ?? ''}->${target}/${protocol}`;
}

/** Swarm's EndpointSpec.Ports in the same form. */
export const liveStackPorts = (ports) => (ports ?? []).map((p) => `${p.PublishMode ?? 'ingress'}:${p.PublishedPort ?? ''}->${p.TargetPort}/${p.Protocol ?? 'tcp'}`);

/**
 * The services of one parsed stack file, normalized. `override`: overrideServices(document, present).services of
 * local-images.mjs, applied as the local stack file applies it (image and health check replaced).
 * @returns {object[]}
 */
export function desiredStack(document, { override = {} } = {}) {
  const about = document?.['x-mcpfleet'];
  if (!about?.stack) return [];
  const stack = about.stack;
  const networksSection = document.networks ?? {};
  const networkName = (key) => networksSection[key]?.name ?? (networksSection[key]?.external ? key : `${stack}_${key}`);
  const secretsSection = document.secrets ?? {};
  return Object.entries(document.services ?? {}).map(([service, base]) => {
    const definition = { ...base, ...(override[service] ?? {}) };
    const deploy = definition.deploy ?? {};
    const labels = { ...(deploy.labels ?? {}) };
    const networks = Array.isArray(definition.networks) ? definition.networks : Object.keys(definition.networks ?? {});
    const limits = deploy.resources?.limits ?? {};
    const role = labels['mcpfleet.role'] === 'agent' ? 'agent' : labels['mcpfleet.role'] === 'agent-balancer' ? 'balancer' : 'mcp';
    return {
      stack,
      stackRole: about.role === 'agent' ? 'agent' : 'customer',
      service,
      swarmName: `${stack}_${service}`,
      role,
      customer: labels['mcpfleet.customer'] ?? '',
      type: labels['mcpfleet.type'] ?? (role === 'mcp' ? '' : 'agent'),
      image: definition.image,
      env: desiredEnv(definition.environment),
      args: commandList(definition.command),
      entrypoint: commandList(definition.entrypoint),
      ports: (definition.ports ?? []).map(normalizeStackPort),
      networks: (networks.length ? networks : ['default']).map(networkName),
      labels,
      cpus: parseCpus(limits.cpus),
      memory: parseBytes(limits.memory),
      replicas: deploy.mode === 'global' ? 'global' : Number(deploy.replicas ?? 1),
      endpointMode: deploy.endpoint_mode ?? 'vip',
      healthcheck: normalizeHealthcheck(definition.healthcheck),
      secrets: (definition.secrets ?? []).map((s) => {
        const source = typeof s === 'string' ? s : s.source;
        const target = (typeof s === 'object' && s.target) || source;
        return `${secretsSection[source]?.name ?? `${stack}_${source}`} as ${target}`;
      }),
      // Config names carry a digest of their content (the agent's); their mount points are compared.
      configTargets: (definition.configs ?? []).map((c) => (typeof c === 'string' ? `/${c}` : c.target ?? `/${c.source}`)),
    };
  });
}

/**
 * Every stack file of a swarm output folder, normalized (`overrideFor(document)` gives the local override of one).
 * @returns {Promise<{ stacks: { stack: string, role: string, customer: string, file: string }[], services: Map<string, object> }>}
 */
export async function desiredSwarm(swarmDir, { overrideFor = () => ({}) } = {}) {
  const stacks = [];
  const services = new Map();
  for (const { document, ...stack } of await readStackDocuments(swarmDir)) {
    stacks.push(stack);
    for (const s of desiredStack(document, { override: overrideFor(document, stack.file) })) services.set(s.swarmName, s);
  }
  return { stacks, services };
}

/**
 * The services of every stack on this swarm (label com.docker.stack.namespace), inspected, and network names by id.
 * @returns {Promise<{ services: object[], networks: Map<string, string> }>}
 */
export async function liveSwarm() {
  const ids = (await docker(['service', 'ls', '-q', '--filter', 'label=com.docker.stack.namespace'])).split('\n').filter(Boolean);
  const [inspected, networkLines] = await Promise.all([
    ids.length ? docker(['service', 'inspect', ...ids]) : Promise.resolve('[]'),
    docker(['network', 'ls', '--no-trunc', '--format', '{{.ID}} {{.Name}}']),
  ]);
  const networks = new Map(networkLines.split('\n').filter(Boolean).map((l) => l.split(' ')));
  return { services: JSON.parse(inspected || '[]'), networks };
}

/** Whether a live service belongs to a fleet: its stack label and one of the generator's labels. */
const fleetService = (s) => Boolean(s.Spec?.Labels?.['com.docker.stack.namespace']) && Object.keys(s.Spec?.Labels ?? {}).some((l) => /^mcpfleet\./.test(l));

/**
 * Compares the desired services with the live ones.
 * @param {{ stacks: object[], services: Map<string, object> }} desired  desiredSwarm(...)
 * @param {{ services: object[], networks: Map<string, string> }} live   liveSwarm()
 * @param {{ customers?: string[], types?: string[], agent?: boolean }} [selection]
 */
export function compareSwarm(desired, live, { customers = [], types = [], agent = true } = {}) {
  const differences = [];
  const orphans = [];
  const missing = [];
  const secrets = new Set();
  const byName = new Map(live.services.map((s) => [s.Spec?.Name, s]));
  const configuredCustomers = new Set(desired.stacks.filter((s) => s.role === 'customer').map((s) => s.customer));
  const filtered = customers.length > 0 || types.length > 0;
  const selected = (customer, type) => inSelection({ customers, types }, customer, type);
  const agentStacks = new Set(desired.stacks.filter((s) => s.role === 'agent').map((s) => s.stack));
  const agentDeployed = [...byName.keys()].some((n) => [...agentStacks].some((st) => String(n).startsWith(`${st}_`)));

  let compared = 0;
  for (const want of desired.services.values()) {
    if (want.stackRole === 'agent' ? !agent || (filtered && !agentDeployed) : !selected(want.customer, want.type)) continue;
    const have = byName.get(want.swarmName);
    if (!have) {
      missing.push({ customer: want.customer, service: want.service, stack: want.stack, swarmService: want.swarmName, type: want.type });
      continue;
    }
    compared++;
    for (const d of compareService(want, have, live.networks, secrets)) differences.push(difference(want.customer, want.service, d.field, d.before, d.after));
  }

  for (const have of live.services) {
    const name = have.Spec?.Name;
    if (desired.services.has(name) || !fleetService(have)) continue;
    const labels = have.Spec.Labels;
    const customer = labels['mcpfleet.customer'] ?? '';
    const stack = labels['com.docker.stack.namespace'];
    if (filtered && !selected(customer, labels['mcpfleet.type'] ?? '')) continue;
    collectSecrets(envMap(have.Spec.TaskTemplate?.ContainerSpec?.Env), secrets);
    const service = name.startsWith(`${stack}_`) ? name.slice(stack.length + 1) : name;
    orphans.push({
      customer,
      service,
      stack,
      swarmService: name,
      reason: customer && !configuredCustomers.has(customer) ? 'customer no longer configured' : customer ? 'server no longer configured' : 'stack no longer configured',
    });
  }
  return { differences, orphans, missing, secrets, compared };
}

/** The differences of one Swarm service from its desired spec. */
function compareService(want, have, networks, secrets) {
  const found = [];
  const add = (field, before, after) => found.push({ field, before, after });
  const spec = have.Spec ?? {};
  const task = spec.TaskTemplate ?? {};
  const container = task.ContainerSpec ?? {};

  const liveEnv = envMap(container.Env);
  collectSecrets(liveEnv, secrets, want.env);

  const wantImage = normalizeImage(want.image);
  const haveImage = normalizeImage(container.Image);
  if (wantImage !== haveImage) add('image', haveImage, wantImage);

  for (const d of compareEnv(want.env, liveEnv)) add(d.field, d.before, d.after);

  if (!sameList(container.Command ?? [], want.entrypoint ?? [])) add('entrypoint', formatCommand(container.Command), formatCommand(want.entrypoint));
  if (!sameList(container.Args ?? [], want.args ?? [])) add('command', formatCommand(container.Args), formatCommand(want.args));

  const ports = liveStackPorts(spec.EndpointSpec?.Ports);
  if (!sameSet(ports, want.ports)) add('ports', formatSet(ports), formatSet(want.ports));
  const endpointMode = spec.EndpointSpec?.Mode ?? 'vip';
  if (endpointMode !== want.endpointMode) add('endpoint mode', endpointMode, want.endpointMode);

  const attached = (task.Networks ?? spec.Networks ?? []).map((n) => networks.get(n.Target) ?? n.Target);
  if (!sameSet(attached, want.networks)) add('networks', formatSet(attached), formatSet(want.networks));

  for (const d of compareLabels(want.labels, spec.Labels ?? {})) add(d.field, d.before, d.after);

  const replicas = spec.Mode?.Global ? 'global' : Number(spec.Mode?.Replicated?.Replicas ?? 0);
  if (replicas !== want.replicas) add('replicas', String(replicas), String(want.replicas));

  const limits = task.Resources?.Limits ?? {};
  const cpus = (limits.NanoCPUs ?? 0) / 1e9;
  if (Math.abs(cpus - want.cpus) > 1e-6) add('cpus', formatCpus(cpus), formatCpus(want.cpus));
  if ((limits.MemoryBytes ?? 0) !== want.memory) add('memory', formatBytes(limits.MemoryBytes ?? 0), formatBytes(want.memory));

  const check = normalizeHealthcheck(container.Healthcheck, { docker: true });
  if (!sameHealthcheck(want.healthcheck, check)) add('healthcheck', formatHealthcheck(check), formatHealthcheck(want.healthcheck));

  const mounted = (container.Secrets ?? []).map((s) => `${s.SecretName} as ${s.File?.Name ?? s.SecretName}`);
  if (!sameSet(mounted, want.secrets)) add('secrets', formatSet(mounted), formatSet(want.secrets));
  const configTargets = (container.Configs ?? []).map((c) => c.File?.Name ?? '');
  if (!sameSet(configTargets, want.configTargets)) add('configs', formatSet(configTargets), formatSet(want.configTargets));
  return found;
}
