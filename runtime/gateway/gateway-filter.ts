/**
 * Per-customer tool filter (`gateway.allow_tools` / `gateway.deny_tools` in mcp_servers.json, `gateway.allowTools` /
 * `gateway.denyTools` in a customer file).
 *
 * A pattern matches a tool by its upstream name (`createSilence`) or by its namespaced name
 * (`alertmanager_createSilence`); `*` matches any run of characters (`alertmanager_*`, `create*`, `*Silence*`), every
 * other character stands for itself, and matching is case-sensitive, like tool names. With an allow list only matching
 * tools are offered (an empty allow list offers nothing); a deny list removes matching tools and wins over the allow
 * list. A filtered-out tool does not exist for the customer: it is neither listed nor callable, through the gateway
 * and through the HTTP API alike (the runtime applies the filter in one place, `AgentRuntime`).
 */
import type { GatewayConfig } from '../config.ts';

/** The two names a pattern is matched against. */
export interface FilterableTool {
  /** Namespaced name, e.g. `alertmanager_createSilence`. */
  name: string;
  /** The tool's name on its server, e.g. `createSilence`. */
  original_name: string;
}

/** Compiles a `*` pattern to an anchored regular expression (every other character literal). */
export function compileToolPattern(pattern: string): RegExp {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's');
}

/** An immutable allow/deny filter over a customer's tools. */
export class ToolFilter {
  /** A filter that lets everything through. */
  static readonly ALLOW_ALL = new ToolFilter();

  private readonly allow: RegExp[] | null;
  private readonly deny: RegExp[];

  constructor(allow?: readonly string[], deny: readonly string[] = []) {
    this.allow = allow ? allow.map(compileToolPattern) : null;
    this.deny = deny.map(compileToolPattern);
  }

  /** The filter of a customer's `gateway` config entry (no entry: everything allowed). */
  static fromConfig(gateway: GatewayConfig | undefined): ToolFilter {
    if (!gateway || (!gateway.allow_tools && !gateway.deny_tools?.length)) return ToolFilter.ALLOW_ALL;
    return new ToolFilter(gateway.allow_tools, gateway.deny_tools ?? []);
  }

  /** Does this filter let every tool through? */
  get allowsAll(): boolean {
    return this.allow === null && this.deny.length === 0;
  }

  /** Is the tool offered? */
  allows(tool: FilterableTool): boolean {
    if (this.allowsAll) return true;
    const matches = (re: RegExp) => re.test(tool.name) || re.test(tool.original_name);
    if (this.deny.some(matches)) return false;
    return this.allow === null || this.allow.some(matches);
  }
}
