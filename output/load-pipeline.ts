/**
 * The generation pipeline as the CLIs import it: compiled into one module when it can be (`cache/compiled-code.ts`,
 * ~0.2 s instead of ~1 s through tsx at 1,000 customers), from its sources otherwise.
 */
import { compiledUrlOrCompile } from '../cache/compiled-code.ts';

/** What the CLIs take from the pipeline. */
export type Pipeline = typeof import('./pipeline.ts');

let pipeline: Promise<Pipeline> | undefined;

/** The pipeline, once per process. */
export function loadPipeline(): Promise<Pipeline> {
  pipeline ??= importPipeline();
  return pipeline;
}

async function importPipeline(): Promise<Pipeline> {
  const compiled = await compiledUrlOrCompile('pipeline');
  if (compiled) {
    try {
      return (await import(compiled)) as Pipeline;
    } catch {
      // A compiled file that does not import (it was checked whole, so this is not expected): the sources serve.
    }
  }
  return import('./pipeline.ts');
}
