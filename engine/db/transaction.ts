import type { Knex } from 'knex';
import { Conflict } from '../errors.js';

/**
 * The one way to open a write transaction. Locks are taken in the documented order (README,
 * "Locks"), so deadlocks should not happen; when PostgreSQL still reports one (40P01) or a
 * serialization failure (40001), the whole transaction is rolled back and run again from the
 * start — `work` must therefore keep its effects inside `trx` (an idempotency key claimed in the
 * transaction is claimed again on the retry, so a retry never posts twice).
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Full-jitter backoff: the n-th retry waits a random time in [0, min(maxDelayMs, baseDelayMs * 2^n)). */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 10, baseDelayMs: 4, maxDelayMs: 400 };

const retryableStates = new Set(['40001', '40P01']);

export function isRetryableConflict(error: unknown): boolean {
  return typeof error === 'object' && error !== null && retryableStates.has((error as { code?: string }).code ?? '');
}

/** The bound was reached: the client may try again with the same Idempotency-Key (409, never a 500). */
export class WriteContention extends Conflict {
  constructor(attempts: number) {
    super(`the books were busy with other writes (tried ${attempts} times); nothing was saved — try again with the same Idempotency-Key`, 'write_contention');
  }
}

/** Work queued to run at the end of a transaction opened by `inTransaction`, just before COMMIT. */
const beforeCommit = new WeakMap<Knex.Transaction, (() => Promise<void>)[]>();

/**
 * Queues `hook` to run at the end of `trx`, after its work and right before COMMIT, if `trx`
 * was opened by `inTransaction`; answers false otherwise (the caller then does the work now).
 * The audit log uses it so its household-wide chain lock is taken last and held only for
 * the append and the commit (README, "Locks").
 */
export function deferUntilCommit(trx: Knex.Transaction, hook: () => Promise<void>): boolean {
  const hooks = beforeCommit.get(trx);
  if (!hooks) return false;
  hooks.push(hook);
  return true;
}

async function runWithHooks<T>(trx: Knex.Transaction, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  const hooks: (() => Promise<void>)[] = [];
  beforeCommit.set(trx, hooks);
  const result = await work(trx);
  // A hook may queue another (it cannot here, but the loop makes that safe).
  for (let index = 0; index < hooks.length; index += 1) await hooks[index]!();
  beforeCommit.delete(trx);
  return result;
}

export async function inTransaction<T>(db: Knex, work: (trx: Knex.Transaction) => Promise<T>, policy: RetryPolicy = defaultRetryPolicy): Promise<T> {
  // Inside a caller's transaction a retry of ours could not undo what the caller already did:
  // the outermost transaction owns the retry.
  if (db.isTransaction) return work(db as Knex.Transaction);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction((trx) => runWithHooks(trx, work));
    } catch (error) {
      if (!isRetryableConflict(error)) throw error;
      if (attempt >= policy.maxAttempts) throw new WriteContention(attempt);
      await sleep(Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt));
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Carries a dry run's answer out of the transaction it rolled back. */
class DryRunAnswer<T> {
  constructor(readonly value: T) {}
}

/**
 * Runs `work` for real and always rolls it back (previews: "exactly what a commit would do"),
 * with the same retries as a write. Inside a caller's transaction it uses a savepoint.
 */
export async function inRolledBackTransaction<T>(db: Knex, work: (trx: Knex.Transaction) => Promise<T>, policy: RetryPolicy = defaultRetryPolicy): Promise<T> {
  const throwAnswer = async (trx: Knex.Transaction): Promise<never> => {
    throw new DryRunAnswer(await work(trx));
  };
  try {
    if (db.isTransaction) await db.transaction(throwAnswer);
    else await inTransaction(db, throwAnswer, policy);
  } catch (error) {
    if (error instanceof DryRunAnswer) return error.value as T;
    throw error;
  }
  throw new Error('unreachable: a dry run always rolls back');
}
