/**
 * The gateway's configuration, without servers: tool-filter patterns, per-customer token modes, the `gateway` entry
 * through the customer schema, the generator and the emitted JSON Schema to the runtime's config loader, and the new
 * flags.
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Fleet } from '../../fleet/model.ts';
import { runtimeConfigJsonSchema } from '../../generators/json-schema.ts';
import { gatewayEntry, runtimeConfig } from '../../generators/runtime-config.ts';
import { ConfigError, credentialEnvNames, loadConfig } from '../../runtime/config.ts';
import { GatewayAuth } from '../../runtime/gateway/gateway-auth.ts';
import { compileToolPattern, ToolFilter } from '../../runtime/gateway/gateway-filter.ts';
import { parseOptions } from '../../runtime/options.ts';
import { customerSchema } from '../../schema/customer.ts';
import { runtimeConfigSchema } from '../../schema/runtime-config.ts';
import { compile2020 } from '../helpers/validators.ts';
import { customer, server, writeConfig } from './helpers.ts';

const tool = (server: string, name: string) => ({ name: `${server}_${name}`, original_name: name });

describe('tool filter', () => {
  it('matches upstream or namespaced names, with * wildcards and every other character literal', () => {
    expect(compileToolPattern('alertmanager_*').test('alertmanager_getAlerts')).toBe(true);
    expect(compileToolPattern('a.b').test('axb')).toBe(false);
    expect(compileToolPattern('get(Alerts)?').test('get')).toBe(false);
    const deny = new ToolFilter(undefined, ['createSilence', 'grafana_*', '*delete*']);
    expect(deny.allows(tool('alertmanager', 'createSilence'))).toBe(false);
    expect(deny.allows(tool('staging', 'createSilence'))).toBe(false);
    expect(deny.allows(tool('grafana', 'search_dashboards'))).toBe(false);
    expect(deny.allows(tool('staging', 'search_dashboards'))).toBe(true);
    expect(deny.allows(tool('alertmanager', 'bulk_delete_silences'))).toBe(false);
    expect(deny.allows(tool('alertmanager', 'getAlerts'))).toBe(true);
    expect(deny.allows(tool('alertmanager', 'CreateSilence'))).toBe(true); // case-sensitive, like tool names
  });

  it('an allow list offers only matches; deny wins; an empty allow list offers nothing; no config offers everything', () => {
    const filter = new ToolFilter(['get*', 'grafana_search_dashboards'], ['getSecrets']);
    expect(filter.allows(tool('alertmanager', 'getAlerts'))).toBe(true);
    expect(filter.allows(tool('grafana', 'search_dashboards'))).toBe(true);
    expect(filter.allows(tool('staging', 'search_dashboards'))).toBe(false);
    expect(filter.allows(tool('vault', 'getSecrets'))).toBe(false);
    expect(new ToolFilter([]).allows(tool('a', 'b'))).toBe(false);
    expect(ToolFilter.fromConfig(undefined).allowsAll).toBe(true);
    expect(ToolFilter.fromConfig({ token_env: 'X' }).allowsAll).toBe(true);
    expect(ToolFilter.fromConfig({ deny_tools: ['x'] }).allows(tool('s', 'x'))).toBe(false);
  });
});

describe('per-customer gateway tokens', () => {
  const req = (authorization?: string) => ({ headers: authorization ? { authorization } : {} }) as IncomingMessage;
  const config = {
    customers: [
      { ...customer('a', 'A', []), gateway: { token_env: 'GW_A' } },
      { ...customer('b', 'B', []), gateway: { token_env: 'GW_B' } },
      { ...customer('c', 'C', []), gateway: { token_env: 'GW_UNSET' } },
      customer('d', 'D', []),
    ],
  };

  it('each customer takes its own token only; unset variable fails closed; others fall back to the API token', () => {
    const auth = new GatewayAuth(config, { GW_A: 'token-of-a-123456', GW_B: 'token-of-b-123456' }, 'api-token-123456');
    expect(auth.check('a', req('Bearer token-of-a-123456'))).toBe('ok');
    expect(auth.check('a', req('Bearer token-of-b-123456'))).toBe('unauthorized');
    expect(auth.check('a', req('Bearer api-token-123456'))).toBe('unauthorized');
    expect(auth.check('a', req())).toBe('unauthorized');
    expect(auth.check('c', req('Bearer anything'))).toBe('unconfigured');
    expect(auth.check('d', req('Bearer api-token-123456'))).toBe('ok');
    expect(auth.check('d', req())).toBe('unauthorized');
    expect(auth.unsetVariables()).toEqual([{ customer: 'c', variable: 'GW_UNSET' }]);
    expect([auth.mode('a'), auth.mode('c'), auth.mode('d')]).toEqual(['customer-token', 'token-unset', 'api-token']);
    const open = new GatewayAuth(config, { GW_A: 'token-of-a-123456' });
    expect(open.check('d', req())).toBe('ok');
    expect(open.mode('d')).toBe('none');
  });

  it('token variables count as credentials (their values are redacted)', () => {
    expect(credentialEnvNames(config)).toEqual(expect.arrayContaining(['GW_A', 'GW_B', 'GW_UNSET']));
  });
});

describe('gateway entry from customer file to runtime config', () => {
  const base = { name: 'Acme', host: 'acme.example.com', mcpServers: [{ type: 'alertmanager', url: 'http://am.acme.example.com:9093' }] };

  it('the customer schema takes gateway { tokenEnv, allowTools, denyTools } and rejects bad values', () => {
    const parsed = customerSchema.safeParse({ ...base, gateway: { tokenEnv: 'GATEWAY_TOKEN_ACME', allowTools: ['get*'], denyTools: ['createSilence'] } });
    expect(parsed.success).toBe(true);
    expect(customerSchema.safeParse(base).success).toBe(true);
    for (const gateway of [{ tokenEnv: 'lower_case' }, { denyTools: [''] }, { denyTools: ['has space'] }, { token_env: 'X' }, { tokenEnv: 'X', extra: 1 }]) {
      expect(customerSchema.safeParse({ ...base, gateway }).success, JSON.stringify(gateway)).toBe(false);
    }
  });

  it('the generator writes gateway { token_env, allow_tools, deny_tools } (names only), valid against the emitted schema', () => {
    expect(gatewayEntry(undefined)).toEqual({});
    expect(gatewayEntry({ tokenEnv: 'GATEWAY_TOKEN_ACME', denyTools: ['createSilence'] })).toEqual({ gateway: { token_env: 'GATEWAY_TOKEN_ACME', deny_tools: ['createSilence'] } });
    const fleet = {
      customers: [
        { id: 'acme', file: 'customers/acme.ts', name: 'Acme', host: 'acme.example.com', description: '', network: 'mcp-acme', namespace: 'mcp-acme', servers: [], gateway: { tokenEnv: 'GATEWAY_TOKEN_ACME', allowTools: ['get*'], denyTools: ['createSilence'] } },
        { id: 'beta', file: 'customers/beta.ts', name: 'Beta', host: 'beta.example.com', description: '', network: 'mcp-beta', namespace: 'mcp-beta', servers: [] },
      ],
    } as unknown as Fleet;
    const config = runtimeConfig(fleet, (s) => s.composeUrl, './schema/mcp_servers.schema.json');
    expect(config.customers[0]).toMatchObject({ id: 'acme', gateway: { token_env: 'GATEWAY_TOKEN_ACME', allow_tools: ['get*'], deny_tools: ['createSilence'] } });
    expect(config.customers[1]).not.toHaveProperty('gateway');
    expect(runtimeConfigSchema.safeParse(config).success).toBe(true);
    const validate = compile2020(JSON.parse(runtimeConfigJsonSchema()));
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ customers: [{ ...config.customers[0], gateway: { token_env: 'x-y' } }] })).toBe(false);
    expect(validate({ customers: [{ ...config.customers[0], gateway: { token: 'value' } }] })).toBe(false);
  });

  it('the runtime loads a config with gateway entries against out/schema and names a bad field', () => {
    const ok = writeConfig([{ ...customer('a', 'A', [server('g', 'http://127.0.0.1:1/mcp')]), gateway: { token_env: 'GW_A', deny_tools: ['x'] } }]);
    expect(loadConfig(ok).config.customers[0]!.gateway).toEqual({ token_env: 'GW_A', deny_tools: ['x'] });
    const bad = writeConfig([{ ...customer('a', 'A', []), gateway: { token_env: 'GW_A', tokens: ['v'] } }]);
    expect(() => loadConfig(bad)).toThrow(ConfigError);
    expect(() => loadConfig(bad)).toThrow(/customers\[0\]\.gateway\.tokens \(customer "a"\): is not an allowed field/);
  });
});

describe('gateway options', () => {
  it('parses --gateway, --gateway-idle-timeout-ms, --gateway-max-sessions, --audit-arguments and their variables', () => {
    expect(parseOptions([], {})).toMatchObject({ gateway: true, gatewayIdleTimeoutMs: 900_000, gatewayMaxSessions: 1_000, auditArguments: false });
    expect(parseOptions(['--gateway', 'off', '--audit-arguments', '--gateway-max-sessions', '5'], {})).toMatchObject({ gateway: false, auditArguments: true, gatewayMaxSessions: 5 });
    expect(parseOptions([], { AGENT_GATEWAY: 'off', AGENT_AUDIT_ARGUMENTS: '1', AGENT_GATEWAY_IDLE_TIMEOUT_MS: '60000' })).toMatchObject({ gateway: false, auditArguments: true, gatewayIdleTimeoutMs: 60_000 });
    expect(parseOptions([], { AGENT_AUDIT_ARGUMENTS: '0' })).toMatchObject({ auditArguments: false });
    expect(() => parseOptions([], { AGENT_AUDIT_ARGUMENTS: 'sometimes' })).toThrow('AGENT_AUDIT_ARGUMENTS must be 1 or 0 (got "sometimes")');
    expect(() => parseOptions(['--gateway', 'maybe'], {})).toThrow('--gateway must be on or off');
  });
});
