import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../engine/audit/audit-log.js';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

let t: TestApp;
let h: Household;
const audit = new AuditLog();

beforeAll(async () => {
  t = await startTestApp();
  h = await createHousehold(t.app);
  const post = (amount: string) =>
    request(t.app)
      .post(`/api/v1/entities/${h.llc.id}/journals`)
      .set(h.auth)
      .send({ date: '2026-05-01', memo: 'Client payment', postings: [{ accountId: h.account('llc', '1000').id, amount }, { accountId: h.account('llc', '4000').id, amount: `-${amount}` }] });
  const journal = await post('900.00');
  await post('100.00');
  await request(t.app).post(`/api/v1/journals/${journal.body.id}/reverse`).set(h.auth).send({});
  await request(t.app).post('/api/v1/inter-entity-transfers').set(h.auth).send({
    kind: 'owner_draw', date: '2026-05-02', amount: '50.00', purpose: 'Owner draw', fromAccountId: h.account('llc', '1000').id, toAccountId: h.account('personal', '1000').id,
  });
});
afterAll(async () => {
  await t.close();
});

describe('audit log', () => {
  it('records who, what, when and after for every write, newest first', async () => {
    const response = await request(t.app).get('/api/v1/audit-log').query({ limit: 100 }).set(h.auth);
    expect(response.status).toBe(200);
    const actions = response.body.data.map((row: { action: string }) => row.action);
    expect(actions).toEqual([
      'inter_entity_transfer.create',
      'journal.reverse',
      'journal.post',
      'journal.post',
      'entity.create',
      'entity.create',
      'user.register',
    ]);
    for (const row of response.body.data) {
      expect(row.actorUserId).toBe(h.userId);
      expect(Date.parse(row.occurredAt)).toBeGreaterThan(Date.now() - 60_000);
      expect(row.after).not.toBeNull();
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    }
    const journalPost = response.body.data.find((row: { action: string }) => row.action === 'journal.post');
    expect(journalPost.after.postings).toHaveLength(2);
  });

  it('never stores secrets in snapshots', async () => {
    const rows = await t.database.knex('audit_log').select('before', 'after');
    const text = JSON.stringify(rows);
    expect(text).not.toContain('correct horse battery staple');
    expect(text).not.toContain('$argon2');
  });

  it('verifies an untouched chain', async () => {
    const response = await request(t.app).get('/api/v1/audit-log/verify').set(h.auth);
    expect(response.body).toEqual({ ok: true, rowsChecked: 7 });
  });

  it('detects a row edited behind the application (trigger disabled by a database admin)', async () => {
    const sql = await t.rawClient();
    const target = await t.database.knex('audit_log').where({ household_id: h.householdId, action: 'journal.post' }).orderBy('id').first('id');
    await sql.query('alter table audit_log disable trigger audit_log_immutable');
    await sql.query(`update audit_log set after = jsonb_set(after, '{memo}', '"Edited memo"') where id = $1`, [target.id]);
    await sql.query('alter table audit_log enable trigger audit_log_immutable');
    const result = await audit.verify(t.database.knex, h.householdId);
    expect(result.ok).toBe(false);
    expect(result.brokenAtId).toBe(String(target.id));
    expect(result.reason).toMatch(/edited/);
  });

  it('detects a deleted row', async () => {
    const other = await createHousehold(t.app);
    const sql = await t.rawClient();
    const middle = await t.database.knex('audit_log').where({ household_id: other.householdId, action: 'entity.create' }).orderBy('id').first('id');
    await sql.query('alter table audit_log disable trigger audit_log_immutable');
    await sql.query('delete from audit_log where id = $1', [middle.id]);
    await sql.query('alter table audit_log enable trigger audit_log_immutable');
    const result = await audit.verify(t.database.knex, other.householdId);
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/removed or reordered/);
  });

  it('refuses updates and deletes while the trigger is on', async () => {
    await expect(t.database.knex('audit_log').where({ household_id: h.householdId }).update({ action: 'x' })).rejects.toThrow(/immutable/);
    await expect(t.database.knex('audit_log').where({ household_id: h.householdId }).delete()).rejects.toThrow(/immutable/);
  });
});
