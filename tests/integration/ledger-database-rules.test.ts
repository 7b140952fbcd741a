import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal as sqlRefusal } from '../support/concurrency.js';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

/**
 * PostgreSQL itself refuses what would corrupt the books, even from SQL that bypasses the code.
 */
let t: TestApp;
let h: Household;
let sql: pg.Client;

beforeAll(async () => {
  t = await startTestApp();
  h = await createHousehold(t.app);
  sql = await t.rawClient();
});
afterAll(async () => {
  await t.close();
});

/** Runs statements in one transaction on the raw client; returns the error PostgreSQL raised. */
function refusal(statements: (ids: { journalId: string }) => string[]): Promise<{ code: string; message: string }> {
  return sqlRefusal(sql, statements({ journalId: randomUUID() }));
}

const journalSql = (id: string, entityId: string, date = '2026-03-01') =>
  `insert into journals (id, entity_id, date, memo, source) values ('${id}', '${entityId}', '${date}', 'raw', 'manual')`;
const postingSql = (journalId: string, entityId: string, accountId: string, amount: number, date = '2026-03-01') =>
  `insert into postings (journal_id, entity_id, date, account_id, amount_minor, currency) values ('${journalId}', '${entityId}', '${date}', '${accountId}', ${amount}, 'USD')`;

async function countRows(table: string): Promise<number> {
  const result = await sql.query(`select count(*)::int as n from ${table}`);
  return result.rows[0].n;
}

describe('the database refuses an unbalanced journal at commit', () => {
  it('refuses postings that do not sum to zero', async () => {
    const checking = h.account('llc', '1000').id;
    const income = h.account('llc', '4000').id;
    const error = await refusal(({ journalId }) => [
      journalSql(journalId, h.llc.id),
      postingSql(journalId, h.llc.id, checking, 10_000),
      postingSql(journalId, h.llc.id, income, -9_999),
    ]);
    expect(error.code).toBe('23514');
    expect(error.message).toMatch(/does not balance/);
  });

  it('refuses a journal with a single posting and a journal with none', async () => {
    const checking = h.account('llc', '1000').id;
    const single = await refusal(({ journalId }) => [journalSql(journalId, h.llc.id), postingSql(journalId, h.llc.id, checking, 500)]);
    expect(single.message).toMatch(/at least two/);
    const empty = await refusal(({ journalId }) => [journalSql(journalId, h.llc.id)]);
    expect(empty.message).toMatch(/at least two/);
  });

  it('checks balance per currency, not across currencies', async () => {
    const eur = await request(t.app).post(`/api/v1/entities/${h.llc.id}/accounts`).set(h.auth).send({ name: 'Euro Account', type: 'asset', subtype: 'checking', currency: 'EUR' });
    expect(eur.status).toBe(201);
    const checking = h.account('llc', '1000').id;
    const error = await refusal(({ journalId }) => [
      journalSql(journalId, h.llc.id),
      postingSql(journalId, h.llc.id, checking, 1_000),
      `insert into postings (journal_id, entity_id, date, account_id, amount_minor, currency) values ('${journalId}', '${h.llc.id}', '2026-03-01', '${eur.body.id}', -1000, 'EUR')`,
    ]);
    expect(error.message).toMatch(/does not balance/);
  });

  it('accepts a balanced journal written with raw SQL, and the cached balance follows', async () => {
    const checking = h.account('personal', '1000').id;
    const groceries = h.account('personal', '5020').id;
    const journalId = randomUUID();
    await sql.query('begin');
    await sql.query(journalSql(journalId, h.personal.id));
    await sql.query(postingSql(journalId, h.personal.id, groceries, 4_250));
    await sql.query(postingSql(journalId, h.personal.id, checking, -4_250));
    await sql.query('commit');
    const balances = await h.balances('personal');
    expect(balances.get('5020')).toBe('42.50');
    expect(balances.get('1000')).toBe('-42.50');
  });
});

describe('the database refuses a posting to an account of another entity', () => {
  it('refuses an LLC journal touching a personal account', async () => {
    const llcChecking = h.account('llc', '1000').id;
    const personalChecking = h.account('personal', '1000').id;
    const error = await refusal(({ journalId }) => [
      journalSql(journalId, h.llc.id),
      postingSql(journalId, h.llc.id, llcChecking, 700),
      postingSql(journalId, h.llc.id, personalChecking, -700),
    ]);
    expect(error.code).toBe('23503');
  });

  it('refuses a posting that claims the other entity to match the account', async () => {
    const llcChecking = h.account('llc', '1000').id;
    const personalChecking = h.account('personal', '1000').id;
    const error = await refusal(({ journalId }) => [
      journalSql(journalId, h.llc.id),
      postingSql(journalId, h.llc.id, llcChecking, 700),
      postingSql(journalId, h.personal.id, personalChecking, -700),
    ]);
    expect(error.code).toBe('23503');
  });

  it('refuses a posting dated differently from its journal', async () => {
    const checking = h.account('llc', '1000').id;
    const income = h.account('llc', '4000').id;
    const error = await refusal(({ journalId }) => [
      journalSql(journalId, h.llc.id, '2026-03-01'),
      postingSql(journalId, h.llc.id, checking, 100, '2026-03-01'),
      postingSql(journalId, h.llc.id, income, -100, '2026-03-02'),
    ]);
    expect(error.code).toBe('23503');
  });
});

describe('posted journals are immutable', () => {
  let journalId: string;
  beforeAll(async () => {
    const response = await request(t.app)
      .post(`/api/v1/entities/${h.llc.id}/journals`)
      .set(h.auth)
      .send({ date: '2026-04-01', memo: 'Invoice 1042', postings: [{ accountId: h.account('llc', '1000').id, amount: '1200.00' }, { accountId: h.account('llc', '4000').id, amount: '-1200.00' }] });
    expect(response.status).toBe(201);
    journalId = response.body.id;
  });

  it.each([
    ['update a journal', (id: string) => `update journals set memo = 'edited' where id = '${id}'`],
    ['delete a journal', (id: string) => `delete from journals where id = '${id}'`],
    ['update a posting amount', (id: string) => `update postings set amount_minor = amount_minor * 2 where journal_id = '${id}'`],
    ['delete a posting', (id: string) => `delete from postings where journal_id = '${id}'`],
    ['truncate postings', () => 'truncate postings'],
    ['set a cached balance directly', () => `update accounts set balance_minor = 0 where code = '1000'`],
  ])('refuses to %s', async (_what, statement) => {
    const before = await countRows('postings');
    const error = await refusal(() => [statement(journalId)]);
    expect(error.code).toBe('55000');
    expect(await countRows('postings')).toBe(before);
    const journal = await request(t.app).get(`/api/v1/journals/${journalId}`).set(h.auth);
    expect(journal.body.memo).toBe('Invoice 1042');
    expect(journal.body.postings.map((posting: { amount: string }) => posting.amount)).toEqual(['1200.00', '-1200.00']);
  });

  it('refuses a second reversal of the same journal (a database fact)', async () => {
    const first = await request(t.app).post(`/api/v1/journals/${journalId}/reverse`).set(h.auth).send({ date: '2026-04-02' });
    expect(first.status).toBe(201);
    expect(first.body.reversesJournalId).toBe(journalId);
    expect(first.body.postings.map((posting: { amount: string }) => posting.amount)).toEqual(['-1200.00', '1200.00']);
    const second = await request(t.app).post(`/api/v1/journals/${journalId}/reverse`).set(h.auth).send({});
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('already_reversed');
    const raw = await refusal(({ journalId: secondReversalId }) => [
      `insert into journals (id, entity_id, date, memo, source, reverses_journal_id)
       values ('${secondReversalId}', '${h.llc.id}', '2026-04-03', 'raw reversal', 'reversal', '${journalId}')`,
    ]);
    expect(raw.code).toBe('23505');
  });
});

describe('cached balances equal the sum of postings', () => {
  it('holds for every account after all the writes above', async () => {
    const result = await sql.query(`
      select a.id, a.balance_minor, coalesce(sum(p.amount_minor), 0) as total
        from accounts a left join postings p on p.account_id = a.id
       group by a.id having a.balance_minor <> coalesce(sum(p.amount_minor), 0)`);
    expect(result.rows).toEqual([]);
  });
});
