/**
 * What the board cache (engine/budget/board-cache.ts) relies on, as properties of the pure
 * board: facts brought up to date from the new rows alone equal the facts of everything; a chain
 * computed once and extended later equals the chain computed at once; after a change, the months
 * before the first month it touches stay what they were.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budgetFacts, budgetMonths, continueMonths, factsWithChanges, firstFactMonth, type AccountBudgetRole, type AssignmentSum, type PostingSum } from '../../engine/budget/board.js';
import { addMonths, compareMonths } from '../../engine/budget/month.js';

const roles = new Map<string, AccountBudgetRole>([
  ['checking', 'cash'],
  ['card', 'card'],
  ['salary', 'to_be_assigned'],
  ['loan', 'to_be_assigned'],
  ['rent', 'expense'],
  ['food', 'expense'],
  ['fun', 'expense'],
]);
const accountIds = [...roles.keys()];
const months = 18;
const monthOf = (offset: number) => addMonths('2025-11', offset);

const posting = fc.record({ account: fc.constantFrom(...accountIds), month: fc.integer({ min: 0, max: months - 1 }), amount: fc.integer({ min: -500_000, max: 500_000 }) });
const assignment = fc.record({ category: fc.constantFrom('rent', 'food', 'fun', 'card'), month: fc.integer({ min: 0, max: months - 1 }), amount: fc.integer({ min: -200_000, max: 300_000 }) });
const hold = fc.record({ month: fc.integer({ min: 0, max: months - 1 }), amount: fc.integer({ min: 0, max: 100_000 }) });
type P = { account: string; month: number; amount: number };
type A = { category: string; month: number; amount: number };
type H = { month: number; amount: number };

const sumsOf = (rows: readonly P[]): PostingSum[] => rows.map((row) => ({ accountId: row.account, month: monthOf(row.month), totalMinor: BigInt(row.amount) }));
const assignmentsOf = (rows: readonly A[]): AssignmentSum[] => rows.map((row) => ({ categoryId: row.category, month: monthOf(row.month), amountMinor: BigInt(row.amount) }));
const heldOf = (rows: readonly H[]) => [...new Map(rows.map((row) => [monthOf(row.month), BigInt(row.amount)]))].map(([month, heldMinor]) => ({ month, heldMinor }));

describe('facts brought up to date', () => {
  it('equal the facts of all rows, and leave the facts they start from as they were', () => {
    fc.assert(
      fc.property(fc.array(posting, { maxLength: 40 }), fc.array(assignment, { maxLength: 20 }), fc.array(posting, { maxLength: 20 }), fc.array(assignment, { maxLength: 10 }), fc.array(hold, { maxLength: 4 }), (oldSums, oldAssigned, newSums, newAssigned, holds) => {
        const before = budgetFacts(roles, sumsOf(oldSums), assignmentsOf(oldAssigned), []);
        const copy = structuredClone(before);
        const after = factsWithChanges(before, roles, sumsOf(newSums), assignmentsOf(newAssigned), heldOf(holds));
        expect(after).toEqual(budgetFacts(roles, [...sumsOf(oldSums), ...sumsOf(newSums)], [...assignmentsOf(oldAssigned), ...assignmentsOf(newAssigned)], heldOf(holds)));
        expect(before).toEqual(copy);
      }),
      { numRuns: 300 },
    );
  });

  it('keep the holds when none are given, and know accounts added since', () => {
    const before = budgetFacts(roles, sumsOf([{ account: 'rent', month: 1, amount: 100 }]), [], heldOf([{ month: 2, amount: 50 }]));
    const more = new Map([...roles, ['travel', 'expense' as const]]);
    const after = factsWithChanges(before, more, sumsOf([{ account: 'travel', month: 3, amount: 70 }, { account: 'checking', month: 3, amount: -70 }]), []);
    expect(after.held).toBe(before.held);
    expect(after.categoryIds).toContain('travel');
    expect(after.activity.get('travel')).toEqual(new Map([[monthOf(3), -70n]]));
    expect(after.activity.get('rent')).toBe(before.activity.get('rent'));
  });
});

describe('the month chain', () => {
  it('extended later equals the chain computed at once', () => {
    fc.assert(
      fc.property(fc.array(posting, { maxLength: 40 }), fc.array(assignment, { maxLength: 20 }), fc.array(hold, { maxLength: 4 }), fc.integer({ min: 0, max: months + 6 }), fc.integer({ min: 0, max: 6 }), (sums, assigned, holds, split, more) => {
        const facts = budgetFacts(roles, sumsOf(sums), assignmentsOf(assigned), heldOf(holds));
        const first = firstFactMonth(facts);
        const middle = monthOf(split);
        const end = addMonths(middle, more);
        const once = budgetMonths(facts, end);
        if (first === undefined || compareMonths(middle, first) < 0) return;
        const start = budgetMonths(facts, middle);
        const rest = continueMonths(facts, start[start.length - 1], addMonths(middle, 1), end);
        expect([...start, ...rest]).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });

  it('after a change keeps every month before the first month the change touches', () => {
    fc.assert(
      fc.property(fc.array(posting, { minLength: 1, maxLength: 40 }), fc.array(assignment, { maxLength: 20 }), fc.array(posting, { maxLength: 10 }), fc.array(assignment, { maxLength: 10 }), (sums, assigned, newSums, newAssigned) => {
        const before = budgetFacts(roles, sumsOf(sums), assignmentsOf(assigned), []);
        const after = factsWithChanges(before, roles, sumsOf(newSums), assignmentsOf(newAssigned));
        const changed = [...sumsOf(newSums), ...assignmentsOf(newAssigned)].map((row) => row.month).sort(compareMonths)[0];
        if (changed === undefined || firstFactMonth(after) !== firstFactMonth(before)) return;
        const end = monthOf(months);
        const kept = budgetMonths(before, end).filter((state) => compareMonths(state.month, changed) < 0);
        expect(budgetMonths(after, end).slice(0, kept.length)).toEqual(kept);
      }),
      { numRuns: 300 },
    );
  });
});
