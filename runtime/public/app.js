// mcpfleet agent page: fleet overview, a customer's integrations (refreshed by themselves, with Reconnect), its gateway
// endpoint and client config, its tools grouped by server, and a panel that calls a tool through a form built from
// its input schema. Plain JavaScript, no build step. All upstream text is inserted with textContent, never as HTML.
'use strict';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
// ?refresh=<seconds> (1–300) sets the refresh period; default 5 s. The fleet table refreshes every third period.
const REFRESH_MS = Math.min(300, Math.max(1, Number(params.get('refresh')) || 5)) * 1000;
const FLEET_EVERY = 3;
const REQUEST_TIMEOUT_MS = 20000;

let token = sessionStorage.getItem('agentToken') || '';
const names = new Map(); // customer id → display name
let selected = null; // customer id shown
let toolGroups = []; // [{ name, type, state, tools: [...] }]
let toolsSignature = '';
let gatewayInfo = null;
let callTool = null; // the tool in the call panel
let timer = null;
let tick = 0;
let refreshing = false;
let failures = 0;

async function api(path, options = {}) {
  const headers = { accept: 'application/json', ...(options.body ? { 'content-type': 'application/json' } : {}) };
  const bearer = options.token === undefined ? token : options.token;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const controller = new AbortController();
  const abort = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  let res;
  try {
    res = await fetch(path, { method: options.method || 'GET', body: options.body, headers, signal: controller.signal });
  } finally {
    clearTimeout(abort);
  }
  let body = null;
  try { body = await res.json(); } catch { /* empty */ }
  if (options.raw) return { status: res.status, body };
  if (res.status === 401) {
    $('token-form').hidden = false;
    throw new Error('API token required');
  }
  if (!res.ok && !(body && typeof body === 'object' && 'success' in body)) {
    throw new Error((body && body.error) || `HTTP ${res.status}`);
  }
  return body;
}

function setStatus(text) { $('status').textContent = text; }

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = v;
    else if (k === 'className') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

const enc = encodeURIComponent;

function timeText(iso) {
  if (!iso) return 'never checked';
  const at = new Date(iso);
  const ago = Math.max(0, Math.round((Date.now() - at.getTime()) / 1000));
  const rel = ago < 60 ? `${ago} s ago` : ago < 3600 ? `${Math.round(ago / 60)} min ago` : `${Math.round(ago / 3600)} h ago`;
  return `checked ${at.toLocaleTimeString()} (${rel})`;
}

// ---- customers and selection ----

async function loadCustomers() {
  const data = await api('/api/customers');
  const select = $('customer');
  select.replaceChildren(el('option', { value: '', text: '— select a customer —' }));
  for (const c of data.customers) {
    names.set(c.id, c.name);
    select.append(el('option', { value: c.id, text: `${c.name} (${c.mcp_types.join(', ')})` }));
  }
  select.disabled = false;
  setStatus(`${data.customers.length} customers`);
  const wanted = params.get('customer');
  if (wanted) {
    const lowered = wanted.toLowerCase();
    const match = data.customers.find((c) => c.id === wanted) || data.customers.find((c) => c.id.toLowerCase() === lowered || c.name.toLowerCase() === lowered);
    if (match) {
      select.value = match.id;
      await switchTo(match.id);
    } else {
      setStatus(`Unknown customer in the link: ${wanted}`);
    }
  } else if (data.current_id) {
    select.value = data.current_id;
    selectInUrl(data.current_id);
    await show(data.current_id);
  }
  refreshNow();
}

function selectInUrl(id) {
  const url = new URL(location.href);
  if (id) url.searchParams.set('customer', id);
  else url.searchParams.delete('customer');
  history.replaceState(null, '', url);
}

async function switchTo(id) {
  selectInUrl(id);
  if (!id) return;
  const select = $('customer');
  select.disabled = true;
  setStatus('Connecting…');
  try {
    const result = await api('/api/customers/switch', { method: 'POST', body: JSON.stringify({ customer: id }) });
    const failed = result.failed_mcps.length;
    setStatus(`${result.customer}: ${result.connected_servers.length} connected, ${failed} failed, ${result.tool_count} tools (${Math.round(result.elapsed_ms)} ms)`);
    await show(id);
  } catch (error) {
    setStatus(`Switch failed: ${error.message}`);
  } finally {
    select.disabled = false;
  }
}

async function show(id) {
  if (selected !== id) {
    selected = id;
    toolsSignature = '';
    gatewayInfo = null;
    closeCall();
  }
  await Promise.all([loadServers(id), loadTools(id), loadGateway(id)]);
  markFleetSelection();
}

// ---- integrations ----

async function loadServers(id) {
  const data = await api(`/api/customers/${enc(id)}/servers`);
  if (selected !== id) return;
  renderServers(data.servers);
  summarize(id, data.servers);
}

// The status line follows the refreshes (the switch's answer is only its first value).
function summarize(id, servers) {
  const count = (health) => servers.filter((s) => s.health === health).length;
  const other = servers.length - count('up') - count('down');
  const tools = servers.reduce((n, s) => n + (s.tool_count || 0), 0);
  setStatus(`${names.get(id) || id}: ${count('up')} connected, ${count('down')} failed${other ? `, ${other} connecting` : ''}, ${tools} tools`);
}

function renderServers(servers) {
  $('integrations-empty').hidden = servers.length > 0;
  $('integrations-empty').textContent = servers.length ? '' : 'No integrations configured.';
  $('integrations').replaceChildren(...servers.map((s) => {
    const label = s.name === s.type ? s.type : `${s.type} · ${s.name}`;
    const meta = s.state === 'connected'
      ? `${s.transport} · ${s.tool_count} tools · ${s.latency_ms} ms`
      : null;
    const error = s.error || s.last_error;
    const reason = s.health !== 'up' && error ? `${error.reason}: ${error.message}` : null;
    return el('li', { className: `server state-${s.state} health-${s.health}`, 'data-server': s.name, 'data-state': s.state, 'data-health': s.health }, [
      el('strong', { text: label }),
      el('span', { className: 'badge', text: s.state === 'connected' && s.health === 'down' ? 'not answering' : s.state }),
      el('button', { type: 'button', className: 'reconnect', 'data-testid': 'reconnect', text: 'Reconnect', title: 'Connect again now, skipping the retry delay', onclick: (e) => reconnect(s.name, e.currentTarget) }),
      meta && el('span', { className: 'meta', text: meta }),
      reason && el('span', { className: 'reason', 'data-testid': 'reason', text: reason }),
      el('span', { className: 'checked', 'data-testid': 'checked', 'data-checked-at': s.last_checked_at || '', text: timeText(s.last_checked_at) }),
    ]);
  }));
}

async function reconnect(server, button) {
  const id = selected;
  if (!id) return;
  button.disabled = true;
  button.textContent = 'Reconnecting…';
  try {
    const data = await api(`/api/customers/${enc(id)}/reconnect`, { method: 'POST', body: JSON.stringify({ server }) });
    if (selected === id) {
      renderServers(data.servers);
      summarize(id, data.servers);
    }
    await loadTools(id);
  } catch (error) {
    setStatus(`Reconnect failed: ${error.message}`);
    button.disabled = false;
    button.textContent = 'Reconnect';
  }
}

// ---- tools ----

async function loadTools(id) {
  const data = await api(`/api/customers/${enc(id)}/tools`);
  if (selected !== id) return;
  const signature = JSON.stringify(data.servers.map((g) => [g.name, g.tools.map((t) => [t.name, t.description])]));
  toolGroups = data.servers;
  $('filter').disabled = false;
  if (signature !== toolsSignature) {
    toolsSignature = signature;
    renderTools();
  }
}

function renderTools() {
  const q = $('filter').value.trim().toLowerCase();
  const total = toolGroups.reduce((n, g) => n + g.tools.length, 0);
  let shownCount = 0;
  const groups = [];
  for (const group of toolGroups) {
    const shown = group.tools.filter((t) => !q || t.name.toLowerCase().includes(q) || (t.description || '').toLowerCase().includes(q));
    shownCount += shown.length;
    if (q && shown.length === 0) continue;
    groups.push(el('div', { className: 'tool-group', 'data-server': group.name }, [
      el('h3', { text: `${group.name === group.type ? group.name : `${group.type} · ${group.name}`} (${group.tools.length})` }),
      group.tools.length === 0 ? el('p', { className: 'muted', text: group.state === 'connected' ? 'No tools.' : 'No tools known (not connected yet).' }) : null,
      el('ul', {}, shown.map((t) => el('li', { 'data-tool': t.name }, [
        el('code', { text: t.name }),
        el('button', { type: 'button', className: 'call', 'data-testid': 'call-button', text: 'Call…', onclick: () => openCall(t) }),
        t.description ? el('span', { className: 'desc', text: t.description.length > 240 ? `${t.description.slice(0, 239)}…` : t.description }) : null,
      ]))),
    ]));
  }
  $('tool-count').textContent = q ? `(${shownCount} of ${total})` : `(${total})`;
  $('tools').replaceChildren(...groups);
}

// ---- gateway endpoint ----

async function loadGateway(id) {
  const data = await api(`/api/customers/${enc(id)}/client-config`);
  if (selected !== id) return;
  gatewayInfo = data;
  $('gateway-section').hidden = false;
  $('endpoint-url').textContent = data.endpoint ? data.endpoint.mcp : 'no endpoint (gateway off)';
  const auth = {
    'customer-token': `requires the customer's token ($${data.token_env})`,
    'api-token': 'requires AGENT_API_TOKEN',
    none: 'open (no token)',
    'token-unset': `closed: ${data.token_env} is not set on the agent`,
  }[data.auth] || data.auth;
  $('endpoint-auth').textContent = [auth, data.note].filter(Boolean).join(' · ');
  $('client-config').textContent = data.client_config ? JSON.stringify(data.client_config, null, 2) : '';
  $('copy-config').disabled = !data.client_config;
  $('copy-status').textContent = '';
  syncCallToken();
}

async function copyConfig() {
  const text = $('client-config').textContent;
  try {
    await navigator.clipboard.writeText(text);
    $('copy-status').textContent = 'Copied';
  } catch {
    // No clipboard permission: select the text so Ctrl+C copies it.
    const range = document.createRange();
    range.selectNodeContents($('client-config'));
    const selection = getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    $('copy-status').textContent = document.execCommand && document.execCommand('copy') ? 'Copied' : 'Selected: press Ctrl+C';
  }
}

// ---- call a tool ----

function schemaType(prop) {
  const type = Array.isArray(prop.type) ? prop.type.find((t) => t !== 'null') : prop.type;
  if (Array.isArray(prop.enum) && prop.enum.length) return 'enum';
  if (type === 'string' || type === 'number' || type === 'integer' || type === 'boolean') return type;
  return 'json';
}

function openCall(tool) {
  callTool = tool;
  $('call-section').hidden = false;
  $('call-tool').textContent = tool.name;
  $('call-description').textContent = tool.description || '';
  $('call-result').hidden = true;
  $('call-result').textContent = '';
  delete $('call-result').dataset.outcome;
  $('call-status').textContent = '';
  const schema = tool.input_schema && typeof tool.input_schema === 'object' ? tool.input_schema : {};
  const props = schema.properties && typeof schema.properties === 'object' ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const fields = Object.entries(props).map(([key, raw]) => field(key, raw && typeof raw === 'object' ? raw : {}, required.has(key)));
  if (fields.length === 0 && schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
    fields.push(field('', { type: 'object', description: 'All arguments as one JSON object' }, false));
  }
  $('call-fields').replaceChildren(...(fields.length ? fields : [el('p', { className: 'muted', text: 'This tool takes no arguments.' })]));
  syncCallToken();
  $('call-section').scrollIntoView({ block: 'nearest' });
}

function field(key, prop, required) {
  const kind = schemaType(prop);
  const id = `arg-${key || 'all'}`;
  const common = { id, name: key, 'data-field': key, 'data-kind': kind, 'data-required': required ? 'true' : 'false', 'data-testid': `arg-${key || 'all'}` };
  let input;
  if (kind === 'enum') {
    input = el('select', common, [required ? null : el('option', { value: '', text: '—' }), ...prop.enum.map((v) => el('option', { value: JSON.stringify(v), text: String(v) }))]);
    if (prop.default !== undefined) input.value = JSON.stringify(prop.default);
  } else if (kind === 'boolean') {
    input = el('input', { ...common, type: 'checkbox' });
    input.checked = prop.default === true;
  } else if (kind === 'number' || kind === 'integer') {
    input = el('input', { ...common, type: 'number', step: kind === 'integer' ? '1' : 'any', required });
    if (typeof prop.default === 'number') input.value = String(prop.default);
  } else if (kind === 'string') {
    input = el('input', { ...common, type: 'text', required });
    if (typeof prop.default === 'string') input.value = prop.default;
  } else {
    const type = Array.isArray(prop.type) ? prop.type.find((t) => t !== 'null') : prop.type;
    input = el('textarea', { ...common, rows: '3', placeholder: type === 'array' ? '[ … ] (JSON)' : '{ … } (JSON)' });
    if (prop.default !== undefined) input.value = JSON.stringify(prop.default, null, 2);
  }
  const label = key || 'arguments';
  return el('div', { className: 'field' }, [
    el('label', { for: id }, [el('code', { text: label }), required ? el('span', { className: 'required', text: ' *' }) : null, el('span', { className: 'muted', text: ` ${kind === 'json' ? 'JSON' : kind}` })]),
    input,
    prop.description ? el('span', { className: 'hint', text: prop.description }) : null,
  ]);
}

function collectArguments() {
  const args = {};
  for (const input of $('call-fields').querySelectorAll('[data-field]')) {
    const key = input.dataset.field;
    const kind = input.dataset.kind;
    const required = input.dataset.required === 'true';
    const name = key || 'arguments';
    if (kind === 'boolean') {
      if (input.checked || required) args[key] = input.checked;
      continue;
    }
    const raw = input.value;
    if (raw.trim() === '' && kind !== 'string') {
      if (required) throw new Error(`${name} is required`);
      continue;
    }
    if (kind === 'string') {
      if (raw === '' && !required) continue;
      args[key] = raw;
    } else if (kind === 'number' || kind === 'integer') {
      const n = Number(raw);
      if (!Number.isFinite(n) || (kind === 'integer' && !Number.isInteger(n))) throw new Error(`${name} must be ${kind === 'integer' ? 'an integer' : 'a number'}`);
      args[key] = n;
    } else if (kind === 'enum') {
      args[key] = JSON.parse(raw);
    } else {
      let value;
      try { value = JSON.parse(raw); } catch (error) { throw new Error(`${name} is not valid JSON: ${error.message}`); }
      if (key === '') {
        if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('arguments must be a JSON object');
        Object.assign(args, value);
      } else args[key] = value;
    }
  }
  return args;
}

function syncCallToken() {
  const id = selected;
  const needs = gatewayInfo && gatewayInfo.auth === 'customer-token';
  $('call-token-row').hidden = !needs;
  $('call-token-env').textContent = needs ? `($${gatewayInfo.token_env})` : '';
  if (needs) $('call-token').value = sessionStorage.getItem(`customerToken:${id}`) || '';
}

function closeCall() {
  callTool = null;
  $('call-section').hidden = true;
}

async function runCall(e) {
  e.preventDefault();
  const id = selected;
  const tool = callTool;
  if (!id || !tool) return;
  let args;
  try {
    args = collectArguments();
  } catch (error) {
    $('call-status').textContent = error.message;
    return;
  }
  const needsCustomerToken = gatewayInfo && gatewayInfo.auth === 'customer-token';
  let bearer = token;
  if (needsCustomerToken) {
    bearer = $('call-token').value.trim();
    sessionStorage.setItem(`customerToken:${id}`, bearer);
  }
  $('call-status').textContent = 'Calling…';
  $('call-result').dataset.outcome = 'pending';
  const started = performance.now();
  let answer;
  try {
    answer = await api(`/api/customers/${enc(id)}/tools/call`, { method: 'POST', body: JSON.stringify({ tool: tool.name, arguments: args }), token: bearer, raw: true });
  } catch (error) {
    answer = { status: 0, body: { error: error.message } };
  }
  if (selected !== id || callTool !== tool) return;
  const ms = Math.round(performance.now() - started);
  const out = $('call-result');
  out.hidden = false;
  if (answer.status === 200) {
    const result = answer.body.result || {};
    out.dataset.outcome = result.isError ? 'error' : 'ok';
    out.textContent = resultText(result);
    $('call-status').textContent = `${result.isError ? 'tool error' : 'ok'} · ${ms} ms`;
  } else {
    out.dataset.outcome = 'failed';
    const message = (answer.body && answer.body.error) || `HTTP ${answer.status}`;
    out.textContent = answer.status === 401 && needsCustomerToken ? `${message}\nEnter the customer's token above.` : message;
    $('call-status').textContent = `HTTP ${answer.status} · ${ms} ms`;
  }
}

function resultText(result) {
  const parts = [];
  for (const item of result.content || []) {
    if (item.type === 'text') parts.push(item.text);
    else parts.push(JSON.stringify(item, null, 2));
  }
  if (result.structuredContent !== undefined) parts.push(`structuredContent:\n${JSON.stringify(result.structuredContent, null, 2)}`);
  return parts.join('\n\n') || '(empty result)';
}

// ---- fleet overview ----

async function loadFleet() {
  const data = await api('/api/fleet');
  const t = data.totals;
  $('fleet-summary').textContent = `${data.customers.length} customers · ${t.up} up · ${t.down} down${t.checking ? ` · ${t.checking} checking` : ''}${t.unknown ? ` · ${t.unknown} not checked yet` : ''}`;
  $('fleet-rows').replaceChildren(...data.customers.map((c) => el('tr', { 'data-customer': c.id }, [
    el('th', { scope: 'row' }, [el('a', { href: `?customer=${enc(c.id)}`, text: c.name, onclick: (e) => { e.preventDefault(); pick(c.id); } })]),
    el('td', {}, c.servers.length ? c.servers.map((s) => el('span', {
      className: `chip health-${s.health}`,
      'data-server': s.name,
      'data-health': s.health,
      title: [`${s.type} · ${s.health}`, timeText(s.last_checked_at), s.error ? `${s.error.reason}: ${s.error.message}` : null].filter(Boolean).join('\n'),
      text: s.name,
    })) : [el('span', { className: 'muted', text: 'no servers' })]),
  ])));
  markFleetSelection();
}

function markFleetSelection() {
  for (const row of $('fleet-rows').children) row.classList.toggle('selected', row.dataset.customer === selected);
}

function pick(id) {
  $('customer').value = id;
  void switchTo(id);
}

// ---- refresh loop: one refresh at a time, paused while the tab is hidden, slower after failures ----

function schedule() {
  clearTimeout(timer);
  timer = null;
  if (document.hidden) {
    $('refreshed').textContent = 'paused (tab hidden)';
    return;
  }
  timer = setTimeout(refresh, Math.min(60000, REFRESH_MS * 2 ** Math.min(failures, 4)));
}

function refreshNow() {
  clearTimeout(timer);
  void refresh();
}

async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    const jobs = [];
    if (selected) jobs.push(loadServers(selected), loadTools(selected));
    if (tick % FLEET_EVERY === 0) jobs.push(loadFleet());
    tick++;
    await Promise.all(jobs);
    failures = 0;
    $('refreshed').textContent = `updated ${new Date().toLocaleTimeString()} · every ${REFRESH_MS / 1000} s`;
  } catch (error) {
    failures++;
    $('refreshed').textContent = `refresh failed: ${error.message}`;
  } finally {
    refreshing = false;
    schedule();
  }
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden) schedule();
  else refreshNow();
});

$('customer').addEventListener('change', (e) => switchTo(e.target.value));
$('filter').addEventListener('input', renderTools);
$('copy-config').addEventListener('click', copyConfig);
$('call-form').addEventListener('submit', runCall);
$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  token = $('token').value.trim();
  sessionStorage.setItem('agentToken', token);
  $('token-form').hidden = true;
  loadCustomers().catch((error) => setStatus(error.message));
});

loadCustomers().catch((error) => setStatus(error.message));
