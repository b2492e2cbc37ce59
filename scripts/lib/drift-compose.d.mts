// Types of drift-compose.mjs for the TypeScript tests (the scripts are plain JS).
import type { DesiredEnvEntry, Difference, NormalizedHealthcheck } from './drift-normalize.mjs';

export interface DesiredComposeService {
  service: string;
  role: 'mcp' | 'agent' | 'other';
  customer: string;
  type: string;
  image: string;
  env: Map<string, DesiredEnvEntry>;
  command: string[] | undefined;
  entrypoint: string[] | undefined;
  ports: string[];
  networks: string[];
  labels: Record<string, string>;
  cpus: number;
  memory: number;
  restart: string;
  healthcheck: NormalizedHealthcheck | 'disabled' | undefined;
}
export interface ComposeOrphan {
  customer: string;
  service: string;
  container: string;
  state: string;
  reason: string;
}
export interface DriftResult<O, M> {
  differences: Difference[];
  orphans: O[];
  missing: M[];
  secrets: Set<string>;
  compared: number;
}
export interface Selection {
  customers?: string[];
  types?: string[];
  agent?: boolean;
}
/** docker inspect / docker image inspect output, as far as drift reads it. */
export type Inspected = Record<string, any>;

export declare function composeProjectName(project: string): string;
export declare function normalizeComposePort(port: unknown): string;
export declare function livePorts(bindings: Record<string, { HostIp?: string; HostPort?: string }[] | null> | undefined): string[];
export declare function desiredCompose(document: unknown, options: { project: string; override?: Record<string, object> }): Map<string, DesiredComposeService>;
export declare function liveCompose(project: string, desiredImages?: string[]): Promise<{ containers: Inspected[]; images: Map<string, Inspected> }>;
export declare function compareCompose(
  desired: Map<string, DesiredComposeService>,
  live: { containers: Inspected[]; images: Map<string, Inspected> },
  selection?: Selection,
): DriftResult<ComposeOrphan, { customer: string; service: string; type: string }>;
export declare function composeOrphans(project: string, desiredServices: { service: string; customer: string }[]): Promise<ComposeOrphan[]>;
