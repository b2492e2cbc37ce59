/**
 * What every output needs to run the agent runtime as several replicas behind a load balancer (issue 15): the
 * session secret all replicas share, and the drain timing of a graceful stop. Kubernetes, Swarm and the compose
 * override all take these values from here, so the stop grace each engine gives a task always covers the drain.
 *
 * The runtime's contract: with AGENT_SESSION_SECRET (or AGENT_SESSION_SECRET_FILE) set, a 2025-era session is
 * sealed into its session id, so any replica serves any request; on SIGTERM /readyz turns 503 at once, the
 * runtime keeps serving for AGENT_DRAIN_DELAY_MS (so Endpoints, the balancer's health checks and DNS drop it),
 * then stops accepting connections and lets in-flight calls finish for up to AGENT_DRAIN_TIMEOUT_MS.
 */

/** The variable holding the shared session key (≥ 32 characters), and its file form (Swarm secrets). */
export const SESSION_SECRET_VARIABLE = 'AGENT_SESSION_SECRET';
export const SESSION_SECRET_FILE_VARIABLE = 'AGENT_SESSION_SECRET_FILE';
/** The key accepted besides the current one while rotating. */
export const SESSION_SECRET_PREVIOUS_VARIABLE = 'AGENT_SESSION_SECRET_PREVIOUS';
export const SESSION_SECRET_PREVIOUS_FILE_VARIABLE = 'AGENT_SESSION_SECRET_PREVIOUS_FILE';

/**
 * How long a stopping replica keeps serving with /readyz at 503 before it closes its listener. It must outlast
 * the time the engine's balancer needs to stop sending it new requests: Kubernetes Endpoints and kube-proxy
 * (seconds), the HAProxy health check of the Swarm and compose balancers (`inter 1s fall 2`: ≤ 2 s, measured in
 * the Swarm e2e), and DNS answers the balancer still holds (`hold valid 1s`).
 */
export const AGENT_DRAIN_DELAY_MS = 5_000;
/** Upper bound for in-flight calls after the listener closed (the runtime's default, written out so the grace below visibly covers it). */
export const AGENT_DRAIN_TIMEOUT_MS = 20_000;
/** Beyond delay + timeout: the process's own exit, SSE streams closing. */
export const AGENT_STOP_MARGIN_S = 5;
/** What Kubernetes (terminationGracePeriodSeconds) and Swarm (stop_grace_period) wait after SIGTERM before SIGKILL. */
export const AGENT_STOP_GRACE_S = Math.ceil((AGENT_DRAIN_DELAY_MS + AGENT_DRAIN_TIMEOUT_MS) / 1000) + AGENT_STOP_MARGIN_S;

/** The drain settings as container environment (values as strings). */
export function drainEnvironment(): Record<string, string> {
  return { AGENT_DRAIN_DELAY_MS: String(AGENT_DRAIN_DELAY_MS), AGENT_DRAIN_TIMEOUT_MS: String(AGENT_DRAIN_TIMEOUT_MS) };
}

/** How to make a session key, for messages and docs (64 characters of base64). */
export const SESSION_SECRET_HOWTO = 'openssl rand -base64 48';
