/**
 * out/k8s/monitoring.yaml (when fleet.config.ts monitoring.prometheusOperator is on, the default): for the
 * Prometheus Operator, a ServiceMonitor that scrapes the agent runtime's Service and a PrometheusRule with the
 * same rule groups as out/monitoring/mcpfleet-rules.yml. Both live in the agent's namespace.
 */
import { ApiObject, Chart } from 'cdk8s';
import type { Fleet } from '../../fleet/model.ts';
import { METRICS_PATH } from '../monitoring/index.ts';
import { ruleGroups } from '../monitoring/rules.ts';
import { memoryApp } from './customer-chart.ts';
import { AGENT_NAMESPACE, AGENT_POD_LABELS, AGENT_TOKEN_SECRET, MANAGED_BY, PORT_NAME } from './names.ts';
import type { Manifest } from './render.ts';

/** Relative to K8S_DIR. */
export const MONITORING_FILE = 'monitoring.yaml';
export const MONITORING_API_VERSION = 'monitoring.coreos.com/v1';

/** `groups`: the fleet's rule groups ({@link ruleGroups}), when the caller has them already. */
export function monitoringManifests(fleet: Fleet, groups = ruleGroups(fleet)): Manifest[] {
  const { monitoring } = fleet.config;
  const chart = new Chart(memoryApp(), 'monitoring', { disableResourceNameHashes: true });
  const labels = { ...MANAGED_BY, 'app.kubernetes.io/component': 'monitoring', ...monitoring.operatorLabels };
  new ApiObject(chart, 'service-monitor', {
    apiVersion: MONITORING_API_VERSION,
    kind: 'ServiceMonitor',
    metadata: { name: fleet.agent.serviceName, namespace: AGENT_NAMESPACE, labels },
    spec: {
      // The agent's Service carries the pod labels too; its job label is the Service name, as the rules expect.
      selector: { matchLabels: { ...AGENT_POD_LABELS } },
      namespaceSelector: { matchNames: [AGENT_NAMESPACE] },
      endpoints: [
        {
          port: PORT_NAME,
          path: METRICS_PATH,
          interval: monitoring.scrapeInterval,
          // The operator skips a ServiceMonitor whose Secret is missing: with scrapeWithToken the Secret must exist.
          ...(monitoring.scrapeWithToken && { authorization: { type: 'Bearer', credentials: { name: AGENT_TOKEN_SECRET, key: 'AGENT_API_TOKEN' } } }),
        },
      ],
    },
  });
  new ApiObject(chart, 'prometheus-rule', {
    apiVersion: MONITORING_API_VERSION,
    kind: 'PrometheusRule',
    metadata: { name: 'mcpfleet', namespace: AGENT_NAMESPACE, labels },
    spec: { groups },
  });
  return chart.toJson() as Manifest[];
}
