/**
 * Command-line flags and environment variables of the agent runtime. A flag wins over its variable; the API token is
 * read from the environment only (flags are visible in process listings).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultToolLocksDir } from './gateway/locked-tools.ts';
import { isLogLevel } from './logger.ts';
import type { LogLevel } from './logger.ts';

/** Resolved runtime options. */
export interface AgentOptions {
  host: string;
  port: number;
  configPath: string;
  /** Explicit schema file; otherwise the config's `$schema`, then the bundled default. */
  schemaPath?: string;
  connectTimeoutMs: number;
  callTimeoutMs: number;
  poolSize: number;
  logLevel: LogLevel;
  /** From `AGENT_API_TOKEN`. */
  apiToken?: string;
  /** Serve each customer's MCP endpoint under `/customers/<id>/` (`--gateway on|off`, `AGENT_GATEWAY`). */
  gateway: boolean;
  /** Close gateway sessions idle this long, ms. */
  gatewayIdleTimeoutMs: number;
  /** Most gateway sessions open at once, all customers together. */
  gatewayMaxSessions: number;
  /** Most gateway sessions open at once for one customer (so one client cannot lock the others out). */
  gatewayMaxSessionsPerCustomer: number;
  /**
   * Browser origins allowed besides same-origin requests (normalized `scheme://host[:port]`). A request with any other
   * `Origin` header is refused with 403; requests without one (non-browser clients) pass.
   */
  gatewayAllowedOrigins: string[];
  /** Time a client has to send the request headers, ms (node:http `headersTimeout`). */
  httpHeadersTimeoutMs: number;
  /** Time a client has to send the whole request, body included, ms (node:http `requestTimeout`; not the response). */
  httpRequestTimeoutMs: number;
  /** Most open client connections (node:http `maxConnections`). */
  httpMaxConnections: number;
  /** Most open client connections from one remote address; 0 = no per-address limit. */
  httpMaxConnectionsPerAddress: number;
  /** Fold repeated warnings of one kind into one summary line per this interval, ms; 0 = log every line. */
  logRepeatIntervalMs: number;
  /** Write tool-call argument values into the gateway's audit log. */
  auditArguments: boolean;
  /** Serve `/metrics` and count (`--metrics on|off`, `AGENT_METRICS`). */
  metrics: boolean;
  /** Time between health probes of every upstream server (the `mcpfleet_upstream_up` gauge), ms; 0 = no probes. */
  healthIntervalMs: number;
  /** After SIGTERM: keep serving this long with /readyz at 503, so load balancers stop sending, ms. */
  drainDelayMs: number;
  /** After SIGTERM and the delay: most time in-flight requests get to finish, ms. */
  drainTimeoutMs: number;
  /**
   * A compose file whose published ports replace compose service names in upstream URLs (`--upstream-compose-file`,
   * `AGENT_UPSTREAM_COMPOSE_FILE`): for running the agent on the host against servers compose started.
   */
  upstreamComposeFile?: string;
  /**
   * Folder of the tool locks (`<customer id>.json`) read for customers with `gateway.locked_tools_only`
   * (`--tool-locks`, `AGENT_TOOL_LOCKS`; default `tool-locks` beside the config's folder).
   */
  toolLocksDir: string;
}

/** A bad flag or variable. */
export class OptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionsError';
  }
}

/** Help text for `--help`. */
export const USAGE = `usage: tsx runtime/main.ts [options]

  --host HOST               bind address (AGENT_HOST, default 127.0.0.1)
  --port PORT               port, 0 = any free port (AGENT_PORT, default 8080)
  --config FILE             runtime config (AGENT_CONFIG, default out/mcp_servers.json)
  --schema FILE             JSON Schema for the config (AGENT_SCHEMA, default: the config's relative $schema,
                            else schema/ beside the bundle, else out/schema/ in the repository)
  --connect-timeout-ms MS   per-server connect bound (AGENT_CONNECT_TIMEOUT_MS, default 5000)
  --call-timeout-ms MS      per tool call bound (AGENT_CALL_TIMEOUT_MS, default 30000)
  --pool-size N             customers kept connected, LRU (AGENT_POOL_SIZE, default 8)
  --log-level LEVEL         debug|info|warn|error (AGENT_LOG_LEVEL, default info)
  --gateway on|off          serve each customer's MCP endpoint at /customers/<id>/mcp (and legacy /sse)
                            (AGENT_GATEWAY, default on)
  --gateway-idle-timeout-ms MS
                            close gateway sessions without requests or open streams for this long
                            (AGENT_GATEWAY_IDLE_TIMEOUT_MS, default 900000)
  --gateway-max-sessions N  most gateway sessions open at once, all customers (AGENT_GATEWAY_MAX_SESSIONS,
                            default 1000)
  --gateway-max-sessions-per-customer N
                            most gateway sessions open at once for one customer
                            (AGENT_GATEWAY_MAX_SESSIONS_PER_CUSTOMER, default 100)
  --gateway-allowed-origins LIST
                            comma-separated browser origins (https://host[:port]) allowed besides same-origin requests;
                            any other Origin header gets 403 (AGENT_GATEWAY_ALLOWED_ORIGINS, default none)
  --http-headers-timeout-ms MS
                            time a client has to send its request headers (AGENT_HTTP_HEADERS_TIMEOUT_MS, default 10000)
  --http-request-timeout-ms MS
                            time a client has to send its whole request, body included; responses and event streams
                            are not bounded by it (AGENT_HTTP_REQUEST_TIMEOUT_MS, default 30000)
  --http-max-connections N  most open client connections (AGENT_HTTP_MAX_CONNECTIONS, default 4096)
  --http-max-connections-per-address N
                            most open client connections from one address, 0 = no limit
                            (AGENT_HTTP_MAX_CONNECTIONS_PER_ADDRESS, default 512)
  --log-repeat-interval-ms MS
                            repeated failure warnings (same customer, server and reason) are logged once, then as one
                            "repeated N times" line per interval; 0 = every line (AGENT_LOG_REPEAT_INTERVAL_MS,
                            default 10000)
  --metrics on|off          Prometheus metrics at /metrics, guarded like /api (AGENT_METRICS, default on)
  --health-interval-ms MS   probe every upstream server this often for the mcpfleet_upstream_up metric; 0 = never
                            (AGENT_HEALTH_INTERVAL_MS, default 30000)
  --drain-delay-ms MS       on SIGTERM, keep serving this long with /readyz answering 503, so load balancers take
                            the replica out before it stops accepting (AGENT_DRAIN_DELAY_MS, default 0)
  --drain-timeout-ms MS     on SIGTERM, after the delay: time in-flight requests get to finish before the rest are
                            cut (AGENT_DRAIN_TIMEOUT_MS, default 20000)
  --upstream-compose-file FILE
                            reach upstreams named by compose service (http://mcp-grafana-acme:8000/…) through the ports
                            FILE publishes on the host (127.0.0.1:20004), for running the agent outside compose
                            (AGENT_UPSTREAM_COMPOSE_FILE, e.g. out/docker-compose.mcps.yml; default: URLs as configured)
  --tool-locks DIR          tool locks (<customer id>.json, written by pnpm manage tools lock) of the customers whose
                            gateway.locked_tools_only is set: they are served only the locked tools, none without a
                            lock (AGENT_TOOL_LOCKS, default: tool-locks beside the config's folder, e.g. out/../tool-locks)
  --audit-arguments         include tool-call arguments in the gateway's audit log lines
                            (AGENT_AUDIT_ARGUMENTS=1; default: names, outcome and duration only)
  --help                    this text

  AGENT_API_TOKEN           when set, every /api request needs "Authorization: Bearer <token>"; it also guards the
                            MCP endpoints of customers without a token of their own
  <gateway.token_env>       a customer whose config names gateway.token_env needs that variable's value as bearer
                            token on its MCP endpoint (and nothing else opens it)
  AGENT_SESSION_SECRET      (or AGENT_SESSION_SECRET_FILE) at least 32 characters, the same on every replica: session
                            ids are sealed with it, so any replica serves any session (no sticky routing needed);
                            AGENT_SESSION_SECRET_PREVIOUS(_FILE) is still accepted while rotating
`;

/** Parses flags and environment. Returns `'help'` for `--help`; throws {@link OptionsError}. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): AgentOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        config: { type: 'string' },
        schema: { type: 'string' },
        'connect-timeout-ms': { type: 'string' },
        'call-timeout-ms': { type: 'string' },
        'pool-size': { type: 'string' },
        'log-level': { type: 'string' },
        gateway: { type: 'string' },
        'gateway-idle-timeout-ms': { type: 'string' },
        'gateway-max-sessions': { type: 'string' },
        'gateway-max-sessions-per-customer': { type: 'string' },
        'gateway-allowed-origins': { type: 'string' },
        'http-headers-timeout-ms': { type: 'string' },
        'http-request-timeout-ms': { type: 'string' },
        'http-max-connections': { type: 'string' },
        'http-max-connections-per-address': { type: 'string' },
        'log-repeat-interval-ms': { type: 'string' },
        'drain-delay-ms': { type: 'string' },
        metrics: { type: 'string' },
        'health-interval-ms': { type: 'string' },
        'drain-timeout-ms': { type: 'string' },
        'audit-arguments': { type: 'boolean' },
        'upstream-compose-file': { type: 'string' },
        'tool-locks': { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new OptionsError(`${(error as Error).message} (see --help)`);
  }
  if (values.help) return 'help';
  const pick = (flag: keyof typeof values, variable: string): { value: string | undefined; source: string } => {
    const fromFlag = values[flag];
    if (typeof fromFlag === 'string') return { value: fromFlag, source: `--${flag}` };
    const fromEnv = env[variable];
    return { value: fromEnv === '' ? undefined : fromEnv, source: variable };
  };
  const integer = (flag: keyof typeof values, variable: string, fallback: number, min: number, max: number): number => {
    const { value, source } = pick(flag, variable);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
      throw new OptionsError(`${source} must be an integer from ${min} to ${max} (got ${JSON.stringify(value.slice(0, 40))})`);
    }
    return Number(value);
  };
  const host = pick('host', 'AGENT_HOST').value ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:\-[\]]{1,253}$/.test(host)) throw new OptionsError(`host ${JSON.stringify(host.slice(0, 60))} is not a valid address`);
  const logLevel = pick('log-level', 'AGENT_LOG_LEVEL').value ?? 'info';
  if (!isLogLevel(logLevel)) throw new OptionsError(`log level must be debug, info, warn or error (got ${JSON.stringify(logLevel.slice(0, 20))})`);
  const schemaPath = pick('schema', 'AGENT_SCHEMA').value;
  const upstreamComposeFile = pick('upstream-compose-file', 'AGENT_UPSTREAM_COMPOSE_FILE').value;
  const apiToken = env.AGENT_API_TOKEN || undefined;
  const gateway = pick('gateway', 'AGENT_GATEWAY');
  const gatewayOn = flag(gateway.value, gateway.source, true, ['on', 'off']);
  const metricsOption = pick('metrics', 'AGENT_METRICS');
  const metricsOn = flag(metricsOption.value, metricsOption.source, true, ['on', 'off']);
  const auditArguments = values['audit-arguments'] === true || flag(env.AGENT_AUDIT_ARGUMENTS || undefined, 'AGENT_AUDIT_ARGUMENTS', false, ['1', '0']);
  const origins = pick('gateway-allowed-origins', 'AGENT_GATEWAY_ALLOWED_ORIGINS');
  const httpHeadersTimeoutMs = integer('http-headers-timeout-ms', 'AGENT_HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000);
  const httpRequestTimeoutMs = integer('http-request-timeout-ms', 'AGENT_HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000);
  // node:http refuses a headers timeout above the request timeout (the request timeout covers the headers too).
  if (httpHeadersTimeoutMs > httpRequestTimeoutMs) {
    throw new OptionsError(`the HTTP headers timeout (${httpHeadersTimeoutMs} ms) must not exceed the HTTP request timeout (${httpRequestTimeoutMs} ms)`);
  }
  const configPath = pick('config', 'AGENT_CONFIG').value ?? 'out/mcp_servers.json';
  const toolLocks = pick('tool-locks', 'AGENT_TOOL_LOCKS').value;
  return {
    host: host.replace(/^\[(.*)\]$/, '$1'),
    port: integer('port', 'AGENT_PORT', 8080, 0, 65535),
    configPath,
    toolLocksDir: toolLocks ? resolve(toolLocks) : defaultToolLocksDir(configPath),
    ...(schemaPath ? { schemaPath } : {}),
    connectTimeoutMs: integer('connect-timeout-ms', 'AGENT_CONNECT_TIMEOUT_MS', 5_000, 1, 600_000),
    callTimeoutMs: integer('call-timeout-ms', 'AGENT_CALL_TIMEOUT_MS', 30_000, 1, 3_600_000),
    poolSize: integer('pool-size', 'AGENT_POOL_SIZE', 8, 1, 10_000),
    logLevel,
    ...(apiToken ? { apiToken } : {}),
    gateway: gatewayOn,
    gatewayIdleTimeoutMs: integer('gateway-idle-timeout-ms', 'AGENT_GATEWAY_IDLE_TIMEOUT_MS', 900_000, 100, 86_400_000),
    gatewayMaxSessions: integer('gateway-max-sessions', 'AGENT_GATEWAY_MAX_SESSIONS', 1_000, 1, 100_000),
    gatewayMaxSessionsPerCustomer: integer('gateway-max-sessions-per-customer', 'AGENT_GATEWAY_MAX_SESSIONS_PER_CUSTOMER', 100, 1, 100_000),
    gatewayAllowedOrigins: parseOrigins(origins.value, origins.source),
    httpHeadersTimeoutMs,
    httpRequestTimeoutMs,
    httpMaxConnections: integer('http-max-connections', 'AGENT_HTTP_MAX_CONNECTIONS', 4_096, 1, 1_000_000),
    httpMaxConnectionsPerAddress: integer('http-max-connections-per-address', 'AGENT_HTTP_MAX_CONNECTIONS_PER_ADDRESS', 512, 0, 1_000_000),
    logRepeatIntervalMs: integer('log-repeat-interval-ms', 'AGENT_LOG_REPEAT_INTERVAL_MS', 10_000, 0, 3_600_000),
    auditArguments,
    metrics: metricsOn,
    healthIntervalMs: integer('health-interval-ms', 'AGENT_HEALTH_INTERVAL_MS', 30_000, 0, 86_400_000),
    drainDelayMs: integer('drain-delay-ms', 'AGENT_DRAIN_DELAY_MS', 0, 0, 600_000),
    drainTimeoutMs: integer('drain-timeout-ms', 'AGENT_DRAIN_TIMEOUT_MS', 20_000, 0, 600_000),
    ...(upstreamComposeFile ? { upstreamComposeFile } : {}),
  };
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/** A boolean setting: `1/true/yes/on` or `0/false/no/off` (any case); unset → `fallback`. */
function flag(value: string | undefined, source: string, fallback: boolean, shown: [string, string]): boolean {
  if (value === undefined) return fallback;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new OptionsError(`${source} must be ${shown[0]} or ${shown[1]} (got ${JSON.stringify(value.slice(0, 20))})`);
}

/**
 * A comma-separated list of browser origins, each normalized to `scheme://host[:port]` (lower case, default port
 * dropped) so it compares equal to what browsers send in `Origin`. Only http(s) origins without path, query or
 * user-info are accepted: anything else could never match an `Origin` header and is most likely a mistake.
 */
export function parseOrigins(value: string | undefined, source: string): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      /* reported below */
    }
    const bare = url && (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && url.pathname === '/' && !url.search && !url.hash;
    if (!url || !bare) throw new OptionsError(`${source}: ${JSON.stringify(entry.slice(0, 80))} is not an origin (expected http(s)://host[:port], comma-separated)`);
    if (!out.includes(url.origin)) out.push(url.origin);
  }
  return out;
}
