import { Configuration, PlaidApi, Products, type Transaction } from 'plaid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlaidSandbox, type PlaidSandbox } from '../../sandbox/plaid/server.js';

let sandbox: PlaidSandbox;
let client: PlaidApi;
beforeAll(async () => {
  sandbox = await startPlaidSandbox({ clientId: 'id', secret: 'secret', today: '2026-11-30', seed: 7 });
  client = new PlaidApi(new Configuration({ basePath: sandbox.url, baseOptions: { headers: { 'PLAID-CLIENT-ID': 'id', 'PLAID-SECRET': 'secret' }, proxy: false } }));
});
afterAll(async () => {
  await sandbox.close();
});

async function newItem(institution = 'ins_109508') {
  const { data } = await client.sandboxPublicTokenCreate({ institution_id: institution, initial_products: [Products.Transactions] });
  return (await client.itemPublicTokenExchange({ public_token: data.public_token })).data;
}

async function syncAll(accessToken: string, cursor = '', count = 37) {
  const added: Transaction[] = [];
  const modified: Transaction[] = [];
  const removed: string[] = [];
  for (;;) {
    const { data } = await client.transactionsSync({ access_token: accessToken, ...(cursor ? { cursor } : {}), count });
    added.push(...data.added);
    modified.push(...data.modified);
    removed.push(...data.removed.map((entry) => entry.transaction_id));
    cursor = data.next_cursor;
    if (!data.has_more) return { added, modified, removed, cursor };
  }
}

const plaidError = async (call: Promise<unknown>) => {
  try {
    await call;
  } catch (error) {
    return { status: (error as { response: { status: number } }).response.status, body: (error as { response: { data: Record<string, unknown> } }).response.data };
  }
  throw new Error('expected a Plaid error');
};

describe('the Plaid sandbox, through the official client', () => {
  it('links an item and reports accounts with Plaid shapes, personal and business', async () => {
    const item = await newItem();
    expect(item.access_token).toMatch(/^access-sandbox-/);
    const { data } = await client.accountsGet({ access_token: item.access_token });
    expect(data.accounts.map((account) => [account.name, account.type, account.subtype])).toEqual([
      ['Plaid Checking', 'depository', 'checking'],
      ['Plaid Saving', 'depository', 'savings'],
      ['Plaid Credit Card', 'credit', 'credit card'],
      ['Plaid IRA', 'investment', 'ira'],
    ]);
    expect(data.item).toMatchObject({ item_id: item.item_id, institution_id: 'ins_109508', error: null });
    const business = await newItem('ins_127989');
    const businessAccounts = await client.accountsGet({ access_token: business.access_token });
    expect(businessAccounts.data.accounts.every((account) => (account as { holder_category?: string }).holder_category === 'business')).toBe(true);
    const holdings = await client.investmentsHoldingsGet({ access_token: item.access_token });
    expect(holdings.data.holdings.length).toBeGreaterThan(0);
    const liabilities = await client.liabilitiesGet({ access_token: item.access_token });
    expect(liabilities.data.liabilities.credit?.[0]).toMatchObject({ is_overdue: false });
  });

  it('pages /transactions/sync: every transaction once, realistic data, then nothing new', async () => {
    const item = await newItem();
    const first = await syncAll(item.access_token);
    expect(first.modified).toEqual([]);
    expect(new Set(first.added.map((txn) => txn.transaction_id)).size).toBe(first.added.length);
    expect(first.added.length).toBe(sandbox.transactions(item.item_id).length);
    const names = new Set(first.added.map((txn) => txn.name));
    for (const expected of ['ACME CORP PAYROLL PPD', 'MAPLE STREET PROPERTIES RENT', 'PAYMENT THANK YOU', 'WHOLE FOODS MARKET #10233']) expect(names).toContain(expected);
    expect(first.added.some((txn) => txn.pending)).toBe(true);
    const again = await syncAll(item.access_token, first.cursor);
    expect([again.added.length, again.modified.length, again.removed.length]).toEqual([0, 0, 0]);
  });

  it('reports changes since a cursor compacted: a posted pending appears as removed + added with pending_transaction_id', async () => {
    const item = await newItem();
    const first = await syncAll(item.access_token);
    sandbox.mutate(item.item_id, 30);
    const next = await syncAll(item.access_token, first.cursor);
    const known = new Set(first.added.map((txn) => txn.transaction_id));
    expect(next.modified.every((txn) => known.has(txn.transaction_id))).toBe(true);
    expect(next.added.every((txn) => !known.has(txn.transaction_id))).toBe(true);
    // A pending transaction the client had seen, once posted, is removed and its twin added.
    for (const txn of next.added.filter((entry) => entry.pending_transaction_id && known.has(entry.pending_transaction_id))) expect(next.removed).toContain(txn.pending_transaction_id);
    expect(next.added.some((entry) => entry.pending_transaction_id && known.has(entry.pending_transaction_id))).toBe(true);
    // Replaying from the start gives exactly the live set.
    const replay = await syncAll(item.access_token, '');
    expect(replay.added.map((txn) => txn.transaction_id).sort()).toEqual(sandbox.transactions(item.item_id).map((txn) => txn.transaction_id).sort());
  });

  it('fails the next page with TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION when data changes mid-pagination', async () => {
    const item = await newItem();
    const page = await client.transactionsSync({ access_token: item.access_token, count: 10 });
    expect(page.data.has_more).toBe(true);
    sandbox.mutate(item.item_id, 1);
    const error = await plaidError(client.transactionsSync({ access_token: item.access_token, cursor: page.data.next_cursor, count: 10 }));
    expect(error).toMatchObject({ status: 400, body: { error_type: 'TRANSACTIONS_ERROR', error_code: 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION', request_id: expect.any(String) } });
  });

  it("answers Plaid's error shapes: bad keys, bad count, login required, rate limit, 5xx", async () => {
    const item = await newItem();
    const badKeys = new PlaidApi(new Configuration({ basePath: sandbox.url, baseOptions: { headers: { 'PLAID-CLIENT-ID': 'id', 'PLAID-SECRET': 'wrong' }, proxy: false } }));
    expect(await plaidError(badKeys.accountsGet({ access_token: item.access_token }))).toMatchObject({ status: 400, body: { error_type: 'INVALID_INPUT', error_code: 'INVALID_API_KEYS' } });
    expect(await plaidError(client.transactionsSync({ access_token: item.access_token, count: 501 }))).toMatchObject({ status: 400, body: { error_code: 'INVALID_FIELD' } });
    expect(await plaidError(client.accountsGet({ access_token: 'access-sandbox-nope' }))).toMatchObject({ body: { error_code: 'INVALID_ACCESS_TOKEN' } });
    await client.sandboxItemResetLogin({ access_token: item.access_token });
    expect(await plaidError(client.transactionsSync({ access_token: item.access_token }))).toMatchObject({ status: 400, body: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', display_message: expect.any(String) } });
    expect((await client.itemGet({ access_token: item.access_token })).data.item.error).toMatchObject({ error_code: 'ITEM_LOGIN_REQUIRED' });
    const other = await newItem();
    sandbox.setFaults({ rateLimitRate: 1 });
    expect(await plaidError(client.accountsGet({ access_token: other.access_token }))).toMatchObject({ status: 429, body: { error_type: 'RATE_LIMIT_EXCEEDED' } });
    sandbox.setFaults({ rateLimitRate: 0, serverErrorRate: 1 });
    expect(await plaidError(client.accountsGet({ access_token: other.access_token }))).toMatchObject({ status: 500, body: { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' } });
    sandbox.setFaults({ serverErrorRate: 0 });
    // The control endpoint sets the same knobs over HTTP.
    const knobs = await fetch(`${sandbox.url}/sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ slowRate: 1, slowMs: 30 }) });
    expect(((await knobs.json()) as { faults: unknown }).faults).toMatchObject({ slowRate: 1, slowMs: 30 });
    const started = Date.now();
    await client.accountsGet({ access_token: other.access_token });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    sandbox.setFaults({ slowRate: 0 });
    expect((await fetch(`${sandbox.url}/sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ nonsense: 1 }) })).status).toBe(400);
  });

  it('gives the same data for the same seed', async () => {
    const dataOf = async (seed: number) => {
      const own = await startPlaidSandbox({ today: '2026-11-30', seed });
      try {
        const ownClient = new PlaidApi(new Configuration({ basePath: own.url, baseOptions: { headers: { 'PLAID-CLIENT-ID': 'x', 'PLAID-SECRET': 'y' }, proxy: false } }));
        const token = (await ownClient.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: [Products.Transactions] })).data.public_token;
        const ownItem = (await ownClient.itemPublicTokenExchange({ public_token: token })).data;
        return own.transactions(ownItem.item_id).map((txn) => [txn.date, txn.amount, txn.name]);
      } finally {
        await own.close();
      }
    };
    const a = await dataOf(11);
    expect(a.length).toBeGreaterThan(50);
    expect(await dataOf(11)).toEqual(a);
    expect(await dataOf(12)).not.toEqual(a);
  });
});
