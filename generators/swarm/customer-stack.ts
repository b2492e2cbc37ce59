/**
 * One customer's stack: its servers' services, its own overlay network (named as in the Fleet model, so the
 * agent's stack can join it as an external network) and the Swarm secrets its servers mount.
 */
import type { Fleet, FleetCustomer } from '../../fleet/model.ts';
import { stackSecrets } from './credentials.ts';
import { customerStackFile, customerStackName, STACK_EXTENSION, STACK_FILE_VERSION } from './names.ts';
import { serverService } from './server-service.ts';

export function customerStack(customer: FleetCustomer, fleet: Fleet): Record<string, unknown> {
  const secrets = stackSecrets(customer);
  return {
    version: STACK_FILE_VERSION,
    [STACK_EXTENSION]: { stack: customerStackName(customer), role: 'customer', customer: customer.id },
    services: Object.fromEntries(customer.servers.map((server) => [server.serviceName, serverService(customer, server, fleet.config)])),
    networks: { [customer.network]: { name: customer.network, driver: 'overlay', labels: { 'mcpfleet.customer': customer.id } } },
    ...(Object.keys(secrets).length > 0 && { secrets }),
  };
}

/** Header lines: who it is for and the commands that act on it. */
export function customerAbout(customer: FleetCustomer): string[] {
  const file = `out/${customerStackFile(customer)}`;
  const stack = customerStackName(customer);
  const secrets = Object.values(stackSecrets(customer)).map((s) => s.name);
  return [
    `Customer "${customer.name}" (${customer.file}): stack ${stack}, overlay network ${customer.network}.`,
    ...(secrets.length > 0 ? [`Swarm secrets (node scripts/swarm-secrets.mjs --customer ${customer.id}): ${secrets.join(', ')}.`] : []),
    `Deploy or update: docker stack deploy --prune -c ${file} ${stack}   (or: pnpm manage --target swarm up --customer ${customer.id})`,
    `Remove:           docker stack rm ${stack}`,
  ];
}
