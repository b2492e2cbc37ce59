// Types of drift-normalize.mjs for the TypeScript tests (the scripts are plain JS).
export interface Difference {
  customer: string;
  service: string;
  field: string;
  before: string;
  after: string;
}
export interface DesiredEnvEntry {
  credential: boolean;
  value?: string;
  variables?: string[];
}
export interface NormalizedHealthcheck {
  test: string[];
  interval: number;
  timeout: number;
  retries: number;
  startPeriod: number;
}
export declare const ABSENT: string;
export declare const HIDDEN: string;
export declare const SECRET_NAME: RegExp;
export declare const FLEET_LABEL: RegExp;
export declare function difference(customer: string, service: string, field: string, before: string, after: string): Difference;
export declare function normalizeImage(image: string | undefined): string;
export declare function isInterpolated(value: unknown): boolean;
export declare function interpolatedVariables(value: unknown): string[];
export declare function unescapeDollars(value: unknown): string;
export declare function envMap(list: string[] | undefined | null): Map<string, string>;
export declare function collectSecrets(env: Map<string, string>, secrets: Set<string>, desired?: Map<string, { credential: boolean }>): void;
export declare function desiredEnv(environment: Record<string, unknown> | string[] | undefined): Map<string, DesiredEnvEntry>;
export declare function compareEnv(desired: Map<string, DesiredEnvEntry>, live: Map<string, string>, imageEnv?: Map<string, string>): { field: string; before: string; after: string }[];
export declare function parseBytes(value: unknown): number;
export declare function formatBytes(bytes: number): string;
export declare function parseCpus(value: unknown): number;
export declare function formatCpus(cpus: number): string;
export declare function parseDuration(value: unknown): number;
export declare function normalizeHealthcheck(check: unknown, options?: { docker?: boolean }): NormalizedHealthcheck | 'disabled' | undefined;
export declare function formatHealthcheck(check: NormalizedHealthcheck | 'disabled' | undefined): string;
export declare function sameHealthcheck(desired: NormalizedHealthcheck | 'disabled' | undefined, live: NormalizedHealthcheck | 'disabled' | undefined): boolean;
export declare function commandList(command: unknown): string[] | undefined;
export declare function formatCommand(list: string[] | undefined | null): string;
export declare function formatSet(list: string[] | undefined | null): string;
export declare function sameList(a?: string[] | null, b?: string[] | null): boolean;
export declare function sameSet(a?: string[] | null, b?: string[] | null): boolean;
export declare function compareLabels(desired?: Record<string, unknown>, live?: Record<string, string>, imageLabels?: Record<string, string>): { field: string; before: string; after: string }[];
export declare function redact(text: string, secrets: Iterable<string>): string;
