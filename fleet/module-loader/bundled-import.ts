/**
 * Customer modules imported as one esbuild bundle instead of one at a time through tsx. Through tsx, every import is
 * a resolve and a load on tsx's hooks thread, each a blocking round trip from the loader thread: ~3 ms a module, 3–4 s
 * for a cold run at 1,000 customers, and ~0.3 s for tsx's own start in a thread that imports only one changed file.
 * Bundled, esbuild reads and transforms them all in one call and Node evaluates one module (~0.5 s for 1,000).
 *
 * Each file stays a module of its own: the bundle exports one function per file that evaluates that file when called
 * (esbuild's lazily initialised modules), so an error thrown by one file fails that file alone, and its other files'
 * values come back as before. What the bundle cannot give exactly is left to tsx, file by file:
 * - a file Node loads as CommonJS (a `.ts` file outside an ES module package: no top-level await, its exports an
 *   object), or whose text uses what a bundle changes: `import.meta` (it would be the bundle's), CommonJS (`require`,
 *   `module.exports`, `exports.`, `__dirname`, `__filename`), an import by a computed name;
 * - a file importing anything but the schema (compiled: the same module instance tsx would resolve to, see
 *   redirect-hook.mjs) and Node's built-in modules: a package would resolve from another place, a local helper would
 *   need its own checks;
 * - a file esbuild cannot build (a syntax error): tsx reports it with the message it always gave.
 */
import { readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import type { Message, Plugin } from 'esbuild';
import { COMPUTED_IMPORT, realpathOrSelf, resolveLocal, specifiersOf } from './module-key.ts';

/** What a bundle would change the meaning of; see the module's comment. */
const NEEDS_OWN_MODULE = /\bimport\.meta\b|\brequire\s*\(|\bmodule\.exports\b|\bexports\.|\b__dirname\b|\b__filename\b/;

/** A bundled file's evaluation: resolves with its exports as a module namespace has them. */
export type BundledModule = () => Promise<Record<string, unknown>>;

/** The schema every customer file imports: its source file, and the compiled module the bundle imports instead. */
export interface BundledSchema {
  source: string;
  compiledUrl: string;
}

const BUILTINS = new Set(builtinModules);
const isBuiltin = (specifier: string) => specifier.startsWith('node:') || BUILTINS.has(specifier);

/**
 * The files (absolute paths) that can be bundled, evaluated through one bundle, by their index in `files`; the others
 * are for the caller to import one by one. Evaluates nothing yet: each file runs when its function is called.
 */
export async function importBundled(files: readonly string[], schema: BundledSchema): Promise<Map<number, BundledModule>> {
  const texts = new Map<string, string>();
  const indexes = new Map<string, number>();
  files.forEach((file, index) => {
    const text = bundleableText(file, schema.source);
    if (text === undefined || texts.has(file)) return;
    texts.set(file, text);
    indexes.set(file, index);
  });
  if (texts.size === 0) return new Map();
  // By require(): an import() of esbuild's CommonJS entry has Node scan all of it for its exports first (~12 ms).
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  // A file esbuild cannot build leaves the bundle, once; the rest are built again without it.
  for (let attempt = 0; attempt < 2 && texts.size > 0; attempt++) {
    const bundled = [...texts.keys()];
    const result = await esbuild
      .build({
        stdin: { contents: `export default [${bundled.map((file) => `() => import(${JSON.stringify(file)})`).join(',\n')}];`, loader: 'js', resolveDir: path.parse(bundled[0]!).root },
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'node',
        target: `node${process.versions.node.split('.')[0]}`,
        logLevel: 'silent',
        plugins: [onlyTheseFiles(texts, schema)],
      })
      .catch((error: { errors?: Message[] }) => error.errors ?? []);
    if (Array.isArray(result)) {
      const failed = result.map((message) => message.location && path.resolve(message.location.file)).filter((file) => file && texts.has(file));
      if (failed.length === 0) return new Map();
      for (const file of failed) texts.delete(file!);
      continue;
    }
    const bundle = (await import(`data:text/javascript,${encodeURIComponent(result.outputFiles[0]!.text)}`)) as { default: BundledModule[] };
    return new Map(bundled.map((file, position) => [indexes.get(file)!, bundle.default[position]!]));
  }
  return new Map();
}

/** The text of `file` when it can be bundled (see the module's comment), else undefined. */
function bundleableText(file: string, schemaSource: string): string | undefined {
  if (!isEsModule(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  if (NEEDS_OWN_MODULE.test(text) || COMPUTED_IMPORT.test(text)) return undefined;
  const importsOnlySchema = specifiersOf(text).every((specifier) => isBuiltin(specifier) || isSchema(path.dirname(file), specifier, schemaSource));
  return importsOnlySchema ? text : undefined;
}

/**
 * True when Node (and tsx) load `file` as an ES module: a `.mts` file, or a `.ts` file whose nearest package.json says
 * `"type": "module"`. Any other is CommonJS to tsx (no top-level await, exports as an object), which a bundle is not.
 */
function isEsModule(file: string): boolean {
  if (file.endsWith('.mts')) return true;
  if (!file.endsWith('.ts')) return false;
  return packageTypeOf(path.dirname(file)) === 'module';
}

const packageTypes = new Map<string, string | undefined>();

/** The `type` of the package.json nearest to `dir` (memoized by folder), or undefined. */
function packageTypeOf(dir: string): string | undefined {
  if (packageTypes.has(dir)) return packageTypes.get(dir);
  let type: string | undefined;
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { type?: unknown };
    type = typeof manifest.type === 'string' ? manifest.type : 'commonjs';
  } catch (error) {
    const parent = path.dirname(dir);
    type = (error as NodeJS.ErrnoException).code === 'ENOENT' && parent !== dir ? packageTypeOf(parent) : undefined;
  }
  packageTypes.set(dir, type);
  return type;
}

/** True when `specifier`, imported from `fromDir`, is the schema's source file (through links, as Node resolves). */
function isSchema(fromDir: string, specifier: string, schemaSource: string): boolean {
  const resolved = specifier.startsWith('.') || specifier.startsWith('/') ? resolveLocal(fromDir, specifier) : undefined;
  return resolved !== undefined && realpathOrSelf(resolved) === realpathOrSelf(schemaSource);
}

/**
 * Serves the bundled files from the texts that were checked (a file written since is not read again), the schema as
 * its compiled module and built-ins as themselves; anything else fails the build rather than enter the bundle.
 */
function onlyTheseFiles(texts: Map<string, string>, schema: BundledSchema): Plugin {
  return {
    name: 'mcpfleet-customer-files',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.importer === '<stdin>' && texts.has(args.path)) return { path: args.path };
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        if (texts.has(args.importer) && isSchema(args.resolveDir, args.path, schema.source)) return { path: schema.compiledUrl, external: true };
        return { errors: [{ text: `${args.path} is not bundled` }] };
      });
      build.onLoad({ filter: /.*/ }, (args) => ({ contents: texts.get(args.path)!, loader: 'ts', resolveDir: path.dirname(args.path) }));
    },
  };
}
