/**
 * What an MCP type is: the part of a customer file that configures it, and how a server of that
 * type runs. Generators ask the type; they never switch on its name.
 */
import type { z } from 'zod';

/**
 * A container environment variable: a literal value or a reference to a credential variable. A credential entry
 * may name `fileEnv`, the variable through which the server reads the same value from a file instead (e.g.
 * GRAFANA_SERVICE_ACCOUNT_TOKEN_FILE); targets that mount credentials as files (Swarm secrets) set that one.
 */
export type EnvEntry =
  | { name: string; value: string }
  | { name: string; credential: CredentialRef; fileEnv?: string };

/** A credential the server needs: the variable that holds it, and what to put there. */
export interface CredentialRef {
  /** Environment variable name in the credentials file (e.g. GRAFANA_TOKEN_ACME). */
  variable: string;
  /** One line for the env template: what the value is and where to get it. */
  description: string;
}

/** How to tell whether the server inside its container is alive. */
export interface HealthProbe {
  /** GET this path on the container port answers 2xx (used where the server offers it). */
  httpPath?: string;
  /** Command that runs inside the container (compose healthcheck); absent when the image has no tool for it. */
  command?: string[];
  /**
   * How Kubernetes probes the container: `http` GETs `httpPath` on the container port (only for servers that
   * answer it whatever the Host header, since the kubelet sends the pod IP); `tcp` only opens the port.
   */
  kubernetesProbe: 'http' | 'tcp';
}

/** Where a running server is reached from and by which names; the type uses it for args such as allowed hosts. */
export interface RunContext {
  containerPort: number;
  /** Host names clients use to reach the server (service name, localhost, …). */
  hostnames: string[];
}

/** CPU and memory for one server container. */
export interface Resources {
  /** CPU limit in cores, as compose writes it (e.g. "0.5"). */
  cpus: string;
  /** Memory limit with a binary unit suffix (e.g. "256M"). */
  memory: string;
}

/**
 * One MCP type. `S` is the zod schema of a server of this type in a customer file; its `type`
 * field is the literal discriminator.
 */
export interface McpType<S extends z.ZodObject = z.ZodObject> {
  /** Discriminator in customer files and in mcp_servers.json. */
  type: string;
  /** Human name for READMEs and comments. */
  title: string;
  /** Schema of a server entry in a customer file. */
  serverSchema: S;
  /** Default image, pinned to a version. The fleet config may override it. */
  image: string;
  /** Repository folder holding the image recipe, when the image is built from this repo. */
  buildContext?: string;
  /** Port the server listens on inside its container. */
  containerPort: number;
  /** MCP transport offered on the port. */
  transport: 'streamable-http';
  /** Path of the MCP endpoint. */
  path: string;
  /** Container command arguments (after the image's entrypoint). */
  args(context: RunContext): string[];
  /** Container environment for one configured server. */
  env(server: z.output<S>): EnvEntry[];
  /**
   * Every variable the server's container reads: what `env()` can set (including `fileEnv` names) and what the image
   * itself reads. A customer's credential variable may not take one of these names (see schema/reserved-variables.ts).
   */
  envNames: readonly string[];
  /** `config` object of the server in mcp_servers.json: upstream URL, region, *_env names — never values. */
  runtimeConfig(server: z.output<S>): Record<string, string>;
  /** Default CPU and memory limits. */
  resources: Resources;
  /** How compose and Kubernetes check the container. */
  health: HealthProbe;
}

/** Declares an MCP type with its schema type kept, so `env(server)` sees the exact fields. */
export function defineMcpType<S extends z.ZodObject>(definition: McpType<S>): McpType<S> {
  return definition;
}
