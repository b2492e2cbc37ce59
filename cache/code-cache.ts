/**
 * A compiled CommonJS file (compiled-code.ts) run with V8's code cache, as `v8-compile-cache` does for CommonJS: the
 * code V8 compiled in one run is kept beside the file and handed to V8 the next time, which then skips parsing and
 * compiling it. Node 20 has no code cache for ES modules (its `module.enableCompileCache` came with Node 22), so the
 * pipeline is compiled to CommonJS for this. At 1,000 customers the 1.7 MB pipeline imported as an ES module through
 * tsx took ~190–290 ms; run with its code cache, ~85–95 ms (docs/incremental-generation.md).
 *
 * What keeps it exact: the cache file starts with the SHA-256 of the compiled file it was made from, and is used only
 * for that text; V8 checks the rest itself (its version, its flags, the data's checksum) and says when it rejects a
 * cache, which is then made again. The cache is made when the process exits, so it also holds the functions the run
 * compiled lazily; it is written beside its place and renamed into it.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { compiledOrCompile, type CompiledModule, type CompiledText } from './compiled-code.ts';

const SHA_LENGTH = 64;

/**
 * Runs `compiled` (a CommonJS file) and returns its exports, and whether V8 took the cache. `shared` are the modules its `require()` of a file URL
 * gets (the ES modules the CLI imported itself, compiled-code.ts); every other `require` resolves from the file.
 */
export function runWithCodeCache(compiled: CompiledText, shared: ReadonlyMap<string, unknown>): { exports: Record<string, unknown>; cacheUsed: boolean } {
  const cacheFile = `${compiled.file}.v8cache`;
  const cachedData = readCache(cacheFile, compiled.sha256);
  const script = new vm.Script(Module.wrap(compiled.text), { filename: compiled.file, ...(cachedData && { cachedData }) });
  if (!cachedData || script.cachedDataRejected) process.once('exit', () => writeCache(cacheFile, compiled.sha256, script));
  const fromFile = createRequire(compiled.file);
  const require = Object.assign((id: string) => (shared.has(id) ? shared.get(id) : fromFile(id)), fromFile);
  const module = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, require, module, compiled.file, path.dirname(compiled.file));
  return { exports: module.exports, cacheUsed: cachedData !== undefined && !script.cachedDataRejected };
}

/**
 * The exports of `module` compiled and run with its code cache, or undefined when there is no compiled file (compiled
 * code is off, or it could not be made) or it does not run: the caller then imports the sources. The modules it shares
 * with its caller (compiled-code.ts) are imported first, by their file URLs, as the caller has them.
 */
export async function runCompiled(module: CompiledModule): Promise<Record<string, unknown> | undefined> {
  const compiled = await compiledOrCompile(module);
  if (!compiled) return undefined;
  try {
    const shared = new Map(await Promise.all(requiredFileUrls(compiled).map(async (url) => [url, await import(url)] as const)));
    return runWithCodeCache(compiled, shared).exports;
  } catch {
    // A compiled file that does not run (it was checked whole, so this is not expected): the sources serve.
    return undefined;
  }
}

/** The file URLs `compiled` requires: the modules to hand to {@link runWithCodeCache} as `shared`. */
export function requiredFileUrls(compiled: CompiledText): string[] {
  return [...new Set([...compiled.text.matchAll(/\brequire\("(file:\/\/[^"]+)"\)/g)].map((match) => match[1]!))];
}

function readCache(cacheFile: string, sha256: string): Buffer | undefined {
  try {
    const data = readFileSync(cacheFile);
    return data.subarray(0, SHA_LENGTH).toString('latin1') === sha256 ? data.subarray(SHA_LENGTH) : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(cacheFile: string, sha256: string, script: vm.Script): void {
  try {
    const temporary = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(temporary, Buffer.concat([Buffer.from(sha256, 'latin1'), script.createCachedData()]));
    renameSync(temporary, cacheFile);
  } catch {
    // Without a cache the next run compiles, as this one did.
  }
}
