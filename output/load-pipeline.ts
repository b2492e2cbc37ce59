/**
 * The generation pipeline as the CLIs import it: compiled into one CommonJS file and run with V8's code cache when it
 * can be (`cache/compiled-code.ts`, `cache/code-cache.ts`: ~0.1 s instead of ~1 s through tsx at 1,000 customers),
 * from its sources otherwise.
 */
import { requiredFileUrls, runWithCodeCache } from '../cache/code-cache.ts';
import { compiledOrCompile } from '../cache/compiled-code.ts';

/** What the CLIs take from the pipeline. */
export type Pipeline = typeof import('./pipeline.ts');

let pipeline: Promise<Pipeline> | undefined;

/** The pipeline, once per process. */
export function loadPipeline(): Promise<Pipeline> {
  pipeline ??= importPipeline();
  return pipeline;
}

async function importPipeline(): Promise<Pipeline> {
  const compiled = await compiledOrCompile('pipeline');
  if (compiled) {
    try {
      // The modules it shares with the CLI (the loader thread's state) are the CLI's own, imported through tsx.
      const urls = requiredFileUrls(compiled);
      const shared = new Map(await Promise.all(urls.map(async (url) => [url, await import(url)] as const)));
      return runWithCodeCache(compiled, shared).exports as unknown as Pipeline;
    } catch {
      // A compiled file that does not run (it was checked whole, so this is not expected): the sources serve.
    }
  }
  return import('./pipeline.ts');
}
