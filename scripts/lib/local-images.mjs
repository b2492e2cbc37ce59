// Images for a fleet that runs without a registry (`pnpm manage build --local`): a local recipe for every public
// image the generated files name, built from what this machine reaches (the npm registry through the host's npm,
// Debian through debootstrap, the host's Node binary), tagged mcpfleet-local/…, and override files that point the
// generated compose file and Swarm stacks at them without changing out/.
//
// Plain ESM with Node's own modules and `yaml`: used by scripts/manage.mjs (zx) and by the end-to-end tests.
// Images are a cache: each carries a label with the hash of its recipe's inputs and is rebuilt only when that
// changes (the agent's is rebuilt every time, with Docker's layer cache, so it runs the current runtime code).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PREFIX = 'mcpfleet-local';
const RECIPE_LABEL = 'mcpfleet.local-recipe';
/** Where the local images put the health check (scripts/lib/mcp-health.mjs, copied in). */
export const HEALTH_SCRIPT = '/usr/local/lib/mcpfleet/mcp-health.mjs';

/** Local image tags, by recipe. */
export const LOCAL_IMAGES = {
  debian: `${PREFIX}/debian:bookworm`,
  node: `${PREFIX}/node:bookworm`,
  alertmanagerMcp: `${PREFIX}/alertmanager-mcp:local`,
  prometheusMcp: `${PREFIX}/prometheus-mcp:local`,
  grafanaMcp: `${PREFIX}/grafana-mcp:local`,
  genesysMcp: `${PREFIX}/genesys-mcp:local`,
  agent: `${PREFIX}/agent:local`,
  haproxy: `${PREFIX}/haproxy:local`,
  /** A real Alertmanager (Debian's), as an upstream for tests; no public image of the fleet maps to it. */
  alertmanager: `${PREFIX}/alertmanager:local`,
};

/**
 * Public images (repository, any tag) of the generated files and the recipe standing in for each. `provides`: the
 * executables a health check may call in the local image.
 */
export const STAND_INS = [
  { repository: 'ghcr.io/ntk148v/alertmanager-mcp-server', recipe: 'alertmanagerMcp', what: 'mcp-alertmanager (npm, static binary) on MCP_PORT' },
  // The image of the example plugin examples/plugins/prometheus (docs/plugins.md).
  { repository: 'ghcr.io/jeanlopezxyz/mcp-prometheus', recipe: 'prometheusMcp', what: 'mcp-prometheus (npm, static binary), with the public image\'s arguments' },
  { repository: 'grafana/mcp-grafana', recipe: 'grafanaMcp', what: '@leval/mcp-grafana (npm, stdio) behind mcp-proxy' },
  { repository: 'mcpfleet/genesys-cloud-mcp', recipe: 'genesysMcp', what: 'images/genesys/package.json behind mcp-proxy, on the local Node base' },
  { repository: 'mcpfleet/agent', recipe: 'agent', what: 'runtime/Dockerfile on the local Node base' },
  { repository: 'haproxy', recipe: 'haproxy', what: "Debian's haproxy 2.6" },
];

const NODE_BASED = ['node', 'bash', 'sh'];
/** What each local image can run in a health check. */
export const PROVIDES = {
  debian: ['bash', 'sh'],
  node: NODE_BASED,
  alertmanagerMcp: NODE_BASED,
  prometheusMcp: NODE_BASED,
  grafanaMcp: NODE_BASED,
  genesysMcp: NODE_BASED,
  agent: NODE_BASED,
  haproxy: ['bash', 'sh'],
  alertmanager: ['bash', 'sh'],
};

/** The repository of an image reference without tag or digest, docker.io/library/ dropped. */
export function imageRepository(image) {
  const withoutDigest = String(image).split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const repository = colon > lastSlash ? withoutDigest.slice(0, colon) : withoutDigest;
  return repository.replace(/^(docker\.io\/)?library\//, '').replace(/^docker\.io\//, '');
}

/** The stand-in for a public image, or undefined. */
export function standInFor(image) {
  return STAND_INS.find((s) => s.repository === imageRepository(image));
}

// ---------------------------------------------------------------------------------------------------------------
// Building

const run = (command, args, options = {}) => execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 900_000, maxBuffer: 64 * 1024 * 1024, ...options });

/** Runs a command; on failure throws one sentence with the command's own last lines of output. */
function step(what, command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 900_000, maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error?.code === 'ENOENT') throw new Error(`${what}: ${command} is not installed${command === 'debootstrap' ? ' (apt-get install debootstrap)' : ''}`);
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.trim().split('\n').slice(-12).join('\n');
    throw new Error(`${what} failed (${command} exit ${result.status ?? result.signal}):\n${output}`);
  }
  return result.stdout;
}

/** Image id and recipe label of a tag, or undefined when there is no such image. */
function inspectImage(tag) {
  const result = spawnSync('docker', ['image', 'inspect', '--format', '{{.Id}} {{json .Config.Labels}}', tag], { encoding: 'utf8' });
  if (result.status !== 0) return undefined;
  const [id, labels] = result.stdout.trim().split(/ (.*)/s);
  return { id, recipe: JSON.parse(labels || 'null')?.[RECIPE_LABEL] };
}

export const imageExists = (tag) => inspectImage(tag) !== undefined;

const sha = (...parts) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(typeof part === 'string' ? part : part).update('\0');
  return hash.digest('hex').slice(0, 16);
};
const fileHash = (file) => sha(readFileSync(file));

/** The cache of host-side npm installs and the Debian rootfs. */
export function cacheDir() {
  return process.env.MCPFLEET_IMAGE_CACHE ?? path.join(homedir(), '.cache', 'mcpfleet', 'local-images');
}

/** `docker build` of a Dockerfile text with files copied into a fresh context; the old image removed if left dangling. */
function buildFromContext(tag, recipe, dockerfile, files = {}) {
  const context = mkdtempSync(path.join(tmpdir(), 'mcpfleet-image-'));
  try {
    writeFileSync(path.join(context, 'Dockerfile'), dockerfile);
    for (const [target, source] of Object.entries(files)) cpSync(source, path.join(context, target), { recursive: true, dereference: true });
    dockerBuild(tag, recipe, ['-t', tag, context]);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

function dockerBuild(tag, recipe, args) {
  const before = inspectImage(tag);
  step(`docker build of ${tag}`, 'docker', ['build', '-q', '--label', `${RECIPE_LABEL}=${recipe}`, ...args]);
  const after = inspectImage(tag);
  // The tag moved: the image it named is removed unless something still uses it (then docker refuses; fine).
  if (before && after && before.id !== after.id) spawnSync('docker', ['image', 'rm', before.id], { stdio: 'ignore' });
}

/** The Debian mirror this machine uses, from its apt sources. */
function debianMirror() {
  const dir = '/etc/apt/sources.list.d';
  const sources = ['/etc/apt/sources.list', ...(existsSync(dir) ? readdirSync(dir).map((f) => `${dir}/${f}`) : [])];
  for (const file of sources.filter(existsSync)) {
    const match = readFileSync(file, 'utf8').match(/(?:URIs:\s*|^deb\s+(?:\[[^\]]*\]\s+)?)(https?:\/\/\S+\/debian)\/?\s/m);
    if (match) return match[1];
  }
  return 'http://deb.debian.org/debian';
}

/** npm install of a package.json on the host (the image build has no registry), cached by the file's hash. */
function npmModules(name, packageJson) {
  const dir = path.join(cacheDir(), 'npm', `${name}-${fileHash(packageJson)}`);
  if (!existsSync(path.join(dir, '.installed'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    cpSync(packageJson, path.join(dir, 'package.json'));
    step(`npm install for ${name}`, 'npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: dir });
    writeFileSync(path.join(dir, '.installed'), new Date().toISOString());
  }
  return path.join(dir, 'node_modules');
}

const RUN_AS = 'USER 65532:65532';

/** The static mcp-alertmanager binary of the repo's devDependency mcp-alertmanager. */
function alertmanagerBinary(root) {
  const packageJson = run(process.execPath, ['-e', "console.log(require.resolve('mcp-alertmanager-linux-amd64/package.json', { paths: [require.resolve('mcp-alertmanager/package.json')] }))"], { cwd: root }).trim();
  return path.join(path.dirname(packageJson), 'bin/mcp-alertmanager-linux-amd64');
}

/** The static mcp-prometheus binary of the repo's devDependency mcp-prometheus-linux-amd64. */
function prometheusBinary(root) {
  const packageJson = run(process.execPath, ['-e', "console.log(require.resolve('mcp-prometheus-linux-amd64/package.json'))"], { cwd: root }).trim();
  return path.join(path.dirname(packageJson), 'bin/mcp-prometheus-linux-amd64');
}

/**
 * Recipes: what each needs first, the hash of its inputs (undefined: always rebuilt), and how to build it.
 * @type {Record<string, { needs: string[], key: (ctx) => string | undefined, build: (ctx) => void }>}
 */
const RECIPES = {
  debian: {
    needs: [],
    // An imported image carries no label: one that exists is used.
    key: () => 'present',
    build: (ctx) => {
      if (process.getuid?.() !== 0) throw new Error('the Debian base image is made with debootstrap, which needs root');
      const rootfs = mkdtempSync(path.join(tmpdir(), 'mcpfleet-rootfs-'));
      try {
        ctx.log(`  debootstrap --variant=minbase bookworm (${debianMirror()}), about 30 s`);
        step('debootstrap of the Debian base', 'debootstrap', ['--variant=minbase', 'bookworm', rootfs, debianMirror()]);
        step(`docker import of ${LOCAL_IMAGES.debian}`, 'sh', ['-c', `tar -C '${rootfs}' -c . | docker import - ${LOCAL_IMAGES.debian}`]);
      } finally {
        rmSync(rootfs, { recursive: true, force: true });
      }
    },
  },
  node: {
    needs: ['debian'],
    key: (ctx) => sha(ctx.parent('debian'), process.version, fileHash(ctx.healthScript)),
    build: (ctx) =>
      buildFromContext(LOCAL_IMAGES.node, ctx.key, `FROM ${LOCAL_IMAGES.debian}\nCOPY node /usr/local/bin/node\nCOPY mcp-health.mjs ${HEALTH_SCRIPT}\n`, {
        node: process.execPath,
        'mcp-health.mjs': ctx.healthScript,
      }),
  },
  alertmanagerMcp: {
    needs: ['node'],
    key: (ctx) => sha(ctx.parent('node'), fileHash(alertmanagerBinary(ctx.root)), fileHash(path.join(ctx.root, 'images/alertmanager-stand-in/start.mjs'))),
    build: (ctx) =>
      buildFromContext(
        LOCAL_IMAGES.alertmanagerMcp,
        ctx.key,
        `FROM ${LOCAL_IMAGES.node}\nCOPY mcp-alertmanager /usr/local/bin/mcp-alertmanager\nCOPY start.mjs /app/start.mjs\n${RUN_AS}\nEXPOSE 8000\nENTRYPOINT ["node", "/app/start.mjs"]\n`,
        { 'mcp-alertmanager': alertmanagerBinary(ctx.root), 'start.mjs': path.join(ctx.root, 'images/alertmanager-stand-in/start.mjs') },
      ),
  },
  prometheusMcp: {
    needs: ['node'],
    key: (ctx) => sha(ctx.parent('node'), fileHash(prometheusBinary(ctx.root))),
    // The public image runs the binary with the container's arguments (--port 8000 for streamable HTTP), as this does.
    build: (ctx) =>
      buildFromContext(
        LOCAL_IMAGES.prometheusMcp,
        ctx.key,
        `FROM ${LOCAL_IMAGES.node}\nCOPY mcp-prometheus /usr/local/bin/mcp-prometheus\n${RUN_AS}\nEXPOSE 8000\nENTRYPOINT ["/usr/local/bin/mcp-prometheus"]\n`,
        { 'mcp-prometheus': prometheusBinary(ctx.root) },
      ),
  },
  grafanaMcp: {
    needs: ['node'],
    key: (ctx) => sha(ctx.parent('node'), fileHash(path.join(ctx.root, 'images/grafana-stand-in/package.json')), fileHash(path.join(ctx.root, 'images/grafana-stand-in/start.mjs'))),
    build: (ctx) =>
      buildFromContext(
        LOCAL_IMAGES.grafanaMcp,
        ctx.key,
        `FROM ${LOCAL_IMAGES.node}\nWORKDIR /app\nCOPY node_modules /app/node_modules\nCOPY start.mjs /app/start.mjs\n${RUN_AS}\nEXPOSE 8000\nENTRYPOINT ["node", "/app/start.mjs"]\nCMD ["-t", "streamable-http", "--address", "0.0.0.0:8000"]\n`,
        { node_modules: npmModules('grafana-stand-in', path.join(ctx.root, 'images/grafana-stand-in/package.json')), 'start.mjs': path.join(ctx.root, 'images/grafana-stand-in/start.mjs') },
      ),
  },
  genesysMcp: {
    needs: ['node'],
    key: (ctx) => sha(ctx.parent('node'), fileHash(path.join(ctx.root, 'images/genesys/package.json'))),
    build: (ctx) =>
      buildFromContext(
        LOCAL_IMAGES.genesysMcp,
        ctx.key,
        `FROM ${LOCAL_IMAGES.node}\nWORKDIR /app\nCOPY node_modules /app/node_modules\n${RUN_AS}\nEXPOSE 8000\nCMD ["node", "node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs", "--host", "0.0.0.0", "--port", "8000", "--", "node", "node_modules/@makingchatbots/genesys-cloud-mcp-server/dist/cli.js"]\n`,
        { node_modules: npmModules('genesys', path.join(ctx.root, 'images/genesys/package.json')) },
      ),
  },
  agent: {
    needs: ['node'],
    key: () => undefined,
    build: (ctx) => {
      // The image packs the runtime's bundle, built on the host first; Docker's cache keeps the image when it is the same.
      step('pnpm build:agent', 'pnpm', ['-s', 'build:agent'], { cwd: ctx.root });
      dockerBuild(LOCAL_IMAGES.agent, `${ctx.parent('node')}`, ['--build-arg', `NODE_IMAGE=${LOCAL_IMAGES.node}`, '-t', LOCAL_IMAGES.agent, '-f', path.join(ctx.root, 'runtime/Dockerfile'), ctx.root]);
    },
  },
  haproxy: {
    needs: ['debian'],
    key: (ctx) => sha(ctx.parent('debian'), fileHash('/usr/sbin/haproxy')),
    build: (ctx) => {
      // Debian's haproxy and the shared libraries it links that the minbase image lacks; configuration where the
      // official image reads it.
      if (!existsSync('/usr/sbin/haproxy')) throw new Error('the local haproxy image copies Debian\'s haproxy from this machine: apt-get install haproxy');
      const libraries = run('ldd', ['/usr/sbin/haproxy'])
        .split('\n')
        .map((line) => /=> (\/\S+)/.exec(line)?.[1])
        .filter((lib) => Boolean(lib) && !/\/(libc|libm|ld-linux[^/]*)\.so/.test(lib));
      const files = { haproxy: '/usr/sbin/haproxy' };
      for (const lib of libraries) files[`lib/${path.basename(lib)}`] = lib;
      buildFromContext(
        LOCAL_IMAGES.haproxy,
        ctx.key,
        `FROM ${LOCAL_IMAGES.debian}\nCOPY haproxy /usr/sbin/haproxy\nCOPY lib /opt/haproxy/lib\nENV LD_LIBRARY_PATH=/opt/haproxy/lib\n${RUN_AS}\nENTRYPOINT ["/usr/sbin/haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]\n`,
        files,
      );
    },
  },
  alertmanager: {
    needs: ['debian'],
    key: (ctx) => sha(ctx.parent('debian'), fileHash('/usr/bin/prometheus-alertmanager')),
    build: (ctx) => {
      if (!existsSync('/usr/bin/prometheus-alertmanager')) throw new Error('the local Alertmanager image copies Debian\'s from this machine: apt-get install prometheus-alertmanager');
      const config = mkdtempSync(path.join(tmpdir(), 'mcpfleet-am-'));
      writeFileSync(path.join(config, 'alertmanager.yml'), "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n");
      try {
        buildFromContext(
          LOCAL_IMAGES.alertmanager,
          ctx.key,
          `FROM ${LOCAL_IMAGES.debian}\nCOPY prometheus-alertmanager /usr/bin/prometheus-alertmanager\nCOPY templates /usr/share/prometheus/alertmanager\nCOPY alertmanager.yml /etc/alertmanager.yml\n${RUN_AS}\nENTRYPOINT ["/usr/bin/prometheus-alertmanager", "--config.file=/etc/alertmanager.yml", "--storage.path=/tmp", "--web.listen-address=:9093", "--cluster.listen-address="]\n`,
          { 'prometheus-alertmanager': '/usr/bin/prometheus-alertmanager', templates: '/usr/share/prometheus/alertmanager', 'alertmanager.yml': path.join(config, 'alertmanager.yml') },
        );
      } finally {
        rmSync(config, { recursive: true, force: true });
      }
    },
  },
};

/**
 * Builds the recipes named (and what they need) whose image is missing or was built from other inputs.
 * @param {string[]} names  keys of LOCAL_IMAGES
 * @param {{ root?: string, log?: (line: string) => void, rebuild?: boolean }} [options]
 * @returns {{ recipe: string, tag: string, action: 'built' | 'cached', seconds: number }[]}
 */
export function buildLocalImages(names, { root = REPO_ROOT, log = () => {}, rebuild = false } = {}) {
  const ordered = [];
  const visit = (name) => {
    if (!RECIPES[name]) throw new Error(`no local recipe ${name}; known: ${Object.keys(RECIPES).join(', ')}`);
    if (ordered.includes(name)) return;
    for (const need of RECIPES[name].needs) visit(need);
    ordered.push(name);
  };
  for (const name of names) visit(name);
  const done = [];
  for (const name of ordered) {
    const recipe = RECIPES[name];
    const ctx = {
      root,
      log,
      healthScript: path.join(REPO_ROOT, 'scripts/lib/mcp-health.mjs'),
      parent: (parentName) => inspectImage(LOCAL_IMAGES[parentName])?.id ?? '',
    };
    ctx.key = recipe.key(ctx);
    const tag = LOCAL_IMAGES[name];
    const started = Date.now();
    const existing = inspectImage(tag);
    if (!rebuild && ctx.key !== undefined && existing && (existing.recipe === ctx.key || ctx.key === 'present')) {
      done.push({ recipe: name, tag, action: 'cached', seconds: 0 });
      continue;
    }
    log(`building ${tag}…`);
    recipe.build({ ...ctx, key: ctx.key ?? 'always' });
    done.push({ recipe: name, tag, action: 'built', seconds: Math.round((Date.now() - started) / 100) / 10 });
  }
  return done;
}

// ---------------------------------------------------------------------------------------------------------------
// Override files

/** The folder of the local images' state and override files for a fleet whose generated files are in `outDir`. */
export const localDirFor = (outDir) => path.resolve(outDir, '..', '.mcpfleet-local');
export const MANIFEST = 'local-images.json';
/** The override of a compose file: named after it (docker-compose.mcps.yml → docker-compose.mcps.local.yml). */
export const composeOverrideFile = (localDir, composeFile) => path.join(localDir, `${path.basename(composeFile).replace(/\.ya?ml$/, '')}.local.yml`);
export const swarmOverrideFile = (localDir, stackFile) => path.join(localDir, 'swarm', path.basename(stackFile));

/**
 * @typedef {object} OverrideEntry
 * @property {string} service
 * @property {string} customer      '' for the agent and its balancer
 * @property {string} image         the image the generated file names
 * @property {string|undefined} local    the local image used instead (undefined: none)
 * @property {'kept'|'replaced'|'added'|'disabled'|'none'} healthcheck
 * @property {string|undefined} note     why (for replaced, added, disabled), or what is missing
 */

/** The executable a compose/stack health check test runs, or undefined for none. */
function checkExecutable(healthcheck) {
  const test = healthcheck?.test;
  if (!test || healthcheck.disable) return undefined;
  if (typeof test === 'string') return 'sh';
  if (test[0] === 'CMD') return test[1];
  if (test[0] === 'CMD-SHELL') return 'sh';
  return undefined;
}

/** A compose duration ('30s', '1m30s', '500ms') in seconds. */
function seconds(duration) {
  let total = 0;
  for (const [, n, unit] of String(duration).matchAll(/(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)/g)) total += Number(n) * { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 }[unit];
  return total;
}

/** The container port and MCP path of an MCP server service (compose or stack syntax), or undefined. */
function mcpEndpoint(definition) {
  const labels = { ...(definition.labels ?? {}), ...(definition.deploy?.labels ?? {}) };
  const mcpPath = labels['mcpfleet.mcp-path'];
  if (!mcpPath || labels['mcpfleet.role']) return undefined;
  const port = (definition.ports ?? [])
    .map((p) => (typeof p === 'object' ? p.target : Number(String(p).split(':').pop()?.split('/')[0])))
    .find((p) => Number.isInteger(p));
  return port ? `http://127.0.0.1:${port}${mcpPath}` : undefined;
}

/**
 * The override of one generated compose or stack file: each service whose image has a local stand-in that is
 * built gets it, and a health check that runs in it. `present(tag)` tells whether an image exists locally.
 * @returns {{ services: Record<string, object>, entries: OverrideEntry[] }}
 */
export function overrideServices(document, present) {
  const services = {};
  const entries = [];
  for (const [service, definition] of Object.entries(document?.services ?? {})) {
    const labels = { ...(definition.labels ?? {}), ...(definition.deploy?.labels ?? {}) };
    const entry = { service, customer: labels['mcpfleet.customer'] ?? '', image: definition.image, local: undefined, healthcheck: 'none', note: undefined };
    entries.push(entry);
    if (!definition.image) continue;
    const standIn = standInFor(definition.image);
    if (!standIn) {
      entry.note = present(definition.image) ? 'no stand-in; the image exists on this engine' : 'no local recipe and not on this engine';
      if (present(definition.image)) entry.local = definition.image;
      continue;
    }
    const tag = LOCAL_IMAGES[standIn.recipe];
    if (!present(tag)) {
      entry.note = `${tag} is not built`;
      continue;
    }
    entry.local = tag;
    const override = { image: tag };
    const executable = checkExecutable(definition.healthcheck);
    const endpoint = mcpEndpoint(definition);
    const provides = PROVIDES[standIn.recipe];
    if (executable && provides.includes(executable)) entry.healthcheck = 'kept';
    else if (endpoint && provides.includes('node')) {
      const base = definition.healthcheck ?? {};
      override.healthcheck = {
        test: ['CMD', 'node', HEALTH_SCRIPT, endpoint],
        // At most 10 s apart: `docker ps` turns healthy soon after manage status does (compose v1 has no start_interval).
        interval: seconds(base.interval ?? '30s') > 10 ? '10s' : base.interval,
        timeout: base.timeout ?? '5s',
        retries: base.retries ?? 3,
        start_period: base.start_period ?? '20s',
      };
      entry.healthcheck = executable ? 'replaced' : 'added';
      entry.note = executable
        ? `the generated check runs ${executable}, which ${tag} lacks; MCP initialize + tools/list instead`
        : `none generated; MCP initialize + tools/list, as manage status probes it`;
    } else if (executable) {
      override.healthcheck = { disable: true };
      entry.healthcheck = 'disabled';
      entry.note = `the generated check runs ${executable}, which ${tag} lacks, and it serves no MCP endpoint to probe`;
    }
    services[service] = override;
  }
  return { services, entries };
}

/**
 * The text of an override file: a header saying where it comes from, the base's hash, the services.
 *
 * For compose it holds only what changes (`docker-compose -f base -f this` replaces a health check's test). For a
 * Swarm stack it is the whole stack file with those changes applied and relative `file:` paths made absolute, and
 * is deployed instead of the generated one: `docker stack deploy -c base -c override` appends lists when it merges,
 * so a replaced check would run `CMD curl … CMD node …` — curl again.
 */
export function overrideText(document, baseFile, present, { stack = false } = {}) {
  const { services, entries } = overrideServices(document, present);
  const header = [
    `# Generated by \`pnpm manage build --local\` (scripts/lib/local-images.mjs) from ${baseFile} — do not edit.`,
    stack
      ? '# The stack file with local images: manage deploys it instead of that file (docker stack deploy -c this), and'
      : '# manage uses it with that file (docker-compose -f base -f this), and',
    '# rewrites it whenever the base changes; delete its folder (or pass --no-local) to run the public images again.',
    '# See docs/operating-locally.md.',
    ...entries.filter((e) => e.local && e.local !== e.image).map((e) => `#   ${e.service}: ${e.image} -> ${e.local}${e.healthcheck !== 'none' && e.healthcheck !== 'kept' ? `; health check ${e.healthcheck}: ${e.note}` : ''}`),
  ];
  const about = { base: baseFile, 'base-sha256': sha(YAML.stringify(document ?? {})) };
  let body;
  if (stack) {
    body = structuredClone(document ?? {});
    for (const [name, change] of Object.entries(services)) Object.assign(body.services[name], change);
    for (const section of ['configs', 'secrets']) {
      for (const item of Object.values(body[section] ?? {})) if (item?.file) item.file = path.resolve(path.dirname(baseFile), item.file);
    }
    body['x-mcpfleet-local'] = about;
  } else body = { 'x-mcpfleet-local': about, services };
  return { text: `${header.join('\n')}\n${YAML.stringify(body)}`, entries };
}

/** Images that exist on this engine (repository:tag), in one call. */
export function localImageTags() {
  const result = spawnSync('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' });
  return new Set(result.status === 0 ? result.stdout.split('\n').filter(Boolean) : []);
}

/**
 * Writes (when its text changed) the override of a generated file into `overrideFile`.
 * @returns {{ file: string, changed: boolean, entries: OverrideEntry[] }}
 */
export function writeOverride(baseFile, overrideFile, present, { stack = false } = {}) {
  const document = YAML.parse(readFileSync(baseFile, 'utf8'));
  const { text, entries } = overrideText(document, baseFile, present, { stack });
  const old = existsSync(overrideFile) ? readFileSync(overrideFile, 'utf8') : undefined;
  if (old !== text) {
    mkdirSync(path.dirname(overrideFile), { recursive: true });
    writeFileSync(overrideFile, text);
  }
  return { file: overrideFile, changed: old !== undefined && old !== text, entries };
}
