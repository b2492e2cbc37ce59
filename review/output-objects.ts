/**
 * Generated files as objects with an identity, so two versions compare object by object rather than line by
 * line: compose services and networks by name, Kubernetes objects by kind/namespace/name (as helm-diff keys
 * them), env template variables by name, runtime servers by customer/type(/name), ports by server key.
 * Each object is attributed to the customer it belongs to, found through the Fleet model (never re-derived).
 */
import jsYaml from 'js-yaml';
import YAML from 'yaml';
import type { Fleet } from '../fleet/model.ts';
import { isPlainObject } from './field-diff.ts';

/** One object of one output file. */
export interface OutputObject {
  /** The output (generator name, or `manifest`). */
  output: string;
  /** File under out/ holding it. */
  file: string;
  /** Identity within the output, e.g. `service mcp-grafana-acme`, `Deployment/mcp-acme/mcp-grafana-acme`, `GRAFANA_TOKEN_ACME`. */
  id: string;
  /** The customer id it belongs to; absent for fleet-wide objects (the agent ConfigMap, the kustomization, …). */
  customer?: string;
  /** The parsed content that is compared. */
  value: unknown;
}

/** Finds the customer a generated name belongs to, from the Fleet models of both sides of a comparison. */
export class Owners {
  private readonly owner = new Map<string, string>();

  constructor(fleets: Fleet[]) {
    for (const fleet of fleets) {
      for (const customer of fleet.customers) {
        this.owner.set(`customer:${customer.id}`, customer.id);
        this.owner.set(`namespace:${customer.namespace}`, customer.id);
        this.owner.set(`network:${customer.network}`, customer.id);
        for (const server of customer.servers) {
          this.owner.set(`service:${server.serviceName}`, customer.id);
          this.owner.set(`key:${server.key}`, customer.id);
          for (const credential of server.credentials) this.owner.set(`variable:${credential.variable}`, customer.id);
        }
      }
    }
  }

  /** The customer id owning `name` of the given kind, if any. */
  of(kind: 'customer' | 'namespace' | 'network' | 'service' | 'key' | 'variable', name: unknown): string | undefined {
    return typeof name === 'string' ? this.owner.get(`${kind}:${name}`) : undefined;
  }
}

type Extractor = (file: string, content: string, owners: Owners) => Array<Omit<OutputObject, 'output' | 'file'>>;

/** Extractors for the outputs whose shape is known; any other output falls back to {@link genericObjects}. */
// The files the generators write with js-yaml (compose, Kubernetes) are read back with it: 3-4x faster than yaml on
// a 1,000-customer compose file, which a one-customer change makes the diff parse twice.
const extractors: Record<string, Extractor> = {
  compose: composeObjects,
  env: envObjects,
  runtime: runtimeObjects,
  k8s: (file, content, owners) => kubernetesObjects(file, jsYaml.loadAll(content), owners),
  ports: portsObjects,
  swarm: swarmObjects,
};

/**
 * The objects of one generated file. A file that does not parse as its output's format (it never should)
 * becomes one object holding its text, so a change is still reported.
 */
export function outputObjects(output: string, file: string, content: string, owners: Owners): OutputObject[] {
  let objects: Array<Omit<OutputObject, 'output' | 'file'>>;
  try {
    objects = (extractors[output] ?? genericObjects)(file, content, owners);
  } catch {
    objects = [{ id: file, value: { content } }];
  }
  const seen = new Map<string, number>();
  return objects.map((object) => {
    const count = (seen.get(object.id) ?? 0) + 1;
    seen.set(object.id, count);
    return { output, file, ...object, id: count === 1 ? object.id : `${object.id} #${count}` };
  });
}

function composeObjects(file: string, content: string, owners: Owners) {
  const document = jsYaml.load(content) as Record<string, unknown>;
  const objects: Array<Omit<OutputObject, 'output' | 'file'>> = [];
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document ?? {})) {
    if ((key === 'services' || key === 'networks' || key === 'volumes') && isPlainObject(value)) {
      const kind = key.slice(0, -1);
      for (const [name, definition] of Object.entries(value)) {
        const customer = key === 'services' ? owners.of('service', name) : owners.of('network', name);
        objects.push({ id: `${kind} ${name}`, ...(customer && { customer }), value: definition });
      }
    } else rest[key] = value;
  }
  if (Object.keys(rest).length > 0) objects.push({ id: `${file} (top level)`, value: rest });
  return objects;
}

/**
 * A Swarm stack file: services, networks and secrets by name, the rest as the file's top level. A customer's
 * stack (`x-mcpfleet.customer`) belongs to that customer as a whole, so its changes are filed under it; the
 * agent's stack is fleet-wide.
 */
function swarmObjects(file: string, content: string, owners: Owners) {
  const document = (jsYaml.load(content) ?? {}) as Record<string, unknown>;
  const marker = isPlainObject(document['x-mcpfleet']) ? document['x-mcpfleet'] : {};
  const customer = owners.of('customer', marker.customer);
  const owned = customer ? { customer } : {};
  const objects: Array<Omit<OutputObject, 'output' | 'file'>> = [];
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document)) {
    if ((key === 'services' || key === 'networks' || key === 'secrets' || key === 'configs') && isPlainObject(value)) {
      for (const [name, definition] of Object.entries(value)) {
        // The agent's stack joins every customer's network: each of those belongs to its customer.
        const owner = customer ?? (key === 'networks' ? owners.of('network', name) : undefined);
        objects.push({ id: `${key.slice(0, -1)} ${name}`, ...(owner && { customer: owner }), value: definition });
      }
    } else rest[key] = value;
  }
  objects.push({ id: `${file} (top level)`, ...owned, value: rest });
  return objects;
}

/** Kubernetes objects keyed `Kind/namespace/name` (`Kind/name` when cluster-scoped), like helm-diff. */
function kubernetesObjects(file: string, documents: unknown[], owners: Owners) {
  return documents.filter(isPlainObject).map((doc, index) => {
    const metadata = isPlainObject(doc.metadata) ? doc.metadata : {};
    const kind = typeof doc.kind === 'string' ? doc.kind : 'Document';
    const id =
      typeof metadata.name === 'string'
        ? [kind, ...(typeof metadata.namespace === 'string' ? [metadata.namespace] : []), metadata.name].join('/')
        : `${kind} (${file}${documents.length > 1 ? ` #${index + 1}` : ''})`;
    const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : kind === 'Namespace' ? metadata.name : undefined;
    const customer = owners.of('namespace', namespace);
    return { id, ...(customer && { customer }), value: doc };
  });
}

/** `NAME=value` lines of an env file, each with the comment lines right above it. */
function envObjects(_file: string, content: string, owners: Owners) {
  const objects: Array<Omit<OutputObject, 'output' | 'file'>> = [];
  let comment: string[] = [];
  for (const line of content.split('\n')) {
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (assignment) {
      const [, variable, value] = assignment as unknown as [string, string, string];
      const customer = owners.of('variable', variable);
      objects.push({ id: variable, ...(customer && { customer }), value: { value, comment: comment.join('\n') } });
      comment = [];
    } else if (line.startsWith('#') && !line.startsWith('# ──')) comment.push(line.replace(/^#\s?/, ''));
    else comment = [];
  }
  return objects;
}

/** mcp_servers.json: a customer's own fields, and each server as `customer/type` (`customer/type/name` when named). */
function runtimeObjects(file: string, content: string, owners: Owners) {
  const document = JSON.parse(content) as Record<string, unknown>;
  const objects: Array<Omit<OutputObject, 'output' | 'file'>> = [];
  const { customers, ...rest } = document;
  for (const entry of Array.isArray(customers) ? customers.filter(isPlainObject) : []) {
    const { mcp_servers: servers, ...fields } = entry;
    const customer = owners.of('customer', entry.id) ?? (typeof entry.id === 'string' ? entry.id : undefined);
    objects.push({ id: `customer ${String(entry.id)}`, ...(customer && { customer }), value: fields });
    for (const server of Array.isArray(servers) ? servers.filter(isPlainObject) : []) {
      const suffix = server.name === undefined || server.name === server.type ? '' : `/${String(server.name)}`;
      objects.push({ id: `${String(entry.id)}/${String(server.type)}${suffix}`, ...(customer && { customer }), value: server });
    }
  }
  objects.push({ id: `${file} (top level)`, value: rest });
  return objects;
}

function portsObjects(_file: string, content: string, owners: Owners) {
  const document = JSON.parse(content) as { ports?: Record<string, unknown> };
  return Object.entries(document.ports ?? {}).map(([key, port]) => {
    const customer = owners.of('key', key) ?? key.split('/')[0];
    return { id: key, ...(customer && { customer }), value: { port } };
  });
}

/**
 * Any other output: Kubernetes-style YAML (every document has apiVersion and kind) is keyed like Kubernetes;
 * JSON and other YAML are one object per file; anything else is the file's text.
 */
function genericObjects(file: string, content: string, owners: Owners) {
  if (/\.ya?ml$/.test(file)) {
    const documents = YAML.parseAllDocuments(content).map((d) => d.toJS() as unknown).filter((d) => d !== null && d !== undefined);
    if (documents.length > 0 && documents.every((d) => isPlainObject(d) && 'apiVersion' in d && 'kind' in d)) return kubernetesObjects(file, documents, owners);
    return [{ id: file, value: documents.length === 1 ? documents[0] : documents }];
  }
  if (file.endsWith('.json')) return [{ id: file, value: JSON.parse(content) as unknown }];
  return [{ id: file, value: { content } }];
}
