import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyRetentionDays, pruneIdempotencyKeys } from '../../engine/idempotency/prune.js';
import { refusal as sqlRefusal } from '../support/concurrency.js';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

/**
 * Posted means frozen, in the database: raw SQL on the application's own connection cannot add
 * postings to a journal an earlier transaction created, move a flow run's status backwards, or
 * remove or rewrite an idempotency record a client may still retry with.
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

const refusal = (statements: string[]) => sqlRefusal(sql, statements);

async function postJournal(key?: string) {
  const response = await request(t.app)
    .post(`/api/v1/entities/${h.llc.id}/journals`)
    .set(h.auth)
    .set(key ? { 'Idempotency-Key': key } : {})
    .send({ date: '2026-05-01', memo: 'Invoice 2001', postings: [{ accountId: h.account('llc', '1000').id, amount: '250.00' }, { accountId: h.account('llc', '4000').id, amount: '-250.00' }] });
  expect(response.status).toBe(201);
  return response.body as { id: string };
}

describe('a journal is frozen once the transaction that created it commits', () => {
  it('refuses a balanced pair of postings added to an old journal, and the books stay as they were', async () => {
    const journal = await postJournal();
    const before = await h.balances('llc');
    const posting = (account: string, amount: number) =>
      `insert into postings (journal_id, entity_id, date, account_id, amount_minor, currency) values ('${journal.id}', '${h.llc.id}', '2026-05-01', '${h.account('llc', account).id}', ${amount}, 'USD')`;
    const error = await refusal([posting('1000', 99_900), posting('4000', -99_900)]);
    expect(error.code).toBe('55000');
    expect(error.message).toMatch(/postings are final/);
    expect(await h.balances('llc')).toEqual(before);
    const stored = await request(t.app).get(`/api/v1/journals/${journal.id}`).set(h.auth);
    expect(stored.body.postings.map((p: { amount: string }) => p.amount)).toEqual(['250.00', '-250.00']);
  });

  it('refuses a journal whose creating transaction is forged', async () => {
    const error = await refusal([
      `insert into journals (id, entity_id, date, memo, source, created_xact) values ('${randomUUID()}', '${h.llc.id}', '2026-05-01', 'forged', 'manual', (pg_current_xact_id()::text::bigint + 1000)::text::xid8)`,
    ]);
    expect(error.code).toBe('55000');
  });

  it('refuses postings to a journal that was already checked in the same transaction', async () => {
    const journalId = randomUUID();
    const posting = (account: string, amount: number) =>
      `insert into postings (journal_id, entity_id, date, account_id, amount_minor, currency) values ('${journalId}', '${h.llc.id}', '2026-05-02', '${h.account('llc', account).id}', ${amount}, 'USD')`;
    const error = await refusal([
      `insert into journals (id, entity_id, date, memo, source) values ('${journalId}', '${h.llc.id}', '2026-05-02', 'raw', 'manual')`,
      posting('1000', 100),
      posting('4000', -100),
      'set constraints all immediate',
      posting('1000', 5_000),
    ]);
    expect(error.code).toBe('55000');
  });
});

describe('a flow run only moves forward', () => {
  let runId: string;
  beforeAll(async () => {
    const flowId = randomUUID();
    await sql.query(`insert into flows (id, household_id, name, current_version, created_by) values ($1, $2, 'Raw flow', 1, $3)`, [flowId, h.householdId, h.userId]);
    await sql.query(`insert into flow_versions (flow_id, version, graph, settings, created_by) values ($1, 1, '{"nodes":[],"edges":[]}', '{}', $2)`, [flowId, h.userId]);
    runId = randomUUID();
    await sql.query(
      `insert into flow_runs (id, flow_id, household_id, version, idempotency_key, request_hash, status, trigger, created_by) values ($1, $2, $3, 1, 'raw-run', 'x', 'planned', '{"type":"manual"}', $4)`,
      [runId, flowId, h.householdId, h.userId],
    );
    await sql.query(`update flow_runs set status = 'committed' where id = $1`, [runId]);
  });

  it.each([
    ['committed → planned', `update flow_runs set status = 'planned' where id = $ID`],
    ['committed → failed', `update flow_runs set status = 'failed' where id = $ID`],
    ['committed → awaiting_approval', `update flow_runs set status = 'awaiting_approval' where id = $ID`],
    ['deleting the run', `delete from flow_runs where id = $ID`],
  ])('refuses %s', async (_what, statement) => {
    const error = await refusal([statement.replace('$ID', `'${runId}'`)]);
    expect(error.code).toBe('55000');
    expect((await sql.query('select status from flow_runs where id = $1', [runId])).rows[0].status).toBe('committed');
  });

  it('allows the forward step committed → reverted', async () => {
    await sql.query(`update flow_runs set status = 'reverted' where id = $1`, [runId]);
    const error = await refusal([`update flow_runs set status = 'committed' where id = '${runId}'`]);
    expect(error.message).toMatch(/cannot go from reverted to committed/);
  });
});

describe('idempotency records are written once and kept for the retention period', () => {
  it('refuses deleting, rewriting and truncating a record, and a retry still gets the first answer', async () => {
    const key = `frozen-${randomUUID()}`;
    const first = await postJournal(key);
    for (const statement of [
      `delete from idempotency_keys where key = '${key}'`,
      `update idempotency_keys set response_body = '{}' where key = '${key}'`,
      `update idempotency_keys set request_hash = 'other' where key = '${key}'`,
      'truncate idempotency_keys',
    ]) {
      const error = await refusal([statement]);
      expect(error.code, statement).toBe('55000');
    }
    const retry = await request(t.app)
      .post(`/api/v1/entities/${h.llc.id}/journals`)
      .set(h.auth)
      .set({ 'Idempotency-Key': key })
      .send({ date: '2026-05-01', memo: 'Invoice 2001', postings: [{ accountId: h.account('llc', '1000').id, amount: '250.00' }, { accountId: h.account('llc', '4000').id, amount: '-250.00' }] });
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(first.id);
  });

  it('the prune job deletes records past the retention period and keeps the others', async () => {
    const old = `old-${randomUUID()}`;
    const fresh = `fresh-${randomUUID()}`;
    await sql.query(
      `insert into idempotency_keys (household_id, key, request_hash, status_code, response_body, created_at)
       values ($1, $2, 'h', 201, '{}', now() - make_interval(days => $4)), ($1, $3, 'h', 201, '{}', now() - make_interval(days => $5))`,
      [h.householdId, old, fresh, idempotencyRetentionDays + 1, idempotencyRetentionDays - 1],
    );
    expect(await pruneIdempotencyKeys(t.database.knex)).toBe(1);
    const left = await sql.query('select key from idempotency_keys where key = any($1)', [[old, fresh]]);
    expect(left.rows.map((row) => row.key)).toEqual([fresh]);
  });
});
