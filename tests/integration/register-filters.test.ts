import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { insertJournals, type JournalDraft } from '../../engine/ledger/journal-store.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

let t: TestApp;
let h: Household;
let checking: string;

const post = (body: Record<string, unknown>) => request(t.app).post(`/api/v1/entities/${h.personal.id}/journals`).set(h.auth).send(body);
const register = (query: Record<string, string | number>) => request(t.app).get(`/api/v1/accounts/${checking}/register`).query(query).set(h.auth);
const payees = (body: { data: { payee: string | null }[] }) => body.data.map((row) => row.payee);

beforeAll(async () => {
  t = await startTestApp();
  h = await createHousehold(t.app);
  checking = h.account('personal', '1000').id;
  const groceries = h.account('personal', '5020').id;
  const dining = h.account('personal', '5030').id;
  const clothing = h.account('personal', '5090').id;
  const spend = (date: string, payee: string, lines: [string, string][]) => {
    const total = lines.reduce((sum, [, amount]) => sum + BigInt(amount.replace('.', '')), 0n);
    const minor = total.toString().padStart(3, '0');
    return post({ date, payee, postings: [...lines.map(([accountId, amount]) => ({ accountId, amount })), { accountId: checking, amount: `-${minor.slice(0, -2)}.${minor.slice(-2)}` }] });
  };
  const responses = [
    await post({ date: '2026-05-01', payee: 'Employer Inc', memo: 'Salary', postings: [{ accountId: checking, amount: '3000.00' }, { accountId: h.account('personal', 'opening_balance').id, amount: '-3000.00' }] }),
    await spend('2026-05-02', 'Whole Foods', [[groceries, '84.10']]),
    await spend('2026-05-03', 'Target', [[groceries, '40.00'], [clothing, '25.00']]),
    await spend('2026-05-04', 'Cafe 100%', [[dining, '12.50']]),
    await spend('2026-05-05', 'Whole Foods Market', [[groceries, '99.99']]),
    await spend('2026-05-06', 'Corner Cafe', [[dining, '100.00']]),
  ];
  for (const response of responses) expect(response.status, response.text).toBe(201);
});
afterAll(async () => {
  await t.close();
});

describe('register filters', () => {
  it('filters by payee, case-insensitively, with LIKE wildcards taken literally', async () => {
    const whole = await register({ payee: 'whole foods' });
    expect(whole.status).toBe(200);
    expect(payees(whole.body)).toEqual(['Whole Foods Market', 'Whole Foods']);
    expect(whole.body.page.total).toBe(2);
    const percent = await register({ payee: '100%' });
    expect(payees(percent.body)).toEqual(['Cafe 100%']);
    // `search` also looks in memos; `payee` does not.
    expect((await register({ payee: 'Salary' })).body.data).toHaveLength(0);
    expect(payees((await register({ search: 'Salary' })).body)).toEqual(['Employer Inc']);
  });

  it('filters by category: journals that also post to that account, splits included', async () => {
    const groceries = await register({ categoryId: h.account('personal', '5020').id });
    expect(payees(groceries.body)).toEqual(['Whole Foods Market', 'Target', 'Whole Foods']);
    const clothing = await register({ categoryId: h.account('personal', '5090').id });
    expect(payees(clothing.body)).toEqual(['Target']);
    // The split row still shows the whole posting on this account and all its other accounts.
    expect(clothing.body.data[0].amount).toBe('-65.00');
    expect(clothing.body.data[0].counterAccounts.map((account: { name: string }) => account.name)).toHaveLength(2);
    // Filtering by the account itself, or another household's account, matches nothing.
    expect((await register({ categoryId: checking })).body.data).toHaveLength(0);
    const stranger = await createHousehold(t.app);
    expect((await register({ categoryId: stranger.account('personal', '5020').id })).body.data).toHaveLength(0);
  });

  it('filters by the size of the posting in either direction, bounds inclusive', async () => {
    const between = await register({ minAmount: '84.10', maxAmount: '100' });
    expect(payees(between.body)).toEqual(['Corner Cafe', 'Whole Foods Market', 'Whole Foods']);
    expect(payees((await register({ minAmount: '1000' })).body)).toEqual(['Employer Inc']);
    expect(payees((await register({ maxAmount: '12.50' })).body)).toEqual(['Cafe 100%']);
  });

  it('combines filters and pages, and keeps each row’s running balance over the whole history', async () => {
    const all = await register({ limit: 500 });
    const balanceOf = new Map(all.body.data.map((row: { postingId: string; runningBalance: string }) => [row.postingId, row.runningBalance]));
    const first = await register({ from: '2026-05-02', to: '2026-05-05', minAmount: '40', limit: 2, offset: 0 });
    expect(first.body.page).toEqual({ limit: 2, offset: 0, total: 3 });
    expect(payees(first.body)).toEqual(['Whole Foods Market', 'Target']);
    const second = await register({ from: '2026-05-02', to: '2026-05-05', minAmount: '40', limit: 2, offset: 2 });
    expect(payees(second.body)).toEqual(['Whole Foods']);
    for (const row of [...first.body.data, ...second.body.data]) expect(row.runningBalance).toBe(balanceOf.get(row.postingId));
    expect(second.body.data[0].runningBalance).toBe('2915.90');
  });

  it('refuses malformed amount filters by query field', async () => {
    const signed = await register({ minAmount: '-5' });
    expect(signed.status).toBe(400);
    expect(signed.body.errors[0].field).toBe('/query/minAmount');
    const tooPrecise = await register({ maxAmount: '1.005' });
    expect(tooPrecise.status).toBe(422);
    expect(tooPrecise.body.errors[0].field).toBe('/query/maxAmount');
    const inverted = await register({ minAmount: '50', maxAmount: '10' });
    expect(inverted.status).toBe(422);
    expect(inverted.body.errors[0]).toMatchObject({ field: '/query/maxAmount', code: 'range_inverted' });
    const notAnId = await register({ categoryId: 'groceries' });
    expect(notAnId.status).toBe(400);
    expect(notAnId.body.errors[0].field).toBe('/query/categoryId');
  });
});

describe('a register of 10,000+ rows', () => {
  it('pages to the oldest rows with running balances over the whole history', async () => {
    const other = await createHousehold(t.app);
    const savings = other.account('personal', '1010').id;
    const dining = other.account('personal', '5030').id;
    const rows = 10_000;
    // Book straight through the journal store (as the demo does): 1.00, 2.00, ... cents-exact.
    const drafts: JournalDraft[] = Array.from({ length: rows }, (_, index) => ({
      id: randomUUID(),
      entityId: other.personal.id,
      date: `2025-${String(1 + Math.floor(index / 1000)).padStart(2, '0')}-${String(1 + (index % 28)).padStart(2, '0')}`,
      memo: `Row ${index}`,
      payee: index % 2 === 0 ? 'Even Cafe' : 'Odd Bistro',
      source: 'manual',
      createdBy: other.userId,
      postings: [
        { accountId: savings, amountMinor: -BigInt(index + 1) * 100n, currency: 'USD' },
        { accountId: dining, amountMinor: BigInt(index + 1) * 100n, currency: 'USD' },
      ],
    }));
    await t.database.knex.transaction((trx) => insertJournals(trx, drafts));

    const started = Date.now();
    const last = await request(t.app).get(`/api/v1/accounts/${savings}/register`).query({ limit: 50, offset: rows - 50 }).set(other.auth);
    const elapsedMs = Date.now() - started;
    expect(last.status).toBe(200);
    expect(last.body.page).toEqual({ limit: 50, offset: rows - 50, total: rows });
    // The oldest row is the first posting of the account: its running balance is its own amount.
    const oldest = last.body.data.at(-1);
    expect(oldest.runningBalance).toBe(oldest.amount);
    const newest = (await request(t.app).get(`/api/v1/accounts/${savings}/register`).query({ limit: 1 }).set(other.auth)).body;
    // -(1 + 2 + ... + 10,000) dollars.
    expect(newest.data[0].runningBalance).toBe('-50005000.00');
    expect(newest.account.balance).toBe('-50005000.00');
    const filtered = await request(t.app).get(`/api/v1/accounts/${savings}/register`).query({ payee: 'odd', minAmount: '9990', limit: 50 }).set(other.auth);
    // 9,990.00 to 10,000.00 is 11 rows; the odd-indexed ones (even dollar amounts) are Odd Bistro's: 6.
    expect(filtered.body.page.total).toBe(6);
    expect(elapsedMs).toBeLessThan(5_000);
  });
});
