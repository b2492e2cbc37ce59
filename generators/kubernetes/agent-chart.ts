/**
 * out/k8s/agent.yaml, the shared part: the agent runtime's namespace and the ConfigMap `mcp-servers` with
 * mcp_servers.json whose URLs are the servers' in-cluster Service DNS names (server.kubernetesUrl), next to
 * the JSON Schema it validates against.
 */
import path from 'node:path';
import { ApiObject, Chart } from 'cdk8s';
import type { Fleet } from '../../fleet/model.ts';
import { runtimeConfigJsonSchema } from '../json-schema.ts';
import { lockedCustomers, RUNTIME_CONFIG_FILE, RUNTIME_SCHEMA_FILE, runtimeConfig, toJson } from '../runtime-config.ts';
import { memoryApp } from './customer-chart.ts';
import {
  AGENT_STOP_GRACE_S,
  drainEnvironment,
  SESSION_SECRET_PREVIOUS_VARIABLE,
  SESSION_SECRET_VARIABLE,
} from '../agent-replicas.ts';
import { AGENT_NAMESPACE, AGENT_POD_LABELS, AGENT_SESSION_SECRET, AGENT_TOKEN_SECRET, MANAGED_BY, SERVERS_CONFIGMAP, TOOL_LOCKS_CONFIGMAP, TOOL_LOCKS_MOUNT } from './names.ts';
import { kplus } from './plus.ts';
import type { Manifest } from './render.ts';
import { EXTERNAL_SECRET_REFRESH, EXTERNAL_SECRETS_API_VERSION, secretEnv } from './secrets.ts';
import { addWorkload } from './workload.ts';

/** Keys of the ConfigMap: a mounted ConfigMap is one flat folder, so the schema sits beside the config. */
export const CONFIG_KEY = RUNTIME_CONFIG_FILE;
export const SCHEMA_KEY = RUNTIME_SCHEMA_FILE.split('/').pop()!;

/** The agent runtime namespace warns and audits against the restricted Pod Security profile (not enforced yet). */
const AGENT_POD_SECURITY = { 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' } as const;

/**
 * The agent requests half of its CPU limit (the servers a quarter): it carries every customer's traffic, and the
 * HorizontalPodAutoscaler measures utilization against the request.
 */
export const AGENT_CPU_REQUEST_FRACTION = 1 / 2;
/** HPA target: average CPU use across the agent's pods, in percent of the request (70% of 250m = 175m with the default limit). */
export const AGENT_CPU_TARGET_PERCENT = 70;
/** The HPA removes at most one pod a minute, after five minutes of lower load (scaling up is Kubernetes' default: fast). */
const SCALE_DOWN = { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] };

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
  // An HPA only when it has room to scale; then it alone sets the replica count (see WorkloadSpec.replicas).
  const autoscaled = agent.maxReplicas > agent.replicas;
  // Customers that serve only locked tools: their locks come from a ConfigMap scripts/k8s-tool-locks.mjs makes. Optional,
  // so pods start without it; the agent then serves those customers no tools (it fails closed).
  const toolLocks = lockedCustomers(fleet).length > 0;
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
      // The key every replica seals and opens sessions with (required: pods wait until scripts/k8s-secrets.mjs made
      // it), and the previous key while rotating (optional: absent outside a rotation).
      secretEnv(SESSION_SECRET_VARIABLE, AGENT_SESSION_SECRET, SESSION_SECRET_VARIABLE),
      secretEnv(SESSION_SECRET_PREVIOUS_VARIABLE, AGENT_SESSION_SECRET, SESSION_SECRET_PREVIOUS_VARIABLE, { optional: true }),
      // Graceful stop: /readyz 503 at SIGTERM, serving on for the delay while the Endpoints drop the pod (this is what
      // a preStop sleep would do, so there is none), then in-flight calls get up to the timeout.
      ...Object.entries(drainEnvironment()).map(([name, value]) => ({ name, value })),
      ...(toolLocks ? [{ name: 'AGENT_TOOL_LOCKS', value: TOOL_LOCKS_MOUNT }] : []),
    ],
    port: agent.containerPort,
    resources: agent.resources,
    // Ready once it has loaded its config; alive while it answers at all.
    probe: { kind: 'http', port: agent.containerPort, path: '/healthz', readinessPath: '/readyz' },
    mounts: [
      { volume: { name: 'config', configMap: { name: servers.name } }, path: configDir },
      ...(toolLocks ? [{ volume: { name: 'tool-locks', configMap: { name: TOOL_LOCKS_CONFIGMAP, optional: true } }, path: TOOL_LOCKS_MOUNT }] : []),
    ],
    replicas: autoscaled ? 'autoscaled' : agent.replicas,
    terminationGracePeriodSeconds: AGENT_STOP_GRACE_S,
    spreadOverNodes: true,
    cpuRequestFraction: AGENT_CPU_REQUEST_FRACTION,
  });

  // Voluntary disruptions (node drains, cluster upgrades) take one agent pod at a time; an unhealthy pod may always
  // be evicted, so a crash-looping pod never blocks a drain.
  new kplus.k8s.KubePodDisruptionBudget(chart, 'agent-pdb', {
    metadata: { name: agent.serviceName, namespace: AGENT_NAMESPACE, labels: { ...labels, ...AGENT_POD_LABELS } },
    spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: { ...AGENT_POD_LABELS } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
  });

  if (autoscaled) {
    new kplus.k8s.KubeHorizontalPodAutoscalerV2(chart, 'agent-hpa', {
      metadata: { name: agent.serviceName, namespace: AGENT_NAMESPACE, labels: { ...labels, ...AGENT_POD_LABELS } },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: agent.serviceName },
        minReplicas: agent.replicas,
        maxReplicas: agent.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: AGENT_CPU_TARGET_PERCENT } } }],
        behavior: { scaleDown: SCALE_DOWN },
      },
    });
  }

  // With an External Secrets store the operator makes the session Secret too (k8s-secrets.mjs refuses such an output).
  // Only the current key: a key missing in the store fails the whole sync, and the previous one exists only while rotating.
  const store = fleet.config.kubernetes?.externalSecrets;
  if (store) {
    new ApiObject(chart, 'session-external-secret', {
      apiVersion: EXTERNAL_SECRETS_API_VERSION,
      kind: 'ExternalSecret',
      metadata: { name: AGENT_SESSION_SECRET, namespace: AGENT_NAMESPACE, labels },
      spec: {
        refreshInterval: EXTERNAL_SECRET_REFRESH,
        secretStoreRef: { name: store.storeName, kind: store.storeKind },
        target: { name: AGENT_SESSION_SECRET, creationPolicy: 'Owner' },
        data: [{ secretKey: SESSION_SECRET_VARIABLE, remoteRef: { key: `${store.remoteKeyPrefix ?? ''}${SESSION_SECRET_VARIABLE}` } }],
      },
    });
  }

  return chart.toJson() as Manifest[];
}
