/**
 * The monitoring generator (`monitoring`), out/monitoring/:
 * - mcpfleet-rules.yml: Prometheus alert rules (agent down, then per customer: server down, error ratio, p95 latency),
 *   thresholds from fleet.config.ts `monitoring`;
 * - prometheus.yml: a Prometheus config that scrapes the compose fleet's agent runtime and loads those rules
 *   (runnable as it is: `prometheus --config.file=out/monitoring/prometheus.yml`, or copy its scrape job);
 * - grafana-dashboard.json: the fleet dashboard with a customer variable.
 * The Kubernetes counterparts (ServiceMonitor, PrometheusRule) are part of out/k8s/ (generators/kubernetes/monitoring.ts).
 */
import yaml from 'js-yaml';
import type { Fleet } from '../../fleet/model.ts';
import { GENERATED_MARKER, type GeneratedFile, type Generator } from '../generator.ts';
import { toJson } from '../runtime-config.ts';
import { nestedYaml } from '../yaml-fragment.ts';
import { dashboard } from './dashboard.ts';
import { agentJob, agentRuleGroup, customerRuleGroup, ruleGroups } from './rules.ts';

export const MONITORING_DIR = 'monitoring';
export const RULES_FILE = `${MONITORING_DIR}/mcpfleet-rules.yml`;
export const PROMETHEUS_FILE = `${MONITORING_DIR}/prometheus.yml`;
export const DASHBOARD_FILE = `${MONITORING_DIR}/grafana-dashboard.json`;
/** Where the agent's /metrics is served (runtime/). */
export const METRICS_PATH = '/metrics';

/** Block YAML, keys in the order written, no line folding (one expression is one line, so a diff shows it). */
export const toRulesYaml = (value: unknown): string => yaml.dump(value, { lineWidth: -1, noRefs: true, sortKeys: false });

const header = (lines: string[]): string => [GENERATED_MARKER, ...lines].map((line) => `# ${line}\n`).join('');

/** The scrape job of the compose fleet's agent runtime, as it goes under `scrape_configs:`. */
export function agentScrapeJob(fleet: Fleet): Record<string, unknown> {
  const { monitoring } = fleet.config;
  return {
    job_name: agentJob(fleet),
    scrape_interval: monitoring.scrapeInterval,
    metrics_path: METRICS_PATH,
    ...(monitoring.scrapeWithToken && { authorization: { type: 'Bearer', credentials_file: monitoring.tokenFile } }),
    static_configs: [{ targets: [`127.0.0.1:${fleet.agent.hostPort}`] }],
  };
}

function rulesFile(fleet: Fleet, groups?: string[]): string {
  const { monitoring } = fleet.config;
  return (
    header([
      'Prometheus alert rules of the fleet: group mcpfleet-agent, then one group per customer (mcpfleet-customer-<id>).',
      `Thresholds: fleet.config.ts monitoring (server down ${monitoring.serverDownFor}, error ratio > ${monitoring.errorRatio.threshold} for ${monitoring.errorRatio.for}, p95 > ${monitoring.latencyP95.threshold} s for ${monitoring.latencyP95.for}).`,
      `Check: promtool check rules out/${RULES_FILE}`,
    ]) + (groups ? `groups:\n${nestedYaml(toRulesYaml([agentRuleGroup(fleet)]))}${groups.join('')}` : toRulesYaml({ groups: ruleGroups(fleet) }))
  );
}

function prometheusFile(fleet: Fleet): string {
  const { monitoring } = fleet.config;
  const token = monitoring.scrapeWithToken
    ? [`/metrics needs AGENT_API_TOKEN when the agent has one: put its value in ${monitoring.tokenFile} (an empty file when it has none).`]
    : ['Scrapes without a token (fleet.config.ts monitoring.scrapeWithToken: false): only right when the agent runs without AGENT_API_TOKEN.'];
  return (
    header([
      `Prometheus for the compose fleet: scrapes the agent runtime on 127.0.0.1:${fleet.agent.hostPort} (out/docker-compose.mcps.yml) and loads the alert rules beside this file.`,
      `Run: prometheus --config.file=out/${PROMETHEUS_FILE}   or copy the ${agentJob(fleet)} job into your own config and its rules file into its rule_files.`,
      ...token,
      'Alerts go nowhere until you add an alerting: section naming your Alertmanager.',
    ]) +
    toRulesYaml({
      global: { scrape_interval: monitoring.scrapeInterval, evaluation_interval: monitoring.scrapeInterval },
      rule_files: [RULES_FILE.slice(MONITORING_DIR.length + 1)],
      scrape_configs: [agentScrapeJob(fleet)],
    })
  );
}

export function monitoringFiles(fleet: Fleet, customerGroups?: string[]): GeneratedFile[] {
  return [
    { path: RULES_FILE, content: rulesFile(fleet, customerGroups) },
    { path: PROMETHEUS_FILE, content: prometheusFile(fleet) },
    { path: DASHBOARD_FILE, content: toJson(dashboard(fleet)) },
  ];
}

export const monitoringGenerator: Generator = {
  name: 'monitoring',
  description: 'Prometheus alert rules and scrape config for the compose fleet, and a Grafana dashboard (out/monitoring/)',
  generate: (fleet) => monitoringFiles(fleet),
  incremental: {
    // A customer's part: its rule group as the YAML item it is under `groups:`.
    customerParts: (fleet) => fleet.customers.map((customer) => nestedYaml(toRulesYaml([customerRuleGroup(customer, fleet)]))),
    assemble: (fleet, parts) => monitoringFiles(fleet, parts as string[]),
  },
};
