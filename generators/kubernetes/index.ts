/**
 * The Kubernetes generator (`k8s`): out/k8s/ with one file per customer, one for the shared agent part and a
 * kustomization listing them. Pure: cdk8s synthesizes in memory, nothing touches the file system.
 */
import { hashOf } from '../../cache/code-fingerprint.ts';
import type { Fleet } from '../../fleet/model.ts';
import { movedTo, type GeneratedFile, type Generator } from '../generator.ts';
import { rememberedOutput } from '../output-memo.ts';
import { agentManifests } from './agent-chart.ts';
import { customerManifestFile } from './customer-file.ts';
import { kustomization } from './kustomization.ts';
import { MONITORING_FILE, monitoringManifests } from './monitoring.ts';
import { AGENT_FILE, AGENT_NAMESPACE, AGENT_SESSION_SECRET, K8S_DIR, KUSTOMIZATION_FILE, SERVERS_CONFIGMAP } from './names.ts';
import { customerFilesInParallel, type ParallelOptions } from './parallel-synthesis.ts';
import { renderManifests } from './render.ts';
import { ruleGroups } from '../monitoring/rules.ts';

export { AGENT_FILE, AGENT_NAMESPACE, AGENT_POD_LABELS, AGENT_SESSION_SECRET, CREDENTIALS_SECRET, customerFile, K8S_DIR, KUSTOMIZATION_FILE, SERVERS_CONFIGMAP } from './names.ts';

/** out/k8s from the agent part and the customers' files (paths relative to out/k8s). */
function assemble(fleet: Fleet, customerFiles: GeneratedFile[]): GeneratedFile[] {
  const agent: GeneratedFile = {
    path: AGENT_FILE,
    content: renderManifests(
      [
        `Shared agent part: namespace ${AGENT_NAMESPACE} and ConfigMap ${SERVERS_CONFIGMAP} (mcp_servers.json with in-cluster URLs),`,
        `the agent runtime's Deployment, Service, PodDisruptionBudget and HorizontalPodAutoscaler; Secret ${AGENT_SESSION_SECRET}: scripts/k8s-secrets.mjs.`,
      ],
      agentManifests(fleet),
    ),
  };
  const monitoring: GeneratedFile[] = fleet.config.monitoring.prometheusOperator ? [{ path: MONITORING_FILE, content: monitoringFile(fleet) }] : [];
  const files = [agent, ...monitoring, ...customerFiles];
  return [{ path: KUSTOMIZATION_FILE, content: kustomization(files.map((f) => f.path)) }, ...files].map((f) => movedTo(f, `${K8S_DIR}/${f.path}`));
}

/**
 * monitoring.yaml, remembered by the hash of what it is made from (the text of the rules is megabytes). A customer's
 * save rarely changes the fleet's alert rules, and synthesizing and rendering them was a third of what a one-customer
 * Kubernetes run still did at 1,000 customers.
 */
function monitoringFile(fleet: Fleet): string {
  const groups = ruleGroups(fleet);
  const inputs = hashOf(JSON.stringify([fleet.config.monitoring, fleet.agent.serviceName, groups]));
  return rememberedOutput(MONITORING_FILE, inputs, () => {
    const about = [
      'Prometheus Operator (monitoring.coreos.com/v1): ServiceMonitor for the agent runtime\'s /metrics, PrometheusRule with the fleet\'s alerts.',
      'Needs the operator\'s CRDs; without them set monitoring.prometheusOperator: false in fleet.config.ts.',
    ];
    return renderManifests(about, monitoringManifests(fleet, groups));
  });
}

export function kubernetesFiles(fleet: Fleet): GeneratedFile[] {
  return assemble(fleet, fleet.customers.map((customer) => customerManifestFile(customer, fleet)));
}

/** The same files as `kubernetesFiles`, with customers synthesized across worker threads for large fleets. */
export async function kubernetesFilesInParallel(fleet: Fleet, options?: ParallelOptions): Promise<GeneratedFile[]> {
  return assemble(fleet, await customerFilesInParallel(fleet, options));
}

export const kubernetesGenerator: Generator = {
  name: 'k8s',
  description: 'Kubernetes manifests (kustomize): a namespace per customer with its servers, the agent ConfigMap',
  generate: kubernetesFiles,
  generateInParallel: (fleet) => kubernetesFilesInParallel(fleet),
  incremental: {
    customerParts: (fleet) => customerFilesInParallel(fleet),
    assemble: (fleet, parts) => assemble(fleet, parts as GeneratedFile[]),
    partsAreFiles: { filePrefix: `${K8S_DIR}/` },
  },
};
