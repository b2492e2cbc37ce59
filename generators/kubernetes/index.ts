/**
 * The Kubernetes generator (`k8s`): out/k8s/ with one file per customer, one for the shared agent part and a
 * kustomization listing them. Pure: cdk8s synthesizes in memory, nothing touches the file system.
 */
import type { Fleet, FleetCustomer } from '../../fleet/model.ts';
import type { GeneratedFile, Generator } from '../generator.ts';
import { agentManifests } from './agent-chart.ts';
import { customerManifests } from './customer-chart.ts';
import { kustomization } from './kustomization.ts';
import { AGENT_FILE, AGENT_NAMESPACE, CREDENTIALS_SECRET, customerFile, K8S_DIR, KUSTOMIZATION_FILE, SERVERS_CONFIGMAP } from './names.ts';
import { renderManifests } from './render.ts';
import { credentialVariables } from './secrets.ts';

export { AGENT_FILE, AGENT_NAMESPACE, AGENT_POD_LABELS, CREDENTIALS_SECRET, customerFile, K8S_DIR, KUSTOMIZATION_FILE, SERVERS_CONFIGMAP } from './names.ts';

function customerAbout(customer: FleetCustomer, fleet: Fleet): string[] {
  const store = fleet.config.kubernetes?.externalSecrets;
  const variables = credentialVariables(customer);
  const credentials =
    variables.length === 0
      ? 'Credentials: none.'
      : store
        ? `Credentials: Secret ${CREDENTIALS_SECRET}, filled by the ExternalSecret below from ${store.storeKind} ${store.storeName}.`
        : `Credentials: Secret ${CREDENTIALS_SECRET} (keys ${variables.join(', ')}), created by scripts/k8s-secrets.mjs.`;
  return [`Customer "${customer.name}" (${customer.file}), namespace ${customer.namespace}.`, credentials];
}

export function kubernetesFiles(fleet: Fleet): GeneratedFile[] {
  const files: GeneratedFile[] = [
    {
      path: AGENT_FILE,
      content: renderManifests(
        [`Shared agent part: namespace ${AGENT_NAMESPACE} and ConfigMap ${SERVERS_CONFIGMAP} (mcp_servers.json with in-cluster URLs).`],
        agentManifests(fleet),
      ),
    },
    ...fleet.customers.map((customer) => ({
      path: customerFile(customer),
      content: renderManifests(customerAbout(customer, fleet), customerManifests(customer, fleet.config)),
    })),
  ];
  return [{ path: KUSTOMIZATION_FILE, content: kustomization(files.map((f) => f.path)) }, ...files].map((f) => ({ ...f, path: `${K8S_DIR}/${f.path}` }));
}

export const kubernetesGenerator: Generator = {
  name: 'k8s',
  description: 'Kubernetes manifests (kustomize): a namespace per customer with its servers, the agent ConfigMap',
  generate: kubernetesFiles,
};
