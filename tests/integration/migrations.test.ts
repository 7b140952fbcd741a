import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../engine/db/database.js';
import { rollbackAll, runMigrations } from '../../engine/db/migrate.js';
import { testDatabaseUrl } from '../support/test-app.js';

/** The same migrations, up, down and up again, on the embedded PostgreSQL server and on PostgreSQL 15. */
async function exercise(database: Database): Promise<void> {
  const knex = database.knex;
  const tables = async () =>
    (await knex.raw(`select table_name from information_schema.tables where table_schema = current_schema() and table_name not like 'knex_%' order by 1`)).rows.map(
      (row: { table_name: string }) => row.table_name,
    );
  expect(await tables()).toEqual(expect.arrayContaining(['accounts', 'audit_log', 'entities', 'inter_entity_transfers', 'journals', 'postings']));
  // The deferred balance check works on this engine too.
  const household = randomUUID();
  const entity = randomUUID();
  const account = randomUUID();
  const other = randomUUID();
  await knex('households').insert({ id: household, name: 'H' });
  await knex('entities').insert({ id: entity, household_id: household, kind: 'llc', name: 'E', slug: 'e' });
  await knex('accounts').insert([
    { id: account, entity_id: entity, code: '1000', name: 'Cash', type: 'asset', subtype: 'cash', currency: 'USD' },
    { id: other, entity_id: entity, code: '4000', name: 'Sales', type: 'income', subtype: 'income', currency: 'USD' },
  ]);
  const post = (amounts: [number, number]) =>
    knex.transaction(async (trx) => {
      const journal = randomUUID();
      await trx('journals').insert({ id: journal, entity_id: entity, date: '2026-01-01', source: 'manual' });
      await trx('postings').insert([
        { journal_id: journal, entity_id: entity, date: '2026-01-01', account_id: account, amount_minor: amounts[0], currency: 'USD' },
        { journal_id: journal, entity_id: entity, date: '2026-01-01', account_id: other, amount_minor: amounts[1], currency: 'USD' },
      ]);
    });
  await post([500, -500]);
  await expect(post([500, -499])).rejects.toThrow(/does not balance/);
  expect((await knex('accounts').where({ id: account }).first('balance_minor')).balance_minor).toBe(500n);
  await rollbackAll(knex, database.schema);
  expect(await tables()).toEqual([]);
  expect(await runMigrations(knex, database.schema)).not.toEqual([]);
}

describe('migrations', () => {
  it('run on PostgreSQL', async () => {
    const schema = `m_${randomUUID().slice(0, 8)}`;
    const database = await openDatabase({ databaseUrl: testDatabaseUrl, schema });
    try {
      await exercise(database);
    } finally {
      await database.knex.raw(`drop schema ${schema} cascade`);
      await database.close();
    }
  });

  it('run on the embedded PostgreSQL server (no DATABASE_URL)', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'sluice-embedded-'));
    const database = await openDatabase({ dataDir });
    try {
      expect(database.mode).toBe('embedded');
      await exercise(database);
    } finally {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
