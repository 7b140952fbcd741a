import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterEntityTransferService } from '../../engine/ledger/inter-entity.js';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

type Side = 'personal' | 'llc';

async function fund(h: Household, side: Side, amount: string) {
  const equity = h.account(side, 'opening_balance').id;
  const response = await request(t.app)
    .post(`/api/v1/entities/${h[side].id}/journals`)
    .set(h.auth)
    .send({ date: '2026-01-01', memo: 'Opening balance', postings: [{ accountId: h.account(side, '1000').id, amount }, { accountId: equity, amount: `-${amount}` }] });
  expect(response.status).toBe(201);
}

async function transfer(h: Household, body: Record<string, unknown>) {
  return request(t.app).post('/api/v1/inter-entity-transfers').set(h.auth).send({ date: '2026-02-01', purpose: 'Documented for the books', ...body });
}

/** Postings of a journal as "code amount" lines, in insertion order. */
function lines(journal: { postings: { accountCode: string; amount: string }[] }): string[] {
  return journal.postings.map((posting) => `${posting.accountCode} ${posting.amount}`);
}

async function householdIntercompanyTotal(): Promise<bigint> {
  const [row] = await t.database
    .knex('accounts')
    .whereIn('role', ['loan_payable_member', 'due_to_owner', 'loan_receivable_member', 'due_from_owner', 'loan_receivable_llc', 'due_from_llc', 'loan_payable_llc', 'due_to_llc'])
    .sum<{ total: string | null }[]>({ total: 'balance_minor' });
  return BigInt(row?.total ?? 0);
}

describe('each kind books the accounting of LEDGER.md on both sides', () => {
  let h: Household;
  beforeAll(async () => {
    h = await createHousehold(t.app);
    await fund(h, 'llc', '20000.00');
    await fund(h, 'personal', '5000.00');
  });

  it('owner_draw: LLC Dr owner draws / Cr checking; personal Dr checking / Cr distributions', async () => {
    const response = await transfer(h, { kind: 'owner_draw', amount: '1500.00', fromAccountId: h.account('llc', '1000').id, toAccountId: h.account('personal', '1000').id, purpose: 'March owner draw', documentRef: 'Board consent 2026-03' });
    expect(response.status).toBe(201);
    const [llcJournal, personalJournal] = response.body.journals;
    expect(llcJournal.entityId).toBe(h.llc.id);
    expect(lines(llcJournal)).toEqual(['3100 1500.00', '1000 -1500.00']);
    expect(personalJournal.entityId).toBe(h.personal.id);
    expect(lines(personalJournal)).toEqual(['1000 1500.00', '3100 -1500.00']);
    expect(llcJournal.interEntityTransferId).toBe(response.body.id);
    expect(personalJournal.interEntityTransferId).toBe(response.body.id);
    expect(response.body).toMatchObject({ purpose: 'March owner draw', documentRef: 'Board consent 2026-03', amount: '1500.00', reconciled: true });
  });

  it('capital_contribution: personal Dr contributions / Cr checking; LLC Dr checking / Cr owner capital', async () => {
    const response = await transfer(h, { kind: 'capital_contribution', amount: '2500.00', fromAccountId: h.account('personal', '1000').id, toAccountId: h.account('llc', '1000').id });
    expect(response.status).toBe(201);
    expect(lines(response.body.journals[0])).toEqual(['3200 2500.00', '1000 -2500.00']);
    expect(lines(response.body.journals[1])).toEqual(['1000 2500.00', '3000 -2500.00']);
  });

  it('member_loan then loan_repayment with interest keep the loan balances mirrored', async () => {
    const loan = await transfer(h, { kind: 'member_loan', amount: '3000.00', fromAccountId: h.account('personal', '1000').id, toAccountId: h.account('llc', '1000').id, documentRef: 'Promissory note #1, 4.5% APR' });
    expect(loan.status).toBe(201);
    expect(lines(loan.body.journals[0])).toEqual(['1400 3000.00', '1000 -3000.00']);
    expect(lines(loan.body.journals[1])).toEqual(['1000 3000.00', '2100 -3000.00']);
    const balanceOf = (body: { balances: { role: string; balance: string }[] }, role: string) => body.balances.find((row) => row.role === role)?.balance;
    expect(balanceOf(loan.body, 'loan_receivable_llc')).toBe('3000.00');
    expect(balanceOf(loan.body, 'loan_payable_member')).toBe('-3000.00');

    const repayment = await transfer(h, { kind: 'loan_repayment', amount: '1011.25', interest: '11.25', fromAccountId: h.account('llc', '1000').id, toAccountId: h.account('personal', '1000').id });
    expect(repayment.status).toBe(201);
    expect(lines(repayment.body.journals[0])).toEqual(['2100 1000.00', '6065 11.25', '1000 -1011.25']);
    expect(lines(repayment.body.journals[1])).toEqual(['1000 1011.25', '1400 -1000.00', '4110 -11.25']);
    expect(balanceOf(repayment.body, 'loan_receivable_llc')).toBe('2000.00');
    expect(balanceOf(repayment.body, 'loan_payable_member')).toBe('-2000.00');
    expect(repayment.body.reconciled).toBe(true);
  });

  it('refuses a repayment of more principal than is owed', async () => {
    const response = await transfer(h, { kind: 'loan_repayment', amount: '2000.01', fromAccountId: h.account('llc', '1000').id, toAccountId: h.account('personal', '1000').id });
    expect(response.status).toBe(422);
    expect(response.body.errors[0]).toMatchObject({ field: '/amount', code: 'exceeds_outstanding' });
  });

  it('expense_paid_for by the owner, then its reimbursement, settle due-to/due-from', async () => {
    const paid = await transfer(h, { kind: 'expense_paid_for', amount: '89.99', fromAccountId: h.account('personal', '2000').id, toAccountId: h.account('llc', '6170').id, purpose: 'Design software renewal paid on personal card', documentRef: 'Receipt INV-8841' });
    expect(paid.status).toBe(201);
    expect(lines(paid.body.journals[0])).toEqual(['1410 89.99', '2000 -89.99']);
    expect(lines(paid.body.journals[1])).toEqual(['6170 89.99', '2200 -89.99']);
    const reimbursed = await transfer(h, { kind: 'reimbursement', amount: '89.99', fromAccountId: h.account('llc', '1000').id, toAccountId: h.account('personal', '1000').id });
    expect(reimbursed.status).toBe(201);
    expect(lines(reimbursed.body.journals[0])).toEqual(['2200 89.99', '1000 -89.99']);
    expect(lines(reimbursed.body.journals[1])).toEqual(['1000 89.99', '1410 -89.99']);
    expect(reimbursed.body.balances.filter((row: { role: string }) => row.role.startsWith('due_')).map((row: { balance: string }) => row.balance)).toEqual(['0.00', '0.00', '0.00', '0.00']);
  });

  it('an LLC paying a personal expense is booked as due from owner, never as an LLC expense', async () => {
    const response = await transfer(h, { kind: 'expense_paid_for', amount: '45.00', fromAccountId: h.account('llc', '1000').id, toAccountId: h.account('personal', '5030').id, purpose: 'Personal dinner charged to the business account by mistake' });
    expect(response.status).toBe(201);
    expect(lines(response.body.journals[0])).toEqual(['1410 45.00', '1000 -45.00']);
    expect(lines(response.body.journals[1])).toEqual(['5030 45.00', '2410 -45.00']);
  });

  it('over the household, intercompany receivables and payables net to zero', async () => {
    expect(await householdIntercompanyTotal()).toBe(0n);
  });

  it('reverses a transfer as a pair, refuses reversing one half alone, and refuses twice', async () => {
    const draw = await transfer(h, { kind: 'owner_draw', amount: '100.00', fromAccountId: h.account('llc', '1000').id, toAccountId: h.account('personal', '1000').id });
    const half = await request(t.app).post(`/api/v1/journals/${draw.body.fromJournalId}/reverse`).set(h.auth).send({});
    expect(half.status).toBe(409);
    expect(half.body.code).toBe('reverse_the_transfer');
    const before = await h.balances('llc');
    const reversed = await request(t.app).post(`/api/v1/inter-entity-transfers/${draw.body.id}/reverse`).set(h.auth).send({ date: '2026-02-02' });
    expect(reversed.status).toBe(201);
    expect(reversed.body.reversed).toBe(true);
    expect(reversed.body.journals).toHaveLength(4);
    const after = await h.balances('llc');
    expect(after.get('1000')).toBe((Number(before.get('1000')) + 100).toFixed(2));
    expect(after.get('3100')).toBe((Number(before.get('3100')) - 100).toFixed(2));
    const again = await request(t.app).post(`/api/v1/inter-entity-transfers/${draw.body.id}/reverse`).set(h.auth).send({});
    expect(again.status).toBe(409);
  });

  it('lists transfers with filters', async () => {
    const draws = await request(t.app).get('/api/v1/inter-entity-transfers').query({ kind: 'owner_draw' }).set(h.auth);
    expect(draws.status).toBe(200);
    expect(draws.body.data.every((row: { kind: string }) => row.kind === 'owner_draw')).toBe(true);
    expect(draws.body.page.total).toBe(2);
  });
});

describe('direction and account rules', () => {
  let h: Household;
  beforeAll(async () => {
    h = await createHousehold(t.app);
    await fund(h, 'llc', '1000.00');
  });

  it.each([
    ['an owner draw from personal to LLC', { kind: 'owner_draw', from: ['personal', '1000'], to: ['llc', '1000'] }, '/kind'],
    ['a contribution from the LLC', { kind: 'capital_contribution', from: ['llc', '1000'], to: ['personal', '1000'] }, '/kind'],
    ['paying from an expense account', { kind: 'owner_draw', from: ['llc', '6080'], to: ['personal', '1000'] }, '/fromAccountId'],
    ['receiving into an income account', { kind: 'owner_draw', from: ['llc', '1000'], to: ['personal', '4000'] }, '/toAccountId'],
    ['expense_paid_for into a bank account', { kind: 'expense_paid_for', from: ['personal', '1000'], to: ['llc', '1000'] }, '/toAccountId'],
    ['a transfer inside one entity', { kind: 'owner_draw', from: ['llc', '1000'], to: ['llc', '1010'] }, '/toAccountId'],
  ] as const)('refuses %s, naming the field', async (_name, spec, field) => {
    const response = await transfer(h, {
      kind: spec.kind,
      amount: '10.00',
      fromAccountId: h.account(spec.from[0], spec.from[1]).id,
      toAccountId: h.account(spec.to[0], spec.to[1]).id,
    });
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });
});

describe('atomicity: both journals or neither', () => {
  let h: Household;
  beforeAll(async () => {
    h = await createHousehold(t.app);
    await fund(h, 'llc', '1000.00');
  });

  async function counts() {
    const knex = t.database.knex;
    const count = async (table: string) => Number((await knex(table).count<{ n: string }[]>({ n: '*' }))[0]!.n);
    return { transfers: await count('inter_entity_transfers'), journals: await count('journals'), postings: await count('postings'), audit: await count('audit_log') };
  }

  it('leaves nothing when the second journal fails to write (injected in PostgreSQL)', async () => {
    const sql = await t.rawClient();
    // Fail any inter-entity posting into the personal entity: the LLC half is written first.
    await sql.query(`
      create function inject_failure() returns trigger language plpgsql as $$
      begin
        if new.entity_id = '${h.personal.id}' then raise exception 'injected failure between the two journals'; end if;
        return new;
      end $$;
      create trigger inject_failure before insert on postings for each row execute function inject_failure();`);
    const before = await counts();
    const llcCashBefore = (await h.balances('llc')).get('1000');
    const response = await transfer(h, { kind: 'owner_draw', amount: '250.00', fromAccountId: h.account('llc', '1000').id, toAccountId: h.account('personal', '1000').id });
    expect(response.status).toBe(500);
    expect(response.body.detail).toMatch(/nothing was saved/);
    expect(await counts()).toEqual(before);
    expect((await h.balances('llc')).get('1000')).toBe(llcCashBefore);
    await sql.query('drop trigger inject_failure on postings; drop function inject_failure();');
  });

  it('leaves nothing when the transaction fails after both journals were written', async () => {
    const service = t.container.resolve(InterEntityTransferService);
    const before = await counts();
    await expect(
      t.database.knex.transaction(async (trx) => {
        const detail = await service.record(trx, { userId: h.userId, householdId: h.householdId }, {
          kind: 'owner_draw',
          date: '2026-02-01',
          amount: '250.00',
          fromAccountId: h.account('llc', '1000').id,
          toAccountId: h.account('personal', '1000').id,
          purpose: 'Will be rolled back',
        });
        expect(detail.journals).toHaveLength(2);
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    expect(await counts()).toEqual(before);
  });
});
