import knexFactory, { type Knex } from 'knex';
import { knexConfig, type Database } from './database.js';

/**
 * Reports only read, and on a busy household they read a lot (a general ledger, a year of
 * net-worth points, the whole hledger journal): with DATABASE_READ_URL they read from a
 * streaming replica, so they cost the primary — where every write goes — nothing.
 *
 * A replica replays the primary's WAL a moment behind it, so a report asked for right after a
 * write may not show that write yet. A request can ask for the primary instead (`readFrom`).
 */
export const readFromChoices = ['replica', 'primary'] as const;
export type ReadFrom = (typeof readFromChoices)[number];

/** The connection a report reads with, given where the request asked to read from. */
export type ReportReader = (readFrom?: ReadFrom) => Knex;

/**
 * Report routes call this once, when they are mounted. Without a read URL every report reads
 * from the primary, as everything else does.
 */
export function reportReader(primary: Database, readUrl: string | undefined): ReportReader {
  if (!readUrl) return () => primary.knex;
  const replica = replicaOf(primary, readUrl);
  return (readFrom = 'replica') => (readFrom === 'primary' ? primary.knex : replica);
}

/** One replica pool per primary database, however many apps are built on it. */
const replicas = new WeakMap<Database, Knex>();

function replicaOf(primary: Database, readUrl: string): Knex {
  if (primary.mode === 'embedded') {
    // The embedded server belongs to this process and has no replica to read from.
    throw new Error('DATABASE_READ_URL needs DATABASE_URL: the embedded database has no replica');
  }
  let replica = replicas.get(primary);
  if (!replica) {
    replica = openReplica(primary, readUrl);
    replicas.set(primary, replica);
  }
  return replica;
}

/**
 * The same pool settings and schema as the primary's. Every transaction is read-only: a hot
 * standby refuses writes anyway, and this keeps a read URL that points at a writable server
 * (another primary, a logical replica) from ever taking one.
 */
function openReplica(primary: Database, readUrl: string): Knex {
  const config = knexConfig(readUrl, { schema: primary.schema });
  return knexFactory({ ...config, connection: { connectionString: readUrl, options: '-c default_transaction_read_only=on' } });
}

/**
 * Closes the replica pool of `primary`, if one was opened. The API process ends right after
 * closing its primary, which drops the replica's idle connections with it; tests close it here.
 */
export async function closeReadReplica(primary: Database): Promise<void> {
  const replica = replicas.get(primary);
  replicas.delete(primary);
  await replica?.destroy();
}
