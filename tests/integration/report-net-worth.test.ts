import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

let t: TestApp;
let h: Household;
beforeAll(async () => {
  t = await startTestApp();
  h = await createHousehold(t.app);
});
afterAll(async () => {
  await t.close();
});

const cents = (text: string) => BigInt(text.replace('.', ''));
const journal = (entity: 'personal' | 'llc', date: string, lines: [string, string][], memo = 'test') =>
  request(t.app)
    .post(`/api/v1/entities/${h[entity].id}/journals`)
    .set(h.auth)
    .send({ date, memo, postings: lines.map(([account, amount]) => ({ accountId: h.account(entity, account).id, amount })) })
    .expect(201);
const transfer = (body: Record<string, unknown>) => request(t.app).post('/api/v1/inter-entity-transfers').set(h.auth).send(body).expect(201);
const netWorth = async (asOf: string) => {
  const response = await request(t.app).get('/api/v1/reports/net-worth').query({ asOf }).set(h.auth);
  expect(response.status).toBe(200);
  return response.body;
};

describe('consolidated net worth', () => {
  it('eliminates intercompany balances; a member loan and a contribution leave it unchanged', async () => {
    await journal('personal', '2026-01-02', [['checking', '12000.00'], ['2200', '-3000.00'], ['opening_balance', '-9000.00']], 'Opening');
    const before = await netWorth('2026-01-31');
    expect(before.consolidated.netWorth).toBe('9000.00');

    await transfer({ kind: 'capital_contribution', date: '2026-02-01', amount: '2000.00', purpose: 'Seed capital', documentRef: 'OA 4.1', fromAccountId: h.account('personal', 'checking').id, toAccountId: h.account('llc', 'checking').id });
    await transfer({ kind: 'member_loan', date: '2026-02-10', amount: '1500.00', purpose: 'Bridge loan', documentRef: 'Note 1', fromAccountId: h.account('personal', 'checking').id, toAccountId: h.account('llc', 'checking').id });
    const after = await netWorth('2026-02-28');
    expect(after.consolidated.netWorth).toBe('9000.00');
    expect(after.consolidated.eliminated).toBe('0.00');
    expect(after.consolidated.reconciled).toBe(true);
    const llc = after.entities.find((entity: { entityId: string }) => entity.entityId === h.llc.id);
    const personal = after.entities.find((entity: { entityId: string }) => entity.entityId === h.personal.id);
    expect(llc.netWorth).toBe('2000.00');
    expect(personal.netWorth).toBe('7000.00');
    expect(personal.intercompany).toBe('1500.00');
    expect(llc.intercompany).toBe('-1500.00');
    // The loan is in both entities' assets and liabilities, and in neither consolidated total.
    expect(cents(after.consolidated.assets)).toBe(cents(personal.assets) + cents(llc.assets) - 150000n);
    expect(after.balanceSheet.assets.find((line: { name: string }) => line.name.startsWith('Loan Receivable')).eliminated).toBe(true);
  });

  it('equals the sum of entity net worths minus the intercompany balances, also when they do not reconcile', async () => {
    // A hand-posted receivable with no payable on the other side: the books no longer mirror.
    await journal('personal', '2026-03-05', [['due_from_llc', '80.00'], ['checking', '-80.00']], 'Hand-posted, no transfer');
    const report = await netWorth('2026-03-31');
    expect(report.consolidated.reconciled).toBe(false);
    expect(report.consolidated.eliminated).toBe('80.00');
    const sum = report.entities.reduce((total: bigint, entity: { netWorth: string }) => total + cents(entity.netWorth), 0n);
    const intercompany = report.entities.reduce((total: bigint, entity: { intercompany: string }) => total + cents(entity.intercompany), 0n);
    expect(cents(report.consolidated.entitiesNetWorth)).toBe(sum);
    expect(cents(report.consolidated.netWorth)).toBe(sum - intercompany);
    expect(report.consolidated.netWorth).toBe('8920.00');
  });

  it('shows net worth over time at the end of each interval', async () => {
    const response = await request(t.app).get('/api/v1/reports/net-worth/history').query({ from: '2026-01-01', to: '2026-03-15', interval: 'month' }).set(h.auth);
    expect(response.status).toBe(200);
    expect(response.body.points.map((point: { date: string; netWorth: string }) => [point.date, point.netWorth])).toEqual([
      ['2026-01-31', '9000.00'],
      ['2026-02-28', '9000.00'],
      ['2026-03-15', '8920.00'],
    ]);
    const llcPoints = response.body.points.map((point: { entities: { entityId: string; netWorth: string }[] }) => point.entities.find((row) => row.entityId === h.llc.id)!.netWorth);
    expect(llcPoints).toEqual(['0.00', '2000.00', '2000.00']);
    const weekly = await request(t.app).get('/api/v1/reports/net-worth/history').query({ from: '2026-02-01', to: '2026-02-14', interval: 'week' }).set(h.auth);
    expect(weekly.body.points.map((point: { date: string }) => point.date)).toEqual(['2026-02-01', '2026-02-08', '2026-02-14']);
    const csv = await request(t.app).get('/api/v1/reports/net-worth/history').query({ from: '2026-01-01', to: '2026-03-15', format: 'csv' }).set(h.auth);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text).toContain('"2026-02-28","7000.00","2000.00","9000.00"');
  });

  it('refuses bad parameters with problem+json', async () => {
    for (const query of [{ from: '2026-02-30' }, { interval: 'fortnight' }, { format: 'xlsx' }, { from: '2026-03-01', to: '2026-02-01' }, { from: '1900-01-01', to: '2026-01-01', interval: 'day' }]) {
      const response = await request(t.app).get('/api/v1/reports/net-worth/history').query(query).set(h.auth);
      expect(response.status, JSON.stringify(query)).toBeGreaterThanOrEqual(400);
      expect(response.status, JSON.stringify(query)).toBeLessThan(500);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect((await request(t.app).get('/api/v1/reports/net-worth').query({ asOf: '2026-13-01' }).set(h.auth)).status).toBe(400);
    expect((await request(t.app).get('/api/v1/reports/net-worth')).status).toBe(401);
  });
});
