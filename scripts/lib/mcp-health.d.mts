// Types of mcp-health.mjs for the TypeScript tests (the scripts are plain JS).
export interface Probe {
  healthy: boolean;
  tools?: number;
  latencyMs?: number;
  reason?: string;
  server?: string;
  /** The tools themselves, with `{ listTools: true }` (every page of tools/list). */
  toolList?: Array<{ name: string; inputSchema?: unknown; annotations?: Record<string, unknown> }>;
}
export declare function probeMcp(url: string, timeoutMs?: number, options?: { listTools?: boolean }): Promise<Probe>;
export declare function probeHttp(url: string, timeoutMs?: number): Promise<Probe>;
