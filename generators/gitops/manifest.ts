/**
 * GitOps objects as text, like every other generated manifest: keys sorted at every depth (what cdk8s does for the
 * Kubernetes output), one YAML document per object behind the "do not edit" header (generators/kubernetes/render.ts).
 */
import { header, type Manifest, renderManifests, toYaml } from '../kubernetes/render.ts';

export type { Manifest };

/** `value` with the keys of every object in it sorted. */
export function sortedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortedKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  ) as T;
}

/** A file of objects, each with its keys sorted; `about` lines follow the marker as comments. */
export function manifestFile(about: string[], manifests: Manifest[]): string {
  return renderManifests(about, manifests.map(sortedKeys));
}

/** A kustomization.yaml listing `resources` (paths relative to its folder). */
export function kustomizationFile(about: string[], resources: string[]): string {
  return header(about) + toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources });
}
