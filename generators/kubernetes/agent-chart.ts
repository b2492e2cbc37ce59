/**
 * out/k8s/agent.yaml, the shared part: the agent runtime's namespace and the ConfigMap `mcp-servers` with
 * mcp_servers.json whose URLs are the servers' in-cluster Service DNS names (server.kubernetesUrl), next to
 * the JSON Schema it validates against.
 */
import path from 'node:path';
import { Chart } from 'cdk8s';
import type { Fleet } from '../../fleet/model.ts';
import { runtimeConfigJsonSchema } from '../json-schema.ts';
import { RUNTIME_CONFIG_FILE, RUNTIME_SCHEMA_FILE, runtimeConfig, toJson } from '../runtime-config.ts';
import { memoryApp } from './customer-chart.ts';
import { AGENT_NAMESPACE, AGENT_POD_LABELS, AGENT_TOKEN_SECRET, MANAGED_BY, SERVERS_CONFIGMAP } from './names.ts';
import { kplus } from './plus.ts';
import type { Manifest } from './render.ts';
import { secretEnv } from './secrets.ts';
import { addWorkload } from './workload.ts';

/** Keys of the ConfigMap: a mounted ConfigMap is one flat folder, so the schema sits beside the config. */
export const CONFIG_KEY = RUNTIME_CONFIG_FILE;
export const SCHEMA_KEY = RUNTIME_SCHEMA_FILE.split('/').pop()!;

/** The agent runtime namespace warns and audits against the restricted Pod Security profile (not enforced yet). */
const AGENT_POD_SECURITY = { 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' } as const;

export function agentManifests(fleet: Fleet): Manifest[] {
  const chart = new Chart(memoryApp(), 'agent', { disableResourceNameHashes: true });
  const labels = { ...MANAGED_BY, 'app.kubernetes.io/component': 'agent' };
  new kplus.Namespace(chart, 'namespace', { metadata: { name: AGENT_NAMESPACE, labels: { ...labels, ...AGENT_POD_SECURITY } } });

  const servers = new kplus.ConfigMap(chart, 'servers', {
    metadata: { name: SERVERS_CONFIGMAP, namespace: AGENT_NAMESPACE, labels },
    data: {
      [CONFIG_KEY]: toJson(runtimeConfig(fleet, (server) => server.kubernetesUrl, `./${SCHEMA_KEY}`)),
      [SCHEMA_KEY]: runtimeConfigJsonSchema(),
    },
  });

  const { agent } = fleet;
  const configDir = path.posix.dirname(agent.configPath);
  addWorkload(chart, {
    name: agent.serviceName,
    namespace: AGENT_NAMESPACE,
    // The customers' NetworkPolicies admit exactly these pod labels.
    labels: { ...labels, ...AGENT_POD_LABELS },
    selector: { ...AGENT_POD_LABELS },
    image: agent.image,
    args: [],
    env: [
      { name: 'AGENT_HOST', value: '0.0.0.0' },
      { name: 'AGENT_PORT', value: String(agent.containerPort) },
      { name: 'AGENT_CONFIG', value: `${configDir}/${CONFIG_KEY}` },
      { name: 'AGENT_SCHEMA', value: `${configDir}/${SCHEMA_KEY}` },
      // Bearer token for /api, from a Secret the operator creates; without it the API is open inside the cluster.
      secretEnv('AGENT_API_TOKEN', AGENT_TOKEN_SECRET, 'AGENT_API_TOKEN', { optional: true }),
      // Customers' gateway tokens, keyed by their variable names in the same Secret.
      ...fleet.customers.flatMap((c) => (c.gatewayToken ? [secretEnv(c.gatewayToken.variable, AGENT_TOKEN_SECRET, c.gatewayToken.variable)] : [])),
    ],
    port: agent.containerPort,
    resources: agent.resources,
    // Ready once it has loaded its config; alive while it answers at all.
    probe: { kind: 'http', port: agent.containerPort, path: '/healthz', readinessPath: '/readyz' },
    mounts: [{ volume: { name: 'config', configMap: { name: servers.name } }, path: configDir }],
  });

  return chart.toJson() as Manifest[];
}
