/**
 * Benchmark of the Kubernetes generator: synthetic fleets of 10, 100 and 1000 customers × 3 servers, each size
 * in its own child process (so peak RSS is that size's alone), next to a floor measured the same way: building
 * equivalent plain objects and serializing them with the same YAML writer (no cdk8s). `k8s` is what `pnpm generate`
 * runs (worker threads for large fleets, their start-up included); `1 thread` is the synchronous generator.
 *
 *   npx tsx bench/kubernetes.bench.ts [--sizes 10,100,1000]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { syntheticFleet } from './synthetic-fleet.ts';
import type { Fleet, FleetCustomer, FleetServer } from '../fleet/model.ts';
import { kubernetesGenerator } from '../generators/kubernetes/index.ts';
import { renderManifests, toYaml } from '../generators/kubernetes/render.ts';
import { runtimeConfig, toJson } from '../generators/runtime-config.ts';

type Mode = 'k8s' | 'serial' | 'floor';
interface Measurement {
  mode: Mode;
  customers: number;
  ms: number;
  peakRssMb: number;
  bytes: number;
  files: number;
}

/** The same objects as plain data, without cdk8s: what serialization alone costs. */
function plainServer(customer: FleetCustomer, server: FleetServer): Array<Record<string, unknown>> {
  const labels = { 'app.kubernetes.io/instance': server.serviceName, 'app.kubernetes.io/name': server.type, 'mcpfleet.io/customer': customer.id, 'mcpfleet.io/type': server.type };
  const probe = server.health.kubernetesProbe === 'tcp' ? { tcpSocket: { port: server.containerPort } } : { httpGet: { path: server.health.httpPath, port: server.containerPort, scheme: 'HTTP' } };
  const metadata = { name: server.serviceName, namespace: customer.namespace, labels };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/instance': server.serviceName, 'app.kubernetes.io/name': server.type } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'mcp',
                image: server.image,
                imagePullPolicy: 'IfNotPresent',
                ...(server.args.length > 0 && { args: server.args }),
                ports: [{ containerPort: server.containerPort, name: 'mcp' }],
                env: server.env.map((e) => ('credential' in e ? { name: e.name, valueFrom: { secretKeyRef: { name: 'mcp-credentials', key: e.credential.variable } } } : e)),
                resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '125m', memory: '128Mi' } },
                securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
                startupProbe: { ...probe, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30 },
                readinessProbe: { ...probe, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
                livenessProbe: { ...probe, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 },
                volumeMounts: [{ mountPath: '/tmp', name: 'tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: { type: 'ClusterIP', ports: [{ name: 'mcp', port: server.containerPort, targetPort: server.containerPort, protocol: 'TCP' }], selector: { 'app.kubernetes.io/instance': server.serviceName, 'app.kubernetes.io/name': server.type } },
    },
  ];
}

function plainFiles(fleet: Fleet): Array<{ path: string; content: string }> {
  const customers = fleet.customers.map((customer) => {
    const labels = { 'mcpfleet.io/customer': customer.id };
    const objects = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: customer.namespace, labels } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny-ingress', namespace: customer.namespace, labels }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'allow-mcp-agent', namespace: customer.namespace, labels },
        spec: {
          podSelector: { matchLabels: labels },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'mcp-agent' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'mcp-agent' } } }], ports: [{ port: 8000, protocol: 'TCP' }] }],
        },
      },
      ...customer.servers.flatMap((server) => plainServer(customer, server)),
    ];
    return { path: `k8s/customers/${customer.id}.yaml`, content: renderManifests([customer.name], objects) };
  });
  const agent = {
    path: 'k8s/agent.yaml',
    content: renderManifests(['agent'], [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mcp-agent' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mcp-servers', namespace: 'mcp-agent' }, data: { 'mcp_servers.json': toJson(runtimeConfig(fleet, (s) => s.kubernetesUrl, './mcp_servers.schema.json')) } },
    ]),
  };
  const kustomization = { path: 'k8s/kustomization.yaml', content: toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [agent, ...customers].map((f) => f.path.slice(4)) }) };
  return [kustomization, agent, ...customers];
}

type Files = Array<{ path: string; content: string }>;
const run: Record<Mode, (fleet: Fleet) => Files | Promise<Files>> = {
  k8s: (fleet) => kubernetesGenerator.generateInParallel!(fleet),
  serial: (fleet) => kubernetesGenerator.generate(fleet),
  floor: plainFiles,
};

async function child(mode: Mode, customers: number): Promise<void> {
  await run[mode](syntheticFleet(2)); // warm up the code paths, so the smallest size is not mostly JIT time
  const fleet = syntheticFleet(customers);
  const started = performance.now();
  const files = await run[mode](fleet);
  const ms = performance.now() - started;
  const measurement: Measurement = {
    mode,
    customers,
    ms,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    bytes: files.reduce((sum, f) => sum + Buffer.byteLength(f.content), 0),
    files: files.length,
  };
  console.log(JSON.stringify(measurement));
}

function measure(mode: Mode, customers: number): Measurement {
  const result = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode, String(customers)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (result.status !== 0) throw new Error(`child ${mode} ${customers} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as Measurement;
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  await child(args[1] as Mode, Number(args[2]));
} else {
  const sizesArg = args.indexOf('--sizes');
  const sizes = sizesArg >= 0 ? args[sizesArg + 1]!.split(',').map(Number) : [10, 100, 1000];
  console.log(`Kubernetes generator, ${sizes.join('/')} customers × 3 servers, each size in a child process (node ${process.version})`);
  console.log('customers  k8s ms   k8s peak RSS  1 thread ms  floor ms  floor peak RSS  output');
  const rows = sizes.map((n) => ({ n, k8s: measure('k8s', n), serial: measure('serial', n), floor: measure('floor', n) }));
  for (const { n, k8s, serial, floor } of rows) {
    console.log(
      `${String(n).padStart(9)}  ${k8s.ms.toFixed(0).padStart(6)}  ${`${k8s.peakRssMb.toFixed(0)} MB`.padStart(12)}  ${serial.ms.toFixed(0).padStart(11)}  ${floor.ms.toFixed(0).padStart(8)}  ${`${floor.peakRssMb.toFixed(0)} MB`.padStart(14)}  ${k8s.files} files, ${(k8s.bytes / 1e6).toFixed(1)} MB`,
    );
  }
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1]!, rows[i]!];
    console.log(`×${b.n / a.n} customers (${a.n} → ${b.n}): k8s time ×${(b.k8s.ms / a.k8s.ms).toFixed(1)}, floor time ×${(b.floor.ms / a.floor.ms).toFixed(1)}`);
  }
  const last = rows.at(-1)!;
  console.log(`At ${last.n} customers cdk8s costs ${(last.k8s.ms / last.floor.ms).toFixed(1)}× the floor: ${(last.k8s.ms / last.n).toFixed(2)} ms per customer vs ${(last.floor.ms / last.n).toFixed(2)} ms.`);
}
