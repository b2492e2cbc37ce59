/**
 * Where the GitOps output lives under out/, what its objects are called, and how a path under out/ reads in the Git
 * repository the controllers clone. The Kubernetes output's own layout comes from generators/kubernetes/names.ts.
 */
import path from 'node:path';
import type { Fleet, FleetCustomer } from '../../fleet/model.ts';
import type { FleetConfig } from '../../schema/fleet-config.ts';
import { MONITORING_FILE } from '../kubernetes/monitoring.ts';
import { AGENT_FILE, AGENT_NAMESPACE, customerFile, K8S_DIR, MANAGED_BY } from '../kubernetes/names.ts';

export type GitopsSettings = NonNullable<FleetConfig['gitops']>;

/** Folders under out/. */
export const GITOPS_DIR = 'gitops';
export const ARGOCD_DIR = `${GITOPS_DIR}/argocd`;
export const FLUX_DIR = `${GITOPS_DIR}/flux`;

/** Relative to ARGOCD_DIR. */
export const APPLICATIONSET_FILE = 'applicationset.yaml';
export const ARGOCD_AGENT_FILE = 'agent.yaml';
/** Relative to FLUX_DIR: the Flux Kustomization objects. */
export const FLUX_AGENT_FILE = 'agent.yaml';
export const fluxCustomerFile = (customer: FleetCustomer): string => `customers/${customer.id}.yaml`;
/**
 * Relative to FLUX_DIR: the folder a Flux Kustomization builds, holding only a kustomization.yaml that lists the
 * out/k8s files it deploys (`agent` or a customer id; no customer is called `agent`).
 */
export const fluxBuildDir = (target: string): string => `kustomize/${target}`;

/** The ApplicationSet of the customers' Applications. */
export const APPLICATIONSET_NAME = 'mcpfleet-customers';
/**
 * An Application or Flux Kustomization is named after the namespace it deploys (`mcp-<customer>`, `mcp-agent`): unique,
 * at most 63 characters (Flux puts the name into a label of every object it applies), and the same in both tools.
 */
export const gitopsName = (namespace: string): string => namespace;
export const AGENT_GITOPS_NAME = gitopsName(AGENT_NAMESPACE);

/** Argo CD deletes an Application's objects before the Application itself (a removed customer is removed). */
export const ARGOCD_RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** Folder of the customers' files in out/k8s; the generator checks every customer's file is in it. */
export const K8S_CUSTOMERS_DIR = `${K8S_DIR}/customers`;

/** A customer's out/k8s file, relative to out/, and its name inside K8S_CUSTOMERS_DIR. */
export function customerK8sFile(customer: FleetCustomer): { path: string; name: string } {
  const file = `${K8S_DIR}/${customerFile(customer)}`;
  if (path.posix.dirname(file) !== K8S_CUSTOMERS_DIR) throw new Error(`the Kubernetes file of customer ${customer.id} (${file}) is not in ${K8S_CUSTOMERS_DIR}/`);
  return { path: file, name: path.posix.basename(file) };
}

/**
 * The agent's part of out/k8s, relative to out/: agent.yaml, and monitoring.yaml when the Kubernetes generator writes
 * it (monitoring.prometheusOperator, as in generators/kubernetes/index.ts).
 */
export function agentK8sFiles(fleet: Fleet): string[] {
  return [AGENT_FILE, ...(fleet.config.monitoring.prometheusOperator ? [MONITORING_FILE] : [])].map((file) => `${K8S_DIR}/${file}`);
}

/** A path under out/ as it reads in the Git repository (`gitops.path` is out/'s folder there), without "./". */
export const repoPath = (gitops: GitopsSettings, underOut: string): string => path.posix.join(gitops.path, underOut);

/** Labels of every GitOps object; `customer` for the objects of one customer. */
export function gitopsLabels(customer?: string): Record<string, string> {
  return { ...MANAGED_BY, 'app.kubernetes.io/component': 'gitops', ...(customer !== undefined && { 'mcpfleet.io/customer': customer }) };
}
