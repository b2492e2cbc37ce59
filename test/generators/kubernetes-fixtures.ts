/**
 * Shared by the Kubernetes generator tests: test fleets, the generated tree as objects, the offline validation
 * `pnpm validate --k8s` runs (verify/kubernetes-offline.ts), and writing the tree to a temporary folder.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildFleet } from '../../fleet/build-fleet.ts';
import type { Fleet } from '../../fleet/model.ts';
import type { GeneratedFile } from '../../generators/generator.ts';
import { kubernetesGenerator } from '../../generators/kubernetes/index.ts';
import type { CustomerInput } from '../../schema/customer.ts';
import { parseManifest, type K8sObject } from '../../verify/kubernetes-offline.ts';

export { isCoreApi, unknownFields, validateWithModels, type K8sObject } from '../../verify/kubernetes-offline.ts';

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

export const parseDocs = parseManifest;

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

export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
