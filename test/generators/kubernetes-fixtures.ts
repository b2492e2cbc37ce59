/**
 * Shared by the Kubernetes generator tests: test fleets, the generated tree as objects, offline validation
 * (kubernetes-models' validate() plus an unknown-field check against the Kubernetes 1.28 API that cdk8s-plus-28
 * ships), and writing the tree to a temporary folder.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import YAML from 'yaml';
import { buildFleet } from '../../fleet/build-fleet.ts';
import type { Fleet } from '../../fleet/model.ts';
import type { GeneratedFile } from '../../generators/generator.ts';
import { kubernetesGenerator } from '../../generators/kubernetes/index.ts';
import { CDK8S_PLUS_PACKAGE } from '../../generators/kubernetes/plus.ts';
import type { CustomerInput } from '../../schema/customer.ts';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec?: any;
  data?: Record<string, string>;
};

/** Three customers like the repo's: two grafanas and a basic-auth alertmanager; grafana only; grafana + alertmanager + genesys. */
export const CUSTOMERS: Record<string, CustomerInput> = {
  'nordlicht-energie': {
    name: 'Nordlicht Energie',
    host: 'maas-1288.mon.example.com',
    mcpServers: [
      { type: 'grafana', url: 'https://maas-1288.mon.example.com', tokenEnv: 'GRAFANA_TOKEN_NORDLICHT' },
      { type: 'grafana', name: 'staging', url: 'https://maas-1288-staging.mon.example.com', tokenEnv: 'GRAFANA_TOKEN_NORDLICHT_STAGING' },
      {
        type: 'alertmanager',
        url: 'https://alertmanager.maas-1288.mon.example.com',
        basicAuth: { usernameEnv: 'ALERTMANAGER_USER_NORDLICHT', passwordEnv: 'ALERTMANAGER_PASSWORD_NORDLICHT' },
      },
    ],
  },
  segurcaixa: {
    name: 'Segurcaixa',
    host: 'maas-1171.mon.example.com',
    mcpServers: [{ type: 'grafana', url: 'https://maas-1171.mon.example.com', tokenEnv: 'GRAFANA_TOKEN_SEGURCAIXA' }],
  },
  'vattenfall-de': {
    name: 'Vattenfall DE',
    host: 'maas-1203.mon.example.com',
    mcpServers: [
      { type: 'grafana', url: 'https://maas-1203.mon.example.com', tokenEnv: 'GRAFANA_TOKEN_VATTENFALL' },
      { type: 'alertmanager', url: 'http://maas-1203.mon.example.com:9093' },
      { type: 'genesys', region: 'mypurecloud.de', clientIdEnv: 'GENESYS_CLIENT_ID_VATTENFALL', clientSecretEnv: 'GENESYS_CLIENT_SECRET_VATTENFALL' },
    ],
  },
};

/** A customer with no credentials at all (alertmanager without auth). */
export const NO_CREDENTIALS: CustomerInput = {
  name: 'Open Alerts',
  host: 'alerts.example.com',
  mcpServers: [{ type: 'alertmanager', url: 'http://alerts.example.com:9093' }],
};

export function fleetOf(customers: Record<string, CustomerInput> = CUSTOMERS, config: unknown = {}): Fleet {
  const result = buildFleet({ customers: Object.entries(customers).map(([id, exported]) => ({ id, file: `customers/${id}.ts`, exported })), config });
  if (!result.ok) throw new Error(`test fleet is invalid: ${JSON.stringify(result.problems)}`);
  return result.fleet;
}

export function generate(fleet: Fleet): Map<string, string> {
  return new Map(kubernetesGenerator.generate(fleet).map((f: GeneratedFile) => [f.path, f.content]));
}

export function parseDocs(content: string): K8sObject[] {
  return YAML.parseAllDocuments(content)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors.map(String).join('\n'));
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/** Every object of the tree, with the file it is in. */
export function objectsOf(files: Map<string, string>): Array<{ file: string; object: K8sObject }> {
  return [...files]
    .filter(([file]) => !file.endsWith('/kustomization.yaml'))
    .flatMap(([file, content]) => parseDocs(content).map((object) => ({ file, object })));
}

export function writeTree(files: Map<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpfleet-k8s-'));
  for (const [file, content] of files) {
    const target = path.join(dir, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  return dir;
}

/** kubernetes-models' validators (types, enums, required fields) by apiVersion/kind. */
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

/** Objects of the Kubernetes API itself, which unknownFields() knows (CRDs are checked elsewhere). */
export const isCoreApi = (object: K8sObject): boolean => !object.apiVersion.includes('.coreos.com/');

/**
 * The props type of the API version, where the kind alone is ambiguous: `KubeHorizontalPodAutoscalerProps` is
 * autoscaling/v1 (targetCPUUtilizationPercentage, no metrics), so a v2 HPA checked against it fails on `metrics`.
 */
const PROPS_BY_VERSION: Record<string, string> = { 'autoscaling/v2/HorizontalPodAutoscaler': 'KubeHorizontalPodAutoscalerV2Props' };

/** Throws when kubernetes-models rejects the object (or does not know its kind). */
export function validateWithModels(object: K8sObject): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no kubernetes-models validator for ${object.apiVersion} ${object.kind}`);
  new Model(object as never).validate();
}

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

export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
