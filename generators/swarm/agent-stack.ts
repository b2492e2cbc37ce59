/**
 * The agent runtime's stack: `agent.replicas` replicas that join every customer's overlay network as external
 * networks (so customer stacks are deployed first), read mcp_servers.json and its schema as Swarm configs, get the
 * customers' gateway tokens from the deploy environment and the shared session key as a Swarm secret; and an
 * HAProxy balancer that publishes the agent's host port and spreads requests over the replicas.
 *
 * Why a balancer of our own: a host-mode port is bound by one task per node (a second replica, or the new task of a
 * start-first update, could not bind it), and Swarm's routing mesh and virtual IPs need IPVS, which this machine's
 * kernel does not have (connections to a VIP failed with EHOSTUNREACH). HAProxy finds the replicas through Docker's
 * DNS on a network of this stack (`endpoint_mode: dnsrr`: the service name resolves to every task) and checks
 * /readyz every second, so a draining replica leaves the rotation within ~2 s.
 */
import path from 'node:path';
import type { Fleet } from '../../fleet/model.ts';
import { BALANCER_BACKEND_VARIABLE, BALANCER_CONFIG_FILE, BALANCER_CONFIG_TARGET, BALANCER_STOP_SIGNAL } from '../agent-balancer.ts';
import { AGENT_STOP_GRACE_S, drainEnvironment, SESSION_SECRET_FILE_VARIABLE, SESSION_SECRET_VARIABLE } from '../agent-replicas.ts';
import { lockedCustomers, RUNTIME_CONFIG_FILE, RUNTIME_SCHEMA_FILE, TOOL_LOCKS_DIR } from '../runtime-config.ts';
import { escapeInterpolation } from '../compose.ts';
import { interpolated } from './credentials.ts';
import { AGENT_HEALTHCHECK_TIMING, agentDeployBlock, balancerDeployBlock } from './deploy-policy.ts';
import { AGENT_CONFIG_DIGEST_VARIABLE, agentStackName, AGENT_STACK_FILE, secretPath, STACK_EXTENSION, STACK_FILE_VERSION, SWARM_DIR } from './names.ts';
import { hostModePort } from './server-service.ts';

const SERVERS_CONFIG = 'mcp_servers';
const SCHEMA_CONFIG = 'mcp_servers_schema';
const BALANCER_CONFIG = 'balancer';
/** The stack's own overlay network, shared by the replicas and the balancer only. */
const BALANCER_NETWORK = 'balancer';

/**
 * GET /readyz with bash's /dev/tcp (the runtime image, node:20-bookworm-slim, has bash). Not `node -e fetch(…)`:
 * measured in the Swarm e2e, a node process started every 3 s inside the agent's 0.5-CPU limit, while the agent
 * itself used that quota serving calls, took over 3 s to answer — every replica turned unhealthy, Swarm removed them
 * from DNS and replaced them, and the balancer had no server left. Bash answers in milliseconds.
 */
export function readyzCheck(port: number): string {
  return `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET /readyz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r -t 2 status <&3 && [[ $status == *' 200 '* ]]`;
}

/** Swarm secret of the session key: `<stack>_AGENT_SESSION_SECRET`, made by scripts/swarm-secrets.mjs with a random value. */
export const sessionSecretName = (fleet: Fleet): string => `${agentStackName(fleet)}_${SESSION_SECRET_VARIABLE}`;

/**
 * `<stack>_<key>-<digest>`: a new name whenever the file changes, since a Swarm config cannot be updated. (The
 * message has no "-" or "?": see credentials.ts.)
 */
function configName(fleet: Fleet, key: string): string {
  return `${agentStackName(fleet)}_${key}-\${${AGENT_CONFIG_DIGEST_VARIABLE}:?${AGENT_CONFIG_DIGEST_VARIABLE} is missing: manage.mjs sets it; see the commands at the top of this file}`;
}

export function agentStack(fleet: Fleet): Record<string, unknown> {
  const { agent } = fleet;
  const configDir = path.posix.dirname(agent.configPath);
  const fromStackDir = (file: string) => path.posix.relative(SWARM_DIR, file);
  const networks = fleet.customers.map((c) => c.network);
  // The tool locks of customers that serve only locked tools, as configs like mcp_servers.json (a new name when one
  // changes: the digest covers every config file); tool-locks/ lies beside out/, so out/ holds only the path.
  const toolLocksDir = `${configDir}/${TOOL_LOCKS_DIR}`;
  const locks = lockedCustomers(fleet).map((customer) => ({ key: `tool_lock_${customer.id}`, id: customer.id }));
  return {
    version: STACK_FILE_VERSION,
    [STACK_EXTENSION]: { stack: agentStackName(fleet), role: 'agent' },
    services: {
      [agent.serviceName]: {
        image: agent.image,
        environment: {
          AGENT_HOST: '0.0.0.0',
          AGENT_PORT: String(agent.containerPort),
          AGENT_CONFIG: agent.configPath,
          // Optional bearer token for /api; empty means no token required.
          AGENT_API_TOKEN: '${AGENT_API_TOKEN:-}',
          // Each customer's gateway token, when its file names one (/customers/<id>/mcp); the runtime reads it from
          // the environment only, so it is interpolated at deploy time like the servers' env-only credentials.
          ...Object.fromEntries(fleet.customers.flatMap((c) => (c.gatewayToken ? [[c.gatewayToken.variable, interpolated(c.gatewayToken.variable)]] : []))),
          // The key every replica seals and opens sessions with, as a file: the value never enters the service spec.
          [SESSION_SECRET_FILE_VARIABLE]: secretPath(SESSION_SECRET_VARIABLE),
          // Graceful stop: /readyz 503 at SIGTERM and serving on while the balancer's health check drops the task.
          ...drainEnvironment(),
          ...(locks.length > 0 && { AGENT_TOOL_LOCKS: toolLocksDir }),
        },
        configs: [
          { source: SERVERS_CONFIG, target: agent.configPath },
          { source: SCHEMA_CONFIG, target: `${configDir}/${RUNTIME_SCHEMA_FILE}` },
          ...locks.map(({ key, id }) => ({ source: key, target: `${toolLocksDir}/${id}.json` })),
        ],
        secrets: [{ source: SESSION_SECRET_VARIABLE, target: SESSION_SECRET_VARIABLE }],
        networks: [...networks, BALANCER_NETWORK],
        // Healthy only once ready: Swarm counts a task running only when healthy, and a start-first update stops
        // an old task only when its replacement runs — so only when the new one can serve. Bash, not node: see readyzCheck.
        healthcheck: { test: ['CMD', 'bash', '-c', escapeInterpolation(readyzCheck(agent.containerPort))], ...AGENT_HEALTHCHECK_TIMING },
        // SIGKILL only after the drain delay, the drain timeout and a margin (Swarm's default is 10 s).
        stop_grace_period: `${AGENT_STOP_GRACE_S}s`,
        deploy: agentDeployBlock({ labels: { 'mcpfleet.role': 'agent' }, resources: agent.resources, replicas: agent.replicas }),
      },
      [agent.balancer.serviceName]: {
        image: agent.balancer.image,
        environment: { [BALANCER_BACKEND_VARIABLE]: `${agent.serviceName}:${agent.containerPort}` },
        configs: [{ source: BALANCER_CONFIG, target: BALANCER_CONFIG_TARGET }],
        ports: [hostModePort(agent.hostPort, agent.containerPort)],
        networks: [BALANCER_NETWORK],
        // HAProxy finishes the requests it carries on SIGUSR1 (its soft stop); SIGTERM would cut them.
        stop_signal: BALANCER_STOP_SIGNAL,
        stop_grace_period: `${AGENT_STOP_GRACE_S}s`,
        deploy: balancerDeployBlock({ labels: { 'mcpfleet.role': 'agent-balancer' } }),
      },
    },
    networks: {
      ...Object.fromEntries(networks.map((n) => [n, { external: true, name: n }])),
      [BALANCER_NETWORK]: { driver: 'overlay' },
    },
    configs: {
      [SERVERS_CONFIG]: { file: fromStackDir(RUNTIME_CONFIG_FILE), name: configName(fleet, 'servers') },
      [SCHEMA_CONFIG]: { file: fromStackDir(RUNTIME_SCHEMA_FILE), name: configName(fleet, 'schema') },
      [BALANCER_CONFIG]: { file: fromStackDir(BALANCER_CONFIG_FILE), name: configName(fleet, 'balancer') },
      ...Object.fromEntries(locks.map(({ key, id }) => [key, { file: `../../${TOOL_LOCKS_DIR}/${id}.json`, name: configName(fleet, `tool-lock-${id}`) }])),
    },
    secrets: { [SESSION_SECRET_VARIABLE]: { external: true, name: sessionSecretName(fleet) } },
  };
}

export function agentAbout(fleet: Fleet): string[] {
  const stack = agentStackName(fleet);
  return [
    `Agent runtime: stack ${stack}; joins every customer network as an external network, so deploy the customer stacks first.`,
    `${fleet.agent.replicas} replicas behind HAProxy (${fleet.agent.balancer.serviceName}) on port ${fleet.agent.hostPort}; the session key is the Swarm secret ${sessionSecretName(fleet)}:`,
    `  node scripts/swarm-secrets.mjs   (creates it with a random value when missing, with the customers' secrets)`,
    `Deploy or update: pnpm manage --target swarm up   (sets ${AGENT_CONFIG_DIGEST_VARIABLE}), or by hand:`,
    `  ${AGENT_CONFIG_DIGEST_VARIABLE}=$(cat out/${RUNTIME_CONFIG_FILE} out/${RUNTIME_SCHEMA_FILE} out/${BALANCER_CONFIG_FILE} | sha256sum | cut -c1-12) docker stack deploy --prune -c out/${AGENT_STACK_FILE} ${stack}`,
    `Remove (before the customer stacks, whose networks it holds): docker stack rm ${stack}`,
  ];
}
