import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setSession } from '../../studio/src/api/client';
import ReportsPage from '../../studio/src/pages/reports/ReportsPage';
import { presetPeriod } from '../../studio/src/pages/reports/periods';
import { EntityScopeProvider } from '../../studio/src/shell/entity-scope';
import { fakeApi, renderStudio } from './render';

const llc = { id: 'llc-1', kind: 'llc', name: 'Lee Studio LLC', slug: 'lee-studio-llc', baseCurrency: 'USD', createdAt: '2026-01-01T00:00:00Z' };
const personal = { id: 'me-1', kind: 'personal', name: 'Jordan Lee', slug: 'jordan-lee', baseCurrency: 'USD', createdAt: '2026-01-01T00:00:00Z' };
const header = { entity: { id: llc.id, name: llc.name, kind: 'llc', slug: llc.slug }, currency: 'USD', otherCurrencies: [] };

const balanceSheet = {
  ...header,
  asOf: '2026-06-30',
  sections: [
    { key: 'assets', label: 'Assets', lines: [{ accountId: 'a1', code: '1000', name: 'Business Checking', amount: '12000.00' }], total: '12000.00' },
    { key: 'liabilities', label: 'Liabilities', lines: [{ accountId: 'a2', code: '2100', name: 'Loan Payable to Member', amount: '2000.00' }], total: '2000.00' },
    { key: 'equity', label: 'Equity', lines: [{ accountId: 'retained-earnings', code: '', name: 'Retained earnings', amount: '10000.00' }], total: '10000.00' },
  ],
  totals: { assets: '12000.00', liabilities: '2000.00', equity: '10000.00', liabilitiesAndEquity: '12000.00', netWorth: '10000.00' },
  balanced: true,
};

const row = (date: string, loan: string, ok = true) => ({ date, memberLoan: { llcBooks: loan, ownerBooks: loan, reconciled: ok }, due: { llcBooks: '0.00', ownerBooks: ok ? '0.00' : '80.00', reconciled: ok } });
const audit = {
  entity: header.entity,
  currency: 'USD',
  from: '2026-01-01',
  to: '2026-06-30',
  owners: [{ entityId: personal.id, name: personal.name }],
  transfers: [
    {
      id: 't1', kind: 'owner_draw', kindLabel: 'Owner draw', direction: 'llc_to_owner', date: '2026-01-28', amount: '1500.00', interest: '0.00',
      from: { entityName: llc.name, accountName: 'Business Checking' }, to: { entityName: personal.name, accountName: 'Checking' },
      purpose: 'Monthly owner draw', documentRef: null, approvedBy: { userId: 'u1', email: 'jordan@example.com' }, flowRunId: 'run-1234-5678', llcJournalId: 'aaaaaaaa-1', ownerJournalId: 'bbbbbbbb-1', reversed: false,
    },
  ],
  subtotals: [{ kind: 'owner_draw', direction: 'llc_to_owner', count: 1, amount: '1500.00', interest: '0.00', reversedCount: 0 }],
  positions: [{ ownerEntityId: personal.id, ownerName: personal.name, opening: row('2025-12-31', '0.00'), rows: [row('2026-03-05', '0.00', false)], closing: row('2026-03-05', '0.00', false), reconciled: false }],
  capital: { opening: '5000.00', contributions: '0.00', draws: '1500.00', netIncome: '6500.00', other: '0.00', closing: '10000.00', reconciled: true },
  flags: [
    {
      code: 'transfer_missing_document', severity: 'medium', message: 'The owner draw of 1500.00 on 2026-01-28 has no document (agreement, resolution, receipt).',
      transactions: [{ entityId: llc.id, journalId: 'aaaaaaaa-1', transferId: 't1', date: '2026-01-28', amount: '1500.00', payee: null, memo: 'Monthly owner draw' }],
    },
  ],
  settings: { dormantLoanMonths: 6 },
  summary: { transfers: 1, flags: 1, highSeverityFlags: 0, reconciled: false },
};

// jsdom does not scroll; Mantine's combobox asks it to.
Element.prototype.scrollIntoView ??= () => {};

beforeEach(() => {
  setSession({ accessToken: 'access-token-1', accessTokenExpiresAt: '2099-01-01T00:00:00Z', refreshToken: 'refresh-token-1234567890', refreshTokenExpiresAt: '2099-01-01T00:00:00Z' });
  window.localStorage.setItem('sluice.entity', llc.id);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  setSession(null);
  window.localStorage.clear();
});

function renderPage() {
  return renderStudio(
    <EntityScopeProvider>
      <ReportsPage />
    </EntityScopeProvider>,
    { route: '/reports' },
  );
}

describe('Reports page', () => {
  it('shows the balance sheet of the chosen entity for the chosen period, with labelled pickers', async () => {
    const api = fakeApi({ 'GET /entities': () => ({ body: { data: [llc, personal] } }), [`GET /entities/${llc.id}/reports/balance-sheet`]: () => ({ body: balanceSheet }) });
    renderPage();
    const assets = await screen.findByRole('table', { name: 'Assets' }, { timeout: 10_000 });
    expect(within(assets).getByText('Business Checking')).toBeInTheDocument();
    expect(within(assets).getAllByText('$12,000.00').length).toBeGreaterThan(0);
    expect(screen.getByText('Assets = liabilities + equity')).toBeInTheDocument();
    for (const label of ['Entity', 'Period', 'From', 'To (as of)', 'Compare with']) expect(screen.getAllByLabelText(label).length).toBeGreaterThan(0);
    const call = api.calls.find((candidate) => candidate.url.includes('/reports/balance-sheet'))!;
    const { from, to } = presetPeriod('this_year', new Date().toISOString().slice(0, 10));
    expect(call.url).toContain(`from=${from}`);
    expect(call.url).toContain(`to=${to.slice(0, 4)}`);
    expect(call.headers.authorization).toBe('Bearer access-token-1');
  });

  it('shows the audit report with its flags and the reconciliation on both sides', async () => {
    fakeApi({
      'GET /entities': () => ({ body: { data: [llc, personal] } }),
      [`GET /entities/${llc.id}/reports/balance-sheet`]: () => ({ body: balanceSheet }),
      [`GET /entities/${llc.id}/reports/inter-entity-audit`]: () => ({ body: audit }),
    });
    renderPage();
    await userEvent.click(await screen.findByRole('tab', { name: 'Inter-entity audit' }, { timeout: 10_000 }));
    const flag = await screen.findByTestId('audit-flag', {}, { timeout: 10_000 });
    expect(flag).toHaveTextContent('Medium: Transfer without a document');
    expect(within(flag).getByRole('table')).toHaveTextContent('Monthly owner draw');
    const transfers = screen.getByRole('table', { name: 'Transfers between the LLC and its owner' });
    expect(transfers).toHaveTextContent('jordan@example.com, flow run run-1234');
    expect(screen.getByRole('table', { name: `Member loan and due to/from with ${personal.name}` })).toHaveTextContent('Mismatch');
    expect(screen.getByRole('table', { name: "Owner's capital roll-forward" })).toHaveTextContent('$10,000.00');
  });

  it('downloads CSV and PDF with the bearer token, through a Blob URL', async () => {
    const createObjectURL = vi.fn(() => 'blob:report');
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }));
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    const api = fakeApi({ 'GET /entities': () => ({ body: { data: [llc, personal] } }), [`GET /entities/${llc.id}/reports/balance-sheet`]: () => ({ body: balanceSheet }) });
    renderPage();
    await screen.findByRole('table', { name: 'Assets' }, { timeout: 10_000 });
    await userEvent.click(screen.getByRole('button', { name: 'Download Balance sheet as CSV' }));
    await waitFor(() => expect(click).toHaveBeenCalledTimes(1));
    await userEvent.click(screen.getByRole('button', { name: 'Download Balance sheet as PDF' }));
    await waitFor(() => expect(click).toHaveBeenCalledTimes(2));
    const downloads = api.calls.filter((call) => /format=(csv|pdf)/.test(call.url));
    expect(downloads.map((call) => call.url.match(/format=(\w+)/)![1])).toEqual(['csv', 'pdf']);
    expect(downloads.every((call) => call.headers.authorization === 'Bearer access-token-1')).toBe(true);
    expect(createObjectURL).toHaveBeenCalledTimes(2);
  });

  it('refuses an end date before the start without calling the API', async () => {
    const api = fakeApi({ 'GET /entities': () => ({ body: { data: [llc, personal] } }), [`GET /entities/${llc.id}/reports/balance-sheet`]: () => ({ body: balanceSheet }) });
    renderPage();
    await screen.findByRole('table', { name: 'Assets' }, { timeout: 10_000 });
    await userEvent.click(screen.getByRole('combobox', { name: 'Period' }));
    await userEvent.click(await screen.findByRole('option', { name: 'Custom dates' }));
    const to = screen.getByLabelText('To (as of)');
    await userEvent.clear(to);
    await userEvent.type(to, '2000-01-01');
    expect(await screen.findByText('The end must not be before the start')).toBeInTheDocument();
    expect(api.calls.some((call) => call.url.includes('to=2000-01-01'))).toBe(false);
  });
});
