import type { AccountSubtype, AccountType } from '../ledger/types.js';
import { addMonths, compareMonths, monthFromIndex, monthIndex, type Month } from './month.js';
import { targetNeed, type Target, type TargetNeed } from './targets.js';

/**
 * The zero-based budget of one entity, as pure functions of ledger facts. No I/O: the shell
 * (budget-store.ts) reads sums from the database, this module decides what they mean.
 *
 * Semantics (README "Budget"):
 * - On-budget accounts: the entity's cash accounts (checking, savings, money market, cash) and
 *   its credit cards. Everything else (brokerage, retirement, receivables, loans, mortgages,
 *   payables) is a tracking account.
 * - Only journals that touch an on-budget account count. In such a journal each posting to
 *   - an expense account is activity of that category (debits are spending);
 *   - a credit card is activity of the card's payment category, mirrored: a charge adds to it,
 *     a payment or refund takes from it, so the category holds what the card is owed;
 *   - an income, equity or tracking account is an inflow to (or outflow from) To be assigned;
 *   - a cash account counts nothing itself (it is where the money is).
 *   Every journal balances, so these effects add up to the journal's change in on-budget cash.
 * - available(m) = max(0, available(m−1)) + assigned(m) + activity(m). Overspending (negative
 *   available), by cash or by card, is taken out of the next month's To be assigned.
 * - toBeAssigned(m) = income(m) + toBeAssigned(m−1) + held(m−1) + overspent(m−1) − assigned(m) − held(m).
 * Hence at every month end: toBeAssigned + held + Σ available = the on-budget cash.
 */

export type AccountBudgetRole = 'cash' | 'card' | 'expense' | 'to_be_assigned' | 'ignored';
export type CategoryKind = 'expense' | 'card_payment';

/**
 * What makes an account on budget, as data: budgetRole decides with it, and the store's SQL picks
 * the same accounts with it (to find the journals that count) — one definition for both.
 */
export const onBudgetSubtypes = { cash: ['checking', 'savings', 'money_market', 'cash'], card: ['credit_card'] } as const;
const cashSubtypes: ReadonlySet<string> = new Set(onBudgetSubtypes.cash);
const cardSubtypes: ReadonlySet<string> = new Set(onBudgetSubtypes.card);

export interface ClassifiableAccount {
  type: AccountType;
  subtype: AccountSubtype;
  currency: string;
}

/** What an account is to the budget of an entity whose base currency is `currency`. */
export function budgetRole(account: ClassifiableAccount, currency: string): AccountBudgetRole {
  if (account.currency !== currency) return 'ignored';
  if (account.type === 'asset' && cashSubtypes.has(account.subtype)) return 'cash';
  if (account.type === 'liability' && cardSubtypes.has(account.subtype)) return 'card';
  if (account.type === 'expense') return 'expense';
  return 'to_be_assigned';
}

/** Sum of postings to one account in one month, over journals that touch an on-budget account. */
export interface PostingSum {
  accountId: string;
  month: Month;
  /** Debit-positive, like postings. */
  totalMinor: bigint;
}

export interface AssignmentSum {
  categoryId: string;
  month: Month;
  amountMinor: bigint;
}

/** Month figures the board is computed from, keyed by category id and month. */
export interface BudgetFacts {
  categoryIds: readonly string[];
  /** Inflows to To be assigned (signed), per month. */
  income: Map<Month, bigint>;
  /** Inflows by account (income, equity, tracking), per month: the Sankey's sources. */
  incomeByAccount: Map<string, Map<Month, bigint>>;
  activity: Map<string, Map<Month, bigint>>;
  assigned: Map<string, Map<Month, bigint>>;
  held: Map<Month, bigint>;
  /** Change of on-budget cash per month (for the reconciliation, not for the math). */
  cashChange: Map<Month, bigint>;
}

function addTo<K>(map: Map<K, bigint>, key: K, amount: bigint): void {
  map.set(key, (map.get(key) ?? 0n) + amount);
}

function addToNested(map: Map<string, Map<Month, bigint>>, key: string, month: Month, amount: bigint): void {
  let inner = map.get(key);
  if (!inner) map.set(key, (inner = new Map()));
  addTo(inner, month, amount);
}

/**
 * Turns posting sums into budget facts. `roles` holds every account of the entity; the
 * categories are its expense accounts and its cards (a card's payment category has the card's id).
 */
export function budgetFacts(
  roles: ReadonlyMap<string, AccountBudgetRole>,
  postings: readonly PostingSum[],
  assignments: readonly AssignmentSum[],
  held: readonly { month: Month; heldMinor: bigint }[],
): BudgetFacts {
  const categoryIds = [...roles].filter(([, role]) => role === 'expense' || role === 'card').map(([id]) => id);
  const facts: BudgetFacts = { categoryIds, income: new Map(), incomeByAccount: new Map(), activity: new Map(), assigned: new Map(), held: new Map(), cashChange: new Map() };
  for (const sum of postings) {
    switch (roles.get(sum.accountId)) {
      case 'expense':
      case 'card':
        // Spending (a debit to an expense) lowers available; a charge (a credit to the card)
        // raises the payment category, a payment to the card lowers it.
        addToNested(facts.activity, sum.accountId, sum.month, -sum.totalMinor);
        break;
      case 'to_be_assigned':
        addTo(facts.income, sum.month, -sum.totalMinor);
        addToNested(facts.incomeByAccount, sum.accountId, sum.month, -sum.totalMinor);
        break;
      case 'cash':
        addTo(facts.cashChange, sum.month, sum.totalMinor);
        break;
      default:
        break;
    }
  }
  for (const assignment of assignments) {
    if (roles.get(assignment.categoryId) === 'expense' || roles.get(assignment.categoryId) === 'card') {
      addToNested(facts.assigned, assignment.categoryId, assignment.month, assignment.amountMinor);
    }
  }
  for (const row of held) if (row.heldMinor !== 0n) addTo(facts.held, row.month, row.heldMinor);
  return facts;
}

/**
 * The facts with more sums added — posting sums and assignment sums of rows that are new since
 * `facts` were made, and the holds replaced when given — as budgetFacts of all of them together
 * would answer. Every map that does not change is shared with `facts`, which stays as it was.
 * `roles` names every account of the entity (at least those `facts` were made with).
 */
export function factsWithChanges(
  facts: BudgetFacts,
  roles: ReadonlyMap<string, AccountBudgetRole>,
  postings: readonly PostingSum[],
  assignments: readonly AssignmentSum[],
  held?: readonly { month: Month; heldMinor: bigint }[],
): BudgetFacts {
  const added = budgetFacts(roles, postings, assignments, held ?? []);
  return {
    categoryIds: added.categoryIds,
    income: withAddedMonths(facts.income, added.income),
    incomeByAccount: withAddedNested(facts.incomeByAccount, added.incomeByAccount),
    activity: withAddedNested(facts.activity, added.activity),
    assigned: withAddedNested(facts.assigned, added.assigned),
    held: held ? added.held : facts.held,
    cashChange: withAddedMonths(facts.cashChange, added.cashChange),
  };
}

function withAddedMonths(base: Map<Month, bigint>, added: ReadonlyMap<Month, bigint>): Map<Month, bigint> {
  if (added.size === 0) return base;
  const sum = new Map(base);
  for (const [month, amount] of added) addTo(sum, month, amount);
  return sum;
}

function withAddedNested(base: Map<string, Map<Month, bigint>>, added: ReadonlyMap<string, Map<Month, bigint>>): Map<string, Map<Month, bigint>> {
  if (added.size === 0) return base;
  const sum = new Map(base);
  for (const [key, months] of added) sum.set(key, withAddedMonths(base.get(key) ?? new Map(), months));
  return sum;
}

export interface CategoryMonth {
  assignedMinor: bigint;
  activityMinor: bigint;
  /** The positive part of last month's available: what rolled over. */
  carryInMinor: bigint;
  availableMinor: bigint;
}

export interface MonthState {
  month: Month;
  incomeMinor: bigint;
  /** Last month's To be assigned plus what it held for this month. */
  fromLastMonthMinor: bigint;
  /** Σ of last month's negative available (≤ 0): overspending comes out of this month. */
  overspentLastMonthMinor: bigint;
  assignedMinor: bigint;
  activityMinor: bigint;
  availableMinor: bigint;
  /** Held for next month (taken out of this month's To be assigned). */
  heldMinor: bigint;
  toBeAssignedMinor: bigint;
  /** On-budget cash at the end of the month, from the same facts. */
  cashMinor: bigint;
  categories: Map<string, CategoryMonth>;
}

/** Earliest month any fact mentions, or undefined when there are none. */
export function firstFactMonth(facts: BudgetFacts): Month | undefined {
  // Months are 'YYYY-MM', fixed width: their text order is their calendar order, so thousands of
  // keys are compared without parsing each (this runs on every change of a cached board).
  let first: Month | undefined;
  const see = (month: Month) => {
    if (first === undefined || month < first) first = month;
  };
  for (const month of facts.income.keys()) see(month);
  for (const month of facts.held.keys()) see(month);
  for (const month of facts.cashChange.keys()) see(month);
  for (const perMonth of facts.activity.values()) for (const month of perMonth.keys()) see(month);
  for (const perMonth of facts.assigned.values()) for (const month of perMonth.keys()) see(month);
  return first;
}

/**
 * Every month from the first fact through `through`, in order (at least `through` itself).
 * The chain is strict: each month is computed from the one before it.
 */
export function budgetMonths(facts: BudgetFacts, through: Month): MonthState[] {
  const first = firstFactMonth(facts);
  const start = first !== undefined && compareMonths(first, through) < 0 ? first : through;
  return continueMonths(facts, undefined, start, through);
}

/**
 * The chain from `from` through `through`, continuing from `previous` (the state of the month
 * before `from`, or undefined when `from` starts the chain). A chain computed once can be
 * extended later without recomputing its months: budgetMonths(facts, b) is
 * budgetMonths(facts, a) followed by continueMonths(facts, its last state, a + 1, b).
 */
export function continueMonths(facts: BudgetFacts, previous: MonthState | undefined, from: Month, through: Month): MonthState[] {
  const states: MonthState[] = [];
  let last = previous;
  for (let index = monthIndex(from); index <= monthIndex(through); index += 1) {
    last = nextMonthState(facts, last, monthFromIndex(index));
    states.push(last);
  }
  return states;
}

/** One month of the chain from the month before it (undefined for the first month). */
export function nextMonthState(facts: BudgetFacts, previous: MonthState | undefined, month: Month): MonthState {
  const categories = new Map<string, CategoryMonth>();
  let assignedTotal = 0n;
  let activityTotal = 0n;
  let availableTotal = 0n;
  let overspent = 0n;
  for (const id of facts.categoryIds) {
    const before = previous?.categories.get(id)?.availableMinor ?? 0n;
    if (before < 0n) overspent += before;
    const carryInMinor = before > 0n ? before : 0n;
    const assignedMinor = facts.assigned.get(id)?.get(month) ?? 0n;
    const activityMinor = facts.activity.get(id)?.get(month) ?? 0n;
    const availableMinor = carryInMinor + assignedMinor + activityMinor;
    categories.set(id, { assignedMinor, activityMinor, carryInMinor, availableMinor });
    assignedTotal += assignedMinor;
    activityTotal += activityMinor;
    availableTotal += availableMinor;
  }
  const incomeMinor = facts.income.get(month) ?? 0n;
  const heldMinor = facts.held.get(month) ?? 0n;
  const fromLastMonthMinor = previous ? previous.toBeAssignedMinor + previous.heldMinor : 0n;
  return {
    month,
    incomeMinor,
    fromLastMonthMinor,
    overspentLastMonthMinor: overspent,
    assignedMinor: assignedTotal,
    activityMinor: activityTotal,
    availableMinor: availableTotal,
    heldMinor,
    toBeAssignedMinor: incomeMinor + fromLastMonthMinor + overspent - assignedTotal - heldMinor,
    cashMinor: (previous?.cashMinor ?? 0n) + (facts.cashChange.get(month) ?? 0n),
    categories,
  };
}

/** A category of the board as the quick actions see it: in display order, with its target. */
export interface PlannedCategory {
  id: string;
  hidden: boolean;
  target: Target | null;
}

export function needOf(category: PlannedCategory, state: MonthState): TargetNeed | null {
  const figures = state.categories.get(category.id);
  if (!category.target || !figures) return null;
  return targetNeed(category.target, { month: state.month, ...figures });
}

export const quickStrategies = ['last_month', 'average_3_months', 'up_to_target', 'fund_underfunded'] as const;
export type QuickStrategy = (typeof quickStrategies)[number];

/** Rounds a non-negative amount divided by a positive count to the nearest minor unit, halves up. */
export function roundedDiv(amount: bigint, count: bigint): bigint {
  return (2n * amount + count) / (2n * count);
}

/**
 * New assigned amounts for a quick action in the last month of `states` (which must hold the
 * months before it that the action looks at, when they exist). Only categories whose amount
 * changes are returned.
 * - last_month: what was assigned last month;
 * - average_3_months: the average spending of the three months before (net of refunds, never below 0);
 * - up_to_target: add what the target still needs;
 * - fund_underfunded: like up_to_target, in board order, as far as To be assigned (if positive) goes.
 */
export function quickAssign(states: readonly MonthState[], categories: readonly PlannedCategory[], strategy: QuickStrategy): Map<string, bigint> {
  const current = states[states.length - 1];
  if (!current) throw new Error('quickAssign needs the month to plan');
  const monthBack = (count: number): MonthState | undefined => {
    const wanted = addMonths(current.month, -count);
    return states.find((state) => state.month === wanted);
  };
  const result = new Map<string, bigint>();
  let pool = current.toBeAssignedMinor > 0n ? current.toBeAssignedMinor : 0n;
  for (const category of categories) {
    const figures = current.categories.get(category.id);
    if (!figures) continue;
    let next: bigint;
    switch (strategy) {
      case 'last_month':
        next = monthBack(1)?.categories.get(category.id)?.assignedMinor ?? 0n;
        break;
      case 'average_3_months': {
        let spent = 0n;
        for (let back = 1; back <= 3; back += 1) spent -= monthBack(back)?.categories.get(category.id)?.activityMinor ?? 0n;
        next = spent > 0n ? roundedDiv(spent, 3n) : 0n;
        break;
      }
      case 'up_to_target':
        next = figures.assignedMinor + (needOf(category, current)?.neededMinor ?? 0n);
        break;
      case 'fund_underfunded': {
        const needed = needOf(category, current)?.neededMinor ?? 0n;
        const give = needed < pool ? needed : pool;
        pool -= give;
        next = figures.assignedMinor + give;
        break;
      }
    }
    if (next !== figures.assignedMinor) result.set(category.id, next);
  }
  return result;
}
