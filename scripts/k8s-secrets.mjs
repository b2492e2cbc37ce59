#!/usr/bin/env node
/**
 * Creates or updates the Secret `mcp-credentials` in every customer namespace of the generated Kubernetes output,
 * from the filled credentials env file (the one compose reads; template out/env/mcp_credentials.env.example).
 *
 *   node scripts/k8s-secrets.mjs [--env-file mcp_credentials.env] [--k8s-dir out/k8s] [--customer ID]… [--dry-run] [--restart]
 *
 * Which variables a customer needs is read from the generated files (the secretKeyRef keys of the Deployments in
 * out/k8s/customers/<id>.yaml), never derived here. Per customer it writes only that customer's variables to a
 * private temporary env file and runs
 *
 *   kubectl create secret generic mcp-credentials -n <namespace> --from-env-file=<tmp> --dry-run=client -o yaml | kubectl apply -f -
 *
 * (create-or-update, so rotating a credential is the same command), then deletes the file. --dry-run prints the
 * commands and the variable names instead of running them. --restart rolls the customer's Deployments afterwards
 * so running pods pick up changed values. Values are never printed. kubectl uses its current context (KUBECONFIG).
 *
 * It also makes sure the agent runtime's session Secret exists (the one its Deployment reads AGENT_SESSION_SECRET
 * from, `mcp-agent-session` in namespace mcp-agent, both read from out/k8s/agent.yaml): when it is missing it is
 * created with a random key (48 random bytes, base64), which every agent replica then shares; an existing one is
 * kept, so running sessions stay valid. The key goes to kubectl through a private temporary file, never to the
 * output. To rotate it, see the README (Kubernetes, The agent part).
 *
 * When the output holds ExternalSecret objects (fleet config kubernetes.externalSecrets), the External Secrets
 * operator owns the Secrets and this script refuses to run.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import YAML from 'yaml';
import { parseEnvFile } from './lib/env-file.mjs';
import { scriptOptions } from './lib/script-options.mjs';

const SECRET_NAME = 'mcp-credentials';
const KUSTOMIZATION = 'kustomization.yaml';
/** The agent runtime's variable whose Secret this script creates when missing. */
const SESSION_KEY = 'AGENT_SESSION_SECRET';
/** Random bytes of a new session key (64 characters of base64; the runtime wants at least 32). */
const SESSION_KEY_BYTES = 48;

const { argv, fail } = scriptOptions('k8s-secrets', {
  string: ['env-file', 'k8s-dir', 'customer'],
  boolean: ['dry-run', 'restart', 'help'],
  default: { 'env-file': 'mcp_credentials.env', 'k8s-dir': 'out/k8s' },
});

/** A failure while temporary files exist: thrown, so they are removed before the script exits. */
class StepError extends Error {}

if (argv.help) {
  console.log('usage: node scripts/k8s-secrets.mjs [--env-file FILE] [--k8s-dir DIR] [--customer ID]... [--dry-run] [--restart]');
  process.exit(0);
}

/** Customer namespaces and the Secret keys their Deployments reference, read from the generated files. */
async function readCustomers(k8sDir) {
  const kustomizationFile = path.join(k8sDir, KUSTOMIZATION);
  const kustomization = YAML.parse(await readFile(kustomizationFile, 'utf8').catch(() => fail(`${kustomizationFile} not found; run pnpm generate first`)));
  const customers = [];
  let externalSecrets = 0;
  let session;
  for (const resource of kustomization.resources ?? []) {
    const docs = YAML.parseAllDocuments(await readFile(path.join(k8sDir, resource), 'utf8')).map((d) => d.toJS()).filter(Boolean);
    const namespace = docs.find((d) => d.kind === 'Namespace');
    const id = namespace?.metadata?.labels?.['mcpfleet.io/customer'];
    externalSecrets += docs.filter((d) => d.kind === 'ExternalSecret').length;
    if (!id) {
      // The agent part: the Secret its Deployment reads the session key from.
      for (const doc of docs.filter((d) => d.kind === 'Deployment')) {
        for (const container of doc.spec?.template?.spec?.containers ?? []) {
          const ref = (container.env ?? []).find((e) => e.name === SESSION_KEY)?.valueFrom?.secretKeyRef;
          if (ref) session = { namespace: doc.metadata.namespace, name: ref.name, key: ref.key };
        }
      }
      continue;
    }
    externalSecrets += docs.filter((d) => d.kind === 'ExternalSecret').length;
    const variables = new Set();
    for (const doc of docs.filter((d) => d.kind === 'Deployment')) {
      for (const container of doc.spec?.template?.spec?.containers ?? []) {
        for (const env of container.env ?? []) {
          const ref = env.valueFrom?.secretKeyRef;
          if (ref?.name === SECRET_NAME) variables.add(ref.key);
        }
      }
    }
    customers.push({ id, namespace: namespace.metadata.name, variables: [...variables] });
  }
  return { customers, externalSecrets, session };
}

const k8sDir = path.resolve(argv['k8s-dir']);
const envFile = path.resolve(argv['env-file']);
const { customers: all, externalSecrets, session } = await readCustomers(k8sDir);
if (externalSecrets > 0) {
  fail(`${k8sDir} uses External Secrets (${externalSecrets} ExternalSecret objects): the operator creates ${SECRET_NAME} from the store; put the values there instead`);
}
const wanted = [argv.customer ?? []].flat();
const unknown = wanted.filter((id) => !all.some((c) => c.id === id));
if (unknown.length > 0) fail(`unknown customer ${unknown.join(', ')}; known: ${all.map((c) => c.id).join(', ')}`);
const customers = all.filter((c) => c.variables.length > 0 && (wanted.length === 0 || wanted.includes(c.id)));
if (customers.length === 0) console.log('No customer needs credentials.');

let values = new Map();
if (customers.length > 0) {
  const envText = await readFile(envFile, 'utf8').catch(() => fail(`${envFile} not found; copy out/env/mcp_credentials.env.example and fill it in`));
  try {
    values = parseEnvFile(envText, envFile);
  } catch (error) {
    fail(error.message);
  }
}
const missing = customers.flatMap((c) => c.variables.filter((v) => !values.get(v)).map((v) => `${v} (${c.id})`));
if (missing.length > 0) fail(`${envFile} has no value for ${missing.join(', ')}`);
const multiLine = customers.flatMap((c) => c.variables.filter((v) => /[\r\n]/.test(values.get(v))));
if (multiLine.length > 0) fail(`values of ${multiLine.join(', ')} span lines, which an env file for kubectl cannot hold`);

$.verbose = false;
$.quiet = true;

const tempDir = argv['dry-run'] ? undefined : await mkdtemp(path.join(os.tmpdir(), 'mcp-credentials-'));
const removeTemp = () => tempDir && rmSync(tempDir, { recursive: true, force: true });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    removeTemp();
    process.exit(130);
  });
}
try {
  for (const customer of customers) {
    const names = customer.variables.join(', ');
    if (!tempDir) {
      console.log(`# ${customer.id}: ${names}`);
      console.log(`kubectl create secret generic ${SECRET_NAME} -n ${customer.namespace} --from-env-file=<temporary file with ${names}> --dry-run=client -o yaml | kubectl apply -f -`);
      if (argv.restart) console.log(`kubectl rollout restart deployment -n ${customer.namespace} -l mcpfleet.io/customer=${customer.id}`);
      continue;
    }
    const file = path.join(tempDir, `${customer.id}.env`);
    await writeFile(file, customer.variables.map((v) => `${v}=${values.get(v)}\n`).join(''), { mode: 0o600 });
    let manifest;
    try {
      // The Secret manifest (values base64-encoded) stays in memory and goes to kubectl apply on stdin.
      manifest = await $`kubectl create secret generic ${SECRET_NAME} -n ${customer.namespace} --from-env-file=${file} --dry-run=client -o yaml`.nothrow();
    } finally {
      await rm(file, { force: true });
    }
    if (manifest.exitCode !== 0) throw new StepError(`kubectl create secret failed for ${customer.namespace} (exit ${manifest.exitCode}): ${manifest.stderr.trim()}`);
    const applied = await $({ input: manifest.stdout })`kubectl apply -f -`.nothrow();
    if (applied.exitCode !== 0) throw new StepError(`kubectl apply failed for ${customer.namespace} (exit ${applied.exitCode}): ${applied.stderr.trim()}`);
    console.log(`${customer.namespace}: ${applied.stdout.trim()} (${names})`);
    if (argv.restart) {
      const restart = await $`kubectl rollout restart deployment -n ${customer.namespace} -l ${`mcpfleet.io/customer=${customer.id}`}`.nothrow();
      if (restart.exitCode !== 0) throw new StepError(`kubectl rollout restart failed in ${customer.namespace}: ${restart.stderr.trim()}`);
      console.log(restart.stdout.trim());
    }
  }
  if (session) await ensureSessionSecret(session);
} catch (error) {
  if (!(error instanceof StepError)) throw error;
  console.error(`k8s-secrets: ${error.message}`);
  process.exitCode = 1;
} finally {
  removeTemp();
}

/**
 * Creates the agent's session Secret with a random key when it does not exist; keeps an existing one (replacing it
 * would end every session the replicas sealed with it). `kubectl create`, not apply: it never overwrites.
 */
async function ensureSessionSecret({ namespace, name, key }) {
  if (!tempDir) {
    console.log(`# ${namespace}: ${name} (${key}), only when it does not exist yet`);
    console.log(`kubectl create secret generic ${name} -n ${namespace} --from-env-file=<temporary file with a random ${key}>`);
    return;
  }
  const existing = await $`kubectl get secret ${name} -n ${namespace} -o name`.nothrow();
  if (existing.exitCode === 0) {
    console.log(`${namespace}: secret/${name} exists, kept (${key})`);
    return;
  }
  if (!/NotFound|not found/.test(existing.stderr)) throw new StepError(`kubectl get secret ${name} failed in ${namespace} (exit ${existing.exitCode}): ${existing.stderr.trim()}`);
  const file = path.join(tempDir, `${name}.env`);
  await writeFile(file, `${key}=${randomBytes(SESSION_KEY_BYTES).toString('base64')}\n`, { mode: 0o600 });
  let created;
  try {
    created = await $`kubectl create secret generic ${name} -n ${namespace} --from-env-file=${file}`.nothrow();
  } finally {
    await rm(file, { force: true });
  }
  if (created.exitCode !== 0) throw new StepError(`kubectl create secret ${name} failed in ${namespace} (exit ${created.exitCode}): ${created.stderr.trim()}`);
  console.log(`${namespace}: secret/${name} created with a random ${key}`);
}
