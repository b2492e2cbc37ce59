/**
 * What a change does to the fleet: customers added, removed and changed (with the fields that changed), the
 * fleet config's changed fields, every output's objects added, removed and changed, and the files of out/ that
 * differ. Computed from two generated fleets (base and working tree), both made by the same code.
 */
import { compare } from '../fleet/compare.ts';
import type { FleetCustomer, FleetServer } from '../fleet/model.ts';
import { deepEqual, diffFields, type FieldChange } from './field-diff.ts';
import { MANIFEST_OUTPUT, sameContent, type GeneratedFleet } from './generate-in-memory.ts';
import { withoutCommonEntries } from './common-entries.ts';
import { Owners, outputObjects, type OutputObject } from './output-objects.ts';
import type { CustomerToolChanges } from './tool-lock-diff.ts';

export type { FieldChange } from './field-diff.ts';

export type ChangeKind = 'added' | 'removed' | 'changed';

/** A customer that is new, gone, or derives differently. */
export interface CustomerChange {
  id: string;
  /** Display name (the new one when it changed). */
  name: string;
  change: ChangeKind;
  /** Its servers as `name (type)`, on the side that has them (after, or before when removed). */
  servers: string[];
  /** For `changed`: fields of the customer's view (name, host, servers[…].config.…, image, port, credentials). */
  fields: FieldChange[];
  /** For `added` and `removed`: what a reviewer approves or retires, server by server. */
  details?: CustomerDetails;
}

/** An added or removed customer as a reviewer checks it: where each server points, its port, its variables. */
export interface CustomerDetails {
  host: string;
  servers: ServerDetails[];
  /** Variable holding the bearer token of the customer's gateway endpoint, when it has one. */
  gatewayTokenVariable?: string;
}

/** One server of an added or removed customer. */
export interface ServerDetails {
  /** `name (type)`, or the type when the server has no name of its own. */
  server: string;
  /** Its runtime settings without the credential variable names: upstream URLs, region, tenant, … */
  settings: Record<string, string>;
  /** Port on 127.0.0.1 of the Docker host. */
  hostPort: number;
  /** Names of the variables holding its credentials (never their values). */
  credentialVariables: string[];
}

/** An object of an output that is new, gone or different. */
export interface ObjectChange {
  output: string;
  file: string;
  id: string;
  customer?: string;
  change: ChangeKind;
  /** For `changed`: the fields that differ. */
  fields: FieldChange[];
}

/** A file under out/ that differs; content null on the side where it does not exist. */
export interface FileChange {
  path: string;
  output: string;
  change: ChangeKind;
  before: string | null;
  after: string | null;
}

/** The whole comparison. */
export interface FleetDiff {
  customers: CustomerChange[];
  /** Changed fields of the validated fleet config (ports, registry, overrides, …). */
  config: FieldChange[];
  objects: ObjectChange[];
  files: FileChange[];
  /** Output names in the order generators run, then `manifest`: the order renderers list outputs in. */
  outputOrder: string[];
  /** Customers whose tool lock (tool-locks/<id>.json) differs, with the tools added, removed and changed. */
  tools?: CustomerToolChanges[];
}

/** True when anything differs: the exit code of `diff` is 2 then. */
export function hasChanges(diff: FleetDiff): boolean {
  return diff.customers.length > 0 || diff.config.length > 0 || diff.files.length > 0 || (diff.tools?.length ?? 0) > 0;
}

/** Compares the fleet and outputs generated from the base with those generated from the working tree. */
export function diffFleets(base: GeneratedFleet, head: GeneratedFleet): FleetDiff {
  const outputOrder = [...head.generatorNames, MANIFEST_OUTPUT];
  const rank = (output: string) => (outputOrder.includes(output) ? outputOrder.indexOf(output) : outputOrder.length);

  const files: FileChange[] = [];
  for (const path of [...new Set([...base.files.keys(), ...head.files.keys()])]) {
    const [beforeFile, afterFile] = [base.files.get(path), head.files.get(path)];
    if (sameContent(beforeFile, afterFile)) continue;
    const [before, after] = [beforeFile?.content ?? null, afterFile?.content ?? null];
    const output = head.outputOf.get(path) ?? base.outputOf.get(path) ?? MANIFEST_OUTPUT;
    files.push({ path, output, change: before === null ? 'added' : after === null ? 'removed' : 'changed', before, after });
  }
  files.sort((a, b) => rank(a.output) - rank(b.output) || compare(a.path, b.path));

  const owners = new Owners([base.fleet, head.fleet]);
  const objects = files.flatMap((file) => diffObjects(file, owners));

  return {
    customers: diffCustomers(base.fleet.customers, head.fleet.customers),
    config: diffFields(base.fleet.config, head.fleet.config),
    objects,
    files,
    outputOrder,
  };
}

function diffObjects(file: FileChange, owners: Owners): ObjectChange[] {
  const parse = (content: string | null): OutputObject[] => (content === null ? [] : outputObjects(file.output, file.path, content, owners));
  // Entries the same word for word on both sides are never a change: a big compose file is parsed only where it differs.
  const reduced = file.output === 'compose' && file.before !== null && file.after !== null ? withoutCommonEntries(file.before, file.after) : undefined;
  const before = new Map(parse(reduced?.[0] ?? file.before).map((o) => [o.id, o]));
  const after = parse(reduced?.[1] ?? file.after);
  const changes: ObjectChange[] = [];
  const describe = (o: OutputObject, change: ChangeKind, fields: FieldChange[]): ObjectChange => ({
    output: o.output,
    file: o.file,
    id: o.id,
    ...(o.customer !== undefined && { customer: o.customer }),
    change,
    fields,
  });
  for (const object of after) {
    const previous = before.get(object.id);
    before.delete(object.id);
    if (!previous) changes.push(describe(object, 'added', []));
    else if (!deepEqual(previous.value, object.value)) changes.push(describe(object, 'changed', diffFields(previous.value, object.value)));
  }
  for (const object of before.values()) changes.push(describe(object, 'removed', []));
  // Same values, different text (formatting only): still a change the reader must not miss.
  if (changes.length === 0 && file.before !== null && file.after !== null) {
    changes.push({ output: file.output, file: file.path, id: file.path, change: 'changed', fields: [{ path: '(formatting)' }] });
  }
  return changes;
}

function diffCustomers(before: FleetCustomer[], after: FleetCustomer[]): CustomerChange[] {
  const previous = new Map(before.map((c) => [c.id, c]));
  const changes: CustomerChange[] = [];
  for (const customer of after) {
    const old = previous.get(customer.id);
    previous.delete(customer.id);
    if (!old) changes.push({ id: customer.id, name: customer.name, change: 'added', servers: serverList(customer), fields: [], details: detailsOf(customer) });
    else {
      const fields = diffFields(customerView(old), customerView(customer));
      if (fields.length > 0) changes.push({ id: customer.id, name: customer.name, change: 'changed', servers: serverList(customer), fields });
    }
  }
  for (const customer of previous.values()) {
    changes.push({ id: customer.id, name: customer.name, change: 'removed', servers: serverList(customer), fields: [], details: detailsOf(customer) });
  }
  return changes.sort((a, b) => compare(a.id, b.id));
}

const serverLabel = (server: FleetServer) => (server.name === server.type ? server.type : `${server.name} (${server.type})`);
const serverList = (customer: FleetCustomer) => customer.servers.map(serverLabel);

function detailsOf(customer: FleetCustomer): CustomerDetails {
  return {
    host: customer.host,
    servers: customer.servers.map((server) => {
      const variables = new Set(server.credentials.map((c) => c.variable));
      return {
        server: serverLabel(server),
        settings: Object.fromEntries(Object.entries(server.runtimeConfig).filter(([, value]) => !variables.has(value))),
        hostPort: server.hostPort,
        credentialVariables: [...variables],
      };
    }),
    ...(customer.gatewayToken && { gatewayTokenVariable: customer.gatewayToken.variable }),
  };
}

/**
 * A customer as a reviewer thinks of it: what its file says (name, host, per server the runtime config:
 * upstream URL, region, credential variable names) plus what the fleet gives it (image, host port, resources).
 * Names derived from the id (service, namespace, URLs) are left out: they only change with the id.
 */
function customerView(customer: FleetCustomer) {
  return {
    name: customer.name,
    host: customer.host,
    description: customer.description,
    servers: customer.servers.map((server) => ({
      name: server.name,
      type: server.type,
      ...(server.description !== undefined && { description: server.description }),
      config: server.runtimeConfig,
      image: server.image,
      hostPort: server.hostPort,
      resources: server.resources,
      credentials: server.credentials.map((c) => c.variable),
    })),
  };
}
