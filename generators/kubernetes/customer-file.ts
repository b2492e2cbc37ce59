/** One customer's out/k8s file: a header saying what it holds and how credentials arrive, then its manifests. */
import type { Fleet, FleetCustomer } from '../../fleet/model.ts';
import type { GeneratedFile } from '../generator.ts';
import { customerManifests } from './customer-chart.ts';
import { CREDENTIALS_SECRET, customerFile } from './names.ts';
import { renderManifests } from './render.ts';
import { credentialVariables } from './secrets.ts';

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

/** The file of one customer, its path relative to out/k8s. */
export function customerManifestFile(customer: FleetCustomer, fleet: Fleet): GeneratedFile {
  return { path: customerFile(customer), content: renderManifests(customerAbout(customer, fleet), customerManifests(customer, fleet.config)) };
}
