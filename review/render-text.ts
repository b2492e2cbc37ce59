/**
 * The terminal rendering of a review: heading, customers, per output counts, per customer the objects that
 * changed with their fields, then the unified diff.
 */
import pc from 'picocolors';
import type { Review } from './review-change.ts';
import { customerCounts, detailLines, formatField, MARK, outputCounts, sectionsOf } from './sections.ts';
import { hasChanges, type ChangeKind } from './semantic-diff.ts';
import { toolCounts, toolLine } from './tool-lock-diff.ts';

/** At most this many fields are listed per object; the rest are counted. */
const FIELDS_SHOWN = 8;

export interface TextOptions {
  /** ANSI colors (default: off). */
  color?: boolean;
  /** Append the unified diff (default: true). */
  patch?: boolean;
}

/** Renders `review` for a terminal or a CI log. */
export function renderText(review: Review, options: TextOptions = {}): string {
  const c = pc.createColors(options.color ?? false);
  const paint: Record<ChangeKind, (s: string) => string> = { added: c.green, removed: c.red, changed: c.yellow };
  const { base, diff, patches } = review;
  const lines: string[] = [c.bold(`mcpfleet diff: ${base.ref} (${base.commit.slice(0, 7)}, ${base.how}) → working tree`), ''];

  if (!hasChanges(diff)) {
    lines.push('No change: the working tree generates exactly what the base does.');
    return `${lines.join('\n')}\n`;
  }

  const counts = customerCounts(diff);
  lines.push(c.bold(`Customers: ${counts.added} added, ${counts.removed} removed, ${counts.changed} changed`));
  for (const customer of diff.customers) {
    lines.push(paint[customer.change](`  ${MARK[customer.change]} ${customer.id}  "${customer.name}"  ${customer.change} (${customer.servers.join(', ')})`));
    for (const detail of customer.details ? detailLines(customer.details) : []) lines.push(`      ${detail}`);
    for (const field of customer.fields.slice(0, FIELDS_SHOWN)) lines.push(`      ${formatField(field)}`);
    if (customer.fields.length > FIELDS_SHOWN) lines.push(`      … ${customer.fields.length - FIELDS_SHOWN} more fields`);
  }
  if (diff.tools?.length) {
    lines.push('', c.bold(`Tool locks: ${diff.tools.length} customer${diff.tools.length === 1 ? '' : 's'}`));
    for (const t of diff.tools) {
      const n = toolCounts(t);
      lines.push(`  ${MARK[t.lock]} ${t.file}  ${t.lock}: tools +${n.added} −${n.removed} ~${n.changed}`);
    }
  }
  if (diff.config.length > 0) {
    lines.push('', c.bold('Fleet config:'));
    for (const field of diff.config) lines.push(`  ~ ${formatField(field)}`);
  }

  const outputs = outputCounts(diff);
  const width = Math.max(6, ...outputs.map((o) => o.output.length));
  lines.push('', c.bold(`${'Outputs'.padEnd(width + 2)}  added  removed  changed  files`));
  for (const o of outputs) {
    lines.push(`  ${o.output.padEnd(width)}  ${String(o.added).padStart(5)}  ${String(o.removed).padStart(7)}  ${String(o.changed).padStart(7)}  ${o.files.map((f) => `out/${f}`).join(', ')}`);
  }

  for (const section of sectionsOf(diff)) {
    const title = section.id === undefined ? 'Fleet-wide' : `${section.id}${section.customer ? ` (${section.customer.change})` : ''}`;
    lines.push('', c.bold(title));
    if (section.tools) {
      lines.push(`  ${c.cyan(`tools (${section.tools.file})`)}`);
      for (const t of section.tools.tools) lines.push(paint[t.change](`    ${toolLine(t)}`));
      if (section.tools.tools.length === 0) lines.push(`    lock ${section.tools.lock}, no tool changes`);
    }
    for (const { output, objects } of section.outputs) {
      lines.push(`  ${c.cyan(output)}`);
      for (const object of objects) {
        lines.push(paint[object.change](`    ${MARK[object.change]} ${object.id}`));
        for (const field of object.fields.slice(0, FIELDS_SHOWN)) lines.push(`        ${formatField(field)}`);
        if (object.fields.length > FIELDS_SHOWN) lines.push(`        … ${object.fields.length - FIELDS_SHOWN} more fields`);
      }
    }
  }

  const added = patches.reduce((n, p) => n + p.additions, 0);
  const removed = patches.reduce((n, p) => n + p.deletions, 0);
  lines.push('', c.bold(`Files: ${patches.length} (+${added} −${removed})`));
  for (const p of patches) lines.push(paint[p.change](`  ${MARK[p.change]} out/${p.path} (+${p.additions} −${p.deletions})`));

  if (options.patch ?? true) {
    lines.push('');
    for (const p of patches) {
      for (const line of p.patch.replace(/\n$/, '').split('\n')) {
        lines.push(
          line.startsWith('+') && !line.startsWith('+++')
            ? c.green(line)
            : line.startsWith('-') && !line.startsWith('---')
              ? c.red(line)
              : line.startsWith('@@')
                ? c.cyan(line)
                : line,
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
