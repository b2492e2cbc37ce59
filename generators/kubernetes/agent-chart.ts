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
import { addWorkload } from './workload.ts';
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

  const servers = new kplus.ConfigMap(chart, 'servers', {
    metadata: { name: SERVERS_CONFIGMAP, namespace: AGENT_NAMESPACE, labels },
    data: {
      [CONFIG_KEY]: toJson(runtimeConfig(fleet, (server) => server.kubernetesUrl, `./${SCHEMA_KEY}`)),
      [SCHEMA_KEY]: runtimeConfigJsonSchema(),
    },
  });

  const { agent } = fleet;
  const configDir = path.posix.dirname(agent.configPath);
  const tokenSecret = kplus.Secret.fromSecretName(chart, 'agent-token', AGENT_TOKEN_SECRET);
  addWorkload(chart, {
    name: agent.serviceName,
    namespace: AGENT_NAMESPACE,
    // The customers' NetworkPolicies admit exactly these pod labels.
    labels: { ...labels, ...AGENT_POD_LABELS },
    selector: { ...AGENT_POD_LABELS },
    image: agent.image,
    args: [],
    env: {
      AGENT_HOST: kplus.EnvValue.fromValue('0.0.0.0'),
      AGENT_PORT: kplus.EnvValue.fromValue(String(agent.containerPort)),
      AGENT_CONFIG: kplus.EnvValue.fromValue(`${configDir}/${CONFIG_KEY}`),
      AGENT_SCHEMA: kplus.EnvValue.fromValue(`${configDir}/${SCHEMA_KEY}`),
      // Bearer token for /api, from a Secret the operator creates; without it the API is open inside the cluster.
      AGENT_API_TOKEN: kplus.EnvValue.fromSecretValue({ secret: tokenSecret, key: 'AGENT_API_TOKEN' }, { optional: true }),
      // Customers' gateway tokens, keyed by their variable names in the same Secret.
      ...Object.fromEntries(
        fleet.customers.flatMap((c) => (c.gatewayToken ? [[c.gatewayToken.variable, kplus.EnvValue.fromSecretValue({ secret: tokenSecret, key: c.gatewayToken.variable })]] : [])),
      ),
    },
    port: agent.containerPort,
    resources: agent.resources,
    // Ready once it has loaded its config; alive while it answers at all.
    probe: { kind: 'http', port: agent.containerPort, path: '/healthz', readinessPath: '/readyz' },
    mounts: [{ volume: kplus.Volume.fromConfigMap(chart, 'servers-volume', servers, { name: 'config' }), path: configDir }],
  });

  return chart.toJson() as Manifest[];
}
