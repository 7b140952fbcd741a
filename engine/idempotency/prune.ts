import type { Agenda } from 'agenda';
import type { Knex } from 'knex';
import type { Logger } from 'pino';

/**
 * How long an idempotency record is kept: a client may retry with the same key for this long
 * and get the first answer. The database refuses to delete a younger record (migration 009
 * keeps the same number), so a pruning bug cannot make a retry post twice.
 */
export const idempotencyRetentionDays = 30;

/** Rows deleted per statement: pruning never holds many row locks or one long transaction. */
const pruneBatchRows = 5_000;
/** Statements per run; what is left waits for the next run (the job is daily). */
const pruneBatchesPerRun = 200;

export const pruneJobName = 'idempotency-prune';

/** Deletes records older than the retention period, in bounded batches; returns how many. */
export async function pruneIdempotencyKeys(db: Knex): Promise<number> {
  let deleted = 0;
  for (let batch = 0; batch < pruneBatchesPerRun; batch += 1) {
    const result = await db.raw(
      `delete from idempotency_keys where ctid in (
         select ctid from idempotency_keys where created_at < now() - make_interval(days => ?) limit ?)`,
      [idempotencyRetentionDays, pruneBatchRows],
    );
    deleted += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < pruneBatchRows) break;
  }
  return deleted;
}

/** The daily prune on the scheduler's Agenda (one run at a time across all workers). */
export async function schedulePruneJob(agenda: Agenda, db: Knex, logger: Logger, cron = '17 3 * * *'): Promise<void> {
  agenda.define(pruneJobName, async () => {
    const deleted = await pruneIdempotencyKeys(db);
    logger.info({ deleted, retentionDays: idempotencyRetentionDays }, 'idempotency records pruned');
  }, { concurrency: 1 });
  await agenda.every(cron, pruneJobName, undefined, { timezone: 'UTC', skipImmediate: true });
}
