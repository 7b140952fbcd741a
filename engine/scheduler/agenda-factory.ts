import { PostgresBackend } from '@agendajs/postgres-backend';
import { Agenda } from 'agenda';
import pg from 'pg';
import type { Database } from '../db/database.js';

export interface AgendaHandle {
  agenda: Agenda;
  close(): Promise<void>;
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
  const backend = new PostgresBackend({
    pool,
    tableName: 'agenda_jobs',
    channelName: database.schema ? `agenda_${database.schema}` : 'agenda_jobs',
    ensureSchema: true,
    disableNotifications: database.mode === 'embedded',
  });
  const agenda = new Agenda({
    backend,
    name: options.name,
    processEvery: options.processEveryMs,
    // A run takes milliseconds; a lock older than this means its worker died.
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
