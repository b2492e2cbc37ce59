/**
 * What a command of the docs runs: a package.json script, a file of this repository under a JS runner, a tool in
 * node_modules/.bin, a path, or a system tool. Resolving it is check (a) of the docs check: the program must exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expandVars, flagsOf, simpleCommands } from './shell.ts';

export type Runner = 'tsx' | 'zx' | 'node';

export type Target =
  /** A file of this repository run by tsx, zx or node: its flags are checked against its `--help`. */
  | { kind: 'script'; runner: Runner; file: string; flags: string[]; via: string }
  /** A tool installed in node_modules/.bin (tsc, esbuild, vitest, the MCP inspector): exists, flags not checked. */
  | { kind: 'bin'; name: string; flags: string[]; via: string }
  /** A file of the repository run directly (.ci/run, the conformance suite's Node). */
  | { kind: 'path'; file: string; flags: string[]; via: string }
  /** A tool of the system (docker, kubectl, curl, …) or pnpm/npm themselves: known by name, flags not checked. */
  | { kind: 'system'; name: string; flags: string[]; via: string };

/**
 * Programs the docs may name without them being part of this repository. An unknown name fails the check, so a
 * typo in a program is caught; add a real tool here when a doc starts using one.
 */
export const SYSTEM_TOOLS = new Set([
  // the shell
  '.', 'set', 'export', 'echo', 'cat', 'cp', 'mv', 'rm', 'mkdir', 'chmod', 'cd', 'ls', 'test', 'true', 'sed', 'tr',
  'cut', 'grep', 'head', 'tail', 'sort', 'wc', 'tee', 'xargs', 'env', 'sleep', 'kill', 'mktemp', 'base64',
  'sha256sum', 'jq', 'sudo', 'apt-get', 'git', 'openssl', 'curl', 'ss',
  // package managers
  'npm', 'pnpm', 'corepack',
  // engines and clusters
  'docker', 'docker-compose', 'dockerd', 'kubectl', 'helm', 'kustomize', 'debootstrap',
  // monitoring and balancing
  'prometheus', 'promtool', 'prometheus-alertmanager', 'amtool', 'haproxy',
  // MCP clients of other vendors, shown as examples
  'claude',
]);

/** `npx <name>` of packages that are not installed here, shown as examples for other machines. */
export const NPX_EXTERNAL = new Set(['mcp-remote', '@modelcontextprotocol/inspector']);

/** pnpm's own commands (not package.json scripts). */
const PNPM_OWN = new Set(['install', 'i', 'add', 'remove', 'update', 'approve-builds', 'dlx', 'store', 'store-path', 'setup', '--version', '-v']);

export class UnresolvedCommand extends Error {}

export interface Resolved {
  target: Target;
  /** All simple commands of the line, resolved; `target` is the first one that is not the shell's own. */
  all: Target[];
}

export function packageScripts(root: string): Record<string, string> {
  return JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
}

/** Resolves every simple command of a command line (`a && b | c`). Throws UnresolvedCommand naming what is missing. */
export function resolveLine(root: string, text: string, vars: Record<string, string>, scripts = packageScripts(root)): Target[] {
  const commands = simpleCommands(text);
  if (commands.length === 0) throw new UnresolvedCommand('no command in it');
  return commands.map(({ words }) => resolveWords(root, expandVars(words, vars), scripts, words.join(' ')));
}

function resolveWords(root: string, words: string[], scripts: Record<string, string>, via: string): Target {
  const [program, ...args] = words;
  if (program === undefined) throw new UnresolvedCommand('no program');
  if (program.startsWith('$')) throw new UnresolvedCommand(`${program} is not set earlier in its block`);

  if (program === 'pnpm') {
    const rest = args.filter((word, i) => !(i === 0 && (word === '-s' || word === '--silent')));
    const sub = rest[0];
    if (sub === undefined || PNPM_OWN.has(sub)) return { kind: 'system', name: 'pnpm', flags: [], via };
    if (sub === 'exec') return resolveWords(root, execWords(rest.slice(1)), scripts, via);
    const [name, docArgs] = sub === 'run' ? [rest[1], rest.slice(2)] : [sub, rest.slice(1)];
    if (name === undefined) throw new UnresolvedCommand('pnpm run without a script');
    const body = scripts[name];
    if (body === undefined) throw new UnresolvedCommand(`package.json has no script "${name}" (scripts: ${Object.keys(scripts).join(', ')})`);
    // The script's own words come first; only the words the doc adds are checked as flags.
    const first = simpleCommands(body)[0]!.words;
    const target = resolveWords(root, execWords(first), scripts, via);
    return { ...target, flags: flagsOf(docArgs) };
  }
  if (program === 'npx') {
    const [name, ...rest] = args;
    if (name === undefined) throw new UnresolvedCommand('npx without a package');
    if (NPX_EXTERNAL.has(name)) return { kind: 'system', name: `npx ${name}`, flags: [], via };
    return resolveWords(root, execWords([name, ...rest]), scripts, via);
  }
  if (program === 'node' || program === 'zx' || program === 'tsx') return scriptTarget(root, program, args, via);
  if (program.includes('/')) {
    const file = program.replace(/^\.\//, '');
    if (!existsSync(path.join(root, file))) throw new UnresolvedCommand(`${file} does not exist${file.startsWith('tools/conformance/') ? ' (install it: npm ci --prefix tools/conformance --no-audit --no-fund)' : ''}`);
    const bin = /^node_modules\/\.bin\/(.+)$/.exec(file)?.[1];
    if (bin === 'tsx' || bin === 'zx') return scriptTarget(root, bin, args, via);
    if (bin) return { kind: 'bin', name: bin, flags: flagsOf(args), via };
    return { kind: 'path', file, flags: flagsOf(args), via };
  }
  if (SYSTEM_TOOLS.has(program)) return { kind: 'system', name: program, flags: flagsOf(args), via };
  throw new UnresolvedCommand(`"${program}" is neither a script of this repository nor a known tool (SYSTEM_TOOLS in test/docs/commands.ts)`);
}

/** `tsx …`, `vitest …` as pnpm exec / npx / a script body run them: from node_modules/.bin. */
function execWords(words: string[]): string[] {
  const [name, ...rest] = words;
  if (name === undefined || name.includes('/') || name === 'node') return words;
  return [`node_modules/.bin/${name}`, ...rest];
}

function scriptTarget(root: string, runner: Runner, args: string[], via: string): Target {
  const fileIndex = args.findIndex((word) => !word.startsWith('-'));
  const file = args[fileIndex];
  if (file === undefined) throw new UnresolvedCommand(`${runner} without a file`);
  if (file === '…' || file.endsWith('/…')) throw new UnresolvedCommand(`${runner} ${file} is a placeholder, not a command`);
  if (!existsSync(path.join(root, file))) throw new UnresolvedCommand(`${file} does not exist`);
  return { kind: 'script', runner, file, flags: flagsOf(args.slice(fileIndex + 1)), via };
}

/** Benchmarks print no usage (their `--help` would start a run): their flags are looked up in their source. */
export const hasNoHelp = (file: string) => file.startsWith('bench/') || file === 'runtime/bench.ts';

/** A flag named in a source file as parseArgs/minimist options name it: `'only'`, `only:`, `argv.tail`, `'--tail'`. */
export function flagInSource(source: string, flag: string): boolean {
  const name = flag.replace(/^--?/, '').replace(/^no-/, '');
  const quoted = name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  return new RegExp(`(['"\`])(--?)?${quoted}\\1|[{,\\s]${quoted}\\s*:|argv\\.${quoted}\\b|argv\\[['"]${quoted}['"]\\]`).test(source);
}

/** Does a `--help` text list this flag (as a word of its own: `[-f]`, `--watch:`, `--only NAMES`)? */
export function flagInHelp(help: string, flag: string): boolean {
  const quoted = flag.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  return new RegExp(`(^|[\\s\\[|(,])${quoted}(?![\\w-])`, 'm').test(help);
}
