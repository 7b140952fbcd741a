import { describe, expect, it } from 'vitest';
import { dedupe, normalizePayee, similarPayees, type ExistingTransaction, type IncomingRow } from '../../engine/banking/import/dedupe.js';
import { matchPlannedTransfers } from '../../engine/banking/reconcile.js';
import { plaidAmountMinor, ledgerSignBalance } from '../../engine/banking/sync.js';
import { suggestedSubtype } from '../../engine/banking/items.js';

const row = (date: string, amount: number, payee: string | null, externalId: string | null = null): IncomingRow => ({ date, amountMinor: BigInt(amount), payee, externalId });
const existing = (id: string, date: string, amount: number, payee: string | null, extra: Partial<ExistingTransaction> = {}): ExistingTransaction => ({ id, date, amountMinor: BigInt(amount), payee, fileExternalId: null, contentHash: null, ...extra });

describe('payee similarity', () => {
  it('ignores case, accents, punctuation and store numbers', () => {
    expect(normalizePayee("TRADER JOE'S #552")).toBe('trader joe s');
    expect(similarPayees('NETFLIX.COM', 'Netflix')).toBe(true);
    expect(similarPayees('Uber *Trip', 'UBER TRIP 8832')).toBe(true);
    expect(similarPayees('Café Métro', 'CAFE METRO')).toBe(true);
    expect(similarPayees('Whole Foods Market', 'Shell Oil')).toBe(false);
    expect(similarPayees(null, 'anything')).toBe(true);
  });
});

describe('dedupe', () => {
  it('matches bank ids first, and a repeated id within the file', () => {
    const verdicts = dedupe([row('2026-11-01', -100, 'A', 'F1'), row('2026-11-02', -200, 'B', 'F2'), row('2026-11-02', -200, 'B', 'F2')], [existing('7', '2026-11-01', -100, 'A', { fileExternalId: 'F1' })]);
    expect(verdicts.map((verdict) => verdict.status === 'duplicate' ? verdict.reason : 'new')).toEqual(['bank_id', 'new', 'repeated_in_file']);
  });

  it('keeps identical id-less rows of one file apart, and recognises each on re-import', () => {
    const file = [row('2026-11-05', -899, 'Deutsche Bahn'), row('2026-11-05', -899, 'Deutsche Bahn')];
    const first = dedupe(file, []);
    expect(first.map((verdict) => verdict.status)).toEqual(['new', 'new']);
    const stored = first.map((verdict, index) => existing(String(index), '2026-11-05', -899, 'Deutsche Bahn', { contentHash: verdict.status === 'new' ? verdict.contentHash : null }));
    expect(new Set(stored.map((entry) => entry.contentHash)).size).toBe(2);
    expect(dedupe(file, stored).map((verdict) => verdict.status === 'duplicate' && verdict.reason)).toEqual(['same_row', 'same_row']);
    // A third identical ticket in a later export is new.
    expect(dedupe([...file, row('2026-11-05', -899, 'Deutsche Bahn')], stored).map((verdict) => verdict.status)).toEqual(['duplicate', 'duplicate', 'new']);
  });

  it('fuzzy-matches same amount within 3 days and a similar payee, closest first, each once', () => {
    const verdicts = dedupe(
      [row('2026-11-04', -1549, 'NETFLIX.COM'), row('2026-11-05', -1549, 'Netflix'), row('2026-11-10', -1549, 'Netflix'), row('2026-11-05', -5000, 'Shell')],
      [existing('a', '2026-11-01', -1549, 'Netflix'), existing('b', '2026-11-05', -1549, 'Netflix'), existing('c', '2026-11-05', -5000, 'Whole Foods')],
    );
    expect(verdicts.map((verdict) => (verdict.status === 'duplicate' ? verdict.matchedId : 'new'))).toEqual(['a', 'b', 'new', 'new']);
  });

  it('does not fuzzy-match a row with a bank id against a row with another bank id', () => {
    const verdicts = dedupe([row('2026-11-04', -1549, 'Netflix', 'F9')], [existing('a', '2026-11-04', -1549, 'Netflix', { fileExternalId: 'F8' }), existing('p', '2026-11-05', -1549, 'Netflix')]);
    expect(verdicts[0]).toEqual({ status: 'duplicate', reason: 'fuzzy', matchedId: 'p' });
  });

  it('handles 100,000 rows set-based (new, then all duplicates) in seconds', () => {
    const rows = Array.from({ length: 100_000 }, (_, index) => row(`2026-${String((index % 12) + 1).padStart(2, '0')}-${String((index % 28) + 1).padStart(2, '0')}`, -(index % 5000) - 1, `Payee ${index % 300}`));
    const started = performance.now();
    const first = dedupe(rows, []);
    const stored = first.map((verdict, index) => existing(String(index), rows[index]!.date, Number(rows[index]!.amountMinor), rows[index]!.payee, { contentHash: verdict.status === 'new' ? verdict.contentHash : null }));
    const again = dedupe(rows, stored);
    expect(again.every((verdict) => verdict.status === 'duplicate')).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('planned transfers', () => {
  it('pairs by account and amount within the window, closest date first, each journal once', () => {
    const matches = matchPlannedTransfers(
      [
        { key: 'x', ledgerAccountId: 'A', amountMinor: -300000n, date: '2026-11-26' },
        { key: 'y', ledgerAccountId: 'A', amountMinor: -300000n, date: '2026-11-25' },
        { key: 'z', ledgerAccountId: 'B', amountMinor: -300000n, date: '2026-11-25' },
      ],
      [{ journalId: 'j1', ledgerAccountId: 'A', amountMinor: -300000n, date: '2026-11-25' }, { journalId: 'j2', ledgerAccountId: 'A', amountMinor: -300000n, date: '2026-11-20' }],
    );
    expect([...matches]).toEqual([['y', 'j1']]);
  });
});

describe('Plaid amounts and account types', () => {
  it('turns floats into exact minor units and owed balances into credits', () => {
    expect(plaidAmountMinor(0.1 + 0.2, 'USD')).toBe(30n);
    expect(plaidAmountMinor(-3150, 'USD')).toBe(-315000n);
    expect(plaidAmountMinor(1234, 'JPY')).toBe(1234n);
    expect(ledgerSignBalance('credit', 41000n)).toBe(-41000n);
    expect(ledgerSignBalance('depository', 41000n)).toBe(41000n);
    expect([suggestedSubtype('credit', 'credit card'), suggestedSubtype('depository', 'savings'), suggestedSubtype('investment', 'ira'), suggestedSubtype('loan', 'mortgage')]).toEqual(['credit_card', 'savings', 'retirement', 'mortgage']);
  });
});
