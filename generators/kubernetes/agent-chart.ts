/**
 * out/k8s/agent.yaml, the shared part: the agent runtime's namespace and the ConfigMap `mcp-servers` with
 * mcp_servers.json whose URLs are the servers' in-cluster Service DNS names (server.kubernetesUrl), next to
 * the JSON Schema it validates against.
 */
import { Chart } from 'cdk8s';
import type { Fleet } from '../../fleet/model.ts';
import { jsonSchemaGenerator } from '../json-schema.ts';
import { RUNTIME_CONFIG_FILE, RUNTIME_SCHEMA_FILE, runtimeConfig, toJson } from '../runtime-config.ts';
import { memoryApp } from './customer-chart.ts';
import { AGENT_NAMESPACE, MANAGED_BY, SERVERS_CONFIGMAP } from './names.ts';
import { kplus } from './plus.ts';
import type { Manifest } from './render.ts';

/** Keys of the ConfigMap: a mounted ConfigMap is one flat folder, so the schema sits beside the config. */
export const CONFIG_KEY = RUNTIME_CONFIG_FILE;
export const SCHEMA_KEY = RUNTIME_SCHEMA_FILE.split('/').pop()!;

/** The agent runtime namespace warns and audits against the restricted Pod Security profile (not enforced yet). */
const AGENT_POD_SECURITY = { 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' } as const;

export function agentManifests(fleet: Fleet): Manifest[] {
  const chart = new Chart(memoryApp(), 'agent', { disableResourceNameHashes: true });
  const labels = { ...MANAGED_BY, 'app.kubernetes.io/component': 'agent' };
  new kplus.Namespace(chart, 'namespace', { metadata: { name: AGENT_NAMESPACE, labels: { ...labels, ...AGENT_POD_SECURITY } } });

  const schema = jsonSchemaGenerator.generate(fleet).find((f) => f.path === RUNTIME_SCHEMA_FILE);
  if (!schema) throw new Error(`the schema generator no longer writes ${RUNTIME_SCHEMA_FILE}`);
  new kplus.ConfigMap(chart, 'servers', {
    metadata: { name: SERVERS_CONFIGMAP, namespace: AGENT_NAMESPACE, labels },
    data: {
      [CONFIG_KEY]: toJson(runtimeConfig(fleet, (server) => server.kubernetesUrl, `./${SCHEMA_KEY}`)),
      [SCHEMA_KEY]: schema.content,
    },
  });

  // The agent runtime's Deployment and Service go here (added by the runtime work, not generated yet): namespace
  // AGENT_NAMESPACE, pod labels AGENT_POD_LABELS (the customers' NetworkPolicies admit exactly those), the
  // ConfigMap SERVERS_CONFIGMAP mounted as a folder holding CONFIG_KEY and SCHEMA_KEY.

  return chart.toJson() as Manifest[];
}
