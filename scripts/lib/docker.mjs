// The Docker engine and compose, whichever compose exists: the v2 plugin (`docker compose`) or v1 (`docker-compose`).
import { $ } from 'zx';

/** Throws one clear sentence when the engine cannot be reached. */
export async function assertEngineReachable() {
  const result = await $({ nothrow: true, quiet: true })`docker info --format {{.ServerVersion}}`;
  if (result.exitCode !== 0) {
    const reason = (result.stderr.trim().split('\n').pop() ?? '').replace(/^(ERROR|error):\s*/, '');
    const where = process.env.DOCKER_HOST ? `at DOCKER_HOST=${process.env.DOCKER_HOST}` : 'on /var/run/docker.sock';
    throw new Error(`Cannot reach the Docker engine ${where} (${reason || 'docker info failed'}): start dockerd or point DOCKER_HOST at a running engine.`);
  }
  return result.stdout.trim();
}

/** The compose command as an argv prefix. */
export async function composeCommand() {
  if ((await $({ nothrow: true, quiet: true })`docker compose version`).exitCode === 0) return ['docker', 'compose'];
  if ((await $({ nothrow: true, quiet: true })`docker-compose version`).exitCode === 0) return ['docker-compose'];
  throw new Error('Neither `docker compose` (v2 plugin) nor `docker-compose` (v1) is installed.');
}

/**
 * @typedef {object} ContainerState
 * @property {string} service
 * @property {string} id
 * @property {string} state        running, exited, …
 * @property {string|undefined} health  Docker healthcheck status when the image has one
 * @property {string} startedAt
 */

/** Containers of a compose project, by service. @returns {Promise<Map<string, ContainerState>>} */
export async function projectContainers(project) {
  const ids = (await $({ quiet: true })`docker ps -aq --filter label=com.docker.compose.project=${project}`).stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return new Map();
  const inspected = JSON.parse((await $({ quiet: true })`docker inspect ${ids}`).stdout);
  return new Map(
    inspected.map((c) => [
      c.Config.Labels['com.docker.compose.service'],
      { service: c.Config.Labels['com.docker.compose.service'], id: c.Id.slice(0, 12), state: c.State.Status, health: c.State.Health?.Status, startedAt: c.State.StartedAt },
    ]),
  );
}
