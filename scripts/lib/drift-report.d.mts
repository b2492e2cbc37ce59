// Types of drift-report.mjs for the TypeScript tests (the scripts are plain JS).
import type { Difference } from './drift-normalize.mjs';

export interface ToolChange {
  customer: string;
  server?: string;
  change: string;
  tool?: string;
  detail?: string;
  unsafe?: boolean;
}
export interface DriftReport {
  target: 'compose' | 'swarm';
  scope: string;
  desired: { files: string[]; local: string | null };
  inSync: boolean;
  exitCode: 0 | 2;
  counts: { compared: number; differences: number; orphans: number; missing: number; toolChanges: number };
  differences: Difference[];
  orphans: Record<string, string>[];
  missing: Record<string, string>[];
  tools: { checked: boolean; note?: string; changes: ToolChange[] };
  seconds: number;
}
export declare function buildReport(args: {
  target: 'compose' | 'swarm';
  scope: string;
  desired: { files: string[]; local: string | null };
  result: { differences: Difference[]; orphans: object[]; missing: object[]; secrets?: Set<string>; compared?: number };
  tools?: { checked: boolean; note?: string; changes: ToolChange[] };
  seconds?: number;
}): DriftReport;
export declare function formatText(report: DriftReport): string;
export declare function formatJson(report: DriftReport): string;
