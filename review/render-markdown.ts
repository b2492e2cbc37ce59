/**
 * The Markdown rendering of a review, for a PR comment and the CI job summary: headline counts, a customer
 * table, a table per output, one collapsible `<details>` per customer with its objects and changed fields, and
 * the unified diff in a collapsible block. Never longer than the limit (60,000 characters by default; GitHub
 * refuses comments over 65,536): what does not fit is left out in order — diff lines first, then whole
 * sections — and a note says what was trimmed.
 */
import type { Review } from './review-change.ts';
import { customerCounts, detailLines, formatField, outputCounts, sectionsOf, type Section } from './sections.ts';
import { hasChanges, type ChangeKind } from './semantic-diff.ts';
import { toolCounts, toolLine } from './tool-lock-diff.ts';

/** Default size limit of the rendered Markdown, in characters. */
export const MARKDOWN_LIMIT = 60_000;

/** At most this many fields are listed per object or customer; the rest are counted. */
const FIELDS_SHOWN = 8;
/** Room kept for the trim note, so the note never pushes the text over the limit. */
const NOTE_ROOM = 500;

const ICON: Record<ChangeKind, string> = { added: '➕', removed: '➖', changed: '✏️' };

export interface MarkdownOptions {
  /** Maximum length in characters (default {@link MARKDOWN_LIMIT}). */
  limit?: number;
  /** Heading text (default "mcpfleet diff"). */
  title?: string;
  /** Append the unified diff (default: true). */
  patch?: boolean;
}

/** Renders `review` as GitHub-flavoured Markdown of at most `limit` characters. */
export function renderMarkdown(review: Review, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? MARKDOWN_LIMIT;
  const { base, diff, patches } = review;
  const heading = [`### ${options.title ?? 'mcpfleet diff'}`, '', `Compared with ${code(base.ref)} at ${code(base.commit.slice(0, 7))} (${escape(base.how)}).`, ''];
  if (!hasChanges(diff)) return `${[...heading, '**No change to the fleet**: this branch generates exactly what the base does.'].join('\n')}\n`;

  const budget = new Budget(limit - NOTE_ROOM);
  const counts = customerCounts(diff);
  const added = patches.reduce((n, p) => n + p.additions, 0);
  const removed = patches.reduce((n, p) => n + p.deletions, 0);
  budget.add(
    [
      ...heading,
      `**Customers: ${counts.added} added, ${counts.removed} removed, ${counts.changed} changed** · ${patches.length} file${patches.length === 1 ? '' : 's'} of out/ (+${added} −${removed})`,
      '',
      '',
    ].join('\n'),
  );

  const omitted = { customers: 0, sections: 0, files: 0, truncated: false };
  if (diff.customers.length > 0) {
    budget.add('| | customer | change |\n| --- | --- | --- |\n');
    diff.customers.forEach((customer, index) => {
      const what =
        customer.change === 'changed'
          ? fieldList(customer.fields.map((f) => f.path || 'value'))
          : [`${customer.change}: ${customer.servers.map(escape).join(', ')}`, ...(customer.details ? detailLines(customer.details).map((line) => code(line, true)) : [])].join('<br>');
      if (!budget.add(`| ${ICON[customer.change]} | ${code(customer.id, true)} ${escape(customer.name)} | ${what} |\n`)) omitted.customers = diff.customers.length - index;
    });
    budget.add('\n');
  }
  if (diff.tools?.length) {
    const parts = diff.tools.map((t) => {
      const n = toolCounts(t);
      return `${code(t.file)} ${t.lock} (+${n.added} −${n.removed} ~${n.changed})`;
    });
    budget.add(`**Tool locks:** ${parts.join(', ')}\n\n`);
  }
  if (diff.config.length > 0) budget.add(`**Fleet config:** ${diff.config.map((f) => code(formatField(f))).join(', ')}\n\n`);

  budget.add(
    [
      '| output | added | removed | changed | files |',
      '| --- | ---: | ---: | ---: | --- |',
      ...outputCounts(diff).map((o) => `| ${o.output} | ${o.added} | ${o.removed} | ${o.changed} | ${o.files.map((f) => code(`out/${f}`, true)).join(' ')} |`),
      '',
      '',
    ].join('\n'),
  );

  const sections = sectionsOf(diff);
  sections.forEach((section, index) => {
    if (omitted.sections > 0) return;
    if (!budget.add(renderSection(section))) omitted.sections = sections.length - index;
  });

  if (patches.length > 0 && (options.patch ?? true)) {
    const fence = fenceFor(patches.map((p) => p.patch).join(''));
    const open = `<details><summary>Unified diff: ${patches.length} file${patches.length === 1 ? '' : 's'} (+${added} −${removed})</summary>\n\n${fence}diff\n`;
    const close = `${fence}\n\n</details>\n`;
    if (budget.remaining() >= open.length + close.length + 200) {
      budget.reserve(close.length);
      budget.add(open);
      for (const [index, patch] of patches.entries()) {
        if (budget.add(patch.patch)) continue;
        // The first file that does not fit is cut at a line boundary; the files after it are left out.
        const lines = patch.patch.replace(/\n$/, '').split('\n');
        const room = budget.remaining() - 100;
        let size = 0;
        let kept = 0;
        while (kept < lines.length && size + lines[kept]!.length + 1 <= room) size += lines[kept++]!.length + 1;
        if (kept > 0) {
          budget.add(`${lines.slice(0, kept).join('\n')}\n… ${lines.length - kept} more lines of out/${patch.path} not shown\n`);
          omitted.truncated = true;
          omitted.files = patches.length - index - 1;
        } else omitted.files = patches.length - index;
        break;
      }
      budget.release(close.length);
      budget.add(close);
    } else omitted.files = patches.length;
  }

  const notes = [
    omitted.customers > 0 && `${omitted.customers} customer row${omitted.customers === 1 ? '' : 's'}`,
    omitted.sections > 0 && `${omitted.sections} customer section${omitted.sections === 1 ? '' : 's'}`,
    omitted.truncated && 'part of one file diff',
    omitted.files > 0 && `the diff of ${omitted.files} file${omitted.files === 1 ? '' : 's'}`,
  ].filter(Boolean);
  const text = budget.text();
  if (notes.length === 0) return text;
  const note = `> [!NOTE]\n> Trimmed to fit a PR comment (${limit.toLocaleString('en-US')} characters): ${notes.join(', ')} not shown. Run \`pnpm diff\` locally, or see the Files tab, for everything.\n\n`;
  const at = text.indexOf('**Customers:');
  return at < 0 ? `${note}${text}` : `${text.slice(0, at)}${note}${text.slice(at)}`;
}

function renderSection(section: Section): string {
  const objectCount = section.outputs.reduce((n, o) => n + o.objects.length, 0);
  const toolCount = section.tools?.tools.length ?? 0;
  const change = section.customer ? ` — ${section.customer.change}` : '';
  const icon = section.customer ? `${ICON[section.customer.change]} ` : '';
  const title = section.id === undefined ? '<b>Fleet-wide</b>' : `${icon}<b>${html(section.id)}</b>${section.customer ? ` ${html(section.customer.name)}` : ''}${change}`;
  const tools = section.tools ? `, ${toolCount} tool change${toolCount === 1 ? '' : 's'}` : '';
  const lines = [`<details><summary>${title} (${objectCount} object${objectCount === 1 ? '' : 's'}${tools})</summary>`, ''];
  if (section.customer?.change === 'changed') {
    lines.push('**Customer**');
    for (const field of section.customer.fields.slice(0, FIELDS_SHOWN)) lines.push(`- ${code(formatField(field))}`);
    if (section.customer.fields.length > FIELDS_SHOWN) lines.push(`- … ${section.customer.fields.length - FIELDS_SHOWN} more fields`);
    lines.push('');
  }
  if (section.tools) {
    lines.push(`**Tools** (${code(section.tools.file)}, lock ${section.tools.lock})`);
    for (const t of section.tools.tools) lines.push(`- ${ICON[t.change]} ${code(toolLine(t).slice(2))}`);
    lines.push('');
  }
  for (const { output, objects } of section.outputs) {
    lines.push(`**${escape(output)}**`);
    for (const object of objects) {
      lines.push(`- ${ICON[object.change]} ${code(object.id)}`);
      for (const field of object.fields.slice(0, FIELDS_SHOWN)) lines.push(`  - ${code(formatField(field))}`);
      if (object.fields.length > FIELDS_SHOWN) lines.push(`  - … ${object.fields.length - FIELDS_SHOWN} more fields`);
    }
    lines.push('');
  }
  lines.push('</details>', '', '');
  return lines.join('\n');
}

function fieldList(paths: string[]): string {
  const shown = paths.slice(0, 4).map((p) => code(p, true));
  return paths.length > 4 ? `${shown.join(', ')} and ${paths.length - 4} more` : shown.join(', ');
}

/** Collects text up to a limit; `reserve` keeps room for text that must follow (a closing fence). */
class Budget {
  private readonly parts: string[] = [];
  private used = 0;
  private reserved = 0;

  constructor(private readonly limit: number) {}

  /** Appends `text` when it fits, and says whether it did. */
  add(text: string): boolean {
    if (this.used + this.reserved + text.length > this.limit) return false;
    this.parts.push(text);
    this.used += text.length;
    return true;
  }

  remaining(): number {
    return this.limit - this.used - this.reserved;
  }

  reserve(size: number): boolean {
    if (this.remaining() < size) return false;
    this.reserved += size;
    return true;
  }

  release(size: number): void {
    this.reserved -= size;
  }

  text(): string {
    return this.parts.join('');
  }
}

/** Inline code that survives backticks in the text (and pipes, inside a table). */
function code(text: string, inTable = false): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  const body = inTable ? text.replaceAll('|', '\\|') : text;
  return longest > 0 || body.startsWith(' ') ? `${ticks} ${body} ${ticks}` : `${ticks}${body}${ticks}`;
}

/** A code fence longer than any backtick run in `text`. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`{3,}/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** Text inside HTML (a `<summary>`), where Markdown is not processed. */
function html(text: string): string {
  return text.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
}

/** Text outside code: HTML and Markdown punctuation escaped (customer names are user input). */
function escape(text: string): string {
  return text.replace(/[&<>]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[ch]!).replace(/([\\`*_[\]|#])/g, '\\$1');
}
