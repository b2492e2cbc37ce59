/**
 * pnpm generate [--check] [--only compose,env] [--no-cache] [--watch] — validates customers/, runs the generators and
 * writes out/. With --check it writes nothing and exits 1 with a diff when out/ is not what generation would write.
 * The command itself is cli/generate-main.ts.
 *
 * This file only picks how that code runs: compiled into one CommonJS file together with the pipeline, and run with
 * V8's code cache (cache/compiled-code.ts, cache/code-cache.ts), when it can be; from its sources through tsx
 * otherwise. Through tsx, the ~40 modules the command imports before it reaches the pipeline cost ~0.1 s of every run
 * (docs/incremental-generation.md).
 */
import { runCompiled } from '../cache/code-cache.ts';

type Command = typeof import('./generate-main.ts');
const command = ((await runCompiled('generateCli')) as Command | undefined) ?? (await import('./generate-main.ts'));
await command.main();
