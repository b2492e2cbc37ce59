/**
 * The customers' Argo CD Applications: one ApplicationSet with a list generator, one element per customer (its id,
 * its out/k8s file and its namespace). A list rather than a git-directory or git-file generator: the elements are
 * written from the fleet, so what Argo CD creates is in the reviewed diff (a git generator discovers it at sync time),
 * each Application gets its customer's namespace as its destination, and adding a customer adds one element and
 * changes no other line.
 */
import type { Fleet } from '../../fleet/model.ts';
import { applicationSpec, type ArgocdSettings } from './argocd-application-spec.ts';
import { APPLICATIONSET_NAME, ARGOCD_RESOURCES_FINALIZER, customerK8sFile, gitopsLabels, type GitopsSettings, K8S_CUSTOMERS_DIR } from './layout.ts';
import type { Manifest } from './manifest.ts';

export function applicationSet(fleet: Fleet, gitops: GitopsSettings, argocd: ArgocdSettings): Manifest {
  const elements = fleet.customers.map((customer) => ({ customer: customer.id, file: customerK8sFile(customer).name, namespace: customer.namespace }));
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: APPLICATIONSET_NAME, namespace: argocd.namespace, labels: gitopsLabels() },
    spec: {
      // Go templates, and a key missing from an element is an error instead of an empty string.
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [{ list: { elements } }],
      template: {
        metadata: {
          name: '{{.namespace}}',
          labels: { ...gitopsLabels(), 'mcpfleet.io/customer': '{{.customer}}' },
          finalizers: [ARGOCD_RESOURCES_FINALIZER],
        },
        spec: applicationSpec(gitops, argocd, { folder: K8S_CUSTOMERS_DIR, include: '{{.file}}', namespace: '{{.namespace}}' }),
      },
    },
  };
}
