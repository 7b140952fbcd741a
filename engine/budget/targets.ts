import { compareMonths, monthsBetween, type Month } from './month.js';

/**
 * Targets per category:
 * - `monthly`: assign `amount` every month;
 * - `by_date`: have a balance of `amount` by the end of `byMonth`, spread evenly over the months left;
 * - `savings_goal`: reach a balance of `amount`, no date.
 */
export const targetKinds = ['monthly', 'by_date', 'savings_goal'] as const;
export type TargetKind = (typeof targetKinds)[number];

export interface Target {
  kind: TargetKind;
  amountMinor: bigint;
  /** Only for `by_date`: the month by whose end the balance should be there. */
  byMonth?: Month;
}

/** What the target asks of one month, given the category's figures for it. */
export interface TargetNeed {
  /** What this month should assign in total (monthly amount, or this month's share of a balance). */
  goalMinor: bigint;
  /** Still to assign this month to meet the target (never negative). */
  neededMinor: bigint;
  /** A `by_date` target whose month has passed asks nothing more. */
  status: 'funded' | 'underfunded' | 'past';
}

export interface CategoryFigures {
  month: Month;
  /** The positive part of last month's available (what rolled over). */
  carryInMinor: bigint;
  assignedMinor: bigint;
  /** Shown for completeness; targets do not count this month's spending (see targetNeed). */
  activityMinor: bigint;
}

const zero = 0n;
const positive = (value: bigint) => (value > zero ? value : zero);

/** Ceiling division of a non-negative amount by a positive count. */
export function ceilDiv(amount: bigint, count: bigint): bigint {
  return (amount + count - 1n) / count;
}

/**
 * Targets look at money put aside — what rolled over plus what is assigned this month — not at
 * this month's spending: spending the money a target saved for (the trip, in the trip's month)
 * does not make the target ask for it again. A balance by a date spreads the shortfall evenly over
 * the months left, this one included, rounded up to the minor unit so the balance is reached.
 */
export function targetNeed(target: Target, figures: CategoryFigures): TargetNeed {
  const needed = (goal: bigint, assigned: bigint): TargetNeed => {
    const neededMinor = positive(goal - assigned);
    return { goalMinor: goal, neededMinor, status: neededMinor > zero ? 'underfunded' : 'funded' };
  };
  const base = figures.carryInMinor;
  switch (target.kind) {
    case 'monthly':
      return needed(target.amountMinor, figures.assignedMinor);
    case 'savings_goal':
      // The whole remaining balance is this month's goal; assigning it all funds the target.
      return needed(positive(target.amountMinor - base), figures.assignedMinor);
    case 'by_date': {
      if (!target.byMonth || compareMonths(figures.month, target.byMonth) > 0) return { goalMinor: zero, neededMinor: zero, status: 'past' };
      const monthsLeft = BigInt(monthsBetween(figures.month, target.byMonth) + 1);
      return needed(ceilDiv(positive(target.amountMinor - base), monthsLeft), figures.assignedMinor);
    }
  }
}
