/**
 * Page objects of the studio shell, accounts and transactions, for every browser test (the flow
 * editor's tests reuse them). They act as a person would: by visible labels and roles.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';

export const e2ePassword = 'correct horse battery staple';

export interface SignedUpUser {
  email: string;
  password: string;
}

/** Registers a new user through /register and waits for the dashboard. */
export async function signUp(page: Page, baseUrl: string, email = `e2e-${randomBytes(4).toString('hex')}@example.com`, password = e2ePassword): Promise<SignedUpUser> {
  await page.goto(`${baseUrl}/register`);
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  await page.getByLabel(field('Password')).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  return { email, password };
}

/** Signs in through /login; `expectHeading` is the page it should land on (default the dashboard). */
export async function signIn(page: Page, baseUrl: string, user: SignedUpUser, expectHeading = 'Dashboard'): Promise<void> {
  if (!page.url().includes('/login')) await page.goto(`${baseUrl}/login`);
  await page.getByRole('textbox', { name: 'Email' }).fill(user.email);
  await page.getByLabel(field('Password')).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: expectHeading }).waitFor();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Sluice' }).waitFor();
}

/** Goes to a page through the main navigation, as a user would. */
export async function navigateTo(page: Page, label: 'Dashboard' | 'Flows' | 'Budget' | 'Transactions' | 'Accounts & Entities' | 'Bank accounts' | 'Reports' | 'Settings'): Promise<void> {
  await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: label, exact: true }).click();
}

/** Creates an entity on Accounts & Entities; the new entity becomes the one the studio works in. */
export async function createEntity(page: Page, kind: 'llc' | 'personal', name: string): Promise<void> {
  await navigateTo(page, 'Accounts & Entities');
  await page.getByRole('heading', { level: 1, name: 'Accounts & Entities' }).waitFor();
  await page.getByRole('button', { name: 'New entity' }).click();
  const dialog = page.getByRole('dialog', { name: 'New entity' });
  await dialog.getByRole('radio', { name: kind === 'llc' ? 'LLC' : 'Personal', exact: true }).check();
  await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
  await dialog.getByRole('button', { name: 'Create entity' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByRole('heading', { level: 3, name }).waitFor();
  await waitForEntity(page, name);
}

/** Switches the header's entity switcher to the entity called `name`. */
export async function switchEntity(page: Page, name: string): Promise<void> {
  await page.getByTestId('entity-switcher').click();
  await page.getByRole('menuitem', { name: new RegExp(`· ${escapeRegExp(name)}$`) }).click();
  await waitForEntity(page, name);
}

export async function waitForEntity(page: Page, name: string): Promise<void> {
  await page.getByTestId('entity-switcher').filter({ hasText: name }).waitFor();
}

/** Picks an option of a Mantine Select by its label (searchable or not). */
export async function choose(scope: Page | ReturnType<Page['getByRole']>, label: string, option: string | RegExp): Promise<void> {
  const input = scope.getByRole('combobox', { name: label, exact: true });
  await input.click();
  const page = 'page' in scope ? scope.page() : scope;
  await page.getByRole('option', { name: option }).first().click();
}

/** Adds an account to the entity the studio works in, from Accounts & Entities. */
export async function createAccount(page: Page, name: string, type: 'Asset (bank, cash, investments)' | 'Liability (card, loan)' | 'Income category' | 'Expense category' | 'Equity', subtype?: string): Promise<void> {
  await navigateTo(page, 'Accounts & Entities');
  await page.getByRole('button', { name: 'New account' }).click();
  const dialog = page.getByRole('dialog', { name: /^New account in / });
  await dialog.getByRole('textbox', { name: 'Account name', exact: true }).fill(name);
  await choose(dialog, 'Type', type);
  if (subtype) await choose(dialog, 'Subtype', subtype);
  await dialog.getByRole('button', { name: 'Add account' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByRole('link', { name, exact: true }).waitFor();
}

export interface SplitLine {
  category: string | RegExp;
  amount: string;
  memo?: string;
}

/** Opens "Add transaction" on Transactions and posts money out of (or into) an account, split over categories. */
export async function addTransaction(page: Page, options: { account: string | RegExp; total: string; payee?: string; date?: string; direction?: 'out' | 'in'; splits: SplitLine[] }): Promise<void> {
  await navigateTo(page, 'Transactions');
  await page.getByRole('button', { name: 'Add transaction' }).click();
  const dialog = page.getByRole('dialog', { name: /^New transaction in / });
  if (options.direction === 'in') await dialog.getByText('Money in (income, refund)').click();
  if (options.date) await dialog.getByLabel(field('Date')).fill(options.date);
  if (options.payee) await dialog.getByRole('textbox', { name: 'Payee', exact: true }).fill(options.payee);
  await choose(dialog, options.direction === 'in' ? 'Received into' : 'Paid from', options.account);
  await dialog.getByRole('textbox', { name: 'Total amount', exact: true }).fill(options.total);
  for (const [index, split] of options.splits.entries()) {
    if (index > 0) await dialog.getByRole('button', { name: 'Add split' }).click();
    await choose(dialog, `Category ${index + 1}`, split.category);
    await dialog.getByRole('textbox', { name: `Amount ${index + 1}`, exact: true }).fill(split.amount);
    if (split.memo) await dialog.getByRole('textbox', { name: `Split memo ${index + 1}`, exact: true }).fill(split.memo);
  }
  await dialog.getByRole('button', { name: 'Post transaction' }).click();
  await dialog.waitFor({ state: 'hidden' });
}

export interface TransferInput {
  kind: 'Owner draw' | 'Capital contribution' | 'Member loan' | 'Loan repayment' | 'Reimbursement' | 'Expense paid for the other';
  from: string | RegExp;
  to: string | RegExp;
  amount: string;
  purpose: string;
  interest?: string;
  date?: string;
}

/** Fills "Record inter-entity transfer" on Transactions and stops at the preview of both journals. */
export async function previewTransfer(page: Page, transfer: TransferInput) {
  await navigateTo(page, 'Transactions');
  await page.getByRole('button', { name: 'Record inter-entity transfer' }).click();
  const dialog = page.getByRole('dialog', { name: 'Record an inter-entity transfer' });
  await choose(dialog, 'Kind', transfer.kind);
  await choose(dialog, 'From account', transfer.from);
  await choose(dialog, transfer.kind === 'Expense paid for the other' ? 'Expense category' : 'To account', transfer.to);
  await dialog.getByRole('textbox', { name: 'Amount', exact: true }).fill(transfer.amount);
  if (transfer.interest) await dialog.getByRole('textbox', { name: 'Of which interest', exact: true }).fill(transfer.interest);
  if (transfer.date) await dialog.getByLabel(field('Date')).fill(transfer.date);
  await dialog.getByRole('textbox', { name: 'Purpose', exact: true }).fill(transfer.purpose);
  await dialog.getByRole('button', { name: 'Preview journals' }).click();
  await dialog.getByRole('heading', { name: 'Check both journals before recording' }).waitFor();
  return dialog;
}

/** Confirms the previewed transfer and waits for the dialog to close. */
export async function confirmTransfer(page: Page): Promise<void> {
  const dialog = page.getByRole('dialog', { name: 'Record an inter-entity transfer' });
  await dialog.getByRole('button', { name: 'Confirm and record' }).click();
  await dialog.waitFor({ state: 'hidden' });
}

/**
 * A label as Mantine renders it: required inputs append " *" to the label text (hidden from the
 * accessibility tree, but part of what getByLabel matches). Use for inputs without a textbox role
 * (password, date); text inputs are found by role and accessible name instead.
 */
export function field(label: string): RegExp {
  return new RegExp(`^${escapeRegExp(label)}( \\*)?$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
