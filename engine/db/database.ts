import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
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
  /** PostgreSQL URL. Unset means: run an embedded PGlite under `dataDir`. */
  databaseUrl?: string | undefined;
  /** Directory of the embedded database (only used when databaseUrl is unset). */
  dataDir?: string;
  /** Put every table in this schema (tests give each file its own). */
  schema?: string | undefined;
  poolMax?: number;
  migrate?: boolean;
}

/** The one way the application gets a database: real PostgreSQL or embedded PGlite, same driver. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const database = options.databaseUrl
    ? await openPostgres(options.databaseUrl, options)
    : await openEmbedded(options.dataDir ?? path.resolve('data'), options);
  if (options.migrate ?? true) await runMigrations(database.knex, options.schema);
  return database;
}

function knexConfig(connectionString: string, options: DatabaseOptions): Knex.Config {
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
 * Embedded mode: PGlite behind its socket server, so the ordinary `pg` driver (and Agenda,
 * which wants a connection string) run exactly the code path they run on PostgreSQL.
 * PGlite serialises queries over one backend; a pool of several connections still helps
 * because clients waiting on the lock do not need to reconnect.
 */
async function openEmbedded(dataDir: string, options: DatabaseOptions): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir: path.join(dataDir, 'pglite') });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 20 });
  await server.start();
  const address = server.getServerConn();
  const connectionString = `postgres://postgres@${address}/postgres?sslmode=disable`;
  if (options.schema) await db.exec(`create schema if not exists ${options.schema}`);
  const knex = knexFactory(knexConfig(connectionString, { ...options, poolMax: options.poolMax ?? 5 }));
  await knex.raw('select 1');
  return {
    knex,
    mode: 'embedded',
    connectionString,
    schema: options.schema,
    async close() {
      await knex.destroy();
      await server.stop();
      await db.close();
    },
  };
}
