/**
 * Prompts, resources, resource templates, completions and logging on a customer's MCP endpoint, for both protocol
 * faces: the work is {@link CustomerCatalog}'s; this adds what the endpoint owes its clients — redaction of every
 * answer, and errors as values (`notFound`, `failed`) that each face turns into its SDK's JSON-RPC error.
 */
import type { CompleteRequest, CompleteResult, GetPromptResult, LoggingLevel, Prompt, ReadResourceResult, Resource, ResourceTemplate } from '@modelcontextprotocol/sdk/types.js';
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { CustomerLease } from '../agent-runtime.ts';
import { classifyError } from '../pool/failure.ts';
import { redactValue, relayedError } from './gateway-results.ts';
import type { RelayedError } from './gateway-results.ts';
import { UpstreamError } from '../pool/mcp-connection.ts';
import type { ClientInput, InputRequiredResult } from '../pool/mcp-connection.ts';
import type { Redactor } from '../redact.ts';

/** An answer, or why there is none: nothing of that name or URI for the customer, or the server failed. */
export type CatalogAnswer<T> = { result: T } | { notFound: string } | { failed: string } | { refused: RelayedError };

/** A catalog answer as either face gives it: the result, or a `ProtocolError` (`notFound` makes the "no such" one). */
export function catalogResult<T>(answer: CatalogAnswer<T>, notFound = (message: string): Error => new ProtocolError(ProtocolErrorCode.InvalidParams, message)): T {
  if ('result' in answer) return answer.result;
  if ('notFound' in answer) throw notFound(answer.notFound);
  if ('refused' in answer) throw new ProtocolError(answer.refused.code, answer.refused.message, answer.refused.data);
  throw new ProtocolError(ProtocolErrorCode.InternalError, answer.failed);
}

/** The customer's catalog as its MCP endpoint serves it. */
export class GatewayCatalog {
  constructor(
    private readonly lease: CustomerLease,
    private readonly redactor: Redactor,
  ) {}

  async listPrompts(): Promise<{ prompts: Prompt[] }> {
    return { prompts: this.clean(await this.lease.catalog().listPrompts()) };
  }

  /** With `input` (2026-07-28 MRTR) the answer may be the upstream's `input_required` result, to pass on as it is. */
  getPrompt(name: string, args: Record<string, string> | undefined, input?: ClientInput): Promise<CatalogAnswer<GetPromptResult | InputRequiredResult>> {
    return this.answer(() => this.lease.catalog().getPrompt(name, args, input), `Prompt ${name.slice(0, 128)} not found for customer "${this.lease.customer.id}"`, input);
  }

  async listResources(): Promise<{ resources: Resource[] }> {
    return { resources: this.clean(await this.lease.catalog().listResources()) };
  }

  async listResourceTemplates(): Promise<{ resourceTemplates: ResourceTemplate[] }> {
    return { resourceTemplates: this.clean(await this.lease.catalog().listResourceTemplates()) };
  }

  readResource(uri: string): Promise<CatalogAnswer<ReadResourceResult>> {
    return this.answer(() => this.lease.catalog().readResource(uri), `Resource ${uri.slice(0, 200)} not found for customer "${this.lease.customer.id}"`);
  }

  /** Subscribes to (or unsubscribes from) a resource's updates at its server. */
  subscription(uri: string, subscribe: boolean): Promise<CatalogAnswer<Record<string, never>>> {
    return this.answer(async () => ((await this.lease.catalog().subscription(uri, subscribe)) ? {} : undefined), `Resource ${uri.slice(0, 200)} cannot be watched for customer "${this.lease.customer.id}"`);
  }

  complete(params: CompleteRequest['params']): Promise<CatalogAnswer<CompleteResult>> {
    return this.answer(() => this.lease.catalog().complete(params), `nothing to complete for that reference of customer "${this.lease.customer.id}"`);
  }

  setLoggingLevel(level: LoggingLevel): Promise<void> {
    return this.lease.catalog().setLoggingLevel(level);
  }

  private async answer<T>(work: () => Promise<T | undefined>, notFound: string, input?: ClientInput): Promise<CatalogAnswer<T>> {
    try {
      const result = await work();
      return result === undefined ? { notFound } : { result: this.clean(result) };
    } catch (error) {
      const refused = relayedError(error, input, this.redactor);
      if (refused) return { refused };
      const failure = error instanceof UpstreamError ? error.failure : classifyError(error, this.redactor);
      return { failed: this.redactor.reason(`upstream failed (${failure.reason}): ${failure.message}`) };
    }
  }

  private clean<T>(value: T): T {
    return redactValue(value, this.redactor);
  }
}
