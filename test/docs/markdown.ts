/**
 * What the docs checks read from the README and docs/*.md: fenced code blocks (with the `docs-check` comment before
 * them), the commands in them and in inline code spans, headings as GitHub anchors, and relative links.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The README and every docs/*.md, relative to the repository root (docs written later are picked up by the glob). */
export function docFiles(root = REPO_ROOT): string[] {
  const docs = readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

export interface CodeBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  lines: string[];
  /** `<!-- docs-check: skip (reason) -->` on the last non-blank line before the fence. */
  skip?: string;
}

export interface DocCommand {
  file: string;
  line: number;
  /** The command as written (continuation lines joined, comment removed). */
  text: string;
  /** Where it came from: a shell block, a `$ ` line of an output block, or an inline code span. */
  source: 'block' | 'prompt' | 'inline';
  /** Variables assigned earlier in the same block (`INSPECT=node_modules/.bin/mcp-inspector-cli`). */
  vars: Record<string, string>;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/;
const SKIP = /<!--\s*docs-check:\s*skip\s*\(([^)]+)\)\s*-->/;
/** Blocks whose every line is a command; `console` and plain blocks only count their `$ ` lines. */
const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'zsh']);
const PROMPT_LANGS = new Set(['', 'console', 'text', 'shell-session']);

export function parseBlocks(file: string, text: string): { blocks: CodeBlock[]; prose: { line: number; text: string }[] } {
  const blocks: CodeBlock[] = [];
  const prose: { line: number; text: string }[] = [];
  let open: { fence: string; indent: number; block: CodeBlock } | undefined;
  let lastNonBlank = '';
  text.split('\n').forEach((line, index) => {
    if (open) {
      const trimmed = line.trim();
      if (trimmed.startsWith(open.fence) && /^[`~]+$/.test(trimmed)) {
        blocks.push(open.block);
        open = undefined;
      } else {
        // A block indented under a list item: its lines lose that indentation.
        const indent = Math.min(open.indent, line.length - line.trimStart().length);
        open.block.lines.push(line.slice(indent));
      }
      return;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const skip = SKIP.exec(lastNonBlank)?.[1];
      open = { fence: fence[2]!, indent: fence[1]!.length, block: { file, line: index + 1, lang: fence[3]!.toLowerCase(), lines: [], ...(skip ? { skip } : {}) } };
      return;
    }
    prose.push({ line: index + 1, text: line });
    if (line.trim() !== '') lastNonBlank = line;
  });
  return { blocks, prose };
}

/** Removes a shell comment: a `#` at the start or after whitespace, outside quotes. */
export function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

/** Joins `\` continuation lines; yields each logical line with the line number of its first physical line. */
function logicalLines(lines: string[]): { offset: number; text: string }[] {
  const out: { offset: number; text: string }[] = [];
  let current: { offset: number; text: string } | undefined;
  lines.forEach((raw, offset) => {
    const line = raw.replace(/\s+$/, '');
    if (current) current.text += ` ${line.trim()}`;
    else current = { offset, text: line };
    if (current.text.endsWith('\\')) current.text = current.text.slice(0, -1).trimEnd();
    else {
      out.push(current);
      current = undefined;
    }
  });
  if (current) out.push(current);
  return out;
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(\S*)$/;

export function blockCommands(block: CodeBlock): DocCommand[] {
  if (block.skip) return [];
  const shell = SHELL_LANGS.has(block.lang);
  if (!shell && !PROMPT_LANGS.has(block.lang)) return [];
  const commands: DocCommand[] = [];
  const vars: Record<string, string> = {};
  for (const { offset, text } of logicalLines(block.lines)) {
    let command: string;
    if (shell) command = stripComment(text).trim();
    else {
      const prompt = /^\s*\$ (.*)$/.exec(text);
      if (!prompt) continue;
      command = stripComment(prompt[1]!).trim();
    }
    if (command === '') continue;
    const assignment = ASSIGNMENT.exec(command);
    if (assignment) {
      vars[assignment[1]!] = assignment[2]!;
      continue;
    }
    commands.push({ file: block.file, line: block.line + 1 + offset, text: command, source: shell ? 'block' : 'prompt', vars: { ...vars } });
  }
  return commands;
}

/** Inline code spans in prose that are commands of this repository: `pnpm …`, `node scripts/…`, `zx …`, `npx …`, `node_modules/.bin/…`. */
const INLINE_COMMAND = /^(pnpm \S|node scripts\/|zx |npx |node_modules\/\.bin\/\S+ |tsx )/;

export function inlineCommands(file: string, prose: { line: number; text: string }[]): DocCommand[] {
  const commands: DocCommand[] = [];
  for (const { line, text } of prose) {
    for (const match of text.matchAll(/(`+)([^`]+?)\1/g)) {
      const code = match[2]!.trim();
      if (INLINE_COMMAND.test(code)) commands.push({ file, line, text: code, source: 'inline', vars: {} });
    }
  }
  return commands;
}

export interface DocsCorpus {
  blocks: CodeBlock[];
  commands: DocCommand[];
}

export function readDocs(root = REPO_ROOT, files = docFiles(root)): DocsCorpus {
  const blocks: CodeBlock[] = [];
  const commands: DocCommand[] = [];
  for (const file of files) {
    const { blocks: fileBlocks, prose } = parseBlocks(file, readFileSync(path.join(root, file), 'utf8'));
    blocks.push(...fileBlocks);
    for (const block of fileBlocks) commands.push(...blockCommands(block));
    commands.push(...inlineCommands(file, prose));
  }
  return { blocks, commands };
}

/** GitHub's anchor for a heading: lower case, markup and punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const { prose } = parseBlocks('', text);
  for (const { text: line } of prose) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    // HTML tags are dropped, but not `<id>` inside a code span, which GitHub renders as text.
    const slug = heading[1]!
      .split(/(`[^`]*`)/)
      .map((part) => (part.startsWith('`') ? part : part.replace(/<[^>]+>/g, '')))
      .join('')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  for (const match of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1]!);
  return anchors;
}

export interface DocLink {
  file: string;
  line: number;
  target: string;
}

/** Relative links of the prose (`[text](target)`), not those inside code blocks or code spans. */
export function relativeLinks(file: string, text: string): DocLink[] {
  const links: DocLink[] = [];
  for (const { line, text: row } of parseBlocks(file, text).prose) {
    const withoutCode = row.replace(/(`+)[^`]*?\1/g, '');
    for (const match of withoutCode.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      links.push({ file, line, target });
    }
  }
  return links;
}

export const fileExists = (root: string, relative: string) => existsSync(path.join(root, relative));
