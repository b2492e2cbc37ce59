/**
 * One MCP server in Kubernetes: a Deployment and a ClusterIP Service named `server.serviceName`, with cdk8s-plus
 * defaults overridden on purpose — one replica (streamable-HTTP sessions live in one pod), IfNotPresent pulls
 * (images are pinned), the catalog's resources, our own selector labels instead of cdk8s address hashes.
 */
import { ApiObject, JsonPatch, Size } from 'cdk8s';
import type { Construct } from 'constructs';
import type { FleetCustomer, FleetServer } from '../../fleet/model.ts';
import { CONTAINER_NAME, PORT_NAME, selectorLabels, serverLabels } from './names.ts';
import { kplus } from './plus.ts';
import { probes } from './probes.ts';
import { containerResources } from './resources.ts';
import { containerEnv } from './secrets.ts';

/** Non-root user and group the servers run as (the images' own users are named, which runAsNonRoot cannot verify). */
export const RUN_AS_ID = 65532;
/** Writable scratch space; the root file system is read-only. */
export const TMP_MOUNT = '/tmp';
export const TMP_SIZE_LIMIT_MIB = 64;

/** What cdk8s-plus adds for its own selectors; removed so selectors and labels are ours alone. */
const CDK8S_ADDRESS_LABEL = 'cdk8s.io/metadata.addr';

export function addServerWorkload(scope: Construct, customer: FleetCustomer, server: FleetServer): void {
  const labels = serverLabels(server);
  const metadata = { name: server.serviceName, namespace: customer.namespace, labels };
  const tmp = kplus.Volume.fromEmptyDir(scope, `${server.serviceName}-tmp`, 'tmp', { sizeLimit: Size.mebibytes(TMP_SIZE_LIMIT_MIB) });

  const deployment = new kplus.Deployment(scope, `${server.serviceName}-deployment`, {
    metadata,
    podMetadata: { labels },
    select: false,
    spread: false,
    replicas: 1,
    strategy: kplus.DeploymentStrategy.rollingUpdate({ maxSurge: kplus.PercentOrAbsolute.absolute(1), maxUnavailable: kplus.PercentOrAbsolute.absolute(0) }),
    automountServiceAccountToken: false,
    securityContext: { ensureNonRoot: true, user: RUN_AS_ID, group: RUN_AS_ID, fsGroup: RUN_AS_ID },
    volumes: [tmp],
    containers: [
      {
        name: CONTAINER_NAME,
        image: server.image,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        ...(server.args.length > 0 && { args: server.args }),
        ports: [{ number: server.containerPort, name: PORT_NAME }],
        envVariables: containerEnv(scope, server),
        resources: containerResources(server.resources),
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
        ...probes(server),
        volumeMounts: [{ path: TMP_MOUNT, volume: tmp }],
      },
    ],
  });
  deployment.select(kplus.LabelSelector.of({ labels: selectorLabels(server) }));
  ApiObject.of(deployment).addJsonPatch(
    JsonPatch.remove(`/spec/template/metadata/labels/${CDK8S_ADDRESS_LABEL.replaceAll('/', '~1')}`),
    // Service links would put every Service of the namespace into the environment; the servers need none.
    JsonPatch.add('/spec/template/spec/enableServiceLinks', false),
    JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
  );

  const service = new kplus.Service(scope, `${server.serviceName}-service`, {
    metadata,
    type: kplus.ServiceType.CLUSTER_IP,
    ports: [{ name: PORT_NAME, port: server.containerPort, targetPort: server.containerPort, protocol: kplus.Protocol.TCP }],
  });
  for (const [key, value] of Object.entries(selectorLabels(server))) service.selectLabel(key, value);
  ApiObject.of(service).addJsonPatch(JsonPatch.remove('/spec/externalIPs'));
}
