/**
 * A customer's gateway endpoint as an MCP client needs it: the absolute URL and a ready-to-paste client config
 * (`{"mcpServers": {"<id>": {"type": "http", "url": …, "headers": …}}}`, the format of Claude Code's `.mcp.json` and
 * Cursor). A token appears only as a placeholder naming its environment variable (`Bearer ${GATEWAY_TOKEN_ACME}`),
 * never as a value: the runtime does not hand out credentials.
 */
import type { IncomingMessage } from 'node:http';
import type { GatewayAuthMode } from '../gateway/gateway-auth.ts';

/** `GET /api/customers/<id>/client-config`. */
export interface ClientConfigAnswer {
  customer: string;
  customer_id: string;
  /** `off` when the runtime runs with `--gateway off` (then there is no endpoint). */
  gateway: 'on' | 'off';
  /** How the endpoint is protected (see `gateway-auth.ts`). */
  auth: GatewayAuthMode;
  /** The variable holding the customer's own token (its name; the value stays on the runtime). */
  token_env: string | null;
  endpoint: { mcp: string; sse: string; path: string } | null;
  /** Paste into `.mcp.json` (Claude Code) or `mcp.json` (Cursor); `null` without a gateway. */
  client_config: { mcpServers: Record<string, { type: 'http'; url: string; headers?: Record<string, string> }> } | null;
  /** What the operator has to know before using it (token to set, endpoint closed), if anything. */
  note: string | null;
}

/**
 * The runtime's base URL as the client reached it: `Host` header (only a plain host[:port]) and `X-Forwarded-Proto`
 * (`https` behind a TLS proxy), else `fallback` (the listening URL).
 */
export function baseUrlOf(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host;
  if (typeof host !== 'string' || !/^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/.test(host)) return fallback;
  const forwarded = req.headers['x-forwarded-proto'];
  const proto = typeof forwarded === 'string' && forwarded.split(',')[0]!.trim().toLowerCase() === 'https' ? 'https' : 'http';
  return `${proto}://${host}`;
}

/** Builds the answer for one customer. `paths` is the gateway's `endpoints(id)`, absent when the gateway is off. */
export function clientConfig(
  customer: { id: string; name: string },
  baseUrl: string,
  auth: GatewayAuthMode,
  tokenEnv: string | undefined,
  paths: { mcp: string; sse: string } | undefined,
): ClientConfigAnswer {
  const base = { customer: customer.name, customer_id: customer.id, auth, token_env: tokenEnv ?? null };
  if (!paths) {
    return { ...base, gateway: 'off', endpoint: null, client_config: null, note: 'the gateway is off (--gateway off / AGENT_GATEWAY=off): this runtime serves no MCP endpoint' };
  }
  const mcp = `${baseUrl}${paths.mcp}`;
  const variable = auth === 'customer-token' || auth === 'token-unset' ? tokenEnv : auth === 'api-token' ? 'AGENT_API_TOKEN' : undefined;
  const entry = { type: 'http' as const, url: mcp, ...(variable ? { headers: { Authorization: `Bearer \${${variable}}` } } : {}) };
  const note =
    auth === 'token-unset'
      ? `${tokenEnv} is not set on the agent: the endpoint answers 503 until it is`
      : variable
        ? `set ${variable} in the client's environment to the token's value (the client expands \${${variable}})`
        : null;
  return { ...base, gateway: 'on', endpoint: { mcp, sse: `${baseUrl}${paths.sse}`, path: paths.mcp }, client_config: { mcpServers: { [customer.id]: entry } }, note };
}
