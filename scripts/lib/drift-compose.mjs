// `manage drift` on compose: the containers of the compose project against the generated compose file — with the
// local images' override applied as `manage up` applies it when `manage build --local` has run — field by field.
// Desired state: desiredCompose (pure). Live state: liveCompose (docker ps + docker inspect + docker image inspect,
// three calls). Comparison: compareCompose (pure).
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

const docker = dockerRead;

/** Compose v1's project name as it names networks and containers (lower case; -, _ and alphanumerics). */
export const composeProjectName = (project) => String(project).toLowerCase().replace(/[^-_a-z0-9]/g, '');

/** Published ports (short or long syntax) as `ip:published->target/protocol`; a host port left to Docker is ''. */
export function normalizeComposePort(port) {
  if (typeof port === 'object' && port !== null) {
    return `${port.host_ip || '0.0.0.0'}:${port.published ?? ''}->${port.target}/${port.protocol ?? 'tcp'}`;
  }
  const [spec, protocol = 'tcp'] = String(port).split('/');
  const parts = spec.split(':');
  const target = parts.pop();
  const published = parts.pop() ?? '';
  const ip = parts.join(':') || '0.0.0.0';
  return `${ip}:${published}->${target}/${protocol}`;
}

/** Docker's HostConfig.PortBindings in the same form. */
export function livePorts(bindings) {
  return Object.entries(bindings ?? {}).flatMap(([key, binds]) => (binds ?? []).map((b) => `${b.HostIp || '0.0.0.0'}:${b.HostPort ?? ''}->${key.includes('/') ? key : `${key}/tcp`}`));
}

/**
 * The services the generated compose file asks for, normalized, with the local override applied: `override` is
 * `overrideServices(document, present).services` of scripts/lib/local-images.mjs (image, health check per service),
 * merged as `docker-compose -f base -f override` merges it.
 * @returns {Map<string, object>}
 */
export function desiredCompose(document, { project, override = {} }) {
  const name = composeProjectName(project);
  const networksSection = document?.networks ?? {};
  const networkName = (key) => networksSection[key]?.name ?? (networksSection[key]?.external && typeof networksSection[key].external === 'object' && networksSection[key].external.name) ?? `${name}_${key}`;
  const services = new Map();
  for (const [service, base] of Object.entries(document?.services ?? {})) {
    const change = override[service] ?? {};
    const definition = { ...base, ...(change.image && { image: change.image }) };
    if (change.healthcheck) definition.healthcheck = change.healthcheck.disable ? { disable: true } : { ...(base.healthcheck ?? {}), ...change.healthcheck };
    const labels = Array.isArray(definition.labels) ? Object.fromEntries(definition.labels.map((l) => String(l).split(/=(.*)/s).slice(0, 2))) : { ...(definition.labels ?? {}) };
    const networks = Array.isArray(definition.networks) ? definition.networks : Object.keys(definition.networks ?? {});
    const limits = definition.deploy?.resources?.limits ?? {};
    services.set(service, {
      service,
      role: labels['mcpfleet.role'] === 'agent' ? 'agent' : labels['mcpfleet.customer'] ? 'mcp' : 'other',
      customer: labels['mcpfleet.customer'] ?? '',
      type: labels['mcpfleet.type'] ?? (labels['mcpfleet.role'] === 'agent' ? 'agent' : ''),
      image: definition.image,
      env: desiredEnv(definition.environment),
      command: commandList(definition.command),
      entrypoint: commandList(definition.entrypoint),
      ports: (definition.ports ?? []).map(normalizeComposePort),
      networks: (networks.length ? networks : ['default']).map(networkName),
      labels,
      cpus: parseCpus(limits.cpus ?? definition.cpus),
      memory: parseBytes(limits.memory ?? definition.mem_limit),
      restart: definition.restart ?? 'no',
      healthcheck: normalizeHealthcheck(definition.healthcheck),
    });
  }
  return services;
}

/**
 * The project's containers (docker inspect) and the images involved (docker image inspect: the containers' images
 * and the images out/ names now).
 * @returns {Promise<{ containers: object[], images: Map<string, object> }>}
 */
export async function liveCompose(project, desiredImages = []) {
  const ids = (await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])).split('\n').filter(Boolean);
  const containers = ids.length ? JSON.parse((await docker(['inspect', ...ids])) || '[]') : [];
  const refs = [...new Set([...containers.map((c) => c.Image), ...desiredImages.filter(Boolean)])];
  const inspected = refs.length ? JSON.parse((await docker(['image', 'inspect', ...refs])) || '[]') : [];
  const images = new Map();
  for (const image of inspected) {
    images.set(image.Id, image);
    for (const tag of image.RepoTags ?? []) images.set(normalizeImage(tag), image);
  }
  return { containers, images };
}

/** The containers' rows for orphans and status notes, from docker inspect output. */
const containerName = (c) => String(c.Name ?? '').replace(/^\//, '');

/**
 * Compares the desired services with the project's containers.
 * @param {Map<string, object>} desired         desiredCompose(...)
 * @param {{ containers: object[], images: Map<string, object> }} live   liveCompose(...)
 * @param {{ customers?: string[], types?: string[], agent?: boolean }} [selection]
 * @returns {{ differences: object[], orphans: object[], missing: object[], secrets: Set<string>, compared: number }}
 */
export function compareCompose(desired, live, { customers = [], types = [], agent = true } = {}) {
  const differences = [];
  const orphans = [];
  const missing = [];
  const secrets = new Set();
  const byService = new Map();
  for (const c of live.containers) {
    const service = c.Config?.Labels?.['com.docker.compose.service'] ?? '';
    byService.set(service, [...(byService.get(service) ?? []), c]);
  }
  const configuredCustomers = new Set([...desired.values()].map((d) => d.customer).filter(Boolean));
  const filtered = customers.length > 0 || types.length > 0;
  const selectedCustomer = (customer, type) => inSelection({ customers, types }, customer, type);

  let compared = 0;
  for (const want of desired.values()) {
    if (want.role === 'other') continue;
    if (want.role === 'agent' ? !agent || (filtered && !byService.has(want.service)) : !selectedCustomer(want.customer, want.type)) continue;
    const containers = byService.get(want.service) ?? [];
    if (containers.length === 0) {
      missing.push({ customer: want.customer, service: want.service, type: want.type });
      continue;
    }
    compared++;
    for (const c of containers) {
      for (const d of compareContainer(want, c, live.images, secrets)) differences.push(difference(want.customer, want.service, containers.length > 1 ? `${d.field} (${containerName(c)})` : d.field, d.before, d.after));
    }
  }

  for (const [service, containers] of byService) {
    if (desired.has(service)) continue;
    for (const c of containers) {
      const labels = c.Config?.Labels ?? {};
      const customer = labels['mcpfleet.customer'] ?? '';
      if (filtered && !selectedCustomer(customer, labels['mcpfleet.type'] ?? '')) continue;
      // Nothing of its environment is shown; values under secret-looking names are scrubbed all the same.
      collectSecrets(envMap(c.Config?.Env), secrets);
      orphans.push({
        customer,
        service,
        container: containerName(c),
        state: c.State?.Status ?? 'unknown',
        reason: customer && !configuredCustomers.has(customer) ? 'customer no longer configured' : customer ? 'server no longer configured' : labels['mcpfleet.role'] === 'agent' ? 'agent service no longer configured' : 'not in the compose file',
      });
    }
  }
  return { differences, orphans, missing, secrets, compared };
}

/** The differences of one container from its desired service. Credential values go into `secrets`, never out. */
function compareContainer(want, c, images, secrets) {
  const found = [];
  const add = (field, before, after) => found.push({ field, before, after });
  const config = c.Config ?? {};
  const host = c.HostConfig ?? {};
  const image = images.get(c.Image) ?? {};
  const imageConfig = image.Config ?? {};

  const liveEnv = envMap(config.Env);
  collectSecrets(liveEnv, secrets, want.env);

  const state = c.State?.Status;
  if (['exited', 'dead', 'created', 'paused'].includes(state)) add('state', `${state}${state === 'exited' || state === 'dead' ? ` (exit ${c.State.ExitCode})` : ''}`, 'running');

  const wantImage = normalizeImage(want.image);
  const haveImage = normalizeImage(config.Image);
  if (wantImage !== haveImage) add('image', haveImage, wantImage);
  else {
    // The same name, another image: the tag was pulled or built again since the container was created.
    const current = images.get(wantImage);
    if (current && c.Image && current.Id !== c.Image) add('image id', `${c.Image.slice(0, 19)} (${haveImage} when created)`, `${current.Id.slice(0, 19)} (${wantImage} now)`);
  }

  for (const d of compareEnv(want.env, liveEnv, envMap(imageConfig.Env))) add(d.field, d.before, d.after);

  // No command (entrypoint) in the file: the image's applies.
  const wantEntrypoint = want.entrypoint ?? imageConfig.Entrypoint ?? [];
  const wantCommand = want.command ?? (want.entrypoint ? [] : imageConfig.Cmd ?? []);
  if (!sameList(config.Entrypoint ?? [], wantEntrypoint)) add('entrypoint', formatCommand(config.Entrypoint), formatCommand(wantEntrypoint));
  if (!sameList(config.Cmd ?? [], wantCommand)) add('command', formatCommand(config.Cmd), formatCommand(wantCommand));

  const ports = livePorts(host.PortBindings);
  if (!sameSet(ports, want.ports)) add('ports', formatSet(ports), formatSet(want.ports));

  const networks = Object.keys(c.NetworkSettings?.Networks ?? {});
  if (!sameSet(networks, want.networks)) add('networks', formatSet(networks), formatSet(want.networks));

  for (const d of compareLabels(want.labels, config.Labels ?? {}, imageConfig.Labels ?? {})) add(d.field, d.before, d.after);

  const cpus = host.NanoCpus ? host.NanoCpus / 1e9 : host.CpuQuota && host.CpuPeriod ? host.CpuQuota / host.CpuPeriod : 0;
  if (Math.abs(cpus - want.cpus) > 1e-6) add('cpus', formatCpus(cpus), formatCpus(want.cpus));
  if ((host.Memory ?? 0) !== want.memory) add('memory', formatBytes(host.Memory ?? 0), formatBytes(want.memory));

  const restart = host.RestartPolicy?.Name || 'no';
  if (restart !== want.restart) add('restart', restart, want.restart);

  const check = normalizeHealthcheck(config.Healthcheck, { docker: true });
  // Without a check in the file the image's own applies; with one, compare what Docker runs.
  if (!sameHealthcheck(want.healthcheck, check)) add('healthcheck', formatHealthcheck(check), formatHealthcheck(want.healthcheck));
  return found;
}

/**
 * Orphans only, for `manage status`: containers of the project whose service is no longer in the compose file
 * (one docker call, no inspect).
 * @returns {Promise<{ customer: string, service: string, container: string, state: string, reason: string }[]>}
 */
export async function composeOrphans(project, desiredServices) {
  const lines = (await docker(['ps', '-a', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Names}}\t{{.Label "com.docker.compose.service"}}\t{{.Label "mcpfleet.customer"}}\t{{.State}}'])).split('\n').filter(Boolean);
  const customers = new Set(desiredServices.map((s) => s.customer).filter(Boolean));
  const known = new Set(desiredServices.map((s) => s.service));
  return lines
    .map((line) => line.split('\t'))
    .filter(([, service]) => !known.has(service))
    .map(([container, service, customer, state]) => ({ customer: customer ?? '', service, container, state: state ?? '', reason: customer && !customers.has(customer) ? 'customer no longer configured' : customer ? 'server no longer configured' : 'not in the compose file' }));
}
