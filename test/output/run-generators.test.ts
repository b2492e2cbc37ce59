import { describe, expect, it } from 'vitest';
import type { Fleet } from '../../fleet/model.ts';
import type { Generator } from '../../generators/generator.ts';
import { runGenerators } from '../../output/run-generators.ts';

const fleet = { customers: [] } as unknown as Fleet;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function synchronous(name: string, log: string[], fail = false): Generator {
  return {
    name,
    description: name,
    generate: () => {
      log.push(name);
      if (fail) throw new Error(`${name} failed`);
      return [{ path: `${name}.txt`, content: name }];
    },
  };
}

function parallel(name: string, log: string[], fail = false): Generator {
  return {
    name,
    description: name,
    generate: () => {
      throw new Error('the parallel path should have been used');
    },
    generateInParallel: async () => {
      log.push(`${name} started`);
      await nextTurn();
      log.push(`${name} finished`);
      if (fail) throw new Error(`${name} failed`);
      return [{ path: `${name}.txt`, content: name }];
    },
  };
}

describe('runGenerators', () => {
  it('starts parallel generators before the synchronous ones and keys every output by name, in registry order', async () => {
    const log: string[] = [];
    const outputs = await runGenerators(fleet, [synchronous('compose', log), parallel('k8s', log), synchronous('env', log)]);
    expect(log).toEqual(['k8s started', 'compose', 'env', 'k8s finished']);
    expect([...outputs.keys()]).toEqual(['compose', 'k8s', 'env']);
    expect(outputs.get('k8s')).toEqual([{ path: 'k8s.txt', content: 'k8s' }]);
  });

  it('reports a parallel generator\'s failure', async () => {
    await expect(runGenerators(fleet, [parallel('k8s', [], true), synchronous('env', [])])).rejects.toThrow('k8s failed');
  });

  it('reports a synchronous failure without leaving the parallel one\'s failure unhandled', async () => {
    const log: string[] = [];
    await expect(runGenerators(fleet, [parallel('k8s', log, true), synchronous('compose', log, true)])).rejects.toThrow('compose failed');
    await nextTurn();
    await nextTurn();
    expect(log).toContain('k8s finished'); // it did reject meanwhile; vitest fails the run on an unhandled rejection
  });
});
