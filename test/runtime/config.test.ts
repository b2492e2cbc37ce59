/** Config loading: the generated file validates; missing or invalid files give one message naming path and field. */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../runtime/config.ts';
import { parseOptions } from '../../runtime/options.ts';
import { cleanup, customer, ROOT, server, startProcess, tempDir, writeConfig } from './helpers.ts';

afterAll(cleanup);

function configError(path: string, schemaPath?: string): ConfigError {
  try {
    loadConfig(path, schemaPath ? { schemaPath } : {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('loads the generated out/mcp_servers.json against its emitted schema', () => {
    const loaded = loadConfig(join(ROOT, 'out/mcp_servers.json'));
    expect(loaded.schemaPath).toBe(join(ROOT, 'out/schema/mcp_servers.schema.json'));
    expect(loaded.config.customers.length).toBeGreaterThan(0);
    for (const c of loaded.config.customers) expect(c.mcp_servers.length).toBeGreaterThan(0);
  });

  it('uses the config\'s relative $schema when it exists', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'schema'));
    copyFileSync(join(ROOT, 'out/schema/mcp_servers.schema.json'), join(dir, 'schema/mcp_servers.schema.json'));
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ $schema: './schema/mcp_servers.schema.json', customers: [] }));
    expect(loadConfig(join(dir, 'c.json')).schemaPath).toBe(join(dir, 'schema/mcp_servers.schema.json'));
  });

  it('names the path for a missing file', () => {
    const error = configError('/nonexistent/dir/mcp_servers.json');
    expect(error.message).toBe('config /nonexistent/dir/mcp_servers.json: file not found (set --config or AGENT_CONFIG)');
  });

  it('names line and column for invalid JSON', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'c.json'), '{\n  "customers": [,]\n}');
    expect(configError(join(dir, 'c.json')).message).toBe(`config ${join(dir, "c.json")}: is not valid JSON: unexpected "," at line 2, column 17`);
  });

  it.each([
    ['a bad URL', { customers: [customer('a', 'A', [server('x', 'not a url')])] }, 'customers[0].mcp_servers[0].url (customer "a", server "x")', 'must match format "uri"'],
    ['an unknown transport', { customers: [customer('a', 'A', [server('x', 'http://h/mcp', 'x', 'websocket' as never)])] }, 'customers[0].mcp_servers[0].transport (customer "a", server "x")', 'must be one of "streamable-http", "sse"'],
    ['a missing field', { customers: [{ id: 'a', name: 'A', description: '', mcp_servers: [] }] }, 'customers[0].host (customer "a")', 'is required'],
    ['an unknown field', { customers: [], extra: 1 }, 'extra', 'is not an allowed field'],
    ['a wrong type', { customers: {} }, 'customers', 'must be array'],
    ['a duplicate id', { customers: [customer('a', 'A', []), customer('a', 'B', [])] }, 'customers[1].id (customer "a")', 'duplicates customers[0].id'],
    ['a duplicate server name', { customers: [customer('a', 'A', [server('g', 'http://h/1'), server('g', 'http://h/2')])] }, 'customers[0].mcp_servers[1].name (customer "a", server "g")', 'duplicates mcp_servers[0].name'],
    ['a non-HTTP URL', { customers: [customer('a', 'A', [server('g', 'ftp://h/1')])] }, 'customers[0].mcp_servers[0].url (customer "a", server "g")', 'must be an http:// or https:// URL'],
  ])('rejects %s naming the field', (_what, content, field, problem) => {
    const path = writeConfig(content);
    const error = configError(path);
    expect(error.field).toBe(field);
    expect(error.problem).toBe(problem);
    expect(error.message).toBe(`config ${path}: ${field}: ${problem}`);
  });

  it('reads flags over environment variables', () => {
    const options = parseOptions(['--port', '9000'], { AGENT_PORT: '1', AGENT_HOST: '0.0.0.0', AGENT_CONFIG: '/c.json', AGENT_API_TOKEN: 't0ken', AGENT_POOL_SIZE: '3' });
    expect(options).toMatchObject({ port: 9000, host: '0.0.0.0', configPath: '/c.json', apiToken: 't0ken', poolSize: 3, connectTimeoutMs: 5000 });
    expect(parseOptions([], {})).toMatchObject({ host: '127.0.0.1', port: 8080, configPath: 'out/mcp_servers.json' });
    expect(() => parseOptions(['--port', '70000'], {})).toThrow('--port must be an integer from 0 to 65535 (got "70000")');
    expect(() => parseOptions([], { AGENT_CONNECT_TIMEOUT_MS: 'soon' })).toThrow('AGENT_CONNECT_TIMEOUT_MS must be an integer');
    expect(() => parseOptions(['--nope'], {})).toThrow(/Unknown option '--nope'/);
  });

  it('reads the gateway and HTTP hardening options (flags over variables) and validates them', () => {
    expect(parseOptions([], {})).toMatchObject({
      gatewayMaxSessions: 1_000,
      gatewayMaxSessionsPerCustomer: 100,
      gatewayAllowedOrigins: [],
      httpHeadersTimeoutMs: 10_000,
      httpRequestTimeoutMs: 30_000,
      httpMaxConnections: 4_096,
      httpMaxConnectionsPerAddress: 512,
      logRepeatIntervalMs: 10_000,
    });
    const env = {
      AGENT_GATEWAY_MAX_SESSIONS_PER_CUSTOMER: '7',
      AGENT_GATEWAY_ALLOWED_ORIGINS: 'https://Console.Example.com:443/, http://127.0.0.1:3000',
      AGENT_HTTP_HEADERS_TIMEOUT_MS: '2000',
      AGENT_HTTP_REQUEST_TIMEOUT_MS: '5000',
      AGENT_HTTP_MAX_CONNECTIONS: '64',
      AGENT_HTTP_MAX_CONNECTIONS_PER_ADDRESS: '0',
      AGENT_LOG_REPEAT_INTERVAL_MS: '0',
    };
    expect(parseOptions([], env)).toMatchObject({
      gatewayMaxSessionsPerCustomer: 7,
      gatewayAllowedOrigins: ['https://console.example.com', 'http://127.0.0.1:3000'],
      httpHeadersTimeoutMs: 2_000,
      httpRequestTimeoutMs: 5_000,
      httpMaxConnections: 64,
      httpMaxConnectionsPerAddress: 0,
      logRepeatIntervalMs: 0,
    });
    expect(parseOptions(['--gateway-max-sessions-per-customer', '3', '--gateway-allowed-origins', 'http://a.test'], env)).toMatchObject({
      gatewayMaxSessionsPerCustomer: 3,
      gatewayAllowedOrigins: ['http://a.test'],
    });
    expect(() => parseOptions(['--gateway-max-sessions-per-customer', '0'], {})).toThrow('--gateway-max-sessions-per-customer must be an integer from 1 to 100000 (got "0")');
    expect(() => parseOptions([], { AGENT_HTTP_MAX_CONNECTIONS: 'lots' })).toThrow('AGENT_HTTP_MAX_CONNECTIONS must be an integer');
    expect(() => parseOptions(['--http-headers-timeout-ms', '9000', '--http-request-timeout-ms', '8000'], {})).toThrow('must not exceed the HTTP request timeout');
    expect(() => parseOptions(['--gateway-allowed-origins', 'https://a.test/app'], {})).toThrow('--gateway-allowed-origins: "https://a.test/app" is not an origin');
    expect(() => parseOptions([], { AGENT_GATEWAY_ALLOWED_ORIGINS: 'a.test' })).toThrow('AGENT_GATEWAY_ALLOWED_ORIGINS: "a.test" is not an origin');
    expect(() => parseOptions([], { AGENT_GATEWAY_ALLOWED_ORIGINS: 'ftp://a.test' })).toThrow('is not an origin');
  });

  it('the CLI exits 1 with one line for a missing or invalid config', async () => {
    const missing = startProcess(process.execPath, ['--import', 'tsx', 'runtime/main.ts', '--config', '/nonexistent/mcp.json']);
    expect(await missing.exited).toBe(1);
    expect(missing.output()).toBe('agent: config /nonexistent/mcp.json: file not found (set --config or AGENT_CONFIG)\n');

    const path = writeConfig({ customers: [customer('a', 'A', [server('x', 'http://h/mcp', 'x', 'grpc' as never)])] });
    const invalid = startProcess(process.execPath, ['--import', 'tsx', 'runtime/main.ts', '--port', '0'], { env: { PATH: process.env.PATH, AGENT_CONFIG: path } });
    expect(await invalid.exited).toBe(1);
    expect(invalid.output()).toBe(`agent: config ${path}: customers[0].mcp_servers[0].transport (customer "a", server "x"): must be one of "streamable-http", "sse"\n`);
  });
});
