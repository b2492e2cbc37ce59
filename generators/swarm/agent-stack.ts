/**
 * The agent runtime's stack: one service that joins every customer's overlay network as an external network
 * (so customer stacks are deployed first), reads mcp_servers.json and its schema as Swarm configs, gets the
 * customers' gateway tokens from the deploy environment, and is published on the agent's host port.
 */
import path from 'node:path';
import type { Fleet } from '../../fleet/model.ts';
import { RUNTIME_CONFIG_FILE, RUNTIME_SCHEMA_FILE } from '../runtime-config.ts';
import { interpolated } from './credentials.ts';
import { deployBlock, HEALTHCHECK_TIMING } from './deploy-policy.ts';
import { AGENT_CONFIG_DIGEST_VARIABLE, agentStackName, AGENT_STACK_FILE, STACK_EXTENSION, STACK_FILE_VERSION, SWARM_DIR } from './names.ts';
import { hostModePort } from './server-service.ts';

const SERVERS_CONFIG = 'mcp_servers';
const SCHEMA_CONFIG = 'mcp_servers_schema';

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
  const labels = { 'mcpfleet.role': 'agent' };
  const networks = fleet.customers.map((c) => c.network);
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
        },
        configs: [
          { source: SERVERS_CONFIG, target: agent.configPath },
          { source: SCHEMA_CONFIG, target: `${configDir}/${RUNTIME_SCHEMA_FILE}` },
        ],
        ports: [hostModePort(agent.hostPort, agent.containerPort)],
        networks,
        healthcheck: {
          test: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${agent.containerPort}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
          ...HEALTHCHECK_TIMING,
        },
        deploy: deployBlock({ labels, resources: agent.resources }),
      },
    },
    ...(networks.length > 0 && { networks: Object.fromEntries(networks.map((n) => [n, { external: true, name: n }])) }),
    configs: {
      [SERVERS_CONFIG]: { file: fromStackDir(RUNTIME_CONFIG_FILE), name: configName(fleet, 'servers') },
      [SCHEMA_CONFIG]: { file: fromStackDir(RUNTIME_SCHEMA_FILE), name: configName(fleet, 'schema') },
    },
  };
}

export function agentAbout(fleet: Fleet): string[] {
  const stack = agentStackName(fleet);
  return [
    `Agent runtime: stack ${stack}; joins every customer network as an external network, so deploy the customer stacks first.`,
    `Deploy or update: zx scripts/manage.mjs --target swarm up   (sets ${AGENT_CONFIG_DIGEST_VARIABLE}), or by hand:`,
    `  ${AGENT_CONFIG_DIGEST_VARIABLE}=$(cat out/${RUNTIME_CONFIG_FILE} out/${RUNTIME_SCHEMA_FILE} | sha256sum | cut -c1-12) docker stack deploy --prune -c out/${AGENT_STACK_FILE} ${stack}`,
    `Remove (before the customer stacks, whose networks it holds): docker stack rm ${stack}`,
  ];
}
