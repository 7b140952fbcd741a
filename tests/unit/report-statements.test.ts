import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountSum, ReportAccount } from '../../engine/reports/account-sums.js';
import { balanceSheet } from '../../engine/reports/balance-sheet.js';
import { cashFlowActivity, cashFlowStatement } from '../../engine/reports/cash-flow.js';
import { incomeStatement } from '../../engine/reports/income-statement.js';
import { capitalRollForward, intercompanyPositions, kindSubtotals } from '../../engine/reports/inter-entity-audit.js';
import { computeNetWorth } from '../../engine/reports/net-worth.js';
import type { ReportEntity } from '../../engine/reports/report-scope.js';
import { scheduleC, drawsAndContributions } from '../../engine/reports/schedule-c.js';
import { trialBalanceReport } from '../../engine/reports/trial-balance.js';

const llc: ReportEntity = { id: 'L', name: 'Studio LLC', kind: 'llc', slug: 'studio', baseCurrency: 'USD' };
const owner: ReportEntity = { id: 'P', name: 'Sam', kind: 'personal', slug: 'sam', baseCurrency: 'USD' };
const header = { entity: llc, currency: 'USD', otherCurrencies: [] };

let next = 0;
function account(entity: ReportEntity, type: ReportAccount['type'], subtype: ReportAccount['subtype'], extra: Partial<ReportAccount> = {}): ReportAccount {
  next += 1;
  return { id: `a${next}`, entityId: entity.id, entityKind: entity.kind, entitySlug: entity.slug, code: String(1000 + next), name: `${type} ${next}`, type, subtype, role: null, counterpartyEntityId: null, currency: 'USD', scheduleCLine: null, ...extra };
}
const sum = (netMinor: bigint, postingCount = 1n): AccountSum => ({ netMinor, debitMinor: netMinor > 0n ? netMinor : 0n, creditMinor: netMinor < 0n ? -netMinor : 0n, postingCount });
const sums = (entries: [ReportAccount, bigint][]) => new Map(entries.map(([a, minor]) => [a.id, sum(minor)]));

const checking = account(llc, 'asset', 'checking');
const card = account(llc, 'liability', 'credit_card');
const loanPayable = account(llc, 'liability', 'loan', { role: 'loan_payable_member', counterpartyEntityId: 'P' });
const capital = account(llc, 'equity', 'equity', { role: 'owners_capital', counterpartyEntityId: 'P' });
const draws = account(llc, 'equity', 'equity', { role: 'owners_draws', counterpartyEntityId: 'P' });
const sales = account(llc, 'income', 'income', { scheduleCLine: '1' });
const returns = account(llc, 'income', 'income', { scheduleCLine: '2' });
const software = account(llc, 'expense', 'expense', { scheduleCLine: '27a' });
const meals = account(llc, 'expense', 'expense', { scheduleCLine: '24b' });
const unmapped = account(llc, 'expense', 'expense');
const llcAccounts = [checking, card, loanPayable, capital, draws, sales, returns, software, meals, unmapped];

// A balanced set of balances: contribution 5,000; loan 2,000; sales 9,000; returns 500; expenses; a draw.
const balances = sums([
  [checking, 500_000n + 200_000n + 900_000n - 50_000n - 30_000n - 100_000n - 300_000n],
  [card, -40_000n],
  [loanPayable, -200_000n],
  [capital, -500_000n],
  [draws, 300_000n],
  [sales, -900_000n],
  [returns, 50_000n],
  [software, 30_000n + 40_000n],
  [meals, 10_000n],
  [unmapped, 90_000n],
]);

describe('statements (pure)', () => {
  it('the balance sheet balances with retained earnings in equity', () => {
    const total = [...balances.values()].reduce((t, s) => t + s.netMinor, 0n);
    expect(total).toBe(0n);
    const bs = balanceSheet(header, llcAccounts, balances, '2026-06-30');
    expect(bs.balanced).toBe(true);
    expect(bs.totals).toEqual({ assets: '11200.00', liabilities: '2400.00', equity: '8800.00', liabilitiesAndEquity: '11200.00', netWorth: '8800.00' });
    expect(bs.sections[2]!.lines.at(-1)).toMatchObject({ name: expect.stringMatching(/Retained earnings/), amount: '6800.00' });
  });

  it('the income statement nets income and expenses, never draws', () => {
    const is = incomeStatement(header, llcAccounts, balances, { from: '2026-01-01', to: '2026-06-30' }, { period: { from: '2025-01-01', to: '2025-06-30' }, activity: new Map() });
    expect(is.totals).toEqual({ income: '8500.00', expenses: '1700.00', netIncome: '6800.00' });
    expect(is.comparisonTotals).toEqual({ income: '0.00', expenses: '0.00', netIncome: '0.00' });
    expect(is.sections.flatMap((section) => section.lines.map((line) => line.accountId))).not.toContain(draws.id);
  });

  it('the trial balance: debits = credits, split closing columns', () => {
    const tb = trialBalanceReport(header, llcAccounts, new Map(), balances, { from: '2026-01-01', to: '2026-06-30' });
    expect(tb.balanced).toBe(true);
    expect(tb.totals.closingDebit).toBe(tb.totals.closingCredit);
    expect(tb.lines.find((line) => line.accountId === card.id)).toMatchObject({ closingDebit: '0.00', closingCredit: '400.00', closing: '-400.00' });
  });

  it('cash flow classifies by account and always adds up to the change in cash', () => {
    expect(cashFlowActivity(card)).toBe('operating');
    expect(cashFlowActivity(loanPayable)).toBe('financing');
    expect(cashFlowActivity(capital)).toBe('financing');
    expect(cashFlowActivity(checking)).toBeUndefined();
    expect(cashFlowActivity({ type: 'asset', subtype: 'brokerage', role: null })).toBe('investing');
    const flow = cashFlowStatement(header, llcAccounts, new Map(), balances, { from: '2026-01-01', to: '2026-06-30' });
    expect(flow.reconciled).toBe(true);
    expect(flow.closingCash).toBe('11200.00');
    expect(flow.sections.map((section) => [section.key, section.total])).toEqual([
      ['operating', '7200.00'], // 6,800 net income + 400 more owed on the card
      ['investing', '0.00'],
      ['financing', '4000.00'], // 5,000 in + 2,000 loan − 3,000 drawn
    ]);
  });

  it('any balanced set of postings gives a balanced sheet and a reconciled cash flow', () => {
    const pool = llcAccounts;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(pool.length - 1), fc.nat(pool.length - 1), fc.bigInt({ min: 1n, max: 10n ** 12n })), { maxLength: 40 }), (moves) => {
        const opening = new Map<string, AccountSum>();
        const activity = new Map<string, AccountSum>();
        moves.forEach(([from, to, amount], index) => {
          const target = index % 2 === 0 ? opening : activity;
          for (const [id, delta] of [[pool[from]!.id, -amount], [pool[to]!.id, amount]] as const) target.set(id, sum((target.get(id)?.netMinor ?? 0n) + delta));
        });
        const closing = new Map<string, AccountSum>(pool.map((a) => [a.id, sum((opening.get(a.id)?.netMinor ?? 0n) + (activity.get(a.id)?.netMinor ?? 0n))]));
        expect(balanceSheet(header, pool, closing, '2026-01-31').balanced).toBe(true);
        expect(cashFlowStatement(header, pool, opening, activity, { from: '2026-01-01', to: '2026-01-31' }).reconciled).toBe(true);
        expect(capitalRollForward(pool, opening, activity, 'USD').reconciled).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});

describe('Schedule C (pure)', () => {
  it('maps accounts to lines, counts unmapped ones on 27a, leaves draws out', () => {
    const report = scheduleC(header, llcAccounts, balances, 2026, drawsAndContributions([
      { id: 't1', kind: 'capital_contribution', date: '2026-01-02', amount: '5000.00', purpose: 'Seed', documentRef: null, reversed: false },
      { id: 't2', kind: 'owner_draw', date: '2026-02-28', amount: '3000.00', purpose: 'Draw', documentRef: null, reversed: false },
      { id: 't3', kind: 'owner_draw', date: '2026-03-28', amount: '999.00', purpose: 'Mistake', documentRef: null, reversed: true },
    ], 'USD'));
    const line = (name: string) => report.lines.find((row) => row.line === name)!.amount;
    expect(line('1')).toBe('9000.00');
    expect(line('2')).toBe('500.00');
    expect(line('24b')).toBe('100.00');
    expect(line('27a')).toBe('1600.00');
    expect(report.totals).toMatchObject({ line3: '8500.00', line7: '8500.00', line28: '1700.00', line31: '6800.00' });
    expect(report.unmappedAccounts).toEqual([expect.objectContaining({ accountId: unmapped.id, countedOn: '27a', amount: '900.00' })]);
    expect(report.drawsAndContributions).toMatchObject({ contributions: '5000.00', draws: '3000.00', net: '2000.00' });
  });
});

describe('household net worth (pure)', () => {
  const ownerChecking = account(owner, 'asset', 'checking');
  const ownerLoanReceivable = account(owner, 'asset', 'receivable', { role: 'loan_receivable_llc', counterpartyEntityId: 'L' });
  const ownerCard = account(owner, 'liability', 'credit_card');
  const accounts = [...llcAccounts, ownerChecking, ownerLoanReceivable, ownerCard];

  it('eliminates intercompany balances: consolidated = Σ entity net worths − Σ intercompany', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), { minLength: accounts.length, maxLength: accounts.length }), (amounts) => {
        const balances = new Map(accounts.map((a, index) => [a.id, sum(amounts[index]!)]));
        const { entities, consolidated } = computeNetWorth([llc, owner], accounts, balances);
        const sumNetWorth = entities.reduce((t, e) => t + e.netWorthMinor, 0n);
        const intercompany = entities.reduce((t, e) => t + e.intercompanyMinor, 0n);
        expect(consolidated.entitiesNetWorthMinor).toBe(sumNetWorth);
        expect(consolidated.netWorthMinor).toBe(sumNetWorth - intercompany);
        expect(intercompany).toBe(amounts[accounts.indexOf(loanPayable)]! + amounts[accounts.indexOf(ownerLoanReceivable)]!);
      }),
    );
  });

  it('a member loan changes neither entity total nor the consolidated one', () => {
    const before = computeNetWorth([llc, owner], accounts, sums([[ownerChecking, 100_000n]]));
    const after = computeNetWorth([llc, owner], accounts, sums([[ownerChecking, 60_000n], [ownerLoanReceivable, 40_000n], [checking, 40_000n], [loanPayable, -40_000n]]));
    expect(after.consolidated.netWorthMinor).toBe(before.consolidated.netWorthMinor);
    expect(after.consolidated.assetsMinor).toBe(before.consolidated.assetsMinor);
    expect(after.entities.map((e) => e.netWorthMinor)).toEqual(before.entities.map((e) => e.netWorthMinor));
  });
});

describe('inter-entity positions (pure)', () => {
  const ownerLoanReceivable = account(owner, 'asset', 'receivable', { role: 'loan_receivable_llc', counterpartyEntityId: 'L' });
  const dueToOwner = account(llc, 'liability', 'payable', { role: 'due_to_owner', counterpartyEntityId: 'P' });
  const dueFromLlc = account(owner, 'asset', 'receivable', { role: 'due_from_llc', counterpartyEntityId: 'L' });
  const pair = [loanPayable, ownerLoanReceivable, dueToOwner, dueFromLlc];

  it('runs both sides day by day and marks the day they disagree', () => {
    const result = intercompanyPositions(pair, 'L', sums([[loanPayable, -100_000n], [ownerLoanReceivable, 100_000n]]), [
      { date: '2026-02-01', seq: 1n, accountId: loanPayable.id, amountMinor: 25_000n, journalId: 'j1', transferId: 't1' },
      { date: '2026-02-01', seq: 2n, accountId: ownerLoanReceivable.id, amountMinor: -25_000n, journalId: 'j2', transferId: 't1' },
      { date: '2026-03-05', seq: 3n, accountId: dueToOwner.id, amountMinor: -8_000n, journalId: 'j3', transferId: null },
    ], '2026-01-31', 'USD');
    expect(result.opening.memberLoan).toEqual({ llcBooks: '1000.00', ownerBooks: '1000.00', reconciled: true });
    expect(result.rows[0]).toMatchObject({ date: '2026-02-01', memberLoan: { llcBooks: '750.00', ownerBooks: '750.00', reconciled: true }, transferIds: ['t1'] });
    expect(result.rows[1]).toMatchObject({ date: '2026-03-05', due: { llcBooks: '80.00', ownerBooks: '0.00', reconciled: false }, journalIds: ['j3'] });
  });

  it('subtotals per kind and direction leave reversed transfers out of the amounts', () => {
    const base = { kindLabel: '', ownerEntityId: 'P', from: {} as never, to: {} as never, purpose: '', documentRef: null, approvedBy: null, flowRunId: null, llcJournalId: '', ownerJournalId: '', interest: '0.00' };
    const totals = kindSubtotals([
      { ...base, id: '1', kind: 'owner_draw', direction: 'llc_to_owner', date: '2026-01-01', amount: '10.00', reversed: false },
      { ...base, id: '2', kind: 'owner_draw', direction: 'llc_to_owner', date: '2026-01-02', amount: '5.00', reversed: true },
      { ...base, id: '3', kind: 'member_loan', direction: 'owner_to_llc', date: '2026-01-02', amount: '7.00', reversed: false },
    ], 'USD');
    expect(totals).toEqual([
      { kind: 'member_loan', direction: 'owner_to_llc', count: 1, amount: '7.00', interest: '0.00', reversedCount: 0 },
      { kind: 'owner_draw', direction: 'llc_to_owner', count: 1, amount: '10.00', interest: '0.00', reversedCount: 1 },
    ]);
  });
});
