/**
 * The agent's Argo CD Application: the agent part of out/k8s (agent.yaml, and monitoring.yaml with the Prometheus
 * Operator), in its own namespace. Sync wave -1: when an app of apps syncs out/gitops/argocd, it is created before the
 * customers' ApplicationSet.
 */
import path from 'node:path';
import type { Fleet } from '../../fleet/model.ts';
import { AGENT_NAMESPACE, K8S_DIR } from '../kubernetes/names.ts';
import { applicationSpec, type ArgocdSettings } from './argocd-application-spec.ts';
import { AGENT_GITOPS_NAME, agentK8sFiles, ARGOCD_RESOURCES_FINALIZER, gitopsLabels, type GitopsSettings } from './layout.ts';
import type { Manifest } from './manifest.ts';

export function agentApplication(fleet: Fleet, gitops: GitopsSettings, argocd: ArgocdSettings): Manifest {
  const names = agentK8sFiles(fleet).map((file) => {
    if (path.posix.dirname(file) !== K8S_DIR) throw new Error(`the agent's Kubernetes file ${file} is not in ${K8S_DIR}/`);
    return path.posix.basename(file);
  });
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: AGENT_GITOPS_NAME,
      namespace: argocd.namespace,
      labels: gitopsLabels(),
      annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
      finalizers: [ARGOCD_RESOURCES_FINALIZER],
    },
    spec: applicationSpec(gitops, argocd, { folder: K8S_DIR, include: names.length === 1 ? names[0]! : `{${names.join(',')}}`, namespace: AGENT_NAMESPACE }),
  };
}
