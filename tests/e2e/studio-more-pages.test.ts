import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoEmail, seedDemoIfEmpty } from '../../engine/demo/demo-household.js';
import { navigateTo, signIn } from './pages.js';
import { launchBrowser, screenshot, seriousAxeViolations, startE2eServer, type E2eBrowser, type E2eServer } from './support.js';

/**
 * The pages that other parts of Sluice add to the studio (budget, reports, bank data), on the
 * demo household's year of books: each renders real figures, without console errors or
 * serious/critical axe violations, and leaves a screenshot to look at.
 */
let server: E2eServer;
let browser: E2eBrowser;
let page: Page;

beforeAll(async () => {
  server = await startE2eServer();
  await seedDemoIfEmpty(server.t.container);
  browser = await launchBrowser();
  page = browser.page;
  await signIn(page, server.baseUrl, { email: demoEmail, password: 'sluice-demo-2026' });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function checkPage(name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  await screenshot(page, name);
  expect(await seriousAxeViolations(page), `axe on ${name}`).toEqual([]);
  expect(browser.errors, `console errors on ${name}`).toEqual([]);
}

describe('budget, reports and bank pages on the demo household', () => {
  it('shows the budget board of the working entity with To be assigned and its categories', async () => {
    await navigateTo(page, 'Budget');
    await page.getByRole('heading', { level: 1, name: 'Budget' }).waitFor();
    await page.getByText('To be assigned', { exact: false }).first().waitFor();
    await checkPage('budget');
  });

  it('shows the reports with the demo books’ figures', async () => {
    await navigateTo(page, 'Reports');
    await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
    await page.getByRole('tab').first().waitFor();
    await checkPage('reports');
  });

  it('shows the bank accounts page with connect and import', async () => {
    await navigateTo(page, 'Bank accounts');
    await page.getByRole('heading', { level: 1, name: 'Bank accounts' }).waitFor();
    await checkPage('banking');
  });
});
