/**
 * A customer's prompts, resources, resource templates and completions, gathered from its servers the way its tools
 * are: namespaced per server and under the customer's allow/deny filter.
 *
 * - Prompts are named `<server>_<prompt>` (the tool naming rules: {@link assignToolNames}).
 * - Resources and templates keep their name under the same prefix, and their URI is put behind
 *   `mcpfleet://<server>/` (`mcpfleet://alertmanager/test://static-text`), so a read is routed without a lookup and
 *   a template still expands (the prefix holds no variables). A read of a URI without the prefix (a link from a tool
 *   result) is offered to each server that has resources, in order; the first answer wins.
 * - Lists are read from the servers on every request (no cache: they are small, and a server's own list_changed is
 *   forwarded as it comes); a server that is down is left out of the list, as its tools stay listed but fail.
 * - `logging/setLevel` is sent to every connected 2025 server that offers logging.
 * - A list is one call: the SDK v2 client walks every page of a list called without a cursor (up to its page cap).
 */
import type {
  CompleteRequest,
  CompleteResult,
  GetPromptResult,
  LoggingLevel,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
} from '@modelcontextprotocol/sdk/types.js';
import type { ToolFilter } from './gateway-filter.ts';
import { inputRequiredRefusal, isInputRequired, UpstreamError, withClientInput } from '../pool/mcp-connection.ts';
import type { ClientInput, InputRequiredResult, McpConnection } from '../pool/mcp-connection.ts';
import { assignToolNames } from '../tool-names.ts';

/** The scheme that carries a resource URI's server. */
export const RESOURCE_SCHEME = 'mcpfleet://';

/** `mcpfleet://<server>/<uri>` for a server's resource URI. */
export function gatewayResourceUri(server: string, uri: string): string {
  return `${RESOURCE_SCHEME}${server}/${uri}`;
}

/** The server and its own URI behind a gateway resource URI; undefined when `uri` is not one. */
export function upstreamResourceUri(uri: string): { server: string; uri: string } | undefined {
  if (!uri.startsWith(RESOURCE_SCHEME)) return undefined;
  const rest = uri.slice(RESOURCE_SCHEME.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  return { server: rest.slice(0, slash), uri: rest.slice(slash + 1) };
}

type Capability = 'prompts' | 'resources' | 'completions' | 'logging';

/** The catalog of one customer's servers. */
export class CustomerCatalog {
  constructor(
    private readonly connections: readonly McpConnection[],
    private readonly filter: ToolFilter,
  ) {}

  /** The customer's prompts, namespaced and filtered. */
  async listPrompts(): Promise<Prompt[]> {
    return (await this.promptIndex()).map(({ prompt, name }) => ({ ...prompt, name }));
  }

  /**
   * Gets a prompt by its namespaced name; undefined when there is no such prompt for the customer. MRTR as
   * {@link McpConnection.callTool}: with `input` a 2026-07-28 server's `input_required` answer is returned as it is;
   * without, it fails the request with an {@link UpstreamError} saying what the server asked for.
   */
  getPrompt(name: string, args: Record<string, string> | undefined): Promise<GetPromptResult | undefined>;
  getPrompt(name: string, args: Record<string, string> | undefined, input: ClientInput | undefined): Promise<GetPromptResult | InputRequiredResult | undefined>;
  async getPrompt(name: string, args: Record<string, string> | undefined, input?: ClientInput): Promise<GetPromptResult | InputRequiredResult | undefined> {
    const entry = (await this.promptIndex()).find((p) => p.name === name);
    if (!entry) return undefined;
    const result = (await entry.connection.request((client, timeout) =>
      client.getPrompt(withClientInput(client, { name: entry.prompt.name, ...(args && { arguments: args }) }, input), { timeout, allowInputRequired: true }),
    )) as GetPromptResult | InputRequiredResult;
    if (!input && isInputRequired(result)) throw new UpstreamError({ reason: 'protocol', message: inputRequiredRefusal(result) }, 'call');
    return result;
  }

  /** The customer's resources: names prefixed, URIs behind {@link RESOURCE_SCHEME}, filtered. */
  async listResources(): Promise<Resource[]> {
    const lists = await this.fromEach('resources', (c) => c.request(async (client, timeout) => (await client.listResources(undefined, { timeout })).resources as Resource[]));
    return lists.flatMap(({ connection, value }) =>
      value.map((resource) => this.exposeResource(connection, resource)).filter((r): r is Resource => r !== undefined),
    );
  }

  /** The customer's resource templates, like {@link listResources}. */
  async listResourceTemplates(): Promise<ResourceTemplate[]> {
    const lists = await this.fromEach('resources', (c) =>
      c.request(async (client, timeout) => (await client.listResourceTemplates(undefined, { timeout })).resourceTemplates as ResourceTemplate[]),
    );
    return lists.flatMap(({ connection, value }) =>
      value.flatMap((template) => {
        const name = `${connection.server.name}_${template.name}`;
        if (!this.filter.allows({ name, original_name: template.name })) return [];
        return [{ ...template, name, uriTemplate: gatewayResourceUri(connection.server.name, template.uriTemplate) }];
      }),
    );
  }

  /** Reads a resource; undefined when no server of the customer has it, or the customer's filter hides it. */
  async readResource(uri: string): Promise<ReadResourceResult | undefined> {
    if (!(await this.mayRead(uri))) return undefined;
    const routed = upstreamResourceUri(uri);
    const candidates = routed ? this.connections.filter((c) => c.server.name === routed.server) : this.connections;
    for (const connection of candidates) {
      const target = routed?.uri ?? uri;
      try {
        await connection.connect();
      } catch {
        if (routed) throw new Error(`server ${connection.server.name} is unavailable`);
        continue;
      }
      if (!connection.capabilities()?.resources) continue;
      try {
        const result = await connection.request((client, timeout) => client.readResource({ uri: target }, { timeout }));
        return routed ? { ...result, contents: result.contents.map((c) => ({ ...c, uri: c.uri === target ? uri : gatewayResourceUri(connection.server.name, c.uri) })) } : result;
      } catch (error) {
        if (routed) throw error;
      }
    }
    return undefined;
  }

  /**
   * Asks the server behind a gateway resource URI to send updates of it (`resources/subscribe`), or to stop. Returns
   * false when the customer has no such resource, or its server does not offer subscriptions (a 2025 feature: a
   * 2026-07-28 server is not asked).
   */
  async subscription(uri: string, subscribe: boolean): Promise<boolean> {
    // A URI without the gateway prefix (as a tool result links it) belongs to the server that lists it.
    const routed = upstreamResourceUri(uri) ?? (await this.listedBy(uri));
    const connection = routed && this.connections.find((c) => c.server.name === routed.server);
    if (!routed || !connection || !(await this.mayRead(uri))) return false;
    await connection.connect();
    if (!connection.capabilities()?.resources?.subscribe || connection.protocolEra === 'modern') return false;
    await connection.request((client, timeout) =>
      subscribe ? client.subscribeResource({ uri: routed.uri }, { timeout }) : client.unsubscribeResource({ uri: routed.uri }, { timeout }),
    );
    return true;
  }

  /** The server whose resource list has `uri` (a server's own URI), if any. */
  private async listedBy(uri: string): Promise<{ server: string; uri: string } | undefined> {
    const listed = new Set((await this.listResources()).map((r) => r.uri));
    const owner = this.connections.find((c) => listed.has(gatewayResourceUri(c.server.name, uri)));
    return owner && { server: owner.server.name, uri };
  }

  /** Completes a prompt or resource-template argument on the server the reference names; undefined when none does. */
  async complete(params: CompleteRequest['params']): Promise<CompleteResult | undefined> {
    const ref = params.ref as { type: string; name?: string; uri?: string };
    let connection: McpConnection | undefined;
    let upstreamRef: typeof params.ref;
    if (ref.type === 'ref/prompt' && ref.name !== undefined) {
      const entry = (await this.promptIndex()).find((p) => p.name === ref.name);
      if (!entry) return undefined;
      connection = entry.connection;
      upstreamRef = { type: 'ref/prompt', name: entry.prompt.name };
    } else if (ref.type === 'ref/resource' && ref.uri !== undefined) {
      const routed = upstreamResourceUri(ref.uri);
      connection = routed && this.connections.find((c) => c.server.name === routed.server);
      if (!routed || !connection) return undefined;
      upstreamRef = { type: 'ref/resource', uri: routed.uri };
    } else return undefined;
    await connection.connect();
    if (!connection.capabilities()?.completions) return { completion: { values: [], hasMore: false } };
    const target = connection;
    return target.request((client, timeout) => client.complete({ ...params, ref: upstreamRef! }, { timeout }));
  }

  /**
   * Sends `logging/setLevel` to every connected 2025 server that offers logging; failures are left out. (2026-07-28
   * has no such method — a level travels in each request's `_meta` — and the SDK client refuses it there.)
   */
  async setLoggingLevel(level: LoggingLevel): Promise<void> {
    await this.fromEach('logging', async (c) => {
      if (c.protocolEra !== 'modern') await c.request((client, timeout) => client.setLoggingLevel(level, { timeout }));
    });
  }

  /**
   * Whether the filter lets the customer read `uri`: always without a filter; with one, only a URI of a listed
   * (allowed) resource or one an allowed template expands to.
   */
  private async mayRead(uri: string): Promise<boolean> {
    if (this.filter.allowsAll) return true;
    const routed = upstreamResourceUri(uri);
    const candidates = [uri, ...(routed ? [] : this.connections.map((c) => gatewayResourceUri(c.server.name, uri)))];
    const [resources, templates] = await Promise.all([this.listResources(), this.listResourceTemplates()]);
    if (resources.some((r) => candidates.includes(r.uri))) return true;
    return templates.some((t) => candidates.some((candidate) => templatePattern(t.uriTemplate).test(candidate)));
  }

  private async promptIndex(): Promise<Array<{ connection: McpConnection; prompt: Prompt; name: string }>> {
    const lists = await this.fromEach('prompts', (c) => c.request(async (client, timeout) => (await client.listPrompts(undefined, { timeout })).prompts as Prompt[]));
    const entries = lists.flatMap(({ connection, value }) => value.map((prompt) => ({ connection, prompt })));
    const names = assignToolNames(entries.map((e) => ({ server: e.connection.server.name, tool: e.prompt.name })));
    return entries.map((e, i) => ({ ...e, name: names[i]! })).filter((e) => this.filter.allows({ name: e.name, original_name: e.prompt.name }));
  }

  private exposeResource(connection: McpConnection, resource: Resource): Resource | undefined {
    const name = `${connection.server.name}_${resource.name}`;
    if (!this.filter.allows({ name, original_name: resource.name })) return undefined;
    return { ...resource, name, uri: gatewayResourceUri(connection.server.name, resource.uri) };
  }

  /** `work` on every server that is up (or comes up) and offers `capability`, in config order; failures left out. */
  private async fromEach<T>(capability: Capability, work: (connection: McpConnection) => Promise<T>): Promise<Array<{ connection: McpConnection; value: T }>> {
    const settled = await Promise.allSettled(
      this.connections.map(async (connection) => {
        await connection.connect();
        return connection.capabilities()?.[capability] ? { connection, value: await work(connection) } : undefined;
      }),
    );
    return settled.flatMap((s) => (s.status === 'fulfilled' && s.value ? [s.value] : []));
  }
}

/** A URI template as a pattern its expansions match: each `{…}` expression stands for any run of characters. */
function templatePattern(template: string): RegExp {
  const source = template
    .split(/\{[^}]*\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's');
}
