/**
 * Credentials in Kubernetes: each customer namespace has one Secret, `mcp-credentials`, whose keys are the
 * credential variable names of the env template; containers read them through secretKeyRef. The Secret is
 * never generated with data: scripts/k8s-secrets.mjs creates it from the filled credentials env file, or,
 * when the fleet config names an External Secrets store, an ExternalSecret here makes the operator create it.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { FleetCustomer, FleetServer } from '../../fleet/model.ts';
import type { FleetConfig } from '../../schema/fleet-config.ts';
import { CREDENTIALS_SECRET, customerLabels } from './names.ts';
import { kplus } from './plus.ts';

export const EXTERNAL_SECRETS_API_VERSION = 'external-secrets.io/v1beta1';
/** How often the External Secrets operator re-reads the store, so rotated credentials arrive without a deploy. */
export const EXTERNAL_SECRET_REFRESH = '1h';

/** The customer's credential variables (the Secret's keys), each once, in server order. */
export function credentialVariables(customer: FleetCustomer): string[] {
  return [...new Set(customer.servers.flatMap((server) => server.credentials.map((c) => c.variable)))];
}

/** An environment variable read from key `key` of Secret `secret`. */
export function secretEnv(name: string, secret: string, key: string, options: { optional?: boolean } = {}): kplus.k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret, key, ...(options.optional && { optional: true }) } } };
}

/** Container environment: literals as values, credentials as references to the customer's Secret. */
export function containerEnv(server: FleetServer): kplus.k8s.EnvVar[] {
  return server.env.map((entry) => ('credential' in entry ? secretEnv(entry.name, CREDENTIALS_SECRET, entry.credential.variable) : { name: entry.name, value: entry.value }));
}

/** The ExternalSecret that fills the customer's Secret from the configured store; none when not configured or not needed. */
export function addExternalSecret(scope: Construct, customer: FleetCustomer, config: FleetConfig): ApiObject | undefined {
  const store = config.kubernetes?.externalSecrets;
  const variables = credentialVariables(customer);
  if (!store || variables.length === 0) return undefined;
  return new ApiObject(scope, 'external-secret', {
    apiVersion: EXTERNAL_SECRETS_API_VERSION,
    kind: 'ExternalSecret',
    metadata: { name: CREDENTIALS_SECRET, namespace: customer.namespace, labels: customerLabels(customer) },
    spec: {
      refreshInterval: EXTERNAL_SECRET_REFRESH,
      secretStoreRef: { name: store.storeName, kind: store.storeKind },
      target: { name: CREDENTIALS_SECRET, creationPolicy: 'Owner' },
      data: variables.map((variable) => ({ secretKey: variable, remoteRef: { key: `${store.remoteKeyPrefix ?? ''}${variable}` } })),
    },
  });
}
