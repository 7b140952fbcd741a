import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budgetFacts, budgetMonths, budgetRole, firstFactMonth, quickAssign, roundedDiv, type AccountBudgetRole, type AssignmentSum, type PlannedCategory, type PostingSum } from '../../engine/budget/board.js';
import { addMonths, compareMonths, isMonth, monthEnd, monthFromIndex, monthIndex, monthsBetween } from '../../engine/budget/month.js';
import { sankeyOf } from '../../engine/budget/sankey.js';
import { ceilDiv, targetNeed } from '../../engine/budget/targets.js';

describe('months', () => {
  it('roll over across year boundaries, both ways', () => {
    expect(addMonths('2026-12', 1)).toBe('2027-01');
    expect(addMonths('2027-01', -1)).toBe('2026-12');
    expect(addMonths('2026-11', 14)).toBe('2028-01');
    expect(addMonths('2026-03', -27)).toBe('2023-12');
    expect(monthsBetween('2026-11', '2027-02')).toBe(3);
    expect(monthsBetween('2027-02', '2026-11')).toBe(-3);
    expect(compareMonths('2026-12', '2027-01')).toBeLessThan(0);
  });

  it('know their last day, leap years included', () => {
    expect(monthEnd('2026-02')).toBe('2026-02-28');
    expect(monthEnd('2028-02')).toBe('2028-02-29');
    expect(monthEnd('2100-02')).toBe('2100-02-28');
    expect(monthEnd('2026-12')).toBe('2026-12-31');
    expect(monthEnd('2026-04')).toBe('2026-04-30');
  });

  it('accept only YYYY-MM with a real month', () => {
    for (const bad of ['2026-13', '2026-00', '2026-1', '26-01', '2026-01-01', '', 'abcd-ef', ' 2026-01']) expect(isMonth(bad), bad).toBe(false);
    expect(isMonth('2026-01')).toBe(true);
    expect(() => monthIndex('2026-13')).toThrow();
  });

  it('index and back is the identity', () => {
    fc.assert(fc.property(fc.integer({ min: 1900 * 12, max: 2999 * 12 + 11 }), (index) => monthIndex(monthFromIndex(index)) === index));
  });
});

describe('what an account is to the budget', () => {
  const role = (type: string, subtype: string, currency = 'USD') => budgetRole({ type, subtype, currency } as never, 'USD');
  it('cash and cards are on budget; loans, investments, receivables and payables are tracking', () => {
    expect(['checking', 'savings', 'money_market', 'cash'].map((subtype) => role('asset', subtype))).toEqual(['cash', 'cash', 'cash', 'cash']);
    expect(role('liability', 'credit_card')).toBe('card');
    expect(role('expense', 'expense')).toBe('expense');
    for (const [type, subtype] of [['asset', 'brokerage'], ['asset', 'retirement'], ['asset', 'receivable'], ['asset', 'other_asset'], ['liability', 'loan'], ['liability', 'mortgage'], ['liability', 'payable'], ['income', 'income'], ['equity', 'equity']]) {
      expect(role(type!, subtype!), `${type}/${subtype}`).toBe('to_be_assigned');
    }
    expect(role('asset', 'checking', 'EUR')).toBe('ignored');
  });
});

// A small entity: checking, a card, income, an owner-draw equity account, a loan, three categories.
const roles = new Map<string, AccountBudgetRole>([
  ['checking', 'cash'],
  ['card', 'card'],
  ['salary', 'to_be_assigned'],
  ['draws', 'to_be_assigned'],
  ['loan', 'to_be_assigned'],
  ['rent', 'expense'],
  ['food', 'expense'],
  ['fun', 'expense'],
]);

/** A journal's postings as sums (the store groups them the same way). */
function journal(month: string, ...postings: [string, number][]): PostingSum[] {
  const total = postings.reduce((sum, [, amount]) => sum + amount, 0);
  if (total !== 0) throw new Error('unbalanced test journal');
  return postings.map(([accountId, amount]) => ({ accountId, month, totalMinor: BigInt(amount) }));
}

/** Groups sums per (account, month), like the SQL. */
function grouped(sums: PostingSum[]): PostingSum[] {
  const map = new Map<string, PostingSum>();
  for (const sum of sums) {
    const key = `${sum.accountId}|${sum.month}`;
    const existing = map.get(key);
    map.set(key, existing ? { ...existing, totalMinor: existing.totalMinor + sum.totalMinor } : { ...sum });
  }
  return [...map.values()];
}

const assign = (categoryId: string, month: string, amount: number): AssignmentSum => ({ categoryId, month, amountMinor: BigInt(amount) });

describe('budget facts from postings', () => {
  it('income and equity raise To be assigned, spending is activity, card charges fill the payment category', () => {
    const facts = budgetFacts(
      roles,
      grouped([
        ...journal('2026-01', ['checking', 300_000], ['salary', -300_000]),
        ...journal('2026-01', ['checking', 50_000], ['draws', -50_000]),
        ...journal('2026-01', ['rent', 120_000], ['checking', -120_000]),
        ...journal('2026-01', ['food', 8_000], ['card', -8_000]),
        ...journal('2026-01', ['card', 5_000], ['checking', -5_000]),
        ...journal('2026-01', ['loan', 20_000], ['checking', -20_000]),
      ]),
      [],
      [],
    );
    expect(facts.income.get('2026-01')).toBe(300_000n + 50_000n - 20_000n);
    expect(facts.activity.get('rent')?.get('2026-01')).toBe(-120_000n);
    expect(facts.activity.get('food')?.get('2026-01')).toBe(-8_000n);
    expect(facts.activity.get('card')?.get('2026-01')).toBe(8_000n - 5_000n);
    expect(facts.cashChange.get('2026-01')).toBe(300_000n + 50_000n - 120_000n - 5_000n - 20_000n);
    expect(facts.categoryIds).toEqual(['card', 'rent', 'food', 'fun']);
  });

  it('ignores assignments to accounts that are not categories of the entity', () => {
    const facts = budgetFacts(roles, [], [assign('checking', '2026-01', 100), assign('elsewhere', '2026-01', 100), assign('fun', '2026-01', 100)], []);
    expect([...facts.assigned.keys()]).toEqual(['fun']);
  });
});

describe('the board, month by month', () => {
  it('carries positive available, takes overspending out of next month, across the new year', () => {
    const facts = budgetFacts(
      roles,
      grouped([
        ...journal('2026-11', ['checking', 100_000], ['salary', -100_000]),
        ...journal('2026-11', ['food', 30_000], ['checking', -30_000]),
        ...journal('2026-11', ['fun', 15_000], ['checking', -15_000]),
        ...journal('2026-12', ['fun', 5_000], ['checking', -5_000]),
        ...journal('2027-01', ['checking', 100_000], ['salary', -100_000]),
      ]),
      [assign('food', '2026-11', 40_000), assign('fun', '2026-11', 10_000), assign('rent', '2027-01', 60_000)],
      [],
    );
    const [nov, dec, jan] = budgetMonths(facts, '2027-01');
    expect(nov).toMatchObject({ month: '2026-11', incomeMinor: 100_000n, assignedMinor: 50_000n, toBeAssignedMinor: 50_000n });
    expect(nov!.categories.get('food')).toEqual({ assignedMinor: 40_000n, activityMinor: -30_000n, carryInMinor: 0n, availableMinor: 10_000n });
    expect(nov!.categories.get('fun')!.availableMinor).toBe(-5_000n);
    // December: food's 100.00 rolls over; fun's overspending (50.00) comes out of To be assigned.
    expect(dec).toMatchObject({ month: '2026-12', fromLastMonthMinor: 50_000n, overspentLastMonthMinor: -5_000n, toBeAssignedMinor: 45_000n });
    expect(dec!.categories.get('food')).toMatchObject({ carryInMinor: 10_000n, availableMinor: 10_000n });
    expect(dec!.categories.get('fun')).toMatchObject({ carryInMinor: 0n, availableMinor: -5_000n });
    expect(jan).toMatchObject({ month: '2027-01', fromLastMonthMinor: 45_000n, overspentLastMonthMinor: -5_000n, incomeMinor: 100_000n, toBeAssignedMinor: 45_000n - 5_000n + 100_000n - 60_000n });
    for (const state of [nov!, dec!, jan!]) expect(state.toBeAssignedMinor + state.heldMinor + state.availableMinor).toBe(state.cashMinor);
  });

  it('lets To be assigned go negative when more is assigned than there is, and into future months', () => {
    const facts = budgetFacts(roles, grouped(journal('2026-05', ['checking', 10_000], ['salary', -10_000])), [assign('rent', '2026-05', 15_000), assign('rent', '2026-08', 1_000)], []);
    const states = budgetMonths(facts, '2026-08');
    expect(states.map((state) => state.toBeAssignedMinor)).toEqual([-5_000n, -5_000n, -5_000n, -6_000n]);
    expect(states[3]!.categories.get('rent')!.availableMinor).toBe(16_000n);
  });

  it('a hold leaves this month and arrives in the next', () => {
    const facts = budgetFacts(roles, grouped(journal('2026-05', ['checking', 10_000], ['salary', -10_000])), [], [{ month: '2026-05', heldMinor: 4_000n }]);
    const [may, june] = budgetMonths(facts, '2026-06');
    expect(may).toMatchObject({ toBeAssignedMinor: 6_000n, heldMinor: 4_000n });
    expect(june).toMatchObject({ fromLastMonthMinor: 10_000n, toBeAssignedMinor: 10_000n, heldMinor: 0n });
  });

  it('starts at the first fact, and shows an empty month before any', () => {
    const facts = budgetFacts(roles, grouped(journal('2026-05', ['checking', 10_000], ['salary', -10_000])), [], []);
    expect(firstFactMonth(facts)).toBe('2026-05');
    expect(budgetMonths(facts, '2026-02')).toHaveLength(1);
    expect(budgetMonths(facts, '2026-02')[0]).toMatchObject({ month: '2026-02', toBeAssignedMinor: 0n, cashMinor: 0n });
    expect(budgetMonths(budgetFacts(roles, [], [], []), '2026-02')).toHaveLength(1);
  });

  it('card spending moves money to the payment category; paying the card takes it out; overspending on the card hits next month', () => {
    const facts = budgetFacts(
      roles,
      grouped([
        ...journal('2026-03', ['checking', 100_000], ['salary', -100_000]),
        ...journal('2026-03', ['food', 12_000], ['card', -12_000]),
        ...journal('2026-04', ['card', 12_000], ['checking', -12_000]),
      ]),
      [assign('food', '2026-03', 10_000)],
      [],
    );
    const [march, april] = budgetMonths(facts, '2026-04');
    expect(march!.categories.get('food')!.availableMinor).toBe(-2_000n);
    expect(march!.categories.get('card')!.availableMinor).toBe(12_000n);
    expect(april!.categories.get('card')).toMatchObject({ carryInMinor: 12_000n, activityMinor: -12_000n, availableMinor: 0n });
    expect(april!.overspentLastMonthMinor).toBe(-2_000n);
    expect(april!.toBeAssignedMinor).toBe(90_000n - 2_000n);
    expect(april!.toBeAssignedMinor + april!.availableMinor).toBe(april!.cashMinor);
  });
});

describe('the invariant: To be assigned + held + Σ available = on-budget cash, at every month end', () => {
  const accountIds = [...roles.keys()];
  const posting = fc.record({ from: fc.constantFrom(...accountIds), to: fc.constantFrom(...accountIds), amount: fc.integer({ min: 1, max: 500_000 }), month: fc.integer({ min: 0, max: 17 }) });
  const assignment = fc.record({ category: fc.constantFrom('rent', 'food', 'fun', 'card'), month: fc.integer({ min: 0, max: 17 }), amount: fc.integer({ min: -200_000, max: 300_000 }) });
  const hold = fc.record({ month: fc.integer({ min: 0, max: 17 }), amount: fc.integer({ min: 0, max: 100_000 }) });
  const monthOf = (offset: number) => addMonths('2025-11', offset);

  it('holds for random books, assignments and holds (journals touching no on-budget account left out)', () => {
    fc.assert(
      fc.property(fc.array(posting, { maxLength: 60 }), fc.array(assignment, { maxLength: 30 }), fc.array(hold, { maxLength: 5 }), (journals, assignments, holds) => {
        const onBudget = (id: string) => roles.get(id) === 'cash' || roles.get(id) === 'card';
        const sums = grouped(
          journals.filter((j) => j.from !== j.to && (onBudget(j.from) || onBudget(j.to))).flatMap((j) => journal(monthOf(j.month), [j.to, j.amount], [j.from, -j.amount])),
        );
        const heldByMonth = new Map<string, bigint>();
        for (const h of holds) heldByMonth.set(monthOf(h.month), BigInt(h.amount));
        const facts = budgetFacts(roles, sums, assignments.map((a) => assign(a.category, monthOf(a.month), a.amount)), [...heldByMonth].map(([month, heldMinor]) => ({ month, heldMinor })));
        let cash = 0n;
        const states = budgetMonths(facts, monthOf(18));
        for (const state of states) {
          for (const sum of sums) if (sum.month === state.month && roles.get(sum.accountId) === 'cash') cash += sum.totalMinor;
          expect(state.cashMinor).toBe(cash);
          expect(state.toBeAssignedMinor + state.heldMinor + state.availableMinor).toBe(cash);
          for (const figures of state.categories.values()) expect(figures.availableMinor).toBe(figures.carryInMinor + figures.assignedMinor + figures.activityMinor);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('targets', () => {
  const figures = (assigned: number, carryIn = 0, activity = 0, month = '2026-03') => ({ month, carryInMinor: BigInt(carryIn), assignedMinor: BigInt(assigned), activityMinor: BigInt(activity) });

  it('monthly: the amount every month, whatever rolled over', () => {
    const target = { kind: 'monthly', amountMinor: 50_000n } as const;
    expect(targetNeed(target, figures(0, 90_000))).toEqual({ goalMinor: 50_000n, neededMinor: 50_000n, status: 'underfunded' });
    expect(targetNeed(target, figures(20_000))).toMatchObject({ neededMinor: 30_000n, status: 'underfunded' });
    expect(targetNeed(target, figures(50_000))).toMatchObject({ neededMinor: 0n, status: 'funded' });
    expect(targetNeed(target, figures(70_000))).toMatchObject({ neededMinor: 0n, status: 'funded' });
  });

  it('by date: the shortfall spread over the months left (this one included), rounded up, over year ends', () => {
    const target = { kind: 'by_date', amountMinor: 100_000n, byMonth: '2027-02' } as const;
    // Nov, Dec, Jan, Feb: 4 months for 1,000.00 minus the 100.00 already there.
    expect(targetNeed(target, figures(0, 10_000, 0, '2026-11'))).toEqual({ goalMinor: 22_500n, neededMinor: 22_500n, status: 'underfunded' });
    expect(targetNeed({ ...target, amountMinor: 100_001n }, figures(0, 0, 0, '2026-11')).goalMinor).toBe(25_001n);
    expect(targetNeed(target, figures(22_500, 10_000, 0, '2026-11')).status).toBe('funded');
    // In the target month the whole rest is due; after it, nothing.
    expect(targetNeed(target, figures(0, 70_000, 0, '2027-02')).neededMinor).toBe(30_000n);
    expect(targetNeed(target, figures(0, 0, 0, '2027-03'))).toEqual({ goalMinor: 0n, neededMinor: 0n, status: 'past' });
    // Spending the saved money in the target month does not make the target ask for it again.
    expect(targetNeed(target, figures(20_000, 80_000, -100_000, '2027-02'))).toMatchObject({ neededMinor: 0n, status: 'funded' });
  });

  it('savings goal: whatever is missing from the balance, now', () => {
    const target = { kind: 'savings_goal', amountMinor: 500_000n } as const;
    expect(targetNeed(target, figures(0, 200_000))).toMatchObject({ goalMinor: 300_000n, neededMinor: 300_000n });
    expect(targetNeed(target, figures(100_000, 200_000))).toMatchObject({ neededMinor: 200_000n });
    expect(targetNeed(target, figures(0, 600_000))).toMatchObject({ neededMinor: 0n, status: 'funded' });
    expect(targetNeed(target, figures(0, 600_000, -300_000))).toMatchObject({ neededMinor: 0n, status: 'funded' });
  });

  it('ceiling and rounded divisions are exact', () => {
    expect(ceilDiv(10n, 3n)).toBe(4n);
    expect(ceilDiv(9n, 3n)).toBe(3n);
    expect(ceilDiv(0n, 3n)).toBe(0n);
    expect(roundedDiv(10n, 3n)).toBe(3n);
    expect(roundedDiv(11n, 3n)).toBe(4n);
    expect(roundedDiv(1n, 2n)).toBe(1n);
  });
});

describe('quick assign', () => {
  const facts = budgetFacts(
    roles,
    grouped([
      ...journal('2026-01', ['checking', 500_000], ['salary', -500_000]),
      ...journal('2026-01', ['food', 30_000], ['checking', -30_000]),
      ...journal('2026-02', ['food', 45_000], ['checking', -45_000]),
      ...journal('2026-03', ['food', 20_001], ['checking', -20_001]),
      ...journal('2026-03', ['checking', 1_000], ['food', -1_000]),
    ]),
    [assign('food', '2026-03', 40_000), assign('rent', '2026-03', 100_000), assign('fun', '2026-04', 5_000)],
    [],
  );
  const states = budgetMonths(facts, '2026-04');
  const categories: PlannedCategory[] = [
    { id: 'rent', hidden: false, target: { kind: 'monthly', amountMinor: 120_000n } },
    { id: 'food', hidden: false, target: null },
    { id: 'fun', hidden: false, target: { kind: 'savings_goal', amountMinor: 10_000_000n } },
  ];

  it('copies last month', () => {
    expect(quickAssign(states, categories, 'last_month')).toEqual(new Map([['rent', 100_000n], ['food', 40_000n], ['fun', 0n]]));
  });

  it('averages the spending of the three months before, net of refunds, rounded to the cent', () => {
    // (300.00 + 450.00 + 190.01) / 3 = 313.336…
    expect(quickAssign(states, categories, 'average_3_months').get('food')).toBe(31_334n);
    expect(quickAssign(states, categories, 'average_3_months').has('rent')).toBe(false);
  });

  it('up to target adds what each target needs', () => {
    expect(quickAssign(states, categories, 'up_to_target')).toEqual(new Map([['rent', 120_000n], ['fun', 10_000_000n]]));
  });

  it('fund underfunded goes in board order and stops where To be assigned runs out', () => {
    const april = states[states.length - 1]!;
    const pool = april.toBeAssignedMinor;
    expect(pool).toBeGreaterThan(120_000n);
    const plan = quickAssign(states, categories, 'fund_underfunded');
    expect(plan.get('rent')).toBe(120_000n);
    expect(plan.get('fun')).toBe(5_000n + pool - 120_000n);
    // Nothing to give when To be assigned is not positive.
    const broke = budgetMonths(budgetFacts(roles, [], [assign('food', '2026-04', 1)], []), '2026-04');
    expect(quickAssign(broke, categories, 'fund_underfunded').size).toBe(0);
  });
});

describe('sankey', () => {
  it('balances inflows and outflows with a left-over or a from-earlier node, largest first', () => {
    const diagram = sankeyOf(
      [
        { id: 'salary', name: 'Salary', amountMinor: 300_000n, kind: 'income' },
        { id: 'draw', name: 'Distributions', amountMinor: 50_000n, kind: 'income' },
        { id: 'rent', name: 'Rent', amountMinor: -120_000n, kind: 'category' },
        { id: 'food', name: 'Food', amountMinor: 2_000n, kind: 'category' },
        { id: 'loan', name: 'Loan', amountMinor: -20_000n, kind: 'income' },
      ],
      'Budget',
    );
    expect(diagram.nodes.map((node) => `${node.id}:${node.kind}`)).toEqual(['salary:source', 'draw:source', 'food:source', 'budget:budget', 'rent:category', 'loan:outflow', 'left_over:left_over']);
    expect(diagram.links.find((link) => link.target === 'left_over')!.amountMinor).toBe(352_000n - 140_000n);
    const into = diagram.links.filter((link) => link.target === 'budget').reduce((sum, link) => sum + link.amountMinor, 0n);
    const out = diagram.links.filter((link) => link.source === 'budget').reduce((sum, link) => sum + link.amountMinor, 0n);
    expect(into).toBe(out);
    const short = sankeyOf([{ id: 'rent', name: 'Rent', amountMinor: -5_000n, kind: 'category' }], 'Budget');
    expect(short.links[0]).toEqual({ source: 'from_earlier', target: 'budget', amountMinor: 5_000n });
  });
});
