/**
 * The generation pipeline as the CLIs import it: compiled into one CommonJS file and run with V8's code cache when it
 * can be (`cache/compiled-code.ts`, `cache/code-cache.ts`: ~0.1 s instead of ~1 s through tsx at 1,000 customers),
 * from its sources otherwise.
 */
import { runCompiled } from '../cache/code-cache.ts';

/** What the CLIs take from the pipeline. */
export type Pipeline = typeof import('./pipeline.ts');

/** Set (to true) by the build of a CLI that is compiled together with the pipeline (cache/compiled-code.ts). */
declare const MCPFLEET_PIPELINE_BUNDLED: boolean | undefined;

let pipeline: Promise<Pipeline> | undefined;

/** The pipeline, once per process. */
export function loadPipeline(): Promise<Pipeline> {
  pipeline ??= importPipeline();
  return pipeline;
}

async function importPipeline(): Promise<Pipeline> {
  // A compiled CLI has the pipeline inside, sharing its modules (the loader thread's state) with the CLI's own code.
  if (typeof MCPFLEET_PIPELINE_BUNDLED !== 'undefined' && MCPFLEET_PIPELINE_BUNDLED) return import('./pipeline.ts');
  // Otherwise the modules it shares with the CLI are the CLI's own, imported through tsx (see runCompiled).
  return ((await runCompiled('pipeline')) as Pipeline | undefined) ?? import('./pipeline.ts');
}
