import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHousehold, type Household } from '../support/test-app.js';
import { compareWithBank, linkInstitution, startBankHarness, type BankHarness } from '../fixtures/banking/bank-harness.js';

let h: BankHarness;
let household: Household;
beforeAll(async () => {
  h = await startBankHarness();
  household = await createHousehold(h.t.app);
});
afterAll(async () => {
  await h.close();
});

const api = () => request(h.t.app);

describe('connecting a bank', () => {
  it('gives a link token and the sandbox consent page, which returns a public token', async () => {
    const link = await api().post('/api/v1/banking/link-token').set(household.auth).send({});
    expect(link.status).toBe(201);
    expect(link.body).toMatchObject({ mode: 'sandbox', linkToken: expect.stringMatching(/^link-sandbox-/) });
    const page = await fetch(link.body.consentUrl);
    expect(await page.text()).toMatch(/First Platypus Bank/);
    const accountsPage = await fetch(`${link.body.consentUrl}&institution=ins_127989`);
    expect(await accountsPage.text()).toMatch(/Business Checking/);
    const form = new URLSearchParams({ link_token: link.body.linkToken, institution_id: 'ins_127989', username: 'user_good', password: 'pass_good' });
    form.append('accounts', 'biz_checking');
    const consent = await fetch(`${h.sandbox.url}/link`, { method: 'POST', body: form });
    const html = await consent.text();
    const publicToken = html.match(/public-sandbox-[0-9a-f-]+/)![0];
    const exchanged = await api().post('/api/v1/banking/items').set(household.auth).send({ publicToken });
    expect(exchanged.status).toBe(201);
    expect(exchanged.body.institutionName).toBe('Platypus Business Bank');
    expect(exchanged.body.accounts).toEqual([expect.objectContaining({ name: 'Business Checking', entityId: null, holderCategory: 'business' })]);
    // Single use, as at Plaid.
    const again = await api().post('/api/v1/banking/items').set(household.auth).send({ publicToken });
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('invalid_public_token');
  });

  it('refuses wrong sandbox credentials on the consent page', async () => {
    const link = await api().post('/api/v1/banking/link-token').set(household.auth).send({});
    const consent = await fetch(`${h.sandbox.url}/link`, { method: 'POST', body: new URLSearchParams({ link_token: link.body.linkToken, institution_id: 'ins_109508', username: 'user_good', password: 'nope', accounts: 'checking' }) });
    expect(consent.status).toBe(400);
    expect(await consent.text()).toMatch(/credentials were not correct/);
  });

  it('requires an entity for every assigned account', async () => {
    const publicToken = h.sandbox.createPublicToken('ins_109508', ['checking']);
    const exchanged = await api().post('/api/v1/banking/items').set(household.auth).send({ publicToken });
    const missing = await api().post(`/api/v1/banking/items/${exchanged.body.id}/accounts`).set(household.auth).send({ accounts: [{ accountId: exchanged.body.accounts[0].id }] });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toContainEqual(expect.objectContaining({ field: '/accounts/0/entityId', code: 'required' }));
    const foreign = await api().post(`/api/v1/banking/items/${exchanged.body.id}/accounts`).set(household.auth).send({ accounts: [{ accountId: exchanged.body.accounts[0].id, entityId: '00000000-0000-4000-8000-000000000000' }] });
    expect(foreign.status).toBe(422);
    expect(foreign.body.errors[0]).toMatchObject({ field: '/accounts/0/entityId', code: 'unknown_entity' });
  });

  it('never returns or stores an access token in the clear', async () => {
    const item = await linkInstitution(h, household, 'ins_109508', 'personal', ['savings']);
    const listing = await api().get('/api/v1/banking/items').set(household.auth);
    expect(JSON.stringify(listing.body)).not.toMatch(/access-sandbox/);
    expect(JSON.stringify(item.body)).not.toMatch(/access-sandbox/);
    const row = await h.t.database.knex('bank_items').where({ id: item.itemId }).first();
    expect(row.access_token_ciphertext).toMatch(/^v1\.test\./);
    expect(row.access_token_ciphertext).not.toMatch(/access-sandbox/);
    const audit = await h.t.database.knex('audit_log').where({ resource_id: item.itemId }).select('after');
    expect(JSON.stringify(audit)).not.toMatch(/access-sandbox/);
  });
});

describe('sync', () => {
  it('posts every transaction once and brings the books to the bank balances', async () => {
    const item = await linkInstitution(h, household, 'ins_109508', 'personal', ['checking', 'card']);
    expect(item.body.sync).toMatchObject({ status: 'synced', openingBalancesPosted: 2 });
    expect(item.body.sync.added).toBeGreaterThan(50);
    expect(item.body.sync.pending).toBeGreaterThan(0);
    const comparison = await compareWithBank(h, item);
    expect(comparison.mismatches).toEqual([]);
    const checking = item.body.accounts.find((account: { name: string }) => account.name === 'Plaid Checking');
    expect(checking.ledgerBalance).toBe(checking.bankBalance);

    // Uncategorised transactions book against the entity's Uncategorized account.
    const uncategorized = await h.t.database.knex('accounts').where({ entity_id: household.personal.id, role: 'uncategorized' }).first();
    expect(uncategorized).toMatchObject({ code: '5999', name: 'Uncategorized', type: 'expense' });

    // A second sync with nothing new changes nothing.
    const again = await api().post(`/api/v1/banking/items/${item.itemId}/sync`).set(household.auth);
    expect(again.body).toMatchObject({ status: 'synced', added: 0, modified: 0, removed: 0 });
  });

  it('follows the bank: pending transactions post, corrections reverse and re-post with a revision, removals reverse', async () => {
    const item = await linkInstitution(h, household, 'ins_109508', 'personal', ['savings']);
    void item;
    const card = await linkInstitution(h, household, 'ins_127989', 'llc');
    for (let round = 0; round < 4; round += 1) {
      h.sandbox.mutate(card.plaidItemId, 12);
      const synced = await api().post(`/api/v1/banking/items/${card.itemId}/sync`).set(household.auth);
      expect(synced.body.status).toBe('synced');
    }
    expect((await compareWithBank(h, card)).mismatches).toEqual([]);
    const revisions = await h.t.database.knex('bank_transaction_revisions as r').join('bank_transactions as b', 'b.id', 'r.bank_transaction_id').where('b.bank_account_id', 'in', h.t.database.knex('bank_accounts').where({ item_id: card.itemId }).select('id')).select('r.change', 'r.reversal_journal_id', 'r.correction_journal_id');
    const kinds = new Set(revisions.map((revision) => revision.change));
    expect(kinds).toContain('modified');
    expect(revisions.filter((revision) => revision.change === 'removed').every((revision) => revision.reversal_journal_id)).toBe(true);
    // The same Plaid id cannot be stored twice, whatever the code does.
    const any = await h.t.database.knex('bank_transactions').where({ source: 'plaid' }).first();
    const { id: _id, ...copy } = any;
    await expect(h.t.database.knex('bank_transactions').insert({ ...copy, status: 'pending', journal_id: null })).rejects.toMatchObject({ code: '23505' });
  });

  it('with every fault knob on, loses nothing, doubles nothing, and ends on the bank balances', async () => {
    h.sandbox.setFaults({ serverErrorRate: 0.15, rateLimitRate: 0.1, institutionDownRate: 0.05, mutationRate: 0.35, mutationBudget: 6, slowRate: 0.1, slowMs: 40 });
    let restarts = 0;
    let retries = 0;
    // Small pages: many calls for the knobs to hit, and room to change data between pages.
    h.sync.options.syncPageSize = 10;
    try {
      // Linking syncs from the start: several pages, so the bank changes data mid-pagination.
      const item = await linkInstitution(h, household, 'ins_109508', 'personal', ['checking', 'card']);
      expect(item.body.sync.status).toBe('synced');
      restarts += item.body.sync.restarts;
      retries += item.body.sync.retries;
      for (let round = 0; round < 5; round += 1) {
        h.sandbox.mutate(item.plaidItemId, 15);
        if (round === 2) {
          // The bank wants the user to sign in again: the item is marked, an alert says so.
          h.sandbox.resetLogin(item.plaidItemId);
          const blocked = await api().post(`/api/v1/banking/items/${item.itemId}/sync`).set(household.auth);
          expect(blocked.body).toMatchObject({ status: 'login_required', error: { code: 'ITEM_LOGIN_REQUIRED' } });
          expect(blocked.body.item.status).toBe('login_required');
          const alerts = await api().get('/api/v1/alerts').set(household.auth);
          expect(alerts.body.data.some((alert: { message: string }) => /sign in again/.test(alert.message))).toBe(true);
          // Update mode: a link token for the item, the consent page, then repair.
          const link = await api().post('/api/v1/banking/link-token').set(household.auth).send({ itemId: item.itemId });
          expect(link.status).toBe(201);
          expect(await (await fetch(link.body.consentUrl)).text()).toMatch(/Re-authenticate with First Platypus Bank/);
          const consent = await fetch(`${h.sandbox.url}/link`, { method: 'POST', body: new URLSearchParams({ link_token: link.body.linkToken, username: 'user_good', password: 'pass_good' }) });
          expect(consent.status).toBe(200);
          const repaired = await api().post(`/api/v1/banking/items/${item.itemId}/repair`).set(household.auth);
          expect(repaired.status).toBe(200);
          expect(repaired.body.status).toBe('active');
        }
        const synced = await api().post(`/api/v1/banking/items/${item.itemId}/sync`).set(household.auth);
        expect(synced.body.status).toBe('synced');
        restarts += synced.body.restarts;
        retries += synced.body.retries;
      }
      // The knobs really fired: transient errors were retried and pagination restarted.
      expect(retries).toBeGreaterThan(0);
      expect(restarts).toBeGreaterThan(0);
      const comparison = await compareWithBank(h, item);
      expect(comparison.mismatches).toEqual([]);
      expect(comparison.transactions).toBeGreaterThan(100);
    } finally {
      h.sandbox.setFaults({ serverErrorRate: 0, rateLimitRate: 0, institutionDownRate: 0, mutationRate: 0, slowRate: 0 });
      h.sync.options.syncPageSize = 50;
    }
  });
});
