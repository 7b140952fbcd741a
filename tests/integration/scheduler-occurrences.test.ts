/**
 * Occurrences come from the schedule and the runs table, not from "now": after handling an
 * occurrence the next is the cron occurrence after it, a backlog is worked off in jobs of at
 * most `maxOccurrencesPerJob` occurrences, missed ones are run or recorded skipped per the flow's
 * policy, a broken chain of jobs resumes after the last occurrence that has a run, and a job
 * keeps its (short) lock while it works and locks no more jobs than it can run.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../engine/auth/actor.js';
import { FlowRunner } from '../../engine/flows/runner.js';
import { defaultSchedulerOptions, FlowScheduler, jobNames, lockedAheadPerWorker } from '../../engine/scheduler/flow-scheduler.js';
import {
  backdateSchedule,
  createEnabledFlow,
  fixedTransferGraph,
  freshProcess,
  fund,
  injectDelay,
  journalCountOfFlow,
  liveOccurrenceJobs,
  minutesBetween,
  occurrenceJob,
  pendingOccurrenceJobs,
  runsOf,
  saveOccurrenceJob,
  scheduleTrigger,
  sleep,
  waitFor,
  type Process,
} from '../support/scheduler-support.js';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

const everyMinute = '* * * * *';
const batch = defaultSchedulerOptions.maxOccurrencesPerJob;
const key = (iso: string) => `schedule:${iso}`;

let t: TestApp;
let h: Household;
let scheduler: FlowScheduler;
beforeAll(async () => {
  t = await startTestApp();
  h = await createHousehold(t.app);
  await fund(t, h, 'personal', '1000.00');
  // The API process's scheduler: handlers defined, never started; the tests play Agenda.
  scheduler = t.container.resolve(FlowScheduler);
});
afterAll(async () => {
  await t.close();
});

const checking = () => h.account('personal', '1000').id;
const savings = () => h.account('personal', '1010').id;
const actor = (): Actor => ({ userId: h.userId, householdId: h.householdId });
const knex = () => t.database.knex;

/** A flow every minute (UTC) moving 0.01, enabled, owing its occurrences from `minutesAgo` minutes back. */
async function backloggedFlow(name: string, minutesAgo: number, missed: 'catch_up' | 'skip'): Promise<{ flowId: string; first: string }> {
  const flowId = await createEnabledFlow(t, h, name, fixedTransferGraph(scheduleTrigger(everyMinute, 'UTC', missed), '0.01', checking(), savings()));
  // Mid-minute, so the first owed occurrence is the next whole minute.
  const from = new Date(Math.floor(Date.now() / 60_000) * 60_000 - minutesAgo * 60_000 + 30_000);
  const [first] = minutesBetween(from, new Date());
  await backdateSchedule(t, flowId, from, new Date(first!));
  return { flowId, first: first! };
}

/** Hands the flow's earliest due pending job to the handler and marks it done, as Agenda would; false when none is due. */
async function handleNextDueJob(flowId: string): Promise<boolean> {
  const [job] = (await pendingOccurrenceJobs(knex(), flowId)).filter((row) => row.next_run_at!.getTime() <= Date.now());
  if (!job) return false;
  await scheduler.handleOccurrence(occurrenceJob(t.container, flowId, job.data.occurrence));
  await knex()('agenda_jobs').where({ id: job.id }).update({ next_run_at: null, last_finished_at: new Date() });
  return true;
}

/** Follows the chain until nothing is due; returns the number of jobs it took. */
async function followChain(flowId: string): Promise<number> {
  let jobs = 0;
  while (await handleNextDueJob(flowId)) jobs += 1;
  return jobs;
}

/** The one pending job left when a flow has caught up: the occurrence after the last one handled. */
async function caughtUpPending(flowId: string): Promise<string> {
  const pending = await pendingOccurrenceJobs(knex(), flowId);
  expect(pending).toHaveLength(1);
  return pending[0]!.data.occurrence;
}

describe('a backlog is worked off in bounded jobs, every occurrence once', () => {
  it(`an every-minute flow 3 hours behind: one job handles ${batch} occurrences and leaves the next as a job due at once; following the chain gives each minute exactly one run`, async () => {
    const { flowId, first } = await backloggedFlow('Every minute, 3 h behind', 180, 'catch_up');
    expect(await handleNextDueJob(flowId)).toBe(true);
    const afterOneJob = await runsOf(knex(), flowId);
    const owedSoFar = minutesBetween(new Date(Date.parse(first) - 60_000), new Date());
    expect(afterOneJob.map((run) => run.idempotency_key)).toEqual(owedSoFar.slice(0, batch).map(key));
    // The next occurrence is the one after the last handled — not the next one after now.
    const [next] = await pendingOccurrenceJobs(knex(), flowId);
    expect(next!.data.occurrence).toBe(owedSoFar[batch]);
    expect(next!.next_run_at!.getTime()).toBeLessThan(Date.now());

    const jobs = 1 + (await followChain(flowId));
    const pending = await caughtUpPending(flowId);
    expect(Date.parse(pending)).toBeGreaterThan(Date.now() - 60_000);
    const owed = minutesBetween(new Date(Date.parse(first) - 60_000), new Date(Date.parse(pending) - 60_000));
    expect(owed.length).toBeGreaterThanOrEqual(180);
    expect(jobs).toBe(Math.ceil(owed.length / batch));
    const runs = await runsOf(knex(), flowId);
    expect(runs.map((run) => run.idempotency_key).sort()).toEqual(owed.map(key));
    expect(runs.every((run) => run.status === 'committed' && run.trigger.occurredAt === run.idempotency_key.slice('schedule:'.length))).toBe(true);
    expect(await journalCountOfFlow(knex(), flowId)).toBe(owed.length);
    await scheduler.disable(actor(), flowId);
  }, 60_000);

  it("skip: occurrences handled more than missedAfterMs late are recorded 'skipped' with the reason, the others run; none is left out", async () => {
    const { flowId, first } = await backloggedFlow('Every minute, skips missed', 30, 'skip');
    await followChain(flowId);
    const pending = await caughtUpPending(flowId);
    const owed = minutesBetween(new Date(Date.parse(first) - 60_000), new Date(Date.parse(pending) - 60_000));
    const runs = await knex()('flow_runs').where({ flow_id: flowId }).select('idempotency_key', 'status', 'error', 'started_at', 'plan');
    expect(runs.map((run) => run.idempotency_key).sort()).toEqual(owed.map(key));
    const lateness = (run: { idempotency_key: string; started_at: Date }) => run.started_at.getTime() - Date.parse(run.idempotency_key.slice('schedule:'.length));
    const skipped = runs.filter((run) => run.status === 'skipped');
    const committed = runs.filter((run) => run.status === 'committed');
    expect(skipped.length + committed.length).toBe(owed.length);
    expect(skipped.length).toBeGreaterThanOrEqual(18);
    expect(committed.length).toBeGreaterThanOrEqual(9);
    for (const run of skipped) {
      expect(lateness(run)).toBeGreaterThan(defaultSchedulerOptions.missedAfterMs);
      expect(run.error).toMatchObject({ permanent: true, message: expect.stringMatching(/^missed while Sluice was not running \(\d+ min late\); this flow skips missed occurrences$/) });
      expect(run.plan).toBeNull();
    }
    for (const run of committed) expect(lateness(run)).toBeLessThanOrEqual(defaultSchedulerOptions.missedAfterMs + 5_000);
    expect(await journalCountOfFlow(knex(), flowId)).toBe(committed.length);
    await scheduler.disable(actor(), flowId);
  }, 30_000);

  it('a job picked up minutes late (its worker died; another took it when the lock ran out) runs its occurrence and every one since, then waits for the next', async () => {
    const { flowId, first } = await backloggedFlow('Every minute, picked up late', 3, 'catch_up');
    expect(await handleNextDueJob(flowId)).toBe(true);
    const pending = await caughtUpPending(flowId);
    const owed = minutesBetween(new Date(Date.parse(first) - 60_000), new Date(Date.parse(pending) - 60_000));
    expect(owed.length).toBeGreaterThanOrEqual(3);
    expect((await runsOf(knex(), flowId)).map((run) => run.idempotency_key)).toEqual(owed.map(key));
    await scheduler.disable(actor(), flowId);
  });

  it('handling an occurrence from before the schedule took effect runs it alone: the flow owes nothing from before it was enabled', async () => {
    const flowId = await createEnabledFlow(t, h, 'Enabled just now', fixedTransferGraph(scheduleTrigger(everyMinute, 'UTC'), '0.01', checking(), savings()));
    const longAgo = '2026-01-05T09:00:00.000Z';
    await scheduler.handleOccurrence(occurrenceJob(t.container, flowId, longAgo));
    expect((await runsOf(knex(), flowId)).map((run) => run.idempotency_key)).toEqual([key(longAgo)]);
    await scheduler.disable(actor(), flowId);
  });
});

describe('a chain of occurrence jobs that broke off resumes from the runs table', () => {
  it('repairSchedules: after the last occurrence that has a run (its dead job replaced), and only for flows without a live job', async () => {
    const { flowId, first } = await backloggedFlow('Every minute, chain broke', 6, 'catch_up');
    const healthy = await createEnabledFlow(t, h, 'Every minute, healthy', fixedTransferGraph(scheduleTrigger(everyMinute, 'UTC'), '0.01', checking(), savings()));
    const owedAtStart = minutesBetween(new Date(Date.parse(first) - 60_000), new Date());
    // Two occurrences ran; the third one's job failed for good (its retries ran out) before it
    // could schedule its successor: the chain is dead.
    const runner = t.container.resolve(FlowRunner);
    for (const occurrence of owedAtStart.slice(0, 2)) {
      await runner.run(actor(), flowId, { idempotencyKey: key(occurrence), trigger: { type: 'schedule', occurredAt: occurrence }, createdBy: null });
    }
    await knex()('agenda_jobs').where({ name: jobNames.occurrence }).whereRaw(`data->>'flowId' = ?`, [flowId]).delete();
    const deadJobId = await saveOccurrenceJob(t.container, flowId, new Date(owedAtStart[2]!));
    await knex()('agenda_jobs').where({ id: deadJobId }).update({ next_run_at: null, locked_at: null, last_finished_at: new Date(), fail_count: 6, fail_reason: 'the database refused' });
    expect(await liveOccurrenceJobs(knex(), flowId)).toEqual([]);

    expect(await scheduler.repairSchedules()).toBe(1);
    const [resumed] = await liveOccurrenceJobs(knex(), flowId);
    expect(resumed!.data.occurrence).toBe(owedAtStart[2]);
    expect(resumed!.fail_count ?? 0).toBe(0);
    expect(await liveOccurrenceJobs(knex(), healthy)).toHaveLength(1);
    // Nothing to repair any more.
    expect(await scheduler.repairSchedules()).toBe(0);

    await followChain(flowId);
    const pending = await caughtUpPending(flowId);
    const owed = minutesBetween(new Date(Date.parse(first) - 60_000), new Date(Date.parse(pending) - 60_000));
    expect((await runsOf(knex(), flowId)).map((run) => run.idempotency_key).sort()).toEqual(owed.map(key));
    for (const flow of [flowId, healthy]) await scheduler.disable(actor(), flow);
  });
});

describe('locks: short, kept alive while a job works, never more than a worker can run', () => {
  let processes: Process[] = [];
  afterEach(async () => {
    for (const process of processes) await process.stop();
    processes = [];
  });

  it('a run slower than the lock lifetime (1 s) keeps its lock by touching it: the job starts once, on one worker, and is not taken over', async () => {
    const flowId = await createEnabledFlow(t, h, 'Slow run', fixedTransferGraph(scheduleTrigger('0 9 * * *', 'UTC'), '1.00', checking(), savings()));
    const removeDelay = await injectDelay(t, 'flow_runs', 'insert', `new.flow_id = '${flowId}'`, 3);
    try {
      const occurrence = new Date(Date.now() - 5_000);
      const jobId = await saveOccurrenceJob(t.container, flowId, occurrence);
      processes = [await freshProcess(t.schema, { schedulerLockMs: 1_000 }), await freshProcess(t.schema, { schedulerLockMs: 1_000 })];
      await Promise.all(processes.map((process) => process.scheduler.start()));
      const holders = new Set<string>();
      const lockTimes = new Set<number>();
      const starts = new Set<number>();
      await waitFor(
        async () => {
          const job = await knex()('agenda_jobs').where({ id: jobId }).first('locked_at', 'last_modified_by', 'last_run_at', 'last_finished_at');
          if (job.locked_at) {
            holders.add(job.last_modified_by);
            lockTimes.add(job.locked_at.getTime());
          }
          if (job.last_run_at) starts.add(job.last_run_at.getTime());
          return job.last_finished_at;
        },
        { timeoutMs: 15_000, intervalMs: 50, what: 'the slow job to finish' },
      );
      const job = await knex()('agenda_jobs').where({ id: jobId }).first();
      expect(job.fail_count ?? 0).toBe(0);
      expect(job.fail_reason).toBeNull();
      expect(holders.size).toBe(1);
      expect(processes.map((process) => process.name)).toContain(job.last_modified_by);
      // Started once: an expired lock would have been taken again (by either worker) and the job
      // started a second time while the first run was still going.
      expect(starts.size).toBe(1);
      // Locked, then touched about every third of a second while the 3 s run went on.
      expect(lockTimes.size).toBeGreaterThanOrEqual(4);
      const runs = await runsOf(knex(), flowId);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: 'committed', attempts: 1, idempotency_key: key(occurrence.toISOString()) });
    } finally {
      await removeDelay();
    }
    await scheduler.disable(actor(), flowId);
  }, 30_000);

  const lockLimit = defaultSchedulerOptions.occurrenceConcurrency + lockedAheadPerWorker;
  it(`12 slow due jobs, two workers: neither locks more than ${lockLimit} (its concurrency and one waiting) at once, so both take part`, async () => {
    const flowId = await createEnabledFlow(t, h, 'Many due', fixedTransferGraph(scheduleTrigger('0 9 * * *', 'UTC'), '0.01', checking(), savings()));
    const removeDelay = await injectDelay(t, 'flow_runs', 'insert', `new.flow_id = '${flowId}'`, 0.4);
    try {
      const occurrences = Array.from({ length: 12 }, (_unused, index) => new Date(Date.now() - (index + 1) * 1_000));
      for (const occurrence of occurrences) await saveOccurrenceJob(t.container, flowId, occurrence);
      processes = [await freshProcess(t.schema), await freshProcess(t.schema)];
      await Promise.all(processes.map((process) => process.scheduler.start()));
      let mostLockedByOne = 0;
      await waitFor(
        async () => {
          const locked: { last_modified_by: string; n: bigint }[] = await knex()('agenda_jobs').where({ name: jobNames.occurrence }).whereNotNull('locked_at').groupBy('last_modified_by').select('last_modified_by', knex().raw('count(*) as n'));
          for (const row of locked) mostLockedByOne = Math.max(mostLockedByOne, Number(row.n));
          return (await runsOf(knex(), flowId)).filter((run) => run.status === 'committed').length === occurrences.length;
        },
        { timeoutMs: 20_000, intervalMs: 20, what: 'the 12 runs' },
      );
      expect(mostLockedByOne).toBeGreaterThan(0);
      expect(mostLockedByOne).toBeLessThanOrEqual(lockLimit);
      await sleep(200);
      const finishedBy = new Set((await knex()('agenda_jobs').where({ name: jobNames.occurrence }).whereRaw(`data->>'flowId' = ?`, [flowId]).whereNotNull('last_finished_at').pluck('last_modified_by')) as string[]);
      expect([...finishedBy].sort()).toEqual(processes.map((process) => process.name).sort());
    } finally {
      await removeDelay();
    }
    await scheduler.disable(actor(), flowId);
  }, 30_000);
});
