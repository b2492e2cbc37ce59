// Types of drift-swarm.mjs for the TypeScript tests (the scripts are plain JS).
import type { DesiredEnvEntry, NormalizedHealthcheck } from './drift-normalize.mjs';
import type { DriftResult, Inspected, Selection } from './drift-compose.mjs';

export interface DesiredSwarmService {
  stack: string;
  stackRole: 'customer' | 'agent';
  service: string;
  swarmName: string;
  role: 'mcp' | 'agent' | 'balancer';
  customer: string;
  type: string;
  image: string;
  env: Map<string, DesiredEnvEntry>;
  args: string[] | undefined;
  entrypoint: string[] | undefined;
  ports: string[];
  networks: string[];
  labels: Record<string, string>;
  cpus: number;
  memory: number;
  replicas: number | 'global';
  endpointMode: string;
  healthcheck: NormalizedHealthcheck | 'disabled' | undefined;
  secrets: string[];
  configTargets: string[];
}
export interface DesiredSwarm {
  stacks: { stack: string; role: 'customer' | 'agent'; customer: string; file: string }[];
  services: Map<string, DesiredSwarmService>;
}
export interface SwarmOrphan {
  customer: string;
  service: string;
  stack: string;
  swarmService: string;
  reason: string;
}
export declare function normalizeStackPort(port: unknown): string;
export declare function liveStackPorts(ports: { Protocol?: string; TargetPort: number; PublishedPort?: number; PublishMode?: string }[] | undefined): string[];
export declare function desiredStack(document: unknown, options?: { override?: Record<string, object> }): DesiredSwarmService[];
export declare function desiredSwarm(swarmDir: string, options?: { overrideFor?: (document: unknown, file: string) => Record<string, object> }): Promise<DesiredSwarm>;
export declare function liveSwarm(): Promise<{ services: Inspected[]; networks: Map<string, string> }>;
export declare function compareSwarm(
  desired: DesiredSwarm,
  live: { services: Inspected[]; networks: Map<string, string> },
  selection?: Selection,
): DriftResult<SwarmOrphan, { customer: string; service: string; stack: string; swarmService: string; type: string }>;
