/**
 * Incremental generation (a cache of loaded modules and of each customer's part of the outputs) must produce exactly
 * what a run without a cache produces. A fleet repo is edited step by step and generated incrementally, its out/ and
 * cache kept across the steps, each run in the same process as the one before (as `generate --watch` runs) or in a new
 * one (as `pnpm generate` runs); after each edit a fresh repo with the same inputs and ports lock is generated with
 * `cache: false`, and the two out/ trees must be equal byte for byte.
 */
import { fc, test } from '@fast-check/vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readPack } from '../../../cache/pack-file.ts';
import { configDrawArb, customerDrawArb, editArb, FleetModel, type ConfigDraw, type CustomerDraw, type Edit, type EditScope, type FleetFiles, type ServerDraw } from './fleet-model.ts';
import { firstDifference, fromScratch, generateAndApply, generatorsOfCode, incrementalCount, newProcess, SCHEMA_INDEX, TempFleet, type Pipeline } from './generation-runs.ts';

/**
 * Every run that loads a module starts a loader thread, 1-2 s of CPU (tsx, the schema, the secret scanner), and each
 * edit has two such runs (incremental and reference, side by side on the 2 cores): 5 sequences (the example below and
 * 4 random ones) of at most 3 edits keep the file under a minute.
 */
const NUM_RUNS = 5;
const MAX_EDITS = 3;
/**
 * A failure shrinks by running whole sequences again; at this limit fast-check reports the smallest counterexample found
 * so far. A property that has not finished its runs by then fails as well, so it never passes on fewer runs.
 */
const PROPERTY_TIME_LIMIT_MS = 75_000;

/** Repos made by the deterministic cases, removed at the end even when an assertion failed half-way. */
const repos: TempFleet[] = [];
const tracked = (repo: TempFleet) => (repos.push(repo), repo);
afterAll(() => repos.forEach((repo) => repo.dispose()));

/** One step of a sequence: an edit, and whether the run after it is in a new process. */
interface Step {
  edit: Edit;
  newProcess: boolean;
}

/** Runs the incremental repo on `files`, and a from-scratch reference beside it. */
async function runBoth(pipeline: Pipeline, repo: TempFleet, model: FleetModel, files: FleetFiles) {
  repo.sync(files);
  const generators = generatorsOfCode(model.fingerprint, pipeline.registry);
  const [incremental, reference] = await Promise.all([
    generateAndApply(pipeline, repo.paths, { cache: repo.cache(model.fingerprint), generators }),
    // The ports lock is read now, before the incremental run rewrites it: the reference starts where that run started.
    fromScratch(pipeline, files, repo.portsLock(), generators),
  ]);
  return { incremental, reference, partsPerCustomer: incrementalCount(generators) };
}

/** After a valid edit: out/ equals the reference's, and the cache was used as far as the edit allows. */
async function checkValidEdit(pipeline: Pipeline, repo: TempFleet, model: FleetModel, scope: EditScope, history: string): Promise<void> {
  const { incremental, reference, partsPerCustomer } = await runBoth(pipeline, repo, model, model.files());
  expect(reference.run.ok, `${history}\nthe reference run failed: ${JSON.stringify(!reference.run.ok && reference.run.problems)}`).toBe(true);
  expect(incremental.ok, `${history}\nthe incremental run failed: ${JSON.stringify(!incremental.ok && incremental.problems)}`).toBe(true);
  expect(firstDifference(repo.outTree(), reference.out), history).toBeUndefined();

  const stats = incremental.ok ? incremental.stats : undefined;
  expect(stats, history).toBeDefined();
  expect(stats!.reused + stats!.made, `${history}\none part per customer and incremental generator`).toBe(model.customerCount * partsPerCustomer);
  // Without this the property would also hold for a pipeline that never uses its cache.
  if (scope.kind === 'customers') {
    expect(stats!.reused, `${history}\nthe ${scope.untouched} customer(s) the edit left alone come from the cache`).toBeGreaterThanOrEqual(scope.untouched * partsPerCustomer);
  }
  if (scope.kind === 'code' && scope.newCode) expect(stats!.reused, `${history}\nnothing made by other code (another fingerprint) is used`).toBe(0);
}

/** An invalid edit: both runs refuse the fleet alike, and the incremental repo's out/ stays as it was. */
async function checkInvalidEdit(pipeline: Pipeline, repo: TempFleet, model: FleetModel, edit: Extract<Edit, { kind: 'invalid' }>, history: string): Promise<void> {
  const broken = model.brokenFile(edit);
  const outBefore = repo.outTree();
  const { incremental, reference } = await runBoth(pipeline, repo, model, new Map(model.files()).set(broken.path, broken.content));
  expect(reference.run.ok, `${history}\nthe reference run accepted ${broken.path}`).toBe(false);
  expect(incremental.ok, `${history}\nthe incremental run accepted ${broken.path}`).toBe(false);
  expect(!incremental.ok && incremental.problems, history).toEqual(!reference.run.ok && reference.run.problems);
  expect(firstDifference(repo.outTree(), outBefore), `${history}\nout/ changed after a refused run`).toBeUndefined();
  // The user fixes the file again; the next edit starts from the valid fleet.
  repo.sync(model.files());
}

const serverOf = (type: ServerDraw['type'], named = false): ServerDraw => ({ type, named, urlPath: '', region: 'mypurecloud.de' });

/**
 * Runs first, so that every run of the property switches the code to another version and back in one process, breaks
 * a file, renames one, and changes the config twice in one process.
 *
 * It caught whole-file parts kept in memory by part key but not by fingerprint: after the code went from v1 to v2 and
 * back in one process, the file v2 made was used for v1.
 */
const everyRunExample: [CustomerDraw[], ConfigDraw, Step[]] = [
  [
    { word: 'acme', servers: [serverOf('grafana'), serverOf('alertmanager')], gateway: false },
    { word: 'globex', servers: [serverOf('genesys')], gateway: true },
  ],
  {},
  [
    { edit: { kind: 'touch-code', version: 2 }, newProcess: false },
    { edit: { kind: 'touch-code', version: 1 }, newProcess: false },
    { edit: { kind: 'invalid', customer: 0, breakage: 'syntax-error' }, newProcess: true },
    { edit: { kind: 'rename-customer', customer: 1, word: 'initech' }, newProcess: false },
    // In the same process: a type override changes what the unchanged customers derive to, new alert rules change
    // the Kubernetes monitoring file (both remembered in memory by what they were made from).
    { edit: { kind: 'change-config', config: { types: { grafana: { image: 'grafana/mcp-grafana:0.18.0' } } } }, newProcess: false },
    { edit: { kind: 'change-config', config: { types: { grafana: { image: 'grafana/mcp-grafana:0.18.0' } }, monitoring: { serverDownFor: '10m' } } }, newProcess: false },
  ],
];

const stepArb: fc.Arbitrary<Step> = fc.record({ edit: editArb, newProcess: fc.boolean() });

describe('incremental generation equals a from-scratch run', () => {
  test.prop([fc.array(customerDrawArb, { minLength: 1, maxLength: 5 }), configDrawArb, fc.array(stepArb, { minLength: 1, maxLength: MAX_EDITS })], {
    numRuns: NUM_RUNS,
    examples: [everyRunExample],
    interruptAfterTimeLimit: PROPERTY_TIME_LIMIT_MS,
    markInterruptAsFailure: true,
  })(
    'after every edit (customers added, removed, renamed, changed; config changed; code touched; invalid files), out/ is byte for byte the same',
    async (customers, config, steps) => {
      const model = new FleetModel(SCHEMA_INDEX, customers, config);
      const repo = new TempFleet();
      const done: string[] = ['initial fleet'];
      const history = () => `after ${done.map((s, i) => `\n  ${i}. ${s}`).join('')}`;
      let pipeline = await newProcess();
      try {
        // The first run has an empty cache; what it makes is checked by the steps after it, which reuse it.
        repo.sync(model.files());
        const first = await generateAndApply(pipeline, repo.paths, { cache: repo.cache(model.fingerprint), generators: generatorsOfCode(model.fingerprint, pipeline.registry) });
        expect(first.ok, history()).toBe(true);
        for (const { edit, newProcess: inNewProcess } of steps) {
          done.push(`${JSON.stringify(edit)}${inNewProcess ? ', run in a new process' : ''}`);
          if (inNewProcess) pipeline = await newProcess();
          if (edit.kind === 'invalid') await checkInvalidEdit(pipeline, repo, model, edit, history());
          else await checkValidEdit(pipeline, repo, model, model.apply(edit), history());
        }
        // Nothing changed since the last good run: a new process takes everything from the cache on disk, and out/
        // already holds what it makes.
        pipeline = await newProcess();
        const again = await generateAndApply(pipeline, repo.paths, { cache: repo.cache(model.fingerprint), generators: generatorsOfCode(model.fingerprint, pipeline.registry) });
        const changes = again.ok && again.plan && { writes: again.plan.writes.map((w) => w.path), removals: again.plan.removals.map((r) => r.path) };
        expect(changes, `${history()}\nthen a new process, without edits`).toEqual({ writes: [], removals: [] });
        expect(again.ok && again.stats?.made, `${history()}\nthen a new process, without edits`).toBe(0);
      } finally {
        repo.dispose();
      }
    },
    PROPERTY_TIME_LIMIT_MS + 30_000,
  );
});

/** Message ports open in this process: one more while a worker thread runs. */
const messagePorts = () => process.getActiveResourcesInfo().filter((resource) => resource === 'MessagePort').length;

/** Three customers of every server type, enough for parts to be reused and made in one run. */
const threeCustomers: CustomerDraw[] = [
  { word: 'acme', description: 'Production stack', servers: [serverOf('grafana'), serverOf('alertmanager')], gateway: true },
  { word: 'globex', servers: [serverOf('genesys'), serverOf('grafana', true)], gateway: false },
  { word: 'initech', nameTag: 'EU', servers: [serverOf('alertmanager', true)], gateway: false },
];

/** Ways a cache file is found damaged: a write cut short, a disk error, a stray edit. */
const DAMAGES: Record<string, (bytes: Buffer) => Buffer> = {
  'truncated to half': (bytes) => bytes.subarray(0, Math.floor(bytes.length / 2)),
  empty: () => Buffer.alloc(0),
  'overwritten with garbage of the same length': (bytes) => Buffer.from(bytes.map((_, i) => (i * 131 + 7) & 0xff)),
  'last byte flipped': (bytes) => Buffer.concat([bytes.subarray(0, -1), Buffer.from([bytes.at(-1)! ^ 0xff])]),
  'header kept, payload cut off': (bytes) => bytes.subarray(0, bytes.indexOf(0x0a, bytes.indexOf(0x0a) + 1) + 1),
};

describe('incremental generation with a damaged or shared cache', () => {
  /** A repo of three customers generated once, and `pnpm generate` on it in a given process. */
  async function generatedRepo() {
    const model = new FleetModel(SCHEMA_INDEX, threeCustomers, {});
    const repo = tracked(new TempFleet());
    repo.sync(model.files());
    const cache = repo.cache(model.fingerprint);
    const generatorsIn = (pipeline: Pipeline) => generatorsOfCode(model.fingerprint, pipeline.registry);
    const generate = (pipeline: Pipeline) => generateAndApply(pipeline, repo.paths, { cache, generators: generatorsIn(pipeline) });
    const pipeline = await newProcess();
    expect((await generate(pipeline)).ok).toBe(true);
    const generators = generatorsIn(pipeline);
    return { model, repo, cache, pipeline, generatorsIn, generate, generators, allParts: model.customerCount * incrementalCount(generators) };
  }

  it('treats damaged cache files as empty: the next run equals a from-scratch run, and leaves a good cache', async () => {
    const { model, repo, pipeline, generate, generators, allParts } = await generatedRepo();
    const reference = await fromScratch(pipeline, model.files(), repo.portsLock(), generators);
    // The packs sit in a folder per code version; each is damaged (the folder's .gitignore is no pack).
    const cacheFiles = readdirSync(repo.cacheDir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.pack'))
      .map((entry) => path.relative(repo.cacheDir, path.join(entry.parentPath, entry.name)))
      .sort();
    expect(cacheFiles.length).toBeGreaterThanOrEqual(4);

    // Intact, the cache on disk serves a new process everything, so the damaged cases below test something.
    const intact = await generate(await newProcess());
    expect(intact.ok && intact.stats).toEqual({ reused: allParts, made: 0 });

    const damages = Object.entries(DAMAGES);
    // Each round damages every file, each in another way; as many rounds as it takes to use every way once.
    for (let round = 0; round * cacheFiles.length < damages.length; round++) {
      const how = cacheFiles
        .map((name, i) => {
          const [label, damage] = damages[(i + round * cacheFiles.length) % damages.length]!;
          const file = path.join(repo.cacheDir, name);
          writeFileSync(file, damage(readFileSync(file)));
          return `${name} ${label}`;
        })
        .join(', ');
      const damaged = await generate(await newProcess());
      expect(damaged.ok && damaged.stats, how).toEqual({ reused: 0, made: allParts });
      expect(firstDifference(repo.outTree(), reference.out), how).toBeUndefined();

      const repaired = await generate(await newProcess());
      expect(repaired.ok && repaired.stats, `the cache written over ${how}`).toEqual({ reused: allParts, made: 0 });
    }

    // Whole-file parts are kept as hashes and read back from out/: generated files edited by hand are made again.
    for (const file of repo.outTree().keys()) {
      if (file !== 'ports.lock.json' && file !== 'generated-files.json') repo.write(`out/${file}`, 'edited by hand\n');
    }
    const afterHandEdits = await generate(await newProcess());
    const fileGenerators = generators.filter((g) => g.incremental?.partsAreFiles).length;
    expect(afterHandEdits.ok && afterHandEdits.stats).toEqual({ reused: allParts - model.customerCount * fileGenerators, made: model.customerCount * fileGenerators });
    expect(firstDifference(repo.outTree(), reference.out)).toBeUndefined();
  }, 120_000);

  it('a part file whose stamp was stored is taken without hashing while the stamp holds, and made again once edited by hand', async () => {
    const { model, repo, cache, pipeline, generate, generators, generatorsIn, allParts } = await generatedRepo();
    const reference = await fromScratch(pipeline, model.files(), repo.portsLock(), generators);
    // Stamps are stored only once 2 s old (the file system's timestamps are coarse): the clock goes ahead instead.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 10_000);
      const stamping = await generate(await newProcess());
      expect(stamping.ok && stamping.stats).toEqual({ reused: allParts, made: 0 });
    } finally {
      vi.useRealTimers();
    }
    const stampPacks = readdirSync(repo.cacheDir, { recursive: true }).filter((name) => String(name).endsWith('out-stamps.pack'));
    expect(stampPacks).toHaveLength(1);
    const records = readPack<{ stamp: string; hash: string; fresh?: true }>(path.join(repo.cacheDir, String(stampPacks[0])), cache.fingerprint);
    // Every file of out/ has a settled record: the part files, and the fleet-wide files the plan read and found current.
    expect([...records.keys()].map((file) => path.relative(repo.paths.outDir, file)).sort()).toEqual([...repo.outTree().keys()].sort());
    expect([...records.values()].filter((record) => record.fresh)).toEqual([]);

    const trusted = await generate(await newProcess());
    expect(trusted.ok && trusted.stats).toEqual({ reused: allParts, made: 0 });
    expect(firstDifference(repo.outTree(), reference.out)).toBeUndefined();
    // Unread and proven by their stamps (output/file-in-out.ts), the part files stay as they are: the plan leaves them.
    expect(trusted.ok && trusted.plan!.unchanged.filter((file) => file.startsWith('k8s/customers/'))).toHaveLength(model.customerCount);

    // A proof holds only while the stamp does: a hand edit between generating and planning is not taken for the part.
    const generating = await newProcess();
    const run = await generating.generateOutputs(repo.paths, { cache, generators: generatorsIn(generating) });
    expect(run.ok).toBe(true);
    const [first] = [...repo.outTree().keys()].filter((file) => file.startsWith('k8s/customers/'));
    const before = readFileSync(path.join(repo.paths.outDir, first!), 'utf8');
    repo.write(`out/${first}`, before.replace(/[a-z]/, 'Z'));
    await expect(generating.planOutput(repo.paths.outDir, run.ok ? run.outputs : new Map(), { known: run.ok ? run.readFromOut : undefined })).rejects.toThrow(/was written while mcpfleet was generating/);
    repo.write(`out/${first}`, before);
    // Each customer's Kubernetes file, edited to the same length: only the stamp's times and the content tell the edit.
    const edited = [...repo.outTree().keys()].filter((file) => file.startsWith('k8s/customers/'));
    expect(edited).toHaveLength(model.customerCount);
    for (const file of edited) repo.write(`out/${file}`, readFileSync(path.join(repo.paths.outDir, file), 'utf8').replace(/[a-z]/, 'Z'));
    const afterHandEdits = await generate(await newProcess());
    expect(afterHandEdits.ok && afterHandEdits.stats).toEqual({ reused: allParts - edited.length, made: edited.length });
    expect(firstDifference(repo.outTree(), reference.out)).toBeUndefined();
  }, 120_000);

  it('runs at once on one repo and cache (two in one process, one in another) all succeed, and a run after them equals a from-scratch run', async () => {
    const { model, repo, cache, generatorsIn, generate, allParts } = await generatedRepo();
    // One customer changed: every run loads its file and makes its parts, and every run writes the cache files.
    model.apply({ kind: 'change-customer', customer: 0, change: { field: 'description', description: 'Staging\nand QA' } });
    repo.sync(model.files());
    const [shared, other] = [await newProcess(), await newProcess()];
    const runs = await Promise.all([shared, shared, other].map((p) => p.generateOutputs(repo.paths, { cache, generators: generatorsIn(p) })));
    expect(runs.map((run) => run.ok)).toEqual([true, true, true]);
    for (const run of runs.slice(1)) expect(run.ok && run.outputs).toEqual(runs[0]!.ok && runs[0]!.outputs);
    // One of them writes out/ (two writers in one process would share temporary file names, which two processes don't).
    const [first] = runs;
    if (first!.ok) await shared.applyPlan(repo.paths.outDir, await shared.planOutput(repo.paths.outDir, first!.outputs, { known: first!.readFromOut }));

    const reference = await fromScratch(shared, model.files(), repo.portsLock(), generatorsIn(shared));
    const after = await generate(shared);
    expect(after.ok).toBe(true);
    expect(firstDifference(repo.outTree(), reference.out)).toBeUndefined();
    // What the runs left on disk is a whole cache: a new process takes everything from it.
    const next = await generate(await newProcess());
    expect(next.ok && next.stats).toEqual({ reused: allParts, made: 0 });
    expect(firstDifference(repo.outTree(), reference.out)).toBeUndefined();
  }, 120_000);

  it('a customer file saved while a run loads it, then restored: the next run equals a from-scratch run', async () => {
    const { model, repo, cache, generatorsIn, generate } = await generatedRepo();
    model.apply({ kind: 'change-customer', customer: 0, change: { field: 'description', description: 'before the save' } });
    const beforeSave = model.files();
    repo.sync(beforeSave);
    // The run keys the files, then starts its loader thread, which imports them once it has loaded tsx and the schema
    // (a few hundred ms at least): the save falls in between, as when an editor saves during `generate --watch`.
    const pipeline = await newProcess();
    const threads = messagePorts();
    let settled = false;
    const running = pipeline.generateOutputs(repo.paths, { cache, generators: generatorsIn(pipeline) }).finally(() => (settled = true));
    while (!settled && messagePorts() === threads) await new Promise((resolve) => setTimeout(resolve, 2));
    model.apply({ kind: 'change-customer', customer: 0, change: { field: 'description', description: 'the save' } });
    repo.sync(model.files());
    expect((await running).ok).toBe(true);

    // This caught a run that keyed customers/acme-1.ts by its content before the save and cached what it imported after
    // it, so that after the save was undone every later process took the saved content from the cache. A module whose
    // file was written after it was keyed is no longer cached (module-key.ts, stillCurrent).
    repo.sync(beforeSave);
    const reference = await fromScratch(pipeline, beforeSave, repo.portsLock(), generatorsIn(pipeline));
    expect((await generate(await newProcess())).ok).toBe(true);
    expect(firstDifference(repo.outTree(), reference.out)).toBeUndefined();
  }, 120_000);
});
