import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concurrently, expectLedgerInvariants, newKey, send, statusCounts, type Answer } from '../support/concurrency.js';
import { createHousehold, listen, startEmbeddedTestApp, startTestApp, type Household, type TestApp } from '../support/test-app.js';

/**
 * Many writers in one household at once — the load two browser tabs, a bank sync and a script
 * put on Sluice — on PostgreSQL and on the embedded default. Nothing may answer 5xx; a refusal
 * is a 4xx saying why; the books' invariants hold afterwards.
 */
const clients = 8;
const journalsPerClient = 250;

interface Harness {
  t: TestApp;
  h: Household;
  url: string;
  sql: pg.Client;
  close(): Promise<void>;
}

async function harness(start: () => Promise<TestApp>): Promise<Harness> {
  const t = await start();
  const h = await createHousehold(t.app);
  const server = await listen(t.app);
  const sql = await t.rawClient();
  return { t, h, url: server.url, sql, close: async () => (await server.close(), await t.close()) };
}

function journalBody(h: Household, client: number, index: number) {
  const cents = 100 + client * 1000 + index;
  const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
  return {
    date: `2026-0${1 + (index % 9)}-${String(1 + (index % 28)).padStart(2, '0')}`,
    memo: `client ${client} journal ${index}`,
    postings: [
      { accountId: h.account('llc', '1000').id, amount },
      { accountId: h.account('llc', '4000').id, amount: `-${amount}` },
    ],
  };
}

function expectNoServerErrors(answers: readonly Answer[]): void {
  const failed = answers.filter((answer) => answer.status >= 500);
  expect(failed.map((answer) => answer.body), JSON.stringify(statusCounts(answers))).toEqual([]);
}

describe.each([
  ['PostgreSQL', () => startTestApp()],
  ['the embedded default (no DATABASE_URL)', () => startEmbeddedTestApp()],
])('%s: many writers in one household', (_name, start) => {
  let x: Harness;
  beforeAll(async () => {
    x = await harness(start);
  }, 120_000);
  afterAll(async () => {
    await x?.close();
  });

  it(`${clients} clients × ${journalsPerClient} journals: all committed, balanced, cached balances and the audit chain intact`, async () => {
    const answers = await concurrently(clients, journalsPerClient, (client, index) =>
      send(x.url, x.h.auth, 'POST', `/entities/${x.h.llc.id}/journals`, journalBody(x.h, client, index), { 'Idempotency-Key': `c${client}-j${index}` }),
    );
    expect(statusCounts(answers)).toEqual({ 201: clients * journalsPerClient });
    // Every answer is the journal its own request asked for.
    for (const [position, answer] of answers.entries()) {
      const client = Math.floor(position / journalsPerClient);
      expect(answer.body.memo).toBe(`client ${client} journal ${position % journalsPerClient}`);
    }
    const counted = await x.sql.query(`select count(*)::int as n from journals where entity_id = $1`, [x.h.llc.id]);
    expect(counted.rows[0].n).toBe(clients * journalsPerClient);
    await expectLedgerInvariants(x.sql);
    const expectedCents = Array.from({ length: clients }, (_u, client) => Array.from({ length: journalsPerClient }, (_v, index) => 100 + client * 1000 + index)).flat().reduce((sum, cents) => sum + cents, 0);
    const balances = await x.h.balances('llc');
    expect(balances.get('1000')).toBe((expectedCents / 100).toFixed(2));
    const verified = await send(x.url, x.h.auth, 'GET', '/audit-log/verify');
    expect(verified.body).toMatchObject({ ok: true });
    expect(verified.body.rowsChecked).toBeGreaterThanOrEqual(clients * journalsPerClient);
  }, 120_000);

  it('retries with the same Idempotency-Key, sent at once, post once', async () => {
    const key = newKey();
    const body = journalBody(x.h, 99, 1);
    const answers = await Promise.all(Array.from({ length: 12 }, () => send(x.url, x.h.auth, 'POST', `/entities/${x.h.llc.id}/journals`, body, { 'Idempotency-Key': key })));
    expect(statusCounts(answers)).toEqual({ 201: 12 });
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    const posted = await x.sql.query(`select count(*)::int as n from journals where memo = $1`, [body.memo]);
    expect(posted.rows[0].n).toBe(1);
  }, 60_000);

  it('50 different inter-entity transfers at once: each succeeds or is refused with its reason, and the pair reconciles', async () => {
    const llcChecking = x.h.account('llc', '1000').id;
    const personalChecking = x.h.account('personal', '1000').id;
    const kinds = [
      { kind: 'owner_draw', fromAccountId: llcChecking, toAccountId: personalChecking },
      { kind: 'capital_contribution', fromAccountId: personalChecking, toAccountId: llcChecking },
      { kind: 'member_loan', fromAccountId: personalChecking, toAccountId: llcChecking },
      // Repayments beyond what is owed are refused (422): which ones depends on the race.
      { kind: 'loan_repayment', fromAccountId: llcChecking, toAccountId: personalChecking },
    ];
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_unused, index) =>
        send(x.url, x.h.auth, 'POST', '/inter-entity-transfers', { ...kinds[index % kinds.length], date: '2026-03-15', amount: `${10 + index}.00`, purpose: `Concurrent transfer ${index}` }, { 'Idempotency-Key': newKey() }),
      ),
    );
    expectNoServerErrors(answers);
    for (const answer of answers) {
      expect([201, 422]).toContain(answer.status);
      if (answer.status === 422) expect(answer.body.code).toBe('rule_violation');
    }
    const created = answers.filter((answer) => answer.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(38); // everything but some repayments
    const transfers = await x.sql.query(`select count(*)::int as n from inter_entity_transfers where household_id = $1`, [x.h.householdId]);
    expect(transfers.rows[0].n).toBe(created.length);
    for (const answer of created) expect(answer.body.reconciled).toBe(true);
    await expectLedgerInvariants(x.sql);
  }, 120_000);

  it('20 budget moves at once: each succeeds or is refused because the category does not hold the amount', async () => {
    const month = '2026-06';
    const rent = x.h.account('personal', '5000').id;
    const groceries = x.h.account('personal', '5020').id;
    const salary = x.h.account('personal', '4000').id;
    const checking = x.h.account('personal', '1000').id;
    const income = await send(x.url, x.h.auth, 'POST', `/entities/${x.h.personal.id}/journals`, { date: '2026-06-01', memo: 'salary', postings: [{ accountId: checking, amount: '5000.00' }, { accountId: salary, amount: '-5000.00' }] });
    expect(income.status).toBe(201);
    const assigned = await send(x.url, x.h.auth, 'PUT', `/entities/${x.h.personal.id}/budget/${month}/categories/${rent}`, { assigned: '100.00' });
    expect(assigned.status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => send(x.url, x.h.auth, 'POST', `/entities/${x.h.personal.id}/budget/${month}/move`, { fromCategoryId: rent, toCategoryId: groceries, amount: '10.00' }, { 'Idempotency-Key': newKey() })),
    );
    expectNoServerErrors(answers);
    expect(statusCounts(answers)).toEqual({ 200: 10, 422: 10 });
    for (const refused of answers.filter((answer) => answer.status === 422)) expect(refused.body.errors).toEqual([expect.objectContaining({ field: '/amount' })]);
    const board = await send(x.url, x.h.auth, 'GET', `/entities/${x.h.personal.id}/budget/${month}`);
    const category = (id: string) => board.body.groups.flatMap((group: { categories: { id: string }[] }) => group.categories).find((candidate: { id: string }) => candidate.id === id);
    expect(category(rent).assigned).toBe('0.00');
    expect(category(groceries).assigned).toBe('100.00');
  }, 60_000);
});
