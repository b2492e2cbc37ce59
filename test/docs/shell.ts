/**
 * Just enough of the shell to read the commands in the docs: words (quotes kept out of the way), `$(…)` as one
 * opaque word, pipelines and lists split into simple commands, redirections and leading `VAR=value` dropped.
 */

export interface SimpleCommand {
  /** The words after assignments and redirections, quotes removed; `$(…)` left as written. */
  words: string[];
}

const OPERATORS = ['&&', '||', ';', '|', '&'];

/** Splits a command line into words and operators. Throws on an unterminated quote or `$(`. */
export function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let word = '';
  let inWord = false;
  const flush = () => {
    if (inWord) tokens.push(word);
    word = '';
    inWord = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (/\s/.test(c)) {
      flush();
      continue;
    }
    if (c === "'" || c === '"') {
      const end = findQuoteEnd(line, i);
      word += line.slice(i + 1, end).replace(c === '"' ? /\\(["\\$`])/g : /$^/g, '$1');
      inWord = true;
      i = end;
      continue;
    }
    if (c === '\\' && i + 1 < line.length) {
      word += line[i + 1];
      inWord = true;
      i++;
      continue;
    }
    if (c === '$' && line[i + 1] === '(') {
      const end = findParenEnd(line, i + 1);
      word += line.slice(i, end + 1);
      inWord = true;
      i = end;
      continue;
    }
    const operator = OPERATORS.find((op) => line.startsWith(op, i));
    if (operator) {
      // `2>&1` and `>&2` are redirections, not background operators.
      if (operator === '&' && (line[i - 1] === '>' || line[i + 1] === '>')) {
        word += c;
        inWord = true;
        continue;
      }
      flush();
      tokens.push(operator);
      i += operator.length - 1;
      continue;
    }
    word += c;
    inWord = true;
  }
  flush();
  return tokens;
}

function findQuoteEnd(line: string, start: number): number {
  const quote = line[start]!;
  for (let i = start + 1; i < line.length; i++) {
    if (line[i] === '\\' && quote === '"') i++;
    else if (line[i] === quote) return i;
  }
  throw new Error(`unterminated ${quote} quote`);
}

function findParenEnd(line: string, open: number): number {
  let depth = 0;
  for (let i = open; i < line.length; i++) {
    if (line[i] === '(') depth++;
    else if (line[i] === ')' && --depth === 0) return i;
    else if (line[i] === "'" || line[i] === '"') i = findQuoteEnd(line, i);
  }
  throw new Error('unterminated $(');
}

const REDIRECT = /^(\d?>>?|<|\d?>&\d|&>)(.*)$/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** The simple commands of a command line, in order. */
export function simpleCommands(line: string): SimpleCommand[] {
  const commands: SimpleCommand[] = [];
  let words: string[] = [];
  const end = () => {
    const start = words.findIndex((w) => !ASSIGNMENT.test(w));
    if (start >= 0) commands.push({ words: words.slice(start) });
    words = [];
  };
  const tokens = tokenize(line);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (OPERATORS.includes(token)) {
      end();
      continue;
    }
    const redirect = REDIRECT.exec(token);
    if (redirect) {
      // `> file` takes the next word as its target; `>file`, `2>&1` carry it.
      if (redirect[2] === '' && !/&\d$/.test(redirect[1]!)) i++;
      continue;
    }
    words.push(token);
  }
  end();
  return commands;
}

/** Substitutes `$NAME` / `${NAME}` words from the block's earlier assignments (only whole words). */
export function expandVars(words: string[], vars: Record<string, string>): string[] {
  return words.map((w) => {
    const match = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(w);
    return match && vars[match[1]!] !== undefined ? vars[match[1]!]! : w;
  });
}

/**
 * The flags a command passes: words starting with `-` (brackets of optional parts such as `[-f]` or
 * `[--customer acme-eu]` removed, `=value` cut off). `-` and `--` alone are not flags.
 */
export function flagsOf(args: string[]): string[] {
  const flags: string[] = [];
  for (const raw of args) {
    const word = raw.replace(/^\[+/, '').replace(/\]+$/, '');
    if (!/^--?[A-Za-z]/.test(word)) continue;
    flags.push(word.replace(/=.*$/, ''));
  }
  return flags;
}
