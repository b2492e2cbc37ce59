// `manage drift`: the report — differences grouped by customer (one line each: `customer X, service S: field:
// before → after`, before = what runs, after = what out/ asks for), orphans, missing services and tool drift; as
// text or JSON; the exit code (0 in sync, 2 drift, 1 when a new tool may change things and no gateway filter covers
// it: that fails by name). Secret values are scrubbed from every string before printing.
import { redact } from './drift-normalize.mjs';

/**
 * @typedef {object} DriftReport
 * @property {'compose'|'swarm'} target
 * @property {string} scope            what was looked at (compose project P / the swarm's stacks)
 * @property {{ files: string[], local: string|null }} desired   the files compared against; local: the override note
 * @property {boolean} inSync
 * @property {0|1|2} exitCode  1: an unsafe tool (new, not read-only, not covered by the customer's allow/deny lists)
 * @property {{ compared: number, differences: number, orphans: number, missing: number, toolChanges: number }} counts
 * @property {{ customer: string, service: string, field: string, before: string, after: string }[]} differences
 * @property {object[]} orphans
 * @property {object[]} missing
 * @property {{ checked: boolean, note?: string, changes: { customer: string, server: string, change: string, tool: string, detail?: string }[] }} tools
 * @property {number} seconds
 */

/** Assembles the report of one comparison and scrubs `secrets` out of every string in it. @returns {DriftReport} */
export function buildReport({ target, scope, desired, result, tools = { checked: false, changes: [] }, seconds = 0 }) {
  const changes = tools.changes ?? [];
  const counts = { compared: result.compared ?? 0, differences: result.differences.length, orphans: result.orphans.length, missing: result.missing.length, toolChanges: changes.length };
  const inSync = counts.differences + counts.orphans + counts.missing + counts.toolChanges === 0;
  const report = {
    target,
    scope,
    desired,
    inSync,
    // A new tool that may change things and that no filter covers is not drift to review later: it fails now, by name.
    exitCode: changes.some((c) => c.unsafe) ? 1 : inSync ? 0 : 2,
    counts,
    differences: sortBy(result.differences, (d) => [d.customer, d.service, d.field]),
    orphans: sortBy(result.orphans, (o) => [o.customer, o.stack ?? '', o.service]),
    missing: sortBy(result.missing, (m) => [m.customer, m.service]),
    tools: { ...tools, changes: sortBy(changes, (c) => [c.customer, c.server, c.tool]) },
    seconds,
  };
  return scrub(report, result.secrets ?? new Set());
}

const sortBy = (list, key) =>
  [...list].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return String(x[i] ?? '') < String(y[i] ?? '') ? -1 : 1;
    return 0;
  });

/** Every string of a value with the secrets replaced. */
function scrub(value, secrets) {
  if (secrets.size === 0) return value;
  if (typeof value === 'string') return redact(value, secrets);
  if (Array.isArray(value)) return value.map((v) => scrub(v, secrets));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, secrets)]));
  return value;
}

const who = (customer, service) => (customer ? `customer ${customer}, service ${service}` : `agent, service ${service}`);
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`;

/** What to run to bring an orphan away. */
function orphanHint(report, o) {
  if (report.target === 'compose') return '`pnpm manage up` removes it (compose --remove-orphans)';
  if (o.reason === 'customer no longer configured' || o.reason === 'stack no longer configured') return `remove its stack: docker stack rm ${o.stack}`;
  return `\`pnpm manage --target swarm up --customer ${o.customer}\` removes it (docker stack deploy --prune)`;
}

/** The report as text: a heading, differences by customer, orphans, missing, tool drift, a closing count. */
export function formatText(report) {
  const lines = [];
  const against = report.desired.files.join(' + ');
  lines.push(`Drift of ${report.scope} against ${against}${report.desired.local ? ` (${report.desired.local})` : ''}; before → after = running → out/.`);

  const byCustomer = new Map();
  const line = (customer, text) => byCustomer.set(customer, [...(byCustomer.get(customer) ?? []), text]);
  for (const d of report.differences) line(d.customer, `${who(d.customer, d.service)}: ${d.field}: ${d.before} → ${d.after}`);
  for (const c of report.tools.changes) {
    const where = [`customer ${c.customer}`, c.server && `server ${c.server}`].filter(Boolean).join(', ');
    line(c.customer, `${where}: ${c.tool ? `tool ${c.tool}: ` : 'tools: '}${c.change}${c.unsafe ? ' (not read-only, not covered by the gateway filter)' : ''}${c.detail ? `: ${c.detail}` : ''}`);
  }
  for (const customer of [...byCustomer.keys()].sort()) {
    lines.push('', customer ? `customer ${customer}:` : 'agent:');
    for (const text of byCustomer.get(customer)) lines.push(`  ${text}`);
  }
  if (report.orphans.length > 0) {
    lines.push('', 'orphans (running, not in out/):');
    for (const o of report.orphans) {
      const what = report.target === 'compose' ? `container ${o.container} (${o.state})` : `service ${o.swarmService} of stack ${o.stack}`;
      lines.push(`  ${o.customer ? `customer ${o.customer}` : 'no customer'}, service ${o.service}: orphan (${o.reason}): ${what}; ${orphanHint(report, o)}`);
    }
  }
  if (report.missing.length > 0) {
    lines.push('', 'missing (in out/, not running):');
    for (const m of report.missing) {
      const up = report.target === 'compose' ? `pnpm manage up${m.customer ? ` --customer ${m.customer}` : ''}` : `pnpm manage --target swarm up${m.customer ? ` --customer ${m.customer}` : ''}`;
      lines.push(`  ${who(m.customer, m.service)}: missing: no ${report.target === 'compose' ? 'container' : `service ${m.swarmService}`}; ${up}`);
    }
  }
  if (!report.tools.checked && report.tools.note) lines.push('', report.tools.note);
  lines.push('');
  const seconds = `${report.seconds.toFixed(1)} s`;
  if (report.inSync) lines.push(`In sync: ${plural(report.counts.compared, 'service')} as out/ asks${report.tools.checked ? ', tools as locked' : ''} (${seconds}).`);
  else {
    const parts = [plural(report.counts.differences, 'difference'), plural(report.counts.orphans, 'orphan'), `${report.counts.missing} missing`];
    if (report.tools.checked) parts.push(plural(report.counts.toolChanges, 'tool change'));
    lines.push(`Drift: ${parts.join(', ')} (${seconds}).`);
  }
  const unsafe = report.tools.changes.filter((c) => c.unsafe);
  if (unsafe.length > 0) {
    lines.push(
      `Unsafe: ${unsafe.map((c) => `${c.tool} (customer ${c.customer}, server ${c.server})`).join(', ')} may change things and no allowTools/denyTools of the customer covers it: review it, then deny it or lock it (pnpm manage tools lock).`,
    );
  }
  return lines.join('\n');
}

/** The report as JSON text (the same object, stable key order). */
export const formatJson = (report) => JSON.stringify(report, null, 2);
