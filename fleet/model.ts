/**
 * The Fleet model: everything two outputs share is computed here once (names, ports, URLs, env,
 * credentials), and every generator reads it from here.
 */
import type { CredentialRef, EnvEntry, HealthProbe, Resources } from '../mcp-types/index.ts';
import type { CustomerGateway } from '../schema/customer.ts';
import type { FleetConfig } from '../schema/fleet-config.ts';

/** One MCP server of one customer, with every derived fact the outputs need. */
export interface FleetServer {
  customerId: string;
  type: string;
  /** Name within the customer: the type, or the server's own name when it has one. */
  name: string;
  /** Stable identity across runs: `<customer>/<name>`; keys the port allocation. */
  key: string;
  /** Compose service and Kubernetes Service/Deployment name: `mcp-<type>-<customer>[-<name>]`. */
  serviceName: string;
  /** Port on 127.0.0.1 of the Docker host, for local health checks. */
  hostPort: number;
  containerPort: number;
  path: string;
  transport: 'streamable-http';
  image: string;
  /** Repo folder with the image recipe, when the image is built here and not overridden. */
  buildContext?: string;
  args: string[];
  env: EnvEntry[];
  credentials: CredentialRef[];
  resources: Resources;
  health: HealthProbe;
  runtimeConfig: Record<string, string>;
  /** MCP URL inside the customer's compose network. */
  composeUrl: string;
  /** MCP URL inside a Kubernetes cluster. */
  kubernetesUrl: string;
  /** MCP URL through the published port on the Docker host. */
  localUrl: string;
  description?: string;
}

export interface FleetCustomer {
  id: string;
  /** Source file, relative to the repo root. */
  file: string;
  name: string;
  host: string;
  description: string;
  /** Compose network that only this customer's servers (and the agent) join. */
  network: string;
  /** Kubernetes namespace of the customer. */
  namespace: string;
  servers: FleetServer[];
  /** The customer's MCP endpoint on the agent (`/customers/<id>/mcp`): token variable name and tool filters. */
  gateway?: CustomerGateway;
  /** The bearer token MCP clients present at that endpoint; the agent needs it, so it is a credential of the agent. */
  gatewayToken?: CredentialRef;
}

/** The agent runtime: reads mcp_servers.json, connects to the selected customer's servers, serves the API and page. */
export interface FleetAgent {
  /** Compose service, Kubernetes Deployment and Service name. */
  serviceName: string;
  image: string;
  /** Repo folder used as build context (the Dockerfile is `dockerfile` inside it), unless the image is overridden. */
  buildContext?: string;
  dockerfile: string;
  containerPort: number;
  /** Port on 127.0.0.1 of the Docker host. */
  hostPort: number;
  /** Where the runtime reads its config inside the container. */
  configPath: string;
  resources: Resources;
  /** Replicas in Kubernetes and Swarm (compose runs one unless scaled behind its balancer). */
  replicas: number;
  /** Upper bound of the Kubernetes HorizontalPodAutoscaler. */
  maxReplicas: number;
  /** HAProxy in front of the replicas where the engine has no balancer of its own (Swarm without IPVS, compose). */
  balancer: {
    /** Swarm and compose service name. */
    serviceName: string;
    image: string;
  };
}

export interface Fleet {
  /** Sorted by id, servers in file order. */
  customers: FleetCustomer[];
  agent: FleetAgent;
  config: FleetConfig;
  /** Host port per server key, sorted by key. */
  ports: Record<string, number>;
}

/** All servers of the fleet in customer order. */
export function allServers(fleet: Fleet): FleetServer[] {
  return fleet.customers.flatMap((c) => c.servers);
}
