/**
 * A person's first session with flows, in Chromium against the real API: register, create an LLC
 * and a personal entity, a client payment lands, instantiate the Profit First template through
 * its wizard, preview (amounts on the edges), run after checking the plan, see the balances move
 * on the dashboard, revert the run and see them restored. Every main flow page is screenshotted
 * and checked with axe.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTransaction, createEntity, navigateTo, signUp, switchEntity } from './pages.js';
import { launchBrowser, screenshot, seriousAxeViolations, startE2eServer, type E2eBrowser, type E2eServer } from './support.js';

let server: E2eServer;
let browser: E2eBrowser;
let page: Page;

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Screenshot, then axe (after toasts of earlier steps have gone: they are not the page). */
async function checkPage(name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.locator('.mantine-Notification-root').first().waitFor({ state: 'detached', timeout: 10_000 });
  // Let dialogs finish their opening transition: the screenshot should show what a person sees.
  await page.waitForTimeout(400);
  await screenshot(page, name);
  expect(await seriousAxeViolations(page), `axe on ${name}`).toEqual([]);
}

async function dashboardFigures() {
  await navigateTo(page, 'Dashboard');
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  const balances = page.getByTestId('dashboard-balances');
  await balances.waitFor();
  const row = (name: RegExp) => balances.getByRole('row').filter({ has: page.getByRole('link', { name }) });
  await page.getByTestId('net-worth-llc').getByTestId('net-worth-value').waitFor();
  return {
    llcNetWorth: await page.getByTestId('net-worth-llc').getByTestId('net-worth-value').textContent(),
    personalNetWorth: await page.getByTestId('net-worth-personal').getByTestId('net-worth-value').textContent(),
    businessChecking: (await row(/^Business Checking$/).getByRole('cell').last().textContent())?.trim(),
    taxReserve: (await row(/^Tax Reserve Savings$/).getByRole('cell').last().textContent())?.trim(),
  };
}

const flowName = 'Our Profit First';

describe('first session: Profit First from a template, run and reverted', () => {
  let before: Awaited<ReturnType<typeof dashboardFigures>>;

  it('registers, creates an LLC and a personal entity, and a client payment lands in the LLC', async () => {
    await signUp(page, server.baseUrl);
    await createEntity(page, 'llc', 'Rivera Design LLC');
    await createEntity(page, 'personal', 'Alex Rivera');
    await switchEntity(page, 'Rivera Design LLC');
    await addTransaction(page, { direction: 'in', account: /Business Checking$/, payee: 'Acme Client', total: '5000.00', splits: [{ category: /Gross Receipts$/, amount: '5000.00' }] });
    before = await dashboardFigures();
    expect(before).toEqual({ llcNetWorth: '$5,000.00', personalNetWorth: '$0.00', businessChecking: '$5,000.00', taxReserve: '$0.00' });
  });

  it('opens the templates gallery and maps Profit First’s account roles to the new accounts', async () => {
    await navigateTo(page, 'Flows');
    await page.getByRole('heading', { level: 1, name: 'Flows' }).waitFor();
    await page.getByText('No flows yet').waitFor();
    await checkPage('flows-empty');
    await page.getByRole('tab', { name: 'Templates' }).click();
    await page.getByRole('heading', { name: 'Profit First allocation' }).waitFor();
    await checkPage('flow-templates');
    await page.getByRole('button', { name: 'Use template Profit First allocation' }).click();
    const wizard = page.getByRole('dialog', { name: 'Use template: Profit First allocation' });
    // Suggestions from the standard charts: each role pre-filled with an account of its entity kind.
    await expect(wizard.getByRole('combobox', { name: /LLC operating account/ }).inputValue()).resolves.toMatch(/Business Checking \(LLC\)/);
    await expect(wizard.getByRole('combobox', { name: /LLC tax reserve/ }).inputValue()).resolves.toMatch(/Tax Reserve Savings \(LLC\)/);
    await expect(wizard.getByRole('combobox', { name: /Your personal checking/ }).inputValue()).resolves.toMatch(/Checking \(Personal\)/);
    // The personal role offers personal accounts only.
    await wizard.getByRole('combobox', { name: /Your personal checking/ }).click();
    await page.getByRole('option', { name: /\(Personal\)$/ }).first().waitFor();
    await expect(page.getByRole('option', { name: /\(LLC\)$/ }).count()).resolves.toBe(0);
    await page.keyboard.press('Escape');
    await checkPage('flow-template-wizard');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('textbox', { name: 'Flow name' }).fill(flowName);
    await wizard.getByRole('button', { name: 'Create flow' }).click();
    await page.getByRole('heading', { level: 1, name: flowName }).waitFor();
    await page.getByTestId('node-split').waitFor();
    await page.getByRole('status').filter({ hasText: 'Valid' }).waitFor();
    await checkPage('flow-editor');
  });

  it('previews a 5,000.00 client payment: amounts on the edges and a result on every node', async () => {
    await page.getByRole('tab', { name: 'Preview' }).click();
    await page.getByRole('textbox', { name: 'Test with a transaction of' }).fill('5000.00');
    await page.getByRole('button', { name: 'Preview now' }).click();
    // The template's edges: e2 payment → split, e3 profit, e4 owner's pay, e5 tax.
    await expect(page.getByTestId('edge-amount-e2').textContent()).resolves.toBe('$5,000.00');
    await expect(page.getByTestId('edge-amount-e3').textContent()).resolves.toBe('$250.00');
    await expect(page.getByTestId('edge-amount-e4').textContent()).resolves.toBe('$2,500.00');
    await expect(page.getByTestId('edge-amount-e5').textContent()).resolves.toBe('$750.00');
    await expect(page.getByTestId('trace-split').textContent()).resolves.toContain('250.00 / 2500.00 / 750.00 / 1500.00');
    const plan = page.getByTestId('plan-summary');
    await expect(plan.getByRole('table', { name: 'Inter-entity transfers' }).textContent()).resolves.toContain('$2,500.00');
    await checkPage('flow-preview');
  });

  it('runs after showing the plan, and the dashboard shows the money moved', async () => {
    await page.getByRole('button', { name: 'Run now' }).click();
    const dialog = page.getByRole('dialog', { name: 'Run this flow now?' });
    await dialog.getByTestId('plan-summary').waitFor();
    await expect(dialog.getByRole('heading', { name: 'Journals (2)' }).count()).resolves.toBe(1);
    await expect(dialog.getByRole('heading', { name: 'Inter-entity transfers (1)' }).count()).resolves.toBe(1);
    await expect(dialog.getByRole('table', { name: 'Inter-entity transfers' }).textContent()).resolves.toMatch(/owner draw.*\$2,500\.00/);
    await checkPage('flow-run-confirm');
    await dialog.getByRole('button', { name: 'Run and post' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const details = page.getByTestId('run-details');
    await details.getByText('Committed').waitFor();
    await checkPage('flow-run-history');
    const runs = await server.t.database.knex('flow_runs').select('status', 'idempotency_key');
    expect(runs).toEqual([{ status: 'committed', idempotency_key: expect.stringMatching(/^client:[0-9a-f-]{36}$/) }]);
    const after = await dashboardFigures();
    expect(after).toEqual({ llcNetWorth: '$2,500.00', personalNetWorth: '$2,500.00', businessChecking: '$1,500.00', taxReserve: '$750.00' });
  });

  it('reverts the run from its history, and the balances are restored', async () => {
    await navigateTo(page, 'Flows');
    await page.getByRole('link', { name: flowName }).click();
    await page.getByTestId('node-split').waitFor();
    await page.getByRole('tab', { name: 'Runs' }).click();
    await page.getByRole('list', { name: 'Runs' }).getByRole('button', { name: /Committed v1/ }).click();
    const details = page.getByTestId('run-details');
    await details.getByRole('table', { name: 'Per-node trace' }).waitFor();
    await details.getByRole('button', { name: 'Revert run' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revert this run?' });
    await confirm.getByRole('button', { name: 'Revert' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await details.getByText('Reverted', { exact: true }).waitFor();
    expect(await dashboardFigures()).toEqual(before);
    expect(browser.errors.filter((error) => !/status of 4\d\d/.test(error))).toEqual([]);
  });
});
