/**
 * Everything the CLIs take from the generation pipeline, in one module: `load-pipeline.ts` imports it compiled into
 * one file (fast) or from its sources. A CLI takes these from the object it is given, never by importing the modules
 * below itself, so that one process has one copy of their state (the watch's memos, the packs it flushes).
 */
export { PackCache } from '../cache/pack-cache.ts';
export { loadFleet } from '../fleet/load.ts';
export { allServers } from '../fleet/model.ts';
export { generators } from '../generators/index.ts';
export { hasProof } from './file-in-out.ts';
export { generateOutputs } from './generate-run.ts';
export { applyPlan, isClean, planOutput } from './output-plan.ts';
export { outStamps } from './out-stamps.ts';
