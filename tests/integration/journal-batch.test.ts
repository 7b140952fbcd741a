import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectLedgerInvariants, newKey, send } from '../support/concurrency.js';
import { createHousehold, listen, startTestApp, type Household, type TestApp } from '../support/test-app.js';

/** `POST /entities/:entityId/journals/batch`: up to 10,000 journals, all or nothing. */
let t: TestApp;
let h: Household;
let sql: pg.Client;
let url: string;
let stop: () => Promise<void>;

beforeAll(async () => {
  t = await startTestApp();
  h = await createHousehold(t.app);
  sql = await t.rawClient();
  const server = await listen(t.app);
  url = server.url;
  stop = server.close;
});
afterAll(async () => {
  await stop();
  await t.close();
});

const journalCount = async () => (await sql.query('select count(*)::int as n from journals where entity_id = $1', [h.llc.id])).rows[0].n as number;

function batch(size: number, amountOf: (index: number) => string = (index) => `${1 + (index % 500)}.${String(index % 100).padStart(2, '0')}`) {
  return {
    journals: Array.from({ length: size }, (_unused, index) => ({
      date: `2026-${String(1 + (index % 12)).padStart(2, '0')}-15`,
      memo: `Batch invoice ${index}`,
      payee: 'Client Co',
      postings: [
        { accountId: h.account('llc', '1000').id, amount: amountOf(index) },
        { accountId: h.account('llc', '4000').id, amount: `-${amountOf(index)}` },
      ],
    })),
  };
}

describe('the journal batch endpoint', () => {
  it('refuses 10,000 journals with one bad one: nothing is written and the answer names its index', async () => {
    const body = batch(10_000);
    body.journals[7321]!.postings[1]!.amount = '-1.00'; // does not balance
    const answer = await send(url, h.auth, 'POST', `/entities/${h.llc.id}/journals/batch`, body, { 'Idempotency-Key': newKey() });
    expect(answer.status).toBe(422);
    expect(answer.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(answer.body.code).toBe('batch_invalid');
    expect(answer.body.detail).toMatch(/1 of 10000 journals are invalid \(index 7321\)/);
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: '/journals/7321/postings', code: 'unbalanced' })]);
    expect(await journalCount()).toBe(0);
  }, 60_000);

  it('names every bad journal, whatever is wrong with it', async () => {
    const body = batch(50);
    body.journals[3]!.postings[0]!.accountId = h.account('personal', '1000').id; // another entity's account
    body.journals[17]!.date = '1850-01-01';
    body.journals[42]!.postings[0]!.amount = '1.005'; // more decimals than USD has
    const answer = await send(url, h.auth, 'POST', `/entities/${h.llc.id}/journals/batch`, body);
    expect(answer.status).toBe(422);
    expect(answer.body.detail).toMatch(/3 of 50 journals are invalid \(index 3, 17, 42\)/);
    expect(answer.body.errors.map((problem: { field: string }) => problem.field)).toEqual(['/journals/3/postings/0/accountId', '/journals/17/date', '/journals/42/postings/0/amount']);
    expect(await journalCount()).toBe(0);
  });

  it('refuses a malformed batch by shape (400) naming the field, and more than 10,000 journals', async () => {
    const body = batch(3) as { journals: unknown[] };
    body.journals[1] = { date: '2026-01-01', postings: [] };
    const malformed = await send(url, h.auth, 'POST', `/entities/${h.llc.id}/journals/batch`, body);
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([expect.objectContaining({ field: '/journals/1/postings' })]);
    const tooMany = await send(url, h.auth, 'POST', `/entities/${h.llc.id}/journals/batch`, { journals: Array.from({ length: 10_001 }, () => batch(1).journals[0]) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors).toEqual([expect.objectContaining({ field: '/journals', code: 'maxItems' })]);
    expect(await journalCount()).toBe(0);
  }, 60_000);

  it('posts 10,000 journals at once; a retry with the same key posts nothing again', async () => {
    const key = newKey();
    const body = batch(10_000);
    const answer = await send(url, h.auth, 'POST', `/entities/${h.llc.id}/journals/batch`, body, { 'Idempotency-Key': key });
    expect(answer.status).toBe(201);
    expect(answer.body.count).toBe(10_000);
    expect(answer.body.journalIds).toHaveLength(10_000);
    const expectedMinor = body.journals.reduce((sum, journal) => sum + BigInt(journal.postings[0]!.amount.replace('.', '')), 0n);
    expect(answer.body.totals).toEqual([{ currency: 'USD', debits: `${expectedMinor / 100n}.${String(expectedMinor % 100n).padStart(2, '0')}` }]);
    expect(await journalCount()).toBe(10_000);
    // The ids are in the order sent.
    const stored = await sql.query('select memo from journals where id = $1', [answer.body.journalIds[9_999]]);
    expect(stored.rows[0].memo).toBe('Batch invoice 9999');

    const retry = await send(url, h.auth, 'POST', `/entities/${h.llc.id}/journals/batch`, body, { 'Idempotency-Key': key });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.journalIds).toEqual(answer.body.journalIds);
    expect(await journalCount()).toBe(10_000);
    expect((await h.balances('llc')).get('1000')).toBe(answer.body.totals[0].debits);
    await expectLedgerInvariants(sql);
    const audit = await send(url, h.auth, 'GET', '/audit-log/verify');
    expect(audit.body.ok).toBe(true);
  }, 120_000);
});
