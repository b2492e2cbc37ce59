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

/**
 * Placement constraints for a customer's servers from the fleet config, `{customer}` replaced by its id
 * (e.g. `node.labels.mcp.customer == {customer}` pins each customer to the nodes labelled for it).
 */
export function customerConstraints(constraints: string[] | undefined, customerId: string): string[] {
  // A stack file is interpolated like a compose file: a literal `$` must reach the engine as written.
  return (constraints ?? []).map((c) => escapeInterpolation(c.replaceAll('{customer}', customerId)));
}
