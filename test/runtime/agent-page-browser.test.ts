/**
 * The agent page in headless Chromium against real MCP servers started here (SDK fixtures and the protocol's
 * reference server, server-everything): a deep link opens a customer; the page refreshes by itself, so a stopped
 * server turns red and, once restarted, green without re-selecting; Reconnect; the fleet overview; tools grouped by
 * server; the gateway endpoint and its client config (copied); a tool called through the form built from its input
 * schema (string, number, enum, boolean), with the customer's token when its endpoint needs one. Screenshots go to
 * test-artifacts/agent-page/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startFixture } from './fixtures/mcp-fixture.ts';
import type { Fixture } from './fixtures/mcp-fixture.ts';
import { baseEnv, cleanup, customer, freePort, ROOT, server, startProcess, startRuntime, waitFor, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const SHOTS = join(ROOT, 'test-artifacts', 'agent-page');
const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const BETA_TOKEN = 'beta-gateway-token-0d4c8a6e2f';

const closers: Array<() => Promise<void>> = [];
let grafana: Fixture;
let alertmanager: Fixture;
let runtime: RuntimeProc;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const everythingPort = await freePort();
  const everything = startProcess(process.execPath, [EVERYTHING, 'streamableHttp'], { env: baseEnv({ PORT: String(everythingPort) }) });
  [grafana, alertmanager] = await Promise.all([startFixture({ name: 'grafana' }), startFixture({ name: 'alertmanager' })]);
  const beta = await startFixture({ name: 'beta' });
  closers.push(grafana.close, alertmanager.close, beta.close);
  const config = writeConfig([
    customer('acme', 'Acme', [server('grafana', grafana.url), server('alertmanager', alertmanager.url), server('everything', `http://127.0.0.1:${everythingPort}/mcp`, 'everything')]),
    { ...customer('beta', 'Beta', [server('grafana', beta.url)]), gateway: { token_env: 'GATEWAY_TOKEN_BETA', deny_tools: ['leak_*'] } },
  ]);
  // The runtime connects on first use: the reference server, the runtime and the browser start side by side.
  [runtime, browser] = await Promise.all([
    startRuntime(config, { args: ['--connect-timeout-ms', '2000'], env: { GATEWAY_TOKEN_BETA: BETA_TOKEN } }),
    chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    }),
    waitFor(() => /listening on port/.test(everything.output()), 'server-everything to listen', 20_000),
  ]);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: runtime.url });
}, 40_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await cleanup();
  await Promise.all(closers.map((c) => c().catch(() => {})));
});

/** A page with its errors collected; `?refresh=1` makes it refresh every second. */
async function open(query: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !m.text().includes('status of 401') && errors.push(m.text()));
  await page.goto(`${runtime.url}/${query}`);
  return { page, errors };
}

const serverItem = (page: Page, name: string) => page.getByTestId('integrations').locator(`li[data-server="${name}"]`);
const healthOf = (page: Page, name: string) => serverItem(page, name).getAttribute('data-health', { timeout: 2_000 }).catch(() => null);

describe('agent page', () => {
  it('a deep link opens the customer: overview, integrations, tools by server, gateway endpoint and client config', async () => {
    const { page, errors } = await open('?customer=acme&refresh=1');
    await expect.poll(() => page.getByTestId('customer-select').inputValue(), { timeout: 10_000 }).toBe('acme');
    await expect.poll(() => page.getByTestId('integrations').locator('li').evaluateAll((items) => items.map((li) => [li.getAttribute('data-server'), li.getAttribute('data-health')])), { timeout: 10_000 }).toEqual([
      ['grafana', 'up'],
      ['alertmanager', 'up'],
      ['everything', 'up'],
    ]);
    expect(await serverItem(page, 'grafana').getByTestId('checked').textContent()).toMatch(/^checked .+ \(\d+ s ago\)$/);

    // Fleet overview: every customer × server, with health.
    const fleet = page.getByTestId('fleet');
    await expect
      .poll(() => fleet.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-customer'), [...r.querySelectorAll('.chip')].map((c) => `${c.getAttribute('data-server')}:${c.getAttribute('data-health')}`)])), { timeout: 10_000 })
      .toEqual([
        ['acme', ['grafana:up', 'alertmanager:up', 'everything:up']],
        ['beta', ['grafana:up']],
      ]);

    // Tools grouped by server, with descriptions.
    const groups = page.getByTestId('tools').locator('.tool-group');
    expect(await groups.evaluateAll((items) => items.map((g) => g.getAttribute('data-server')))).toEqual(['grafana', 'alertmanager', 'everything']);
    expect(await groups.first().locator('li').first().getAttribute('data-tool')).toBe('grafana_echo');
    expect(await groups.first().locator('li').first().locator('.desc').textContent()).toBe('Echoes the text back.');
    expect(await groups.nth(2).locator('li[data-tool="everything_echo"]').count()).toBe(1);

    // Gateway endpoint and a client config to copy.
    const endpoint = `${runtime.url}/customers/acme/mcp`;
    expect(await page.getByTestId('endpoint-url').textContent()).toBe(endpoint);
    const config = JSON.parse((await page.getByTestId('client-config').textContent())!);
    expect(config).toEqual({ mcpServers: { acme: { type: 'http', url: endpoint } } });
    await page.getByTestId('copy-config').click();
    await expect.poll(() => page.getByTestId('copy-status').textContent()).toBe('Copied');
    expect(JSON.parse(await page.evaluate(() => navigator.clipboard.readText()))).toEqual(config);
    await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true });

    // Choosing another customer puts it in the URL (a link to share), and its endpoint needs its token.
    await page.getByTestId('customer-select').selectOption('beta');
    await expect.poll(() => new URL(page.url()).searchParams.get('customer')).toBe('beta');
    expect(new URL(page.url()).searchParams.get('refresh')).toBe('1');
    await expect.poll(() => page.getByTestId('endpoint-auth').textContent()).toContain("requires the customer's token ($GATEWAY_TOKEN_BETA)");
    const betaConfig = JSON.parse((await page.getByTestId('client-config').textContent())!);
    expect(betaConfig.mcpServers.beta.headers).toEqual({ Authorization: 'Bearer ${GATEWAY_TOKEN_BETA}' });
    expect(await page.content()).not.toContain(BETA_TOKEN);
    // Clicking a customer in the overview selects it too.
    await fleet.locator('tr[data-customer="acme"] a').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('customer')).toBe('acme');
    await expect.poll(() => page.getByTestId('endpoint-url').textContent()).toBe(endpoint);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a stopped server turns red and, restarted, green by itself; Reconnect connects at once', async () => {
    const { page, errors } = await open('?customer=acme&refresh=1');
    await expect.poll(() => healthOf(page, 'grafana'), { timeout: 10_000 }).toBe('up');
    const switches: string[] = [];
    page.on('request', (r) => r.method() === 'POST' && r.url().endsWith('/api/customers/switch') && switches.push(r.url()));

    await grafana.kill();
    await expect.poll(() => healthOf(page, 'grafana'), { timeout: 8_000 }).toBe('down');
    expect(await serverItem(page, 'grafana').getByTestId('reason').textContent()).toMatch(/^(refused|closed|http|unreachable): /);
    await expect.poll(() => page.locator('tr[data-customer="acme"] .chip[data-server="grafana"]').getAttribute('data-health'), { timeout: 8_000 }).toBe('down');
    await page.screenshot({ path: join(SHOTS, 'server-down.png'), fullPage: true });
    await grafana.restart();
    await expect.poll(() => healthOf(page, 'grafana'), { timeout: 10_000 }).toBe('up');
    expect(await serverItem(page, 'grafana').getAttribute('data-state')).toBe('connected');
    // Nobody re-selected the customer: the page's own refresh did it.
    expect(switches).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'server-recovered.png'), fullPage: true });

    // Reconnect: down long enough for a backoff, then one click.
    await alertmanager.kill();
    await expect.poll(() => healthOf(page, 'alertmanager'), { timeout: 8_000 }).toBe('down');
    await alertmanager.restart();
    const initializes = alertmanager.stats.initializes;
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/customers/acme/reconnect') && r.request().method() === 'POST');
    await serverItem(page, 'alertmanager').getByTestId('reconnect').click();
    expect((await answered).status()).toBe(200);
    await expect.poll(() => healthOf(page, 'alertmanager'), { timeout: 5_000 }).toBe('up');
    expect(alertmanager.stats.initializes).toBeGreaterThan(initializes);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('calls a tool through the form built from its input schema; a token customer needs its token', async () => {
    const { page, errors } = await open('?customer=acme&refresh=5');
    const tools = page.getByTestId('tools');
    await tools.locator('li[data-tool="grafana_add"]').waitFor({ timeout: 10_000 });

    // Numbers.
    await tools.locator('li[data-tool="grafana_add"]').getByTestId('call-button').click();
    expect(await page.getByTestId('call-tool').textContent()).toBe('grafana_add');
    expect(await page.getByTestId('arg-a').getAttribute('data-kind')).toBe('number');
    await page.getByTestId('arg-a').fill('20');
    await page.getByTestId('arg-b').fill('22');
    await page.getByTestId('call-run').click();
    const result = page.getByTestId('call-result');
    await expect.poll(() => result.getAttribute('data-outcome'), { timeout: 10_000 }).toBe('ok');
    expect(await result.textContent()).toContain('42');
    expect(await result.textContent()).toContain('"sum": 42');

    // An enum (a select) and a boolean (a checkbox) of the reference server.
    await tools.locator('li[data-tool="everything_get-annotated-message"]').getByTestId('call-button').click();
    const kind = page.getByTestId('arg-messageType');
    expect(await kind.evaluate((e) => e.tagName)).toBe('SELECT');
    expect(await kind.locator('option').allTextContents()).toEqual(['error', 'success', 'debug']);
    expect(await page.getByTestId('arg-includeImage').getAttribute('type')).toBe('checkbox');
    await kind.selectOption({ label: 'success' });
    await page.getByTestId('call-run').click();
    await expect.poll(() => result.getAttribute('data-outcome'), { timeout: 10_000 }).toBe('ok');
    expect(await result.textContent()).toMatch(/success/i);

    // A string.
    await tools.locator('li[data-tool="grafana_echo"]').getByTestId('call-button').click();
    await page.getByTestId('arg-text').fill('hello from the page');
    await page.getByTestId('call-run').click();
    await expect.poll(() => result.textContent(), { timeout: 10_000 }).toBe('hello from the page');
    await page.screenshot({ path: join(SHOTS, 'call-tool.png'), fullPage: true });

    // beta's endpoint requires GATEWAY_TOKEN_BETA: so do its tool calls from the page.
    await page.getByTestId('customer-select').selectOption('beta');
    await expect.poll(() => tools.locator('.tool-group').evaluateAll((items) => items.map((g) => g.getAttribute('data-server'))), { timeout: 10_000 }).toEqual(['grafana']);
    expect(await tools.locator('li[data-tool="grafana_leak_result"]').count()).toBe(0);
    await tools.locator('li[data-tool="grafana_echo"]').getByTestId('call-button').click();
    expect(await page.getByTestId('call-token').isVisible()).toBe(true);
    await page.getByTestId('arg-text').fill('beta');
    await page.getByTestId('call-run').click();
    await expect.poll(() => result.getAttribute('data-outcome'), { timeout: 10_000 }).toBe('failed');
    expect(await result.textContent()).toContain('missing or invalid bearer token');
    expect(await page.getByTestId('call-status').textContent()).toMatch(/^HTTP 401/);
    await page.screenshot({ path: join(SHOTS, 'call-token-required.png'), fullPage: true });
    await page.getByTestId('call-token').fill(BETA_TOKEN);
    await page.getByTestId('call-run').click();
    await expect.poll(() => result.getAttribute('data-outcome'), { timeout: 10_000 }).toBe('ok');
    expect(await result.textContent()).toBe('beta');
    expect(errors).toEqual([]);
    await page.close();
  });
});
