/**
 * pnpm bench: time and peak memory of validation and of each generator for 10, 100 and 1,000 customers
 * × 3 servers, next to a floor measured in the same run (the same plain objects serialized with
 * yaml/JSON only). Each cell runs in its own process. Figures, not assertions.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { generators } from '../generators/index.ts';

const SIZES = [10, 100, 1000];
const job = fileURLToPath(new URL('./generate-job.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
const only = process.argv.slice(2);
const jobs = ['floor', 'derive', ...generators.map((g) => g.name)].filter((name) => only.length === 0 || name === 'floor' || only.includes(name));

function measure(size: number, name: string): { ms: number; peakMB: number } {
  return JSON.parse(execFileSync(tsx, [job, String(size), name], { encoding: 'utf8' }).trim().split('\n').pop()!);
}

const results = new Map<string, Map<number, { ms: number; peakMB: number }>>();
for (const name of jobs) {
  results.set(name, new Map(SIZES.map((size) => [size, measure(size, name)])));
  process.stderr.write('.');
}
process.stderr.write('\n');

const table = new Table({
  head: ['job', ...SIZES.map((s) => `${s} cust. ms (× floor)`), 'peak MB @1000', '1000/100 time'],
  style: { head: [], border: [] },
});
const floor = results.get('floor')!;
let total1000 = 0;
for (const [name, bySize] of results) {
  if (name !== 'floor') total1000 += bySize.get(1000)!.ms;
  table.push([
    name,
    ...SIZES.map((s) => `${bySize.get(s)!.ms.toFixed(1)} (${(bySize.get(s)!.ms / floor.get(s)!.ms).toFixed(1)}×)`),
    bySize.get(1000)!.peakMB.toFixed(1),
    `${(bySize.get(1000)!.ms / bySize.get(100)!.ms).toFixed(1)}×`,
  ]);
}
console.log(table.toString());
console.log(`1,000 customers × 3 servers, validation + all generators: ${total1000.toFixed(0)} ms (floor ${floor.get(1000)!.ms.toFixed(0)} ms); linear growth shows as ~10× per 10× customers.`);
