/**
 * out/haproxy/mcp-agent.cfg: HAProxy in front of the agent runtime's replicas where the engine offers no balancer
 * that works here — the Swarm stack (its routing mesh and virtual IPs need IPVS, which this machine's kernel lacks;
 * a host-mode port is bound by one task per node) and the compose replicas override (compose publishes a fixed
 * port from one container only). The same file serves both: the backend name comes from AGENT_BACKEND in the
 * balancer's environment (`<service>:<port>`), resolved through Docker's embedded DNS, which answers a service name
 * (Swarm: `endpoint_mode: dnsrr`) with the address of every replica.
 *
 * No stickiness: with AGENT_SESSION_SECRET any replica serves any request. Draining: a stopping replica answers
 * /readyz with 503 at once and keeps serving for AGENT_DRAIN_DELAY_MS; the health check (every second, down after
 * two failures) stops new requests to it within about 2 s, well inside that delay. A connection refused or closed
 * without a response (a keep-alive connection the replica closed as it stopped) is retried on another replica.
 */
import type { Fleet } from '../fleet/model.ts';
import { GENERATED_MARKER } from './generator.ts';

export const BALANCER_CONFIG_FILE = 'haproxy/mcp-agent.cfg';
/** Where the HAProxy images (official and Debian-based) read their configuration. */
export const BALANCER_CONFIG_TARGET = '/usr/local/etc/haproxy/haproxy.cfg';
/** The environment variable naming the backend, `<service>:<port>`. */
export const BALANCER_BACKEND_VARIABLE = 'AGENT_BACKEND';
/** Server slots the DNS answers fill; more replicas than this are not used. */
export const BALANCER_SLOTS = 16;
/** HAProxy stops gracefully (finishing its requests) on SIGUSR1; SIGTERM would cut them. */
export const BALANCER_STOP_SIGNAL = 'SIGUSR1';
/** Health-check timing of each replica: the time to take a draining replica out is about inter × fall. */
export const BALANCER_CHECK = { interMs: 1000, fall: 2, rise: 1 } as const;

/** Server slots: never fewer than the HPA-style upper bound of the fleet config. */
export const balancerSlots = (fleet: Fleet): number => Math.max(BALANCER_SLOTS, fleet.agent.maxReplicas);

export function balancerConfig(fleet: Fleet): string {
  const port = fleet.agent.containerPort;
  const lines = [
    GENERATED_MARKER,
    `HAProxy in front of the agent runtime replicas (Swarm stack file out/swarm/agent.yml, compose override`,
    `out/docker-compose.agent-replicas.yml). ${BALANCER_BACKEND_VARIABLE}=<service>:<port> names the replicas; Docker's DNS gives their addresses.`,
    'Runs on HAProxy 2.6 (Debian 12) and later.',
  ].map((line) => `# ${line}`);
  const body = `
global
    log stdout format raw daemon notice
    maxconn 4096
    # A soft stop (SIGUSR1) lets requests in progress finish, but not longer than this.
    hard-stop-after 30s

defaults
    mode http
    log global
    option dontlognull
    timeout connect 2s
    timeout http-request 30s
    timeout http-keep-alive 10s
    timeout queue 10s
    # Tool calls and event streams (SSE) run long; the runtime bounds a call itself and closes streams when it drains.
    timeout client 10m
    timeout server 10m
    timeout tunnel 10m
    # A request that found no replica, or whose connection was closed without an answer, goes to another one.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response

resolvers docker
    nameserver dns 127.0.0.11:53
    accepted_payload_size 8192
    resolve_retries 3
    timeout resolve 1s
    timeout retry 1s
    hold valid 1s
    hold other 1s
    hold refused 1s
    hold nx 1s
    hold timeout 1s
    hold obsolete 1s

frontend agent
    bind :${port}
    default_backend replicas

backend replicas
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server check inter ${BALANCER_CHECK.interMs}ms fall ${BALANCER_CHECK.fall} rise ${BALANCER_CHECK.rise} resolvers docker resolve-prefer ipv4 init-addr none
    server-template replica 1-${balancerSlots(fleet)} "\${${BALANCER_BACKEND_VARIABLE}}"
`;
  return `${lines.join('\n')}\n${body}`;
}
