// The Docker engine and compose, whichever compose exists: the v2 plugin (`docker compose`) or v1 (`docker-compose`).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { $ } from 'zx';

const execFileAsync = promisify(execFile);

/**
 * The output of a read-only docker command (`inspect`, `ps`, `service ls`, …). `docker inspect a b` prints what it
 * found and exits 1 for a missing one: what it printed is kept. Any other failure is one sentence with docker's last
 * line.
 */
export async function dockerRead(args) {
  try {
    return (await execFileAsync('docker', args, { maxBuffer: 256 * 1024 * 1024 })).stdout;
  } catch (error) {
    if (error.stdout && /^\s*\[/.test(error.stdout)) return error.stdout;
    throw new Error(`docker ${args.slice(0, 2).join(' ')} failed: ${String(error.stderr ?? error.message).trim().split('\n').pop()}`);
  }
}

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

/**
 * The installed compose: its argv prefix, how a person types it (for hints), and the flag that turns its colours off.
 * @returns {Promise<{ command: string[], name: string, v2: boolean, noAnsi: string[] }>}
 */
export async function composeInfo() {
  const v2 = await $({ nothrow: true, quiet: true })`docker compose version --short`;
  if (v2.exitCode === 0) return { command: ['docker', 'compose'], name: 'docker compose', v2: true, noAnsi: ['--ansi', 'never'] };
  const v1 = await $({ nothrow: true, quiet: true })`docker-compose version --short`;
  if (v1.exitCode === 0) {
    // --ansi came with 1.28; before it only --no-ansi (deprecated since).
    const [major, minor] = v1.stdout.trim().split('.').map(Number);
    const ansi = major > 1 || (major === 1 && minor >= 28);
    return { command: ['docker-compose'], name: 'docker-compose', v2: false, noAnsi: ansi ? ['--ansi', 'never'] : ['--no-ansi'] };
  }
  throw new Error('Neither `docker compose` (v2 plugin) nor `docker-compose` (v1) is installed: install one (Debian: apt-get install docker-compose).');
}

/** The compose command as an argv prefix. */
export async function composeCommand() {
  return (await composeInfo()).command;
}

/**
 * @typedef {object} ContainerState
 * @property {string} service
 * @property {string} id
 * @property {string} state        running, exited, …
 * @property {string} image
 * @property {string|undefined} health  Docker healthcheck status when the image has one
 * @property {{ output: string, exitCode: number, at: string }|undefined} healthOutput  the last check's own output
 * @property {number} exitCode     of the last run
 * @property {number} restartCount
 * @property {string} startedAt
 */

/** Containers of a compose project, by service. @returns {Promise<Map<string, ContainerState>>} */
export async function projectContainers(project) {
  const ids = (await $({ quiet: true })`docker ps -aq --filter label=com.docker.compose.project=${project}`).stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return new Map();
  const inspected = JSON.parse((await $({ quiet: true, nothrow: true })`docker inspect ${ids}`).stdout || '[]');
  return new Map(
    inspected.map((c) => {
      const log = c.State.Health?.Log ?? [];
      const last = log[log.length - 1];
      return [
        c.Config.Labels['com.docker.compose.service'],
        {
          service: c.Config.Labels['com.docker.compose.service'],
          id: c.Id.slice(0, 12),
          image: c.Config.Image,
          state: c.State.Status,
          health: c.State.Health?.Status,
          healthOutput: last ? { output: String(last.Output ?? '').trim(), exitCode: last.ExitCode, at: last.End } : undefined,
          exitCode: c.State.ExitCode,
          restartCount: c.RestartCount ?? 0,
          startedAt: c.State.StartedAt,
        },
      ];
    }),
  );
}

/**
 * Removes the networks compose made for `project` that are left after `down`: those of customers no longer in the
 * compose file (compose removes only the networks its file declares). Each holds one of the engine's address pools, and
 * once they are used up no network can be created. Returns how many it removed.
 */
export async function removeLeftoverNetworks(project) {
  const ids = (await $({ quiet: true })`docker network ls -q --filter label=com.docker.compose.project=${project}`).stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await $({ quiet: true })`docker network rm ${ids}`;
  return ids.length;
}

/** The last lines a container printed (stdout and stderr), for a failure report. */
export async function containerLogTail(id, lines = 5) {
  const result = await $({ quiet: true, nothrow: true })`docker logs --tail ${String(lines)} ${id}`;
  return `${result.stdout}${result.stderr}`.trim();
}

/** The last health check output of a container (any state, as long as it exists), or undefined. */
export async function containerHealthOutput(id) {
  const result = await $({ quiet: true, nothrow: true })`docker inspect --format ${'{{json .State.Health}}'} ${id}`;
  if (result.exitCode !== 0) return undefined;
  const log = JSON.parse(result.stdout.trim() || 'null')?.Log ?? [];
  // The check Docker was running when it killed an unhealthy container may be logged with no output: quote the last
  // one that said something.
  const said = log.map((entry) => String(entry.Output ?? '').trim()).filter(Boolean);
  return said.at(-1);
}
