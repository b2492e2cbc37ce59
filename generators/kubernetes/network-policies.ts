/**
 * Network isolation of a customer namespace: a default-deny ingress policy for every pod, and one policy that
 * admits only the agent runtime's pods (namespace mcp-agent, label app.kubernetes.io/name=mcp-agent) on the
 * servers' ports. Pods of other customers (and other pods of this one) cannot reach the MCP servers.
 * Egress stays open: servers call the customer's Grafana, Alertmanager or Genesys Cloud outside the cluster.
 */
import type { Construct } from 'constructs';
import type { FleetCustomer } from '../../fleet/model.ts';
import { AGENT_NAMESPACE, AGENT_POD_LABELS, ALLOW_AGENT_POLICY, customerLabels, DEFAULT_DENY_POLICY } from './names.ts';
import { kplus } from './plus.ts';

/** Label every namespace carries (set by Kubernetes ≥ 1.21), so the agent namespace needs no label of ours. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export function addNetworkPolicies(scope: Construct, customer: FleetCustomer): void {
  const labels = customerLabels(customer);
  new kplus.k8s.KubeNetworkPolicy(scope, 'default-deny-ingress', {
    metadata: { name: DEFAULT_DENY_POLICY, namespace: customer.namespace, labels },
    spec: { podSelector: {}, policyTypes: ['Ingress'] },
  });
  const ports = [...new Set(customer.servers.map((s) => s.containerPort))].sort((a, b) => a - b);
  new kplus.k8s.KubeNetworkPolicy(scope, 'allow-mcp-agent', {
    metadata: { name: ALLOW_AGENT_POLICY, namespace: customer.namespace, labels },
    spec: {
      podSelector: { matchLabels: { 'mcpfleet.io/customer': customer.id } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          // One peer with both selectors: pods with the agent's labels *in* the agent namespace.
          from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: AGENT_NAMESPACE } }, podSelector: { matchLabels: { ...AGENT_POD_LABELS } } }],
          ports: ports.map((port) => ({ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(port) })),
        },
      ],
    },
  });
}
