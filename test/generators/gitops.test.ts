/**
 * The GitOps generator (out/gitops/): off unless fleet.config.ts opts in; every object validated by
 * @kubernetes-models/argo-cd and @kubernetes-models/flux-cd and checked against their types for unknown fields; both
 * trees and every folder a Flux Kustomization builds built by kubectl kustomize, against the files the Kubernetes
 * generator writes; deterministic, a new customer touches no other customer's lines; config errors say where, what
 * was given and what to write.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { ApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet';
import { Kustomization } from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization';
import { diffLines } from 'diff';
import yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { buildFleet } from '../../fleet/build-fleet.ts';
import type { Fleet } from '../../fleet/model.ts';
import { GENERATED_MARKER } from '../../generators/generator.ts';
import { gitopsFiles, gitopsGenerator } from '../../generators/gitops/index.ts';
import { generators } from '../../generators/index.ts';
import { kubernetesGenerator } from '../../generators/kubernetes/index.ts';
import { typeCheckJson } from '../helpers/typecheck-json.ts';
import { CUSTOMERS, fleetOf, generate, type K8sObject, NO_CREDENTIALS, parseDocs, writeTree } from './kubernetes-fixtures.ts';

const ARGOCD = { repoURL: 'https://git.example.com/platform/mcpfleet.git', targetRevision: 'main' };
const FLUX = { sourceRef: { name: 'flux-system' } };
const BOTH = { gitops: { argocd: ARGOCD, flux: FLUX } };

const files = (fleet: Fleet) => new Map(gitopsFiles(fleet).map((f) => [f.path, f.content]));
const fleet = fleetOf(CUSTOMERS, BOTH);
const out = files(fleet);
const k8s = generate(fleet);
const ids = Object.keys(CUSTOMERS);

const objectsIn = (file: string) => parseDocs(out.get(file)!);
const resources = (content: string) => (yaml.load(content) as { resources: string[] }).resources;

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function kustomize(dir: string, ...flags: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', ['kustomize', ...flags, dir], { timeout: 30_000, maxBuffer: 1 << 26 }, (error, stdout, stderr) => resolve({ ok: !error, output: error ? stderr : stdout }));
  });
}

/** Argo CD's `directory.include`: one name or a `{a,b}` list (all this generator writes). */
const includedNames = (include: string) => (include.startsWith('{') ? include.slice(1, -1).split(',') : [include]);

describe('gitops generator: off by default', () => {
  it('is registered after the Kubernetes generator and writes nothing without fleet.config.ts gitops', () => {
    const names = generators.map((g) => g.name);
    expect(names.indexOf(gitopsGenerator.name)).toBe(names.indexOf(kubernetesGenerator.name) + 1);
    expect(gitopsGenerator.name).toBe('gitops');
    expect(gitopsFiles(fleetOf(CUSTOMERS))).toEqual([]);
    expect(fleetOf(CUSTOMERS).config.gitops).toBeUndefined();
  });

  it('writes only the tree that is asked for', () => {
    const argoOnly = [...files(fleetOf(CUSTOMERS, { gitops: { argocd: ARGOCD } })).keys()];
    const fluxOnly = [...files(fleetOf(CUSTOMERS, { gitops: { flux: FLUX } })).keys()];
    expect(argoOnly.every((f) => f.startsWith('gitops/argocd/'))).toBe(true);
    expect(fluxOnly.every((f) => f.startsWith('gitops/flux/'))).toBe(true);
    expect([...argoOnly, ...fluxOnly].sort()).toEqual([...out.keys()].sort());
  });
});

describe('gitops generator: files', () => {
  it('writes the Argo CD and Flux trees, each file behind the "do not edit" marker', () => {
    expect([...out.keys()]).toEqual([
      'gitops/argocd/kustomization.yaml',
      'gitops/argocd/agent.yaml',
      'gitops/argocd/applicationset.yaml',
      'gitops/flux/kustomization.yaml',
      'gitops/flux/agent.yaml',
      ...ids.map((id) => `gitops/flux/customers/${id}.yaml`),
      'gitops/flux/kustomize/agent/kustomization.yaml',
      ...ids.map((id) => `gitops/flux/kustomize/${id}/kustomization.yaml`),
    ]);
    for (const [file, content] of out) expect(content.startsWith(`# ${GENERATED_MARKER}\n`), file).toBe(true);
  });

  it('Argo CD: one list element per customer with its namespace and file, and an Application for the agent', () => {
    const [set] = objectsIn('gitops/argocd/applicationset.yaml') as [K8sObject];
    expect(set.metadata).toMatchObject({ name: 'mcpfleet-customers', namespace: 'argocd' });
    expect(set.spec.generators).toEqual([
      { list: { elements: fleet.customers.map((c) => ({ customer: c.id, file: `${c.id}.yaml`, namespace: c.namespace })) } },
    ]);
    expect(set.spec.template.metadata.name).toBe('{{.namespace}}');
    expect(set.spec.template.spec).toMatchObject({
      project: 'default',
      source: { repoURL: ARGOCD.repoURL, targetRevision: 'main', path: 'out/k8s/customers', directory: { include: '{{.file}}' } },
      destination: { server: 'https://kubernetes.default.svc', namespace: '{{.namespace}}' },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    });
    const [agent] = objectsIn('gitops/argocd/agent.yaml') as [K8sObject];
    expect(agent.kind).toBe('Application');
    expect(agent.metadata).toMatchObject({ name: 'mcp-agent', namespace: 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': '-1' } });
    expect(agent.spec).toMatchObject({ source: { path: 'out/k8s', directory: { include: '{agent.yaml,monitoring.yaml}' } }, destination: { namespace: 'mcp-agent' } });
    expect(resources(out.get('gitops/argocd/kustomization.yaml')!)).toEqual(['agent.yaml', 'applicationset.yaml']);
  });

  it('Flux: one Kustomization per customer, each depending on the agent\'s, which the kustomization lists first', () => {
    const [agent] = objectsIn('gitops/flux/agent.yaml') as [K8sObject];
    expect(agent.metadata).toMatchObject({ name: 'mcp-agent', namespace: 'flux-system' });
    expect(agent.spec).toEqual({ interval: '10m', path: './out/gitops/flux/kustomize/agent', prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' } });
    for (const customer of fleet.customers) {
      const objects = objectsIn(`gitops/flux/customers/${customer.id}.yaml`);
      expect(objects).toHaveLength(1);
      expect(objects[0]!.metadata).toMatchObject({ name: customer.namespace, namespace: 'flux-system', labels: { 'mcpfleet.io/customer': customer.id } });
      expect(objects[0]!.spec).toMatchObject({ path: `./out/gitops/flux/kustomize/${customer.id}`, dependsOn: [{ name: 'mcp-agent' }] });
    }
    expect(resources(out.get('gitops/flux/kustomization.yaml')!)).toEqual(['agent.yaml', ...ids.map((id) => `customers/${id}.yaml`)]);
  });

  it('every path resolves to the files the Kubernetes generator writes (with and without monitoring.yaml)', () => {
    for (const config of [BOTH, { ...BOTH, monitoring: { prometheusOperator: false } }]) {
      const f = fleetOf(CUSTOMERS, config);
      const gitops = files(f);
      const k8sFiles = [...generate(f).keys()].filter((file) => !file.endsWith('/kustomization.yaml'));
      const repoToOut = (repoPath: string) => path.posix.relative('out', path.posix.normalize(repoPath));
      // Argo CD: the Applications' folders and includes cover each Kubernetes file exactly once.
      const [set] = parseDocs(gitops.get('gitops/argocd/applicationset.yaml')!) as [K8sObject];
      const [agent] = parseDocs(gitops.get('gitops/argocd/agent.yaml')!) as [K8sObject];
      const argoFiles = [
        ...includedNames(agent.spec.source.directory.include).map((name) => `${repoToOut(agent.spec.source.path)}/${name}`),
        ...set.spec.generators[0].list.elements.map((e: { file: string }) => `${repoToOut(set.spec.template.spec.source.path)}/${e.file}`),
      ];
      expect(argoFiles.sort()).toEqual([...k8sFiles].sort());
      // Flux: each Kustomization's path holds a kustomization.yaml whose resources are the Kubernetes files, each once.
      const fluxFiles = parseDocs([...gitops].filter(([file]) => /^gitops\/flux\/(agent|customers\/[^/]+)\.yaml$/.test(file)).map(([, c]) => c).join('\n')).flatMap((k) => {
        const dir = repoToOut(k.spec.path);
        expect(gitops.has(`${dir}/kustomization.yaml`), dir).toBe(true);
        return resources(gitops.get(`${dir}/kustomization.yaml`)!).map((r) => path.posix.join(dir, r));
      });
      expect(fluxFiles.sort()).toEqual([...k8sFiles].sort());
    }
  });

  it('gitops.path places every path in the repository ("." when out/ is its root)', () => {
    for (const [outPath, argoPath, fluxPath] of [
      ['deploy/fleet/out', 'deploy/fleet/out/k8s/customers', './deploy/fleet/out/gitops/flux/kustomize/segurcaixa'],
      ['.', 'k8s/customers', './gitops/flux/kustomize/segurcaixa'],
    ] as const) {
      const moved = files(fleetOf(CUSTOMERS, { gitops: { ...BOTH.gitops, path: outPath } }));
      expect((parseDocs(moved.get('gitops/argocd/applicationset.yaml')!)[0] as K8sObject).spec.template.spec.source.path).toBe(argoPath);
      expect((parseDocs(moved.get('gitops/flux/customers/segurcaixa.yaml')!)[0] as K8sObject).spec.path).toBe(fluxPath);
      // The build folders refer to out/k8s relatively, so they do not change.
      expect(moved.get('gitops/flux/kustomize/segurcaixa/kustomization.yaml')).toBe(out.get('gitops/flux/kustomize/segurcaixa/kustomization.yaml'));
    }
  });

  it('takes Argo CD and Flux settings from the config', () => {
    const tuned = files(
      fleetOf(CUSTOMERS, {
        gitops: {
          argocd: { ...ARGOCD, project: 'platform', destinationServer: 'https://prod.k8s.example.com:6443', namespace: 'gitops' },
          flux: { sourceRef: { kind: 'OCIRepository', name: 'mcpfleet', namespace: 'sources' }, interval: '1m30s', prune: false, namespace: 'apps' },
        },
      }),
    );
    const [set] = parseDocs(tuned.get('gitops/argocd/applicationset.yaml')!) as [K8sObject];
    expect(set.metadata.namespace).toBe('gitops');
    expect(set.spec.template.spec).toMatchObject({ project: 'platform', destination: { server: 'https://prod.k8s.example.com:6443' } });
    const [customer] = parseDocs(tuned.get('gitops/flux/customers/segurcaixa.yaml')!) as [K8sObject];
    expect(customer.metadata.namespace).toBe('apps');
    expect(customer.spec).toMatchObject({ interval: '1m30s', prune: false, sourceRef: { kind: 'OCIRepository', name: 'mcpfleet', namespace: 'sources' }, dependsOn: [{ name: 'mcp-agent' }] });
  });
});

describe('gitops generator: validation', () => {
  const argo = [...objectsIn('gitops/argocd/agent.yaml'), ...objectsIn('gitops/argocd/applicationset.yaml')];
  const flux = [...out.keys()].filter((f) => /^gitops\/flux\/(agent|customers\/[^/]+)\.yaml$/.test(f)).flatMap(objectsIn);

  it('passes @kubernetes-models/argo-cd and @kubernetes-models/flux-cd validation and their types (no unknown field)', async () => {
    expect(argo.map((o) => o.kind)).toEqual(['Application', 'ApplicationSet']);
    expect(flux).toHaveLength(ids.length + 1);
    expect(() => new Application(argo[0] as never).validate()).not.toThrow();
    expect(() => new ApplicationSet(argo[1] as never).validate()).not.toThrow();
    for (const object of flux) expect(() => new Kustomization(object as never).validate(), object.metadata.name).not.toThrow();
    // …and validate() catches a wrong type:
    const wrongType = structuredClone(flux[1]!);
    wrongType.spec.prune = 'yes';
    expect(() => new Kustomization(wrongType as never).validate()).toThrow(/prune/);

    const misspelt = structuredClone(argo[1]!);
    misspelt.spec.template.spec.source.directory.includes = '*.yaml';
    const diagnostics = await typeCheckJson(
      [
        "import type { IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';",
        "import type { IApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet';",
        "import type { IKustomization } from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization';",
      ],
      [
        { name: 'agentApplication', type: 'IApplication', value: argo[0] },
        { name: 'applicationSet', type: 'IApplicationSet', value: argo[1] },
        ...flux.map((value, i) => ({ name: `fluxKustomization${i}`, type: 'IKustomization', value })),
        // The types catch what validate() lets through: one known-bad value, the only one expected to fail.
        { name: 'misspelt', type: 'IApplicationSet', value: misspelt },
      ],
    );
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(/includes"?' does not exist/);
  });

  it('kubectl kustomize builds both trees; each Flux build folder builds exactly its Kubernetes file (load restriction off, as Flux builds)', async () => {
    const dir = writeTree(new Map([...k8s, ...out]));
    tempDirs.push(dir);
    const argoBuilt = await kustomize(path.join(dir, 'gitops/argocd'));
    expect(argoBuilt.ok, argoBuilt.output).toBe(true);
    expect(parseDocs(argoBuilt.output).map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['Application/mcp-agent', 'ApplicationSet/mcpfleet-customers']);
    const fluxBuilt = await kustomize(path.join(dir, 'gitops/flux'));
    expect(fluxBuilt.ok, fluxBuilt.output).toBe(true);
    expect(parseDocs(fluxBuilt.output).map((o) => o.metadata.name).sort()).toEqual(['mcp-agent', ...fleet.customers.map((c) => c.namespace)].sort());

    const targets = [
      { name: 'agent', files: ['k8s/agent.yaml', 'k8s/monitoring.yaml'] },
      ...ids.map((id) => ({ name: id, files: [`k8s/customers/${id}.yaml`] })),
    ];
    const identity = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    await Promise.all(
      targets.map(async ({ name, files: k8sFiles }) => {
        const folder = path.join(dir, 'gitops/flux/kustomize', name);
        const built = await kustomize(folder, '--load-restrictor', 'LoadRestrictionsNone');
        expect(built.ok, built.output).toBe(true);
        const expected = k8sFiles.flatMap((file) => parseDocs(k8s.get(file)!));
        expect(parseDocs(built.output).map(identity).sort()).toEqual(expected.map(identity).sort());
      }),
    );
    // The default load restriction refuses the reference, as docs/gitops.md says.
    const restricted = await kustomize(path.join(dir, 'gitops/flux/kustomize', ids[0]!));
    expect(restricted.ok).toBe(false);
    expect(restricted.output).toMatch(/is not in or below/);
  });
});

describe('gitops generator: determinism', () => {
  it('two runs are equal; adding a customer adds its element, its files and a resource line, and changes no other line', () => {
    expect(files(fleetOf(CUSTOMERS, BOTH))).toEqual(out);
    const after = files(fleetOf({ ...CUSTOMERS, 'open-alerts': NO_CREDENTIALS }, BOTH));
    const added = [...after.keys()].filter((f) => !out.has(f));
    expect(added.sort()).toEqual(['gitops/flux/customers/open-alerts.yaml', 'gitops/flux/kustomize/open-alerts/kustomization.yaml']);
    for (const [file, content] of out) {
      const parts = diffLines(content, after.get(file)!);
      expect(parts.filter((p) => p.removed), file).toEqual([]);
      const addedText = parts.filter((p) => p.added).map((p) => p.value).join('');
      if (file === 'gitops/argocd/applicationset.yaml') {
        expect(addedText).toBe('          - customer: open-alerts\n            file: open-alerts.yaml\n            namespace: mcp-open-alerts\n');
      } else if (file === 'gitops/flux/kustomization.yaml') {
        expect(addedText).toBe('  - customers/open-alerts.yaml\n');
      } else {
        expect(addedText, file).toBe('');
      }
    }
  });
});

describe('gitops config errors', () => {
  const problems = (gitops: unknown) => {
    const result = buildFleet({ customers: [], config: { gitops } });
    if (result.ok) throw new Error('expected problems');
    return result.problems.map((p) => `${p.path}: ${p.message}`);
  };

  it('name the field, what was given and what to write', () => {
    expect(problems({})).toEqual([expect.stringMatching(/^gitops: turns on no output: set argocd, flux or both/)]);
    const bad = problems({ path: '../out', argocd: { repoURL: 'github.com/acme/fleet', targetRevision: 'a b', namespace: 'ArgoCD' }, flux: { sourceRef: { kind: 'GitRepo', name: 'flux_system' }, interval: '10 minutes' } });
    expect(bad).toEqual([
      expect.stringMatching(/^gitops\.path: must be the folder of out\/ in the Git repository.*such as "out".*; got the string "\.\.\/out"$/),
      expect.stringMatching(/^gitops\.argocd\.repoURL: must be the Git repository Argo CD reads.*e\.g\. https:\/\/github\.com\/acme\/mcpfleet\.git.*; got the string "github\.com\/acme\/fleet"$/),
      expect.stringMatching(/^gitops\.argocd\.targetRevision: must be a branch, tag or commit such as "main".*; got the string "a b"$/),
      expect.stringMatching(/^gitops\.argocd\.namespace: must be a namespace name.*; got the string "ArgoCD"$/),
      expect.stringMatching(/^gitops\.flux\.sourceRef\.kind: must be "GitRepository", "OCIRepository" or "Bucket".*; got the string "GitRepo"$/),
      expect.stringMatching(/^gitops\.flux\.sourceRef\.name: must be a Kubernetes object name.*; got the string "flux_system"$/),
      expect.stringMatching(/^gitops\.flux\.interval: must be a duration in Go syntax such as "10m".*; got the string "10 minutes"$/),
    ]);
    expect(problems({ argocd: {} })).toEqual(['gitops.argocd.repoURL: is required (expected string)']);
    expect(problems({ flux: { sourceRef: { name: 'flux-system' }, prune: 'yes' } })).toEqual(['gitops.flux.prune: expected a boolean, got the string "yes"']);
    expect(problems({ argocd: { repoUrl: 'https://git.example.com/a.git' } })).toContain('gitops.argocd.repoUrl: unknown key "repoUrl": did you mean "repoURL"?');
  });

  it('refuse a repository URL with a credential without repeating it', () => {
    const token = 'ghp_4f9Qz7LmN2xR8sT1vW3yB6cD0eF5gH7jK9';
    const [message] = problems({ argocd: { repoURL: `https://deploy:${token}@github.com/acme/fleet.git` } });
    expect(message).toMatch(/^gitops\.argocd\.repoURL: must not carry a user name, password or token.*repository Secret/);
    expect(message).not.toContain(token);
    // ssh users and scp-like addresses carry no secret.
    for (const repoURL of ['ssh://git@github.com/acme/fleet.git', 'git@github.com:acme/fleet.git', 'https://github.com/acme/fleet']) {
      expect(buildFleet({ customers: [], config: { gitops: { argocd: { repoURL } } } }).ok, repoURL).toBe(true);
    }
  });
});
