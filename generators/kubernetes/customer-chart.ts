/**
 * One customer's file: its Namespace, network isolation, credentials wiring and one Deployment + Service per
 * MCP server. Each customer is its own cdk8s App and Chart: one App holding the whole fleet synthesizes in
 * quadratic time (every chart walks the whole app), one per customer keeps generation linear.
 */
import { App, Chart } from 'cdk8s';
import type { FleetCustomer } from '../../fleet/model.ts';
import type { FleetConfig } from '../../schema/fleet-config.ts';
import { customerLabels } from './names.ts';
import { addNetworkPolicies } from './network-policies.ts';
import { kplus } from './plus.ts';
import type { Manifest } from './render.ts';
import { addExternalSecret } from './secrets.ts';
import { addServerWorkload } from './server-workload.ts';

/** Pod Security Admission: the servers meet the `restricted` profile, so the namespace enforces it. */
export const POD_SECURITY_LABELS = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'v1.28',
} as const;

/** A cdk8s App that reads nothing from the environment and writes nothing (it is only ever synthesized in memory). */
export function memoryApp(): App {
  return new App({ outdir: 'cdk8s.out', recordConstructMetadata: false });
}

export function customerManifests(customer: FleetCustomer, config: FleetConfig): Manifest[] {
  const chart = new Chart(memoryApp(), customer.id, { disableResourceNameHashes: true });
  new kplus.Namespace(chart, 'namespace', {
    metadata: {
      name: customer.namespace,
      labels: { ...customerLabels(customer), ...POD_SECURITY_LABELS },
      annotations: { 'mcpfleet.io/customer-name': customer.name, 'mcpfleet.io/source': customer.file },
    },
  });
  addNetworkPolicies(chart, customer);
  addExternalSecret(chart, customer, config);
  for (const server of customer.servers) addServerWorkload(chart, customer, server);
  return chart.toJson() as Manifest[];
}
