/**
 * The comparison arranged the way a reviewer reads it, shared by the text and Markdown renderers: one section
 * per customer (its own change, then its objects per output), one for fleet-wide objects, and counts per output.
 * Also the one-line formatting of a changed field.
 */
import { compare } from '../fleet/compare.ts';
import type { ChangeKind, CustomerChange, CustomerDetails, FieldChange, FleetDiff, ObjectChange } from './semantic-diff.ts';
import type { CustomerToolChanges } from './tool-lock-diff.ts';

/** One customer's part of the comparison, or the fleet-wide part (`customer` undefined). */
export interface Section {
  /** Customer id, or undefined for fleet-wide objects. */
  id?: string;
  /** The customer's own change, when its view changed. */
  customer?: CustomerChange;
  /** Object changes by output, outputs in generator order. */
  outputs: Array<{ output: string; objects: ObjectChange[] }>;
  /** The customer's tool lock changes, when its lock differs. */
  tools?: CustomerToolChanges;
}

/** Customers in id order, then fleet-wide objects; customers with no change of their own still get a section. */
export function sectionsOf(diff: FleetDiff): Section[] {
  const rank = (output: string) => (diff.outputOrder.includes(output) ? diff.outputOrder.indexOf(output) : diff.outputOrder.length);
  const ids = [...new Set([...diff.customers.map((c) => c.id), ...diff.objects.flatMap((o) => (o.customer === undefined ? [] : [o.customer])), ...(diff.tools ?? []).map((t) => t.customer)])].sort(compare);
  const section = (id: string | undefined): Section => {
    const objects = diff.objects.filter((o) => o.customer === id);
    const outputs = [...new Set(objects.map((o) => o.output))].sort((a, b) => rank(a) - rank(b) || compare(a, b));
    const customer = id === undefined ? undefined : diff.customers.find((c) => c.id === id);
    const tools = id === undefined ? undefined : diff.tools?.find((t) => t.customer === id);
    return { ...(id !== undefined && { id }), ...(customer && { customer }), outputs: outputs.map((output) => ({ output, objects: objects.filter((o) => o.output === output) })), ...(tools && { tools }) };
  };
  const sections = ids.map(section);
  const fleetWide = section(undefined);
  return fleetWide.outputs.length > 0 ? [...sections, fleetWide] : sections;
}

/** Objects added, removed and changed per output, outputs in generator order. */
export function outputCounts(diff: FleetDiff): Array<{ output: string; files: string[] } & Record<ChangeKind, number>> {
  const rank = (output: string) => (diff.outputOrder.includes(output) ? diff.outputOrder.indexOf(output) : diff.outputOrder.length);
  const outputs = [...new Set(diff.files.map((f) => f.output))].sort((a, b) => rank(a) - rank(b) || compare(a, b));
  return outputs.map((output) => {
    const objects = diff.objects.filter((o) => o.output === output);
    return {
      output,
      files: diff.files.filter((f) => f.output === output).map((f) => f.path),
      added: objects.filter((o) => o.change === 'added').length,
      removed: objects.filter((o) => o.change === 'removed').length,
      changed: objects.filter((o) => o.change === 'changed').length,
    };
  });
}

/** `added 1, removed 1, changed 2` style counts of customers. */
export function customerCounts(diff: FleetDiff): Record<ChangeKind, number> {
  return {
    added: diff.customers.filter((c) => c.change === 'added').length,
    removed: diff.customers.filter((c) => c.change === 'removed').length,
    changed: diff.customers.filter((c) => c.change === 'changed').length,
  };
}

const MAX_VALUE = 72;

/**
 * An added or removed customer in a few lines a reviewer can approve from: its host, then per server its
 * settings (upstream URLs, region, …), host port and credential variable names, then its gateway token's variable.
 */
export function detailLines(details: CustomerDetails): string[] {
  const servers = details.servers.map((server) =>
    [
      `${server.server}: ${Object.entries(server.settings).map(([key, value]) => `${key} ${value}`).join(', ') || 'no settings'}`,
      `host port ${server.hostPort}`,
      server.credentialVariables.length > 0 ? `credentials ${server.credentialVariables.join(', ')}` : 'no credentials',
    ].join(' · '),
  );
  return [`host ${details.host}`, ...servers, ...(details.gatewayTokenVariable ? [`gateway token ${details.gatewayTokenVariable}`] : [])];
}

/**
 * One changed field on one line: `environment.GRAFANA_URL: "https://a" → "https://b"`, `tenant: added "x"`,
 * `basicAuth: removed`. Long values are cut around the first difference so the difference stays visible.
 */
export function formatField(field: FieldChange): string {
  const path = field.path || 'value';
  const hasBefore = 'before' in field;
  const hasAfter = 'after' in field;
  if (!hasBefore && !hasAfter) return path;
  if (!hasBefore) return `${path}: added ${formatValue(field.after)}`;
  if (!hasAfter) return `${path}: removed (was ${formatValue(field.before)})`;
  if (isScalarList(field.before) && isScalarList(field.after)) return `${path}: ${listChange(field.before, field.after)}`;
  const [before, after] = [render(field.before), render(field.after)];
  if (before.length <= MAX_VALUE && after.length <= MAX_VALUE) return `${path}: ${before} → ${after}`;
  const [a, b] = aroundDifference(before, after);
  return `${path}: ${a} → ${b}`;
}

const isScalarList = (value: unknown): value is unknown[] => Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object');

/** `−"a" +"b"`: what left and joined a list of scalars (or that only its order changed). */
function listChange(before: unknown[], after: unknown[]): string {
  const removed = before.filter((v) => !after.includes(v)).map((v) => `−${formatValue(v)}`);
  const added = after.filter((v) => !before.includes(v)).map((v) => `+${formatValue(v)}`);
  const parts = [...removed, ...added];
  if (parts.length === 0) return 'reordered';
  return parts.length > 6 ? `${parts.slice(0, 6).join(' ')} … ${parts.length - 6} more` : parts.join(' ');
}

/** A value on one line, shortened to a readable length. */
export function formatValue(value: unknown): string {
  const text = render(value);
  return text.length <= MAX_VALUE ? text : `${text.slice(0, MAX_VALUE - 1)}…`;
}

function render(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value) ?? String(value);
  if (Array.isArray(value) && text.length > MAX_VALUE) return `[${value.length} items]`;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && text.length > MAX_VALUE) return `{${Object.keys(value).join(', ')}}`.slice(0, MAX_VALUE);
  return text;
}

/** Both texts cut to a window starting a little before their first difference. */
function aroundDifference(a: string, b: string): [string, string] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  // Start a little before the difference, at a word boundary when there is one close by.
  const space = a.lastIndexOf(' ', start - 1);
  const from = space >= 0 && start - space <= 30 ? space + 1 : Math.max(0, start - 20);
  const cut = (text: string) => {
    const window = text.slice(from, from + MAX_VALUE);
    return `${from > 0 ? '…' : ''}${window}${from + MAX_VALUE < text.length ? '…' : ''}`;
  };
  return [cut(a), cut(b)];
}

/** Symbols for a change, in text. */
export const MARK: Record<ChangeKind, string> = { added: '+', removed: '-', changed: '~' };
