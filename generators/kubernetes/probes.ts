/**
 * Startup, readiness and liveness probes from the type's health data: `http` GETs the type's health path,
 * `tcp` only opens the port (for servers that check the Host header, which the kubelet sets to the pod IP).
 * The startup probe gives a server a minute to come up; after that liveness restarts a hung one.
 */
import { Duration } from 'cdk8s';
import type { FleetServer } from '../../fleet/model.ts';
import { kplus } from './plus.ts';

interface Timing {
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

export const STARTUP: Timing = { periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30 };
export const READINESS: Timing = { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 };
export const LIVENESS: Timing = { periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 };

function probe(server: FleetServer, timing: Timing): kplus.Probe {
  const options = {
    port: server.containerPort,
    periodSeconds: Duration.seconds(timing.periodSeconds),
    timeoutSeconds: Duration.seconds(timing.timeoutSeconds),
    failureThreshold: timing.failureThreshold,
  };
  const { kubernetesProbe, httpPath } = server.health;
  if (kubernetesProbe === 'tcp') return kplus.Probe.fromTcpSocket(options);
  if (!httpPath) throw new Error(`${server.serviceName}: type ${server.type} asks for an http Kubernetes probe but has no health.httpPath`);
  return kplus.Probe.fromHttpGet(httpPath, options);
}

export function probes(server: FleetServer): { startup: kplus.Probe; readiness: kplus.Probe; liveness: kplus.Probe } {
  return { startup: probe(server, STARTUP), readiness: probe(server, READINESS), liveness: probe(server, LIVENESS) };
}
