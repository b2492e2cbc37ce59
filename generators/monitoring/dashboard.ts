/**
 * out/monitoring/grafana-dashboard.json: one Grafana dashboard for the whole fleet with a `customer` variable (its
 * values come from the metrics, so adding a customer does not change the file) and a `datasource` variable for
 * the Prometheus that scrapes the agent. Panels: calls by outcome, upstream errors by server, error ratio and p50/p95
 * latency (with the alert thresholds from the fleet config drawn in), upstream up per server.
 * Grafana's classic dashboard JSON model; test/generators/monitoring.test.ts checks it against @grafana/schema.
 */
import type { Fleet } from '../../fleet/model.ts';
import { GENERATED_MARKER } from '../generator.ts';
import { CLIENT_DURATION_BUCKET, ERROR_OUTCOME_REGEX, TOOL_CALLS, TOOLS_CALL_METHOD, UPSTREAM_UP } from './metrics.ts';

export const DASHBOARD_UID = 'mcpfleet-fleet';
/** Grafana's dashboard schema version this JSON is written in (Grafana migrates older ones on load). */
export const DASHBOARD_SCHEMA_VERSION = 39;

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;
const CUSTOMER = 'customer=~"$customer"';

type Json = Record<string, unknown>;

const target = (refId: string, expr: string, legendFormat: string): Json => ({ datasource: DATASOURCE, editorMode: 'code', expr, legendFormat, range: true, refId });

const legend = { calcs: [], displayMode: 'list', placement: 'bottom', showLegend: true };
const tooltip = { mode: 'multi', sort: 'desc' };

/** A time series panel; `threshold` draws a red dashed line at the alert threshold. */
function timeseries(id: number, title: string, description: string, gridPos: Json, unit: string, targets: Json[], threshold?: number): Json {
  return {
    id,
    type: 'timeseries',
    title,
    description,
    datasource: DATASOURCE,
    gridPos,
    targets,
    fieldConfig: {
      defaults: {
        unit,
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
          thresholdsStyle: { mode: threshold === undefined ? 'off' : 'dashed' },
        },
        thresholds: {
          mode: 'absolute',
          steps: [{ color: 'green', value: null }, ...(threshold === undefined ? [] : [{ color: 'red', value: threshold }])],
        },
      },
      overrides: [],
    },
    options: { legend, tooltip },
  };
}

export function dashboard(fleet: Fleet): Json {
  const { errorRatio, latencyP95 } = fleet.config.monitoring;
  const calls = (extra: string, window = '$__rate_interval') => `rate(${TOOL_CALLS}{${CUSTOMER}${extra}}[${window}])`;
  const errors = `,outcome=~"${ERROR_OUTCOME_REGEX}"`;
  const latency = (q: number) =>
    `histogram_quantile(${q}, sum by (customer, le) (rate(${CLIENT_DURATION_BUCKET}{${CUSTOMER},mcp_method_name="${TOOLS_CALL_METHOD}"}[$__rate_interval])))`;
  const up = `max by (customer, server) (${UPSTREAM_UP}{${CUSTOMER}})`;
  const panels: Json[] = [
    timeseries(1, 'Tool calls / s by outcome', `${TOOL_CALLS}: every tool call through the gateway and the API, by outcome.`, { h: 8, w: 12, x: 0, y: 0 }, 'reqps', [
      target('A', `sum by (customer, outcome) (${calls('')})`, '{{customer}} {{outcome}}'),
    ]),
    timeseries(
      2,
      'Upstream errors / s by server',
      `Tool calls that ended ${ERROR_OUTCOME_REGEX.replace('|', ' or ')}: the fleet's fault, not the caller's.`,
      { h: 8, w: 12, x: 12, y: 0 },
      'reqps',
      [target('A', `sum by (customer, server, outcome) (${calls(errors)})`, '{{customer}}/{{server}} {{outcome}}')],
    ),
    timeseries(
      3,
      'Error ratio',
      `Share of tool calls that ended ${ERROR_OUTCOME_REGEX.replace('|', ' or ')}; the dashed line is the McpErrorRatioHigh threshold (fleet.config.ts monitoring.errorRatio).`,
      { h: 8, w: 12, x: 0, y: 8 },
      'percentunit',
      [target('A', `sum by (customer) (${calls(errors)}) / sum by (customer) (${calls('')})`, '{{customer}}')],
      errorRatio.threshold,
    ),
    timeseries(
      4,
      'tools/call latency p50 / p95',
      'Durations of the agent\'s tools/call requests to the upstream servers (mcp.client.operation.duration); the dashed line is the McpLatencyP95High threshold (fleet.config.ts monitoring.latencyP95).',
      { h: 8, w: 12, x: 12, y: 8 },
      's',
      [target('A', latency(0.5), '{{customer}} p50'), target('B', latency(0.95), '{{customer}} p95')],
      latencyP95.threshold,
    ),
    {
      id: 5,
      type: 'state-timeline',
      title: 'Upstream up per server',
      description: `${UPSTREAM_UP}: whether the agent's health probe (an MCP handshake) reached the server; "down" on every replica for long enough fires McpServerDown.`,
      datasource: DATASOURCE,
      gridPos: { h: 10, w: 24, x: 0, y: 16 },
      targets: [target('A', up, '{{customer}}/{{server}}')],
      fieldConfig: {
        defaults: {
          custom: { fillOpacity: 80, lineWidth: 0 },
          mappings: [
            {
              type: 'value',
              options: { '0': { color: 'red', index: 0, text: 'down' }, '1': { color: 'green', index: 1, text: 'up' } },
            },
          ],
          thresholds: { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }] },
        },
        overrides: [],
      },
      options: { alignValue: 'left', legend, mergeValues: true, rowHeight: 0.9, showValue: 'auto', tooltip: { mode: 'single', sort: 'none' } },
    },
  ];

  return {
    uid: DASHBOARD_UID,
    title: 'MCP fleet',
    description: `${GENERATED_MARKER}. Tool calls, upstream errors, latency and upstream health of the mcpfleet agent runtime, per customer.`,
    tags: ['mcpfleet', 'mcp'],
    editable: true,
    graphTooltip: 1,
    schemaVersion: DASHBOARD_SCHEMA_VERSION,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    timezone: 'browser',
    fiscalYearStartMonth: 0,
    links: [],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    templating: {
      list: [
        { name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', hide: 0, refresh: 1, includeAll: false, multi: false },
        {
          name: 'customer',
          label: 'Customer',
          type: 'query',
          datasource: DATASOURCE,
          query: { query: `label_values(${UPSTREAM_UP}, customer)`, refId: 'customers' },
          refresh: 2,
          sort: 1,
          includeAll: true,
          allValue: '.+',
          multi: true,
          hide: 0,
        },
      ],
    },
    panels,
  };
}
