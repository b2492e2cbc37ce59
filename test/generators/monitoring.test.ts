/**
 * The monitoring generator: rules checked and unit-tested by Debian's promtool (each alert made to fire and not to
 * fire by input series), the Prometheus config checked by promtool, the dashboard checked against Grafana's own
 * types (@grafana/schema) and its queries parsed by promtool, the Kubernetes ServiceMonitor and PrometheusRule
 * validated by @kubernetes-models/prometheus-operator (and against its types for unknown fields) and built by kubectl.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { diffLines } from 'diff';
import yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import type { Fleet } from '../../fleet/model.ts';
import { GENERATED_MARKER } from '../../generators/generator.ts';
import { generators } from '../../generators/index.ts';
import { DASHBOARD_FILE, monitoringFiles, monitoringGenerator, PROMETHEUS_FILE, RULES_FILE } from '../../generators/monitoring/index.ts';
import { ALERTS, ruleGroups } from '../../generators/monitoring/rules.ts';
import type { CustomerInput } from '../../schema/customer.ts';
import { MONITORING_DEFAULTS } from '../../schema/fleet-config.ts';
import { typeCheckJson } from '../helpers/typecheck-json.ts';
import { CUSTOMERS, fleetOf, generate, type K8sObject, objectsOf, parseDocs, writeTree } from './kubernetes-fixtures.ts';

const files = (fleet: Fleet) => new Map(monitoringFiles(fleet).map((f) => [f.path, f.content]));
const { 'vattenfall-de': vattenfall, segurcaixa } = CUSTOMERS;
/** A display name that is a Go template if pasted as it is. */
const ODD_NAME = 'Templ {{ .Evil }} Co';
const ODD: CustomerInput = { name: ODD_NAME, host: 'odd.example.com', mcpServers: [{ type: 'alertmanager', url: 'http://odd.example.com:9093' }] };
const fleet = fleetOf({ 'vattenfall-de': vattenfall!, segurcaixa: segurcaixa!, 'odd-name': ODD });
const out = files(fleet);

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
function tempDirWith(content: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcpfleet-monitoring-'));
  tempDirs.push(dir);
  for (const [name, text] of Object.entries(content)) writeFileSync(path.join(dir, name), text);
  return dir;
}

function promtool(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('promtool', args, { cwd, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr }),
    );
  });
}

describe('monitoring generator: files', () => {
  it('is registered as "monitoring" and writes the rules, a Prometheus config and the dashboard under out/monitoring/', () => {
    expect(generators).toContain(monitoringGenerator);
    expect([...out.keys()]).toEqual(['monitoring/mcpfleet-rules.yml', 'monitoring/prometheus.yml', 'monitoring/grafana-dashboard.json']);
    for (const file of [RULES_FILE, PROMETHEUS_FILE]) expect(out.get(file)!.startsWith(`# ${GENERATED_MARKER}\n`), file).toBe(true);
    expect(JSON.parse(out.get(DASHBOARD_FILE)!).description).toContain(GENERATED_MARKER);
  });

  it('is deterministic and adding a customer only adds lines (its own rule group)', () => {
    expect(files(fleet)).toEqual(out);
    const before = files(fleetOf({ 'vattenfall-de': vattenfall!, segurcaixa: segurcaixa! }));
    const after = files(fleetOf({ 'vattenfall-de': vattenfall!, segurcaixa: segurcaixa!, 'nordlicht-energie': CUSTOMERS['nordlicht-energie']! }));
    const removed = diffLines(before.get(RULES_FILE)!, after.get(RULES_FILE)!).filter((part) => part.removed);
    expect(removed).toEqual([]);
    const added = diffLines(before.get(RULES_FILE)!, after.get(RULES_FILE)!).filter((part) => part.added).map((part) => part.value).join('');
    expect(added).toContain('- name: mcpfleet-customer-nordlicht-energie');
    expect(added).not.toMatch(/customer="(vattenfall-de|segurcaixa)"/);
    // The dashboard and the Prometheus config do not depend on the customers at all.
    expect(after.get(DASHBOARD_FILE)).toBe(before.get(DASHBOARD_FILE));
    expect(after.get(PROMETHEUS_FILE)).toBe(before.get(PROMETHEUS_FILE));
  });

  it('takes thresholds, windows and durations from fleet.config.ts monitoring', () => {
    const tuned = files(
      fleetOf({ segurcaixa: segurcaixa! }, { monitoring: { serverDownFor: '90s', errorRatio: { threshold: 0.2, window: '10m' }, latencyP95: { threshold: 0.75, for: '1h' }, scrapeInterval: '15s' } }),
    );
    const groups = (yaml.load(tuned.get(RULES_FILE)!) as { groups: Array<{ name: string; rules: Array<Record<string, string>> }> }).groups;
    const rule = (alert: string) => groups[1]!.rules.find((r) => r.alert === alert)!;
    expect(rule(ALERTS.serverDown).for).toBe('90s');
    expect(rule(ALERTS.errorRatio).expr).toMatch(/\[10m\]\)\) > 0\.2$/);
    expect(rule(ALERTS.errorRatio).for).toBe(MONITORING_DEFAULTS.errorRatio.for);
    expect(rule(ALERTS.latencyP95).expr).toMatch(/> 0\.75$/);
    expect(rule(ALERTS.latencyP95).for).toBe('1h');
    expect((yaml.load(tuned.get(PROMETHEUS_FILE)!) as { scrape_configs: Array<Record<string, unknown>> }).scrape_configs[0]!.scrape_interval).toBe('15s');
  });

  it('refuses a duration Prometheus would not parse and an unknown key, naming the field', () => {
    expect(() => fleetOf({ segurcaixa: segurcaixa! }, { monitoring: { serverDownFor: '5 minutes' } })).toThrow(/serverDownFor.*Prometheus duration/);
    expect(() => fleetOf({ segurcaixa: segurcaixa! }, { monitoring: { errorRatio: { threshold: 5 } } })).toThrow(/threshold/);
    expect(() => fleetOf({ segurcaixa: segurcaixa! }, { monitoring: { serverDownFor: '1m', severity: 'x' } })).toThrow(/severity/);
  });
});

describe('monitoring generator: Prometheus (promtool)', () => {
  it('promtool check rules accepts the rules (expressions and annotation templates)', async () => {
    const dir = tempDirWith({ 'rules.yml': out.get(RULES_FILE)! });
    const result = await promtool(['check', 'rules', 'rules.yml'], dir);
    expect(result.output).toContain(`SUCCESS: ${2 + 3 * 3} rules found`);
    expect(result.code).toBe(0);
  });

  it('promtool check rules catches a broken expression (the check is real)', async () => {
    const broken = out.get(RULES_FILE)!.replace('== 0', '== ');
    const result = await promtool(['check', 'rules', 'rules.yml'], tempDirWith({ 'rules.yml': broken }));
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/parse error/);
  });

  it('promtool check config accepts prometheus.yml with its rules and the token file', async () => {
    const dir = tempDirWith({ 'mcpfleet-rules.yml': out.get(RULES_FILE)!, token: 'test-token\n' });
    const config = out.get(PROMETHEUS_FILE)!.replaceAll(MONITORING_DEFAULTS.tokenFile, path.join(dir, 'token'));
    writeFileSync(path.join(dir, 'prometheus.yml'), config);
    const result = await promtool(['check', 'config', 'prometheus.yml'], dir);
    expect(result.output).toContain('SUCCESS: 1 rule files found');
    expect(result.code).toBe(0);
    const scrape = (yaml.load(config) as { scrape_configs: Array<Record<string, any>> }).scrape_configs[0]!;
    expect(scrape).toMatchObject({ job_name: 'mcp-agent', metrics_path: '/metrics', static_configs: [{ targets: ['127.0.0.1:8080'] }], authorization: { type: 'Bearer' } });
    // Without a token the job has no authorization section.
    const open = files(fleetOf({ segurcaixa: segurcaixa! }, { monitoring: { scrapeWithToken: false } })).get(PROMETHEUS_FILE)!;
    expect((yaml.load(open) as { scrape_configs: Array<Record<string, unknown>> }).scrape_configs[0]!.authorization).toBeUndefined();
  });

  it('promtool test rules: every alert fires on input that should fire it, and only then', async () => {
    const up = (customer: string, server: string, instance = 'agent-a:8080') => `mcpfleet_upstream_up{customer="${customer}",server="${server}",job="mcp-agent",instance="${instance}"}`;
    const calls = (customer: string, outcome: string) => `mcpfleet_tool_calls_total{customer="${customer}",server="grafana",tool="search",outcome="${outcome}",job="mcp-agent",instance="agent-a:8080"}`;
    const bucket = (customer: string, le: string, method = 'tools/call') =>
      `mcp_client_operation_duration_seconds_bucket{customer="${customer}",mcp_method_name="${method}",error_type="",le="${le}",job="mcp-agent",instance="agent-a:8080"}`;
    const serverDownAnnotations = (customer: string, name: string, server: string) => ({
      summary: `MCP server ${server} of ${name} (${customer}) is down`,
      description: `The agent runtime's health probe (an MCP handshake) has not reached server ${server} of customer ${customer} for 5m; its tools fail until it is back.`,
    });
    const tests = {
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          name: 'server down: fires after serverDownFor (5m) of 0, per customer and server; a server one replica still reaches is not down',
          interval: '1m',
          input_series: [
            { series: up('vattenfall-de', 'alertmanager'), values: '1 1 0x20' },
            { series: up('vattenfall-de', 'grafana'), values: '1x22' },
            { series: up('odd-name', 'alertmanager'), values: '1 1 0x20' },
            { series: up('segurcaixa', 'grafana', 'agent-a:8080'), values: '0x22' },
            { series: up('segurcaixa', 'grafana', 'agent-b:8080'), values: '1x22' },
          ],
          alert_rule_test: [
            { eval_time: '6m', alertname: ALERTS.serverDown, exp_alerts: [] },
            {
              eval_time: '8m',
              alertname: ALERTS.serverDown,
              exp_alerts: [
                { exp_labels: { severity: 'critical', customer: 'odd-name', server: 'alertmanager' }, exp_annotations: serverDownAnnotations('odd-name', ODD_NAME, 'alertmanager') },
                { exp_labels: { severity: 'critical', customer: 'vattenfall-de', server: 'alertmanager' }, exp_annotations: serverDownAnnotations('vattenfall-de', 'Vattenfall DE', 'alertmanager') },
              ],
            },
          ],
        },
        {
          name: 'server back up: the alert resolves',
          interval: '1m',
          input_series: [{ series: up('vattenfall-de', 'alertmanager'), values: '0x10 1x10' }],
          alert_rule_test: [
            { eval_time: '8m', alertname: ALERTS.serverDown, exp_alerts: [{ exp_labels: { severity: 'critical', customer: 'vattenfall-de', server: 'alertmanager' }, exp_annotations: serverDownAnnotations('vattenfall-de', 'Vattenfall DE', 'alertmanager') }] },
            { eval_time: '12m', alertname: ALERTS.serverDown, exp_alerts: [] },
          ],
        },
        {
          name: 'error ratio: 10% upstream_error fires after 10m; 1% timeout plus tool errors does not',
          interval: '1m',
          input_series: [
            { series: calls('vattenfall-de', 'ok'), values: '0+90x40' },
            { series: calls('vattenfall-de', 'upstream_error'), values: '0+10x40' },
            { series: calls('segurcaixa', 'ok'), values: '0+99x40' },
            { series: calls('segurcaixa', 'timeout'), values: '0+1x40' },
            { series: calls('segurcaixa', 'tool_error'), values: '0+50x40' },
          ],
          alert_rule_test: [
            { eval_time: '8m', alertname: ALERTS.errorRatio, exp_alerts: [] },
            {
              eval_time: '20m',
              alertname: ALERTS.errorRatio,
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', customer: 'vattenfall-de' },
                  exp_annotations: {
                    summary: "10% of Vattenfall DE's tool calls fail upstream",
                    description: 'Over 5m, 10% of the tool calls of customer vattenfall-de ended upstream_error or timeout (threshold 5%, for 10m).',
                  },
                },
              ],
            },
          ],
        },
        {
          name: 'p95 latency: most tools/call take 2.5-5 s for one customer (fires), a slow tools/list for the other does not count',
          interval: '1m',
          input_series: [
            { series: bucket('vattenfall-de', '1'), values: '0+1x40' },
            { series: bucket('vattenfall-de', '2.5'), values: '0+2x40' },
            { series: bucket('vattenfall-de', '5'), values: '0+10x40' },
            { series: bucket('vattenfall-de', '+Inf'), values: '0+10x40' },
            { series: bucket('segurcaixa', '0.5'), values: '0+10x40' },
            { series: bucket('segurcaixa', '+Inf'), values: '0+10x40' },
            { series: bucket('segurcaixa', '0.5', 'tools/list'), values: '0x40' },
            { series: bucket('segurcaixa', '+Inf', 'tools/list'), values: '0+10x40' },
          ],
          alert_rule_test: [
            { eval_time: '8m', alertname: ALERTS.latencyP95, exp_alerts: [] },
            {
              eval_time: '20m',
              alertname: ALERTS.latencyP95,
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', customer: 'vattenfall-de' },
                  exp_annotations: {
                    summary: "p95 latency of Vattenfall DE's tool calls is 4.844s",
                    description: 'Over 5m, the 95th percentile of tools/call durations from the agent to the upstream servers of customer vattenfall-de was 4.844s (threshold 2 s, for 10m).',
                  },
                },
              ],
            },
          ],
        },
        {
          name: 'agent: down when its scrape fails for agentDownFor; absent when nothing scrapes it',
          interval: '1m',
          input_series: [{ series: 'up{job="mcp-agent",instance="127.0.0.1:8080"}', values: '1 1 0x20' }],
          alert_rule_test: [
            { eval_time: '6m', alertname: ALERTS.agentDown, exp_alerts: [] },
            { eval_time: '8m', alertname: ALERTS.agentDown, exp_alerts: [{ exp_labels: { severity: 'critical', job: 'mcp-agent', instance: '127.0.0.1:8080' }, exp_annotations: expect.anything() }] },
            { eval_time: '8m', alertname: ALERTS.agentAbsent, exp_alerts: [] },
          ],
        },
        {
          name: 'agent absent',
          interval: '1m',
          input_series: [{ series: 'up{job="something-else",instance="x:1"}', values: '1x10' }],
          alert_rule_test: [
            { eval_time: '4m', alertname: ALERTS.agentAbsent, exp_alerts: [] },
            { eval_time: '6m', alertname: ALERTS.agentAbsent, exp_alerts: [{ exp_labels: { severity: 'warning', job: 'mcp-agent' }, exp_annotations: expect.anything() }] },
          ],
        },
      ],
    };
    // promtool compares annotations exactly when given: fill in the agent ones from the generated rules.
    const agentRules = ruleGroups(fleet)[0]!.rules;
    for (const test of tests.tests)
      for (const check of test.alert_rule_test)
        for (const alert of check.exp_alerts as Array<{ exp_annotations: unknown; exp_labels: Record<string, string> }>)
          if (typeof alert.exp_annotations !== 'object' || !('summary' in (alert.exp_annotations as object))) {
            const rule = agentRules.find((r) => r.alert === check.alertname)!;
            alert.exp_annotations = Object.fromEntries(
              Object.entries(rule.annotations).map(([k, v]) => [k, v.replaceAll('{{ $labels.instance }}', alert.exp_labels.instance ?? '')]),
            );
          }
    const dir = tempDirWith({ 'rules.yml': out.get(RULES_FILE)!, 'rules.test.yml': yaml.dump(tests, { lineWidth: -1 }) });
    const result = await promtool(['test', 'rules', 'rules.test.yml'], dir);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);

    // The same tests fail against rules with another threshold: they test the values, not just the names.
    const stricter = files(fleetOf({ 'vattenfall-de': vattenfall!, segurcaixa: segurcaixa!, 'odd-name': ODD }, { monitoring: { errorRatio: { threshold: 0.2 } } }));
    writeFileSync(path.join(dir, 'rules.yml'), stricter.get(RULES_FILE)!);
    const failing = await promtool(['test', 'rules', 'rules.test.yml'], dir);
    expect(failing.code).not.toBe(0);
    expect(failing.output).toContain(`alertname: ${ALERTS.errorRatio}`);
  });
});

describe('monitoring generator: Grafana dashboard', () => {
  const board = JSON.parse(out.get(DASHBOARD_FILE)!);
  type Panel = { id: number; type: string; title: string; options: unknown; fieldConfig: { defaults: { custom?: unknown } }; targets: Array<{ refId: string; expr: string }> };
  const panels = board.panels as Panel[];
  /** The panel plugins' own option and field-config types in @grafana/schema, by panel type. */
  const PANEL_TYPES: Record<string, string> = { timeseries: 'TimeSeries', 'state-timeline': 'StateTimeline' };
  const imports = [
    "import type { Dashboard } from '@grafana/schema';",
    "import type * as TimeSeries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';",
    "import type * as StateTimeline from '@grafana/schema/dist/esm/raw/composable/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen';",
  ];
  const checks = (value: typeof board) => [
    { name: 'dashboard', type: 'Dashboard', value },
    ...(value.panels as Panel[]).flatMap((panel, i) => [
      { name: `panel${i}Options`, type: `${PANEL_TYPES[panel.type]}.Options`, value: panel.options },
      { name: `panel${i}FieldConfig`, type: `${PANEL_TYPES[panel.type]}.FieldConfig`, value: panel.fieldConfig.defaults.custom },
    ]),
  ];

  it('has the customer and datasource variables and the panels the issue asks for', () => {
    const variables = board.templating.list as Array<Record<string, any>>;
    expect(variables.map((v) => v.name)).toEqual(['datasource', 'customer']);
    expect(variables[1]).toMatchObject({ type: 'query', multi: true, includeAll: true, query: { query: 'label_values(mcpfleet_upstream_up, customer)' } });
    expect(panels.map((p) => p.title)).toEqual(['Tool calls / s by outcome', 'Upstream errors / s by server', 'Error ratio', 'tools/call latency p50 / p95', 'Upstream up per server']);
    for (const panel of panels) for (const t of panel.targets) expect(t.expr, `${panel.id}${t.refId}`).toContain('customer=~"$customer"');
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    // The alert thresholds are drawn from the fleet config.
    expect(panels[2]!.fieldConfig).toMatchObject({ defaults: { thresholds: { steps: [{ color: 'green' }, { color: 'red', value: MONITORING_DEFAULTS.errorRatio.threshold }] } } });
    expect(panels[3]!.fieldConfig).toMatchObject({ defaults: { thresholds: { steps: [{ color: 'green' }, { color: 'red', value: MONITORING_DEFAULTS.latencyP95.threshold }] } } });
  });

  it('type-checks against Grafana\'s dashboard model and panel plugin types from @grafana/schema', async () => {
    expect(Object.keys(PANEL_TYPES)).toEqual(expect.arrayContaining([...new Set(panels.map((p) => p.type))]));
    expect(await typeCheckJson(imports, checks(board))).toEqual([]);
  });

  it('the type check catches an unknown field, a bad enum value and a wrong type (it is real)', async () => {
    // tsc reports one error per checked value, so each mistake goes into a copy of its own.
    const unknownField = structuredClone(board);
    unknownField.panelz = [];
    const badEnum = structuredClone(board);
    badEnum.panels[0].options.legend.displayMode = 'lisst';
    const wrongType = structuredClone(board);
    wrongType.panels[4].gridPos.w = '24';
    const diagnostics = await typeCheckJson(imports, [
      { name: 'unknownField', type: 'Dashboard', value: unknownField },
      { name: 'badEnum', type: 'TimeSeries.Options', value: badEnum.panels[0].options },
      { name: 'wrongType', type: 'Dashboard', value: wrongType },
    ]);
    expect(diagnostics).toHaveLength(3);
    expect(diagnostics[0]).toMatch(/panelz.* does not exist/);
    expect(diagnostics[1]).toMatch(/"lisst"/);
    expect(diagnostics[2]).toMatch(/Type 'string' is not assignable to type 'number'/);
  });

  it('every panel query is PromQL that promtool parses (with the Grafana variables filled in)', async () => {
    const record = panels.flatMap((panel) =>
      panel.targets.map((t) => ({ record: `dashboard:panel${panel.id}:${t.refId}`, expr: t.expr.replaceAll('$customer', '.+').replaceAll('$__rate_interval', '1m') })),
    );
    const dir = tempDirWith({ 'dashboard.yml': yaml.dump({ groups: [{ name: 'dashboard', rules: record }] }) });
    const result = await promtool(['check', 'rules', 'dashboard.yml'], dir);
    expect(result.output).toContain(`SUCCESS: ${record.length} rules found`);
  });
});

describe('monitoring generator: Kubernetes (Prometheus Operator)', () => {
  const k8s = generate(fleet);
  const monitoring = parseDocs(k8s.get('k8s/monitoring.yaml')!);
  const serviceMonitor = monitoring.find((o) => o.kind === 'ServiceMonitor')!;
  const prometheusRule = monitoring.find((o) => o.kind === 'PrometheusRule')!;
  const imports = [
    "import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';",
    "import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';",
  ];

  it('writes out/k8s/monitoring.yaml with a ServiceMonitor and a PrometheusRule in the agent namespace, listed in the kustomization', () => {
    expect(k8s.get('k8s/monitoring.yaml')!.startsWith(`# ${GENERATED_MARKER}\n`)).toBe(true);
    expect(monitoring.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'monitoring.coreos.com/v1 ServiceMonitor mcp-agent/mcp-agent',
      'monitoring.coreos.com/v1 PrometheusRule mcp-agent/mcpfleet',
    ]);
    expect((yaml.load(k8s.get('k8s/kustomization.yaml')!) as { resources: string[] }).resources).toContain('monitoring.yaml');
    // The ServiceMonitor selects the agent's Service and scrapes its port by name, with the API token.
    const service = objectsOf(k8s).find((o) => o.object.kind === 'Service' && o.object.metadata.name === 'mcp-agent')!.object as K8sObject;
    expect(service.metadata.labels).toMatchObject(serviceMonitor.spec.selector.matchLabels);
    expect(service.spec.ports.map((p: { name: string }) => p.name)).toContain(serviceMonitor.spec.endpoints[0].port);
    expect(serviceMonitor.spec.endpoints[0]).toMatchObject({ path: '/metrics', interval: '30s', authorization: { type: 'Bearer', credentials: { name: 'mcp-agent', key: 'AGENT_API_TOKEN' } } });
    // The PrometheusRule carries the very groups of the rules file.
    expect(prometheusRule.spec.groups).toEqual((yaml.load(out.get(RULES_FILE)!) as { groups: unknown }).groups);
  });

  it('passes @kubernetes-models/prometheus-operator validation and its types (no unknown field)', async () => {
    expect(() => new ServiceMonitor(serviceMonitor as never).validate()).not.toThrow();
    expect(() => new PrometheusRule(prometheusRule as never).validate()).not.toThrow();
    expect(await typeCheckJson(imports, [{ name: 'serviceMonitor', type: 'IServiceMonitor', value: serviceMonitor }, { name: 'prometheusRule', type: 'IPrometheusRule', value: prometheusRule }])).toEqual([]);
    // …and both checks catch what they are for.
    const wrongType = structuredClone(serviceMonitor);
    wrongType.spec.endpoints[0].interval = 30;
    expect(() => new ServiceMonitor(wrongType as never).validate()).toThrow(/interval/);
    const misspelt = structuredClone(prometheusRule);
    misspelt.spec.groups[0].rules[0].expression = 'up';
    expect((await typeCheckJson(imports, [{ name: 'rule', type: 'IPrometheusRule', value: misspelt }])).join('\n')).toMatch(/expression.* does not exist/);
  });

  it('kubectl kustomize builds the tree with both objects; monitoring.prometheusOperator: false leaves them out', () => {
    const dir = writeTree(k8s);
    tempDirs.push(dir);
    const built = parseDocs(execFileSync('kubectl', ['kustomize', `${dir}/k8s`], { encoding: 'utf8' }));
    expect(built.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1').map((o) => o.kind)).toEqual(['PrometheusRule', 'ServiceMonitor']);

    const without = generate(fleetOf(CUSTOMERS, { monitoring: { prometheusOperator: false } }));
    expect(without.has('k8s/monitoring.yaml')).toBe(false);
    expect((yaml.load(without.get('k8s/kustomization.yaml')!) as { resources: string[] }).resources).not.toContain('monitoring.yaml');
  });

  it('adds the configured labels for the Prometheus\' selectors, and no token when scrapeWithToken is off', () => {
    const labelled = parseDocs(generate(fleetOf(CUSTOMERS, { monitoring: { operatorLabels: { release: 'kube-prometheus-stack' }, scrapeWithToken: false } })).get('k8s/monitoring.yaml')!);
    for (const object of labelled) expect(object.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack', 'app.kubernetes.io/managed-by': 'mcpfleet' });
    expect(labelled[0]!.spec.endpoints[0].authorization).toBeUndefined();
  });
});
