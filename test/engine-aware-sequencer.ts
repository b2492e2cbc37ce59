/**
 * Test file order for a fresh clone, where vitest has no durations to sort by (it would keep the glob's order, which
 * bunches the Docker suites together at the end). The Docker suites share one engine lock, so they run one after the
 * other whatever the order: they are spread evenly through the run, the largest first, so that the lock's queue
 * starts at once and the other workers run the rest meanwhile. Within each group, larger files (a proxy for longer
 * ones) go first. Where vitest does know durations (a local re-run), its own order is kept.
 */
import { readFileSync, statSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const usesEngine = (file: string) => readFileSync(file, 'utf8').includes('acquireEngineLock(');
const bySizeDescending = (a: TestSpecification, b: TestSpecification) => statSync(b.moduleId).size - statSync(a.moduleId).size;

export class EngineAwareSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const known = files.filter((spec) => this.ctx.cache.getFileTestResults(`${spec.project.name}:${spec.moduleId.slice(this.ctx.config.root.length + 1)}`));
    if (known.length === files.length) return super.sort(files);
    const docker = files.filter((spec) => usesEngine(spec.moduleId)).sort(bySizeDescending);
    const rest = files.filter((spec) => !docker.includes(spec)).sort(bySizeDescending);
    // One Docker suite, then an even share of the others, and again.
    const share = Math.max(1, Math.floor(rest.length / Math.max(1, docker.length)));
    const ordered: TestSpecification[] = [];
    for (const [index, spec] of docker.entries()) ordered.push(spec, ...rest.slice(index * share, (index + 1) * share));
    ordered.push(...rest.slice(docker.length * share));
    return ordered;
  }
}
