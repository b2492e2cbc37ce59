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
 *
 * With `gateway.locked_tools_only` the filter also holds the customer's locked tools (`locked-tools.ts`): a tool must
 * then be in the lock as well ({@link ToolFilter.allowsTool}); prompts and resources are not locked.
 */
import type { GatewayConfig } from '../config.ts';
import type { LockedTools } from './locked-tools.ts';

/** The two names a pattern is matched against. */
export interface FilterableTool {
  /** Namespaced name, e.g. `alertmanager_createSilence`. */
  name: string;
  /** The tool's name on its server, e.g. `createSilence`. */
  original_name: string;
}

/** A tool of a server: what the lock is checked against. */
export interface ServerTool extends FilterableTool {
  /** The server's name within the customer. */
  server: string;
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

  constructor(
    allow?: readonly string[],
    deny: readonly string[] = [],
    /** Locked tool names by server: only these tools are offered (`null`: no lock applies). */
    private readonly locked: LockedTools | null = null,
  ) {
    this.allow = allow ? allow.map(compileToolPattern) : null;
    this.deny = deny.map(compileToolPattern);
  }

  /**
   * The filter of a customer's `gateway` config entry (no entry: everything allowed). `locked` is the customer's
   * locked tools when its entry asks for them (an empty map when its lock is missing: no tools).
   */
  static fromConfig(gateway: GatewayConfig | undefined, locked: LockedTools | null = null): ToolFilter {
    if (!gateway || (!gateway.allow_tools && !gateway.deny_tools?.length && !locked)) return ToolFilter.ALLOW_ALL;
    return new ToolFilter(gateway.allow_tools, gateway.deny_tools ?? [], locked);
  }

  /** Does the allow/deny part of this filter let every tool, prompt and resource through? */
  get allowsAll(): boolean {
    return this.allow === null && this.deny.length === 0;
  }

  /** Does this filter let every tool through (no allow/deny lists and no lock)? */
  get allowsAllTools(): boolean {
    return this.allowsAll && this.locked === null;
  }

  /** Is a server's tool offered: allowed by the lists and, with a lock, locked under its server's name? */
  allowsTool(tool: ServerTool): boolean {
    if (this.locked && !this.locked.get(tool.server)?.has(tool.original_name)) return false;
    return this.allows(tool);
  }

  /** Is the tool offered? */
  allows(tool: FilterableTool): boolean {
    if (this.allowsAll) return true;
    const matches = (re: RegExp) => re.test(tool.name) || re.test(tool.original_name);
    if (this.deny.some(matches)) return false;
    return this.allow === null || this.allow.some(matches);
  }
}
