import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectLedgerInvariants } from '../support/concurrency.js';
import { createHousehold, type Household } from '../support/test-app.js';
import { compareWithBank, linkInstitution, startBankHarness, type BankHarness, type LinkedItem } from '../fixtures/banking/bank-harness.js';

/**
 * Twelve bank syncs at once in one household — three banks, four requests each, while the
 * household also posts journals — with the sandbox failing now and then (5xx, rate limits,
 * data changing during pagination). Before: two of twelve answered 500.
 */
let h: BankHarness;
let household: Household;
let items: LinkedItem[];

beforeAll(async () => {
  h = await startBankHarness({ transactionsPerItem: 300, faults: { serverErrorRate: 0.05, rateLimitRate: 0.05, mutationRate: 0.2, mutationBudget: 6 } });
  household = await createHousehold(h.t.app);
  items = [
    await linkInstitution(h, household, 'ins_109508', 'personal', ['checking', 'card']),
    await linkInstitution(h, household, 'ins_127989', 'llc', ['biz_checking']),
    await linkInstitution(h, household, 'ins_109508', 'personal', ['savings']),
  ];
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('concurrent bank syncs', () => {
  it('twelve at once, with journals alongside: no 5xx, every transaction once, books equal the bank', async () => {
    for (const item of items) h.sandbox.mutate(item.plaidItemId, 40); // new, changed and removed transactions since the link
    const syncs = items.flatMap((item) => Array.from({ length: 4 }, () => request(h.t.app).post(`/api/v1/banking/items/${item.itemId}/sync`).set(household.auth).send({})));
    const journals = Array.from({ length: 12 }, (_unused, index) =>
      request(h.t.app)
        .post(`/api/v1/entities/${household.personal.id}/journals`)
        .set(household.auth)
        .send({ date: '2026-11-20', memo: `alongside ${index}`, postings: [{ accountId: household.account('personal', '5020').id, amount: '3.00' }, { accountId: household.account('personal', '1000').id, amount: '-3.00' }] }),
    );
    const answers = await Promise.all([...syncs, ...journals]);
    const serverErrors = answers.filter((answer) => answer.status >= 500);
    expect(serverErrors.map((answer) => answer.text)).toEqual([]);
    for (const answer of answers.slice(0, syncs.length)) {
      expect(answer.status).toBe(200);
      expect(['synced', 'failed', 'skipped']).toContain(answer.body.status);
    }
    expect(answers.slice(syncs.length).every((answer) => answer.status === 201)).toBe(true);
    // Whatever failed transiently, one more sync per item brings the books to the bank.
    await h.sync.whenIdle();
    for (const item of items) {
      const settled = await request(h.t.app).post(`/api/v1/banking/items/${item.itemId}/sync`).set(household.auth).send({});
      expect(settled.status).toBe(200);
      if (settled.body.status !== 'synced') {
        const again = await request(h.t.app).post(`/api/v1/banking/items/${item.itemId}/sync`).set(household.auth).send({});
        expect(again.body.status).toBe('synced');
      }
      expect((await compareWithBank(h, item)).mismatches).toEqual([]);
    }
    const raw = await h.t.rawClient();
    await expectLedgerInvariants(raw);
  }, 120_000);
});
