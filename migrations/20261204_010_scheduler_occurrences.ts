import type { Knex } from 'knex';

/**
 * Where a flow's owed occurrences begin. Every cron occurrence after this instant gets exactly
 * one run (committed, failed or skipped); occurrences before it belong to a time the flow was
 * off, or to a schedule since edited. Set when a flow is turned on and when an enabled flow's
 * schedule is edited; the scheduler resumes a broken chain of occurrence jobs from the later of
 * this and the last occurrence that has a run.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table flows add column schedule_from timestamptz;
    update flows set schedule_from = enabled_at where enabled;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table flows drop column if exists schedule_from;`);
}
