/**
 * Loading and validating the generated runtime config (`mcp_servers.json`).
 *
 * The runtime reads only the generated JSON and validates it against the JSON Schema that the generator emits next
 * to it (`schema/mcp_servers.schema.json`), so it can ship alone in a container without the generator's code.
 * Every problem becomes one {@link ConfigError} whose message names the file and the field.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';

/** How the agent reaches an MCP server. The configured value is where the transport negotiation starts. */
export type TransportKind = 'streamable-http' | 'sse';

/** One MCP server of a customer, as written by the generator. */
export interface ServerConfig {
  /** MCP type, e.g. `grafana`. */
  type: string;
  /** Unique within the customer; used as the tool-name prefix. */
  name: string;
  /** MCP endpoint as reached from the agent. */
  url: string;
  transport: TransportKind;
  /** Upstream URL, region and `*_env` variable *names* (never values). */
  config: Record<string, string>;
  /** Free text for operators, when the customer file gives one. */
  description?: string;
}

/**
 * A customer's MCP endpoint on the runtime (`/customers/<id>/mcp`, see `gateway.ts`). Every field is optional.
 */
export interface GatewayConfig {
  /** Name of the environment variable holding the bearer token the endpoint requires (never the value). */
  token_env?: string;
  /** Only these tools are offered: upstream or namespaced names, `*` matches any run of characters. */
  allow_tools?: string[];
  /** These tools are neither listed nor callable (gateway and API); wins over `allow_tools`. */
  deny_tools?: string[];
  /** Serve only the tools of the customer's tool lock (`--tool-locks DIR`/`<id>.json`, see `gateway/locked-tools.ts`). */
  locked_tools_only?: boolean;
}

/** One customer and its MCP servers. */
export interface CustomerConfig {
  id: string;
  name: string;
  description: string;
  host: string;
  mcp_servers: ServerConfig[];
  /** The customer's MCP endpoint settings (token variable, tool filter). */
  gateway?: GatewayConfig;
}

/** The whole runtime config file. */
export interface RuntimeConfig {
  $schema?: string;
  customers: CustomerConfig[];
}

/** A validated config and where it came from. */
export interface LoadedConfig {
  config: RuntimeConfig;
  configPath: string;
  schemaPath: string;
}

/** A config problem: `path` is the file, `field` the offending field (empty when the whole file is at fault). */
export class ConfigError extends Error {
  constructor(
    readonly path: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(field ? `config ${path}: ${field}: ${problem}` : `config ${path}: ${problem}`);
    this.name = 'ConfigError';
  }
}

const MODULE_DIR = dirname(fileURLToPath(import.meta.url));

/**
 * Fallback schema locations, in order: beside the module (`schema/` next to a bundled `agent.mjs`), then the
 * repository layout (`out/schema/` beside `runtime/`).
 */
export const DEFAULT_SCHEMA_PATHS = [
  resolve(MODULE_DIR, 'schema', 'mcp_servers.schema.json'),
  resolve(MODULE_DIR, '..', 'out', 'schema', 'mcp_servers.schema.json'),
];

// ajv-formats is CommonJS with `export default`; under NodeNext the default import is the module object's type.
const addFormats = addFormatsImport as unknown as FormatsPlugin;

/**
 * Picks the schema file: an explicit path wins; otherwise the config's own relative `$schema` if that file exists
 * (how compose and Kubernetes mount it); otherwise the first existing {@link DEFAULT_SCHEMA_PATHS} entry.
 */
export function resolveSchemaPath(configPath: string, raw: unknown, explicit?: string): string {
  if (explicit) return resolve(explicit);
  const ref = isRecord(raw) && typeof raw.$schema === 'string' ? raw.$schema : undefined;
  if (ref && !/^[a-z][a-z0-9+.-]*:/i.test(ref)) {
    const candidate = isAbsolute(ref) ? ref : resolve(dirname(configPath), ref);
    if (existsSync(candidate)) return candidate;
  }
  return DEFAULT_SCHEMA_PATHS.find((p) => existsSync(p)) ?? DEFAULT_SCHEMA_PATHS[DEFAULT_SCHEMA_PATHS.length - 1]!;
}

/**
 * Reads, parses and validates the config. Throws {@link ConfigError} for a missing or unreadable file, invalid JSON,
 * a schema violation, or a semantic problem the schema cannot express (duplicate ids or server names, non-HTTP URLs).
 */
export function loadConfig(configPath: string, options: { schemaPath?: string } = {}): LoadedConfig {
  const path = resolve(configPath);
  const raw = parseJsonFile(path, 'config');
  const schemaPath = resolveSchemaPath(path, raw, options.schemaPath);
  const schema = parseJsonFile(schemaPath, 'schema');
  let validate;
  try {
    const ajv = new Ajv2020({ allErrors: false, strict: false });
    addFormats(ajv);
    validate = ajv.compile(schema as object);
  } catch (error) {
    throw new ConfigError(schemaPath, '', `is not a usable JSON Schema: ${(error as Error).message}`);
  }
  if (!validate(raw)) {
    const first = validate.errors?.[0];
    throw new ConfigError(path, first ? fieldOf(first, raw) : '(root)', first ? problemOf(first) : 'does not match the schema');
  }
  const config = raw as RuntimeConfig;
  checkSemantics(path, config);
  return { config, configPath: path, schemaPath };
}

function parseJsonFile(path: string, what: 'config' | 'schema'): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError(path, '', what === 'config' ? 'file not found (set --config or AGENT_CONFIG)' : 'schema file not found (set --schema or AGENT_SCHEMA)');
    }
    throw new ConfigError(path, '', `cannot be read (${code ?? 'error'})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, '', `is not valid JSON: ${jsonErrorWhere(text, (error as Error).message)}`);
  }
}

/** Where and why JSON.parse failed, as "unexpected X at line L, column C" (Node 20's messages carry no position). */
function jsonErrorWhere(text: string, fallback: string): string {
  const offset = firstJsonErrorOffset(text);
  if (offset === undefined) return fallback.split('\n')[0]!.slice(0, 120);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  const found = offset >= text.length ? 'end of input' : JSON.stringify(text[offset]);
  return `unexpected ${found} at line ${line}, column ${column}`;
}

/** Offset of the first syntax error in `text` (a small recursive-descent scan), or undefined if none is found. */
function firstJsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    for (const ch of word) if (text[i++] !== ch) (i--, fail());
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail();
      i++;
    }
    if (text[i] !== '"') fail();
    i++;
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match) fail();
    i += match![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 512) fail();
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return number();
    fail();
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    value(0);
    ws();
    if (i < text.length) fail();
  } catch (offset) {
    return typeof offset === 'number' ? offset : undefined;
  }
  return undefined;
}

/** `/customers/0/mcp_servers/1/url` → `customers[0].mcp_servers[1].url`, with the customer id and server name. */
function fieldOf(error: ErrorObject, raw: unknown): string {
  const segments = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'additionalProperties') segments.push(String(error.params.additionalProperty));
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
  return formatField(segments, raw);
}

function formatField(segments: string[], raw: unknown): string {
  let out = '';
  let node: unknown = raw;
  const context: string[] = [];
  for (const segment of segments) {
    out += /^\d+$/.test(segment) ? `[${segment}]` : out ? `.${segment}` : segment;
    node = isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[segment] : undefined;
    if (/^\d+$/.test(segment) && isRecord(node)) {
      if (typeof node.id === 'string') context.push(`customer "${node.id}"`);
      else if (typeof node.name === 'string' && typeof node.url === 'string') context.push(`server "${node.name}"`);
    }
  }
  return context.length ? `${out || '(root)'} (${context.join(', ')})` : out || '(root)';
}

function problemOf(error: ErrorObject): string {
  switch (error.keyword) {
    case 'additionalProperties':
      return 'is not an allowed field';
    case 'required':
      return 'is required';
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return error.message ?? 'is invalid';
  }
}

function checkSemantics(path: string, config: RuntimeConfig): void {
  const ids = new Map<string, number>();
  const names = new Map<string, number>();
  config.customers.forEach((customer, i) => {
    const field = (rest: string) => formatField(`customers/${i}/${rest}`.split('/'), config);
    if (!customer.id.trim()) throw new ConfigError(path, field('id'), 'must not be empty');
    if (ids.has(customer.id)) throw new ConfigError(path, field('id'), `duplicates customers[${ids.get(customer.id)}].id`);
    ids.set(customer.id, i);
    if (names.has(customer.name)) throw new ConfigError(path, field('name'), `duplicates customers[${names.get(customer.name)}].name`);
    names.set(customer.name, i);
    const serverNames = new Map<string, number>();
    customer.mcp_servers.forEach((server, j) => {
      if (!server.name.trim()) throw new ConfigError(path, field(`mcp_servers/${j}/name`), 'must not be empty');
      if (serverNames.has(server.name)) {
        throw new ConfigError(path, field(`mcp_servers/${j}/name`), `duplicates mcp_servers[${serverNames.get(server.name)}].name`);
      }
      serverNames.set(server.name, j);
      let protocol = '';
      try {
        protocol = new URL(server.url).protocol;
      } catch {
        /* reported below */
      }
      if (protocol !== 'http:' && protocol !== 'https:') throw new ConfigError(path, field(`mcp_servers/${j}/url`), 'must be an http:// or https:// URL');
    });
    const gateway = customer.gateway;
    if (gateway?.token_env !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(gateway.token_env)) {
      throw new ConfigError(path, field('gateway/token_env'), 'must be an environment variable name');
    }
    for (const list of ['allow_tools', 'deny_tools'] as const) {
      gateway?.[list]?.forEach((pattern, k) => {
        if (typeof pattern !== 'string' || !pattern.trim()) throw new ConfigError(path, field(`gateway/${list}/${k}`), 'must be a non-empty tool name or pattern');
      });
    }
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every environment variable name referenced by a `*_env` config entry, including each customer's
 * `gateway.token_env` (their values are credentials).
 */
export function credentialEnvNames(config: RuntimeConfig): string[] {
  const out = new Set<string>();
  for (const customer of config.customers) {
    if (customer.gateway?.token_env) out.add(customer.gateway.token_env);
    for (const server of customer.mcp_servers) {
      for (const [key, value] of Object.entries(server.config)) if (/_env$/i.test(key) && value) out.add(value);
    }
  }
  return [...out];
}
