import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { canonicalJson } from '../audit/canonical-json.js';
import { Conflict } from '../errors.js';

export interface StoredResponse {
  status: number;
  body: unknown;
  /** True when this is the stored answer of an earlier request with the same key. */
  replayed: boolean;
}

export function requestFingerprint(route: string, body: unknown): string {
  return createHash('sha256').update(`${route}\n${canonicalJson(body)}`).digest('hex');
}

/**
 * Stripe-style idempotency inside the caller's transaction. The key row is inserted first: a
 * concurrent request with the same key blocks on the primary key until the first commits (then
 * replays its answer) or rolls back (then does the work itself). Same key, different request: 409.
 */
export async function withIdempotencyKey(
  trx: Knex.Transaction,
  householdId: string,
  key: string | undefined,
  fingerprint: string,
  work: () => Promise<{ status: number; body: unknown }>,
): Promise<StoredResponse> {
  if (key === undefined) return { ...(await work()), replayed: false };
  const claimed = await trx('idempotency_keys')
    .insert({ household_id: householdId, key, request_hash: fingerprint, status_code: 0, response_body: '{}' })
    .onConflict(['household_id', 'key'])
    .ignore()
    .returning('key');
  if (claimed.length === 0) return replay(trx, householdId, key, fingerprint);
  const result = await work();
  await trx('idempotency_keys')
    .where({ household_id: householdId, key })
    .update({ status_code: result.status, response_body: JSON.stringify(result.body) });
  return { ...result, replayed: false };
}

async function replay(trx: Knex.Transaction, householdId: string, key: string, fingerprint: string): Promise<StoredResponse> {
  const stored = await trx('idempotency_keys').where({ household_id: householdId, key }).first();
  if (stored.request_hash !== fingerprint) {
    throw new Conflict(`Idempotency-Key "${key}" was already used for a different request`, 'idempotency_key_reused');
  }
  return { status: stored.status_code, body: stored.response_body, replayed: true };
}
