/** One MCP server in Kubernetes: a workload named `server.serviceName` in the customer's namespace. */
import type { Construct } from 'constructs';
import type { FleetCustomer, FleetServer } from '../../fleet/model.ts';
import { selectorLabels, serverLabels } from './names.ts';
import type { ProbeSpec } from './probes.ts';
import { containerEnv } from './secrets.ts';
import { addWorkload } from './workload.ts';

export { RUN_AS_ID, TMP_MOUNT, TMP_SIZE_LIMIT_MIB } from './workload.ts';

/** `http` GETs the type's health path; `tcp` only opens the port, for servers that check the Host header (the kubelet sends the pod IP). */
function serverProbe(server: FleetServer): ProbeSpec {
  const { kubernetesProbe, httpPath } = server.health;
  if (kubernetesProbe === 'tcp') return { kind: 'tcp', port: server.containerPort };
  if (!httpPath) throw new Error(`${server.serviceName}: type ${server.type} asks for an http Kubernetes probe but has no health.httpPath`);
  return { kind: 'http', port: server.containerPort, path: httpPath };
}

export function addServerWorkload(scope: Construct, customer: FleetCustomer, server: FleetServer): void {
  addWorkload(scope, {
    name: server.serviceName,
    namespace: customer.namespace,
    labels: serverLabels(server),
    selector: selectorLabels(server),
    image: server.image,
    args: server.args,
    env: containerEnv(server),
    port: server.containerPort,
    resources: server.resources,
    probe: serverProbe(server),
  });
}
