/**
 * The fleet's Prometheus alert rules, shared by out/monitoring/ (a rules file) and out/k8s/monitoring.yaml (a
 * PrometheusRule). One group for the agent runtime, then one group per customer: every expression of a customer's
 * group selects `customer="<id>"`, so a threshold of its own is one value in its own group, and adding a customer
 * adds a group without touching another customer's lines.
 */
import type { Fleet, FleetCustomer } from '../../fleet/model.ts';
import type { FleetConfig } from '../../schema/fleet-config.ts';
import { CLIENT_DURATION_BUCKET, ERROR_OUTCOME_REGEX, TOOL_CALLS, TOOLS_CALL_METHOD, UPSTREAM_UP } from './metrics.ts';

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

type MonitoringSettings = FleetConfig['monitoring'];

/** Alert names, for tests and docs. */
export const ALERTS = {
  agentDown: 'McpAgentDown',
  agentAbsent: 'McpAgentMetricsAbsent',
  serverDown: 'McpServerDown',
  errorRatio: 'McpErrorRatioHigh',
  latencyP95: 'McpLatencyP95High',
} as const;

export const AGENT_GROUP = 'mcpfleet-agent';
export const customerGroupName = (customer: FleetCustomer): string => `mcpfleet-customer-${customer.id}`;

/**
 * Prometheus expands annotations and labels as Go templates: text of a customer file (its display name) goes in as
 * a literal, so a `{{` in it is printed rather than run.
 */
export const templateLiteral = (text: string): string => text.replaceAll('{{', '{{ "{{" }}');

/** The scrape job of the agent runtime: the compose scrape config's job_name and, in Kubernetes, the Service name (the ServiceMonitor's default job label). */
export const agentJob = (fleet: Fleet): string => fleet.agent.serviceName;

function agentGroup(fleet: Fleet, settings: MonitoringSettings): RuleGroup {
  const job = agentJob(fleet);
  return {
    name: AGENT_GROUP,
    rules: [
      {
        alert: ALERTS.agentDown,
        expr: `up{job="${job}"} == 0`,
        for: settings.agentDownFor,
        labels: { severity: 'critical' },
        annotations: {
          summary: 'The mcpfleet agent runtime {{ $labels.instance }} cannot be scraped',
          description: `Prometheus has not scraped /metrics of {{ $labels.instance }} (job ${job}) for ${settings.agentDownFor}: the runtime is down, unreachable, or refuses the scrape's token. Every customer's MCP endpoint on it is affected.`,
        },
      },
      {
        alert: ALERTS.agentAbsent,
        expr: `absent(up{job="${job}"})`,
        for: settings.agentDownFor,
        labels: { severity: 'warning' },
        annotations: {
          summary: 'No mcpfleet agent runtime is being scraped',
          description: `Prometheus has had no target of job ${job} for ${settings.agentDownFor}: the scrape config (or ServiceMonitor) is not loaded, or no agent runs. No other mcpfleet alert can fire without it.`,
        },
      },
    ],
  };
}

/** 0.05 → "5%" (without binary noise such as 7.000000000000001). */
const percent = (ratio: number): string => `${Number((ratio * 100).toPrecision(12))}%`;

function customerGroup(customer: FleetCustomer, settings: MonitoringSettings): RuleGroup {
  const id = customer.id;
  // The expressions keep the customer label; stating it also makes each customer's rules distinct to promtool's lint.
  const labels = (severity: string) => ({ severity, customer: id });
  const name = templateLiteral(customer.name);
  const calls = (extra = '') => `sum by (customer) (rate(${TOOL_CALLS}{customer="${id}"${extra}}[${settings.errorRatio.window}]))`;
  const { errorRatio, latencyP95 } = settings;
  return {
    name: customerGroupName(customer),
    rules: [
      {
        alert: ALERTS.serverDown,
        // max over the agent's replicas: down when none of them reaches the server (one alert per server, not per pod).
        expr: `max by (customer, server) (${UPSTREAM_UP}{customer="${id}"}) == 0`,
        for: settings.serverDownFor,
        labels: labels('critical'),
        annotations: {
          summary: `MCP server {{ $labels.server }} of ${name} ({{ $labels.customer }}) is down`,
          description: `The agent runtime's health probe (an MCP handshake) has not reached server {{ $labels.server }} of customer {{ $labels.customer }} for ${settings.serverDownFor}; its tools fail until it is back.`,
        },
      },
      {
        alert: ALERTS.errorRatio,
        expr: `${calls(`,outcome=~"${ERROR_OUTCOME_REGEX}"`)} / ${calls()} > ${errorRatio.threshold}`,
        for: errorRatio.for,
        labels: labels('warning'),
        annotations: {
          summary: `{{ $value | humanizePercentage }} of ${name}'s tool calls fail upstream`,
          description: `Over ${errorRatio.window}, {{ $value | humanizePercentage }} of the tool calls of customer {{ $labels.customer }} ended ${ERROR_OUTCOME_REGEX.replace('|', ' or ')} (threshold ${percent(errorRatio.threshold)}, for ${errorRatio.for}).`,
        },
      },
      {
        alert: ALERTS.latencyP95,
        expr: `histogram_quantile(0.95, sum by (customer, le) (rate(${CLIENT_DURATION_BUCKET}{customer="${id}",mcp_method_name="${TOOLS_CALL_METHOD}"}[${latencyP95.window}]))) > ${latencyP95.threshold}`,
        for: latencyP95.for,
        labels: labels('warning'),
        annotations: {
          summary: `p95 latency of ${name}'s tool calls is {{ $value | humanizeDuration }}`,
          description: `Over ${latencyP95.window}, the 95th percentile of tools/call durations from the agent to the upstream servers of customer {{ $labels.customer }} was {{ $value | humanizeDuration }} (threshold ${latencyP95.threshold} s, for ${latencyP95.for}).`,
        },
      },
    ],
  };
}

/** Every rule group of the fleet: the agent's, then one per customer in customer order. */
export function ruleGroups(fleet: Fleet): RuleGroup[] {
  return [agentRuleGroup(fleet), ...fleet.customers.map((customer) => customerRuleGroup(customer, fleet))];
}

/** The agent's rule group. */
export const agentRuleGroup = (fleet: Fleet): RuleGroup => agentGroup(fleet, fleet.config.monitoring);

/** The rule group of one customer. */
export const customerRuleGroup = (customer: FleetCustomer, fleet: Fleet): RuleGroup => customerGroup(customer, fleet.config.monitoring);
