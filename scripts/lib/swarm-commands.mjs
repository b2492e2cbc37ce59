// `manage.mjs --target swarm`: the fleet as Docker Swarm stacks, one per customer plus the agent's, from the
// generated out/swarm/. up/down act on whole customers (a stack holds all of a customer's servers); status and
// logs on any selection. Health is the same as on compose: a real MCP initialize + tools/list through the
// published port on 127.0.0.1, next to Swarm's own count of running tasks against the desired count.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Table from 'cli-table3';
import { chalk, sleep } from 'zx';
import YAML from 'yaml';
import { containerHealthOutput } from './docker.mjs';
import { credentialOwner, gatewayTokens, selectServices } from './fleet-files.mjs';
import { standInFor, swarmOverrideFile, writeOverride } from './local-images.mjs';
import { probeHttp, probeMcp } from './mcp-health.mjs';
import {
  assertSwarmManager,
  deployStack,
  existingSecrets,
  existingSwarmNetworks,
  forceUpdate,
  pruneConfigs,
  removeNetworks,
  removeStacks,
  serviceLogs,
  serviceStates,
  stackLeftovers,
} from './swarm-docker.mjs';
import { deployEnvironment } from './swarm-env.mjs';
import { readStacks } from './swarm-files.mjs';

/** A path as the user can type it from here: relative below the working directory, else absolute. */
const shown = (file) => {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
};

/** Update states in which Swarm is still replacing tasks. */
const UPDATING = new Set(['updating', 'rollback_started']);
/** Update states that need an operator (`docker service update --rollback` or a fixed redeploy). */
const STUCK = new Set(['paused', 'rollback_paused']);
/** Stack deploys run in parallel, this many at a time. */
const DEPLOY_CONCURRENCY = 6;

/**
 * @param {object} options   manage.mjs options (command, customers, types, json, wait, timeoutSeconds, swarmDir, envFile, agent, resolveImage, follow, tail)
 * @param {object} helpers   { waitFor, formatUptime } from manage.mjs, so both targets report alike
 */
export async function swarmMain(options, helpers) {
  const stacks = await readStacks(options.swarmDir);
  const services = stacks.flatMap((s) => s.services);
  const selection = selectServices(services, options);
  if (['up', 'down'].includes(options.command) && options.types.length > 0) {
    throw new Error(`--type does not apply to ${options.command} on swarm: a customer's stack holds all of its servers; select with --customer`);
  }
  await assertSwarmManager();
  const selectedCustomers = new Set(selection.servers.map((s) => s.customer));
  const customerStacks = stacks.filter((s) => s.role === 'customer' && selectedCustomers.has(s.customer));
  const agentStack = stacks.find((s) => s.role === 'agent');
  if (options.local) useLocalImages(options, stacks, new Set([...selection.servers, ...(options.agent && agentStack ? agentStack.services : [])].map((s) => s.swarmName)));
  let targets = [...selection.servers, ...(selection.agent && options.agent ? [selection.agent] : [])];
  // A part of the fleet (--customer, --type) is whole without the agent when the agent's stack is not deployed:
  // a customer brought up alone cannot have it (it joins every customer's network).
  if (!selection.everything && selection.agent && options.agent && ['status', 'restart', 'logs'].includes(options.command)) {
    const agentState = await serviceStates([selection.agent.swarmName]);
    if (!agentState.has(selection.agent.swarmName)) {
      targets = targets.filter((s) => s !== selection.agent);
      if (options.command === 'status' && !options.json) console.error(chalk.dim(`The agent (stack ${selection.agent.stack}) is not deployed; shown: the selection without it.`));
    }
  }
  const collect = () => collectStatus(targets);
  // While waiting, a task found healthy is not probed again (at 100 services the probes cost seconds of CPU that
  // the engine needs to start the others); a replaced task is a new key and is probed.
  const healthyTasks = new Map();
  const since = Date.now();
  const wait = (rows = targets) =>
    helpers.waitFor(() => collectStatus(rows, healthyTasks), {
      timeoutSeconds: options.timeoutSeconds,
      ready: (r) => r.healthy && r.settled,
      reason: (r) => (r.healthy ? `update ${r.update ?? 'pending'}` : r.reason),
      failure: (r) => taskFailure(r, since),
    });

  switch (options.command) {
    case 'status':
      return printStatus(await collect(), options, helpers);
    case 'up': {
      const { code, agentDeployed } = await up(options, customerStacks, agentStack);
      if (code !== 0 || !options.wait) return code;
      return wait(targets.filter((s) => s.role !== 'agent' || agentDeployed));
    }
    case 'down':
      return down(options, customerStacks, agentStack, selection.everything);
    case 'restart':
      await forceUpdate(targets.map((s) => s.swarmName));
      console.log(`Replacing the tasks of ${targets.length} service${targets.length === 1 ? '' : 's'}.`);
      return options.wait ? wait() : 0;
    case 'logs':
      await serviceLogs(targets.map((s) => s.swarmName), { follow: options.follow, tail: options.tail });
      return 0;
    default:
      throw new Error(`unknown command ${options.command} for --target swarm (status, up, down, restart, logs)`);
  }
}

/**
 * Points the stacks at the local images (manage build --local): each stack's override, rewritten when its file
 * changed, goes to docker stack deploy after it. Warns about selected services with no local image.
 */
function useLocalImages(options, stacks, selected) {
  const present = (image) => options.local.present.has(image) || options.local.present.has(`${image}:latest`);
  for (const stack of stacks) {
    const { file, changed, entries } = writeOverride(stack.file, swarmOverrideFile(options.local.dir, stack.file), present, { stack: true });
    stack.override = file;
    if (changed) console.error(chalk.dim(`${shown(file)}: updated for the current ${shown(stack.file)}`));
    for (const e of entries.filter((x) => selected.has(`${stack.stack}_${x.service}`) && !x.local && standInFor(x.image ?? ''))) {
      console.error(chalk.yellow(`${e.service}${e.customer ? ` (customer ${e.customer})` : ''}: ${e.image}: ${e.note}; run pnpm manage build --local`));
    }
  }
}

/**
 * Why waiting for a Swarm service is pointless, or null: one of its tasks failed or was rejected since the wait
 * began. Quotes the task's error and, when its container is on this node, the health check's last output.
 */
async function taskFailure(row, since) {
  if (!row.lastError || !row.lastErrorAt || Date.parse(row.lastErrorAt) < since || row.healthy) return null;
  const check = row.lastErrorContainer ? await containerHealthOutput(row.lastErrorContainer) : undefined;
  return `a task failed: "${row.lastError}"${check ? `; the health check's last output: "${check.replace(/\s*\n\s*/g, ' | ').slice(0, 400)}"` : ''}`;
}

/**
 * Checks credentials, then deploys the customers' stacks, then the agent's when every network it joins exists.
 * @returns {Promise<{ code: number, agentDeployed: boolean }>}
 */
async function up(options, customerStacks, agentStack) {
  const env = deployEnvironment(options.envFile);
  const servers = customerStacks.flatMap((s) => s.services);
  // The agent needs the customers' gateway tokens.
  const withAgent = [...servers, ...(options.agent && agentStack ? agentStack.services : [])];
  const missing = withAgent.flatMap((s) => s.credentials.filter((v) => !env[v]).map((variable) => ({ variable, service: s.service, customer: s.customer })));
  const gateways = gatewayTokens(path.join(path.dirname(options.swarmDir), 'mcp_servers.json'));
  const secrets = await existingSecrets();
  // The agent's secret (its session key) too, when the agent is deployed.
  const mounting = [...servers, ...(options.agent && agentStack ? agentStack.services : [])];
  const noSecret = mounting.flatMap((s) => s.secrets.filter((x) => !secrets.has(x.name)).map((x) => ({ ...x, service: s.service, customer: s.customer })));
  if (missing.length > 0 || noSecret.length > 0) {
    if (missing.length > 0) {
      console.error(chalk.red(`${missing.length} credential variable${missing.length === 1 ? ' is' : 's are'} not set; nothing was deployed:`));
      for (const m of missing) console.error(`  ${m.variable}  (${credentialOwner(m, gateways)})`);
      console.error(`Set them in ${shown(options.envFile)} (template: out/env/mcp_credentials.env.example) or in the environment.`);
      if (missing.some((m) => !m.customer) && options.customers.length > 0) console.error('Or leave the agent out: --no-agent.');
    }
    if (noSecret.length > 0) {
      console.error(chalk.red(`${noSecret.length} Swarm secret${noSecret.length === 1 ? ' does' : 's do'} not exist; nothing was deployed:`));
      for (const m of noSecret) console.error(`  ${m.name}  (variable ${m.variable}, ${m.customer ? `customer ${m.customer}` : 'agent, a random key'}, service ${m.service})`);
      const customers = [...new Set(noSecret.map((m) => m.customer))];
      const dir = shown(options.swarmDir) === path.join('out', 'swarm') ? '' : ` --swarm-dir ${shown(options.swarmDir)}`;
      // The agent's secret is made by a run without --customer.
      const select = customers.includes('') ? '' : ` ${customers.map((c) => `--customer ${c}`).join(' ')}`;
      console.error(`Create them: node scripts/swarm-secrets.mjs --env-file ${shown(options.envFile)}${dir}${select}`);
    }
    return { code: 1, agentDeployed: false };
  }

  const queue = [...customerStacks];
  const failures = [];
  await Promise.all(
    Array.from({ length: Math.min(DEPLOY_CONCURRENCY, queue.length) }, async () => {
      for (let stack = queue.shift(); stack; stack = queue.shift()) {
        try {
          await deployStack(stack, { env, resolveImage: options.resolveImage });
          console.error(`${stack.stack}: deployed (${stack.services.length} service${stack.services.length === 1 ? '' : 's'})`);
        } catch (error) {
          failures.push(error.message);
        }
      }
    }),
  );
  for (const failure of failures) console.error(chalk.red(failure));
  if (failures.length > 0) return { code: 1, agentDeployed: false };

  if (!options.agent || !agentStack) return { code: 0, agentDeployed: false };
  const networks = await existingSwarmNetworks();
  const absent = agentStack.externalNetworks.filter((n) => !networks.has(n));
  if (absent.length > 0) {
    console.error(chalk.yellow(`${agentStack.stack}: not deployed: it joins the networks of every customer and ${absent.join(', ')} ${absent.length === 1 ? 'does' : 'do'} not exist yet; bring those customers up (or everything) first`));
    return { code: 0, agentDeployed: false };
  }
  const { variable, digest, names } = agentConfigVersion(agentStack);
  await deployStack(agentStack, { env: { ...env, ...(variable && { [variable]: digest }) }, resolveImage: options.resolveImage });
  console.error(`${agentStack.stack}: deployed (config ${digest})`);
  await pruneConfigs(agentStack.stack, names);
  return { code: 0, agentDeployed: true };
}

/**
 * The digest variable the agent's stack file names in its config names, its value (sha256 over the config files
 * in file order, as the file's header shows for deploying by hand) and the resulting config names.
 */
function agentConfigVersion(agentStack) {
  const document = YAML.parse(readFileSync(agentStack.file, 'utf8'));
  const configs = Object.values(document.configs ?? {});
  const hash = createHash('sha256');
  for (const c of configs) {
    const file = path.resolve(path.dirname(agentStack.file), c.file);
    // A customer that serves only locked tools needs its lock before the agent can be deployed.
    if (!existsSync(file)) throw new Error(`the agent's stack needs ${path.relative(process.cwd(), file) || file}, which does not exist${/tool-locks/.test(c.file) ? ': run pnpm manage --target swarm tools lock for that customer first (its servers must be up)' : ''}`);
    hash.update(readFileSync(file));
  }
  const digest = hash.digest('hex').slice(0, 12);
  const variable = configs.map((c) => String(c.name ?? '').match(/\$\{([A-Za-z_][A-Za-z0-9_]*):\?/)?.[1]).find(Boolean);
  const names = configs.map((c) => String(c.name ?? '').replace(/\$\{[^}]*\}/, digest));
  return { variable, digest, names };
}

/**
 * Removes the selected customers' stacks — for everything, the agent's first, since it holds their networks —
 * and waits (bounded) until their services, containers and networks are gone.
 */
async function down(options, customerStacks, agentStack, everything) {
  const agentUp = agentStack ? (await stackLeftovers(agentStack.stack)).services.length > 0 : false;
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  const gone = async (stacks, { keepNetworks = [] } = {}) => {
    for (;;) {
      const left = await Promise.all(stacks.map(async (s) => ({ stack: s, ...(await stackLeftovers(s)) })));
      const remaining = left.filter((l) => l.services.length + l.containers.length + l.networks.filter((n) => !keepNetworks.includes(n)).length > 0);
      if (remaining.length === 0) return [];
      if (Date.now() > deadline) return remaining;
      // Networks go once the last task has left them; ask again.
      await removeNetworks(remaining.filter((l) => l.services.length === 0 && l.containers.length === 0).flatMap((l) => l.networks.filter((n) => !keepNetworks.includes(n))));
      await sleep(1000);
    }
  };
  const report = (remaining) => {
    for (const r of remaining) console.error(chalk.red(`${r.stack}: still has ${[r.services.length && `${r.services.length} services`, r.containers.length && `${r.containers.length} containers`, r.networks.length && `networks ${r.networks.join(', ')}`].filter(Boolean).join(', ')}`));
    return remaining.length === 0 ? 0 : 1;
  };

  if (everything && agentStack && options.agent) {
    await removeStacks([agentStack.stack]);
    const remaining = await gone([agentStack.stack]);
    if (remaining.length > 0) return report(remaining);
    console.error(`${agentStack.stack}: removed`);
  }
  const names = customerStacks.map((s) => s.stack);
  await removeStacks(names);
  // While the agent runs (it was not removed above), the networks it is attached to stay.
  const agentStays = agentUp && !(everything && options.agent);
  const held = agentStays ? customerStacks.flatMap((s) => s.networks) : [];
  const remaining = await gone(names, { keepNetworks: held });
  for (const stack of customerStacks) {
    if (!remaining.some((r) => r.stack === stack.stack)) console.error(`${stack.stack}: removed`);
  }
  const networks = await existingSwarmNetworks();
  const kept = held.filter((n) => networks.has(n));
  if (kept.length > 0) {
    console.error(`Kept network${kept.length === 1 ? '' : 's'} ${kept.join(', ')}: the agent (stack ${agentStack.stack}) is attached; ${kept.length === 1 ? 'it goes' : 'they go'} with \`down\` of everything.`);
  }
  return report(remaining);
}

/**
 * One row per selected service: Swarm's task counts, the update state and real MCP health. `healthyTasks`, when
 * given, remembers healthy probes by service and task start, and reuses them.
 */
async function collectStatus(targets, healthyTasks) {
  const states = await serviceStates(targets.map((s) => s.swarmName));
  return Promise.all(
    targets.map(async (s) => {
      const state = states.get(s.swarmName);
      const running = state?.running ?? 0;
      const desired = state?.desired ?? 0;
      const url = s.hostPort ? `http://127.0.0.1:${s.hostPort}${s.healthPath}` : undefined;
      let probe;
      if (!state) probe = { healthy: false, reason: 'no service' };
      else if (running < desired || desired === 0) {
        const task = state.taskState !== 'running' && state.taskState !== 'none' ? `, task ${state.taskState}` : '';
        probe = { healthy: false, reason: `${running}/${desired} tasks running${task}${state.lastError ? `; last failure: ${state.lastError}` : ''}` };
      } else if (!url) probe = { healthy: false, reason: 'no published port' };
      else {
        const key = `${s.swarmName}@${state.startedAt}`;
        probe = healthyTasks?.get(key) ?? (s.role === 'agent' ? await probeHttp(url) : await probeMcp(url));
        if (probe.healthy) healthyTasks?.set(key, probe);
      }
      return {
        customer: s.customer || '-',
        type: s.type,
        service: s.service,
        stack: s.stack,
        swarmService: s.swarmName,
        desired,
        running,
        task: state?.taskState ?? 'absent',
        update: state?.update ?? null,
        settled: Boolean(state) && state.outdated === 0 && !UPDATING.has(state.update) && !STUCK.has(state.update),
        healthy: probe.healthy,
        reason: probe.reason ?? (state && STUCK.has(state.update) ? `update ${state.update}` : null),
        port: s.hostPort ?? null,
        uptimeSeconds: state?.taskState === 'running' && state.startedAt ? Math.max(0, Math.round((Date.now() - Date.parse(state.startedAt)) / 1000)) : null,
        tools: probe.tools ?? null,
        latencyMs: probe.latencyMs ?? null,
        lastError: state?.lastError ?? null,
        lastErrorAt: state?.lastErrorAt ?? null,
        lastErrorContainer: state?.lastErrorContainer ?? null,
      };
    }),
  );
}

function printStatus(rows, options, { formatUptime }) {
  if (options.json) console.log(JSON.stringify(rows, null, 2));
  else {
    const table = new Table({ head: ['customer', 'type', 'service', 'tasks', 'state', 'health', 'port', 'uptime', 'tools', 'latency'], style: { head: [], border: [] } });
    for (const r of rows) {
      const tasks = `${r.running}/${r.desired}`;
      const state = [r.task, r.update && r.update !== 'completed' ? `update ${r.update}` : ''].filter(Boolean).join(', ');
      table.push([r.customer, r.type, r.service, r.running < r.desired || r.desired === 0 ? chalk.red(tasks) : tasks, state, r.healthy ? chalk.green('healthy') : chalk.red(`unhealthy: ${r.reason}`), r.port ?? '-', formatUptime(r.uptimeSeconds), r.tools ?? '-', r.latencyMs === null ? '-' : `${r.latencyMs} ms`]);
    }
    console.log(table.toString());
  }
  return rows.every((r) => r.healthy) ? 0 : 1;
}
