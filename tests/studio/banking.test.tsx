import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import BankingPage from '../../studio/src/pages/banking/BankingPage';
import type { BankItem } from '../../studio/src/pages/banking/banking-api';
import { llc, llcAccounts, personal, personalAccounts } from './fixtures';
import { fakeApi, problem, renderStudio, type Call } from './render';

afterEach(() => vi.unstubAllGlobals());

const consentOrigin = 'http://127.0.0.1:47000';

function item(overrides: Partial<BankItem> = {}): BankItem {
  return {
    id: 'item-1',
    institutionId: 'ins_109508',
    institutionName: 'First Platypus Bank',
    status: 'active',
    error: null,
    lastSyncedAt: '2026-11-30T06:00:00Z',
    lastAttemptAt: '2026-11-30T06:00:00Z',
    createdAt: '2026-11-01T00:00:00Z',
    accounts: [{ id: 'ba-1', name: 'Plaid Checking', mask: '0000', type: 'depository', subtype: 'checking', holderCategory: 'personal', currency: 'USD', entityId: personal.id, ledgerAccountId: personalAccounts[0]!.id, ledgerAccountName: 'First Platypus Bank Plaid Checking ••0000', bankBalance: '2400.00', bankAvailable: '2300.00', ledgerBalance: '2400.00', balanceUpdatedAt: '2026-11-30T06:00:00Z' }],
    ...overrides,
  };
}

function bankingApi(routes: Record<string, (call: Call) => { status?: number; body?: unknown }> = {}) {
  return fakeApi({
    'GET /entities': () => ({ body: { data: [llc, personal] } }),
    [`GET /entities/${llc.id}/accounts`]: () => ({ body: { data: llcAccounts } }),
    [`GET /entities/${personal.id}/accounts`]: () => ({ body: { data: personalAccounts } }),
    'GET /banking/items': () => ({ body: { data: [item()] } }),
    'GET /banking/imports': () => ({ body: { data: [], page: { limit: 20, offset: 0, total: 0 } } }),
    ...routes,
  });
}

describe('the Banking page', () => {
  it('lists linked banks with status, balances and last sync, and syncs on demand', async () => {
    const api = bankingApi({ 'POST /banking/items/item-1/sync': () => ({ body: { status: 'synced', added: 3, modified: 1, removed: 0, pending: 2, item: item() } }) });
    renderStudio(<BankingPage />);
    const card = await screen.findByRole('article', { name: 'First Platypus Bank' });
    expect(within(card).getByText('Connected')).toBeInTheDocument();
    expect(within(card).getByRole('table', { name: 'Accounts of First Platypus Bank' })).toHaveTextContent('Plaid Checking ••0000');
    expect(within(card).getByText(/Last sync:/)).not.toHaveTextContent('never');
    await userEvent.click(within(card).getByRole('button', { name: 'Sync First Platypus Bank now' }));
    expect(await within(card).findByText('Synced: 3 new, 1 corrected, 0 removed, 2 pending.')).toBeInTheDocument();
    expect(api.writes().map((call) => `${call.method} ${call.url}`)).toEqual(['POST /api/v1/banking/items/item-1/sync']);
  });

  it('says when the bank needs a new sign-in and re-authenticates through the consent page', async () => {
    const open = vi.fn(() => ({}) as Window);
    vi.stubGlobal('open', open);
    const api = bankingApi({
      'GET /banking/items': () => ({ body: { data: [item({ status: 'login_required', error: { code: 'ITEM_LOGIN_REQUIRED', message: 'Please re-authenticate with your bank.' } })] } }),
      'POST /banking/link-token': () => ({ status: 201, body: { linkToken: 'link-sandbox-1', expiration: '', mode: 'sandbox', consentUrl: `${consentOrigin}/link?token=link-sandbox-1` } }),
      'POST /banking/items/item-1/repair': () => ({ body: item() }),
    });
    renderStudio(<BankingPage />);
    const card = await screen.findByRole('article', { name: 'First Platypus Bank' });
    expect(within(card).getByText('Sign-in needed')).toBeInTheDocument();
    expect(within(card).getByText('Please re-authenticate with your bank.')).toBeInTheDocument();
    expect(within(card).getByRole('button', { name: 'Sync First Platypus Bank now' })).toBeDisabled();
    await userEvent.click(within(card).getByRole('button', { name: 'Re-authenticate' }));
    await waitFor(() => expect(open).toHaveBeenCalledWith(`${consentOrigin}/link?token=link-sandbox-1`, 'sluice-bank-consent', expect.any(String)));
    expect(api.calls.find((call) => call.url === '/api/v1/banking/link-token')!.body).toEqual({ itemId: 'item-1' });
    // A message from another origin is ignored; the consent page's own is taken.
    act(() => void window.dispatchEvent(new MessageEvent('message', { origin: 'http://evil.example', data: { type: 'plaid-sandbox-link', publicToken: null, updated: true } })));
    expect(api.calls.some((call) => call.url.endsWith('/repair'))).toBe(false);
    act(() => void window.dispatchEvent(new MessageEvent('message', { origin: consentOrigin, data: { type: 'plaid-sandbox-link', publicToken: null, updated: true } })));
    expect(await within(card).findByText('Signed in again; the bank is syncing.')).toBeInTheDocument();
  });

  it('connects a bank, then requires an entity for each account before it syncs', async () => {
    vi.stubGlobal('open', vi.fn(() => ({}) as Window));
    let linked = false;
    const fresh = item({
      id: 'item-2',
      institutionName: 'Platypus Business Bank',
      lastSyncedAt: null,
      accounts: [
        { ...item().accounts[0]!, id: 'ba-2', name: 'Business Checking', mask: '7070', holderCategory: 'personal', entityId: null, ledgerAccountId: null, ledgerAccountName: null, bankBalance: null, ledgerBalance: null },
        { ...item().accounts[0]!, id: 'ba-3', name: 'Business Card', mask: '8080', type: 'credit', subtype: 'credit card', holderCategory: 'business', entityId: null, ledgerAccountId: null, ledgerAccountName: null, bankBalance: null, ledgerBalance: null },
      ],
    });
    const api = bankingApi({
      'GET /banking/items': () => ({ body: { data: linked ? [fresh] : [] } }),
      'POST /banking/link-token': () => ({ status: 201, body: { linkToken: 'link-sandbox-2', expiration: '', mode: 'sandbox', consentUrl: `${consentOrigin}/link?token=link-sandbox-2` } }),
      'POST /banking/items': () => {
        linked = true;
        return { status: 201, body: fresh };
      },
      'POST /banking/items/item-2/accounts': () => ({ body: { ...fresh, sync: { status: 'synced', added: 10, modified: 0, removed: 0, pending: 0 } } }),
    });
    renderStudio(<BankingPage />);
    expect(await screen.findByText(/No bank is linked yet/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Connect a bank' }));
    await waitFor(() => expect(api.calls.some((call) => call.url === '/api/v1/banking/link-token')).toBe(true));
    act(() => void window.dispatchEvent(new MessageEvent('message', { origin: consentOrigin, data: { type: 'plaid-sandbox-link', publicToken: 'public-sandbox-abc', updated: false } })));
    const form = await screen.findByRole('form', { name: 'Assign accounts of Platypus Business Bank' });
    expect(api.calls.find((call) => call.method === 'POST' && call.url === '/api/v1/banking/items')!.body).toEqual({ publicToken: 'public-sandbox-abc' });
    // The business card is pre-assigned to the LLC; the checking account has no entity yet.
    expect(within(form).getByRole('combobox', { name: 'Entity for Business Card' })).toHaveValue(llc.id);
    expect(within(form).getByRole('combobox', { name: 'Type of Business Card' })).toHaveValue('credit_card');
    await userEvent.click(within(form).getByRole('button', { name: 'Save and sync' }));
    expect(await within(form).findByText('Choose the entity this account belongs to')).toBeInTheDocument();
    expect(api.calls.some((call) => call.url.endsWith('/accounts') && call.method === 'POST')).toBe(false);
    await userEvent.selectOptions(within(form).getByRole('combobox', { name: 'Entity for Business Checking' }), llc.id);
    await userEvent.click(within(form).getByRole('button', { name: 'Save and sync' }));
    await waitFor(() => expect(api.calls.some((call) => call.url === '/api/v1/banking/items/item-2/accounts')).toBe(true));
    expect(api.calls.find((call) => call.url === '/api/v1/banking/items/item-2/accounts')!.body).toEqual({
      accounts: [
        { accountId: 'ba-2', entityId: llc.id, subtype: 'checking' },
        { accountId: 'ba-3', entityId: llc.id, subtype: 'credit_card' },
      ],
    });
  });

  it('uploads a CSV, maps its columns, previews new/duplicate/invalid rows, imports, and undoes', async () => {
    let imported = false;
    const mapping = { delimiter: ',', hasHeader: true, dateColumn: 0, dateFormat: 'YYYY-MM-DD', amountColumn: 2, payeeColumn: 1, decimalSeparator: '.' };
    const api = bankingApi({
      'POST /banking/imports/files': () => ({ status: 201, body: { fileId: 'file-1', fileName: 'november.csv', format: 'csv', accountId: personalAccounts[0]!.id, csv: { delimiter: ',', headers: ['Date', 'Description', 'Amount'], rows: [['2026-11-01', 'Corner Bakery', '-4.50']], suggested: mapping, remembered: false } } }),
      'POST /banking/imports/preview': () => ({
        body: {
          format: 'csv',
          counts: { total: 3, new: 1, duplicate: 1, invalid: 1 },
          rowsTruncated: false,
          rows: [
            { line: 2, status: 'new', date: '2026-11-01', amount: '-4.50', payee: 'Corner Bakery', memo: null, reason: null },
            { line: 3, status: 'duplicate', date: '2026-11-02', amount: '-19.99', payee: 'Hardware Store', memo: null, reason: 'this row was imported before' },
            { line: 4, status: 'invalid', date: null, amount: null, payee: null, memo: null, reason: '"forty" is not an amount' },
          ],
        },
      }),
      'POST /banking/imports': () => {
        imported = true;
        return { status: 201, body: { id: 'batch-1', accountId: personalAccounts[0]!.id, format: 'csv', fileName: 'november.csv', counts: { total: 3, added: 1, duplicate: 1, invalid: 1 }, createdAt: '2026-11-30T10:00:00Z', undoneAt: null } };
      },
      'GET /banking/imports': () => ({ body: { data: imported ? [{ id: 'batch-1', accountId: personalAccounts[0]!.id, format: 'csv', fileName: 'november.csv', counts: { total: 3, added: 1, duplicate: 1, invalid: 1 }, createdAt: '2026-11-30T10:00:00Z', undoneAt: null }] : [], page: { limit: 20, offset: 0, total: 0 } } }),
      'POST /banking/imports/batch-1/undo': () => ({ body: { id: 'batch-1', undoneAt: '2026-11-30T10:05:00Z' } }),
    });
    renderStudio(<BankingPage />);
    const section = await screen.findByRole('region', { name: 'Import a statement file' });
    await waitFor(() => expect(within(section).getByRole('combobox', { name: 'Account' })).toHaveTextContent('Jordan Lee: 1000 Checking'));
    await userEvent.selectOptions(within(section).getByRole('combobox', { name: 'Account' }), personalAccounts[0]!.id);
    const file = new File(['Date,Description,Amount\n2026-11-01,Corner Bakery,-4.50\n'], 'november.csv', { type: 'text/csv' });
    await userEvent.upload(section.querySelector('input[type="file"]') as HTMLInputElement, file);
    await userEvent.click(within(section).getByRole('button', { name: 'Upload' }));
    const wizard = await within(section).findByRole('group', { name: /Map the columns/ });
    expect(api.calls.find((call) => call.url.startsWith('/api/v1/banking/imports/files'))!.body).toEqual({ content: 'Date,Description,Amount\n2026-11-01,Corner Bakery,-4.50\n' });
    expect(within(wizard).getByRole('combobox', { name: 'Amount column' })).toHaveValue('2');
    await userEvent.selectOptions(within(wizard).getByRole('combobox', { name: 'Memo column' }), '1');
    await userEvent.click(within(wizard).getByRole('button', { name: 'Preview' }));
    expect(api.calls.find((call) => call.url === '/api/v1/banking/imports/preview')!.body).toEqual({ fileId: 'file-1', mapping: { ...mapping, memoColumn: 1 } });
    expect(await within(section).findByText('1 new, 1 duplicate, 1 invalid of 3 rows.')).toBeInTheDocument();
    const rows = within(section).getByRole('table', { name: 'Rows of the file and what the import will do with each' });
    expect(within(rows).getByText('"forty" is not an amount')).toBeInTheDocument();
    const importButton = within(section).getByRole('button', { name: 'Import 1 new transaction(s)' });
    expect(importButton).toBeDisabled();
    await userEvent.click(within(section).getByRole('checkbox', { name: 'Skip the 1 invalid row(s) and import the rest' }));
    await userEvent.click(importButton);
    expect(await within(section).findByText('Imported 1 new transaction(s); 1 duplicate(s) skipped.')).toBeInTheDocument();
    const commit = api.calls.find((call) => call.method === 'POST' && call.url === '/api/v1/banking/imports')!;
    expect(commit.body).toMatchObject({ fileId: 'file-1', skipInvalid: true });
    expect(commit.headers['Idempotency-Key']).toBeTruthy();
    await userEvent.click(await within(section).findByRole('button', { name: 'Undo import of november.csv' }));
    expect(await within(section).findByText('The import was undone (its journals are reversed).')).toBeInTheDocument();
  });

  it('shows why a file was refused, with its line', async () => {
    bankingApi({ 'POST /banking/imports/files': () => problem(422, [{ field: '/file/line/34', message: 'line 34: </BANKTRANLIST> found where </STMTTRN> (opened on line 21) was expected', code: 'malformed_file' }], 'the file cannot be imported: line 34: </BANKTRANLIST> found where </STMTTRN> (opened on line 21) was expected') });
    renderStudio(<BankingPage />);
    const section = await screen.findByRole('region', { name: 'Import a statement file' });
    await waitFor(() => expect(within(section).getByRole('combobox', { name: 'Account' })).toHaveTextContent('Checking'));
    await userEvent.selectOptions(within(section).getByRole('combobox', { name: 'Account' }), personalAccounts[0]!.id);
    await userEvent.upload(section.querySelector('input[type="file"]') as HTMLInputElement, new File(['<OFX>'], 'broken.ofx'));
    await userEvent.click(within(section).getByRole('button', { name: 'Upload' }));
    expect(await within(section).findByRole('alert')).toHaveTextContent(/line 34/);
  });
});
