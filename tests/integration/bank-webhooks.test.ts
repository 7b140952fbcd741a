import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { SignJWT, generateKeyPair } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaidGateway } from '../../engine/banking/plaid-gateway.js';
import { createHousehold, type Household } from '../support/test-app.js';
import { compareWithBank, linkInstitution, startBankHarness, type BankHarness, type LinkedItem } from '../fixtures/banking/bank-harness.js';

let h: BankHarness;
let household: Household;
let item: LinkedItem;
let server: Server;
beforeAll(async () => {
  h = await startBankHarness();
  // A real port, so the sandbox can deliver webhooks itself.
  server = h.t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const settings = (h.t.container.resolve(PlaidGateway) as unknown as { settings: { webhookUrl?: string } }).settings;
  settings.webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/banking/webhook`;
  household = await createHousehold(h.t.app);
  const link = await request(h.t.app).post('/api/v1/banking/link-token').set(household.auth).send({});
  const publicToken = h.sandbox.createPublicToken('ins_109508', ['checking'], h.sandbox.linkTokenWebhook(link.body.linkToken));
  const exchanged = await request(h.t.app).post('/api/v1/banking/items').set(household.auth).send({ publicToken });
  const assigned = await request(h.t.app).post(`/api/v1/banking/items/${exchanged.body.id}/accounts`).set(household.auth).send({ accounts: [{ accountId: exchanged.body.accounts[0].id, entityId: household.personal.id }] });
  expect(assigned.status).toBe(200);
  item = { itemId: exchanged.body.id, plaidItemId: (await h.t.database.knex('bank_items').where({ id: exchanged.body.id }).first()).plaid_item_id, body: assigned.body };
  void linkInstitution;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await h.close();
});

const body = (payload: Record<string, unknown>) => JSON.stringify(payload, null, 2);
const deliver = (raw: string, jwt: string | undefined) => {
  const call = request(h.t.app).post('/api/v1/banking/webhook').set('content-type', 'application/json');
  if (jwt !== undefined) call.set('plaid-verification', jwt);
  return call.send(raw);
};
const syncUpdates = () => body({ webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE', item_id: item.plaidItemId, initial_update_complete: true, historical_update_complete: true, environment: 'sandbox' });
const transactionCount = async () => Number((await h.t.database.knex('bank_transactions').where({ source: 'plaid' }).count<{ n: bigint }[]>({ n: '*' }))[0]!.n);

describe('Plaid webhooks', () => {
  it('refuses a webhook without a signature, with a forged one, with a stale one, or with a changed body', async () => {
    const raw = syncUpdates();
    expect((await deliver(raw, undefined)).status).toBe(401);
    expect((await deliver(raw, 'not-a-jwt')).status).toBe(401);

    // Signed by someone else's key under the sandbox's key id: the signature fails.
    const genuine = await h.sandbox.signWebhookBody(raw);
    const kid = JSON.parse(Buffer.from(genuine.split('.')[0]!, 'base64url').toString()).kid;
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ request_body_sha256: createHash('sha256').update(raw).digest('hex') }).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).setIssuedAt().sign(privateKey);
    const refused = await deliver(raw, forged);
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/signature invalid/);

    // An unknown key id.
    const unknownKid = await new SignJWT({ request_body_sha256: 'x' }).setProtectedHeader({ alg: 'ES256', kid: 'no-such-key' }).setIssuedAt().sign(privateKey);
    expect((await deliver(raw, unknownKid)).status).toBe(401);

    // HS256 is refused before any key is looked up.
    const hs = await new SignJWT({ request_body_sha256: 'x' }).setProtectedHeader({ alg: 'HS256', kid }).setIssuedAt().sign(new Uint8Array(32));
    expect((await deliver(raw, hs)).body.detail).toMatch(/only ES256/);

    // Issued six minutes ago.
    const stale = await h.sandbox.signWebhookBody(raw, { iatSeconds: Math.floor(Date.now() / 1000) - 6 * 60 });
    const staleAnswer = await deliver(raw, stale);
    expect(staleAnswer.status).toBe(401);
    expect(staleAnswer.body.detail).toMatch(/5 minutes/);

    // A genuine signature over another body.
    const tampered = raw.replace('SYNC_UPDATES_AVAILABLE', 'DEFAULT_UPDATE');
    const mismatch = await deliver(tampered, genuine);
    expect(mismatch.status).toBe(401);
    expect(mismatch.body.detail).toMatch(/body does not match/);

    // Re-serialised JSON is a different body: the hash covers the bytes Plaid sent.
    expect((await deliver(JSON.stringify(JSON.parse(raw)), genuine)).status).toBe(401);
  });

  it('accepts a valid webhook and syncs the item', async () => {
    const before = await transactionCount();
    h.sandbox.mutate(item.plaidItemId, 6);
    const raw = syncUpdates();
    const answer = await deliver(raw, await h.sandbox.signWebhookBody(raw));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ received: true, syncQueued: true });
    await h.sync.whenIdle();
    expect(await transactionCount()).toBeGreaterThan(before);
    expect((await compareWithBank(h, item)).mismatches).toEqual([]);
  });

  it('syncs when the sandbox itself fires SYNC_UPDATES_AVAILABLE, and marks the item on ITEM/ERROR', async () => {
    h.sandbox.mutate(item.plaidItemId, 4);
    const sent = h.sandbox.webhooksSent.length;
    const fired = await fetch(`${h.sandbox.url}/sandbox/item/fire_webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'plaid-client-id': 'test-client', 'plaid-secret': 'test-secret' },
      body: JSON.stringify({ access_token: await accessToken(), webhook_code: 'SYNC_UPDATES_AVAILABLE' }),
    });
    expect(await fired.json()).toMatchObject({ webhook_fired: true });
    expect(h.sandbox.webhooksSent[sent]!.status).toBe(200);
    await h.sync.whenIdle();
    expect((await compareWithBank(h, item)).mismatches).toEqual([]);

    h.sandbox.resetLogin(item.plaidItemId);
    await waitFor(async () => (await h.t.database.knex('bank_items').where({ id: item.itemId }).first()).status === 'login_required');
    const listed = await request(h.t.app).get(`/api/v1/banking/items/${item.itemId}`).set(household.auth);
    expect(listed.body).toMatchObject({ status: 'login_required', error: { code: 'ITEM_LOGIN_REQUIRED' } });
  });
});

/** Only for this test: the sandbox's own endpoints take the access token, as Plaid's do. */
async function accessToken(): Promise<string> {
  const { FieldCipher } = await import('../../engine/security/field-encryption.js');
  const { BankingTokens } = await import('../../engine/banking/banking-container.js');
  const cipher = h.t.container.resolve(BankingTokens.Cipher) as InstanceType<typeof FieldCipher>;
  const row = await h.t.database.knex('bank_items').where({ id: item.itemId }).first();
  return cipher.decrypt(row.access_token_ciphertext, `bank_item:${item.itemId}`);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
