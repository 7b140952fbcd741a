/**
 * Flows and concurrency on the board: a scheduled "assign my paycheck" flow assigns into the
 * month of its occurrence in the flow's time zone, once per occurrence; concurrent moves out of
 * one category cannot give more than it holds.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowRunner } from '../../engine/flows/runner.js';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

let t: TestApp;
let h: Household;
const acct = (codeOrRole: string) => h.account('personal', codeOrRole).id;
const boardPath = (month: string, rest = '') => `/api/v1/entities/${h.personal.id}/budget/${month}${rest}`;
const assignedOf = async (month: string, categoryId: string) => {
  const body = (await request(t.app).get(boardPath(month)).set(h.auth)).body;
  return (body.groups as { categories: { id: string; assigned: string }[] }[]).flatMap((group) => group.categories).find((item) => item.id === categoryId)!.assigned;
};

beforeAll(async () => {
  t = await startTestApp();
  h = await createHousehold(t.app);
  const salary = await request(t.app)
    .post(`/api/v1/entities/${h.personal.id}/journals`)
    .set(h.auth)
    .send({ date: '2026-06-01', memo: 'Salary', postings: [{ accountId: acct('1000'), amount: '1000.00' }, { accountId: acct('4000'), amount: '-1000.00' }] });
  expect(salary.status).toBe(201);
});

afterAll(async () => {
  await t?.close();
});

describe('a scheduled paycheck flow', () => {
  it('assigns into the month of each occurrence in its time zone, once per occurrence', async () => {
    const position = { x: 0, y: 0 };
    const graph = {
      nodes: [
        { id: 'monthly', type: 'trigger.schedule', data: { cron: '0 22 * * *', timezone: 'America/New_York' }, position },
        { id: 'paycheck', type: 'source.fixed', data: { amount: '300.00', accountId: acct('1000') }, position },
        { id: 'rent', type: 'assign_envelope', data: { categoryId: acct('5000') }, position },
      ],
      edges: [
        { id: 'e1', source: 'monthly', sourceHandle: 'start', target: 'paycheck', targetHandle: 'start' },
        { id: 'e2', source: 'paycheck', sourceHandle: 'out', target: 'rent', targetHandle: 'in' },
      ],
    };
    const flow = await request(t.app).post('/api/v1/flows').set(h.auth).send({ name: 'Assign my paycheck', graph });
    expect(flow.body.problems).toEqual([]);
    const runner = t.container.resolve(FlowRunner);
    const actor = { userId: h.userId, householdId: h.householdId };
    // 22:00 in New York on Nov 30 is already Dec 1 in UTC: the assignment belongs to November.
    const late = '2026-12-01T03:00:00.000Z';
    const first = await runner.run(actor, flow.body.id, { idempotencyKey: `schedule:${late}`, trigger: { type: 'schedule', occurredAt: late }, createdBy: null });
    const again = await runner.run(actor, flow.body.id, { idempotencyKey: `schedule:${late}`, trigger: { type: 'schedule', occurredAt: late }, createdBy: null });
    expect(first.status).toBe('committed');
    expect(again.id).toBe(first.id);
    expect(await assignedOf('2026-11', acct('5000'))).toBe('300.00');
    expect(await assignedOf('2026-12', acct('5000'))).toBe('0.00');
    const next = '2026-12-02T03:00:00.000Z';
    await runner.run(actor, flow.body.id, { idempotencyKey: `schedule:${next}`, trigger: { type: 'schedule', occurredAt: next }, createdBy: null });
    expect(await assignedOf('2026-12', acct('5000'))).toBe('300.00');
  });
});

describe('concurrent writes', () => {
  it('two moves racing out of one category: only what it holds leaves it', async () => {
    const put = await request(t.app).put(boardPath('2026-06', `/categories/${acct('5120')}`)).set(h.auth).send({ assigned: '100.00' });
    expect(put.status).toBe(200);
    const move = () => request(t.app).post(boardPath('2026-06', '/move')).set(h.auth).send({ fromCategoryId: acct('5120'), toCategoryId: acct('5000'), amount: '60.00' });
    const answers = await Promise.all([move(), move(), move()]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 422, 422]);
    expect(await assignedOf('2026-06', acct('5120'))).toBe('40.00');
    expect(await assignedOf('2026-06', acct('5000'))).toBe('60.00');
  });

  it('concurrent edits of one cell leave one of the values, never their sum', async () => {
    const set = (assigned: string) => request(t.app).put(boardPath('2026-07', `/categories/${acct('5020')}`)).set(h.auth).send({ assigned });
    const answers = await Promise.all([set('10.00'), set('20.00'), set('30.00')]);
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(['10.00', '20.00', '30.00']).toContain(await assignedOf('2026-07', acct('5020')));
  });
});

describe('reads after new postings', () => {
  it('a new journal, or one written by hand in SQL, shows on the next read', async () => {
    const read = async () => (await request(t.app).get(boardPath('2026-08')).set(h.auth)).body;
    const before = await read();
    const spent = await request(t.app)
      .post(`/api/v1/entities/${h.personal.id}/journals`)
      .set(h.auth)
      .send({ date: '2026-08-03', memo: 'Books', postings: [{ accountId: acct('5120'), amount: '12.00' }, { accountId: acct('1000'), amount: '-12.00' }] });
    expect(spent.status).toBe(201);
    const after = await read();
    expect(after.summary.activity).toBe('-12.00');
    expect(after.reconciliation.onBudgetCash).not.toBe(before.reconciliation.onBudgetCash);
    // Hand-written SQL posting a journal of its own (an old journal takes no more postings:
    // posted means frozen): the board sees it on the next read.
    const client = await t.rawClient();
    const handWritten = randomUUID();
    await client.query('begin');
    await client.query(`insert into journals (id, entity_id, date, memo, source) values ($1, $2, '2026-08-03', 'by hand', 'manual')`, [handWritten, h.personal.id]);
    await client.query(
      `insert into postings (journal_id, entity_id, date, account_id, amount_minor, currency)
       values ($1, $2, '2026-08-03', $3, 500, 'USD'), ($1, $2, '2026-08-03', $4, -500, 'USD')`,
      [handWritten, h.personal.id, acct('5020'), acct('1000')],
    );
    await client.query('commit');
    const later = await read();
    expect(later.summary.activity).toBe('-17.00');
    expect(later.reconciliation.balanced).toBe(true);
  });

  it('a journal that commits late, with smaller posting ids than one already read, still shows', async () => {
    const read = async () => (await request(t.app).get(boardPath('2026-09')).set(h.auth)).body;
    const spend = (amount: string) =>
      request(t.app)
        .post(`/api/v1/entities/${h.personal.id}/journals`)
        .set(h.auth)
        .send({ date: '2026-09-10', memo: 'Cafe', postings: [{ accountId: acct('5030'), amount }, { accountId: acct('1000'), amount: `-${amount}` }] });
    expect((await spend('1.00')).status).toBe(201);
    expect((await read()).summary.activity).toBe('-1.00');
    // A transaction takes its posting ids now and commits after a later journal was read.
    const late = await t.rawClient();
    await late.query('begin');
    const { rows } = await late.query(`insert into journals (entity_id, date, memo, source) values ($1, '2026-09-11', 'Late', 'import') returning id`, [h.personal.id]);
    await late.query(
      `insert into postings (journal_id, entity_id, date, account_id, amount_minor, currency)
       values ($1, $2, '2026-09-11', $3, 400, 'USD'), ($1, $2, '2026-09-11', $4, -400, 'USD')`,
      // Other accounts than the API's journal: posting locks the accounts it touches until commit.
      [rows[0].id, h.personal.id, acct('5040'), acct('1010')],
    );
    expect((await spend('2.00')).status).toBe(201);
    expect((await read()).summary.activity).toBe('-3.00');
    await late.query('commit');
    const after = await read();
    expect(after.summary.activity).toBe('-7.00');
    expect(after.reconciliation.balanced).toBe(true);
  });
});

