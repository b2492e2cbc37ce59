/**
 * `pnpm validate --k8s`: the offline Kubernetes validation of what the fleet generates, as a command. The checks
 * themselves (verify/kubernetes-offline.ts) are run against broken manifests here, so a pass means something.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateManifests } from '../../verify/kubernetes-offline.ts';
import { fleetOf, generate } from '../generators/kubernetes-fixtures.ts';
import { FleetRepo, segurcaixa, snapshotDir, vattenfall } from '../helpers/fleet-repo.ts';

const repo = new FleetRepo().addCustomer('segurcaixa', segurcaixa).addCustomer('vattenfall-de', vattenfall);
afterAll(() => repo.dispose());

describe('pnpm validate --k8s', () => {
  it('validates the generated manifests in memory, names what it checked, and writes nothing', async () => {
    const result = await repo.run('validate', ['--k8s']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const expected = [...generate(fleetOf({ segurcaixa, 'vattenfall-de': vattenfall } as unknown as Parameters<typeof fleetOf>[0])).values()];
    expect(result.stdout).toMatch(/✓ 2 customers, \d+ servers: valid/);
    const counted = /✓ Kubernetes: (\d+) objects in (\d+) files pass kubernetes-models and the Kubernetes 1\.28 field check; kubectl kustomize builds the tree/.exec(result.stdout);
    expect(counted, result.stdout).not.toBeNull();
    expect(Number(counted![2])).toBe(expected.length);
    expect(snapshotDir(repo.outDir)).toEqual({});
  });

  it('says kubectl was not run when it is not installed, and still validates the objects', async () => {
    // A PATH with node (tsx needs it) and nothing else.
    const bin = mkdtempSync(path.join(tmpdir(), 'mcpfleet-path-'));
    symlinkSync(process.execPath, path.join(bin, 'node'));
    try {
      const result = await repo.run('validate', ['--k8s'], { PATH: bin });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('(kubectl not found: install it to also run kubectl kustomize)');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('offline Kubernetes validation', () => {
  const tree = () => generate(fleetOf());

  it('passes the generated tree', async () => {
    const report = await validateManifests(tree());
    expect(report.problems).toEqual([]);
    expect(report.kustomized).toBe(true);
    expect(report.objects).toBeGreaterThan(10);
  });

  it('finds a wrong type, an unknown field, an unparsable file and a tree kustomize cannot build, each with its file and object', async () => {
    const files = tree();
    const customer = [...files.keys()].find((f) => f.startsWith('k8s/customers/'))!;
    files.set(
      customer,
      files
        .get(customer)!
        .replace(/^(\s+)replicas: \d+$/m, '$1replicas: "many"')
        .replace(/^(\s+)imagePullPolicy: (\S+)$/m, '$1imagePullPolicyy: $2'),
    );
    files.set('k8s/broken.yaml', 'kind: [unclosed');
    files.set('k8s/kustomization.yaml', `${files.get('k8s/kustomization.yaml')!}\n# and a resource that is not there\n`.replace('resources:\n', 'resources:\n  - missing.yaml\n'));
    const report = await validateManifests(files);
    const lines = report.problems.map((p) => `${p.file} ${p.object ?? ''}: ${p.message}`);
    expect(lines.find((l) => l.startsWith(`${customer} Deployment/`) && /replicas/.test(l)), lines.join('\n')).toBeDefined();
    expect(lines.find((l) => l.startsWith(`${customer} Deployment/`) && l.includes('unknown field /spec/template/spec/containers/0/imagePullPolicyy'))).toBeDefined();
    expect(lines.find((l) => l.startsWith('k8s/broken.yaml') && l.includes('does not parse as YAML'))).toBeDefined();
    expect(lines.find((l) => l.startsWith('k8s/kustomization.yaml') && l.includes('kubectl kustomize failed') && l.includes('missing.yaml'))).toBeDefined();
  });
});
