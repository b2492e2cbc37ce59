/**
 * One container workload: a Deployment and a ClusterIP Service of the same name, with cdk8s-plus defaults
 * overridden on purpose — one replica (streamable-HTTP sessions live in one pod), IfNotPresent pulls (images are
 * pinned), explicit resources, a restrictive security context with a writable /tmp only, and our own selector
 * labels instead of cdk8s address hashes. MCP servers and the agent runtime are both built with it.
 */
import { ApiObject, JsonPatch, Size } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Resources } from '../../mcp-types/index.ts';
import { CONTAINER_NAME, PORT_NAME } from './names.ts';
import { kplus } from './plus.ts';
import { probes, type ProbeSpec } from './probes.ts';
import { containerResources } from './resources.ts';

/** Non-root user and group the containers run as (the images' own users are named, which runAsNonRoot cannot verify). */
export const RUN_AS_ID = 65532;
/** Writable scratch space; the root file system is read-only. */
export const TMP_MOUNT = '/tmp';
export const TMP_SIZE_LIMIT_MIB = 64;

/** What cdk8s-plus adds for its own selectors; removed so selectors and labels are ours alone. */
const CDK8S_ADDRESS_LABEL = 'cdk8s.io/metadata.addr';

export interface WorkloadSpec {
  /** Deployment, Service and construct-id prefix. */
  name: string;
  namespace: string;
  /** Labels of the Deployment, its pods and the Service. */
  labels: Record<string, string>;
  /** The subset of `labels` that selects the pods; must never change for a workload. */
  selector: Record<string, string>;
  image: string;
  args: string[];
  env: Record<string, kplus.EnvValue>;
  port: number;
  resources: Resources;
  probe: ProbeSpec;
  /** Extra read-only mounts (e.g. a ConfigMap). */
  mounts?: Array<{ volume: kplus.Volume; path: string }>;
}

export function addWorkload(scope: Construct, spec: WorkloadSpec): void {
  const metadata = { name: spec.name, namespace: spec.namespace, labels: spec.labels };
  const tmp = kplus.Volume.fromEmptyDir(scope, `${spec.name}-tmp`, 'tmp', { sizeLimit: Size.mebibytes(TMP_SIZE_LIMIT_MIB) });
  const mounts = spec.mounts ?? [];

  const deployment = new kplus.Deployment(scope, `${spec.name}-deployment`, {
    metadata,
    podMetadata: { labels: spec.labels },
    select: false,
    spread: false,
    replicas: 1,
    strategy: kplus.DeploymentStrategy.rollingUpdate({ maxSurge: kplus.PercentOrAbsolute.absolute(1), maxUnavailable: kplus.PercentOrAbsolute.absolute(0) }),
    automountServiceAccountToken: false,
    securityContext: { ensureNonRoot: true, user: RUN_AS_ID, group: RUN_AS_ID, fsGroup: RUN_AS_ID },
    volumes: [tmp, ...mounts.map((m) => m.volume)],
    containers: [
      {
        name: CONTAINER_NAME,
        image: spec.image,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        ...(spec.args.length > 0 && { args: spec.args }),
        ports: [{ number: spec.port, name: PORT_NAME }],
        envVariables: spec.env,
        resources: containerResources(spec.resources),
        securityContext: {
          ensureNonRoot: true,
          user: RUN_AS_ID,
          group: RUN_AS_ID,
          privileged: false,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: [kplus.Capability.ALL] },
          seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
        },
        ...probes(spec.probe),
        volumeMounts: [{ path: TMP_MOUNT, volume: tmp }, ...mounts.map((m) => ({ path: m.path, volume: m.volume, readOnly: true }))],
      },
    ],
  });
  deployment.select(kplus.LabelSelector.of({ labels: spec.selector }));
  ApiObject.of(deployment).addJsonPatch(
    JsonPatch.remove(`/spec/template/metadata/labels/${CDK8S_ADDRESS_LABEL.replaceAll('/', '~1')}`),
    // Service links would put every Service of the namespace into the environment; nothing here needs them.
    JsonPatch.add('/spec/template/spec/enableServiceLinks', false),
    JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
  );

  const service = new kplus.Service(scope, `${spec.name}-service`, {
    metadata,
    type: kplus.ServiceType.CLUSTER_IP,
    ports: [{ name: PORT_NAME, port: spec.port, targetPort: spec.port, protocol: kplus.Protocol.TCP }],
  });
  for (const [key, value] of Object.entries(spec.selector)) service.selectLabel(key, value);
  ApiObject.of(service).addJsonPatch(JsonPatch.remove('/spec/externalIPs'));
}
