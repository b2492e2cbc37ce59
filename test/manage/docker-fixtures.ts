/**
 * A real Docker engine and locally built images for end-to-end tests (no registry is reachable here):
 * - alertmanager MCP: FROM scratch + the static mcp-alertmanager binary from its npm package;
 * - a Debian rootfs (debootstrap --variant=minbase) imported with `docker import`, plus the host's Node, as the
 *   base of the stdio Genesys server behind mcp-proxy (same package.json as images/genesys), of the agent
 *   runtime (its esbuild bundle) and of a real Alertmanager (Debian's binary and templates).
 * Images are kept as a cache between runs (tag prefix mcpfleet-test/); containers, networks and volumes the
 * tests create are removed by them.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/fleet-repo.ts';

export const IMAGES = {
  debian: 'mcpfleet-test/debian:bookworm',
  node: 'mcpfleet-test/debian-node:bookworm',
  alertmanagerMcp: 'mcpfleet-test/alertmanager-mcp:local',
  genesysMcp: 'mcpfleet-test/genesys-mcp:local',
  alertmanager: 'mcpfleet-test/alertmanager:local',
  agent: 'mcpfleet-test/agent:local',
  haproxy: 'mcpfleet-test/haproxy:local',
} as const;

const CACHE = path.join(tmpdir(), 'mcpfleet-test-cache');

export function sh(command: string, args: string[], options: { input?: string; cwd?: string; timeout?: number } = {}): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: options.timeout ?? 300_000, ...options });
}

const engineUp = () => {
  try {
    sh('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
};

/** Starts dockerd when no engine answers; returns the process to stop afterwards (undefined if one was running). */
export async function ensureDockerEngine(): Promise<ChildProcess | undefined> {
  if (engineUp()) return undefined;
  const daemon = spawn('dockerd', [], { stdio: 'ignore', detached: true });
  for (let attempt = 0; attempt < 60 && !engineUp(); attempt++) await new Promise((r) => setTimeout(r, 1000));
  if (!engineUp()) throw new Error('dockerd did not come up within 60 s');
  return daemon;
}

const imageExists = (tag: string) => {
  try {
    sh('docker', ['image', 'inspect', tag]);
    return true;
  } catch {
    return false;
  }
};

function build(tag: string, dockerfile: string, files: Record<string, string> = {}): void {
  const context = mkdtempSync(path.join(tmpdir(), 'mcpfleet-image-'));
  try {
    writeFileSync(path.join(context, 'Dockerfile'), dockerfile);
    for (const [target, source] of Object.entries(files)) cpSync(source, path.join(context, target), { recursive: true, dereference: true });
    sh('docker', ['build', '-q', '-t', tag, context]);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** The Debian mirror this machine uses, from its apt sources. */
function debianMirror(): string {
  const sources = ['/etc/apt/sources.list', ...(existsSync('/etc/apt/sources.list.d') ? readdirSync('/etc/apt/sources.list.d').map((f) => `/etc/apt/sources.list.d/${f}`) : [])];
  for (const file of sources.filter(existsSync)) {
    const match = readFileSync(file, 'utf8').match(/(?:URIs:\s*|^deb\s+(?:\[[^\]]*\]\s+)?)(https?:\/\/\S+\/debian)\/?\s/m);
    if (match) return match[1]!;
  }
  return 'http://deb.debian.org/debian';
}

function buildDebianBase(): void {
  if (imageExists(IMAGES.debian)) return;
  const rootfs = path.join(CACHE, 'rootfs');
  if (!existsSync(path.join(rootfs, 'etc/debian_version'))) {
    rmSync(rootfs, { recursive: true, force: true });
    mkdirSync(CACHE, { recursive: true });
    sh('debootstrap', ['--variant=minbase', 'bookworm', rootfs, debianMirror()], { timeout: 600_000 });
  }
  execFileSync('sh', ['-c', `tar -C '${rootfs}' -c . | docker import - ${IMAGES.debian}`], { stdio: 'ignore', timeout: 300_000 });
}

/** npm install of the Genesys image's own package.json, on the host (the build has no registry). */
function genesysModules(): string {
  const dir = path.join(CACHE, 'genesys');
  if (!existsSync(path.join(dir, 'node_modules/.bin/mcp-proxy'))) {
    mkdirSync(dir, { recursive: true });
    cpSync(path.join(REPO_ROOT, 'images/genesys/package.json'), path.join(dir, 'package.json'));
    sh('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir, timeout: 600_000 });
  }
  return path.join(dir, 'node_modules');
}

const NODE_RUN_AS = 'USER 65532:65532';

/** Builds every test image that is missing (the agent image always, so it runs the current runtime code). */
export function buildTestImages(): void {
  if (!imageExists(IMAGES.alertmanagerMcp)) {
    const binary = path.join(REPO_ROOT, 'node_modules/mcp-alertmanager/node_modules/mcp-alertmanager-linux-amd64/bin/mcp-alertmanager-linux-amd64');
    const fallback = sh('node', ['-e', "console.log(require.resolve('mcp-alertmanager-linux-amd64/package.json', { paths: [require.resolve('mcp-alertmanager/package.json')] }))"], { cwd: REPO_ROOT }).trim();
    const source = existsSync(binary) ? binary : path.join(path.dirname(fallback), 'bin/mcp-alertmanager-linux-amd64');
    build(IMAGES.alertmanagerMcp, 'FROM scratch\nCOPY mcp-alertmanager /mcp-alertmanager\nENTRYPOINT ["/mcp-alertmanager"]\n', { 'mcp-alertmanager': source });
  }
  buildDebianBase();
  if (!imageExists(IMAGES.node)) build(IMAGES.node, `FROM ${IMAGES.debian}\nCOPY node /usr/local/bin/node\n`, { node: process.execPath });
  if (!imageExists(IMAGES.alertmanager)) {
    build(
      IMAGES.alertmanager,
      `FROM ${IMAGES.debian}\nCOPY prometheus-alertmanager /usr/bin/prometheus-alertmanager\nCOPY templates /usr/share/prometheus/alertmanager\nCOPY alertmanager.yml /etc/alertmanager.yml\n${NODE_RUN_AS}\nENTRYPOINT ["/usr/bin/prometheus-alertmanager", "--config.file=/etc/alertmanager.yml", "--storage.path=/tmp", "--web.listen-address=:9093", "--cluster.listen-address="]\n`,
      { 'prometheus-alertmanager': '/usr/bin/prometheus-alertmanager', templates: '/usr/share/prometheus/alertmanager', 'alertmanager.yml': writeAlertmanagerConfig() },
    );
  }
  if (!imageExists(IMAGES.genesysMcp)) {
    build(
      IMAGES.genesysMcp,
      `FROM ${IMAGES.node}\nWORKDIR /app\nCOPY node_modules /app/node_modules\n${NODE_RUN_AS}\nCMD ["node", "node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs", "--host", "0.0.0.0", "--port", "8000", "--", "node", "node_modules/@makingchatbots/genesys-cloud-mcp-server/dist/cli.js"]\n`,
      { node_modules: genesysModules() },
    );
  }
  if (!imageExists(IMAGES.haproxy)) buildHaproxy();
  sh('pnpm', ['-s', 'build:agent'], { cwd: REPO_ROOT });
  sh('docker', ['build', '-q', '--build-arg', `NODE_IMAGE=${IMAGES.node}`, '-t', IMAGES.agent, '-f', path.join(REPO_ROOT, 'runtime/Dockerfile'), REPO_ROOT]);
}

/**
 * Debian's haproxy (2.6) and the shared libraries it links that the minbase image lacks, reading its configuration
 * where the official image does (/usr/local/etc/haproxy/haproxy.cfg): the agent balancer of the Swarm stack.
 */
function buildHaproxy(): void {
  const libraries = sh('ldd', ['/usr/sbin/haproxy'])
    .split('\n')
    .map((line) => /=> (\/\S+)/.exec(line)?.[1])
    .filter((lib): lib is string => Boolean(lib) && !/\/(libc|libm|ld-linux[^/]*)\.so/.test(lib!));
  const files: Record<string, string> = { haproxy: '/usr/sbin/haproxy' };
  for (const lib of libraries) files[`lib/${path.basename(lib)}`] = lib;
  build(
    IMAGES.haproxy,
    `FROM ${IMAGES.debian}\nCOPY haproxy /usr/sbin/haproxy\nCOPY lib /opt/haproxy/lib\nENV LD_LIBRARY_PATH=/opt/haproxy/lib\n${NODE_RUN_AS}\nENTRYPOINT ["/usr/sbin/haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]\n`,
    files,
  );
}

function writeAlertmanagerConfig(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'mcpfleet-am-')), 'alertmanager.yml');
  writeFileSync(file, "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n");
  return file;
}

const portIsFree = (port: number, host: string) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });

/** Where to look for free ports: [low, high) on `host`. */
export interface PortWindow {
  low: number;
  high: number;
  host: string;
}

/**
 * The compose e2e's window: 127.0.0.1 in 10000-19999, below the kernel's ephemeral range (32768-60999, where an
 * outgoing connection can hold a port) and apart from the Swarm tests' window.
 */
export const COMPOSE_PORTS: PortWindow = { low: 10000, high: 20000, host: '127.0.0.1' };

/**
 * A run of `count` consecutive ports free right now at a random place in the window, so parallel test runs and
 * other engines' published ports do not collide. Bounded: 50 tries.
 */
export async function freePortRange(count: number, window: PortWindow = COMPOSE_PORTS): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = window.low + Math.floor(Math.random() * (window.high - window.low - count));
    const checks = await Promise.all(Array.from({ length: count }, (_, i) => portIsFree(base + i, window.host)));
    if (checks.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found on ${window.host} in ${window.low}-${window.high - 1}`);
}

/** Every container, network and volume carrying the label, removed. */
export function removeLabelled(label: string): void {
  for (const [kind, list] of [
    ['container', ['ps', '-aq']],
    ['network', ['network', 'ls', '-q']],
    ['volume', ['volume', 'ls', '-q']],
  ] as const) {
    const ids = sh('docker', [...list, '--filter', `label=${label}`]).split('\n').filter(Boolean);
    if (ids.length === 0) continue;
    if (kind === 'container') sh('docker', ['rm', '-f', '-v', ...ids]);
    else sh('docker', [kind, 'rm', ...ids]);
  }
}
