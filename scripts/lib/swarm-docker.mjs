// Docker Swarm through the docker CLI: stacks, services and their tasks, secrets, networks. Values of
// credentials only ever travel in the environment of `docker stack deploy` or on stdin of `docker secret create`.
import { $ } from 'zx';
import { assertEngineReachable } from './docker.mjs';

const quiet = $({ quiet: true, nothrow: true });
const lines = (text) => text.split('\n').map((l) => l.trim()).filter(Boolean);

/** Throws one clear sentence unless this engine is a Swarm manager. */
export async function assertSwarmManager() {
  const info = await quiet`docker info --format ${'{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'}`;
  if (info.exitCode !== 0) {
    // Without an engine `docker info` still prints the template over an empty answer (" false") and exits 1; that
    // is no swarm state. The compose path's check names the engine and what to do; it throws here.
    await assertEngineReachable();
    // The engine answered that check after all (it came up in between): report what the first call said.
    throw new Error(`docker info failed: ${info.stderr.trim() || `exit ${info.exitCode}`}`);
  }
  const [state, manager] = info.stdout.trim().split(' ');
  if (state !== 'active') {
    throw new Error(`This Docker engine is not in a swarm (state: ${state || 'unknown'}): run \`docker swarm init --advertise-addr 127.0.0.1\` for a single-node swarm, or point DOCKER_HOST at a manager.`);
  }
  if (manager !== 'true') throw new Error('This node is a swarm worker; stacks are deployed from a manager node (point DOCKER_HOST at one).');
}

/** Names of the Swarm secrets that exist. @returns {Promise<Set<string>>} */
export async function existingSecrets() {
  return new Set(lines((await $({ quiet: true })`docker secret ls --format ${'{{.Name}}'}`).stdout));
}

/** Names of the swarm-scoped networks that exist. @returns {Promise<Set<string>>} */
export async function existingSwarmNetworks() {
  return new Set(lines((await $({ quiet: true })`docker network ls --filter scope=swarm --format ${'{{.Name}}'}`).stdout));
}

/**
 * `docker stack deploy --prune` of one stack file with the given environment (credentials, config digest).
 * Returns the CLI's messages without its advice lines; throws with its error.
 */
export async function deployStack(stack, { env, resolveImage = 'always' }) {
  // With local images (manage build --local) their stack file, the generated one with local images and checks.
  const result = await $({ quiet: true, nothrow: true, env })`docker stack deploy --prune --resolve-image ${resolveImage} -c ${stack.override ?? stack.file} ${stack.stack}`;
  const output = lines(`${result.stdout}\n${result.stderr}`).filter(
    (l) => !/--detach|detach=false|will become the default|could not be accessed on a registry|Each node will access|possibly leading to different|versions of the image|^image .* could not/i.test(l) && l !== '',
  );
  if (result.exitCode !== 0) throw new Error(`docker stack deploy ${stack.stack} failed: ${output.join(' ') || `exit ${result.exitCode}`}`);
  return output;
}

/** `docker stack rm` of the stacks (those that exist). */
export async function removeStacks(names) {
  if (names.length === 0) return;
  await quiet`docker stack rm ${names}`;
}

/** What is left of a stack: its services, containers, networks and configs (by the stack label). */
export async function stackLeftovers(stack) {
  const label = `label=com.docker.stack.namespace=${stack}`;
  const [services, containers, networks, configs] = await Promise.all([
    quiet`docker service ls -q --filter ${label}`,
    quiet`docker ps -aq --filter ${label}`,
    quiet`docker network ls --format ${'{{.Name}}'} --filter ${label}`,
    quiet`docker config ls --format ${'{{.Name}}'} --filter ${label}`,
  ]);
  return { services: lines(services.stdout), containers: lines(containers.stdout), networks: lines(networks.stdout), configs: lines(configs.stdout) };
}

/** Removes networks by name, ignoring those already gone or still in use (reported by the caller). */
export async function removeNetworks(names) {
  if (names.length > 0) await quiet`docker network rm ${names}`;
}

/** Removes the stack's configs no service uses any more (Swarm refuses to remove one in use). */
export async function pruneConfigs(stack, keep) {
  const { configs } = await stackLeftovers(stack);
  const stale = configs.filter((c) => !keep.includes(c));
  if (stale.length > 0) await quiet`docker config rm ${stale}`;
}

/**
 * @typedef {object} ServiceState
 * @property {number} desired
 * @property {number} running        tasks in state running
 * @property {number} outdated       running tasks with an older image/args/env than the service now asks for
 * @property {string} taskState      state of the newest task meant to run (running, starting, ready, …; 'none')
 * @property {string|null} startedAt when that task reached its state
 * @property {string|null} lastError the newest task failure (e.g. "task: non-zero exit (137) (failed)")
 * @property {string|null} lastErrorAt when that task failed
 * @property {string|null} lastErrorContainer its container's id (for its health check's output)
 * @property {string|null} update    UpdateStatus.State (updating, completed, rollback_completed, paused, …)
 */

/** Current state of services by their Swarm names; absent ones are missing from the map. @returns {Promise<Map<string, ServiceState>>} */
export async function serviceStates(swarmNames) {
  const wanted = new Set(swarmNames);
  const existing = lines((await $({ quiet: true })`docker service ls --format ${'{{.Name}}'}`).stdout).filter((n) => wanted.has(n));
  if (existing.length === 0) return new Map();
  // A service removed between the two calls is simply left out (inspect prints the others and exits 1).
  const services = JSON.parse((await quiet`docker service inspect ${existing}`).stdout || '[]');
  const taskIds = lines((await quiet`docker service ps -q --no-trunc ${existing}`).stdout);
  const tasks = taskIds.length > 0 ? JSON.parse((await quiet`docker inspect --type task ${[...new Set(taskIds)]}`).stdout || '[]') : [];
  const byService = new Map();
  for (const task of tasks) byService.set(task.ServiceID, [...(byService.get(task.ServiceID) ?? []), task]);
  const newestFirst = (a, b) => Date.parse(b.Status.Timestamp) - Date.parse(a.Status.Timestamp);
  return new Map(
    services.map((service) => {
      const own = (byService.get(service.ID) ?? []).sort(newestFirst);
      // A replacement waiting out the restart delay is desired "ready" until it may start.
      const current = own.filter((t) => t.DesiredState === 'running' || t.DesiredState === 'ready');
      const running = current.filter((t) => t.Status.State === 'running' && t.DesiredState === 'running');
      const failed = own.find((t) => ['failed', 'rejected'].includes(t.Status.State) && t.Status.Err);
      return [
        service.Spec.Name,
        {
          desired: service.Spec.Mode?.Replicated?.Replicas ?? running.length,
          running: running.length,
          outdated: running.filter((t) => taskOutdated(t.Spec, service.Spec.TaskTemplate)).length,
          taskState: current[0]?.Status.State ?? 'none',
          startedAt: current[0]?.Status.Timestamp ?? null,
          lastError: failed ? `${failed.Status.Err} (${failed.Status.State})` : null,
          lastErrorAt: failed?.Status.Timestamp ?? null,
          lastErrorContainer: failed?.Status.ContainerStatus?.ContainerID ?? null,
          update: service.UpdateStatus?.State ?? null,
        },
      ];
    }),
  );
}

/** Whether a task runs another image, command, environment or forced-update counter than its service asks for. */
function taskOutdated(task, service) {
  const pick = (s) => JSON.stringify([s?.ContainerSpec?.Image, s?.ContainerSpec?.Args ?? [], [...(s?.ContainerSpec?.Env ?? [])].sort(), s?.ForceUpdate ?? 0]);
  return pick(task) !== pick(service);
}

/** `docker service logs` of each service, one after another (or all at once with follow). */
export async function serviceLogs(swarmNames, { follow, tail }) {
  const run = (name) => $({ stdio: 'inherit', nothrow: true })`docker service logs --timestamps --tail ${String(tail)} ${follow ? ['--follow'] : []} ${name}`;
  if (follow) await Promise.all(swarmNames.map(run));
  else for (const name of swarmNames) await run(name);
}

/** `docker service update --force`: new tasks with the same spec. */
export async function forceUpdate(swarmNames) {
  for (const name of swarmNames) await $({ quiet: true })`docker service update --force --detach ${name}`;
}
