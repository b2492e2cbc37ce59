import { describe, expect, it } from 'vitest';
import { kubernetesFiles, kubernetesFilesInParallel } from '../../generators/kubernetes/index.ts';
import { workerCount } from '../../generators/kubernetes/parallel-synthesis.ts';
import { syntheticFleet } from '../../bench/synthetic-fleet.ts';

describe('kubernetes generator: parallel synthesis', () => {
  it('sizes the pool by cores and fleet size, leaving small fleets on the calling thread', () => {
    expect(workerCount(100, { threads: 2 })).toBe(0);
    expect(workerCount(1000, { threads: 1 })).toBe(0);
    expect(workerCount(1000, { threads: 2 })).toBe(1);
    expect(workerCount(1000, { threads: 16 })).toBe(4);
    expect(workerCount(30, { threads: 4, minCustomersPerWorker: 10 })).toBe(3);
  });

  it('workers alone produce files byte-identical to the synchronous generator, in fleet order', async () => {
    const fleet = syntheticFleet(23, { kubernetes: { externalSecrets: { storeName: 'vault', storeKind: 'ClusterSecretStore' } } });
    const parallel = await kubernetesFilesInParallel(fleet, { threads: 3, chunkSize: 4, minCustomersPerWorker: 1, workOnMainThread: false });
    expect(parallel).toEqual(kubernetesFiles(fleet));
  });

  it('the calling thread and the workers share one fleet without losing or repeating a customer', async () => {
    const fleet = syntheticFleet(40);
    const parallel = await kubernetesFilesInParallel(fleet, { threads: 2, chunkSize: 1, minCustomersPerWorker: 1 });
    expect(parallel.map((f) => f.path)).toEqual(kubernetesFiles(fleet).map((f) => f.path));
    expect(parallel).toEqual(kubernetesFiles(fleet));
  });

  it('a failure inside a worker rejects with its message instead of hanging or losing it', async () => {
    const fleet = syntheticFleet(6);
    const broken = fleet.customers[4]!.servers.find((s) => s.type === 'alertmanager')!;
    broken.health = { ...broken.health, kubernetesProbe: 'http', httpPath: undefined };
    await expect(kubernetesFilesInParallel(fleet, { threads: 2, chunkSize: 2, minCustomersPerWorker: 1, workOnMainThread: false })).rejects.toThrow(
      `${broken.serviceName}: type alertmanager asks for an http Kubernetes probe but has no health.httpPath`,
    );
  });
});
