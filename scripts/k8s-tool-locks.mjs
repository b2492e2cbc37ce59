#!/usr/bin/env node
/**
 * Creates or updates the ConfigMap of tool locks the agent's Deployment mounts when a customer serves only locked
 * tools (gateway.lockedToolsOnly; docs/tool-locks.md), from tool-locks/<id>.json beside out/:
 *
 *   node scripts/k8s-tool-locks.mjs [--k8s-dir out/k8s] [--locks DIR] [--dry-run] [--restart]
 *
 * The ConfigMap's name and namespace and the customers that need a lock are read from the generated agent manifest
 * (out/k8s/agent.yaml: the Deployment's optional ConfigMap volume, and locked_tools_only in the mcp_servers.json it
 * carries), never derived here. A lock that is missing is an error naming the customer and what to run. The manifest
 * goes to `kubectl apply -f -` (create or update); --dry-run prints it instead; --restart rolls the agent's Deployment
 * afterwards, since the agent reads the locks when it starts. kubectl uses its current context (KUBECONFIG).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import YAML from 'yaml';
import { scriptOptions } from './lib/script-options.mjs';

const { argv, fail } = scriptOptions('k8s-tool-locks', {
  string: ['k8s-dir', 'locks'],
  boolean: ['dry-run', 'restart', 'help'],
  default: { 'k8s-dir': 'out/k8s' },
});

if (argv.help) {
  console.log('usage: node scripts/k8s-tool-locks.mjs [--k8s-dir DIR] [--locks DIR] [--dry-run] [--restart]');
  process.exit(0);
}

const agentFile = path.resolve(argv['k8s-dir'], 'agent.yaml');
if (!existsSync(agentFile)) fail(`${agentFile} not found: run pnpm generate first, or give --k8s-dir`);
const documents = YAML.parseAllDocuments(readFileSync(agentFile, 'utf8')).map((d) => d.toJS());
const deployment = documents.find((d) => d?.kind === 'Deployment');
const volume = deployment?.spec?.template?.spec?.volumes?.find((v) => v.name === 'tool-locks');
if (!volume) {
  console.log('No customer serves only locked tools (gateway.lockedToolsOnly): the agent mounts no tool locks; nothing to do.');
  process.exit(0);
}
const namespace = deployment.metadata.namespace;
const servers = documents.find((d) => d?.kind === 'ConfigMap' && d.data?.['mcp_servers.json']);
const customers = JSON.parse(servers.data['mcp_servers.json']).customers.filter((c) => c.gateway?.locked_tools_only).map((c) => c.id);

const locksDir = path.resolve(argv.locks ?? path.join(path.dirname(path.resolve(argv['k8s-dir'])), '..', 'tool-locks'));
const missing = customers.filter((id) => !existsSync(path.join(locksDir, `${id}.json`)));
if (missing.length > 0) {
  fail(`no tool lock for ${missing.join(', ')} in ${locksDir}: run pnpm manage tools lock --customer ${missing[0]} (its servers must be running), or give --locks`);
}

const manifest = YAML.stringify({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: volume.configMap.name, namespace, labels: { 'app.kubernetes.io/managed-by': 'mcpfleet', 'app.kubernetes.io/component': 'agent' } },
  data: Object.fromEntries(customers.map((id) => [`${id}.json`, readFileSync(path.join(locksDir, `${id}.json`), 'utf8')])),
});

if (argv['dry-run']) {
  process.stdout.write(manifest);
  process.exit(0);
}
$.verbose = false;
try {
  await $({ input: manifest })`kubectl apply -f -`;
  console.log(`ConfigMap ${namespace}/${volume.configMap.name}: the tool locks of ${customers.join(', ')}`);
  if (argv.restart) {
    await $`kubectl rollout restart deployment/${deployment.metadata.name} -n ${namespace}`;
    console.log(`Deployment ${namespace}/${deployment.metadata.name} restarted: its pods read the locks when they start`);
  }
} catch (error) {
  fail(`kubectl failed: ${(error.stderr || error.message).trim().split('\n').pop()}`);
}
