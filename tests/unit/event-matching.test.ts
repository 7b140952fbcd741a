/**
 * eventFires: which ledger events fire an event trigger. transaction.posted with and without an
 * account and filters (payee, category, amount), and balance.below/above firing on the crossing
 * only — including negative thresholds (a card, an overdraft).
 */
import { describe, expect, it } from 'vitest';
import type { EventData } from '../../engine/flows/nodes/triggers.js';
import { eventFires, filterVariables, type LedgerEvent } from '../../engine/scheduler/event-matching.js';

const CHECKING = '00000000-0000-4000-8000-000000000001';
const SAVINGS = '00000000-0000-4000-8000-000000000002';
const GROCERIES = '00000000-0000-4000-8000-000000000003';
const RENT = '00000000-0000-4000-8000-000000000004';

/** A deposit of 150.00 into checking (1,000.00 → 1,150.00) unless overridden. */
function event(overrides: Partial<LedgerEvent> = {}): LedgerEvent {
  return {
    id: 1n,
    householdId: '00000000-0000-4000-8000-0000000000aa',
    postingId: 10n,
    journalId: '00000000-0000-4000-8000-0000000000bb',
    entityId: '00000000-0000-4000-8000-0000000000cc',
    accountId: CHECKING,
    amountMinor: 15_000n,
    currency: 'USD',
    balanceBeforeMinor: 100_000n,
    balanceAfterMinor: 115_000n,
    flowRunId: null,
    payee: null,
    memo: '',
    categoryId: null,
    createdAt: '2026-03-15T14:00:00.000Z',
    attempts: 0,
    ...overrides,
  };
}

/** An event moving a balance from `before` to `after` (minor units). */
const move = (before: bigint, after: bigint, overrides: Partial<LedgerEvent> = {}) => event({ balanceBeforeMinor: before, balanceAfterMinor: after, amountMinor: after - before, ...overrides });

const posted = (extra: Partial<EventData> = {}): EventData => ({ event: 'transaction.posted', ...extra });
const below = (threshold: string, extra: Partial<EventData> = {}): EventData => ({ event: 'balance.below', accountId: CHECKING, threshold, ...extra });
const above = (threshold: string, extra: Partial<EventData> = {}): EventData => ({ event: 'balance.above', accountId: CHECKING, threshold, ...extra });

describe('transaction.posted', () => {
  it('without an account fires for a posting into any account, in or out', () => {
    expect(eventFires(posted(), event())).toBe(true);
    expect(eventFires(posted(), event({ accountId: SAVINGS }))).toBe(true);
    expect(eventFires(posted(), event({ amountMinor: -15_000n }))).toBe(true);
  });

  it('with an account fires only for postings into that account', () => {
    expect(eventFires(posted({ accountId: CHECKING }), event())).toBe(true);
    expect(eventFires(posted({ accountId: CHECKING }), event({ accountId: SAVINGS }))).toBe(false);
    expect(eventFires(posted({ accountId: SAVINGS, filter: { '>': [{ var: 'amount' }, 0] } }), event())).toBe(false);
  });

  it('amount filters compare major units (amount) or minor units (amountMinor); money out is negative', () => {
    const over100 = posted({ accountId: CHECKING, filter: { '>': [{ var: 'amount' }, 100] } });
    expect(eventFires(over100, event({ amountMinor: 10_001n }))).toBe(true);
    expect(eventFires(over100, event({ amountMinor: 10_000n }))).toBe(false);
    expect(eventFires(over100, event({ amountMinor: 5_000n }))).toBe(false);
    expect(eventFires(over100, event({ amountMinor: -50_000n }))).toBe(false);
    const outgoing = posted({ filter: { '<': [{ var: 'amount' }, 0] } });
    expect(eventFires(outgoing, event({ amountMinor: -1n }))).toBe(true);
    expect(eventFires(outgoing, event({ amountMinor: 1n }))).toBe(false);
    expect(eventFires(posted({ filter: { '===': [{ var: 'amountMinor' }, 15_000] } }), event())).toBe(true);
    // Zero-decimal currencies: amount is the minor amount.
    expect(eventFires(posted({ filter: { '>=': [{ var: 'amount' }, 5000] } }), event({ currency: 'JPY', amountMinor: 5_000n }))).toBe(true);
    expect(eventFires(posted({ filter: { '>=': [{ var: 'amount' }, 5000] } }), event({ currency: 'JPY', amountMinor: 4_999n }))).toBe(false);
    expect(filterVariables(event({ amountMinor: 123_456n })).amount).toBe(1234.56);
  });

  it('payee filters read the journal payee ("" when there is none)', () => {
    const fromAcme = posted({ accountId: CHECKING, filter: { '==': [{ var: 'payee' }, 'Acme Corp'] } });
    expect(eventFires(fromAcme, event({ payee: 'Acme Corp' }))).toBe(true);
    expect(eventFires(fromAcme, event({ payee: 'Acme Corporation' }))).toBe(false);
    expect(eventFires(fromAcme, event({ payee: null }))).toBe(false);
    const mentionsAcme = posted({ filter: { in: ['Acme', { var: 'payee' }] } });
    expect(eventFires(mentionsAcme, event({ payee: 'Paid by Acme Corp' }))).toBe(true);
    expect(eventFires(posted({ filter: { '==': [{ var: 'payee' }, ''] } }), event({ payee: null }))).toBe(true);
  });

  it('category filters read the other account of a simple two-posting journal', () => {
    const groceries = posted({ accountId: CHECKING, filter: { '==': [{ var: 'categoryId' }, GROCERIES] } });
    expect(eventFires(groceries, event({ amountMinor: -4_250n, categoryId: GROCERIES }))).toBe(true);
    expect(eventFires(groceries, event({ amountMinor: -4_250n, categoryId: RENT }))).toBe(false);
    expect(eventFires(groceries, event({ amountMinor: -4_250n, categoryId: null }))).toBe(false);
  });

  it('combined filters must all hold', () => {
    const bigAcmeDeposit = posted({ accountId: CHECKING, filter: { and: [{ '>': [{ var: 'amount' }, 100] }, { '==': [{ var: 'payee' }, 'Acme'] }] } });
    expect(eventFires(bigAcmeDeposit, event({ payee: 'Acme' }))).toBe(true);
    expect(eventFires(bigAcmeDeposit, event({ payee: 'Acme', amountMinor: 9_999n }))).toBe(false);
    expect(eventFires(bigAcmeDeposit, event({ payee: 'Other' }))).toBe(false);
  });

  it('fires regardless of the balance (transaction.posted is not a crossing)', () => {
    expect(eventFires(posted({ accountId: CHECKING }), move(-100_000n, -90_000n))).toBe(true);
  });
});

describe('balance.below: fires on the posting that takes the balance from ≥ threshold to < threshold', () => {
  it('fires on the crossing only, not while the balance stays below or above', () => {
    const trigger = below('1000.00');
    expect(eventFires(trigger, move(150_000n, 90_000n))).toBe(true);
    expect(eventFires(trigger, move(90_000n, 80_000n))).toBe(false); // stays below
    expect(eventFires(trigger, move(80_000n, 95_000n))).toBe(false); // below, going up
    expect(eventFires(trigger, move(150_000n, 120_000n))).toBe(false); // stays above
    expect(eventFires(trigger, move(80_000n, 120_000n))).toBe(false); // crossing upwards
  });

  it('the boundary: from exactly the threshold to one cent under fires; landing exactly on it does not', () => {
    const trigger = below('1000.00');
    expect(eventFires(trigger, move(100_000n, 99_999n))).toBe(true);
    expect(eventFires(trigger, move(100_001n, 100_000n))).toBe(false);
    expect(eventFires(trigger, move(120_000n, 100_000n))).toBe(false);
  });

  it('watches only its account', () => {
    expect(eventFires(below('1000.00'), move(150_000n, 90_000n, { accountId: SAVINGS }))).toBe(false);
  });

  it('a zero threshold fires when the balance goes negative', () => {
    expect(eventFires(below('0'), move(1_000n, -1n))).toBe(true);
    expect(eventFires(below('0'), move(0n, -1n))).toBe(true);
    expect(eventFires(below('0'), move(-1n, -500n))).toBe(false);
    expect(eventFires(below('0'), move(1_000n, 0n))).toBe(false);
  });

  it('negative thresholds (an overdraft, a card balance) cross at the negative amount', () => {
    const trigger = below('-50.00');
    expect(eventFires(trigger, move(-4_000n, -6_000n))).toBe(true);
    expect(eventFires(trigger, move(1_000n, -5_001n))).toBe(true);
    expect(eventFires(trigger, move(-5_000n, -5_001n))).toBe(true);
    expect(eventFires(trigger, move(1_000n, -4_999n))).toBe(false);
    expect(eventFires(trigger, move(1_000n, -5_000n))).toBe(false);
    expect(eventFires(trigger, move(-6_000n, -7_000n))).toBe(false);
    // Whole and one-decimal thresholds parse the same way.
    expect(eventFires(below('-50'), move(-4_000n, -6_000n))).toBe(true);
    expect(eventFires(below('-0.5'), move(0n, -51n))).toBe(true);
    expect(eventFires(below('-0.5'), move(0n, -50n))).toBe(false);
  });

  it('a filter must hold as well', () => {
    const trigger = below('1000.00', { filter: { '==': [{ var: 'payee' }, 'Landlord'] } });
    expect(eventFires(trigger, move(150_000n, 90_000n, { payee: 'Landlord' }))).toBe(true);
    expect(eventFires(trigger, move(150_000n, 90_000n, { payee: 'Grocer' }))).toBe(false);
    expect(eventFires(below('1000.00', { filter: { '<': [{ var: 'balance' }, 500] } }), move(150_000n, 40_000n))).toBe(true);
    expect(eventFires(below('1000.00', { filter: { '<': [{ var: 'balance' }, 500] } }), move(150_000n, 90_000n))).toBe(false);
  });
});

describe('balance.above: fires on the posting that takes the balance from ≤ threshold to > threshold', () => {
  it('fires on the crossing only', () => {
    const trigger = above('1000.00');
    expect(eventFires(trigger, move(90_000n, 150_000n))).toBe(true);
    expect(eventFires(trigger, move(150_000n, 160_000n))).toBe(false); // stays above
    expect(eventFires(trigger, move(160_000n, 150_000n))).toBe(false); // above, going down
    expect(eventFires(trigger, move(80_000n, 90_000n))).toBe(false); // stays below
    expect(eventFires(trigger, move(150_000n, 90_000n))).toBe(false); // crossing downwards
  });

  it('the boundary: from exactly the threshold to one cent over fires; reaching exactly the threshold does not', () => {
    const trigger = above('1000.00');
    expect(eventFires(trigger, move(100_000n, 100_001n))).toBe(true);
    expect(eventFires(trigger, move(90_000n, 100_000n))).toBe(false);
  });

  it('negative thresholds: paying a card down past -500.00', () => {
    const trigger = above('-500.00');
    expect(eventFires(trigger, move(-80_000n, -40_000n))).toBe(true);
    expect(eventFires(trigger, move(-50_000n, -49_999n))).toBe(true);
    expect(eventFires(trigger, move(-80_000n, -50_000n))).toBe(false);
    expect(eventFires(trigger, move(-40_000n, -30_000n))).toBe(false);
  });
});
