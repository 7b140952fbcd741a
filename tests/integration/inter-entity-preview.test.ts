import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

let t: TestApp;
let h: Household;
beforeAll(async () => {
  t = await startTestApp();
  h = await createHousehold(t.app);
  const equity = h.account('llc', 'opening_balance').id;
  const funded = await request(t.app)
    .post(`/api/v1/entities/${h.llc.id}/journals`)
    .set(h.auth)
    .send({ date: '2026-01-01', memo: 'Opening balance', postings: [{ accountId: h.account('llc', '1000').id, amount: '5000.00' }, { accountId: equity, amount: '-5000.00' }] });
  expect(funded.status).toBe(201);
});
afterAll(async () => {
  await t.close();
});

const draw = { kind: 'owner_draw', date: '2026-02-01', amount: '1200.00', purpose: 'February draw' };
const lines = (journal: { postings: { accountCode: string; amount: string }[] }) => journal.postings.map((posting) => `${posting.accountCode} ${posting.amount}`);

/** Everything a preview could leave behind if it wrote: rows in every ledger table and cached balances. */
async function footprint() {
  const knex = t.database.knex;
  const count = async (table: string) => Number((await knex(table).count<{ n: string }[]>({ n: '*' }))[0]!.n);
  const balances = await knex('accounts').orderBy('id').select('id', 'balance_minor');
  return {
    journals: await count('journals'),
    postings: await count('postings'),
    transfers: await count('inter_entity_transfers'),
    audit: await count('audit_log'),
    accounts: balances.length,
    balances: balances.map((row) => `${row.id}:${row.balance_minor}`).join(','),
  };
}

describe('POST /inter-entity-transfers/preview', () => {
  it('shows both journals of an owner draw and writes nothing', async () => {
    const before = await footprint();
    const body = { ...draw, fromAccountId: h.account('llc', '1000').id, toAccountId: h.account('personal', '1000').id };
    const preview = await request(t.app).post('/api/v1/inter-entity-transfers/preview').set(h.auth).send(body);
    expect(preview.status).toBe(200);
    expect(preview.body.preview).toBe(true);
    expect(preview.body).toMatchObject({ kind: 'owner_draw', amount: '1200.00', purpose: 'February draw', fromEntityId: h.llc.id, toEntityId: h.personal.id });
    const [llcJournal, personalJournal] = preview.body.journals;
    expect(llcJournal.entityId).toBe(h.llc.id);
    expect(personalJournal.entityId).toBe(h.personal.id);
    expect(lines(llcJournal)).toEqual([`${h.account('llc', 'owners_draws').code} 1200.00`, '1000 -1200.00']);
    expect(lines(personalJournal)).toEqual(['1000 1200.00', `${h.account('personal', 'distributions_from_llc').code} -1200.00`]);
    expect(await footprint()).toEqual(before);
    const listed = await request(t.app).get('/api/v1/inter-entity-transfers').set(h.auth);
    expect(listed.body.page.total).toBe(0);

    // Recording the same body writes exactly the journals the preview showed.
    const recorded = await request(t.app).post('/api/v1/inter-entity-transfers').set(h.auth).set('Idempotency-Key', 'preview-then-record').send(body);
    expect(recorded.status).toBe(201);
    expect(recorded.body.journals.map(lines)).toEqual(preview.body.journals.map(lines));
    expect(recorded.body.balances.map((row: { role: string; balance: string }) => `${row.role} ${row.balance}`)).toEqual(
      preview.body.balances.map((row: { role: string; balance: string }) => `${row.role} ${row.balance}`),
    );
  });

  it('previews a loan repayment with interest on both sides, and the intercompany balances after it', async () => {
    const loan = await request(t.app)
      .post('/api/v1/inter-entity-transfers')
      .set(h.auth)
      .send({ kind: 'member_loan', date: '2026-02-02', amount: '3000.00', purpose: 'Working capital', fromAccountId: h.account('personal', '1000').id, toAccountId: h.account('llc', '1000').id });
    expect(loan.status).toBe(201);
    const before = await footprint();
    const preview = await request(t.app)
      .post('/api/v1/inter-entity-transfers/preview')
      .set(h.auth)
      .send({ kind: 'loan_repayment', date: '2026-03-01', amount: '520.00', interest: '20.00', purpose: 'March repayment', fromAccountId: h.account('llc', '1000').id, toAccountId: h.account('personal', '1000').id });
    expect(preview.status).toBe(200);
    expect(lines(preview.body.journals[0])).toEqual([`${h.account('llc', 'loan_payable_member').code} 500.00`, `${h.account('llc', 'interest_expense_member').code} 20.00`, '1000 -520.00']);
    expect(lines(preview.body.journals[1])).toEqual(['1000 520.00', `${h.account('personal', 'loan_receivable_llc').code} -500.00`, `${h.account('personal', 'interest_income_llc').code} -20.00`]);
    const payable = preview.body.balances.find((row: { role: string }) => row.role === 'loan_payable_member');
    expect(payable.balance).toBe('-2500.00');
    expect(preview.body.reconciled).toBe(true);
    expect(await footprint()).toEqual(before);
  });

  it('refuses what recording would refuse, with the same field errors', async () => {
    const missingPurpose = await request(t.app)
      .post('/api/v1/inter-entity-transfers/preview')
      .set(h.auth)
      .send({ kind: 'owner_draw', date: '2026-02-01', amount: '10.00', fromAccountId: h.account('llc', '1000').id, toAccountId: h.account('personal', '1000').id });
    expect(missingPurpose.status).toBe(400);
    expect(missingPurpose.body.errors.map((error: { field: string }) => error.field)).toContain('/purpose');

    const wrongWay = await request(t.app)
      .post('/api/v1/inter-entity-transfers/preview')
      .set(h.auth)
      .send({ ...draw, fromAccountId: h.account('personal', '1000').id, toAccountId: h.account('llc', '1000').id });
    expect(wrongWay.status).toBe(422);
    expect(wrongWay.body.errors[0]).toMatchObject({ field: '/kind', code: 'wrong_direction' });

    const tooMuch = await request(t.app)
      .post('/api/v1/inter-entity-transfers/preview')
      .set(h.auth)
      .send({ kind: 'loan_repayment', date: '2026-03-02', amount: '9000.00', purpose: 'Too much', fromAccountId: h.account('llc', '1000').id, toAccountId: h.account('personal', '1000').id });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.errors[0]).toMatchObject({ field: '/amount', code: 'exceeds_outstanding' });
  });

  it('creates no pair accounts for a first transfer between two new entities', async () => {
    const other = await createHousehold(t.app);
    const accountsBefore = (await request(t.app).get(`/api/v1/entities/${other.llc.id}/accounts`).set(other.auth)).body.data.length;
    const before = await footprint();
    const preview = await request(t.app)
      .post('/api/v1/inter-entity-transfers/preview')
      .set(other.auth)
      .send({ kind: 'capital_contribution', date: '2026-02-01', amount: '100.00', purpose: 'Seed money', fromAccountId: other.account('personal', '1000').id, toAccountId: other.account('llc', '1000').id });
    expect(preview.status).toBe(200);
    expect(preview.body.journals).toHaveLength(2);
    expect(await footprint()).toEqual(before);
    expect((await request(t.app).get(`/api/v1/entities/${other.llc.id}/accounts`).set(other.auth)).body.data.length).toBe(accountsBefore);
  });

  it("does not preview with another household's accounts", async () => {
    const stranger = await createHousehold(t.app);
    const response = await request(t.app).post('/api/v1/inter-entity-transfers/preview').set(stranger.auth).send({ ...draw, fromAccountId: h.account('llc', '1000').id, toAccountId: stranger.account('personal', '1000').id });
    expect(response.status).toBe(422);
    expect(response.body.errors[0]).toMatchObject({ field: '/fromAccountId', code: 'unknown_account' });
  });
});
