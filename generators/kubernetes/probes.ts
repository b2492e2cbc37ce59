/**
 * Startup, readiness and liveness probes from the type's health data: `http` GETs the type's health path,
 * `tcp` only opens the port (for servers that check the Host header, which the kubelet sets to the pod IP).
 * The startup probe gives a server a minute to come up; after that liveness restarts a hung one.
 */
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

function probe(spec: ProbeSpec, timing: Timing, path = spec.kind === 'http' ? spec.path : ''): kplus.k8s.Probe {
  const port = kplus.k8s.IntOrString.fromNumber(spec.port);
  return spec.kind === 'tcp' ? { ...timing, tcpSocket: { port } } : { ...timing, httpGet: { path, port, scheme: 'HTTP' } };
}

export function probes(spec: ProbeSpec): { startupProbe: kplus.k8s.Probe; readinessProbe: kplus.k8s.Probe; livenessProbe: kplus.k8s.Probe } {
  const readinessPath = spec.kind === 'http' ? (spec.readinessPath ?? spec.path) : undefined;
  return { startupProbe: probe(spec, STARTUP), readinessProbe: probe(spec, READINESS, readinessPath), livenessProbe: probe(spec, LIVENESS) };
}
