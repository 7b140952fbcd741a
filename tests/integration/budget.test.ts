/**
 * The budget board over HTTP on PostgreSQL: a scripted year (income, cash and card spending,
 * overspending, moves, targets, a hold, an owner draw, a reset) against a hand-computed table;
 * the reconciliation with on-budget cash from the trial balance at every month end; two entities
 * kept apart; assignments by a flow (and their offset on revert); the quick actions, layout,
 * Sankey; and refusals that are 4xx problem+json with nothing written.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

let t: TestApp;
let h: Household;
let other: Household;

const acct = (side: 'personal' | 'llc', codeOrRole: string) => h.account(side, codeOrRole).id;
const C = {
  checking: () => acct('personal', '1000'),
  card: () => acct('personal', '2000'),
  salary: () => acct('personal', '4000'),
  rent: () => acct('personal', '5000'),
  groceries: () => acct('personal', '5020'),
  fun: () => acct('personal', '5120'),
  travel: () => acct('personal', '5110'),
  opening: () => acct('personal', 'opening_balance'),
};

async function expectStatus(response: request.Test | Promise<request.Response>, status: number) {
  const answer = await response;
  expect(answer.status, answer.text.slice(0, 600)).toBe(status);
  return answer.body;
}

const budgetPath = (entity: 'personal' | 'llc', month: string, rest = '') => `/api/v1/entities/${h[entity].id}/budget/${month}${rest}`;
const board = (entity: 'personal' | 'llc', month: string) => expectStatus(request(t.app).get(budgetPath(entity, month)).set(h.auth), 200);
const setAssigned = (month: string, categoryId: string, assigned: string, entity: 'personal' | 'llc' = 'personal') =>
  expectStatus(request(t.app).put(budgetPath(entity, month, `/categories/${categoryId}`)).set(h.auth).send({ assigned }), 200);

async function journal(date: string, memo: string, postings: [string, string][], entity: 'personal' | 'llc' = 'personal') {
  return expectStatus(
    request(t.app).post(`/api/v1/entities/${h[entity].id}/journals`).set(h.auth).send({ date, memo, postings: postings.map(([accountId, amount]) => ({ accountId, amount })) }),
    201,
  );
}
const cashSpend = (date: string, category: string, amount: string) => journal(date, 'cash spending', [[category, amount], [C.checking(), `-${amount}`]]);
const cardSpend = (date: string, category: string, amount: string) => journal(date, 'card spending', [[category, amount], [C.card(), `-${amount}`]]);
const payCard = (date: string, amount: string) => journal(date, 'card payment', [[C.card(), amount], [C.checking(), `-${amount}`]]);

interface Category {
  id: string;
  name: string;
  kind: string;
  assigned: string;
  activity: string;
  available: string;
  overspent: boolean;
  underfunded: boolean;
  needed: string | null;
  targetStatus: string | null;
  hidden: boolean;
}
const categoriesOf = (body: { groups: { categories: Category[] }[] }) => body.groups.flatMap((group) => group.categories);
const category = (body: { groups: { categories: Category[] }[] }, id: string) => categoriesOf(body).find((item) => item.id === id)!;

/** Money strings to cents, for sums in the test (exact: integers). */
const cents = (text: string) => {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const value = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return negative ? -value : value;
};

// The year, scripted: Oct 2025 to Sep 2026 (across the new year).
const months = ['2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09'] as const;

/**
 * The expectation, computed by hand (README "Budget" for the rules). Per month: To be assigned,
 * held, and for Rent, Groceries, Fun, Travel and the card's payment category [assigned, activity, available].
 */
const expected: Record<string, { tba: string; held: string; cash: string; rent: string[]; groceries: string[]; fun: string[]; travel: string[]; card: string[] }> = {
  '2025-10': { tba: '2000.00', held: '0.00', cash: '2000.00', rent: ['1500.00', '-1500.00', '0.00'], groceries: ['400.00', '-400.00', '0.00'], fun: ['100.00', '-100.00', '0.00'], travel: ['0.00', '0.00', '0.00'], card: ['0.00', '0.00', '0.00'] },
  // Fun overspent by 150.00 in cash.
  '2025-11': { tba: '3000.00', held: '0.00', cash: '2850.00', rent: ['1500.00', '-1500.00', '0.00'], groceries: ['400.00', '-400.00', '0.00'], fun: ['100.00', '-250.00', '-150.00'], travel: ['0.00', '0.00', '0.00'], card: ['0.00', '0.00', '0.00'] },
  // ...which December's To be assigned pays; Groceries overspent by 120.00 on the card, the card paid in full.
  '2025-12': { tba: '3850.00', held: '0.00', cash: '3730.00', rent: ['1500.00', '-1500.00', '0.00'], groceries: ['400.00', '-520.00', '-120.00'], fun: ['100.00', '-100.00', '0.00'], travel: ['0.00', '0.00', '0.00'], card: ['0.00', '0.00', '0.00'] },
  // New year: the 120.00 comes out of January; 200.00 more for Fun rolls over.
  '2026-01': { tba: '4530.00', held: '0.00', cash: '4730.00', rent: ['1500.00', '-1500.00', '0.00'], groceries: ['400.00', '-400.00', '0.00'], fun: ['300.00', '-100.00', '200.00'], travel: ['0.00', '0.00', '0.00'], card: ['0.00', '0.00', '0.00'] },
  // 150.00 moved from Fun to Groceries.
  '2026-02': { tba: '5530.00', held: '0.00', cash: '5730.00', rent: ['1500.00', '-1500.00', '0.00'], groceries: ['550.00', '-400.00', '150.00'], fun: ['-50.00', '-100.00', '50.00'], travel: ['0.00', '0.00', '0.00'], card: ['0.00', '0.00', '0.00'] },
  // Travel: 1,200.00 by August, 6 months → 200.00 a month, assigned "up to target".
  '2026-03': { tba: '6330.00', held: '0.00', cash: '6730.00', rent: ['1500.00', '-1500.00', '0.00'], groceries: ['400.00', '-400.00', '150.00'], fun: ['100.00', '-100.00', '50.00'], travel: ['200.00', '0.00', '200.00'], card: ['0.00', '0.00', '0.00'] },
  // An owner draw of 500.00 from the LLC is an inflow.
  '2026-04': { tba: '7630.00', held: '0.00', cash: '8230.00', rent: ['1500.00', '-1500.00', '0.00'], groceries: ['400.00', '-400.00', '150.00'], fun: ['100.00', '-100.00', '50.00'], travel: ['200.00', '0.00', '400.00'], card: ['0.00', '0.00', '0.00'] },
  // 500.00 held for June.
  '2026-05': { tba: '7930.00', held: '500.00', cash: '9230.00', rent: ['1500.00', '-1500.00', '0.00'], groceries: ['400.00', '-400.00', '150.00'], fun: ['100.00', '-100.00', '50.00'], travel: ['200.00', '0.00', '600.00'], card: ['0.00', '0.00', '0.00'] },
  // The card is not paid in June: its payment category holds the 400.00 owed.
  '2026-06': { tba: '9230.00', held: '0.00', cash: '10630.00', rent: ['1500.00', '-1500.00', '0.00'], groceries: ['400.00', '-400.00', '150.00'], fun: ['100.00', '-100.00', '50.00'], travel: ['200.00', '0.00', '800.00'], card: ['0.00', '400.00', '400.00'] },
  '2026-07': { tba: '10030.00', held: '0.00', cash: '11230.00', rent: ['1500.00', '-1500.00', '0.00'], groceries: ['400.00', '-400.00', '150.00'], fun: ['100.00', '-100.00', '50.00'], travel: ['200.00', '0.00', '1000.00'], card: ['0.00', '-400.00', '0.00'] },
  // The trip, on the card, paid the same month.
  '2026-08': { tba: '10830.00', held: '0.00', cash: '11030.00', rent: ['1500.00', '-1500.00', '0.00'], groceries: ['400.00', '-400.00', '150.00'], fun: ['100.00', '-100.00', '50.00'], travel: ['200.00', '-1200.00', '0.00'], card: ['0.00', '0.00', '0.00'] },
  // A mistaken assignment, a reset, the month assigned again; the Travel target is past.
  '2026-09': { tba: '11830.00', held: '0.00', cash: '12030.00', rent: ['1500.00', '-1500.00', '0.00'], groceries: ['400.00', '-400.00', '150.00'], fun: ['100.00', '-100.00', '50.00'], travel: ['0.00', '0.00', '0.00'], card: ['0.00', '0.00', '0.00'] },
};

async function scriptMonth(month: string, index: number): Promise<void> {
  const day = (d: number) => `${month}-${String(d).padStart(2, '0')}`;
  if (index === 0) await journal(day(1), 'Opening balance', [[C.checking(), '1000.00'], [C.opening(), '-1000.00']]);
  await journal(day(1), 'Salary', [[C.checking(), '3000.00'], [C.salary(), '-3000.00']]);
  await setAssigned(month, C.rent(), '1500.00');
  await setAssigned(month, C.groceries(), '400.00');
  await setAssigned(month, C.fun(), month === '2026-01' ? '300.00' : '100.00');
  await cashSpend(day(2), C.rent(), '1500.00');
  await cashSpend(day(15), C.fun(), month === '2025-11' ? '250.00' : '100.00');
  const groceries = month === '2025-12' ? '520.00' : '400.00';
  await cardSpend(day(10), C.groceries(), groceries);
  if (month === '2026-08') await cardSpend(day(20), C.travel(), '1200.00');
  const payment = { '2025-12': '520.00', '2026-06': null, '2026-07': '800.00', '2026-08': '1600.00' }[month as string];
  if (payment !== null) await payCard(day(25), payment ?? '400.00');
  if (month === '2026-02') {
    await expectStatus(request(t.app).post(budgetPath('personal', month, '/move')).set(h.auth).send({ fromCategoryId: C.fun(), toCategoryId: C.groceries(), amount: '150.00' }), 200);
  }
  if (month === '2026-03') {
    await expectStatus(request(t.app).put(`/api/v1/categories/${C.travel()}/target`).set(h.auth).send({ kind: 'by_date', amount: '1200.00', byMonth: '2026-08' }), 200);
    const before = category(await board('personal', month), C.travel());
    expect(before).toMatchObject({ underfunded: true, needed: '200.00', targetStatus: 'underfunded' });
  }
  if (index >= 5) {
    const after = await expectStatus(request(t.app).post(budgetPath('personal', month, '/quick-assign')).set(h.auth).send({ strategy: 'up_to_target', categoryIds: [C.travel()] }), 200);
    expect(category(after, C.travel())).toMatchObject({ underfunded: false, needed: '0.00', targetStatus: month === '2026-09' ? 'past' : 'funded' });
  }
  if (month === '2026-04') {
    await expectStatus(
      request(t.app).post('/api/v1/inter-entity-transfers').set(h.auth).send({ kind: 'owner_draw', date: day(15), amount: '500.00', fromAccountId: acct('llc', '1000'), toAccountId: C.checking(), purpose: 'April owner draw' }),
      201,
    );
  }
  if (month === '2026-05') await expectStatus(request(t.app).put(budgetPath('personal', month, '/hold')).set(h.auth).send({ amount: '500.00' }), 200);
  if (month === '2026-09') {
    const mistaken = await setAssigned(month, C.travel(), '999.00');
    expect(mistaken.toBeAssigned).toBe('10831.00');
    const reset = await expectStatus(request(t.app).post(budgetPath('personal', month, '/reset')).set(h.auth).send({}), 200);
    expect(categoriesOf(reset).every((item) => item.assigned === '0.00')).toBe(true);
    expect(reset.toBeAssigned).toBe('13830.00');
    await setAssigned(month, C.rent(), '1500.00');
    await setAssigned(month, C.groceries(), '400.00');
    await setAssigned(month, C.fun(), '100.00');
  }
}

beforeAll(async () => {
  t = await startTestApp();
  h = await createHousehold(t.app);
  other = await createHousehold(t.app);
  await journal('2025-10-01', 'LLC opening balance', [[acct('llc', '1000'), '5000.00'], [acct('llc', 'opening_balance'), '-5000.00']], 'llc');
  for (const [index, month] of months.entries()) await scriptMonth(month, index);
});

afterAll(async () => {
  await t?.close();
});

describe('a scripted year', () => {
  it.each(months.map((month) => [month]))('%s matches the hand-computed board', async (month) => {
    const body = await board('personal', month);
    const want = expected[month]!;
    expect({ month: body.month, tba: body.toBeAssigned, held: body.summary.held }).toEqual({ month, tba: want.tba, held: want.held });
    const figures = (id: string) => {
      const item = category(body, id);
      return [item.assigned, item.activity, item.available];
    };
    expect({ rent: figures(C.rent()), groceries: figures(C.groceries()), fun: figures(C.fun()), travel: figures(C.travel()), card: figures(C.card()) }).toEqual({
      rent: want.rent,
      groceries: want.groceries,
      fun: want.fun,
      travel: want.travel,
      card: want.card,
    });
    for (const item of categoriesOf(body)) expect(item.overspent).toBe(cents(item.available) < 0);
    expect(body.toBeAssignedStatus).toBe('positive');
  });

  it('at every month end, To be assigned + held + Σ available = the on-budget cash in the trial balance; the card payment category holds the card debt', async () => {
    const personalAccounts = new Map(h.personal.accounts.map((account) => [account.id, account]));
    for (const month of months) {
      const body = await board('personal', month);
      const [year, monthNumber] = month.split('-').map(Number) as [number, number];
      const asOf = new Date(Date.UTC(year, monthNumber, 0)).toISOString().slice(0, 10);
      const trial = await expectStatus(request(t.app).get(`/api/v1/entities/${h.personal.id}/trial-balance`).query({ asOf }).set(h.auth), 200);
      const balanceOf = (predicate: (subtype: string, type: string) => boolean) =>
        (trial.lines as { accountId: string; balance: string }[]).filter((line) => {
          const account = personalAccounts.get(line.accountId)!;
          return predicate(account.subtype, account.type);
        }).reduce((sum, line) => sum + cents(line.balance), 0);
      const onBudgetCash = balanceOf((subtype, type) => type === 'asset' && ['checking', 'savings', 'money_market', 'cash'].includes(subtype));
      const cardDebt = 0 - balanceOf((subtype) => subtype === 'credit_card');
      const available = categoriesOf(body).reduce((sum, item) => sum + cents(item.available), 0);
      expect(cents(body.toBeAssigned) + cents(body.summary.held) + available, month).toBe(onBudgetCash);
      expect(onBudgetCash, month).toBe(cents(expected[month]!.cash));
      expect(body.reconciliation, month).toEqual({ budgeted: body.reconciliation.onBudgetCash, onBudgetCash: expected[month]!.cash, balanced: true });
      // Without the payment category: the expense categories and To be assigned cover cash minus the card debt.
      expect(cardDebt, month).toBe(cents(category(body, C.card()).available));
    }
  });

  it('reads the year as the same board whatever month is asked first (no state kept between requests)', async () => {
    const later = await board('personal', '2026-09');
    const earlier = await board('personal', '2025-12');
    expect([later.toBeAssigned, earlier.toBeAssigned]).toEqual([expected['2026-09']!.tba, expected['2025-12']!.tba]);
  });

  it('rolls into the next year and lets you assign into the future; To be assigned may go negative and says so', async () => {
    const future = await setAssigned('2027-03', C.fun(), '200.00');
    expect(category(future, C.fun())).toMatchObject({ assigned: '200.00', available: '250.00' });
    expect(future.bounds).toMatchObject({ previousMonth: '2027-02', nextMonth: '2027-04' });
    const october = await board('personal', '2026-10');
    expect(october.toBeAssigned).toBe('11830.00');
    const over = await setAssigned('2026-10', C.rent(), '12000.00');
    expect(over).toMatchObject({ toBeAssigned: '-170.00', toBeAssignedStatus: 'negative' });
    expect(over.toBeAssignedNote).toMatch(/Over-assigned by 170\.00/);
    await setAssigned('2026-10', C.rent(), '0.00');
  });
});

describe('two entities in one household', () => {
  it("keeps each board to its own entity's accounts and money", async () => {
    const personalIds = new Set(h.personal.accounts.map((account) => account.id));
    const llcIds = new Set(h.llc.accounts.map((account) => account.id));
    const personalBoard = await board('personal', '2026-04');
    const llcBoard = await board('llc', '2026-04');
    for (const item of categoriesOf(personalBoard)) expect(personalIds.has(item.id), item.name).toBe(true);
    for (const item of categoriesOf(llcBoard)) expect(llcIds.has(item.id), item.name).toBe(true);
    const llcText = JSON.stringify(llcBoard);
    for (const id of personalIds) expect(llcText).not.toContain(id);
    expect(JSON.stringify(personalBoard)).not.toContain(h.llc.id);
    // The LLC: 5,000.00 opened, 500.00 drawn; none of the personal assignments.
    expect(llcBoard).toMatchObject({ toBeAssigned: '4500.00', summary: { assigned: '0.00', held: '0.00' }, reconciliation: { onBudgetCash: '4500.00', balanced: true } });
    expect(categoriesOf(llcBoard).some((item) => item.name === 'Business Credit Card payment' && item.kind === 'card_payment')).toBe(true);
  });

  it("refuses the other entity's categories on a board, and writes nothing", async () => {
    const before = await counts();
    const llcCategory = acct('llc', '6080');
    await expectStatus(request(t.app).put(budgetPath('personal', '2026-04', `/categories/${llcCategory}`)).set(h.auth).send({ assigned: '10.00' }), 404);
    const move = await expectStatus(request(t.app).post(budgetPath('personal', '2026-04', '/move')).set(h.auth).send({ fromCategoryId: C.groceries(), toCategoryId: llcCategory, amount: '1.00' }), 422);
    expect(move.errors).toEqual([expect.objectContaining({ field: '/toCategoryId', code: 'unknown_category' })]);
    expect(await counts()).toEqual(before);
  });
});

describe('flows assign through assign_envelope', () => {
  it("a run's assignments show on the board; reverting the run offsets them", async () => {
    const position = { x: 0, y: 0 };
    const graph = {
      nodes: [
        { id: 'go', type: 'trigger.manual', data: {}, position },
        { id: 'paycheck', type: 'source.fixed', data: { amount: '600.00', accountId: C.checking() }, position },
        { id: 'split', type: 'allocate', data: { outputs: [{ mode: 'fixed', value: '450.00' }, { mode: 'remainder' }] }, position },
        { id: 'food', type: 'assign_envelope', data: { categoryId: C.groceries() }, position },
        { id: 'fun', type: 'assign_envelope', data: { categoryId: C.fun() }, position },
      ],
      edges: [
        { id: 'e1', source: 'go', sourceHandle: 'start', target: 'paycheck', targetHandle: 'start' },
        { id: 'e2', source: 'paycheck', sourceHandle: 'out', target: 'split', targetHandle: 'in' },
        { id: 'e3', source: 'split', sourceHandle: 'out-0', target: 'food', targetHandle: 'in' },
        { id: 'e4', source: 'split', sourceHandle: 'out-1', target: 'fun', targetHandle: 'in' },
      ],
    };
    const flow = await expectStatus(request(t.app).post('/api/v1/flows').set(h.auth).send({ name: 'Assign my paycheck', graph }), 201);
    expect(flow.problems).toEqual([]);
    const before = await board('personal', '2026-11');
    const run = await expectStatus(request(t.app).post(`/api/v1/flows/${flow.id}/runs`).set(h.auth).set('Idempotency-Key', randomUUID()).send({ date: '2026-11-01' }), 201);
    expect(run.status).toBe('committed');
    const after = await board('personal', '2026-11');
    expect(category(after, C.groceries()).assigned).toBe('450.00');
    expect(category(after, C.fun()).assigned).toBe('150.00');
    expect(cents(after.toBeAssigned)).toBe(cents(before.toBeAssigned) - 60_000);
    // The board edits on top of the flow's assignment.
    await setAssigned('2026-11', C.fun(), '175.00');
    await expectStatus(request(t.app).post(`/api/v1/runs/${run.id}/revert`).set(h.auth).send({}), 200);
    const reverted = await board('personal', '2026-11');
    expect(category(reverted, C.groceries()).assigned).toBe('0.00');
    expect(category(reverted, C.fun()).assigned).toBe('25.00');
    expect(cents(reverted.toBeAssigned)).toBe(cents(before.toBeAssigned) - 2_500);
    await setAssigned('2026-11', C.fun(), '0.00');
  });
});

describe('quick actions, targets, layout, Sankey', () => {
  it('assigns from last month and from the 3-month average', async () => {
    const last = await expectStatus(request(t.app).post(budgetPath('personal', '2026-10', '/quick-assign')).set(h.auth).send({ strategy: 'last_month' }), 200);
    expect([C.rent(), C.groceries(), C.fun(), C.travel()].map((id) => category(last, id).assigned)).toEqual(['1500.00', '400.00', '100.00', '0.00']);
    const average = await expectStatus(request(t.app).post(budgetPath('personal', '2026-10', '/quick-assign')).set(h.auth).send({ strategy: 'average_3_months', categoryIds: [C.travel(), C.groceries()] }), 200);
    // Travel spent 1,200.00 in August only: 400.00 on average over Jul-Sep.
    expect([category(average, C.travel()).assigned, category(average, C.groceries()).assigned]).toEqual(['400.00', '400.00']);
    await expectStatus(request(t.app).post(budgetPath('personal', '2026-10', '/reset')).set(h.auth).send({}), 200);
  });

  it('funds underfunded targets in board order as far as To be assigned goes', async () => {
    await expectStatus(request(t.app).put(`/api/v1/categories/${C.rent()}/target`).set(h.auth).send({ kind: 'monthly', amount: '1500.00' }), 200);
    await expectStatus(request(t.app).put(`/api/v1/categories/${C.groceries()}/target`).set(h.auth).send({ kind: 'savings_goal', amount: '100000.00' }), 200);
    const funded = await expectStatus(request(t.app).post(budgetPath('personal', '2026-10', '/quick-assign')).set(h.auth).send({ strategy: 'fund_underfunded' }), 200);
    expect(category(funded, C.rent())).toMatchObject({ assigned: '1500.00', underfunded: false });
    // Groceries' goal is far beyond what is unassigned: it gets the rest, To be assigned ends at zero.
    expect(category(funded, C.groceries())).toMatchObject({ assigned: '10330.00', underfunded: true });
    expect(funded.toBeAssigned).toBe('0.00');
    await expectStatus(request(t.app).delete(`/api/v1/categories/${C.groceries()}/target`).set(h.auth), 204);
    await expectStatus(request(t.app).delete(`/api/v1/categories/${C.rent()}/target`).set(h.auth), 204);
    const cleared = await expectStatus(request(t.app).post(budgetPath('personal', '2026-10', '/reset')).set(h.auth).send({}), 200);
    expect(category(cleared, C.rent())).toMatchObject({ target: null, needed: null, underfunded: false });
  });

  it('orders, groups and hides categories as the layout says; the rest follow', async () => {
    const saved = await expectStatus(
      request(t.app)
        .put(`/api/v1/entities/${h.personal.id}/budget/layout`)
        .set(h.auth)
        .send({ groups: [{ name: 'Home', categories: [{ id: C.rent() }] }, { name: 'Food', categories: [{ id: C.fun() }, { id: C.groceries(), hidden: true }] }] }),
      200,
    );
    expect(saved.groups.map((group: { name: string }) => group.name)).toEqual(['Home', 'Food']);
    const body = await board('personal', '2026-09');
    expect(body.groups.map((group: { name: string }) => group.name)).toEqual(['Home', 'Food', 'Other categories', 'Credit card payments']);
    expect(body.groups[1].categories.map((item: Category) => [item.id, item.hidden])).toEqual([[C.fun(), false], [C.groceries(), true]]);
    expect(body.groups[1].available).toBe('200.00');
    // Renaming a group keeps its id; a group left out goes, its categories fall back.
    const renamed = await expectStatus(
      request(t.app).put(`/api/v1/entities/${h.personal.id}/budget/layout`).set(h.auth).send({ groups: [{ id: saved.groups[1].id, name: 'Eating', categories: [{ id: C.groceries() }] }] }),
      200,
    );
    expect(renamed.groups).toEqual([{ id: saved.groups[1].id, name: 'Eating', hidden: false, categoryIds: [C.groceries()] }]);
    const after = await board('personal', '2026-09');
    expect(after.groups.map((group: { name: string }) => group.name)).toEqual(['Eating', 'Other categories', 'Credit card payments']);
  });

  it('draws the month as income sources → budget → categories, balanced, in exact strings', async () => {
    const sankey = await expectStatus(request(t.app).get(budgetPath('personal', '2026-04', '/sankey')).set(h.auth), 200);
    const byTarget = (target: string) => sankey.links.find((link: { target: string }) => link.target === target)?.amount;
    expect(sankey.links.filter((link: { target: string }) => link.target === 'budget').map((link: { source: string; amount: string }) => [link.source, link.amount])).toEqual([
      [C.salary(), '3000.00'],
      [acct('personal', 'distributions_from_llc'), '500.00'],
    ]);
    expect([byTarget(C.rent()), byTarget(C.groceries()), byTarget(C.fun()), byTarget('left_over')]).toEqual(['1500.00', '400.00', '100.00', '1500.00']);
    expect(sankey).toMatchObject({ inflow: '3500.00', outflow: '2000.00', currency: 'USD' });
    expect(JSON.stringify(sankey)).not.toContain(C.card());
  });
});

async function counts() {
  const result: Record<string, number> = {};
  for (const table of ['envelope_assignments', 'budget_months', 'budget_categories', 'budget_category_groups', 'audit_log', 'journals']) {
    result[table] = Number((await t.database.knex(table).count<{ n: bigint }[]>({ n: '*' }))[0]!.n);
  }
  return result;
}

describe('refusals: 4xx problem+json, never 500, nothing written', () => {
  const unknown = randomUUID();
  const cases: { name: string; send: () => request.Test; status: number; field?: string }[] = [
    { name: 'month 2026-13', send: () => request(t.app).get(budgetPath('personal', '2026-13')).set(h.auth), status: 400, field: '/params/month' },
    { name: 'month 2026-1', send: () => request(t.app).get(budgetPath('personal', '2026-1')).set(h.auth), status: 400, field: '/params/month' },
    { name: 'month 2026-00 on a write', send: () => request(t.app).put(budgetPath('personal', '2026-00', `/categories/${C.rent()}`)).set(h.auth).send({ assigned: '1.00' }), status: 400, field: '/params/month' },
    { name: 'a month outside the bounds', send: () => request(t.app).get(budgetPath('personal', '1990-01')).set(h.auth), status: 422, field: '/params/month' },
    { name: 'a write outside the bounds', send: () => request(t.app).put(budgetPath('personal', '2999-01', `/categories/${C.rent()}`)).set(h.auth).send({ assigned: '1.00' }), status: 422, field: '/params/month' },
    { name: 'an unknown category', send: () => request(t.app).put(budgetPath('personal', '2026-04', `/categories/${unknown}`)).set(h.auth).send({ assigned: '1.00' }), status: 404 },
    { name: 'a category that is not a uuid', send: () => request(t.app).put(budgetPath('personal', '2026-04', '/categories/rent')).set(h.auth).send({ assigned: '1.00' }), status: 404 },
    { name: 'checking is not a category', send: () => request(t.app).put(budgetPath('personal', '2026-04', `/categories/${C.checking()}`)).set(h.auth).send({ assigned: '1.00' }), status: 404 },
    { name: "another household's category", send: () => request(t.app).put(budgetPath('personal', '2026-04', `/categories/${other.account('personal', '5000').id}`)).set(h.auth).send({ assigned: '1.00' }), status: 404 },
    { name: "another household's entity", send: () => request(t.app).get(`/api/v1/entities/${other.personal.id}/budget/2026-04`).set(h.auth), status: 404 },
    { name: "another household's category target", send: () => request(t.app).put(`/api/v1/categories/${other.account('personal', '5000').id}/target`).set(h.auth).send({ kind: 'monthly', amount: '1.00' }), status: 404 },
    { name: 'assigned as a JSON number', send: () => request(t.app).put(budgetPath('personal', '2026-04', `/categories/${C.rent()}`)).set(h.auth).send({ assigned: 12.5 }), status: 400, field: '/assigned' },
    { name: 'assigned with too many decimals', send: () => request(t.app).put(budgetPath('personal', '2026-04', `/categories/${C.rent()}`)).set(h.auth).send({ assigned: '1.005' }), status: 422, field: '/assigned' },
    { name: 'assigned missing', send: () => request(t.app).put(budgetPath('personal', '2026-04', `/categories/${C.rent()}`)).set(h.auth).send({}), status: 400, field: '/assigned' },
    { name: 'an unknown field', send: () => request(t.app).put(budgetPath('personal', '2026-04', `/categories/${C.rent()}`)).set(h.auth).send({ assigned: '1.00', note: 'x' }), status: 400, field: '/note' },
    { name: 'a move to the same category', send: () => request(t.app).post(budgetPath('personal', '2026-04', '/move')).set(h.auth).send({ fromCategoryId: C.fun(), toCategoryId: C.fun(), amount: '1.00' }), status: 422, field: '/toCategoryId' },
    { name: 'a move of more than the category holds', send: () => request(t.app).post(budgetPath('personal', '2026-04', '/move')).set(h.auth).send({ fromCategoryId: C.fun(), toCategoryId: C.rent(), amount: '50.01' }), status: 422, field: '/amount' },
    { name: 'a move of zero', send: () => request(t.app).post(budgetPath('personal', '2026-04', '/move')).set(h.auth).send({ fromCategoryId: C.fun(), toCategoryId: C.rent(), amount: '0.00' }), status: 422, field: '/amount' },
    { name: 'a move from an unknown category', send: () => request(t.app).post(budgetPath('personal', '2026-04', '/move')).set(h.auth).send({ fromCategoryId: unknown, toCategoryId: C.rent(), amount: '1.00' }), status: 422, field: '/fromCategoryId' },
    { name: 'a hold of more than is unassigned', send: () => request(t.app).put(budgetPath('personal', '2026-04', '/hold')).set(h.auth).send({ amount: '7630.01' }), status: 422, field: '/amount' },
    { name: 'a negative hold', send: () => request(t.app).put(budgetPath('personal', '2026-04', '/hold')).set(h.auth).send({ amount: '-1.00' }), status: 422, field: '/amount' },
    { name: 'an unknown strategy', send: () => request(t.app).post(budgetPath('personal', '2026-04', '/quick-assign')).set(h.auth).send({ strategy: 'everything' }), status: 400, field: '/strategy' },
    { name: 'quick-assign of a foreign category', send: () => request(t.app).post(budgetPath('personal', '2026-04', '/quick-assign')).set(h.auth).send({ strategy: 'last_month', categoryIds: [acct('llc', '6080')] }), status: 422, field: '/categoryIds/0' },
    { name: 'a by_date target without its month', send: () => request(t.app).put(`/api/v1/categories/${C.rent()}/target`).set(h.auth).send({ kind: 'by_date', amount: '100.00' }), status: 422, field: '/byMonth' },
    { name: 'a target month 2026-13', send: () => request(t.app).put(`/api/v1/categories/${C.rent()}/target`).set(h.auth).send({ kind: 'by_date', amount: '100.00', byMonth: '2026-13' }), status: 400, field: '/byMonth' },
    { name: 'a target of zero', send: () => request(t.app).put(`/api/v1/categories/${C.rent()}/target`).set(h.auth).send({ kind: 'monthly', amount: '0.00' }), status: 422, field: '/amount' },
    { name: 'a layout with a foreign category', send: () => request(t.app).put(`/api/v1/entities/${h.personal.id}/budget/layout`).set(h.auth).send({ groups: [{ name: 'Mixed', categories: [{ id: acct('llc', '6080') }] }] }), status: 422, field: '/groups/0/categories/0/id' },
    { name: 'a layout with a category twice', send: () => request(t.app).put(`/api/v1/entities/${h.personal.id}/budget/layout`).set(h.auth).send({ groups: [{ name: 'A', categories: [{ id: C.rent() }] }, { name: 'B', categories: [{ id: C.rent() }] }] }), status: 422, field: '/groups/1/categories/0/id' },
    { name: 'a layout group with a blank name', send: () => request(t.app).put(`/api/v1/entities/${h.personal.id}/budget/layout`).set(h.auth).send({ groups: [{ name: '  ', categories: [] }] }), status: 400, field: '/groups/0/name' },
    { name: 'no token', send: () => request(t.app).get(budgetPath('personal', '2026-04')), status: 401 },
  ];

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = await counts();
    const response = await c.send();
    expect(response.status, response.text.slice(0, 500)).toBe(c.status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    if (c.field) expect(JSON.parse(response.text).errors?.map((error: { field: string }) => error.field), response.text).toContain(c.field);
    expect(await counts()).toEqual(before);
  });
});

describe('a write answers the board a read would give', () => {
  it('for a cell, a move, a quick action, a hold and a reset', async () => {
    const month = '2026-12';
    const writes = [
      () => request(t.app).put(budgetPath('personal', month, `/categories/${C.groceries()}`)).set(h.auth).send({ assigned: '300.00' }),
      () => request(t.app).post(budgetPath('personal', month, '/move')).set(h.auth).send({ fromCategoryId: C.groceries(), toCategoryId: C.card(), amount: '25.00' }),
      () => request(t.app).post(budgetPath('personal', month, '/quick-assign')).set(h.auth).send({ strategy: 'last_month', categoryIds: [C.rent()] }),
      () => request(t.app).put(budgetPath('personal', month, '/hold')).set(h.auth).send({ amount: '123.45' }),
      () => request(t.app).post(budgetPath('personal', month, '/reset')).set(h.auth).send({}),
    ];
    for (const write of writes) {
      const answer = await expectStatus(write(), 200);
      expect(answer).toEqual(await board('personal', month));
    }
  });
});

describe('audit and idempotency', () => {
  it('every budget write is in the audit log, and the chain verifies', async () => {
    const log = await expectStatus(request(t.app).get('/api/v1/audit-log').query({ limit: 500 }).set(h.auth), 200);
    const actions = new Set((log.data as { action: string }[]).map((entry) => entry.action));
    for (const action of ['budget.assign', 'budget.move', 'budget.quick_assign', 'budget.hold', 'budget.reset', 'budget.target.set', 'budget.target.clear', 'budget.layout']) expect(actions, action).toContain(action);
    const verified = await expectStatus(request(t.app).get('/api/v1/audit-log/verify').set(h.auth), 200);
    expect(verified.ok).toBe(true);
  });

  it('a move retried with the same Idempotency-Key moves once', async () => {
    const key = randomUUID();
    const send = () => request(t.app).post(budgetPath('personal', '2026-09', '/move')).set(h.auth).set('Idempotency-Key', key).send({ fromCategoryId: C.groceries(), toCategoryId: C.fun(), amount: '10.00' });
    const first = await expectStatus(send(), 200);
    const again = await send();
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const body = await board('personal', '2026-09');
    expect(category(body, C.fun()).assigned).toBe('110.00');
    expect(category(first, C.fun()).assigned).toBe('110.00');
  });
});
