// Types of mcp-health.mjs for the TypeScript tests (the scripts are plain JS).
export interface Probe {
  healthy: boolean;
  tools?: number;
  latencyMs?: number;
  reason?: string;
  server?: string;
}
export declare function probeMcp(url: string, timeoutMs?: number): Promise<Probe>;
export declare function probeHttp(url: string, timeoutMs?: number): Promise<Probe>;
