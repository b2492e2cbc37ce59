// mcpfleet agent page: customer dropdown, integrations with state, tools with a filter. No build step.
// All upstream text is inserted with textContent, never as HTML.
'use strict';

const $ = (id) => document.getElementById(id);
let tools = [];
let token = sessionStorage.getItem('agentToken') || '';
let refreshTimer = null;

async function api(path, options = {}) {
  const headers = { accept: 'application/json', ...(options.body ? { 'content-type': 'application/json' } : {}) };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(path, { ...options, headers });
  let body = null;
  try { body = await res.json(); } catch { /* empty */ }
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
    if (k === 'text') node.textContent = v;
    else if (k === 'className') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

async function loadCustomers() {
  const data = await api('/api/customers');
  const select = $('customer');
  select.replaceChildren(el('option', { value: '', text: '— select a customer —' }));
  for (const c of data.customers) {
    select.append(el('option', { value: c.id, text: `${c.name} (${c.mcp_types.join(', ')})` }));
  }
  select.disabled = false;
  if (data.current_id) {
    select.value = data.current_id;
    await showCurrent();
  }
  setStatus(`${data.customers.length} customers`);
}

async function switchTo(id) {
  if (!id) return;
  const select = $('customer');
  select.disabled = true;
  setStatus('Connecting…');
  try {
    const result = await api('/api/customers/switch', { method: 'POST', body: JSON.stringify({ customer: id }) });
    const failed = result.failed_mcps.length;
    setStatus(`${result.customer}: ${result.connected_servers.length} connected, ${failed} failed, ${result.tool_count} tools (${Math.round(result.elapsed_ms)} ms)`);
    await showCurrent();
  } catch (error) {
    setStatus(`Switch failed: ${error.message}`);
  } finally {
    select.disabled = false;
  }
}

async function showCurrent() {
  const [servers, toolList] = await Promise.all([api('/api/servers'), api('/api/tools')]);
  renderServers(servers.servers);
  tools = toolList.tools;
  $('filter').disabled = false;
  renderTools();
  clearTimeout(refreshTimer);
  if (servers.servers.some((s) => s.state === 'connecting')) refreshTimer = setTimeout(() => showCurrent().catch(() => {}), 1000);
}

function renderServers(servers) {
  $('integrations-empty').hidden = servers.length > 0;
  $('integrations-empty').textContent = servers.length ? '' : 'No integrations configured.';
  $('integrations').replaceChildren(...servers.map((s) => {
    const label = s.name === s.type ? s.type : `${s.type} · ${s.name}`;
    const meta = s.state === 'connected'
      ? `${s.transport} · ${s.tool_count} tools · ${s.latency_ms} ms`
      : null;
    const reason = s.state !== 'connected' && s.last_error ? `${s.last_error.reason}: ${s.last_error.message}` : null;
    return el('li', { className: `server state-${s.state}`, 'data-server': s.name, 'data-state': s.state }, [
      el('strong', { text: label }),
      el('span', { className: 'badge', text: s.state }),
      meta && el('span', { className: 'meta', text: meta }),
      reason && el('span', { className: 'reason', 'data-testid': 'reason', text: reason }),
    ]);
  }));
}

function renderTools() {
  const q = $('filter').value.trim().toLowerCase();
  const shown = tools.filter((t) => !q || t.name.toLowerCase().includes(q) || (t.description || '').toLowerCase().includes(q));
  $('tool-count').textContent = q ? `(${shown.length} of ${tools.length})` : `(${tools.length})`;
  $('tools').replaceChildren(...shown.map((t) => el('li', { 'data-tool': t.name }, [
    el('code', { text: t.name }),
    t.description ? el('span', { className: 'desc', text: t.description.length > 240 ? `${t.description.slice(0, 239)}…` : t.description }) : null,
  ])));
}

$('customer').addEventListener('change', (e) => switchTo(e.target.value));
$('filter').addEventListener('input', renderTools);
$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  token = $('token').value.trim();
  sessionStorage.setItem('agentToken', token);
  $('token-form').hidden = true;
  loadCustomers().catch((error) => setStatus(error.message));
});

loadCustomers().catch((error) => setStatus(error.message));
