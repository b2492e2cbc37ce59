/**
 * Two versions of a compose file without the entries both have word for word, so that only what differs is parsed.
 * At 1,000 customers the compose file is ~3.5 MB; a one-customer change touches a handful of its ~4,000 entries, and
 * parsing it whole, twice, was ~0.6 s of `pnpm diff`. An entry whose text is the same on both sides parses to the same
 * value on both sides and so is never a change: leaving it out of both changes no object change.
 *
 * Only a file in the shape the compose generator writes is reduced (js-yaml block style, no anchors, every entry of
 * `services:`, `networks:` and `volumes:` a line `  name:` with its value on it or indented below it); any other file
 * is compared whole.
 */

/** Top-level sections whose entries are objects of their own (see `composeObjects` in output-objects.ts). */
const SECTIONS = new Set(['services', 'networks', 'volumes']);
const SECTION_LINE = /^([A-Za-z_][\w-]*):$/;
/** An entry's first line: its key, and its value when that fits on the line (`  mcp-acme:`, `  default: {}`). */
const ENTRY_LINE = /^ {2}(?:[^\s#&*!|>'"{[?-][^:]*|"[^"\\]*"):(?: .*)?$/;
/** Anchors, aliases, tags and merge keys tie entries to each other: such a file is compared whole. */
const LINKS = /(?:^|[\s:-])[&*!][^\s"]|<<:/;

interface Piece {
  /** Where the piece starts in its text, and where it ends (after its line end). */
  start: number;
  end: number;
  /** For an entry: its section and its key (`services\0  mcp-acme`), by which the two sides are matched. */
  entry?: string;
  /** Set on the line that opens a section (`services:`). */
  opens?: string;
}

/** `before` and `after` without their common entries, or undefined when either is not in the expected shape. */
export function withoutCommonEntries(before: string, after: string): [before: string, after: string] | undefined {
  const piecesBefore = piecesOf(before);
  const piecesAfter = piecesOf(after);
  if (!piecesBefore || !piecesAfter) return undefined;
  const entriesBefore = new Map(piecesBefore.filter((piece) => piece.entry).map((piece) => [piece.entry!, piece]));
  const commonBefore = new Set<Piece>();
  const commonAfter = new Set<Piece>();
  for (const piece of piecesAfter) {
    const match = piece.entry && entriesBefore.get(piece.entry);
    if (match && bodyOf(before, match) === bodyOf(after, piece)) {
      commonBefore.add(match);
      commonAfter.add(piece);
    }
  }
  return [render(before, piecesBefore, commonBefore), render(after, piecesAfter, commonAfter)];
}

/** A piece's text without the line ends that close it: the file's last line end goes with its last entry. */
function bodyOf(text: string, piece: Piece): string {
  let end = piece.end;
  while (end > piece.start && text.charCodeAt(end - 1) === NEWLINE) end -= 1;
  return text.slice(piece.start, end);
}

/** Cuts `text` into pieces at its top-level lines and at the entries of its sections; undefined when not in the shape. */
function piecesOf(text: string): Piece[] | undefined {
  if (hasLinks(text)) return undefined;
  const pieces: Piece[] = [];
  let section: string | undefined;
  let current: Piece = { start: 0, end: 0 };
  /** Set while a section's opening line has had nothing but comments and blank lines after it. */
  let openingOnly = false;
  const seen = new Set<string>();
  const cut = (next: Piece) => {
    if (next.start > current.start) pieces.push({ ...current, end: next.start });
    current = next;
  };
  // Line by line, by offsets: a 3.5 MB file has ~80,000 lines, of which only the first characters are looked at.
  for (let at = 0; at < text.length; ) {
    const newline = text.indexOf('\n', at);
    const lineEnd = newline === -1 ? text.length : newline;
    const first = text.charCodeAt(at);
    if (first === HASH || first === NEWLINE) {
      // A comment or a blank line stays with the piece before it.
    } else if (first !== SPACE) {
      const name = SECTION_LINE.exec(text.slice(at, lineEnd))?.[1];
      section = name && SECTIONS.has(name) ? name : undefined;
      openingOnly = section !== undefined;
      cut({ start: at, end: 0, ...(section && { opens: section }) });
    } else if (section && text.charCodeAt(at + 1) === SPACE && text.charCodeAt(at + 2) !== SPACE) {
      const line = text.slice(at, lineEnd);
      const key = line.startsWith('  "') ? line.slice(0, line.indexOf('"', 3) + 1) : line.slice(0, line.indexOf(':'));
      const entry = `${section}\0${key}`;
      // A key twice is a file js-yaml refuses whole: reduced, it might parse.
      if (!ENTRY_LINE.test(line) || seen.has(entry)) return undefined;
      seen.add(entry);
      openingOnly = false;
      cut({ start: at, end: 0, entry });
    } else if (openingOnly) {
      return undefined; // a section's body that is not entries
    }
    at = lineEnd + 1;
  }
  cut({ start: text.length, end: text.length });
  return pieces;
}

const [HASH, NEWLINE, SPACE] = ['#', '\n', ' '].map((c) => c.charCodeAt(0)) as [number, number, number];

/** True when a line holds an anchor, alias, tag or merge key outside a quoted string. */
function hasLinks(text: string): boolean {
  const candidates = /[&*!]|<</g;
  for (let match = candidates.exec(text); match; match = candidates.exec(text)) {
    const lineStart = text.lastIndexOf('\n', match.index) + 1;
    const lineEnd = text.indexOf('\n', match.index);
    const line = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
    if (LINKS.test(line.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) return true;
    candidates.lastIndex = lineEnd === -1 ? text.length : lineEnd;
  }
  return false;
}

/** The text without the common entries; a section left without entries stays a mapping (`services: {}`). */
function render(text: string, pieces: Piece[], common: Set<Piece>): string {
  const kept = pieces.filter((piece) => !common.has(piece));
  let out = '';
  kept.forEach((piece, index) => {
    const body = text.slice(piece.start, piece.end);
    const empty = piece.opens !== undefined && !kept[index + 1]?.entry?.startsWith(`${piece.opens}\0`);
    out += empty ? body.replace(/^([^\n]*)/, '$1 {}') : body;
  });
  // The last line end may have gone with a common entry: the text still ends as it did.
  return text.endsWith('\n') && !out.endsWith('\n') ? `${out}\n` : out;
}
