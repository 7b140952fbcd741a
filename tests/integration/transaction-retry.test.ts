import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../engine/db/database.js';
import { inTransaction, WriteContention } from '../../engine/db/transaction.js';
import { testDatabaseUrl } from '../support/test-app.js';

/** The one way to open a write transaction: what PostgreSQL reports as a conflict is retried whole. */
let database: Database;
let knex: Knex;
const schema = `tx_${randomBytes(5).toString('hex')}`;

beforeAll(async () => {
  database = await openDatabase({ databaseUrl: testDatabaseUrl, schema, migrate: false, poolMax: 4 });
  knex = database.knex;
  await knex.raw(`create table counters (id int primary key, value int not null); insert into counters values (1, 0), (2, 0);`);
});
afterAll(async () => {
  await knex.raw(`drop schema ${schema} cascade`);
  await database.close();
});

const fastRetries = { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 5 };

describe('inTransaction', () => {
  it('a real deadlock (two writers locking two rows in opposite order): both commit, each once', async () => {
    let attempts = 0;
    // Both writers hold their first row before either asks for its second: a certain deadlock.
    let release!: () => void;
    const bothHoldOne = new Promise<void>((resolve) => (release = resolve));
    let holding = 0;
    const writer = (first: number, second: number) =>
      inTransaction(
        knex,
        async (trx) => {
          attempts += 1;
          await trx('counters').where({ id: first }).increment('value', 1);
          holding += 1;
          if (holding === 2) release();
          // On the retry the other writer is gone: do not wait for it.
          await Promise.race([bothHoldOne, new Promise((resolve) => setTimeout(resolve, 2_000))]);
          await trx('counters').where({ id: second }).increment('value', 10);
        },
        fastRetries,
      );
    await Promise.all([writer(1, 2), writer(2, 1)]);
    expect(attempts).toBe(3); // one of the two was chosen as the deadlock victim and ran again
    const values = await knex('counters').orderBy('id').pluck('value');
    expect(values).toEqual([11, 11]); // each writer's effects exactly once
  });

  it('gives up after the bound with write_contention (a 409, never a 500), having rolled every attempt back', async () => {
    let attempts = 0;
    const failing = inTransaction(
      knex,
      async (trx) => {
        attempts += 1;
        await trx('counters').where({ id: 1 }).increment('value', 100);
        throw Object.assign(new Error('could not serialize access'), { code: '40001' });
      },
      fastRetries,
    );
    await expect(failing).rejects.toBeInstanceOf(WriteContention);
    await expect(failing).rejects.toMatchObject({ code: 'write_contention' });
    expect(attempts).toBe(5);
    expect(await knex('counters').where({ id: 1 }).first('value')).toEqual({ value: 11 });
  });

  it('does not retry other errors, nor inside a caller’s transaction (the outermost one owns the retry)', async () => {
    let attempts = 0;
    await expect(
      inTransaction(knex, async () => {
        attempts += 1;
        throw Object.assign(new Error('duplicate'), { code: '23505' });
      }),
    ).rejects.toThrow('duplicate');
    expect(attempts).toBe(1);
    let inner = 0;
    await expect(
      knex.transaction((outer) =>
        inTransaction(outer, async () => {
          inner += 1;
          throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        }),
      ),
    ).rejects.toThrow('deadlock detected');
    expect(inner).toBe(1);
  });
});
