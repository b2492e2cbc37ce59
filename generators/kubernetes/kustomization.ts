/** out/k8s/kustomization.yaml: lists every generated file, so `kubectl apply -k out/k8s` deploys the fleet. */
import { header, toYaml } from './render.ts';

export function kustomization(resources: string[]): string {
  return (
    header(['Deploy the fleet: kubectl apply -k out/k8s', 'Credentials first or after: scripts/k8s-secrets.mjs (README, Kubernetes section)']) +
    toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources })
  );
}
