import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoIfEmpty, demoEmail, demoPassword } from '../../engine/demo/demo-household.js';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedDemoIfEmpty(t.container, { today: '2026-11-30' });
});
afterAll(async () => {
  await t.close();
});

type Side = 'personal' | 'llc';
const cents = (text: string) => BigInt(text.replace('.', ''));

function helpers(h: Household) {
  return {
    journal: async (side: Side, date: string, payee: string | null, memo: string, lines: [string, string][]) => {
      const response = await request(t.app)
        .post(`/api/v1/entities/${h[side].id}/journals`)
        .set(h.auth)
        .send({ date, memo, ...(payee ? { payee } : {}), postings: lines.map(([account, amount]) => ({ accountId: h.account(side, account).id, amount })) });
      expect(response.status, response.text).toBe(201);
      return response.body.id as string;
    },
    transfer: async (body: Record<string, unknown>) => {
      const response = await request(t.app).post('/api/v1/inter-entity-transfers').set(h.auth).send(body);
      expect(response.status, response.text).toBe(201);
      return response.body as { id: string; fromJournalId: string; toJournalId: string };
    },
    audit: async (query: Record<string, string | number>) => {
      const response = await request(t.app).get(`/api/v1/entities/${h.llc.id}/reports/inter-entity-audit`).query(query).set(h.auth);
      expect(response.status, response.text).toBe(200);
      return response.body;
    },
    id: (side: Side, account: string) => h.account(side, account).id,
  };
}

/** Opening balances and a few months of ordinary, documented, separate books. */
async function cleanBooks(h: Household) {
  const { journal, transfer, id } = helpers(h);
  await journal('personal', '2026-01-01', null, 'Opening balances', [['checking', '6000.00'], ['savings', '20000.00'], ['opening_balance', '-26000.00']]);
  await transfer({ kind: 'capital_contribution', date: '2026-01-02', amount: '5000.00', purpose: 'Initial capital', documentRef: 'Operating agreement 4.1', fromAccountId: id('personal', 'savings'), toAccountId: id('llc', 'checking') });
  await transfer({ kind: 'member_loan', date: '2026-01-10', amount: '4000.00', purpose: 'Bridge loan for a laptop', documentRef: 'Promissory note 1', fromAccountId: id('personal', 'savings'), toAccountId: id('llc', 'checking') });
  for (const month of ['01', '02', '03', '04', '05', '06']) {
    await journal('llc', `2026-${month}-05`, 'Northwind', `Invoice ${month}`, [['checking', '3000.00'], ['4000', '-3000.00']]);
    await journal('llc', `2026-${month}-07`, 'Adobe', 'Creative Cloud', [['6170', '59.99'], ['credit_card', '-59.99']]);
    await journal('personal', `2026-${month}-08`, 'Netflix', 'Subscription', [['5080', '15.49'], ['credit_card', '-15.49']]);
    await journal('personal', `2026-${month}-09`, 'Safeway', 'Groceries', [['5020', '84.12'], ['checking', '-84.12']]);
    await transfer({ kind: 'owner_draw', date: `2026-${month}-25`, amount: '1000.00', purpose: 'Monthly owner draw', documentRef: `Member resolution 2026-${month}`, fromAccountId: id('llc', 'checking'), toAccountId: id('personal', 'checking') });
  }
  await transfer({ kind: 'loan_repayment', date: '2026-04-10', amount: '2050.00', interest: '50.00', purpose: 'Loan repayment 1 of 2', documentRef: 'Promissory note 1', fromAccountId: id('llc', 'checking'), toAccountId: id('personal', 'savings') });
  await transfer({ kind: 'expense_paid_for', date: '2026-03-03', amount: '276.00', purpose: 'Webflow plan paid on the personal card', documentRef: 'Receipt WF-1', fromAccountId: id('personal', 'credit_card'), toAccountId: id('llc', '6170') });
  await transfer({ kind: 'reimbursement', date: '2026-03-20', amount: '276.00', purpose: 'Reimburse the Webflow plan', documentRef: 'Receipt WF-1', fromAccountId: id('llc', 'checking'), toAccountId: id('personal', 'checking') });
}

describe('inter-entity audit report', () => {
  let h: Household;
  beforeAll(async () => {
    h = await createHousehold(t.app);
    await cleanBooks(h);
  });

  it('on clean books: every transfer with its paper trail, subtotals, reconciled balances, no flags', async () => {
    const report = await helpers(h).audit({ from: '2026-01-01', to: '2026-06-30' });
    expect(report.flags).toEqual([]);
    expect(report.summary).toMatchObject({ transfers: 11, flags: 0, highSeverityFlags: 0, reconciled: true });
    const draw = report.transfers.find((transfer: { kind: string }) => transfer.kind === 'owner_draw');
    expect(draw).toMatchObject({ direction: 'llc_to_owner', amount: '1000.00', purpose: 'Monthly owner draw', documentRef: 'Member resolution 2026-01', approvedBy: null, flowRunId: null, reversed: false });
    expect(draw.from).toMatchObject({ entityName: 'Rivera Design LLC', accountName: 'Business Checking' });
    expect(draw.to).toMatchObject({ entityName: 'Alex Rivera', accountName: 'Checking' });
    expect(draw.llcJournalId).toMatch(/^[0-9a-f-]{36}$/);
    expect(draw.ownerJournalId).not.toBe(draw.llcJournalId);
    expect(report.subtotals).toContainEqual({ kind: 'owner_draw', direction: 'llc_to_owner', count: 6, amount: '6000.00', interest: '0.00', reversedCount: 0 });
    expect(report.subtotals).toContainEqual({ kind: 'loan_repayment', direction: 'llc_to_owner', count: 1, amount: '2050.00', interest: '50.00', reversedCount: 0 });
    const position = report.positions[0];
    expect(position.reconciled).toBe(true);
    expect(position.rows.find((row: { date: string }) => row.date === '2026-01-10').memberLoan).toEqual({ llcBooks: '4000.00', ownerBooks: '4000.00', reconciled: true });
    expect(position.rows.find((row: { date: string }) => row.date === '2026-03-03').due).toEqual({ llcBooks: '276.00', ownerBooks: '276.00', reconciled: true });
    expect(position.closing.memberLoan.llcBooks).toBe('2000.00');
    expect(position.closing.due.llcBooks).toBe('0.00');
  });

  it("rolls owner's capital forward to the balance sheet's equity", async () => {
    const report = await helpers(h).audit({ from: '2026-02-01', to: '2026-06-30' });
    const { capital } = report;
    expect(capital.reconciled).toBe(true);
    expect(cents(capital.opening) + cents(capital.contributions) - cents(capital.draws) + cents(capital.netIncome) + cents(capital.other)).toBe(cents(capital.closing));
    expect(capital.draws).toBe('5000.00');
    expect(capital.contributions).toBe('0.00');
    const bs = await request(t.app).get(`/api/v1/entities/${h.llc.id}/reports/balance-sheet`).query({ from: '2026-02-01', to: '2026-06-30' }).set(h.auth);
    expect(capital.closing).toBe(bs.body.totals.equity);
    const before = await request(t.app).get(`/api/v1/entities/${h.llc.id}/reports/balance-sheet`).query({ from: '2026-01-01', to: '2026-01-31' }).set(h.auth);
    expect(capital.opening).toBe(before.body.totals.equity);
    const is = await request(t.app).get(`/api/v1/entities/${h.llc.id}/reports/income-statement`).query({ from: '2026-02-01', to: '2026-06-30' }).set(h.auth);
    expect(capital.netIncome).toBe(is.body.totals.netIncome);
  });

  it('stays silent about a loan under repayment, and flags it once repayments stop for longer than the limit', async () => {
    const { audit } = helpers(h);
    expect((await audit({ from: '2026-01-01', to: '2026-09-30' })).flags.map((flag: { code: string }) => flag.code)).toEqual([]);
    const late = await audit({ from: '2026-01-01', to: '2026-12-31' });
    expect(late.flags.map((flag: { code: string }) => flag.code)).toEqual(['dormant_member_loan']);
    expect(late.flags[0].message).toMatch(/2000\.00 outstanding and no repayment since 2026-04-10/);
    expect(late.flags[0].transactions.map((row: { date: string }) => row.date)).toEqual(['2026-01-10', '2026-04-10']);
    expect((await audit({ from: '2026-01-01', to: '2026-12-31', dormantLoanMonths: 9 })).flags).toEqual([]);
  });
});

describe('commingling flags, each on a constructed case', () => {
  let h: Household;
  let codes: string[];
  let report: any;
  beforeAll(async () => {
    h = await createHousehold(t.app);
    await cleanBooks(h);
    const { journal, transfer, id, audit } = helpers(h);
    // 1. The owner pays the LLC's Adobe subscription with the personal card, no record.
    await journal('personal', '2026-07-07', 'Adobe', 'Creative Cloud', [['5080', '59.99'], ['credit_card', '-59.99']]);
    // 2. The LLC pays the owner's Netflix.
    await journal('llc', '2026-07-08', 'Netflix', 'Streaming', [['6170', '15.49'], ['checking', '-15.49']]);
    // 3. Money moved bank to bank, booked as an expense and as income, with no transfer record.
    await journal('llc', '2026-07-10', null, 'Transfer to Alex', [['6080', '700.00'], ['checking', '-700.00']]);
    await journal('personal', '2026-07-11', null, 'Transfer from Rivera Design', [['checking', '700.00'], ['4900', '-700.00']]);
    // 4. Transfers without a real purpose, or without a document.
    await transfer({ kind: 'owner_draw', date: '2026-07-15', amount: '100.00', purpose: 'misc', documentRef: 'Resolution 7', fromAccountId: id('llc', 'checking'), toAccountId: id('personal', 'checking') });
    await transfer({ kind: 'owner_draw', date: '2026-07-16', amount: '100.00', purpose: 'Summer draw for rent', fromAccountId: id('llc', 'checking'), toAccountId: id('personal', 'checking') });
    // 5. A draw larger than everything put in and earned.
    await transfer({ kind: 'owner_draw', date: '2026-07-20', amount: '20000.00', purpose: 'Large draw for a house deposit', documentRef: 'Resolution 8', fromAccountId: id('llc', 'checking'), toAccountId: id('personal', 'checking') });
    // 6. Half of an intercompany entry posted by hand: the LLC owes the owner, the owner's books do not say so.
    await journal('llc', '2026-07-22', null, 'Owner paid for printing', [['6080', '80.00'], ['due_to_owner', '-80.00']]);
    // (7. the loan, last repaid 2026-04-10, is dormant by 2026-12-31.)
    report = await audit({ from: '2026-07-01', to: '2026-12-31' });
    codes = report.flags.map((flag: { code: string }) => flag.code);
  });

  it('a personal account paying an LLC expense, and the reverse', () => {
    const personal = report.flags.find((flag: { code: string }) => flag.code === 'personal_paid_llc_expense');
    expect(personal.transactions[0]).toMatchObject({ entityId: h.personal.id, date: '2026-07-07', amount: '59.99', payee: 'Adobe' });
    expect(personal.transactions.slice(1).every((row: { entityId: string; payee: string }) => row.entityId === h.llc.id && row.payee === 'Adobe')).toBe(true);
    const llc = report.flags.find((flag: { code: string }) => flag.code === 'llc_paid_personal_expense');
    expect(llc.transactions[0]).toMatchObject({ entityId: h.llc.id, date: '2026-07-08', amount: '15.49', payee: 'Netflix' });
    expect(codes.filter((code) => code === 'personal_paid_llc_expense' || code === 'llc_paid_personal_expense')).toHaveLength(2);
  });

  it('a bank transfer between the entities with no inter-entity record', () => {
    const flag = report.flags.find((candidate: { code: string }) => candidate.code === 'unrecorded_bank_transfer');
    expect(flag.transactions.map((row: { entityId: string; date: string; amount: string }) => [row.entityId, row.date, row.amount])).toEqual([
      [h.llc.id, '2026-07-10', '-700.00'],
      [h.personal.id, '2026-07-11', '700.00'],
    ]);
    expect(codes.filter((code) => code === 'unrecorded_bank_transfer')).toHaveLength(1);
  });

  it('a transfer missing its purpose or document', () => {
    const purpose = report.flags.filter((flag: { code: string }) => flag.code === 'transfer_missing_purpose');
    expect(purpose).toHaveLength(1);
    expect(purpose[0].transactions[0]).toMatchObject({ date: '2026-07-15', memo: 'misc' });
    const document = report.flags.filter((flag: { code: string }) => flag.code === 'transfer_missing_document');
    expect(document).toHaveLength(1);
    expect(document[0].transactions[0]).toMatchObject({ date: '2026-07-16', amount: '100.00' });
    expect(document[0].transactions[0].transferId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('draws that drive owner capital negative', () => {
    const flags = report.flags.filter((flag: { code: string }) => flag.code === 'draw_made_capital_negative');
    expect(flags).toHaveLength(1);
    expect(flags[0].transactions[0]).toMatchObject({ date: '2026-07-20', amount: '20000.00' });
    expect(cents(report.capital.closing)).toBeLessThan(0n);
  });

  it('a member loan with no repayment for the configured months', () => {
    expect(codes.filter((code) => code === 'dormant_member_loan')).toHaveLength(1);
  });

  it('intercompany balances that do not reconcile, with the offending journal', () => {
    const flag = report.flags.find((candidate: { code: string }) => candidate.code === 'intercompany_mismatch');
    expect(flag.message).toMatch(/From 2026-07-22/);
    expect(flag.transactions).toEqual([expect.objectContaining({ entityId: h.llc.id, date: '2026-07-22', amount: '-80.00' })]);
    expect(report.positions[0].reconciled).toBe(false);
    expect(report.summary.reconciled).toBe(false);
    expect(report.positions[0].closing.due).toEqual({ llcBooks: '80.00', ownerBooks: '0.00', reconciled: false });
  });

  it('nothing else fires, and the flags are in the CSV and the PDF', async () => {
    expect([...new Set(codes)].sort()).toEqual(
      ['dormant_member_loan', 'draw_made_capital_negative', 'intercompany_mismatch', 'llc_paid_personal_expense', 'personal_paid_llc_expense', 'transfer_missing_document', 'transfer_missing_purpose', 'unrecorded_bank_transfer'].sort(),
    );
    expect(codes).toHaveLength(8);
    const csv = await request(t.app).get(`/api/v1/entities/${h.llc.id}/reports/inter-entity-audit`).query({ from: '2026-07-01', to: '2026-12-31', format: 'csv' }).set(h.auth);
    expect(csv.text).toContain('"unrecorded bank transfer"');
    expect(csv.text).toContain('"MISMATCH"');
  });

  it('refuses a personal entity', async () => {
    const response = await request(t.app).get(`/api/v1/entities/${h.personal.id}/reports/inter-entity-audit`).set(h.auth);
    expect(response.status).toBe(422);
    expect(response.body.errors[0].code).toBe('not_an_llc');
  });
});

describe('a transfer made by a flow and approved', () => {
  it('shows who approved it and the flow run that made it', async () => {
    const h = await createHousehold(t.app);
    const { journal, id, audit } = helpers(h);
    await journal('llc', '2026-01-05', 'Northwind', 'Invoice', [['checking', '3000.00'], ['4000', '-3000.00']]);
    const position = { x: 0, y: 0 };
    const graph = {
      nodes: [
        { id: 'go', type: 'trigger.manual', data: {}, position },
        { id: 'amount', type: 'source.fixed', data: { amount: '500.00', accountId: id('llc', 'checking') }, position },
        { id: 'approve', type: 'approval', data: { note: 'Draw 500?' }, position },
        { id: 'draw', type: 'transfer', data: { toAccountId: id('personal', 'checking'), memo: 'Owner draw', kind: 'owner_draw', purpose: 'Owner draw approved by the member' }, position },
      ],
      edges: [
        { id: 'e1', source: 'go', sourceHandle: 'start', target: 'amount', targetHandle: 'start' },
        { id: 'e2', source: 'amount', sourceHandle: 'out', target: 'approve', targetHandle: 'in' },
        { id: 'e3', source: 'approve', sourceHandle: 'out', target: 'draw', targetHandle: 'in' },
      ],
    };
    const flow = await request(t.app).post('/api/v1/flows').set(h.auth).send({ name: 'Approved draw', graph });
    expect(flow.status, flow.text).toBe(201);
    const run = await request(t.app).post(`/api/v1/flows/${flow.body.id}/runs`).set(h.auth).set('Idempotency-Key', `draw-${h.userId}`).send({});
    expect(run.status, run.text).toBe(201);
    const approved = await request(t.app).post(`/api/v1/runs/${run.body.id}/approve`).set(h.auth).send({});
    expect(approved.status, approved.text).toBe(200);
    const me = await request(t.app).get('/api/v1/me').set(h.auth);
    const today = new Date().toISOString().slice(0, 10);
    const report = await audit({ from: '2026-01-01', to: today > '2026-12-31' ? today : '2026-12-31' });
    const draw = report.transfers.find((transfer: { purpose: string }) => transfer.purpose === 'Owner draw approved by the member');
    expect(draw).toMatchObject({ flowRunId: run.body.id, approvedBy: { userId: h.userId, email: me.body.user.email }, amount: '500.00' });
  });
});

describe('the demo household', () => {
  it('has no commingling: only its undocumented monthly draws are listed', async () => {
    const login = await request(t.app).post('/api/v1/auth/login').send({ email: demoEmail, password: demoPassword });
    const auth = { Authorization: `Bearer ${login.body.accessToken}` };
    const entities = (await request(t.app).get('/api/v1/entities').set(auth)).body.data;
    const llc = entities.find((entity: { kind: string }) => entity.kind === 'llc');
    const report = await request(t.app).get(`/api/v1/entities/${llc.id}/reports/inter-entity-audit`).query({ from: '2025-11-30', to: '2026-11-30' }).set(auth);
    expect(report.status).toBe(200);
    expect(report.body.summary.reconciled).toBe(true);
    const codes = new Set(report.body.flags.map((flag: { code: string }) => flag.code));
    expect([...codes]).toEqual(['transfer_missing_document']);
  });
});
