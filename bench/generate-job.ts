/**
 * One benchmark measurement in a fresh process, so peak memory belongs to this job alone:
 *   tsx bench/generate-job.ts <customers> <job>
 * job: "derive" (validation + Fleet model), a generator name, or "floor" (the same plain objects
 * serialized with yaml/JSON, no mcpfleet code). Prints one JSON line: { ms, peakMB }.
 */
import YAML from 'yaml';
import { buildFleet } from '../fleet/build-fleet.ts';
import type { Fleet } from '../fleet/model.ts';
import { generators } from '../generators/index.ts';
import { syntheticCustomers } from './synthetic-fleet.ts';

const [count = '10', job = 'derive'] = process.argv.slice(2);
const customers = syntheticCustomers(Number(count));
const ROUNDS = 3;

function fleetOf(): Fleet {
  const result = buildFleet({ customers });
  if (!result.ok) throw new Error(JSON.stringify(result.problems.slice(0, 3)));
  return result.fleet;
}

/** Serializes objects of the same size and shape as the outputs, built straight from the input. */
function floor(): number {
  type Raw = { name: string; host: string; mcpServers: Array<Record<string, string>> };
  const services: Record<string, unknown> = {};
  const runtime = customers.map((c) => {
    const raw = c.exported as Raw;
    raw.mcpServers.forEach((s, i) => {
      services[`mcp-${s.type}-${c.id}`] = {
        image: 'example/image:1',
        environment: { URL: s.url ?? s.region, TOKEN: `\${${s.tokenEnv ?? s.clientIdEnv ?? 'X'}:?missing}` },
        ports: [`127.0.0.1:${20000 + i}:8000`],
        networks: [`mcp-${c.id}`],
        profiles: [c.id, s.type, 'all'],
        labels: { customer: c.id, type: s.type },
        restart: 'unless-stopped',
        deploy: { resources: { limits: { cpus: '0.5', memory: '256M' } } },
      };
    });
    return { id: c.id, name: raw.name, host: raw.host, mcp_servers: raw.mcpServers.map((s) => ({ type: s.type, url: `http://mcp-${s.type}-${c.id}:8000/mcp`, config: s })) };
  });
  return YAML.stringify({ services }, { lineWidth: 0 }).length + JSON.stringify({ customers: runtime }, null, 2).length;
}

let work: () => unknown;
if (job === 'derive') work = fleetOf;
else if (job === 'floor') work = floor;
else {
  const generator = generators.find((g) => g.name === job);
  if (!generator) throw new Error(`unknown job ${job}`);
  const fleet = fleetOf();
  // What `pnpm generate` runs: the parallel path where a generator has one (worker start-up included each round).
  work = () => (generator.generateInParallel ?? generator.generate)(fleet);
}

await work(); // warm-up: JIT and lazy module state are not what we measure
const rssBefore = process.memoryUsage().rss;
const times: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now();
  await work();
  times.push(performance.now() - started);
}
const peakMB = Math.max(0, process.resourceUsage().maxRSS * 1024 - rssBefore) / 2 ** 20;
console.log(JSON.stringify({ ms: times.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)], peakMB }));
