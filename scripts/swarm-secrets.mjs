#!/usr/bin/env node
/**
 * Creates the Swarm secrets the generated stacks mount, from the filled credentials env file (the one compose
 * reads; template out/env/mcp_credentials.env.example).
 *
 *   node scripts/swarm-secrets.mjs [--env-file mcp_credentials.env] [--swarm-dir out/swarm] [--customer ID]… [--dry-run] [--replace] [--remove]
 *
 * Which secrets exist and which variable fills each is read from the stack files (out/swarm/<id>.yml: the
 * top-level `secrets:` keys are the variables, their `name` the Swarm secret), never derived here. Each value goes
 * to `docker secret create --label … NAME -` on stdin — never on a command line, in a file or on the console.
 *
 * The agent stack's secret (out/swarm/agent.yml: AGENT_SESSION_SECRET, the session key its replicas share) has no
 * value in the env file: a run without --customer creates it with a random one (48 random bytes, base64) when it is
 * missing and keeps it otherwise, so sessions sealed with it stay valid. --remove without --customer removes it too.
 *
 * Swarm secrets cannot be changed: an existing one is kept, unless --replace, which removes and recreates it —
 * Swarm refuses while a service uses it, so take the customer down first (manage.mjs --target swarm down
 * --customer ID), replace, and bring it up again. --remove removes the selected customers' secrets.
 * --dry-run prints the commands with the variable names instead of running them. Needs a swarm manager.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { $ } from 'zx';
import { assertSwarmManager, existingSecrets } from './lib/swarm-docker.mjs';
import { parseEnvFile } from './lib/env-file.mjs';
import { scriptOptions } from './lib/script-options.mjs';
import { readStacks } from './lib/swarm-files.mjs';

const { argv, fail } = scriptOptions('swarm-secrets', {
  string: ['env-file', 'swarm-dir', 'customer'],
  boolean: ['dry-run', 'replace', 'remove', 'help'],
  default: { 'env-file': 'mcp_credentials.env', 'swarm-dir': 'out/swarm' },
});

if (argv.help) {
  console.log('usage: node scripts/swarm-secrets.mjs [--env-file FILE] [--swarm-dir DIR] [--customer ID]... [--dry-run] [--replace] [--remove]');
  process.exit(0);
}
$.verbose = false;
$.quiet = true;

const swarmDir = path.resolve(argv['swarm-dir']);
const envFile = path.resolve(argv['env-file']);
const allStacks = await readStacks(swarmDir).catch((error) => fail(error.message));
const stacks = allStacks.filter((s) => s.role === 'customer');
/** Random bytes of a new agent session key (64 characters of base64; the runtime wants at least 32). */
const RANDOM_KEY_BYTES = 48;
const wanted = [argv.customer ?? []].flat();
const unknown = wanted.filter((id) => !stacks.some((s) => s.customer === id));
if (unknown.length > 0) fail(`unknown customer ${unknown.join(', ')}; known: ${stacks.map((s) => s.customer).join(', ')}`);

/** Each secret once, with its variable and customer, in file order. */
const secrets = [];
for (const stack of stacks.filter((s) => wanted.length === 0 || wanted.includes(s.customer))) {
  for (const secret of stack.services.flatMap((s) => s.secrets)) {
    if (!secrets.some((s) => s.name === secret.name)) secrets.push({ ...secret, customer: stack.customer });
  }
}
// The agent's secrets: machine-made, with every run that selects no customer.
for (const stack of wanted.length === 0 ? allStacks.filter((s) => s.role === 'agent') : []) {
  for (const secret of stack.services.flatMap((s) => s.secrets)) {
    if (!secrets.some((s) => s.name === secret.name)) secrets.push({ ...secret, customer: '', random: true });
  }
}
if (secrets.length === 0) {
  console.log('No selected customer mounts a Swarm secret; nothing to do.');
  process.exit(0);
}
const labels = (s) => (s.random ? ['--label', 'mcpfleet.role=agent'] : ['--label', `mcpfleet.customer=${s.customer}`]).concat(['--label', `mcpfleet.variable=${s.variable}`]);

if (argv['dry-run']) {
  for (const s of secrets) {
    if (argv.remove || (argv.replace && !s.random)) console.log(`docker secret rm ${s.name}`);
    if (!argv.remove) console.log(`docker secret create ${labels(s).join(' ')} ${s.name} -   # stdin: ${s.random ? `a random ${s.variable}, only when it does not exist` : `the value of ${s.variable} from ${path.basename(envFile)}`}`);
  }
  process.exit(0);
}

await assertSwarmManager().catch((error) => fail(error.message));
const existing = await existingSecrets();

if (argv.remove) {
  let failed = 0;
  for (const s of secrets.filter((x) => existing.has(x.name))) {
    const removed = await $`docker secret rm ${s.name}`.nothrow();
    if (removed.exitCode === 0) console.log(`${s.name}: removed`);
    else {
      failed++;
      console.error(`${s.name}: not removed: ${removed.stderr.trim()}`);
    }
  }
  for (const s of secrets.filter((x) => !existing.has(x.name))) console.log(`${s.name}: does not exist`);
  process.exit(failed > 0 ? 1 : 0);
}

const fromFile = secrets.filter((s) => !s.random);
const values = fromFile.length === 0 ? new Map() : parseEnvFileOrFail(await readFile(envFile, 'utf8').catch(() => fail(`${envFile} not found; copy out/env/mcp_credentials.env.example and fill it in`)));
const missing = fromFile.filter((s) => !values.get(s.variable));
if (missing.length > 0) fail(`${envFile} has no value for ${missing.map((s) => `${s.variable} (${s.customer})`).join(', ')}; nothing was created`);

let failed = 0;
for (const s of secrets) {
  if (s.random) {
    // Never replaced: a new key would end every session the replicas sealed with the old one.
    if (existing.has(s.name)) {
      console.log(`${s.name}: exists, kept`);
      continue;
    }
    const created = await $({ input: randomBytes(RANDOM_KEY_BYTES).toString('base64') })`docker secret create ${labels(s)} ${s.name} -`.nothrow();
    if (created.exitCode === 0) console.log(`${s.name}: created with a random ${s.variable}`);
    else {
      failed++;
      console.error(`${s.name}: docker secret create failed (exit ${created.exitCode}): ${created.stderr.trim()}`);
    }
    continue;
  }
  if (existing.has(s.name)) {
    if (!argv.replace) {
      console.log(`${s.name}: exists, kept (--replace to recreate it)`);
      continue;
    }
    const removed = await $`docker secret rm ${s.name}`.nothrow();
    if (removed.exitCode !== 0) {
      failed++;
      console.error(`${s.name}: not replaced: ${removed.stderr.trim()} — take customer ${s.customer} down first (pnpm manage --target swarm down --customer ${s.customer})`);
      continue;
    }
  }
  const created = await $({ input: values.get(s.variable) })`docker secret create ${labels(s)} ${s.name} -`.nothrow();
  if (created.exitCode === 0) console.log(`${s.name}: ${existing.has(s.name) ? 'replaced' : 'created'} from ${s.variable}`);
  else {
    failed++;
    console.error(`${s.name}: docker secret create failed (exit ${created.exitCode}): ${created.stderr.trim()}`);
  }
}
process.exit(failed > 0 ? 1 : 0);

function parseEnvFileOrFail(text) {
  try {
    return parseEnvFile(text, envFile);
  } catch (error) {
    fail(error.message);
  }
}
