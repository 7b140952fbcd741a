import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTransaction, confirmTransfer, createAccount, createEntity, navigateTo, previewTransfer, signIn, signOut, signUp, switchEntity, waitForEntity, type SignedUpUser } from './pages.js';
import { launchBrowser, screenshot, seriousAxeViolations, startE2eServer, type E2eBrowser, type E2eServer } from './support.js';

let server: E2eServer;
let browser: E2eBrowser;
let page: Page;
let user: SignedUpUser;

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Screenshot plus axe: no serious or critical WCAG 2.1 A/AA violation on the page as shown. */
async function checkPage(name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  await screenshot(page, name);
  expect(await seriousAxeViolations(page), `axe on ${name}`).toEqual([]);
}

const money = (text: string) => page.getByText(text, { exact: true });

describe('the studio, from registration to an owner draw', () => {
  it('shows the sign-in page, accessible, and registers a new user onto an empty dashboard', async () => {
    await page.goto(`${server.baseUrl}/login`);
    await page.getByRole('heading', { name: 'Sign in to Sluice' }).waitFor();
    await checkPage('sign-in');
    user = await signUp(page, server.baseUrl);
    await page.getByText('Start by creating your entities').waitFor();
  });

  it('creates an LLC and a personal entity, each shown in its own colour and label', async () => {
    await navigateTo(page, 'Accounts & Entities');
    await page.getByRole('button', { name: 'New entity' }).click();
    await page.getByRole('dialog', { name: 'New entity' }).getByRole('button', { name: 'Create entity' }).click();
    await page.getByText('Choose LLC or personal').waitFor();
    await page.getByText('Give the entity a name').waitFor();
    await checkPage('entity-form');
    await page.keyboard.press('Escape');
    await createEntity(page, 'llc', 'Rivera Design LLC');
    await expect(page.getByTestId('entity-switcher').getAttribute('data-entity-kind')).resolves.toBe('llc');
    await createEntity(page, 'personal', 'Alex Rivera');
    await expect(page.getByTestId('entity-switcher').getAttribute('data-entity-kind')).resolves.toBe('personal');
    await expect(page.getByTestId('entity-switcher').textContent()).resolves.toContain('Personal · Alex Rivera');
    await createAccount(page, 'Joint Checking', 'Asset (bank, cash, investments)', 'Checking');
    await checkPage('accounts');
  });

  it('records income into the LLC with splits', async () => {
    await switchEntity(page, 'Rivera Design LLC');
    await addTransaction(page, {
      direction: 'in',
      account: /Business Checking$/,
      payee: 'Acme Client',
      date: '2026-06-01',
      total: '5,000.00',
      splits: [
        { category: /Gross Receipts$/, amount: '4200' },
        { category: /Other Business Income$/, amount: '800.00', memo: 'late fee' },
      ],
    });
    await page.getByRole('cell', { name: 'Acme Client' }).first().waitFor();
  });

  it('refuses an unbalanced split in the browser before sending it', async () => {
    await navigateTo(page, 'Transactions');
    await page.getByRole('button', { name: 'Add transaction' }).click();
    const dialog = page.getByRole('dialog', { name: /^New transaction in / });
    await dialog.getByRole('combobox', { name: 'Paid from', exact: true }).click();
    await page.getByRole('option', { name: /Business Checking$/ }).click();
    await dialog.getByRole('textbox', { name: 'Total amount', exact: true }).fill('100');
    await dialog.getByRole('combobox', { name: 'Category 1', exact: true }).click();
    await page.getByRole('option', { name: /Software and Subscriptions$/ }).click();
    await dialog.getByRole('textbox', { name: 'Amount 1', exact: true }).fill('99.99');
    await dialog.getByRole('button', { name: 'Post transaction' }).click();
    await expect(dialog.getByRole('alert').textContent()).resolves.toContain('$0.01 is not assigned to a category');
    await checkPage('transaction-form');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('records an owner draw with a purpose after showing both journals', async () => {
    const dialog = await previewTransfer(page, { kind: 'Owner draw', from: /Business Checking$/, to: /Joint Checking$/, amount: '1500', purpose: 'June owner draw', date: '2026-06-15' });
    const llcJournal = dialog.getByRole('table', { name: 'LLC journal: Rivera Design LLC' });
    const personalJournal = dialog.getByRole('table', { name: 'Personal journal: Alex Rivera' });
    await expect(llcJournal.getByRole('row', { name: /Owner's Draws/ }).textContent()).resolves.toContain('$1,500.00');
    await expect(llcJournal.getByRole('row', { name: /Business Checking/ }).textContent()).resolves.toContain('$1,500.00');
    await expect(personalJournal.getByRole('row', { name: /Joint Checking/ }).textContent()).resolves.toContain('$1,500.00');
    await expect(personalJournal.getByRole('row', { name: /Distributions from Rivera Design LLC/ }).textContent()).resolves.toContain('$1,500.00');
    await checkPage('transfer-preview');
    // Nothing is written until the preview is confirmed.
    const before = await server.t.database.knex('inter_entity_transfers').count<{ n: string }[]>({ n: '*' });
    expect(Number(before[0]!.n)).toBe(0);
    await confirmTransfer(page);
    await page.getByRole('cell', { name: 'June owner draw', exact: true }).waitFor();
    const transfers = await server.t.database.knex('inter_entity_transfers').select('kind', 'purpose', 'amount_minor');
    expect(transfers).toEqual([{ kind: 'owner_draw', purpose: 'June owner draw', amount_minor: 150000n }]);
  });

  it('spends from the personal account with splits', async () => {
    await switchEntity(page, 'Alex Rivera');
    await addTransaction(page, {
      account: /Joint Checking$/,
      payee: 'Target',
      date: '2026-06-20',
      total: '120.00',
      splits: [
        { category: /Groceries$/, amount: '80.00' },
        { category: /Clothing$/, amount: '40' },
      ],
    });
    await page.getByRole('cell', { name: /Target/ }).first().waitFor();
    await checkPage('transactions');
  });

  it('shows the new balances on the dashboard, per entity and combined', async () => {
    await navigateTo(page, 'Dashboard');
    await expect(page.getByTestId('net-worth-llc').getByTestId('net-worth-value').textContent()).resolves.toBe('$3,500.00');
    await expect(page.getByTestId('net-worth-personal').getByTestId('net-worth-value').textContent()).resolves.toBe('$1,380.00');
    await expect(page.getByTestId('net-worth-combined').textContent()).resolves.toContain('$4,880.00');
    await page.getByRole('heading', { name: 'Balances over time' }).waitFor();
    await page.locator('.recharts-line').first().waitFor();
    await checkPage('dashboard');
  });

  it("opens an account's register with running balances and filters", async () => {
    await navigateTo(page, 'Accounts & Entities');
    await page.getByRole('link', { name: 'Joint Checking', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Joint Checking' }).waitFor();
    const table = page.getByTestId('register-table');
    await expect(table.getByRole('row').nth(1).textContent()).resolves.toMatch(/Target.*-\$120\.00\$1,380\.00/);
    await expect(table.getByRole('row').nth(2).textContent()).resolves.toMatch(/Rivera Design LLC.*\$1,500\.00\$1,500\.00/);
    await checkPage('register');
    await page.getByRole('textbox', { name: 'Amount at least', exact: true }).fill('1000');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('Rows 1–1 of 1 matching the filters').waitFor();
    await expect(table.getByRole('row').nth(1).textContent()).resolves.toContain('$1,500.00');
  });

  it('shows the settings page', async () => {
    await navigateTo(page, 'Settings');
    await page.getByRole('cell', { name: user.email }).waitFor();
    await checkPage('settings');
  });

  it('keeps the entity choice across a reload and offers every page from the navigation', async () => {
    await page.getByTestId('entity-switcher').click();
    await page.getByRole('menuitem', { name: /Rivera Design LLC$/ }).waitFor();
    await page.waitForTimeout(400); // the menu fades in; axe measures colours as they are
    expect(await seriousAxeViolations(page), 'axe with the entity menu open').toEqual([]);
    await page.keyboard.press('Escape');
    await switchEntity(page, 'Rivera Design LLC');
    await page.reload();
    await waitForEntity(page, 'Rivera Design LLC');
    for (const [label, heading] of [['Flows', /Flows/], ['Budget', /Budget/], ['Reports', /Reports/], ['Bank accounts', /Bank/]] as const) {
      await navigateTo(page, label);
      await page.getByRole('heading', { level: 1, name: heading }).first().waitFor();
    }
  });

  it('works by keyboard: skip link first, then the entity switcher, which switches with arrows and Enter', async () => {
    await page.goto(`${server.baseUrl}/`);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    const focused = () => page.evaluate<string>("document.activeElement?.getAttribute('aria-label') || document.activeElement?.textContent?.trim() || ''");
    await page.keyboard.press('Tab');
    await expect(focused()).resolves.toBe('Skip to content');
    await page.keyboard.press('Tab');
    await expect(focused()).resolves.toMatch(/^Working in LLC Rivera Design LLC\. Switch entity$/);
    await page.keyboard.press('Enter');
    await page.getByRole('menu').waitFor();
    // Arrows move between the entities (the current one is first); Enter switches.
    for (let step = 0; step < 2 && !/Alex Rivera/.test(await focused()); step += 1) await page.keyboard.press('ArrowDown');
    await expect(focused()).resolves.toContain('Personal · Alex Rivera');
    await page.keyboard.press('Enter');
    await waitForEntity(page, 'Alex Rivera');
    // The skip link lands on the page itself.
    await page.getByRole('link', { name: 'Skip to content' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.evaluate<string>('document.activeElement?.id ?? ""')).resolves.toBe('main');
  });

  it('signs out by revoking the refresh token, guards pages, and returns after signing in', async () => {
    const refreshToken = await page.evaluate<string | undefined>("JSON.parse(localStorage.getItem('sluice.session') ?? 'null')?.refreshToken");
    expect(refreshToken).toBeTruthy();
    await signOut(page);
    const refreshed = await fetch(`${server.baseUrl}/api/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) });
    expect(refreshed.status).toBe(401);

    await page.goto(`${server.baseUrl}/transactions`);
    await page.getByRole('heading', { name: 'Sign in to Sluice' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    await signIn(page, server.baseUrl, user, 'Transactions');
    expect(new URL(page.url()).pathname).toBe('/transactions');
    expect(browser.errors).toEqual([]);
  });
});
