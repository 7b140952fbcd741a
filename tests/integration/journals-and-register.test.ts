import { execFile } from 'node:child_process';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
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

const post = (entity: 'personal' | 'llc', body: Record<string, unknown>) =>
  request(t.app).post(`/api/v1/entities/${h[entity].id}/journals`).set(h.auth).send(body);

describe('journals', () => {
  it('posts a split transaction over several categories', async () => {
    await post('personal', { date: '2026-06-01', memo: 'Opening', postings: [{ accountId: h.account('personal', '1000').id, amount: '1000.00' }, { accountId: h.account('personal', 'opening_balance').id, amount: '-1000.00' }] });
    const response = await post('personal', {
      date: '2026-06-03',
      payee: 'Target',
      memo: 'Weekly shop',
      postings: [
        { accountId: h.account('personal', '5020').id, amount: '84.17', memo: 'food' },
        { accountId: h.account('personal', '5090').id, amount: '25.00', memo: 'socks' },
        { accountId: h.account('personal', '5120').id, amount: '12.50' },
        { accountId: h.account('personal', '1000').id, amount: '-121.67' },
      ],
    });
    expect(response.status).toBe(201);
    expect(response.body.postings.map((posting: { amount: string }) => posting.amount)).toEqual(['84.17', '25.00', '12.50', '-121.67']);
    const balances = await h.balances('personal');
    expect(balances.get('1000')).toBe('878.33');
    expect(balances.get('5020')).toBe('84.17');
  });

  it('explains an unbalanced journal by how much it is off', async () => {
    const response = await post('personal', { date: '2026-06-04', postings: [{ accountId: h.account('personal', '5020').id, amount: '10.00' }, { accountId: h.account('personal', '1000').id, amount: '-9.99' }] });
    expect(response.status).toBe(422);
    expect(response.body.errors[0]).toMatchObject({ field: '/postings', code: 'unbalanced' });
    expect(response.body.detail).toMatch(/USD off by 1 minor units/);
  });

  it('lists journals newest first with filters and pagination', async () => {
    for (let day = 10; day < 20; day += 1) {
      const amount = `${day}.00`;
      const response = await post('personal', { date: `2026-06-${day}`, payee: `Cafe ${day}`, postings: [{ accountId: h.account('personal', '5030').id, amount }, { accountId: h.account('personal', '1000').id, amount: `-${amount}` }] });
      expect(response.status).toBe(201);
    }
    const page = await request(t.app).get(`/api/v1/entities/${h.personal.id}/journals`).query({ from: '2026-06-10', to: '2026-06-19', limit: 3, offset: 2 }).set(h.auth);
    expect(page.status).toBe(200);
    expect(page.body.page).toEqual({ limit: 3, offset: 2, total: 10 });
    expect(page.body.data.map((journal: { date: string }) => journal.date)).toEqual(['2026-06-17', '2026-06-16', '2026-06-15']);
    const byAccount = await request(t.app).get(`/api/v1/entities/${h.personal.id}/journals`).query({ accountId: h.account('personal', '5090').id }).set(h.auth);
    expect(byAccount.body.page.total).toBe(1);
  });
});

describe('register', () => {
  it('shows a running balance over the whole history, newest first, stable across pages and filters', async () => {
    const checking = h.account('personal', '1000').id;
    const all = await request(t.app).get(`/api/v1/accounts/${checking}/register`).query({ limit: 500 }).set(h.auth);
    expect(all.status).toBe(200);
    const rows = all.body.data as { date: string; amount: string; runningBalance: string }[];
    expect(rows[0]!.runningBalance).toBe(all.body.account.balance);
    // Each row's balance is the next (older) row's balance plus its own amount.
    for (let index = 0; index < rows.length - 1; index += 1) {
      const expected = Math.round((Number(rows[index + 1]!.runningBalance) + Number(rows[index]!.amount)) * 100);
      expect(Math.round(Number(rows[index]!.runningBalance) * 100)).toBe(expected);
    }
    const filtered = await request(t.app).get(`/api/v1/accounts/${checking}/register`).query({ from: '2026-06-12', to: '2026-06-12' }).set(h.auth);
    expect(filtered.body.data).toHaveLength(1);
    expect(filtered.body.data[0].runningBalance).toBe(rows.find((row) => row.date === '2026-06-12')!.runningBalance);
    const search = await request(t.app).get(`/api/v1/accounts/${checking}/register`).query({ search: 'cafe 1' }).set(h.auth);
    expect(search.body.page.total).toBe(10);
    expect(search.body.data[0].counterAccounts[0].name).toBe('Dining Out');
  });

  it('shows a reversal and the reversed journal linked to each other', async () => {
    const response = await post('personal', { date: '2026-06-25', payee: 'Mistake', postings: [{ accountId: h.account('personal', '5110').id, amount: '300.00' }, { accountId: h.account('personal', '1000').id, amount: '-300.00' }] });
    const reversal = await request(t.app).post(`/api/v1/journals/${response.body.id}/reverse`).set(h.auth).send({ date: '2026-06-26', memo: 'Entered twice' });
    expect(reversal.status).toBe(201);
    const register = await request(t.app).get(`/api/v1/accounts/${h.account('personal', '5110').id}/register`).set(h.auth);
    expect(register.body.data.map((row: { amount: string; runningBalance: string }) => [row.amount, row.runningBalance])).toEqual([
      ['-300.00', '0.00'],
      ['300.00', '300.00'],
    ]);
    expect(register.body.data[1].reversedByJournalId).toBe(reversal.body.id);
    expect(register.body.data[0].reversesJournalId).toBe(response.body.id);
  });
});

describe('trial balance', () => {
  it('balances, and honours asOf', async () => {
    const now = await request(t.app).get(`/api/v1/entities/${h.personal.id}/trial-balance`).query({ asOf: '2026-12-31' }).set(h.auth);
    expect(now.status).toBe(200);
    expect(now.body.totals).toEqual([{ currency: 'USD', debit: expect.any(String), credit: expect.any(String), balanced: true }]);
    const early = await request(t.app).get(`/api/v1/entities/${h.personal.id}/trial-balance`).query({ asOf: '2026-06-01' }).set(h.auth);
    expect(early.body.lines.map((line: { code: string; debit: string; credit: string }) => [line.code, line.debit, line.credit])).toEqual([
      ['1000', '1000.00', '0.00'],
      ['3900', '0.00', '1000.00'],
    ]);
  });
});

describe('hledger export', () => {
  const run = promisify(execFile);

  it('is a journal hledger reads, with the same balances per account, per entity and household-wide', async () => {
    await request(t.app).post('/api/v1/inter-entity-transfers').set(h.auth).send({
      kind: 'capital_contribution', date: '2026-06-30', amount: '400.00', purpose: 'Seed capital', fromAccountId: h.account('personal', '1000').id, toAccountId: h.account('llc', '1000').id,
    });
    const household = await request(t.app).get('/api/v1/export/hledger').set(h.auth);
    expect(household.status).toBe(200);
    expect(household.headers['content-type']).toMatch(/text\/plain/);
    const dir = await mkdtemp(path.join(tmpdir(), 'sluice-hledger-'));
    const file = path.join(dir, 'household.journal');
    await writeFile(file, household.text);
    const { stdout } = await run('hledger', ['-f', file, 'bal', '-N', '--flat', '-O', 'csv']);
    const hledgerBalances = new Map(
      stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split('","').map((cell) => cell.replace(/"/g, '')) as [string, string])
        .map(([account, amount]) => [account, amount.replace(/ USD$/, '')]),
    );
    expect(hledgerBalances.get('alex-rivera:assets:checking')).toBe((await h.balances('personal')).get('1000'));
    expect(hledgerBalances.get('rivera-design-llc:assets:business-checking')).toBe('400.00');
    expect(hledgerBalances.get('rivera-design-llc:equity:owners-capital')).toBe('-400.00');
    const bs = await run('hledger', ['-f', file, 'bs', '-N']);
    expect(bs.stdout).toMatch(/Balance Sheet/);

    const llcOnly = await request(t.app).get(`/api/v1/entities/${h.llc.id}/export/hledger`).set(h.auth);
    expect(llcOnly.text).toContain('rivera-design-llc:assets:business-checking');
    expect(llcOnly.text).not.toContain('alex-rivera:');
    await writeFile(file, llcOnly.text);
    const check = await run('hledger', ['-f', file, 'check']);
    expect(check.stderr).toBe('');
  });
});
