/**
 * `pnpm agent` on the host against a config generated for compose: its upstream URLs name compose services
 * (`http://mcp-grafana-acme:8000/mcp`), which resolve only inside the compose network.
 *
 * - {@link unresolvedServiceHosts} finds the single-label upstream host names that do not resolve here (checked once at
 *   start, in the background), for one hint line ({@link composeHint});
 * - `--upstream-compose-file FILE` (`AGENT_UPSTREAM_COMPOSE_FILE`) rewrites each `http(s)://<service>:<port>/…` URL to
 *   the address that FILE publishes for that service and container port (`127.0.0.1:20004` for
 *   `ports: ["127.0.0.1:20004:8000"]`), so the agent on the host reaches the servers compose started
 *   ({@link publishedPorts}, {@link rewriteUpstreams}).
 */
import { lookup } from 'node:dns/promises';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { load } from 'js-yaml';
import type { RuntimeConfig } from './config.ts';

/** Default compose file of the MCP servers, beside the generated runtime config. */
export const COMPOSE_FILE_NAME = 'docker-compose.mcps.yml';

/** A compose file that cannot be used. */
export class ComposeFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ComposeFileError';
  }
}

/** `service:containerPort` → `host:port` as published on the host. */
export type PublishedPorts = Map<string, string>;

/** The single-label host names (compose service names look like this) of the config's upstream URLs, sorted. */
export function serviceHosts(config: RuntimeConfig): string[] {
  const hosts = new Set<string>();
  for (const customer of config.customers) {
    for (const server of customer.mcp_servers) {
      const host = hostOf(server.url);
      if (host && isServiceName(host)) hosts.add(host);
    }
  }
  return [...hosts].sort();
}

/**
 * The {@link serviceHosts} that do not resolve on this machine (ENOTFOUND and the like); each lookup bounded by
 * `timeoutMs` (a lookup that takes longer counts as resolved: no hint rather than a wrong one).
 */
export async function unresolvedServiceHosts(config: RuntimeConfig, timeoutMs = 3_000, resolve: (host: string) => Promise<unknown> = (host) => lookup(host)): Promise<string[]> {
  const hosts = serviceHosts(config);
  const results = await Promise.all(
    hosts.map(async (host) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
      try {
        const outcome = await Promise.race([resolve(host).then(() => 'ok' as const), timeout]);
        return outcome === 'ok' || outcome === 'timeout' ? null : host;
      } catch {
        return host;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return results.filter((h): h is string => h !== null);
}

/**
 * The ports a compose file publishes: `service:containerPort` → `hostIp:hostPort` (`127.0.0.1` when the binding gives
 * no address or all addresses). Short (`"127.0.0.1:20004:8000"`, `"20004:8000"`) and long (`{target, published,
 * host_ip}`) syntax; ranges and unpublished ports are skipped. Throws {@link ComposeFileError}.
 */
export function publishedPorts(file: string): PublishedPorts {
  let doc: unknown;
  try {
    doc = load(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ComposeFileError(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message.split('\n')[0]}`);
  }
  const services = (doc as { services?: unknown } | null)?.services;
  if (!services || typeof services !== 'object') throw new ComposeFileError(`${file}: no "services" map (is it a compose file?)`);
  const out: PublishedPorts = new Map();
  for (const [name, service] of Object.entries(services as Record<string, unknown>)) {
    const ports = (service as { ports?: unknown } | null)?.ports;
    if (!Array.isArray(ports)) continue;
    for (const entry of ports) {
      const binding = parseBinding(entry);
      if (binding) out.set(`${name}:${binding.target}`, `${hostForUrl(binding.hostIp)}:${binding.published}`);
    }
  }
  return out;
}

/**
 * The config with every upstream URL whose host:port is a published compose service rewritten to the published
 * address (path and query kept). Returns the new config, how many URLs changed, and the service hosts not found in
 * the file.
 */
export function rewriteUpstreams(config: RuntimeConfig, published: PublishedPorts): { config: RuntimeConfig; rewritten: number; missing: string[] } {
  let rewritten = 0;
  const missing = new Set<string>();
  const customers = config.customers.map((customer) => ({
    ...customer,
    mcp_servers: customer.mcp_servers.map((server) => {
      let url: URL;
      try {
        url = new URL(server.url);
      } catch {
        return server;
      }
      if (!isServiceName(url.hostname)) return server;
      const port = url.port || (url.protocol === 'https:' ? '443' : '80');
      const target = published.get(`${url.hostname}:${port}`);
      if (!target) {
        missing.add(`${url.hostname}:${port}`);
        return server;
      }
      rewritten++;
      return { ...server, url: `${url.protocol}//${target}${url.pathname}${url.search}` };
    }),
  }));
  return { config: { ...config, customers }, rewritten, missing: [...missing].sort() };
}

/**
 * The hint for upstream hosts that do not resolve: what they are, and the two ways out. `composeFile` (the file beside
 * the config, when it exists) adds where the first ones are published.
 */
export function composeHint(unresolved: string[], config: RuntimeConfig, composeFile: string | undefined): string {
  const shown = unresolved.slice(0, 5).join(', ') + (unresolved.length > 5 ? ` and ${unresolved.length - 5} more` : '');
  let examples = '';
  if (composeFile) {
    try {
      const published = publishedPorts(composeFile);
      const pairs: string[] = [];
      for (const customer of config.customers) {
        for (const server of customer.mcp_servers) {
          let url: URL;
          try {
            url = new URL(server.url);
          } catch {
            continue;
          }
          const key = `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
          const target = published.get(key);
          if (target && unresolved.includes(url.hostname) && pairs.length < 3 && !pairs.some((p) => p.startsWith(`${key} `))) pairs.push(`${key} → ${target}`);
        }
      }
      if (pairs.length) examples = ` (${pairs.join(', ')})`;
    } catch {
      /* no examples */
    }
  }
  const file = composeFile ? displayPath(composeFile) : `out/${COMPOSE_FILE_NAME}`;
  return (
    `upstream host${unresolved.length === 1 ? '' : 's'} ${shown} do${unresolved.length === 1 ? 'es' : ''} not resolve here: compose service names resolve only inside the compose network. ` +
    `Run the agent in compose (pnpm manage up), or point it at the ports compose publishes on the host: ` +
    `pnpm agent --upstream-compose-file ${file} (or AGENT_UPSTREAM_COMPOSE_FILE=${file})${examples}`
  );
}

/** The compose file beside a config (`out/docker-compose.mcps.yml` for `out/mcp_servers.json`), if there is one. */
export function composeFileBeside(configPath: string): string | undefined {
  const candidate = join(dirname(configPath), COMPOSE_FILE_NAME);
  return existsSync(candidate) ? candidate : undefined;
}

/** A path relative to the working directory when it lies below it (what to type after `pnpm agent`). */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/** A host name of one label that is not `localhost` and not an address: what compose service names look like. */
function isServiceName(host: string): boolean {
  return /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/i.test(host) && host.toLowerCase() !== 'localhost' && !/^\d+$/.test(host);
}

function hostForUrl(ip: string | undefined): string {
  if (!ip || ip === '0.0.0.0' || ip === '::' || ip === '[::]') return '127.0.0.1';
  const bare = ip.replace(/^\[(.*)\]$/, '$1');
  return bare.includes(':') ? `[${bare}]` : bare;
}

function parseBinding(entry: unknown): { hostIp?: string; published: string; target: string } | undefined {
  if (typeof entry === 'object' && entry !== null) {
    const { target, published, host_ip: hostIp } = entry as { target?: unknown; published?: unknown; host_ip?: unknown };
    if (target === undefined || published === undefined || !/^\d+$/.test(String(target)) || !/^\d+$/.test(String(published))) return undefined;
    return { ...(typeof hostIp === 'string' && { hostIp }), published: String(published), target: String(target) };
  }
  if (typeof entry !== 'string' && typeof entry !== 'number') return undefined;
  const text = String(entry).replace(/\/(tcp|udp)$/, '');
  // [ip:]published:target, the ip possibly a bracketed IPv6 address.
  const match = /^(?:(\[[^\]]+\]|[^:]+):)?(\d+):(\d+)$/.exec(text);
  if (!match) return undefined;
  return { ...(match[1] && { hostIp: match[1] }), published: match[2]!, target: match[3]! };
}
