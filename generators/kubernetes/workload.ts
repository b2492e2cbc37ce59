/**
 * One container workload: a Deployment and a ClusterIP Service of the same name, spelled out with the
 * cdk8s-plus-28 Kubernetes API classes (`kplus.k8s.*`). Every field is explicit, cdk8s defaults overridden on
 * purpose: one replica unless asked (an MCP server's streamable-HTTP sessions live in one pod; the agent runtime
 * seals its sessions and runs several), IfNotPresent pulls (images are pinned),
 * explicit resources, a restrictive security context with a writable /tmp only, and our own selector labels.
 * MCP servers and the agent runtime are both built with it.
 *
 * Why not the higher-level `kplus.Deployment`: it costs ~0.8 ms more per server to build and synthesize (a
 * construct tree per container, lazy values, address-hash labels we then had to patch out), which put a
 * 1,000-customer fleet over its 3 s budget. The objects written are the same, byte for byte.
 */
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
const TMP_VOLUME = 'tmp';

export interface WorkloadSpec {
  /** Deployment, Service and construct-id prefix. */
  name: string;
  namespace: string;
  /** Labels of the Deployment, its pods and the Service. */
  labels: Record<string, string>;
  /** The subset of `labels` that selects the pods; must never change for a workload. */
  selector: Record<string, string>;
  image: string;
  /** Container arguments, each meant literally: written escaped for the kubelet (see `kubeletLiteral`). */
  args: string[];
  /** Container environment; every literal `value` is meant as written and escaped for the kubelet like `args`. */
  env: kplus.k8s.EnvVar[];
  port: number;
  resources: Resources;
  probe: ProbeSpec;
  /** Extra read-only mounts (e.g. a ConfigMap), mounted at `path`. */
  mounts?: Array<{ volume: kplus.k8s.Volume; path: string }>;
  /**
   * Deployment replicas, 1 when not given. `'autoscaled'` leaves `spec.replicas` out: a HorizontalPodAutoscaler
   * owns it, and a value in the manifest would reset the HPA's count on every `kubectl apply`.
   */
  replicas?: number | 'autoscaled';
  /** Seconds between SIGTERM and SIGKILL (Kubernetes' default, 30, when not given). */
  terminationGracePeriodSeconds?: number;
  /** Spread the pods over nodes (`kubernetes.io/hostname`), as a preference: a single-node cluster still schedules them all. */
  spreadOverNodes?: boolean;
  /** Fraction of the CPU limit requested (default CPU_REQUEST_FRACTION); a CPU-autoscaled workload measures against it. */
  cpuRequestFraction?: number;
}

/** Topology key of the nodes themselves. */
export const NODE_TOPOLOGY_KEY = 'kubernetes.io/hostname';

const RUNTIME_DEFAULT_SECCOMP = { type: 'RuntimeDefault' } as const;

/**
 * A literal for a container's env value, command or args. The kubelet expands those fields: `$(VAR)` becomes the
 * value of VAR when VAR is an earlier env var of the container (for args: any of its env vars, secrets included)
 * and `$$` becomes `$`. Written as they are, a tenant `$(ALERTMANAGER_PASSWORD)` would reach the server as the
 * password, and `$$` in a URL would lose a `$`. With every `$` doubled, expansion gives back exactly the value.
 *
 * Every env value and argument in the fleet is literal (compose and Swarm escape them the same way for their
 * interpolation); no type or generator relies on `$(VAR)` references, so nothing is exempt.
 */
export function kubeletLiteral(value: string): string {
  return value.replaceAll('$', '$$$$');
}

/** An env var as written for the kubelet: a literal value escaped, a `valueFrom` reference as it is. */
function kubeletEnv(variable: kplus.k8s.EnvVar): kplus.k8s.EnvVar {
  return variable.value === undefined ? variable : { ...variable, value: kubeletLiteral(variable.value) };
}

/** Pod-level: the defaults Kubernetes would apply anyway, written out so the manifest says what runs. */
function podSpec(spec: WorkloadSpec): kplus.k8s.PodSpec {
  const mounts = spec.mounts ?? [];
  return {
    automountServiceAccountToken: false,
    // Service links would put every Service of the namespace into the environment; nothing here needs them.
    enableServiceLinks: false,
    dnsPolicy: 'ClusterFirst',
    hostNetwork: false,
    restartPolicy: 'Always',
    setHostnameAsFqdn: false,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30,
    ...(spec.spreadOverNodes && {
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: NODE_TOPOLOGY_KEY,
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: spec.selector },
          // Counted per ReplicaSet, so the pods of a rollout in progress do not skew where the new ones go.
          matchLabelKeys: ['pod-template-hash'],
        },
      ],
    }),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUN_AS_ID,
      runAsGroup: RUN_AS_ID,
      fsGroup: RUN_AS_ID,
      fsGroupChangePolicy: 'Always',
      seccompProfile: RUNTIME_DEFAULT_SECCOMP,
    },
    containers: [
      {
        name: CONTAINER_NAME,
        image: spec.image,
        imagePullPolicy: 'IfNotPresent',
        // The one place a container's env values and args are written: both escaped for the kubelet here.
        ...(spec.args.length > 0 && { args: spec.args.map(kubeletLiteral) }),
        ports: [{ containerPort: spec.port, name: PORT_NAME }],
        ...(spec.env.length > 0 && { env: spec.env.map(kubeletEnv) }),
        resources: containerResources(spec.resources, spec.cpuRequestFraction),
        securityContext: {
          runAsNonRoot: true,
          runAsUser: RUN_AS_ID,
          runAsGroup: RUN_AS_ID,
          privileged: false,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: RUNTIME_DEFAULT_SECCOMP,
        },
        ...probes(spec.probe),
        volumeMounts: [{ mountPath: TMP_MOUNT, name: TMP_VOLUME }, ...mounts.map((m) => ({ mountPath: m.path, name: m.volume.name, readOnly: true }))],
      },
    ],
    volumes: [{ name: TMP_VOLUME, emptyDir: { sizeLimit: kplus.k8s.Quantity.fromString(`${TMP_SIZE_LIMIT_MIB}Mi`) } }, ...mounts.map((m) => m.volume)],
  };
}

export function addWorkload(scope: Construct, spec: WorkloadSpec): void {
  const metadata = { name: spec.name, namespace: spec.namespace, labels: spec.labels };
  new kplus.k8s.KubeDeployment(scope, `${spec.name}-deployment`, {
    metadata,
    spec: {
      ...(spec.replicas !== 'autoscaled' && { replicas: spec.replicas ?? 1 }),
      minReadySeconds: 0,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: spec.selector },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: kplus.k8s.IntOrString.fromNumber(1), maxUnavailable: kplus.k8s.IntOrString.fromNumber(0) },
      },
      template: { metadata: { labels: spec.labels }, spec: podSpec(spec) },
    },
  });
  new kplus.k8s.KubeService(scope, `${spec.name}-service`, {
    metadata,
    spec: {
      type: 'ClusterIP',
      ports: [{ name: PORT_NAME, port: spec.port, targetPort: kplus.k8s.IntOrString.fromNumber(spec.port), protocol: 'TCP' }],
      selector: spec.selector,
    },
  });
}
