/**
 * Modules of the tool compiled into one file each, once per version of the code: the generation pipeline the CLIs
 * run (`output/pipeline.ts`, CommonJS, run with V8's code cache: code-cache.ts), and for the loader thread its own
 * code, the schema every customer file imports and the secret scan. Whoever finds no intact compiled file imports the
 * sources, as before.
 *
 * Why: through tsx, each TypeScript module and package file is resolved, read and transformed on its own; at 1,000
 * customers the pipeline's ~90 own modules and ~60 package files were ~1 s of every `generate`, `diff` and `validate`
 * that had work to do (more than the work itself for a one-customer change), and the loader thread's start-up was
 * ~0.5 s more. Compiled, the pipeline runs in ~0.1 s, and the loader thread starts without tsx. Figures:
 * docs/incremental-generation.md.
 *
 * What keeps it exact:
 * - **The key** is the code fingerprint (`code-fingerprint.ts`: the sources of every folder these modules are made of,
 *   the lockfile, package.json and the Node version) and tsconfig.json. A build whose own modules reach outside those
 *   folders is refused, so no source can change without changing the key.
 * - **A file is checked before it is used**: its first line holds its key and the SHA-256 of the rest; a file that is
 *   missing, foreign, truncated or edited is compiled again. It is written beside its place and renamed into it, so
 *   two runs at once each see a whole file.
 * - **`import.meta.url`** of each module is its source file's, so templates and worker entries are found as before.
 * - **`fleet/module-loader/`** stays outside: the CLIs import it themselves (to start the loader thread before
 *   anything else loads), and the thread they start must be the one the pipeline uses.
 * - **Anything going wrong** (esbuild missing, a read-only folder, a build error) means the sources are imported;
 *   `MCPFLEET_COMPILED=off` asks for that.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { codeFingerprint, GENERATION_CODE_DIRS, hashOf, TOOL_ROOT } from './code-fingerprint.ts';

/** The modules that are compiled, by name: each one's entry, relative to the tool's root. */
export const COMPILED_ENTRIES = {
  pipeline: 'output/pipeline.ts',
  schema: 'schema/index.ts',
  secretScan: 'fleet/secret-scan.ts',
  loaderThread: 'fleet/module-loader/worker.ts',
  generateCli: 'cli/generate-main.ts',
} as const;
export type CompiledModule = keyof typeof COMPILED_ENTRIES;

/**
 * How the modules are built, in groups that differ:
 * - the pipeline is CommonJS, which a CLI runs with V8's code cache (code-cache.ts): Node 20 has none for ES modules;
 * - the schema and the secret scan are ES modules that may be imported where tsx is registered, which adds a source
 *   map to every module holding `import(` (for a file this size, a second): their `import()` become `require()`;
 * - the loader thread's code is imported where tsx is not (the thread starts without it): `import()` stays, and all
 *   its own modules are inside but the plain JavaScript one it shares with its entry.
 * The CLIs' shared modules (`fleet/module-loader/`) stay outside the first two: the thread a CLI starts must be the one
 * the pipeline uses.
 */
const BUILDS: Array<{ modules: CompiledModule[]; format: 'cjs' | 'esm'; dynamicImport: boolean; isShared: (file: string) => boolean; define?: Record<string, string> }> = [
  { modules: ['pipeline'], format: 'cjs', dynamicImport: false, isShared: (file) => file.startsWith(SHARED_DIR) },
  { modules: ['schema', 'secretScan'], format: 'esm', dynamicImport: false, isShared: (file) => file.startsWith(SHARED_DIR) },
  { modules: ['loaderThread'], format: 'esm', dynamicImport: true, isShared: (file) => file.startsWith(SHARED_DIR) && file.endsWith('.mjs') },
  // `pnpm generate` whole, the pipeline and the loader thread's CLI side inside: it shares nothing, so it needs no
  // copy of the pipeline of its own (output/load-pipeline.ts).
  { modules: ['generateCli'], format: 'cjs', dynamicImport: false, isShared: () => false, define: { MCPFLEET_PIPELINE_BUNDLED: 'true' } },
];
const FORMAT_OF = new Map(BUILDS.flatMap((build) => build.modules.map((module) => [module, build.format] as const)));

/** Where tools keep what they build from a package's code (as Babel and ESLint do). */
export const COMPILED_DIR = path.join(TOOL_ROOT, 'node_modules', '.cache', 'mcpfleet');
/** Bumped when the way the bundle is built changes. */
const BUNDLE_FORMAT = 'mcpfleet-compiled-2';
/** Code versions whose files are kept (switching branches back and forth does not compile every time). */
const KEPT_VERSIONS = 3;
/** A version whose files were written this recently is not pruned. */
const RECENT_MS = 60 * 60 * 1000;
const HEADER = /^\/\/ mcpfleet-compiled ([0-9a-f]{64}) ([0-9a-f]{64})\n/;
const SHARED_DIR = path.join(TOOL_ROOT, 'fleet', 'module-loader') + path.sep;
/** Own files a bundle may be made of: the folders the fingerprint covers. */
const KEYED_DIRS = GENERATION_CODE_DIRS.map((dir) => path.join(TOOL_ROOT, dir) + path.sep);

/**
 * `require` for an ES module bundle. Its `import.meta.url` is written in two pieces: a build rewrites every
 * `import.meta.url` in the sources it bundles (toolSources), this file's among them when `pnpm generate` is compiled.
 */
const ESM_REQUIRE_BANNER = "import { createRequire as __mcpfleetRequire } from 'node:module';\nconst require = __mcpfleetRequire(import." + 'meta.url);';

/** Off when `MCPFLEET_COMPILED=off`: every module is imported from its sources. */
export const compiledCodeEnabled = () => process.env.MCPFLEET_COMPILED !== 'off';

/** The key of the compiled files for the code running now. */
export function compiledKey(): string {
  let tsconfig = '';
  try {
    tsconfig = readFileSync(path.join(TOOL_ROOT, 'tsconfig.json'), 'utf8');
  } catch {
    // No tsconfig: esbuild's defaults, and a key of its own.
  }
  return hashOf(BUNDLE_FORMAT, codeFingerprint(), tsconfig);
}

/** The file `module` is compiled into under `key` (the version comes first: a version's files are pruned together). */
export function compiledFile(module: CompiledModule, key = compiledKey(), dir = COMPILED_DIR): string {
  return path.join(dir, `${key.slice(0, 32)}-${module}.${FORMAT_OF.get(module) === 'cjs' ? 'cjs' : 'mjs'}`);
}

/** The URL of `module`'s intact compiled file, or undefined (none yet, or compiled code is off). Never compiles. */
export function compiledUrl(module: CompiledModule, key = compiledKey()): string | undefined {
  if (!compiledCodeEnabled()) return undefined;
  const file = compiledFile(module, key);
  return isIntact(file, key) ? pathToFileURL(file).href : undefined;
}

/** A compiled file as read and checked: its path, whole text and the SHA-256 of its body (the header names it). */
export interface CompiledText {
  file: string;
  text: string;
  sha256: string;
}

/** `module`'s compiled file, compiling every module first when it is not intact; undefined when that fails. */
export async function compiledOrCompile(module: CompiledModule): Promise<CompiledText | undefined> {
  if (!compiledCodeEnabled()) return undefined;
  try {
    const key = compiledKey();
    const file = compiledFile(module, key);
    const known = readIntact(file, key);
    if (known) return known;
    // A tool installed read-only would otherwise spend a build on every run only to fail writing it.
    mkdirSync(COMPILED_DIR, { recursive: true });
    accessSync(COMPILED_DIR, constants.W_OK);
    await compileAll(key);
    return readIntact(file, key);
  } catch {
    return undefined;
  }
}

/** The URL of `module`'s compiled file, compiling every module first when it is not intact; undefined when that fails. */
export async function compiledUrlOrCompile(module: CompiledModule): Promise<string | undefined> {
  const compiled = await compiledOrCompile(module);
  return compiled && pathToFileURL(compiled.file).href;
}

/** True when `file` is a whole bundle made under `key`. */
export const isIntact = (file: string, key: string): boolean => readIntact(file, key) !== undefined;

/** `file` when it is a whole bundle made under `key`, else undefined. */
export function readIntact(file: string, key: string): CompiledText | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const header = HEADER.exec(text);
  if (header?.[1] !== key) return undefined;
  const body = sha256(text.slice(header[0].length));
  return header[2] === body ? { file, text, sha256: body } : undefined;
}

/** Compiles every module under `key` into `dir`, each into its file with its key and hash on its first line. */
export async function compileAll(key: string, dir = COMPILED_DIR): Promise<void> {
  const esbuild = await import('esbuild');
  const results = await Promise.all(
    BUILDS.map(({ modules, format, dynamicImport, isShared, define }) =>
      esbuild.build({
        entryPoints: Object.fromEntries(modules.map((module) => [module, path.join(TOOL_ROOT, COMPILED_ENTRIES[module])])),
        outdir: dir,
        bundle: true,
        platform: 'node',
        format,
        target: `node${process.versions.node.split('.')[0]}`,
        tsconfig: path.join(TOOL_ROOT, 'tsconfig.json'),
        write: false,
        metafile: true,
        logLevel: 'silent',
        minifyWhitespace: true,
        ...(!dynamicImport && { supported: { 'dynamic-import': false } }),
        ...(define && { define }),
        // esbuild finds its binary from its own package; tsx registers itself.
        external: ['esbuild', 'tsx'],
        ...(format === 'esm' && { banner: { js: ESM_REQUIRE_BANNER } }),
        plugins: [toolSources(isShared)],
      }),
    ),
  );
  const outside = results
    .flatMap((result) => Object.keys(result.metafile.inputs))
    .map((input) => path.resolve(input))
    .filter((input) => !isPackageFile(input) && !KEYED_DIRS.some((dir) => input.startsWith(dir)));
  if (outside.length > 0) throw new Error(`not in a folder the code fingerprint covers: ${outside.join(', ')}`);
  mkdirSync(dir, { recursive: true });
  for (const output of results.flatMap((result) => result.outputFiles)) {
    const file = compiledFile(path.basename(output.path, '.js') as CompiledModule, key, dir);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `// mcpfleet-compiled ${key} ${sha256(output.text)}\n${output.text}`);
    renameSync(temporary, file);
  }
  pruneVersions(key, dir);
}

/**
 * The tool's own modules: those the CLIs share (`isShared`) stay outside (imported by their file URL); every other one
 * has its source file's `import.meta.url`.
 */
const toolSources = (isShared: (file: string) => boolean): Plugin => ({
  name: 'mcpfleet-tool-sources',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const file = path.resolve(args.resolveDir, args.path);
      return isShared(file) ? { path: pathToFileURL(file).href, external: true } : undefined;
    });
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
      if (isPackageFile(args.path)) return undefined;
      const source = readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
      return { contents: source, loader: /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js' };
    });
  },
});

const isPackageFile = (file: string) => file.split(path.sep).includes('node_modules');

/**
 * Keeps the files of the newest {@link KEPT_VERSIONS} code versions, `key`'s among them, and of any version written in
 * the last hour: a process of another version may be about to import its files.
 */
function pruneVersions(key: string, dir: string): void {
  const current = key.slice(0, 32);
  const versions = new Map<string, number>();
  for (const name of readdirSync(dir)) {
    const version = /^([0-9a-f]{32})-/.exec(name)?.[1];
    if (version && version !== current) versions.set(version, Math.max(versions.get(version) ?? 0, statSafe(path.join(dir, name))));
  }
  const recently = Date.now() - RECENT_MS;
  const stale = [...versions]
    .sort((a, b) => b[1] - a[1])
    .slice(KEPT_VERSIONS - 1)
    .filter(([, written]) => written < recently)
    .map(([version]) => version);
  for (const name of readdirSync(dir)) if (stale.some((version) => name.startsWith(`${version}-`))) rmSync(path.join(dir, name), { force: true });
}

function statSafe(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
