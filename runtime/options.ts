/**
 * Command-line flags and environment variables of the agent runtime. A flag wins over its variable; the API token is
 * read from the environment only (flags are visible in process listings).
 */
import { parseArgs } from 'node:util';
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
  /** Most gateway sessions open at once. */
  gatewayMaxSessions: number;
  /** Write tool-call argument values into the gateway's audit log. */
  auditArguments: boolean;
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
  --gateway-max-sessions N  most gateway sessions open at once (AGENT_GATEWAY_MAX_SESSIONS, default 1000)
  --audit-arguments         include tool-call arguments in the gateway's audit log lines
                            (AGENT_AUDIT_ARGUMENTS=1; default: names, outcome and duration only)
  --help                    this text

  AGENT_API_TOKEN           when set, every /api request needs "Authorization: Bearer <token>"; it also guards the
                            MCP endpoints of customers without a token of their own
  <gateway.token_env>       a customer whose config names gateway.token_env needs that variable's value as bearer
                            token on its MCP endpoint (and nothing else opens it)
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
        'audit-arguments': { type: 'boolean' },
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
  const apiToken = env.AGENT_API_TOKEN || undefined;
  const gateway = pick('gateway', 'AGENT_GATEWAY');
  const gatewayOn = flag(gateway.value, gateway.source, true, ['on', 'off']);
  const auditArguments = values['audit-arguments'] === true || flag(env.AGENT_AUDIT_ARGUMENTS || undefined, 'AGENT_AUDIT_ARGUMENTS', false, ['1', '0']);
  return {
    host: host.replace(/^\[(.*)\]$/, '$1'),
    port: integer('port', 'AGENT_PORT', 8080, 0, 65535),
    configPath: pick('config', 'AGENT_CONFIG').value ?? 'out/mcp_servers.json',
    ...(schemaPath ? { schemaPath } : {}),
    connectTimeoutMs: integer('connect-timeout-ms', 'AGENT_CONNECT_TIMEOUT_MS', 5_000, 1, 600_000),
    callTimeoutMs: integer('call-timeout-ms', 'AGENT_CALL_TIMEOUT_MS', 30_000, 1, 3_600_000),
    poolSize: integer('pool-size', 'AGENT_POOL_SIZE', 8, 1, 10_000),
    logLevel,
    ...(apiToken ? { apiToken } : {}),
    gateway: gatewayOn,
    gatewayIdleTimeoutMs: integer('gateway-idle-timeout-ms', 'AGENT_GATEWAY_IDLE_TIMEOUT_MS', 900_000, 100, 86_400_000),
    gatewayMaxSessions: integer('gateway-max-sessions', 'AGENT_GATEWAY_MAX_SESSIONS', 1_000, 1, 100_000),
    auditArguments,
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
