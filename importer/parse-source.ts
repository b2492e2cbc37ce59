/**
 * Reads the file to import: JSON with comments (`//`, block comments) and trailing commas, as the design note writes
 * mcp_servers.json. A syntax error is a problem naming the line and column; a value's position can be looked up by its
 * path, so every later problem says where in the file it is.
 */
import { readFile } from 'node:fs/promises';
import * as jsonc from 'jsonc-parser';
import { formatPath, type Problem } from '../fleet/problem.ts';

/** A path inside the source document: `['customers', 1, 'mcp_servers', 0, 'config']`. */
export type SourcePath = ReadonlyArray<string | number>;

/** The parsed document, and where each value of it is. */
export interface SourceDocument {
  /** Path of the file as shown in messages (relative to the working directory when inside it). */
  file: string;
  value: unknown;
  /** `line L:C` of the value at `path` (or of its nearest ancestor that exists); 1-based. */
  locate(path: SourcePath): string;
}

export type ParsedSource = { ok: true; document: SourceDocument } | { ok: false; problems: Problem[] };

const PARSE_OPTIONS: jsonc.ParseOptions = { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false };

/** What each parser error code means, phrased for someone editing the file. */
const ERROR_TEXT: Partial<Record<jsonc.ParseErrorCode, string>> = {
  [jsonc.ParseErrorCode.InvalidSymbol]: 'unexpected character',
  [jsonc.ParseErrorCode.InvalidNumberFormat]: 'malformed number',
  [jsonc.ParseErrorCode.PropertyNameExpected]: 'expected a property name in double quotes',
  [jsonc.ParseErrorCode.ValueExpected]: 'expected a value',
  [jsonc.ParseErrorCode.ColonExpected]: 'expected ":" after the property name',
  [jsonc.ParseErrorCode.CommaExpected]: 'expected "," between two entries',
  [jsonc.ParseErrorCode.CloseBraceExpected]: 'expected "}" to close the object',
  [jsonc.ParseErrorCode.CloseBracketExpected]: 'expected "]" to close the list',
  [jsonc.ParseErrorCode.EndOfFileExpected]: 'expected the end of the file after the document',
  [jsonc.ParseErrorCode.InvalidCommentToken]: 'malformed comment',
  [jsonc.ParseErrorCode.UnexpectedEndOfComment]: 'comment not closed (missing "*/")',
  [jsonc.ParseErrorCode.UnexpectedEndOfString]: 'string not closed (missing \'"\')',
  [jsonc.ParseErrorCode.UnexpectedEndOfNumber]: 'number cut off',
  [jsonc.ParseErrorCode.InvalidUnicode]: 'malformed \\u escape',
  [jsonc.ParseErrorCode.InvalidEscapeCharacter]: 'unknown escape in a string',
  [jsonc.ParseErrorCode.InvalidCharacter]: 'control character inside a string (write it as an escape such as \\n)',
};

/** Reads and parses `file`; `shown` is the name messages use. */
export async function readSource(file: string, shown: string): Promise<ParsedSource> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : (error as Error).message;
    return { ok: false, problems: [{ file: shown, path: '', message: `cannot be read: ${reason}; give the path of an mcp_servers.json (or grafana_servers.json) file` }] };
  }
  return parseSource(text, shown);
}

/** Parses the text of a source file. */
export function parseSource(text: string, shown: string): ParsedSource {
  // A byte order mark is what editors on Windows put first; it is not a syntax error.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = lineStarts(body);
  const position = (offset: number) => {
    // The last line start at or before the offset (binary search).
    let low = 0;
    let high = lines.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (lines[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - lines[low]! + 1 };
  };
  const errors: jsonc.ParseError[] = [];
  const root = jsonc.parseTree(body, errors, PARSE_OPTIONS);
  if (errors.length > 0 || !root) {
    const problems = errors.map((error) => {
      const { line, column } = position(error.offset);
      return {
        file: `${shown}:${line}:${column}`,
        path: '',
        message: `JSON syntax error: ${ERROR_TEXT[error.error] ?? jsonc.printParseErrorCode(error.error)}; fix the file at line ${line}, column ${column} (comments and trailing commas are allowed)`,
      };
    });
    if (problems.length === 0) problems.push({ file: shown, path: '', message: 'is empty; give an mcp_servers.json with a "customers" list' });
    return { ok: false, problems };
  }
  // A plain copy: the parser's objects have no prototype, which messages would describe oddly.
  const value = JSON.parse(JSON.stringify(jsonc.getNodeValue(root))) as unknown;
  const locate = (path: SourcePath): string => {
    for (let length = path.length; length >= 0; length -= 1) {
      const node = jsonc.findNodeAtLocation(root, [...path.slice(0, length)]);
      if (node) {
        const { line, column } = position(node.offset);
        return `line ${line}:${column}`;
      }
    }
    return 'line 1:1';
  };
  return { ok: true, document: { file: shown, value, locate } };
}

/** A source path as written in messages, with its position: `customers[1].mcp_servers[0] (line 41:9)`. */
export function sourcePathText(document: SourceDocument, path: SourcePath): string {
  return `${formatPath(path) || '(the whole file)'} (${document.locate(path)})`;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i += 1) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}
