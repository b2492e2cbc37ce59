#!/usr/bin/env zx
// Operate the fleet on a Docker engine from the generated files, with compose (default) or as Swarm stacks:
//   pnpm manage <status|up|down|restart|logs|pull|build|drift> [--target compose|swarm] [--customer ID]… [--type TYPE]… [--json]
// Health means a real MCP initialize + tools/list through the published 127.0.0.1 port.
import { spawn } from 'node:child_process';
import Table from 'cli-table3';
import YAML from 'yaml';
import { $, argv, chalk, fs, path, ProcessOutput, sleep } from 'zx';
import { assertEngineReachable, composeInfo, containerLogTail, projectContainers, removeLeftoverNetworks } from './lib/docker.mjs';
import { missingCredentials, variablesSetIn } from './lib/env-file.mjs';
import { credentialOwner, gatewayTokens, readFleetServices, selectServices } from './lib/fleet-files.mjs';
import { buildLocalImages, composeOverrideFile, localDirFor, localImageTags, MANIFEST, standInFor, swarmOverrideFile, writeOverride } from './lib/local-images.mjs';
import { probeHttp, probeMcp } from './lib/mcp-health.mjs';
import { swarmMain } from './lib/swarm-commands.mjs';
import { readStacks } from './lib/swarm-files.mjs';
import { LOCKS_DIR, toolsCommand } from './lib/tool-locks.mjs';
import { driftMain, statusOrphanLines } from './lib/drift-command.mjs';

const USAGE = `usage: pnpm manage <command> [options]     (the same: pnpm exec zx scripts/manage.mjs <command> [options])

commands:
  status            table of the selected servers: container state (and Docker's health), MCP health, port,
                    uptime, tools, latency; exit 1 unless all are healthy
                    --watch: refresh it every --interval S (default 2) in place until Ctrl-C (or --count N times)
  up [--wait]       start the selection (its compose profiles) after checking its credentials are set: the
                    selected customers' and, unless --no-agent, the agent's. --wait waits until every server
                    answers MCP and fails at once when Docker finds one unhealthy or it exits, quoting why
  down              stop and remove the selection (everything: also networks and volumes)
  restart           restart the selection
  logs [-f]         show the last --tail N lines (default 200) of each; -f follows them
  pull              pull the public images
  build             build the images this repo ships (the agent, Genesys) with Docker
  build --local     build every image the fleet needs from this machine alone (npm, Debian, no registry),
                    tagged mcpfleet-local/…, and write .mcpfleet-local/ next to out/: override files that
                    every later command uses with out/'s files (out/ is not changed). docs/operating-locally.md
  tools lock        record the tools each selected customer's running servers offer (name, input schema hash,
                    read-only/destructive annotations) in tool-locks/<customer>.json, to commit. docs/tool-locks.md
  tools check       compare the running servers' tools with the locks: exit 0 same, 2 drift, 1 when a new tool
                    that may change things is not covered by the customer's allowTools/denyTools (or a server
                    does not answer, or a customer has no lock); --json for the list
  drift             compare the running fleet with out/ (and the local override, and the tool locks):
                    per customer, service and field before → after, orphans (customers no longer configured),
                    missing services; exit 0 in sync, 2 drift, 1 error; --json; --no-tools; --target
                    compose|swarm|k8s (k8s: kubectl diff -k out/k8s). docs/drift.md

options:
  --customer ID     select a customer (repeatable)      --type TYPE   select an MCP type (repeatable)
  --no-agent        leave the agent out (its credentials are then not needed)
  --json            machine-readable status             --timeout S   --wait limit (default 180)
  --tail N          lines of logs per service (default 200)
  --file F          compose file (out/docker-compose.mcps.yml)
  --env-file F      credentials file (mcp_credentials.env)
  --project NAME    compose project (mcpfleet, or $MCPFLEET_PROJECT)
  --target T        compose (default) or swarm ($MCPFLEET_TARGET)
  --no-local        use out/'s images even when build --local has run
  --local-dir D     where build --local keeps its override files (.mcpfleet-local beside out/)
  --tool-locks D    the tool lock folder (tool-locks beside out/)
  NO_COLOR=1        no colours, from manage nor from compose (--ansi never / --no-ansi)

with --target swarm (stacks from out/swarm/, one per customer plus the agent's; needs a swarm manager):
  status            tasks running/desired, task state, rollout state, MCP health, port, uptime, tools, latency
  up [--wait]       docker stack deploy each selected customer, then the agent; credentials from --env-file,
                    Swarm secrets must exist (node scripts/swarm-secrets.mjs); --wait also waits for rollouts
                    and fails at once when a task fails or is rejected, quoting its error and health check
  down              docker stack rm the selection (everything: the agent first) and wait until it is gone
  restart [--wait]  replace the selection's tasks (docker service update --force)
  logs [-f]         docker service logs of the selection (--tail N)
  --swarm-dir D     stack files (out/swarm)            --no-agent    leave the agent's stack alone
  --resolve-image M always|changed|never (docker stack deploy; default always, never with local images)`;

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
  resolveImage: argv['resolve-image'],
  tail: argv.tail ?? 200,
  // build --local: true; --no-local: false; otherwise undefined (local images when build --local has run).
  local: argv.local,
  localDir: argv['local-dir'] === undefined ? undefined : path.resolve(argv['local-dir']),
  watch: Boolean(argv.watch),
  intervalSeconds: Number(argv.interval ?? 2),
  count: argv.count === undefined ? Infinity : Number(argv.count),
};
$.verbose = false;

try {
  process.exitCode = await main();
} catch (error) {
  // One sentence, never a stack: a failed docker command is named with its own last words.
  console.error(chalk.red(error instanceof ProcessOutput ? failedCommand(error) : error.message));
  process.exitCode = 1;
}

/** A zx ProcessOutput as one line: the command's last error line and its exit code. */
function failedCommand(output) {
  const said = output.stderr.trim().split('\n').filter(Boolean).pop() ?? output.stdout.trim().split('\n').pop() ?? '';
  return `A docker command failed (exit ${output.exitCode}): ${said || 'no output'}`;
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
  if (options.command === 'drift') return driftMain({ ...opts, tools: argv.tools !== false, toolLocks: argv['tool-locks'] === undefined ? undefined : path.resolve(argv['tool-locks']) });
  if (!['compose', 'swarm'].includes(options.target)) throw new Error(`unknown --target ${options.target}; use compose or swarm`);
  if (opts.watch) {
    if (options.command !== 'status') throw new Error('--watch goes with status');
    if (options.json) throw new Error('--watch draws a table; leave out --json (or run status --json in a loop)');
    if (!(options.intervalSeconds > 0)) throw new Error(`--interval must be a number of seconds above 0 (got ${argv.interval})`);
    if (!(options.count >= 1)) throw new Error(`--count must be 1 or more (got ${argv.count})`);
    return watch(() => main({ ...options, watch: false }));
  }
  // Images are the same on both targets: pull and build go through the compose file.
  if (opts.command === 'build' && opts.local) return buildLocal(opts);
  if (opts.command === 'tools') return tools(opts);
  if (opts.target === 'swarm' && !['pull', 'build'].includes(opts.command)) {
    const localDir = opts.localDir ?? localDirFor(path.dirname(opts.swarmDir));
    const local = localMode(localDir, opts) ? { dir: localDir, present: localImageTags() } : undefined;
    return withOrphanNotes(await swarmMain({ ...opts, local, resolveImage: opts.resolveImage ?? (local ? 'never' : 'always') }, { waitFor, formatUptime }), opts);
  }
  const services = await readFleetServices(options.file);
  const selection = selectServices(services, options);
  const withAgent = Boolean(selection.agent) && options.agent;
  await assertEngineReachable();
  // Found on first use: status and a refused up run no compose (v1's start-up alone takes a second or more).
  let composeFound;
  const compose = () => (composeFound ??= composeInfo());
  // Local images: the override next to out/, refreshed from the current compose file, after out/'s (not for pull and build).
  const localDir = options.localDir ?? localDirFor(path.dirname(options.file));
  const override = !['pull', 'build'].includes(options.command) && localMode(localDir, options) ? refreshComposeOverride(localDir, selection) : undefined;
  const names = [...selection.servers.map((s) => s.service), ...(withAgent ? [selection.agent.service] : [])];
  const gateways = gatewayTokens(path.join(path.dirname(options.file), 'mcp_servers.json'));
  const starting = options.command === 'up' ? [...selection.servers, ...(withAgent ? [selection.agent] : [])] : [];
  const run = (args) => runCompose(compose, args, { override, selection, starting, services });

  switch (options.command) {
    case 'status':
      return withOrphanNotes(await status(selection), opts);
    case 'up': {
      // Only what starts needs its credentials: the selected servers', and the agent's own (its gateway tokens) with it.
      const missing = missingCredentials(starting, options.envFile);
      if (missing.length > 0) {
        console.error(chalk.red(`${missing.length} credential variable${missing.length === 1 ? ' is' : 's are'} not set; nothing was started:`));
        for (const m of missing) console.error(`  ${m.variable}  (${credentialOwner(m, gateways)})`);
        console.error(`Set them in ${path.relative(process.cwd(), options.envFile) || options.envFile} (template: out/env/mcp_credentials.env.example) or in the environment.`);
        if (missing.some((m) => !m.customer) && !selection.everything) console.error('Or leave the agent out: --no-agent.');
        return 1;
      }
      const since = Date.now();
      await run(['up', '-d', '--remove-orphans', ...names]);
      return options.wait ? waitHealthy(selection, since) : 0;
    }
    case 'down':
      if (selection.everything && options.agent) {
        await run(['down', '--remove-orphans', '--volumes']);
        await removeLeftoverNetworks(options.project);
      } else await run(['rm', '--stop', '--force', '-v', ...selection.servers.map((s) => s.service)]);
      return 0;
    case 'restart':
      await run(['restart', ...names]);
      return 0;
    case 'logs':
      await run(['logs', ...(options.follow ? ['-f'] : []), '--tail', String(options.tail), ...names]);
      return 0;
    case 'pull': {
      const pullable = [...selection.servers, withAgent && selection.agent].filter((s) => s && !s.builds).map((s) => s.service);
      if (pullable.length > 0) await run(['pull', ...pullable]);
      return 0;
    }
    case 'build': {
      const buildable = [...selection.servers, withAgent && selection.agent].filter((s) => s?.builds).map((s) => s.service);
      if (buildable.length === 0) console.log('Nothing in the selection is built from this repo.');
      else {
        // The agent image packs the runtime's bundle, which is built on the host first.
        if (withAgent && selection.agent.builds && buildable.includes(selection.agent.service)) await $({ stdio: 'inherit', cwd: root })`pnpm -s build:agent`;
        await run(['build', ...buildable]);
      }
      return 0;
    }
    default:
      console.error(USAGE);
      return 1;
  }
}

/**
 * build --local: every image the selection needs (compose file and, when generated, Swarm stacks: also the agent's
 * balancer) from its local recipe, then the override files for the compose file and every stack file.
 */
async function buildLocal(opts) {
  const services = await readFleetServices(opts.file);
  const selection = selectServices(services, opts);
  const withAgent = Boolean(selection.agent) && opts.agent;
  const wanted = [...selection.servers, ...(withAgent ? [selection.agent] : [])].map((s) => ({ image: s.image, service: s.service, customer: s.customer }));
  const stacks = fs.existsSync(opts.swarmDir) ? await readStacks(opts.swarmDir).catch(() => []) : [];
  if (withAgent) for (const s of stacks.filter((st) => st.role === 'agent').flatMap((st) => st.services)) wanted.push({ image: s.image, service: s.swarmName, customer: '' });
  await assertEngineReachable();
  const present = existsIn(localImageTags());
  const recipes = [...new Set(wanted.map((w) => standInFor(w.image)?.recipe).filter(Boolean))];
  const unknown = wanted.filter((w) => !standInFor(w.image) && !present(w.image));
  console.error(`Building ${recipes.length} local image${recipes.length === 1 ? '' : 's'} (and their bases) for ${selection.everything ? 'the whole fleet' : `customer${options.customers.length > 1 ? 's' : ''} ${options.customers.join(', ') || `types ${options.types.join(', ')}`}`}${withAgent ? '' : ' without the agent'}:`);
  const started = Date.now();
  const results = buildLocalImages(recipes, { root, log: (line) => console.error(chalk.dim(`  ${line}`)) });
  const localDir = opts.localDir ?? localDirFor(path.dirname(opts.file));
  fs.mkdirSync(localDir, { recursive: true });
  fs.writeFileSync(path.join(localDir, '.gitignore'), '*\n');
  const nowPresent = existsIn(localImageTags());
  const written = [writeOverride(opts.file, composeOverrideFile(localDir, opts.file), nowPresent)];
  for (const stack of stacks) written.push(writeOverride(stack.file, swarmOverrideFile(localDir, stack.file), nowPresent, { stack: true }));
  fs.writeFileSync(path.join(localDir, MANIFEST), `${JSON.stringify({ builtAt: new Date().toISOString(), images: results, overrides: written.map((w) => path.relative(localDir, w.file)) }, null, 2)}\n`);

  const table = new Table({ head: ['image', 'recipe', 'result'], style: { head: [], border: [] } });
  for (const r of results) table.push([r.tag, r.recipe, r.action === 'built' ? `built in ${r.seconds} s` : 'cached']);
  console.log(withoutRowRules(table.toString()));
  const byImage = new Map();
  for (const e of written[0].entries.filter((x) => wanted.some((w) => w.service === x.service))) byImage.set(`${e.image} -> ${e.local ?? '(none)'}`, [...(byImage.get(`${e.image} -> ${e.local ?? '(none)'}`) ?? []), e]);
  for (const [mapping, entries] of byImage) {
    const checks = [...new Set(entries.map((e) => (e.healthcheck === 'kept' || e.healthcheck === 'none' ? `health check ${e.healthcheck === 'kept' ? 'kept' : 'none'}` : `health check ${e.healthcheck}: ${e.note}`)))];
    console.log(`${mapping}  (${entries.length} service${entries.length === 1 ? '' : 's'}; ${checks.join('; ')})`);
  }
  console.log(`Override files in ${shown(localDir)}: ${written.map((w) => path.relative(localDir, w.file)).join(', ')} (${Math.round((Date.now() - started) / 100) / 10} s). manage up/status/logs/down use them from now on; --no-local or removing the folder goes back to the public images.`);
  if (unknown.length > 0) {
    console.error(chalk.red(`${unknown.length} service${unknown.length === 1 ? ' needs an image' : 's need images'} with no local recipe, not on this engine either:`));
    for (const u of unknown) console.error(`  ${u.image}  (${u.customer ? `customer ${u.customer}, ` : ''}service ${u.service}): build or load it under that name (docker build -t / docker load), or set another image for its type in fleet.config.ts`);
    return 1;
  }
  return 0;
}

/**
 * tools lock|check (scripts/lib/tool-locks.mjs): the selection's servers on either target, reached through their
 * published 127.0.0.1 ports; the locks beside out/ (--tool-locks), the customers' filters from out/mcp_servers.json.
 */
async function tools(opts) {
  const outDir = opts.target === 'swarm' ? path.dirname(opts.swarmDir) : path.dirname(opts.file);
  const services = opts.target === 'swarm' ? (await readStacks(opts.swarmDir)).flatMap((stack) => stack.services) : await readFleetServices(opts.file);
  const selection = selectServices(services, opts);
  return toolsCommand(argv._[1], {
    servers: selection.servers,
    allServers: services.filter((s) => s.role === 'mcp'),
    customers: opts.customers,
    locksDir: argv['tool-locks'] === undefined ? path.join(path.dirname(outDir), LOCKS_DIR) : path.resolve(argv['tool-locks']),
    runtimeConfigFile: path.join(outDir, 'mcp_servers.json'),
    json: opts.json,
  });
}

/** After status: containers or stacks of customers no longer in out/, as notes (`manage drift` lists them too). */
async function withOrphanNotes(code, opts) {
  if (opts.command !== 'status') return code;
  for (const line of await statusOrphanLines(opts)) (opts.json ? console.error : console.log)(chalk.yellow(line));
  return code;
}

/** Whether commands use the local images: build --local has run (its manifest exists) and --no-local is not given. */
function localMode(localDir, opts) {
  return opts.local !== false && fs.existsSync(path.join(localDir, MANIFEST));
}

/**
 * Rewrites the compose override when the compose file changed since (new services, other images) and warns about
 * selected services whose image is neither built locally nor present. Returns the override's path.
 */
function refreshComposeOverride(localDir, selection) {
  const { file, changed, entries } = writeOverride(options.file, composeOverrideFile(localDir, options.file), existsIn(localImageTags()));
  if (changed) console.error(chalk.dim(`${shown(file)}: updated for the current ${shown(options.file)}`));
  const selected = new Set([...selection.servers, ...(options.agent && selection.agent ? [selection.agent] : [])].map((s) => s.service));
  const lacking = entries.filter((e) => selected.has(e.service) && !e.local);
  for (const e of lacking) {
    console.error(chalk.yellow(`${e.service}${e.customer ? ` (customer ${e.customer})` : ''}: ${e.image}: ${e.note}; run pnpm manage build --local${e.customer ? ` --customer ${e.customer}` : ''}`));
  }
  return file;
}


/** Whether an image is among the tags (an untagged name means :latest). */
function existsIn(tags) {
  return (image) => tags.has(image) || tags.has(`${image}:latest`);
}

/** A path as the user can type it from here: relative below the working directory, else absolute. */
function shown(file) {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}

/**
 * Runs compose with the project's files, env file, profiles and — with NO_COLOR — no colours. Its output goes
 * straight to the terminal; on failure this throws one sentence naming the command and quoting its last error line.
 * Compose interpolates every service of the file for any command, so credentials of services that are not
 * started now (not selected, or not this command) get a placeholder when unset: they are never started with it.
 */
async function runCompose(findCompose, args, { override, selection, starting, services }) {
  const compose = await findCompose();
  const argv = [
    ...compose.command.slice(1),
    ...(process.env.NO_COLOR ? compose.noAnsi : []),
    '-p', options.project,
    '-f', options.file,
    ...(override ? ['-f', override] : []),
    ...(fs.existsSync(options.envFile) ? ['--env-file', options.envFile] : []),
    ...profiles(selection),
    ...args,
  ];
  const needed = new Set(starting.flatMap((s) => s.credentials));
  const fromFile = variablesSetIn(options.envFile);
  const placeholders = Object.fromEntries(
    services.flatMap((s) => s.credentials).filter((v) => !needed.has(v) && !fromFile.has(v) && !process.env[v]).map((v) => [v, 'not-set:not-started-by-manage']),
  );
  const stderrTail = [];
  const code = await new Promise((resolve, reject) => {
    const child = spawn(compose.command[0], argv, { stdio: ['inherit', 'inherit', 'pipe'], env: { ...process.env, ...placeholders } });
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      stderrTail.push(...String(chunk).split('\n'));
      stderrTail.splice(0, Math.max(0, stderrTail.length - 50));
    });
    child.on('error', reject);
    child.on('close', (exit) => resolve(exit ?? 1));
  });
  if (code !== 0) {
    const said = stderrTail.map((l) => l.trim()).filter((l) => /[a-z]{2}/i.test(l)).pop();
    const who = options.customers.length > 0 ? ` for customer${options.customers.length > 1 ? 's' : ''} ${options.customers.join(', ')}` : '';
    throw new Error(`\`${compose.name} ${args[0]}\`${who} failed (exit ${code})${said ? `: ${said}` : ''}`);
  }
}

/** Compose profiles that enable the selection: the customers', else the types', else all. */
function profiles(selection) {
  const names = options.customers.length > 0 ? options.customers : options.types.length > 0 ? options.types : ['all'];
  return names.flatMap((name) => ['--profile', name]);
}

/**
 * The services status and --wait look at. The agent is one of them when it is selected; for a part of the fleet
 * (--customer, --type) only while it has a container — brought up without it (--no-agent), that part is whole.
 */
function statusTargets(selection, containers) {
  const agent = selection.agent && options.agent && (selection.everything || containers.has(selection.agent.service)) ? [selection.agent] : [];
  return [...selection.servers, ...agent];
}

/** One row per selected service, with real MCP health and Docker's own health (and its check's last output). */
async function collectStatus(selection) {
  const containers = await projectContainers(options.project);
  const targets = statusTargets(selection, containers);
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
        dockerHealthOutput: container?.healthOutput?.output ?? null,
        healthy: probe.healthy,
        reason: probe.reason ?? null,
        port: s.hostPort ?? null,
        uptimeSeconds: running ? Math.max(0, Math.round((Date.now() - Date.parse(container.startedAt)) / 1000)) : null,
        tools: probe.tools ?? null,
        latencyMs: probe.latencyMs ?? null,
        // For --wait, not printed: when Docker's verdict came, the exit code and restarts.
        _container: container,
      };
    }),
  );
}

async function status(selection) {
  const rows = await collectStatus(selection);
  const shownRows = rows.map(({ _container, ...row }) => row);
  if (options.json) console.log(JSON.stringify(shownRows, null, 2));
  else {
    const table = new Table({ head: ['customer', 'type', 'service', 'container', 'health', 'port', 'uptime', 'tools', 'latency'], style: { head: [], border: [] } });
    for (const r of shownRows) {
      const container = r.dockerHealth ? `${r.container} (${r.dockerHealth})` : r.container;
      table.push([r.customer, r.type, r.service, r.dockerHealth === 'unhealthy' ? chalk.red(container) : container, r.healthy ? chalk.green('healthy') : chalk.red(`unhealthy: ${r.reason}`), r.port ?? '-', formatUptime(r.uptimeSeconds), r.tools ?? '-', r.latencyMs === null ? '-' : `${r.latencyMs} ms`]);
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

function waitHealthy(selection, since) {
  return waitFor(() => collectStatus(selection), {
    timeoutSeconds: options.timeoutSeconds,
    ready: (r) => r.healthy && r.dockerHealth !== 'unhealthy',
    reason: (r) => (r.healthy ? `Docker says ${r.dockerHealth}` : r.reason),
    failure: (r) => composeFailure(r, since),
  });
}

/**
 * Why waiting for a compose service is pointless, or null: Docker found it unhealthy (its check ran during this
 * wait, or MCP does not answer either), or its container stopped or restarts. Quotes the check's own output or the
 * container's last lines.
 */
async function composeFailure(row, since) {
  const c = row._container;
  if (!c) return null;
  if (c.health === 'unhealthy' && (!row.healthy || Date.parse(c.healthOutput?.at ?? '') >= since)) {
    return `Docker's health check reports it unhealthy${c.healthOutput ? ` (exit ${c.healthOutput.exitCode}); the check's last output: ${quote(c.healthOutput.output)}` : ''}`;
  }
  if (['exited', 'dead'].includes(c.state) || (c.state === 'restarting' && c.restartCount > 0)) {
    const tail = await containerLogTail(c.id);
    return `its container ${c.state === 'restarting' ? `keeps restarting (${c.restartCount} restarts, last exit code ${c.exitCode})` : `${c.state} with exit code ${c.exitCode}`}${tail ? `; its last output: ${quote(tail)}` : ''}`;
  }
  return null;
}

/** Someone else's words, on one line, marked as quoted. */
function quote(text) {
  const oneLine = String(text).trim().replace(/\s*\n\s*/g, ' | ');
  return `"${oneLine.length > 400 ? `${oneLine.slice(0, 400)}…` : oneLine}"`;
}

/** The customer and server of a status row, for messages. */
function rowName(r) {
  return r.customer && r.customer !== '-' ? `customer ${r.customer}, ${r.type} server (${r.service})` : `the agent (${r.service})`;
}

/**
 * Polls `collect` once a second until every row is `ready`, a row has a `failure` (then stops at once), or the
 * timeout; prints progress. Shared by both targets.
 */
async function waitFor(collect, { timeoutSeconds, ready, reason, failure = () => null }) {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const interactive = process.stderr.isTTY;
  let last = '';
  for (;;) {
    const rows = await collect();
    const waiting = rows.filter((r) => !ready(r));
    const failed = (await Promise.all(waiting.map(async (r) => ({ r, why: await failure(r) })))).filter((f) => f.why);
    const line = `${rows.length - waiting.length}/${rows.length} healthy${waiting.length ? ` — waiting for ${waiting.map((r) => `${r.service} (${reason(r)})`).join(', ')}` : ''}`;
    if (interactive) process.stderr.write(`\r\x1b[2K${line.slice(0, process.stderr.columns - 1)}`);
    else if (line !== last) console.error(line);
    last = line;
    if (waiting.length === 0) {
      if (interactive) process.stderr.write('\n');
      console.error(chalk.green(`All ${rows.length} services healthy.`));
      return 0;
    }
    if (failed.length > 0) {
      if (interactive) process.stderr.write('\n');
      console.error(chalk.red(`Stopped waiting: ${failed.length} of ${rows.length} service${rows.length === 1 ? '' : 's'} failed:`));
      for (const { r, why } of failed) console.error(`  ${rowName(r)}: ${why}`);
      return 1;
    }
    if (Date.now() > deadline) {
      if (interactive) process.stderr.write('\n');
      console.error(chalk.red(`Not healthy after ${timeoutSeconds} s:`));
      for (const r of waiting) console.error(`  ${rowName(r)}: ${reason(r)}`);
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
