/**
 * Imported first by the CLIs that load the fleet: starts the loader thread before the CLI's own heavy modules
 * (generators, cdk8s) load, so that the thread's start-up overlaps with theirs instead of following it.
 */
import { prestartLoader } from './load-modules.ts';

prestartLoader();
