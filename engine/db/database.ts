import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { runMigrations } from './migrate.js';

// PostgreSQL bigint (int8) arrives as a string by default; the ledger reads it as bigint
// so minor-unit arithmetic stays exact. COUNT(*) is int8 too: callers convert explicitly.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => BigInt(value));
// DATE columns stay 'YYYY-MM-DD' strings: a Date object would shift them by the local time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);

export type DatabaseMode = 'postgres' | 'embedded';

export interface Database {
  readonly knex: Knex;
  readonly mode: DatabaseMode;
  /** A libpq URL other components (Agenda) can use to reach the same database. */
  readonly connectionString: string;
  readonly schema: string | undefined;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL URL. Unset means: run the embedded PostgreSQL server with its cluster under `dataDir`. */
  databaseUrl?: string | undefined;
  /** Directory of the embedded database (only used when databaseUrl is unset). */
  dataDir?: string;
  /** Put every table in this schema (tests give each file its own). */
  schema?: string | undefined;
  poolMax?: number;
  migrate?: boolean;
}

/** The one way the application gets a database: a PostgreSQL URL or the embedded server, same driver. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const database = options.databaseUrl
    ? await openPostgres(options.databaseUrl, options)
    : await openEmbedded(options.dataDir ?? path.resolve('data'), options);
  if (options.migrate ?? true) await runMigrations(database.knex, options.schema);
  return database;
}

/** Exported for the read replica's pool (read-replica.ts), so both pools are configured alike. */
export function knexConfig(connectionString: string, options: DatabaseOptions): Knex.Config {
  return {
    client: 'pg',
    connection: { connectionString },
    searchPath: options.schema ? [options.schema, 'public'] : undefined,
    pool: { min: 0, max: options.poolMax ?? 10 },
    // Accept 'YYYY-MM-DD' strings and bigint values as bind parameters unchanged.
    asyncStackTraces: false,
  };
}

async function openPostgres(databaseUrl: string, options: DatabaseOptions): Promise<Database> {
  if (options.schema) await ensureSchema(databaseUrl, options.schema);
  const knex = knexFactory(knexConfig(databaseUrl, options));
  await knex.raw('select 1');
  return {
    knex,
    mode: 'postgres',
    connectionString: databaseUrl,
    schema: options.schema,
    close: () => knex.destroy(),
  };
}

async function ensureSchema(databaseUrl: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`create schema if not exists ${schema}`);
  } finally {
    await client.end();
  }
}

/**
 * Embedded mode: a real PostgreSQL server started from the `embedded-postgres` package with its
 * cluster under `dataDir` — the same driver, pool, locks and notifications as production.
 */
async function openEmbedded(dataDir: string, options: DatabaseOptions): Promise<Database> {
  const server = await startEmbeddedPostgres(dataDir);
  try {
    if (options.schema) await ensureSchema(server.connectionString, options.schema);
    const knex = knexFactory(knexConfig(server.connectionString, options));
    await knex.raw('select 1');
    return {
      knex,
      mode: 'embedded',
      connectionString: server.connectionString,
      schema: options.schema,
      async close() {
        await knex.destroy();
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
