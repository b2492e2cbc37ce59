/**
 * Fixed names of the Kubernetes output and the labels it puts on objects. Names that depend on a customer or
 * server (namespace, service name, URL) come from the Fleet model; nothing here derives them again.
 */
import type { FleetCustomer, FleetServer } from '../../fleet/model.ts';

/** Folder under out/ holding the kustomization. */
export const K8S_DIR = 'k8s';
export const KUSTOMIZATION_FILE = 'kustomization.yaml';
/** The shared agent part, relative to K8S_DIR. */
export const AGENT_FILE = 'agent.yaml';
/** One customer's objects, relative to K8S_DIR (a folder of their own, so no customer id collides with agent.yaml). */
export const customerFile = (customer: FleetCustomer): string => `customers/${customer.id}.yaml`;

/** Secret in each customer namespace holding that customer's credentials; keys are the credential variable names. */
export const CREDENTIALS_SECRET = 'mcp-credentials';

/** Namespace of the agent runtime, the only one allowed to reach MCP servers. */
export const AGENT_NAMESPACE = 'mcp-agent';
/** Labels the agent runtime's pods carry; the customers' NetworkPolicies admit pods with exactly these. */
export const AGENT_POD_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/name': 'mcp-agent' };
/** Optional Secret in AGENT_NAMESPACE with key AGENT_API_TOKEN, the bearer token the agent API requires. */
export const AGENT_TOKEN_SECRET = 'mcp-agent';
/**
 * Secret in AGENT_NAMESPACE with the session key all agent replicas share (key AGENT_SESSION_SECRET, and
 * AGENT_SESSION_SECRET_PREVIOUS while rotating). Apart from AGENT_TOKEN_SECRET because it is machine-made:
 * scripts/k8s-secrets.mjs creates it with a random value when it is missing, and nobody ever needs to read it.
 */
export const AGENT_SESSION_SECRET = 'mcp-agent-session';
/** ConfigMap in AGENT_NAMESPACE holding mcp_servers.json with in-cluster URLs. */
export const SERVERS_CONFIGMAP = 'mcp-servers';
/**
 * ConfigMap of the tool locks of customers that serve only locked tools (tool-locks/<id>.json beside out/, which out/
 * never holds): made by scripts/k8s-tool-locks.mjs, mounted by the agent at {@link TOOL_LOCKS_MOUNT}.
 */
export const TOOL_LOCKS_CONFIGMAP = 'mcp-tool-locks';
/** Where the agent's pods find the tool locks (not under /config, whose ConfigMap mount is read-only). */
export const TOOL_LOCKS_MOUNT = '/tool-locks';

export const DEFAULT_DENY_POLICY = 'default-deny-ingress';
export const ALLOW_AGENT_POLICY = 'allow-mcp-agent';

/** Name of the MCP server container in each pod, and of its port. */
export const CONTAINER_NAME = 'mcp';
export const PORT_NAME = 'mcp';

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'mcpfleet', 'app.kubernetes.io/part-of': 'mcpfleet' } as const;

/** Labels that select one server's pods; they never change for a server, as a Deployment selector must not. */
export function selectorLabels(server: FleetServer): Record<string, string> {
  return { 'app.kubernetes.io/instance': server.serviceName, 'app.kubernetes.io/name': server.type };
}

/** Every label of a server's Deployment, pods and Service. */
export function serverLabels(server: FleetServer): Record<string, string> {
  return {
    ...selectorLabels(server),
    ...MANAGED_BY,
    'app.kubernetes.io/component': 'mcp-server',
    'mcpfleet.io/customer': server.customerId,
    'mcpfleet.io/server': server.name,
    'mcpfleet.io/type': server.type,
  };
}

export function customerLabels(customer: FleetCustomer): Record<string, string> {
  return { ...MANAGED_BY, 'mcpfleet.io/customer': customer.id };
}
