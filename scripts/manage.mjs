#!/usr/bin/env zx
// Operate the fleet on a Docker engine from the generated files, with compose (default) or as Swarm stacks:
//   zx scripts/manage.mjs <status|up|down|restart|logs|pull|build> [--target compose|swarm] [--customer ID]… [--type TYPE]… [--json]
// Health means a real MCP initialize + tools/list through the published 127.0.0.1 port.
import Table from 'cli-table3';
import { $, argv, chalk, fs, path, sleep } from 'zx';
import { assertEngineReachable, composeCommand, projectContainers } from './lib/docker.mjs';
import { missingCredentials } from './lib/env-file.mjs';
import { readFleetServices, selectServices } from './lib/fleet-files.mjs';
import { probeHttp, probeMcp } from './lib/mcp-health.mjs';
import { swarmMain } from './lib/swarm-commands.mjs';

const USAGE = `usage: zx scripts/manage.mjs <command> [options]

commands:
  status            table of the selected servers: container state, MCP health, port, uptime, tools, latency
                    --watch: refresh it every --interval S (default 2) in place until Ctrl-C (or --count N times)
  up [--wait]       start the selection (its compose profiles) after checking every credential is set
  down              stop and remove the selection (everything: also networks and volumes)
  restart           restart the selection
  logs [-f]         show logs (follow with -f)
  pull | build      pull public images | build the images this repo ships

options:
  --customer ID     select a customer (repeatable)      --type TYPE   select an MCP type (repeatable)
  --json            machine-readable status             --timeout S   --wait limit (default 180)
  --file F          compose file (out/docker-compose.mcps.yml)
  --env-file F      credentials file (mcp_credentials.env)
  --project NAME    compose project (mcpfleet, or $MCPFLEET_PROJECT)
  --target T        compose (default) or swarm ($MCPFLEET_TARGET)

with --target swarm (stacks from out/swarm/, one per customer plus the agent's; needs a swarm manager):
  status            tasks running/desired, task state, rollout state, MCP health, port, uptime, tools, latency
  up [--wait]       docker stack deploy each selected customer, then the agent; credentials from --env-file,
                    Swarm secrets must exist (node scripts/swarm-secrets.mjs); --wait also waits for rollouts
  down              docker stack rm the selection (everything: the agent first) and wait until it is gone
  restart [--wait]  replace the selection's tasks (docker service update --force)
  logs [-f]         docker service logs of the selection
  --swarm-dir D     stack files (out/swarm)            --no-agent    leave the agent's stack alone
  --resolve-image M always|changed|never (docker stack deploy; default always)`;

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const list = (value) => (value === undefined ? [] : [value].flat().flatMap((v) => String(v).split(',')).filter(Boolean));
const options = {
  command: argv._[0],
  customers: list(argv.customer),
  types: list(argv.type),
  json: Boolean(argv.json),
  wait: Boolean(argv.wait),
  follow: Boolean(argv.f || argv.follow),
  timeoutSeconds: Number(argv.timeout ?? 180),
  file: path.resolve(argv.file ?? path.join(root, 'out/docker-compose.mcps.yml')),
  envFile: path.resolve(argv['env-file'] ?? path.join(root, 'mcp_credentials.env')),
  project: argv.project ?? process.env.MCPFLEET_PROJECT ?? 'mcpfleet',
  target: argv.target ?? process.env.MCPFLEET_TARGET ?? 'compose',
  swarmDir: path.resolve(argv['swarm-dir'] ?? path.join(root, 'out/swarm')),
  agent: argv.agent !== false,
  resolveImage: argv['resolve-image'] ?? 'always',
  tail: argv.tail ?? 200,
  watch: Boolean(argv.watch),
  intervalSeconds: Number(argv.interval ?? 2),
  count: argv.count === undefined ? Infinity : Number(argv.count),
};
$.verbose = false;

try {
  process.exitCode = await main();
} catch (error) {
  console.error(chalk.red(error.message));
  process.exitCode = 1;
}

async function main(opts = options) {
  // Asked for, the usage is an answer (exit 0); without a command it is the error it explains (exit 1).
  if (argv.help || argv.h) {
    console.log(USAGE);
    return 0;
  }
  if (!options.command) {
    console.error(USAGE);
    return 1;
  }
  if (!['compose', 'swarm'].includes(options.target)) throw new Error(`unknown --target ${options.target}; use compose or swarm`);
  if (opts.watch) {
    if (options.command !== 'status') throw new Error('--watch goes with status');
    if (options.json) throw new Error('--watch draws a table; leave out --json (or run status --json in a loop)');
    if (!(options.intervalSeconds > 0)) throw new Error(`--interval must be a number of seconds above 0 (got ${argv.interval})`);
    if (!(options.count >= 1)) throw new Error(`--count must be 1 or more (got ${argv.count})`);
    return watch(() => main({ ...options, watch: false }));
  }
  // Images are the same on both targets: pull and build go through the compose file.
  if (opts.target === 'swarm' && !['pull', 'build'].includes(opts.command)) return swarmMain(opts, { waitFor, formatUptime });
  const services = await readFleetServices(options.file);
  const selection = selectServices(services, options);
  await assertEngineReachable();
  const compose = await composeCommand();
  const run = (args, extra = {}) =>
    $({ stdio: 'inherit', ...extra })`${compose} -p ${options.project} -f ${options.file} ${fs.existsSync(options.envFile) ? ['--env-file', options.envFile] : []} ${profiles(selection)} ${args}`;
  const names = [...selection.servers.map((s) => s.service), ...(selection.agent ? [selection.agent.service] : [])];

  switch (options.command) {
    case 'status':
      return status(selection);
    case 'up': {
      // The agent counts too: it needs the customers' gateway tokens, and compose refuses to start it without them.
      const missing = missingCredentials([...selection.servers, ...(selection.agent ? [selection.agent] : [])], options.envFile);
      if (missing.length > 0) {
        console.error(chalk.red(`${missing.length} credential variable${missing.length === 1 ? ' is' : 's are'} not set; nothing was started:`));
        for (const m of missing) console.error(`  ${m.variable}  (${m.customer ? `customer ${m.customer}` : 'the agent'}, service ${m.service})`);
        console.error(`Set them in ${path.relative(process.cwd(), options.envFile) || options.envFile} (template: out/env/mcp_credentials.env.example) or in the environment.`);
        return 1;
      }
      await run(['up', '-d', '--remove-orphans', ...names]);
      return options.wait ? waitHealthy(selection) : 0;
    }
    case 'down':
      if (selection.everything) await run(['down', '--remove-orphans', '--volumes']);
      else await run(['rm', '--stop', '--force', '-v', ...selection.servers.map((s) => s.service)]);
      return 0;
    case 'restart':
      await run(['restart', ...names]);
      return 0;
    case 'logs':
      await run(['logs', ...(options.follow ? ['-f'] : []), '--tail', String(options.tail), ...names]);
      return 0;
    case 'pull': {
      const pullable = [...selection.servers, selection.agent].filter((s) => s && !s.builds).map((s) => s.service);
      if (pullable.length > 0) await run(['pull', ...pullable]);
      return 0;
    }
    case 'build': {
      const buildable = [...selection.servers, selection.agent].filter((s) => s?.builds).map((s) => s.service);
      if (buildable.length === 0) console.log('Nothing in the selection is built from this repo.');
      else {
        // The agent image packs the runtime's bundle, which is built on the host first.
        if (selection.agent?.builds && buildable.includes(selection.agent.service)) await $({ stdio: 'inherit', cwd: root })`pnpm -s build:agent`;
        await run(['build', ...buildable]);
      }
      return 0;
    }
    default:
      console.error(USAGE);
      return 1;
  }
}

/** Compose profiles that enable the selection: the customers', else the types', else all. */
function profiles(selection) {
  const names = options.customers.length > 0 ? options.customers : options.types.length > 0 ? options.types : ['all'];
  return names.flatMap((name) => ['--profile', name]);
}

/** One row per selected service, with real MCP health. */
async function collectStatus(selection) {
  const containers = await projectContainers(options.project);
  const targets = [...selection.servers, ...(selection.agent ? [selection.agent] : [])];
  return Promise.all(
    targets.map(async (s) => {
      const container = containers.get(s.service);
      const running = container?.state === 'running';
      const url = s.hostPort ? `http://127.0.0.1:${s.hostPort}${s.healthPath}` : undefined;
      const probe = !running ? { healthy: false, reason: container ? `container ${container.state}` : 'no container' } : !url ? { healthy: false, reason: 'no published port' } : s.role === 'agent' ? await probeHttp(url) : await probeMcp(url);
      return {
        customer: s.customer || '-',
        type: s.type,
        service: s.service,
        container: container?.state ?? 'absent',
        dockerHealth: container?.health ?? null,
        healthy: probe.healthy,
        reason: probe.reason ?? null,
        port: s.hostPort ?? null,
        uptimeSeconds: running ? Math.max(0, Math.round((Date.now() - Date.parse(container.startedAt)) / 1000)) : null,
        tools: probe.tools ?? null,
        latencyMs: probe.latencyMs ?? null,
      };
    }),
  );
}

async function status(selection) {
  const rows = await collectStatus(selection);
  if (options.json) console.log(JSON.stringify(rows, null, 2));
  else {
    const table = new Table({ head: ['customer', 'type', 'service', 'container', 'health', 'port', 'uptime', 'tools', 'latency'], style: { head: [], border: [] } });
    for (const r of rows) {
      table.push([r.customer, r.type, r.service, r.container, r.healthy ? chalk.green('healthy') : chalk.red(`unhealthy: ${r.reason}`), r.port ?? '-', formatUptime(r.uptimeSeconds), r.tools ?? '-', r.latencyMs === null ? '-' : `${r.latencyMs} ms`]);
    }
    console.log(withoutRowRules(table.toString()));
  }
  return rows.every((r) => r.healthy) ? 0 : 1;
}

/** The table with one rule, under its header: cli-table3 draws the same rule between all rows, doubling the height. */
function withoutRowRules(text) {
  let seen = false;
  return text
    .split('\n')
    .filter((line) => {
      if (!line.startsWith('├')) return true;
      if (seen) return false;
      seen = true;
      return true;
    })
    .join('\n');
}

/**
 * Runs `once` (one status table, the same health code as plain status) every interval. On a terminal each table
 * replaces the last in place (cursor home, clear below); otherwise tables follow each other under a time stamp, so a
 * log keeps the history. Returns the last run's exit code.
 */
async function watch(once) {
  const inPlace = process.stdout.isTTY;
  let code = 0;
  for (let run = 1; run <= options.count; run++) {
    if (inPlace) process.stdout.write('\x1b[H\x1b[2J');
    else if (run > 1) console.log('');
    console.log(chalk.dim(`${new Date().toISOString()}  every ${options.intervalSeconds} s${inPlace ? ' — Ctrl-C to stop' : ''}`));
    code = await once();
    if (run < options.count) await sleep(options.intervalSeconds * 1000);
  }
  return code;
}

function waitHealthy(selection) {
  return waitFor(() => collectStatus(selection), { timeoutSeconds: options.timeoutSeconds, ready: (r) => r.healthy, reason: (r) => r.reason });
}

/** Polls `collect` once a second until every row is `ready`, or the timeout; prints progress. Shared by both targets. */
async function waitFor(collect, { timeoutSeconds, ready, reason }) {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const interactive = process.stderr.isTTY;
  let last = '';
  for (;;) {
    const rows = await collect();
    const waiting = rows.filter((r) => !ready(r));
    const line = `${rows.length - waiting.length}/${rows.length} healthy${waiting.length ? ` — waiting for ${waiting.map((r) => `${r.service} (${reason(r)})`).join(', ')}` : ''}`;
    if (interactive) process.stderr.write(`\r\x1b[2K${line.slice(0, process.stderr.columns - 1)}`);
    else if (line !== last) console.error(line);
    last = line;
    if (waiting.length === 0) {
      if (interactive) process.stderr.write('\n');
      console.error(chalk.green(`All ${rows.length} services healthy.`));
      return 0;
    }
    if (Date.now() > deadline) {
      if (interactive) process.stderr.write('\n');
      console.error(chalk.red(`Not healthy after ${timeoutSeconds} s:`));
      for (const r of waiting) console.error(`  ${r.service}: ${reason(r)}`);
      return 1;
    }
    await sleep(1000);
  }
}

function formatUptime(seconds) {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}
