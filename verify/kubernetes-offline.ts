/**
 * Offline validation of generated Kubernetes manifests, with no API server: kubernetes-models' validators (types,
 * enums, required fields) for every kind the generator writes, an unknown-field check against the Kubernetes 1.28
 * API that cdk8s-plus-28 ships (validate() ignores fields it does not know), and `kubectl kustomize` over the tree.
 * `pnpm validate --k8s` and the generator tests share it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import YAML from 'yaml';
import { CDK8S_PLUS_PACKAGE } from '../generators/kubernetes/plus.ts';

/** A Kubernetes object as read from a manifest. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec?: any;
  data?: Record<string, string>;
};

/** kubernetes-models' validators by apiVersion/kind: every kind the generator writes. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  // The Prometheus Operator's CRDs (their unknown fields: test/generators/monitoring.test.ts, against the package's types).
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

/** Kinds whose validator lives in another package of the fleet's (External Secrets): checked by kustomize only. */
const UNMODELLED = new Set(['external-secrets.io/v1beta1/ExternalSecret', 'external-secrets.io/v1/ExternalSecret']);

/** Objects of the Kubernetes API itself, which {@link unknownFields} knows (CRDs are checked by their models). */
export const isCoreApi = (object: K8sObject): boolean => !object.apiVersion.includes('.coreos.com/') && !object.apiVersion.startsWith('external-secrets.io/');

/** Throws when kubernetes-models rejects the object (or does not know its kind). */
export function validateWithModels(object: K8sObject): void {
  const key = `${object.apiVersion}/${object.kind}`;
  if (UNMODELLED.has(key)) return;
  const Model = MODELS[key];
  if (!Model) throw new Error(`no kubernetes-models validator for ${object.apiVersion} ${object.kind}`);
  new Model(object as never).validate();
}

/**
 * The props type of the API version, where the kind alone is ambiguous: `KubeHorizontalPodAutoscalerProps` is
 * autoscaling/v1 (targetCPUUtilizationPercentage, no metrics), so a v2 HPA checked against it fails on `metrics`.
 */
const PROPS_BY_VERSION: Record<string, string> = { 'autoscaling/v2/HorizontalPodAutoscaler': 'KubeHorizontalPodAutoscalerV2Props' };

type Field = { leaf: true } | { object: string } | { array: string } | { record: string };

/**
 * The Kubernetes 1.28 API's object fields, read from the generated converters in cdk8s-plus-28's imports
 * (`toJson_<Type>` lists every field of the type and the type of each nested object).
 */
function loadKubeSchema(): Map<string, Map<string, Field>> {
  const require = createRequire(import.meta.url);
  const source = readFileSync(require.resolve(`${CDK8S_PLUS_PACKAGE}/lib/imports/k8s.js`), 'utf8');
  const types = new Map<string, Map<string, Field>>();
  for (const match of source.matchAll(/^function toJson_(\w+)\(obj\) \{\n([\s\S]*?)\n\}\n/gm)) {
    const fields = new Map<string, Field>();
    for (const line of match[2]!.matchAll(/^ {8}'([^']+)': (.*),$/gm)) {
      const expr = line[2]!;
      let m: RegExpExecArray | null;
      if ((m = /^toJson_(\w+)\(obj\.\w+\)$/.exec(expr))) fields.set(line[1]!, { object: m[1]! });
      else if ((m = /^obj\.\w+\?\.map\(y => toJson_(\w+)\(y\)\)$/.exec(expr))) fields.set(line[1]!, { array: m[1]! });
      else if ((m = /\[i\[0\]\]: toJson_(\w+)\(i\[1\]\)/.exec(expr))) fields.set(line[1]!, { record: m[1]! });
      else fields.set(line[1]!, { leaf: true });
    }
    types.set(match[1]!, fields);
  }
  if (!types.get('DeploymentSpec')?.has('template')) throw new Error('could not read the Kubernetes schema from cdk8s-plus imports');
  return types;
}

let kubeSchema: Map<string, Map<string, Field>> | undefined;

/** Paths of fields the Kubernetes 1.28 API does not have (kubernetes-models' validate() ignores them). */
export function unknownFields(object: K8sObject): string[] {
  kubeSchema ??= loadKubeSchema();
  const schema = kubeSchema;
  const top = schema.get(PROPS_BY_VERSION[`${object.apiVersion}/${object.kind}`] ?? `Kube${object.kind}Props`);
  if (!top) return [`/ (kind ${object.kind} is not in the schema)`];
  const found: string[] = [];
  const walk = (value: unknown, fields: Map<string, Field>, at: string): void => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      found.push(`${at} (expected an object)`);
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      const field = fields.get(key);
      const here = `${at}/${key}`;
      if (!field) found.push(here);
      else if ('object' in field) walk(child, schema.get(field.object)!, here);
      else if ('array' in field) (child as unknown[]).forEach((item, i) => walk(item, schema.get(field.array)!, `${here}/${i}`));
      else if ('record' in field) for (const [k, v] of Object.entries(child as object)) walk(v, schema.get(field.record)!, `${here}/${k}`);
    }
  };
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  walk(rest, top, '');
  return found;
}

/** The objects of a multi-document YAML manifest (a document that does not parse throws). */
export function parseManifest(content: string): K8sObject[] {
  return YAML.parseAllDocuments(content)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors.map(String).join('\n'));
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/** One finding of {@link validateManifests}: where, and what is wrong. */
export interface ManifestProblem {
  /** File relative to the tree's root, e.g. `k8s/customers/acme.yaml`. */
  file: string;
  /** `Kind/namespace/name`, or absent for a problem with the file or the whole tree. */
  object?: string;
  message: string;
}

/** What {@link validateManifests} checked. */
export interface ManifestReport {
  files: number;
  objects: number;
  /** False when kubectl is not installed: the kustomize build was not run. */
  kustomized: boolean;
  problems: ManifestProblem[];
}

const objectName = (o: K8sObject) => [o.kind, ...(o.metadata?.namespace ? [o.metadata.namespace] : []), o.metadata?.name ?? '(no name)'].join('/');

/**
 * Validates a generated Kubernetes tree (paths relative to out/, `k8s/…`) offline: every object by its model and
 * against the API's fields, then `kubectl kustomize` over the whole tree when kubectl is installed.
 */
export async function validateManifests(files: Map<string, string>, kustomizationDir = 'k8s'): Promise<ManifestReport> {
  const problems: ManifestProblem[] = [];
  let objects = 0;
  for (const [file, content] of files) {
    if (file.endsWith('/kustomization.yaml')) continue;
    let parsed: K8sObject[];
    try {
      parsed = parseManifest(content);
    } catch (error) {
      problems.push({ file, message: `does not parse as YAML: ${(error as Error).message}` });
      continue;
    }
    for (const object of parsed) {
      objects += 1;
      try {
        validateWithModels(object);
      } catch (error) {
        problems.push({ file, object: objectName(object), message: (error as Error).message });
      }
      if (isCoreApi(object)) for (const field of unknownFields(object)) problems.push({ file, object: objectName(object), message: `unknown field ${field}` });
    }
  }
  const kustomize = await kustomizeTree(files, kustomizationDir);
  if (kustomize.error) problems.push({ file: `${kustomizationDir}/kustomization.yaml`, message: `kubectl kustomize failed: ${kustomize.error}` });
  return { files: files.size, objects, kustomized: kustomize.ran, problems };
}

/** Writes the tree to a temporary folder and runs `kubectl kustomize` on it (offline: it only reads files). */
async function kustomizeTree(files: Map<string, string>, dir: string): Promise<{ ran: boolean; error?: string }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mcpfleet-k8s-'));
  try {
    for (const [file, content] of files) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), content);
    }
    return await new Promise((resolve) => {
      execFile('kubectl', ['kustomize', path.join(root, dir)], { maxBuffer: 1 << 30, timeout: 300_000 }, (error, _stdout, stderr) => {
        if (!error) resolve({ ran: true });
        else if ((error as NodeJS.ErrnoException).code === 'ENOENT') resolve({ ran: false });
        else resolve({ ran: true, error: (stderr || error.message).trim() });
      });
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
