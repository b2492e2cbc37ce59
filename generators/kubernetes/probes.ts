/**
 * Startup, readiness and liveness probes from the type's health data: `http` GETs the type's health path,
 * `tcp` only opens the port (for servers that check the Host header, which the kubelet sets to the pod IP).
 * The startup probe gives a server a minute to come up; after that liveness restarts a hung one.
 */
import { Duration } from 'cdk8s';
import { kplus } from './plus.ts';

/** How a workload's container is checked: open the port, or GET a path on it. */
export type ProbeSpec = { kind: 'tcp'; port: number } | { kind: 'http'; port: number; path: string; readinessPath?: string };

interface Timing {
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

export const STARTUP: Timing = { periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30 };
export const READINESS: Timing = { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 };
export const LIVENESS: Timing = { periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 };

function probe(spec: ProbeSpec, timing: Timing, path = spec.kind === 'http' ? spec.path : ''): kplus.Probe {
  const options = {
    port: spec.port,
    periodSeconds: Duration.seconds(timing.periodSeconds),
    timeoutSeconds: Duration.seconds(timing.timeoutSeconds),
    failureThreshold: timing.failureThreshold,
  };
  return spec.kind === 'tcp' ? kplus.Probe.fromTcpSocket(options) : kplus.Probe.fromHttpGet(path, options);
}

export function probes(spec: ProbeSpec): { startup: kplus.Probe; readiness: kplus.Probe; liveness: kplus.Probe } {
  const readinessPath = spec.kind === 'http' ? (spec.readinessPath ?? spec.path) : undefined;
  return { startup: probe(spec, STARTUP), readiness: probe(spec, READINESS, readinessPath), liveness: probe(spec, LIVENESS) };
}
