/**
 * Who may use a customer's MCP endpoint (`/customers/<id>/mcp`, `/sse`, `/messages`).
 *
 * - A customer whose config names `gateway.token_env` requires `Authorization: Bearer <value of that variable>`,
 *   and only that token: neither another customer's token nor `AGENT_API_TOKEN` opens it.
 * - If that variable is unset or empty on the runtime, the endpoint is closed (503, fail closed) and a warning naming
 *   the variable (never a value) is logged at start.
 * - A customer without `token_env` requires `AGENT_API_TOKEN` when that is set (so setting the API token never leaves
 *   tool calls open through the gateway), and is open otherwise (the runtime binds to loopback by default).
 *
 * Comparisons are constant-time ({@link BearerAuth}). Token values are read once from the environment at start and
 * never logged or returned.
 */
import type { IncomingMessage } from 'node:http';
import { BearerAuth } from '../auth.ts';
import type { RuntimeConfig } from '../config.ts';

/** How a customer's endpoint is protected. */
export type GatewayAuthMode = 'customer-token' | 'api-token' | 'none' | 'token-unset';

/** The outcome of a check. */
export type GatewayAuthResult = 'ok' | 'unauthorized' | 'unconfigured';

interface Entry {
  mode: GatewayAuthMode;
  auth: BearerAuth | null;
  /** The variable name (for the 503 message and the start-up warning). */
  variable?: string;
}

/** Per-customer bearer tokens of the gateway. */
export class GatewayAuth {
  private readonly entries = new Map<string, Entry>();

  /**
   * @param config the runtime config (its `gateway.token_env` names)
   * @param env where the token values are read from (`process.env`)
   * @param apiToken `AGENT_API_TOKEN`, which guards customers without a token of their own
   */
  constructor(config: RuntimeConfig, env: NodeJS.ProcessEnv, apiToken?: string) {
    const api = apiToken ? new BearerAuth(apiToken) : null;
    for (const customer of config.customers) {
      const variable = customer.gateway?.token_env;
      if (variable) {
        const value = env[variable];
        this.entries.set(customer.id, value ? { mode: 'customer-token', auth: new BearerAuth(value), variable } : { mode: 'token-unset', auth: null, variable });
      } else {
        this.entries.set(customer.id, api ? { mode: 'api-token', auth: api } : { mode: 'none', auth: null });
      }
    }
  }

  /** How the customer's endpoint is protected (`none` for an id not in the config). */
  mode(customerId: string): GatewayAuthMode {
    return this.entries.get(customerId)?.mode ?? 'none';
  }

  /** Customers whose `token_env` variable is unset (their endpoints answer 503), with the variable names. */
  unsetVariables(): Array<{ customer: string; variable: string }> {
    const out: Array<{ customer: string; variable: string }> = [];
    for (const [customer, entry] of this.entries) if (entry.mode === 'token-unset') out.push({ customer, variable: entry.variable! });
    return out;
  }

  /** The variable a customer's endpoint reads its token from, if any. */
  variableOf(customerId: string): string | undefined {
    return this.entries.get(customerId)?.variable;
  }

  /** Checks a request to the customer's endpoint. */
  check(customerId: string, req: IncomingMessage): GatewayAuthResult {
    const entry = this.entries.get(customerId);
    if (!entry || entry.mode === 'none') return 'ok';
    if (entry.mode === 'token-unset') return 'unconfigured';
    return entry.auth!.check(req) ? 'ok' : 'unauthorized';
  }
}
