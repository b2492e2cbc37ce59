/**
 * The page at / in headless Chromium: pick a customer, see its integrations (a failed one marked with its reason) and
 * its tools, filter them, switch to another customer. The page's POSTs carry its own Origin, which the runtime's
 * Origin check lets through as same-origin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { startBlackHole, startFixture } from './fixtures/mcp-fixture.ts';
import { cleanup, customer, server, startRuntime, writeConfig } from './helpers.ts';
import type { RuntimeProc } from './helpers.ts';

const closers: Array<() => Promise<void>> = [];
let runtime: RuntimeProc;
let configPath: string;
let browser: Browser;

beforeAll(async () => {
  const grafana = await startFixture();
  const alertmanager = await startFixture({ mode: 'sse-only' });
  const other = await startFixture();
  const hole = await startBlackHole();
  closers.push(grafana.close, alertmanager.close, other.close, hole.close);
  other.addTool('search_queues');
  const config = (configPath = writeConfig([
    customer('acme', 'Acme', [server('grafana', grafana.url), server('alertmanager', alertmanager.sseUrl), server('genesys', hole.url)]),
    customer('beta', 'Beta', [server('genesys', other.url)]),
  ]));
  runtime = await startRuntime(config, { args: ['--connect-timeout-ms', '2500'] });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  await cleanup();
  await Promise.all(closers.map((c) => c().catch(() => {})));
});

describe('web page', () => {
  it('shows integrations with state and reason, and filterable tools', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const posts: Array<Promise<string | undefined>> = [];
    // allHeaders(): the headers as sent, including those the browser adds (headers() has only the page's own).
    page.on('request', (r) => void (r.method() === 'POST' && posts.push(r.allHeaders().then((h) => h.origin))));
    await page.goto(runtime.url);
    const select = page.getByTestId('customer-select');
    await expect.poll(() => select.isEnabled(), { timeout: 10_000 }).toBe(true);
    expect(await select.locator('option').allTextContents()).toEqual(['— select a customer —', 'Acme (grafana, alertmanager, genesys)', 'Beta (genesys)']);

    await select.selectOption('acme');
    const integrations = page.getByTestId('integrations');
    await integrations.locator('li').nth(2).waitFor({ timeout: 10_000 });
    const states = await integrations.locator('li').evaluateAll((items) => items.map((li) => [li.getAttribute('data-server'), li.getAttribute('data-state')]));
    expect(states).toEqual([
      ['grafana', 'connected'],
      ['alertmanager', 'connected'],
      ['genesys', 'failed'],
    ]);
    expect(await integrations.locator('[data-server="genesys"] [data-testid="reason"]').textContent()).toBe('timeout: no answer within 2500 ms');
    expect(await integrations.locator('[data-server="alertmanager"] .meta').textContent()).toMatch(/^sse · 5 tools · /);
    await expect.poll(() => page.getByTestId('status').textContent()).toMatch(/Acme: 2 connected, 1 failed, 10 tools/);

    const tools = page.getByTestId('tools').locator('li');
    expect(await tools.count()).toBe(10);
    expect(await tools.first().getAttribute('data-tool')).toBe('grafana_echo');
    await page.getByTestId('tool-filter').fill('add');
    expect(await tools.evaluateAll((items) => items.map((li) => li.getAttribute('data-tool')))).toEqual(['grafana_add', 'alertmanager_add']);
    expect(await page.getByTestId('tool-count').textContent()).toBe('(2 of 10)');

    await select.selectOption('beta');
    await expect.poll(() => integrations.locator('li').evaluateAll((items) => items.map((li) => li.getAttribute('data-server')))).toEqual(['genesys']);
    await page.getByTestId('tool-filter').fill('');
    await expect.poll(() => tools.evaluateAll((items) => items.map((li) => li.getAttribute('data-tool')))).toContain('genesys_search_queues');
    expect(errors).toEqual([]);
    // Chromium sent the page's origin with each switch; the Origin check accepted it as same-origin.
    const posted = await Promise.all(posts);
    expect(posted.length).toBeGreaterThanOrEqual(2);
    expect(new Set(posted)).toEqual(new Set([runtime.url]));
    await page.close();
  });

  it('asks for the API token when the API requires one', async () => {
    const secured = await startRuntime(configPath, { env: { AGENT_API_TOKEN: 'page-token-5d41402abc' } });
    const page = await browser.newPage();
    await page.goto(secured.url);
    const form = page.locator('#token-form');
    await form.waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator('#token').fill('page-token-5d41402abc');
    await page.getByRole('button', { name: 'Use token' }).click();
    await expect.poll(() => page.getByTestId('customer-select').locator('option').count(), { timeout: 10_000 }).toBe(3);
    expect(await form.isHidden()).toBe(true);
    await page.close();
  });
});
