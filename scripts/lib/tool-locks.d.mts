// Types of tool-locks.mjs for TypeScript importers (review/tool-lock-diff.ts, tests). See the .mjs for the docs.
export declare const LOCKS_DIR: string;
export declare const LOCK_MARKER: string;
export declare const HINTS: readonly ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'];

/** One locked tool: the hash of its input schema and its boolean annotations. */
export interface LockEntry {
  inputSchema: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** tool-locks/<customer>.json */
export interface ToolLock {
  $comment?: string;
  customer: string;
  servers: Record<string, { type: string; tools: Record<string, LockEntry> }>;
}

export interface LiveTool {
  name: string;
  inputSchema?: unknown;
  annotations?: Record<string, unknown>;
}

export interface LockChange {
  server: string;
  change: 'added' | 'removed' | 'changed';
  tool: string;
  detail: string;
  before?: LockEntry;
  after?: LockEntry;
}

/** A running MCP server as readFleetServices / readStacks describe it (only these fields are used). */
export interface LiveServer {
  customer: string;
  server: string;
  type: string;
  hostPort?: number;
  healthPath: string;
  role?: string;
}

export interface ToolDrift {
  customer: string;
  server?: string;
  change: 'added' | 'removed' | 'changed' | 'unreachable' | 'unlocked';
  tool?: string;
  detail: string;
  unsafe?: boolean;
}

export interface GatewayFilter {
  allow_tools?: string[];
  deny_tools?: string[];
}

export declare function canonicalJson(value: unknown, indent?: number): string;
export declare function schemaHash(schema: unknown): string;
export declare function lockEntry(tool: LiveTool): LockEntry;
export declare function buildLock(customer: string, servers: Array<{ name: string; type: string; tools: LiveTool[] }>): ToolLock;
export declare function formatLock(lock: ToolLock): string;
export declare function lockFile(locksDir: string, customer: string): string;
export declare function parseLock(text: string, where: string): ToolLock;
export declare function readLock(locksDir: string, customer: string): ToolLock | null;
export declare function writeLock(locksDir: string, lock: ToolLock): { file: string; changed: boolean };
export declare function isUnsafeTool(entry: LockEntry | undefined): boolean;
export declare function compareLocks(before: ToolLock | null | undefined, after: ToolLock | null | undefined): LockChange[];
export declare function describeEntry(entry: LockEntry): string;
export declare function filterCovers(gateway: GatewayFilter | undefined, server: string, tool: string): boolean;
export declare function filterAllows(gateway: GatewayFilter | undefined, server: string, tool: string): boolean;
export declare function gatewaysOf(runtimeConfigFile: string): Map<string, GatewayFilter | undefined>;
export declare function listLiveTools(
  servers: LiveServer[],
  options?: { timeoutMs?: number; concurrency?: number },
): Promise<Array<{ customer: string; server: string; type: string; ok: boolean; tools?: LiveTool[]; reason?: string }>>;
export declare function toolDrift(args: {
  root: string;
  customers?: string[];
  servers: LiveServer[];
  locksDir?: string;
  runtimeConfigFile?: string;
  timeoutMs?: number;
}): Promise<ToolDrift[]>;
export declare function lockTools(args: { servers: LiveServer[]; allServers?: LiveServer[]; locksDir: string; timeoutMs?: number }): Promise<
  Array<{ customer: string; file?: string; changed?: boolean; servers?: number; tools?: number; changes?: LockChange[]; failed?: Array<{ server: string; reason: string }> }>
>;
export declare function toolsCommand(
  sub: string | undefined,
  options: {
    servers: LiveServer[];
    allServers?: LiveServer[];
    customers?: string[];
    locksDir: string;
    runtimeConfigFile: string;
    json?: boolean;
    log?: (line: string) => void;
    error?: (line: string) => void;
  },
): Promise<number>;
