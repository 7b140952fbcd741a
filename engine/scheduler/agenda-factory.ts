import { PostgresBackend, PostgresNotificationChannel } from '@agendajs/postgres-backend';
import { Agenda } from 'agenda';
import type { Knex } from 'knex';
import pg from 'pg';
import type { Database } from '../db/database.js';

export interface AgendaHandle {
  agenda: Agenda;
  close(): Promise<void>;
}

/** Agenda's own table (created by its backend on connect), in the database's schema. */
export const agendaTable = 'agenda_jobs';

/**
 * Sends only "a job is due" notifications. Agenda also publishes every job's start, success and
 * completion as NOTIFYs for cross-process events no Sluice process listens to: three round trips
 * per job, each serialised on PostgreSQL's notification queue lock and parsed by every other
 * worker — work that grows with the number of workers instead of spreading over them.
 */
class DueJobsChannel extends PostgresNotificationChannel {
  override async publishState(): Promise<void> {}
}

/**
 * Agenda's backend (re)creates its table, indexes and a trigger function on connect; two
 * processes doing that at the same moment (two workers started together) collide — "tuple
 * concurrently updated" — and the loser dies of the unhandled rejection. A session advisory
 * lock, keyed by the schema, makes them take turns.
 */
class TakingTurnsBackend extends PostgresBackend {
  constructor(
    config: ConstructorParameters<typeof PostgresBackend>[0],
    private readonly lockPool: pg.Pool,
    private readonly lockKey: string,
  ) {
    super(config);
  }

  override async connect(): Promise<void> {
    const client = await this.lockPool.connect();
    try {
      await client.query('select pg_advisory_lock(hashtext($1))', [this.lockKey]);
      await super.connect();
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [this.lockKey]).catch(() => undefined);
      client.release();
    }
  }
}

/**
 * Agenda on the application's own database. On PGlite (embedded mode) LISTEN/NOTIFY does not
 * cross connections, so Agenda polls; on PostgreSQL it is woken by notifications too.
 * A test schema gets its own `agenda_jobs` table through the pool's search_path.
 */
export function createAgenda(database: Database, options: { name: string; processEveryMs: number }): AgendaHandle {
  const pool = new pg.Pool({
    connectionString: database.connectionString,
    max: database.mode === 'embedded' ? 4 : 6,
    ...(database.schema ? { options: `-c search_path=${database.schema},public` } : {}),
  });
  const channelName = database.schema ? `agenda_${database.schema}` : 'agenda_jobs';
  const backendConfig = {
    pool,
    tableName: agendaTable,
    channelName,
    ensureSchema: true,
    disableNotifications: database.mode === 'embedded',
  };
  const backend = new TakingTurnsBackend(backendConfig, pool, `agenda-schema:${database.schema ?? 'public'}`);
  const agenda = new Agenda({
    backend,
    // The backend builds a channel only where notifications work; ours replaces it there.
    ...(backend.notificationChannel ? { notificationChannel: new DueJobsChannel({ pool, channelName, reconnect: { enabled: true } }) } : {}),
    name: options.name,
    processEvery: options.processEveryMs,
    // For jobs without a lock lifetime of their own (the dispatcher, bank syncs): a lock older
    // than this means its worker died. Occurrence jobs hold a short lock that they keep touching.
    defaultLockLifetime: 60_000,
  });
  return {
    agenda,
    async close() {
      await agenda.stop();
      await pool.end();
    },
  };
}

/** The private JobProcessor parts used here: what Agenda runs when told a job is due (lock more, then run them), and its fills in progress. */
interface LockingProcessor {
  handleNotification(notification: { jobName: string }): Promise<void>;
  isJobQueueFilling: Map<string, boolean>;
}

/**
 * With a lock limit, Agenda locks new jobs of a name only on its next poll (or notification), so
 * a worker that finishes its jobs between polls would sit idle. When a job of `jobName`
 * completes, this asks Agenda's processor to lock and start the next due one at once — through
 * the same private method a "job due" notification calls (agenda is pinned to 6.2.6; without
 * that method the worker still picks jobs up on every poll).
 */
export function lockNextWhenDone(agenda: Agenda, jobName: string): void {
  agenda.on(`complete:${jobName}`, () => {
    // After the processor has released the finished job's slot (it does so once run() returns).
    setImmediate(() => {
      const processor = (agenda as unknown as { jobProcessor?: Partial<LockingProcessor> }).jobProcessor;
      // A fill already under way locks on up to the limit; a second one racing it would lock one
      // too many and give it back — two wasted round trips.
      if (processor?.isJobQueueFilling?.get(jobName)) return;
      processor?.handleNotification?.({ jobName }).catch(() => undefined);
    });
  });
}

/**
 * Agenda's table has no index on job data; occurrence jobs are looked up by (flow, occurrence)
 * on every schedule and repair, among every finished occurrence job kept as history. Created
 * next to Agenda's own schema (by the processes that run jobs); a concurrent creation by another
 * worker starting at the same moment is fine.
 */
export async function ensureOccurrenceIndex(knex: Knex, jobName: string): Promise<void> {
  if (!/^[a-z-]+$/.test(jobName)) throw new Error(`unexpected job name ${jobName}`); // it is spliced into DDL
  try {
    await knex.raw(`create index if not exists ${agendaTable}_occurrence_idx on ${agendaTable} ((data->>'flowId'), (data->>'occurrence')) where name = '${jobName}'`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    // 23505/42P07: another process created it between our check and our create.
    if (code !== '23505' && code !== '42P07') throw error;
  }
}
