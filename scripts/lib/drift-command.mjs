// `pnpm manage drift`: the running fleet against out/ (docs/drift.md). Compose: the project's containers against
// out/docker-compose.mcps.yml; Swarm: the stacks' services against out/swarm/*.yml; both with the local images'
// override as manage applies it when `manage build --local` has run. Kubernetes: `kubectl diff -k out/k8s`.
// Exit 0 in sync, 2 drift, 1 error. Also the orphan notes of `manage status`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import YAML from 'yaml';
import { assertEngineReachable } from './docker.mjs';
import { compareCompose, composeOrphans, desiredCompose, liveCompose } from './drift-compose.mjs';
import { buildReport, formatJson, formatText } from './drift-report.mjs';
import { compareSwarm, desiredSwarm, liveSwarm } from './drift-swarm.mjs';
import { composeOverrideFile, localDirFor, localImageTags, MANIFEST, overrideServices } from './local-images.mjs';
import { assertSwarmManager } from './swarm-docker.mjs';

/** Where another module of this folder may provide the tool drift (live tools against the committed lock). */
const TOOL_LOCKS = fileURLToPath(new URL('./tool-locks.mjs', import.meta.url));

const shown = (file) => {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
};

/**
 * The local images' state, when manage uses them (build --local has run and --no-local is not given): the folder and
 * a function telling whether an image exists on the engine.
 */
function localState(outDir, opts) {
  const dir = opts.localDir ?? localDirFor(outDir);
  if (opts.local === false || !existsSync(path.join(dir, MANIFEST))) return undefined;
  const tags = localImageTags();
  return { dir, present: (image) => tags.has(image) || tags.has(`${image}:latest`) };
}

/**
 * @param {object} opts  manage.mjs options: target, customers, types, json, agent, file, swarmDir, project, local,
 *                       localDir, tools (false: --no-tools)
 * @returns {Promise<number>} exit code
 */
export async function driftMain(opts) {
  if (!['compose', 'swarm', 'k8s'].includes(opts.target)) throw new Error(`unknown --target ${opts.target} for drift; use compose, swarm or k8s`);
  if (opts.target === 'k8s') return kubectlDrift(path.dirname(opts.file), opts);
  const started = Date.now();
  const outDir = path.dirname(opts.target === 'swarm' ? opts.swarmDir : opts.file);
  const local = localState(outDir, opts);
  const localNote = local ? `with the local images of ${shown(local.dir)}, as manage up applies them` : null;
  let compared;
  if (opts.target === 'swarm') compared = await swarmDrift(opts, local);
  else compared = await composeDrift(opts, local);
  const { result, scope, files, toolScope, configuredCustomers } = compared;
  const unknown = opts.customers.filter((c) => !configuredCustomers.has(c) && !result.orphans.some((o) => o.customer === c));
  if (unknown.length > 0) throw new Error(`unknown customer ${unknown.join(', ')}: neither in out/ nor running; known: ${[...configuredCustomers].join(', ')}`);
  const tools = opts.tools === false ? { checked: false, note: 'Tool drift not checked (--no-tools).', changes: [] } : await toolDrift({ root: path.dirname(outDir), ...toolScope, locksDir: opts.toolLocks, runtimeConfigFile: path.join(outDir, 'mcp_servers.json') });
  const report = buildReport({ target: opts.target, scope, desired: { files: files.map(shown), local: localNote }, result, tools, seconds: (Date.now() - started) / 1000 });
  console.log(opts.json ? formatJson(report) : formatText(report));
  return report.exitCode;
}

async function composeDrift(opts, local) {
  const document = readYaml(opts.file);
  const override = local ? overrideServices(document, local.present).services : {};
  const desired = desiredCompose(document, { project: opts.project, override });
  await assertEngineReachable();
  const live = await liveCompose(opts.project, [...desired.values()].map((d) => d.image));
  const result = compareCompose(desired, live, { customers: opts.customers, types: opts.types, agent: opts.agent });
  const running = new Set(live.containers.map((c) => c.Config?.Labels?.['com.docker.compose.service']));
  const toolScope = toolServers([...desired.values()], opts, (d) => running.has(d.service));
  return {
    result,
    scope: `compose project ${opts.project}`,
    files: [opts.file, ...(local ? [composeOverrideFile(local.dir, opts.file)] : [])],
    toolScope,
    configuredCustomers: new Set([...desired.values()].map((d) => d.customer).filter(Boolean)),
  };
}

async function swarmDrift(opts, local) {
  const desired = await desiredSwarm(opts.swarmDir, { overrideFor: (document) => (local ? overrideServices(document, local.present).services : {}) });
  await assertSwarmManager();
  const live = await liveSwarm();
  const result = compareSwarm(desired, live, { customers: opts.customers, types: opts.types, agent: opts.agent });
  const running = new Set(live.services.map((s) => s.Spec?.Name));
  const toolScope = toolServers([...desired.services.values()], opts, (d) => running.has(d.swarmName));
  return {
    result,
    scope: "the swarm's stacks",
    files: [opts.swarmDir + path.sep, ...(local ? [path.join(local.dir, 'swarm') + path.sep] : [])],
    toolScope,
    configuredCustomers: new Set(desired.stacks.filter((s) => s.role === 'customer').map((s) => s.customer)),
  };
}

/**
 * What the tool drift looks at: the selected customers (--customer, or those with a server of --type) and every
 * running server of theirs — a locked server that is not running counts as removed.
 */
function toolServers(desired, opts, isRunning) {
  const mcp = desired.filter((d) => d.role === 'mcp');
  const customers = new Set(mcp.filter((d) => (opts.customers.length === 0 || opts.customers.includes(d.customer)) && (opts.types.length === 0 || opts.types.includes(d.type))).map((d) => d.customer));
  const servers = mcp
    .filter((d) => customers.has(d.customer) && isRunning(d))
    .map((d) => ({ customer: d.customer, server: d.labels['mcpfleet.server'] ?? d.service, service: d.service, type: d.type, role: 'mcp', hostPort: hostPortOf(d.ports), healthPath: d.labels['mcpfleet.mcp-path'] ?? '/mcp' }));
  return { customers: [...customers], servers };
}

/** The host port of `ip:port->target/proto` or `mode:port->target/proto`, for probing through 127.0.0.1. */
const hostPortOf = (ports) => {
  const port = ports.map((p) => /:(\d+)->/.exec(p)?.[1]).find(Boolean);
  return port ? Number(port) : undefined;
};

function readYaml(file) {
  try {
    return YAML.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${file}: ${error.code === 'ENOENT' ? 'it does not exist; run pnpm generate first' : error.message}`);
  }
}

/**
 * The tool drift hook: scripts/lib/tool-locks.mjs (`pnpm manage tools lock`), when it is there, exports
 * `toolDrift({ root, customers, servers })` → [{ customer, server, change: 'added'|'removed'|'changed', tool, detail }]
 * (live tools against the committed lock). Without it, the report says tool drift was not checked.
 */
export async function toolDrift({ root, customers, servers, locksDir, runtimeConfigFile }) {
  if (!existsSync(TOOL_LOCKS)) return { checked: false, note: 'Tool drift not checked: scripts/lib/tool-locks.mjs (manage tools lock) is not there.', changes: [] };
  const module = await import(pathToFileURL(TOOL_LOCKS).href);
  if (typeof module.toolDrift !== 'function') return { checked: false, note: 'Tool drift not checked: scripts/lib/tool-locks.mjs exports no toolDrift.', changes: [] };
  // A fleet that locks no tools (no tool-locks/ folder) is not drifting from locks it never wrote.
  const dir = locksDir ?? path.join(root, module.LOCKS_DIR ?? 'tool-locks');
  if (!existsSync(dir)) return { checked: false, note: `Tool drift not checked: no ${shown(dir)}/ (pnpm manage tools lock writes it).`, changes: [] };
  if (customers.length === 0) return { checked: true, changes: [] };
  const changes = await module.toolDrift({ root, customers, servers, locksDir: dir, ...(runtimeConfigFile && { runtimeConfigFile }) });
  return { checked: true, changes: Array.isArray(changes) ? changes : [] };
}

/**
 * `manage drift --target k8s`: `kubectl diff --server-side -k out/k8s` against the cluster of kubectl's current
 * context; its exit codes mapped to drift's (0 none → 0, 1 differences → 2, more → 1). kubectl prints Secret data
 * masked. Not exercised against a cluster here (none is available); docs/drift.md says so.
 */
export function kubectlDrift(outDir, opts = {}) {
  const dir = path.join(outDir, 'k8s');
  if (!existsSync(path.join(dir, 'kustomization.yaml'))) throw new Error(`${shown(dir)}/kustomization.yaml does not exist; run pnpm generate first`);
  const context = spawnSync('kubectl', ['config', 'current-context'], { encoding: 'utf8', timeout: 30_000 });
  if (context.error?.code === 'ENOENT') throw new Error('kubectl is not installed: drift --target k8s runs `kubectl diff -k out/k8s` against a cluster');
  if (context.status !== 0) {
    throw new Error(`no Kubernetes cluster is configured for kubectl (${(context.stderr || '').trim().split('\n').pop() || 'kubectl config current-context failed'}): set KUBECONFIG or a current context, then run drift --target k8s again`);
  }
  const started = Date.now();
  const diff = spawnSync('kubectl', ['diff', '--server-side', '-k', dir], { encoding: 'utf8', timeout: 600_000, maxBuffer: 256 * 1024 * 1024 });
  const code = diff.status === 0 ? 0 : diff.status === 1 ? 2 : 1;
  if (opts.json) console.log(JSON.stringify({ target: 'k8s', context: context.stdout.trim(), inSync: code === 0, exitCode: code, diff: diff.stdout, error: code === 1 ? diff.stderr.trim() : null, seconds: (Date.now() - started) / 1000 }, null, 2));
  else {
    process.stdout.write(diff.stdout);
    if (code === 1) console.error(`kubectl diff failed (exit ${diff.status ?? diff.signal}): ${diff.stderr.trim().split('\n').pop() ?? ''}`);
    else console.log(code === 0 ? `In sync: out/k8s matches the cluster of context ${context.stdout.trim()}.` : `Drift: out/k8s differs from the cluster of context ${context.stdout.trim()} (the diff above).`);
  }
  return code;
}

/**
 * Orphans for `manage status`: containers (compose) or Swarm services of customers that are no longer in out/, as
 * note lines — `orphan (customer no longer configured)`. Never throws: the note is a courtesy of status.
 * @returns {Promise<string[]>}
 */
export async function statusOrphanLines(opts) {
  try {
    let orphans;
    if (opts.target === 'swarm') {
      const desired = await desiredSwarm(opts.swarmDir);
      orphans = compareSwarm(desired, await liveSwarm(), { agent: true }).orphans.map((o) => ({ ...o, what: `service ${o.swarmService} of stack ${o.stack}`, hint: o.reason === 'server no longer configured' ? `pnpm manage --target swarm up --customer ${o.customer}` : `docker stack rm ${o.stack}` }));
    } else {
      const desired = desiredCompose(readYaml(opts.file), { project: opts.project });
      orphans = (await composeOrphans(opts.project, [...desired.values()])).map((o) => ({ ...o, what: `container ${o.container} (${o.state})`, hint: 'pnpm manage up removes it' }));
    }
    return orphans.map((o) => `${o.customer ? `customer ${o.customer}` : 'no customer'}, service ${o.service}: orphan (${o.reason}): ${o.what}; ${o.hint}`);
  } catch {
    return [];
  }
}
