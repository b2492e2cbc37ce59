/**
 * How Swarm runs, restarts, updates and places every service: the `deploy:` block and the healthcheck timing.
 * Compose's `restart`, `container_name` and `depends_on` have no meaning in a stack; these replace them.
 */
import { escapeInterpolation } from '../compose.ts';
import type { Resources } from '../../mcp-types/index.ts';

/**
 * Restart whatever the exit (compose's `unless-stopped`), 5 s apart, without limit: a server that crashes keeps
 * being replaced while `manage status` shows the gap.
 */
export const RESTART_POLICY = { condition: 'any', delay: '5s', window: '30s' } as const;

/**
 * One task at a time, the old one stopped first: a host-mode published port can be bound by one task per node
 * only, so start-first would leave the new task unable to bind it. A task that fails within `monitor` rolls the
 * service back to its previous spec.
 */
export const UPDATE_CONFIG = { parallelism: 1, delay: '0s', order: 'stop-first', failure_action: 'rollback', monitor: '10s' } as const;
export const ROLLBACK_CONFIG = { parallelism: 1, order: 'stop-first', failure_action: 'pause' } as const;

/**
 * The agent's replicas: the new task first, the old one stopped only once the new one runs — which, with a
 * healthcheck, means healthy (its /readyz answers 200). The replicas publish no port (the balancer does), so two
 * tasks can run side by side. One at a time; a task that fails within `monitor` rolls the service back.
 */
export const AGENT_UPDATE_CONFIG = { parallelism: 1, delay: '0s', order: 'start-first', failure_action: 'rollback', monitor: '10s' } as const;
export const AGENT_ROLLBACK_CONFIG = { parallelism: 1, order: 'start-first', failure_action: 'pause' } as const;

/**
 * The agent's healthcheck runs more often than the servers': the first check comes only one interval after the
 * start (the v3 schema has no start_interval), and a start-first update waits for it per replica.
 */
export const AGENT_HEALTHCHECK_TIMING = { interval: '3s', timeout: '5s', retries: 3, start_period: '20s' } as const;

/**
 * Healthcheck timing. Swarm reports a task running only once its healthcheck passes and replaces it after
 * `retries` failures, so the interval bounds how fast a new task counts (the v3 schema has no start_interval).
 */
export const HEALTHCHECK_TIMING = { interval: '10s', timeout: '5s', retries: 3, start_period: '20s' } as const;

/**
 * The deploy block of one service. One replica: a streamable-HTTP session lives in one process, so a second
 * replica would break sessions. `dnsrr`: the service name resolves straight to the task, which works where the
 * kernel has no IPVS (Swarm's virtual-IP balancing needs it; this machine's kernel has none) and costs nothing
 * with one replica. Only limits, no reservations: servers idle between tool calls, and reservations would stop
 * the scheduler from packing many small servers on one node.
 */
export function deployBlock(options: { labels: Record<string, string>; resources: Resources; constraints?: string[] }): Record<string, unknown> {
  return {
    mode: 'replicated',
    replicas: 1,
    endpoint_mode: 'dnsrr',
    labels: options.labels,
    resources: { limits: { cpus: options.resources.cpus, memory: options.resources.memory } },
    restart_policy: RESTART_POLICY,
    update_config: UPDATE_CONFIG,
    rollback_config: ROLLBACK_CONFIG,
    ...(options.constraints && options.constraints.length > 0 && { placement: { constraints: options.constraints } }),
  };
}

/** The agent runtime's deploy block: `replicas` tasks updated start-first (see AGENT_UPDATE_CONFIG). */
export function agentDeployBlock(options: { labels: Record<string, string>; resources: Resources; replicas: number }): Record<string, unknown> {
  return {
    ...deployBlock(options),
    replicas: options.replicas,
    update_config: AGENT_UPDATE_CONFIG,
    rollback_config: AGENT_ROLLBACK_CONFIG,
  };
}

/** Small: HAProxy forwarding the agent's requests needs little. */
export const BALANCER_RESOURCES: Resources = { cpus: '0.25', memory: '64M' };

/**
 * The balancer: one task on every node (`global`), each publishing the agent's port in host mode, so any node's
 * address reaches the agent; stop-first, since the new task needs the host port the old one holds.
 */
export function balancerDeployBlock(options: { labels: Record<string, string> }): Record<string, unknown> {
  const { replicas: _replicas, ...rest } = deployBlock({ labels: options.labels, resources: BALANCER_RESOURCES });
  return { ...rest, mode: 'global' };
}

/**
 * Placement constraints for a customer's servers from the fleet config, `{customer}` replaced by its id
 * (e.g. `node.labels.mcp.customer == {customer}` pins each customer to the nodes labelled for it).
 */
export function customerConstraints(constraints: string[] | undefined, customerId: string): string[] {
  // A stack file is interpolated like a compose file: a literal `$` must reach the engine as written.
  return (constraints ?? []).map((c) => escapeInterpolation(c.replaceAll('{customer}', customerId)));
}
