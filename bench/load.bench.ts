/**
 * pnpm bench:load — what loading customer files on the loader thread costs, as a CLI sees it: the time from process
 * start until every file of 300 or 1,000 real customer files (TypeScript modules importing the schema, as users write
 * them) is loaded, in a fresh process each, median of 3. Both modes first import what `pnpm validate` imports.
 *   direct — `Promise.all(import(...))` on the main thread: how files were loaded before the loader thread (baseline)
 *   thread — the CLIs' way: the loader thread prestarted before the CLI's own modules, then `loadModules()`, which
 *            also scans every value for secrets
 *   cold   — `loadModules()` on a thread started only when it is called
 * Figures and ratios to the baseline of the same run, not assertions.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { syntheticCustomers } from './synthetic-fleet.ts';

const SIZES = [300, 1000];
const MODES = ['direct', 'thread', 'cold'] as const;
const RUNS = 3;
const self = fileURLToPath(import.meta.url);
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
const schemaIndex = fileURLToPath(new URL('../schema/index.ts', import.meta.url));

if (process.argv[2] === 'job') {
  const [, , , mode, dir] = process.argv;
  if (mode === 'thread') await import('../fleet/module-loader/prestart.ts');
  await import('../fleet/load.ts');
  const files = (await import('node:fs')).readdirSync(dir!).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir!, f));
  if (mode === 'direct') {
    await Promise.all(files.map((file) => import(pathToFileURL(file).href)));
  } else {
    const { loadModules } = await import('../fleet/module-loader/load-modules.ts');
    const outcomes = await loadModules(files);
    if (!outcomes.every((o) => o.ok)) throw new Error('a synthetic customer file did not load');
  }
  // performance.now() counts from the process's start: what a user waits for.
  console.log(JSON.stringify({ ms: performance.now() }));
  process.exit(0);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const root = mkdtempSync(path.join(tmpdir(), 'mcpfleet-load-bench-'));
try {
  writeFileSync(path.join(root, 'package.json'), '{ "type": "module" }\n');
  const rows: string[] = [];
  for (const size of SIZES) {
    const dir = path.join(root, String(size));
    mkdirSync(dir);
    for (const { id, exported } of syntheticCustomers(size)) {
      writeFileSync(path.join(dir, `${id}.ts`), `import { defineCustomer } from ${JSON.stringify(schemaIndex)};\n\nexport default defineCustomer(${JSON.stringify(exported, null, 2)} as never);\n`);
    }
    // One untimed pass fills tsx's transform cache, as it is after a first `pnpm generate`.
    execFileSync(tsx, [self, 'job', 'direct', dir]);
    const times = new Map<string, number[]>(MODES.map((m) => [m, []]));
    // Modes alternate within each round, so a busy moment of the machine falls on all of them alike.
    for (let run = 0; run < RUNS; run++) {
      for (const mode of MODES) times.get(mode)!.push(JSON.parse(execFileSync(tsx, [self, 'job', mode, dir], { encoding: 'utf8' }).trim().split('\n').pop()!).ms);
    }
    const base = median(times.get('direct')!);
    for (const mode of MODES) {
      const ms = median(times.get(mode)!);
      rows.push(`| ${size} | ${mode} | ${ms.toFixed(0)} ms | ${(ms / base).toFixed(2)}× |`);
    }
  }
  console.log('| files | mode | process start → loaded, median of 3 | × direct |\n| --- | --- | --- | --- |');
  console.log(rows.join('\n'));
} finally {
  rmSync(root, { recursive: true, force: true });
}
