/**
 * The Swarm service of one MCP server: the same image, command, environment and labels as its compose service,
 * on the customer's overlay network, published in host mode on its allocated port, run by `deploy:` policies.
 */
import type { FleetConfig } from '../../schema/fleet-config.ts';
import type { FleetCustomer, FleetServer } from '../../fleet/model.ts';
import { escapeInterpolation } from '../compose.ts';
import { serverCredentials } from './credentials.ts';
import { customerConstraints, deployBlock, HEALTHCHECK_TIMING } from './deploy-policy.ts';

/**
 * A published port in host mode: bound on the node that runs the task, on every interface. Swarm's port spec
 * has no host address (the stack schema rejects `host_ip`, and the short form "127.0.0.1:P:C" silently drops
 * the address and publishes through the ingress mesh on every node), so 127.0.0.1-only is impossible here.
 */
export function hostModePort(published: number, target: number): Record<string, unknown> {
  return { target, published, protocol: 'tcp', mode: 'host' };
}

/** Service labels (`docker service ls --filter label=…`), the same keys as on the compose services. */
export function serverLabels(customer: FleetCustomer, server: FleetServer): Record<string, string> {
  return {
    'mcpfleet.customer': customer.id,
    'mcpfleet.customer-name': escapeInterpolation(customer.name),
    'mcpfleet.type': server.type,
    'mcpfleet.server': server.name,
    'mcpfleet.mcp-path': server.path,
  };
}

export function serverService(customer: FleetCustomer, server: FleetServer, config: FleetConfig): Record<string, unknown> {
  const { environment, secrets } = serverCredentials(server);
  const labels = serverLabels(customer, server);
  const skipped: readonly string[] = config.swarm?.skipHealthcheck ?? [];
  const healthcheck = server.health.command && !skipped.includes(server.type);
  return {
    image: server.image,
    ...(server.args.length > 0 && { command: server.args.map(escapeInterpolation) }),
    environment,
    ...(secrets.length > 0 && { secrets }),
    ports: [hostModePort(server.hostPort, server.containerPort)],
    networks: [customer.network],
    ...(healthcheck && { healthcheck: { test: ['CMD', ...server.health.command!.map(escapeInterpolation)], ...HEALTHCHECK_TIMING } }),
    deploy: deployBlock({ labels, resources: server.resources, constraints: customerConstraints(config.swarm?.placement, customer.id) }),
  };
}
