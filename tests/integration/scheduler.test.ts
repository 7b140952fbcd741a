/**
 * The scheduler against the real database: daily runs across the 2026 DST changes (the real
 * occurrence handler, both missed-run policies, idempotent per occurrence), a restart with
 * occurrences due and a run that committed before its job was marked done, failed scheduled
 * runs and alerts, and the enable/disable/schedule/jobs routes.
 */
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Actor } from '../../engine/auth/actor.js';
import { nextOccurrences } from '../../engine/flows/nodes/triggers.js';
import { FlowScheduler } from '../../engine/scheduler/flow-scheduler.js';
import {
  createEnabledFlow,
  createFlow,
  enableFlow,
  fixedTransferGraph,
  freshProcess,
  fund,
  injectFailure,
  journalCountOfFlow,
  localDate,
  node,
  occurrenceJob,
  occurrenceJobsOf,
  pendingOccurrenceJobs,
  runsOf,
  saveOccurrenceJob,
  scheduleTrigger,
  signal,
  waitFor,
  wire,
  type Graph,
  type Process,
} from '../support/scheduler-support.js';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

const NY = 'America/New_York';
const daily0230 = '30 2 * * *';

let t: TestApp;
let scheduler: FlowScheduler;
beforeAll(async () => {
  t = await startTestApp();
  // The API process's scheduler: handlers defined, never started (nothing polls in the background).
  scheduler = t.container.resolve(FlowScheduler);
});
afterAll(async () => {
  await t.close();
});

const checking = (h: Household) => h.account('personal', '1000').id;
const savings = (h: Household) => h.account('personal', '1010').id;
const actorOf = (h: Household): Actor => ({ userId: h.userId, householdId: h.householdId });

/** The occurrence chain of a daily 02:30 New York flow from local midnight of `firstDay`, `days` long. */
function chain(firstDay: string, days: number): Date[] {
  const midnight = new Date(`${firstDay}T00:00:00-05:00`); // EST on both first days used here
  return nextOccurrences(daily0230, NY, midnight, days);
}
const springChain = () => chain('2026-03-06', 5);
const fallChain = () => chain('2026-10-30', 5);
const springDays = ['2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09', '2026-03-10'];
const fallDays = ['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02', '2026-11-03'];

/** Runs grouped by the New York local date of their occurrence. */
function perLocalDay(runs: { trigger: { occurredAt?: string } }[]): Map<string, number> {
  const days = new Map<string, number>();
  for (const run of runs) {
    const day = localDate(run.trigger.occurredAt!, NY);
    days.set(day, (days.get(day) ?? 0) + 1);
  }
  return days;
}

// ---------------------------------------------------------------------------------------------
// 1. DST
// ---------------------------------------------------------------------------------------------

describe('a daily 02:30 America/New_York flow across the 2026 DST changes', () => {
  let h: Household;
  beforeAll(async () => {
    h = await createHousehold(t.app);
    await fund(t, h, 'personal', '100000.00');
  });

  it('the occurrence chain has exactly one 02:30 (or its DST-shifted instant) per local day, and each occurrence chains to the next', () => {
    const spring = springChain();
    const fall = fallChain();
    expect(spring.map((date) => localDate(date, NY))).toEqual(springDays);
    expect(fall.map((date) => localDate(date, NY))).toEqual(fallDays);
    // 02:30 does not exist on 2026-03-08 (clocks jump 02:00 EST → 03:00 EDT): it runs at 03:30 EDT.
    expect(spring.map((date) => date.toISOString())).toEqual(['2026-03-06T07:30:00.000Z', '2026-03-07T07:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z']);
    // 2026-11-01: 02:30 happens once (after 01:00–01:59 is repeated), at 02:30 EST.
    expect(fall.map((date) => date.toISOString())).toEqual(['2026-10-30T06:30:00.000Z', '2026-10-31T06:30:00.000Z', '2026-11-01T07:30:00.000Z', '2026-11-02T07:30:00.000Z', '2026-11-03T07:30:00.000Z']);
    // What handleOccurrence schedules after each occurrence (processed on time) is the next one.
    for (const list of [spring, fall]) {
      for (let index = 0; index + 1 < list.length; index += 1) {
        expect(nextOccurrences(daily0230, NY, list[index]!, 1)[0]).toEqual(list[index + 1]);
      }
    }
  });

  it('catch_up: the real handler over both chains commits exactly one run per local day, dated the New York day; handling an occurrence again changes nothing', async () => {
    const flowId = await createEnabledFlow(t, h, 'Nightly save (catch up)', fixedTransferGraph(scheduleTrigger(daily0230, NY, 'catch_up'), '10.00', checking(h), savings(h)));
    const occurrences = [...springChain(), ...fallChain()];
    for (const occurrence of occurrences) await scheduler.handleOccurrence(occurrenceJob(t.container, flowId, occurrence));
    const first = await runsOf(t.database.knex, flowId);
    // The same occurrences again (a redelivered job, a second worker): no new run.
    for (const occurrence of occurrences) await scheduler.handleOccurrence(occurrenceJob(t.container, flowId, occurrence));
    const runs = await runsOf(t.database.knex, flowId);
    expect(runs.map((run) => run.id)).toEqual(first.map((run) => run.id));

    expect(runs).toHaveLength(10);
    expect(runs.every((run) => run.status === 'committed')).toBe(true);
    const days = perLocalDay(runs);
    expect([...days.keys()].sort()).toEqual([...springDays, ...fallDays]);
    expect([...days.values()].every((count) => count === 1)).toBe(true);
    for (const run of runs) {
      expect(run.idempotency_key).toBe(`schedule:${run.trigger.occurredAt}`);
      expect(run.trigger.type).toBe('schedule');
      // The plan (and so the journal) is dated the New York calendar day of the occurrence,
      // not the UTC day (07:30Z and 06:30Z are still the same NY day; 02:30 NY is never "tomorrow").
      expect(run.plan!.date).toBe(localDate(run.trigger.occurredAt!, NY));
    }
    const journalDates: string[] = await t.database.knex('journals as j').join('flow_runs as r', 'r.id', 'j.flow_run_id').where('r.flow_id', flowId).orderBy('j.date').pluck('j.date');
    expect(journalDates).toEqual([...springDays, ...fallDays]);
    expect(await journalCountOfFlow(t.database.knex, flowId)).toBe(10);
    await request(t.app).post(`/api/v1/flows/${flowId}/disable`).set(h.auth).send().expect(200);
  });

  it("skip: the same chains (all missed: months ago) record one 'skipped' run per local day and post nothing; again = the same runs", async () => {
    const flowId = await createEnabledFlow(t, h, 'Nightly save (skip missed)', fixedTransferGraph(scheduleTrigger(daily0230, NY, 'skip'), '10.00', checking(h), savings(h)));
    const occurrences = [...springChain(), ...fallChain()];
    for (const occurrence of occurrences) await scheduler.handleOccurrence(occurrenceJob(t.container, flowId, occurrence));
    for (const occurrence of occurrences) await scheduler.handleOccurrence(occurrenceJob(t.container, flowId, occurrence));
    const runs = await runsOf(t.database.knex, flowId);
    expect(runs).toHaveLength(10);
    expect(new Set(runs.map((run) => run.status))).toEqual(new Set(['skipped']));
    const days = perLocalDay(runs);
    expect([...days.keys()].sort()).toEqual([...springDays, ...fallDays]);
    expect([...days.values()].every((count) => count === 1)).toBe(true);
    for (const run of runs) {
      expect(run.error).toMatchObject({ permanent: true });
      expect(run.error!.message).toMatch(/missed while Sluice was not running/);
      expect(run.plan).toBeNull();
    }
    expect(await journalCountOfFlow(t.database.knex, flowId)).toBe(0);
    await request(t.app).post(`/api/v1/flows/${flowId}/disable`).set(h.auth).send().expect(200);
  });

  it('skip: an occurrence within missedAfterMs (10 min) is not missed: it runs', async () => {
    const flowId = await createEnabledFlow(t, h, 'Skip policy, on time', fixedTransferGraph(scheduleTrigger(daily0230, NY, 'skip'), '10.00', checking(h), savings(h)));
    const slightlyLate = new Date(Date.now() - 60_000);
    const elevenMinutesLate = new Date(Date.now() - 11 * 60_000);
    await scheduler.handleOccurrence(occurrenceJob(t.container, flowId, slightlyLate));
    await scheduler.handleOccurrence(occurrenceJob(t.container, flowId, elevenMinutesLate));
    const runs = await runsOf(t.database.knex, flowId);
    const byKey = new Map(runs.map((run) => [run.idempotency_key, run.status]));
    expect(byKey.get(`schedule:${slightlyLate.toISOString()}`)).toBe('committed');
    expect(byKey.get(`schedule:${elevenMinutesLate.toISOString()}`)).toBe('skipped');
    await request(t.app).post(`/api/v1/flows/${flowId}/disable`).set(h.auth).send().expect(200);
  });

  describe('following the chain the engine itself schedules (simulated clock: each occurrence handled when due)', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /**
     * Enables the flow at `start` (fake clock), then repeatedly: set the clock to the pending
     * job's time + `lateMs`, hand the job to handleOccurrence, mark it done as Agenda would.
     */
    async function followChain(h: Household, flowId: string, start: string, until: string, lateMs: number): Promise<string[]> {
      vi.useFakeTimers({ toFake: ['Date'], now: new Date(start) });
      await scheduler.enable(actorOf(h), flowId);
      const handled: string[] = [];
      for (let step = 0; step < 20; step += 1) {
        const [job] = await pendingOccurrenceJobs(t.database.knex, flowId);
        if (!job || job.data.occurrence >= until) break;
        vi.setSystemTime(new Date(job.next_run_at!.getTime() + lateMs));
        await scheduler.handleOccurrence(occurrenceJob(t.container, flowId, job.data.occurrence));
        await t.database.knex('agenda_jobs').where({ id: job.id }).update({ next_run_at: null, last_finished_at: new Date() });
        handled.push(job.data.occurrence);
      }
      vi.useRealTimers();
      await scheduler.disable(actorOf(h), flowId);
      return handled;
    }

    it('02:30 daily, spring forward and fall back: the engine schedules and runs one occurrence per local day', async () => {
      const springFlow = await createFlow(t, h, 'Engine chain spring', fixedTransferGraph(scheduleTrigger(daily0230, NY), '1.00', checking(h), savings(h)));
      const spring = await followChain(h, springFlow, '2026-03-06T05:00:00Z', '2026-03-11T00:00:00Z', 1_000);
      expect(spring).toEqual(springChain().map((date) => date.toISOString()));
      const fallFlow = await createFlow(t, h, 'Engine chain fall', fixedTransferGraph(scheduleTrigger(daily0230, NY), '1.00', checking(h), savings(h)));
      const fall = await followChain(h, fallFlow, '2026-10-30T04:00:00Z', '2026-11-04T00:00:00Z', 1_000);
      expect(fall).toEqual(fallChain().map((date) => date.toISOString()));
      for (const [flowId, days] of [[springFlow, springDays], [fallFlow, fallDays]] as const) {
        const runs = await runsOf(t.database.knex, flowId);
        expect(runs.every((run) => run.status === 'committed')).toBe(true);
        expect(runs.map((run) => run.plan!.date)).toEqual(days);
      }
    });

    it('02:30 daily handled 45 minutes late each time (a worker that was down): still one run per local day', async () => {
      const flowId = await createFlow(t, h, 'Engine chain late', fixedTransferGraph(scheduleTrigger(daily0230, NY), '1.00', checking(h), savings(h)));
      await followChain(h, flowId, '2026-10-30T04:00:00Z', '2026-11-04T00:00:00Z', 45 * 60_000);
      const runs = await runsOf(t.database.knex, flowId);
      expect(runs.map((run) => run.plan!.date)).toEqual(fallDays);
    });

    // Beyond the 02:30 must-hold: the same daily guarantee for a time inside the repeated hour.
    it('01:30 daily on fall-back day, handled 45 minutes late (at 01:15 EST): no second run that day', async () => {
      const flowId = await createFlow(t, h, 'Engine chain 01:30 late', fixedTransferGraph(scheduleTrigger('30 1 * * *', NY), '1.00', checking(h), savings(h)));
      await followChain(h, flowId, '2026-10-31T04:00:00Z', '2026-11-03T00:00:00Z', 45 * 60_000);
      const runs = await runsOf(t.database.knex, flowId);
      const days = perLocalDay(runs);
      expect(Object.fromEntries(days)).toEqual({ '2026-10-31': 1, '2026-11-01': 1, '2026-11-02': 1 });
    });

    // Beyond the 02:30 must-hold: enabling (or editing) between 03:00 and 03:30 EDT on spring-forward day.
    it("02:30 daily enabled at 03:15 EDT on 2026-03-08: that day's shifted 03:30 occurrence is still scheduled", async () => {
      const flowId = await createFlow(t, h, 'Enabled in the gap', fixedTransferGraph(scheduleTrigger(daily0230, NY), '1.00', checking(h), savings(h)));
      vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-03-08T07:15:00Z') });
      const { nextOccurrence } = await scheduler.enable(actorOf(h), flowId);
      vi.useRealTimers();
      await scheduler.disable(actorOf(h), flowId);
      // Every other instant of that night (before 03:00 EDT) gets 2026-03-08T07:30Z (03:30 EDT).
      expect(nextOccurrence).toBe('2026-03-08T07:30:00.000Z');
    });
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Restart
// ---------------------------------------------------------------------------------------------

describe('stop the process with occurrences due, start it again: each runs exactly once', () => {
  let h: Household;
  let processes: Process[] = [];
  beforeAll(async () => {
    h = await createHousehold(t.app);
    await fund(t, h, 'personal', '1000.00');
  });
  afterEach(async () => {
    for (const process of processes) await process.stop();
    processes = [];
  });

  it('a due job, a job whose run committed before the crash (job still locked), and a job locked by a dead worker: one run each, and the next occurrence is pending', async () => {
    const cron = '0 9 * * *';
    const flowId = await createEnabledFlow(t, h, 'Morning transfer', fixedTransferGraph(scheduleTrigger(cron, NY), '25.00', checking(h), savings(h)));
    // A process ran, then stopped (cleanly): nothing was due.
    const before = await freshProcess(t.schema);
    processes.push(before);
    await before.scheduler.start();
    await before.stop();

    const knex = t.database.knex;
    const now = Date.now();
    // (a) became due while no process was running.
    const dueOccurrence = new Date(now - 90_000);
    await saveOccurrenceJob(t.container, flowId, dueOccurrence);
    // (b) a worker ran it and committed the run, then died before Agenda marked the job done:
    //     Agenda's own mid-run state (next_run_at cleared at start, still locked, never finished).
    const committedOccurrence = new Date(now - 150_000);
    const crashedJobId = await saveOccurrenceJob(t.container, flowId, committedOccurrence);
    await scheduler.handleOccurrence(occurrenceJob(t.container, flowId, committedOccurrence));
    const [runBeforeRestart] = (await runsOf(knex, flowId)).filter((run) => run.idempotency_key === `schedule:${committedOccurrence.toISOString()}`);
    expect(runBeforeRestart?.status).toBe('committed');
    await knex('agenda_jobs').where({ id: crashedJobId }).update({ next_run_at: null, locked_at: new Date(now - 5 * 60_000), last_run_at: new Date(now - 5 * 60_000), last_modified_by: 'crashed-worker' });
    // (c) locked by a worker that died before running it (nothing committed).
    const lockedOccurrence = new Date(now - 210_000);
    const lockedJobId = await saveOccurrenceJob(t.container, flowId, lockedOccurrence);
    await knex('agenda_jobs').where({ id: lockedJobId }).update({ locked_at: new Date(now - 5 * 60_000), last_modified_by: 'crashed-worker' });

    const restarted = await freshProcess(t.schema);
    processes.push(restarted);
    await restarted.scheduler.start();
    const keys = [dueOccurrence, committedOccurrence, lockedOccurrence].map((date) => `schedule:${date.toISOString()}`);
    await waitFor(
      async () => {
        const runs = await runsOf(knex, flowId);
        const jobs = await occurrenceJobsOf(knex, flowId);
        const finished = jobs.filter((job) => [dueOccurrence, committedOccurrence, lockedOccurrence].some((date) => date.toISOString() === job.data.occurrence) && job.last_finished_at !== null);
        return keys.every((key) => runs.some((run) => run.idempotency_key === key && run.status === 'committed')) && finished.length === 3;
      },
      { timeoutMs: 15_000, what: 'the three due occurrences to run after the restart' },
    );
    await restarted.stop();

    const runs = await runsOf(knex, flowId);
    expect(runs.map((run) => run.idempotency_key).sort()).toEqual([...keys].sort());
    expect(runs.every((run) => run.status === 'committed' && run.attempts === 1)).toBe(true);
    // The run that committed before the crash is the same run (the redelivered job found it).
    expect(runs.find((run) => run.idempotency_key === keys[1])!.id).toBe(runBeforeRestart!.id);
    expect(await journalCountOfFlow(knex, flowId)).toBe(3);
    expect(await t.database.knex('accounts').where({ id: savings(h) }).first('balance_minor')).toEqual({ balance_minor: 7500n });
    // Exactly one pending occurrence: the next 09:00 New York after now.
    const pending = await pendingOccurrenceJobs(knex, flowId);
    expect(pending.map((job) => job.data.occurrence)).toEqual([nextOccurrences(cron, NY, new Date(), 1)[0]!.toISOString()]);
    const finished = (await occurrenceJobsOf(knex, flowId)).filter((job) => job.last_finished_at !== null);
    expect(finished.every((job) => job.fail_count === null || job.fail_count === 0)).toBe(true);
    // The restarted process is the one that finished the three due jobs.
    expect(finished.filter((job) => job.data.occurrence !== pending[0]!.data.occurrence).map((job) => job.last_modified_by)).toEqual([restarted.name, restarted.name, restarted.name]);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Alerts
// ---------------------------------------------------------------------------------------------

describe('alerts from scheduled runs', () => {
  let h: Household;
  let other: Household;
  let processes: Process[] = [];
  beforeAll(async () => {
    h = await createHousehold(t.app);
    other = await createHousehold(t.app);
    await fund(t, h, 'personal', '100.00');
  });
  afterEach(async () => {
    for (const process of processes) await process.stop();
    processes = [];
  });

  it('a scheduled run short of funds fails permanently, is not retried, and raises a run_failed alert that can be marked read (by its household only)', async () => {
    const flowId = await createEnabledFlow(t, h, 'Too ambitious', fixedTransferGraph(scheduleTrigger('0 7 * * *', NY), '5000.00', checking(h), savings(h)));
    const occurrence = new Date(Date.now() - 30_000);
    const jobId = await saveOccurrenceJob(t.container, flowId, occurrence);
    const worker = await freshProcess(t.schema);
    processes.push(worker);
    await worker.scheduler.start();
    const knex = t.database.knex;
    await waitFor(async () => (await knex('agenda_jobs').where({ id: jobId }).first('last_finished_at'))?.last_finished_at, { timeoutMs: 10_000, what: 'the failing occurrence to be processed' });
    // Agenda's first retry would come after 1 s: give it 2.5 s to (not) happen.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await worker.stop();

    const runs = await runsOf(knex, flowId);
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run!.status).toBe('failed');
    expect(run!.attempts).toBe(1);
    expect(run!.error!.permanent).toBe(true);
    expect(run!.error!.message).toMatch(/Insufficient funds in Checking/);
    const job = await knex('agenda_jobs').where({ id: jobId }).first();
    expect(job.fail_count ?? 0).toBe(0);
    expect(job.fail_reason).toBeNull();
    expect(job.next_run_at).toBeNull();
    expect(await journalCountOfFlow(knex, flowId)).toBe(0);

    const listed = await request(t.app).get('/api/v1/alerts').set(h.auth).expect(200);
    const alert = listed.body.data.find((item: { kind: string; runId: string }) => item.kind === 'run_failed' && item.runId === run!.id);
    expect(alert).toMatchObject({ flowId, level: 'warning', readAt: null });
    expect(alert.message).toMatch(/Too ambitious failed: .*Checking/);
    const unreadBefore = listed.body.unread as number;
    expect(unreadBefore).toBeGreaterThanOrEqual(1);
    const unreadOnly = await request(t.app).get('/api/v1/alerts?unread=true').set(h.auth).expect(200);
    expect(unreadOnly.body.data.some((item: { id: string }) => item.id === alert.id)).toBe(true);

    // Another household can neither see nor mark it.
    await request(t.app).post(`/api/v1/alerts/${alert.id}/read`).set(other.auth).send().expect(404);
    expect((await request(t.app).get('/api/v1/alerts').set(other.auth).expect(200)).body.data).toEqual([]);
    await request(t.app).post('/api/v1/alerts/not-a-uuid/read').set(h.auth).send().expect(404);

    await request(t.app).post(`/api/v1/alerts/${alert.id}/read`).set(h.auth).send().expect(204);
    const after = await request(t.app).get('/api/v1/alerts').set(h.auth).expect(200);
    expect(after.body.unread).toBe(unreadBefore - 1);
    expect(after.body.data.find((item: { id: string }) => item.id === alert.id).readAt).not.toBeNull();
    const stillUnread = await request(t.app).get('/api/v1/alerts?unread=true').set(h.auth).expect(200);
    expect(stillUnread.body.data.some((item: { id: string }) => item.id === alert.id)).toBe(false);
    // Marking again is harmless.
    await request(t.app).post(`/api/v1/alerts/${alert.id}/read`).set(h.auth).send().expect(204);
  });

  it('a transient failure (the database refused a write) is retried by Agenda under the same key: one run, committed on attempt 2', async () => {
    await fund(t, h, 'personal', '100.00');
    const graph = fixedTransferGraph(scheduleTrigger('0 6 * * *'), '10.00', checking(h), savings(h), 'Flaky');
    const flowId = await createEnabledFlow(t, h, 'Flaky', graph);
    const remove = await injectFailure(t, 'journals', `new.memo = 'Flaky'`);
    const knex = t.database.knex;
    const occurrence = new Date(Date.now() - 20_000);
    const jobId = await saveOccurrenceJob(t.container, flowId, occurrence);
    const worker = await freshProcess(t.schema);
    processes.push(worker);
    try {
      await worker.scheduler.start();
      const failed = await waitFor(async () => (await runsOf(knex, flowId)).find((run) => run.status === 'failed'), { timeoutMs: 10_000, what: 'the first attempt to fail' });
      expect(failed.error).toMatchObject({ permanent: false });
      expect((await knex('agenda_jobs').where({ id: jobId }).first()).fail_count).toBeGreaterThanOrEqual(1);
    } finally {
      await remove();
    }
    // On a loaded machine a retry may still meet the injected failure before it is removed; the
    // backoff (1 s, 2 s, 4 s...) then needs longer than one step to reach a healthy attempt.
    const committed = await waitFor(async () => (await runsOf(knex, flowId)).find((run) => run.status === 'committed'), { timeoutMs: 40_000, what: 'the retry to commit' });
    await worker.stop();
    const runs = await runsOf(knex, flowId);
    expect(runs.map((run) => run.id)).toEqual([committed.id]);
    expect(committed.attempts).toBeGreaterThanOrEqual(2);
    expect(committed.idempotency_key).toBe(`schedule:${occurrence.toISOString()}`);
    expect(await journalCountOfFlow(knex, flowId)).toBe(1);
  }, 60_000);

  it('a scheduled run reaching an approval node waits and raises awaiting_approval; an alert node raises flow_alert', async () => {
    await fund(t, h, 'personal', '500.00');
    const approval: Graph = {
      nodes: [scheduleTrigger('0 8 * * *'), node('amount', 'source.fixed', { amount: '20.00', accountId: checking(h) }), node('ok', 'approval', { note: 'Move 20?' }), node('move', 'transfer', { toAccountId: savings(h) })],
      edges: [signal('e1', 'when', 'amount'), wire('e2', 'amount', 'ok'), wire('e3', 'ok', 'move')],
    };
    const alerting: Graph = {
      nodes: [scheduleTrigger('0 8 * * *'), node('amount', 'source.fixed', { amount: '12.34', accountId: checking(h) }), node('say', 'alert', { message: 'Moved {amount} to savings', level: 'info' }), node('move', 'transfer', { toAccountId: savings(h) })],
      edges: [signal('e1', 'when', 'amount'), wire('e2', 'amount', 'say'), wire('e3', 'say', 'move')],
    };
    const approvalFlow = await createEnabledFlow(t, h, 'Needs a yes', approval);
    const alertFlow = await createEnabledFlow(t, h, 'Tells me', alerting);
    const occurrence = new Date(Date.now() - 5_000);
    await scheduler.handleOccurrence(occurrenceJob(t.container, approvalFlow, occurrence));
    await scheduler.handleOccurrence(occurrenceJob(t.container, alertFlow, occurrence));
    const [waiting] = await runsOf(t.database.knex, approvalFlow);
    const [alerted] = await runsOf(t.database.knex, alertFlow);
    expect(waiting!.status).toBe('awaiting_approval');
    expect(alerted!.status).toBe('committed');
    const alerts = (await request(t.app).get('/api/v1/alerts').set(h.auth).expect(200)).body.data as { kind: string; runId: string; flowId: string; message: string; level: string }[];
    expect(alerts.filter((alert) => alert.runId === waiting!.id)).toEqual([expect.objectContaining({ kind: 'awaiting_approval', flowId: approvalFlow, message: 'Needs a yes is waiting for your approval' })]);
    expect(alerts.filter((alert) => alert.runId === alerted!.id)).toEqual([expect.objectContaining({ kind: 'flow_alert', flowId: alertFlow, level: 'info', message: 'Moved 12.34 to savings' })]);
  });
});

// ---------------------------------------------------------------------------------------------
// 6. Routes
// ---------------------------------------------------------------------------------------------

describe('enable, disable, edit, schedule and jobs routes', () => {
  let h: Household;
  let other: Household;
  beforeAll(async () => {
    h = await createHousehold(t.app);
    other = await createHousehold(t.app);
    await fund(t, h, 'personal', '1000.00');
  });

  it('POST /enable on a manual-trigger flow → 422 (manual_trigger); nothing is scheduled', async () => {
    const flowId = await createFlow(t, h, 'By hand', fixedTransferGraph(node('when', 'trigger.manual'), '5.00', checking(h), savings(h)));
    const response = await request(t.app).post(`/api/v1/flows/${flowId}/enable`).set(h.auth).send();
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('manual_trigger');
    expect((await request(t.app).get(`/api/v1/flows/${flowId}`).set(h.auth)).body.enabled).toBe(false);
    expect(await occurrenceJobsOf(t.database.knex, flowId)).toEqual([]);
  });

  it('POST /enable on a flow with problems → 422 naming each problem by node and field', async () => {
    const graph: Graph = {
      nodes: [scheduleTrigger('61 25 * * *', 'Mars/Olympus_Mons'), node('amount', 'source.fixed', { amount: '5.00', accountId: checking(h) }), node('move', 'transfer', { toAccountId: checking(h) })],
      edges: [signal('e1', 'when', 'amount'), wire('e2', 'amount', 'move')],
    };
    const created = await request(t.app).post('/api/v1/flows').set(h.auth).send({ name: 'Broken', graph }).expect(201);
    expect(created.body.problems.length).toBeGreaterThanOrEqual(3);
    const response = await request(t.app).post(`/api/v1/flows/${created.body.id}/enable`).set(h.auth).send();
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('flow_invalid');
    expect(response.body.detail).toMatch(new RegExp(`${created.body.problems.length} problem`));
    expect(response.body.errors).toEqual(created.body.problems);
    expect(response.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ nodeId: 'when', field: '/nodes/0/data/timezone', code: 'unknown_time_zone' }),
        expect.objectContaining({ nodeId: 'when', field: '/nodes/0/data/cron', code: 'invalid_cron' }),
        expect.objectContaining({ nodeId: 'move', code: 'same_account' }),
      ]),
    );
    expect(await occurrenceJobsOf(t.database.knex, created.body.id)).toEqual([]);
  });

  it("enable/disable another household's flow → 404", async () => {
    const flowId = await createFlow(t, h, 'Mine', fixedTransferGraph(scheduleTrigger('0 9 * * *'), '5.00', checking(h), savings(h)));
    await request(t.app).post(`/api/v1/flows/${flowId}/enable`).set(other.auth).send().expect(404);
    await request(t.app).post(`/api/v1/flows/${flowId}/disable`).set(other.auth).send().expect(404);
    expect(await occurrenceJobsOf(t.database.knex, flowId)).toEqual([]);
  });

  it('enable schedules the next occurrence (GET /jobs upcoming); disable cancels it', async () => {
    const cron = '0 9 * * *';
    const flowId = await createFlow(t, h, 'Toggle me', fixedTransferGraph(scheduleTrigger(cron), '5.00', checking(h), savings(h)));
    const enabled = await enableFlow(t, h, flowId);
    const expected = nextOccurrences(cron, NY, new Date(), 1)[0]!.toISOString();
    expect(enabled).toEqual({ enabled: true, nextOccurrence: expected });
    // Enabling twice does not duplicate the pending job.
    await enableFlow(t, h, flowId);
    expect((await pendingOccurrenceJobs(t.database.knex, flowId)).map((job) => job.data.occurrence)).toEqual([expected]);
    const jobs = await request(t.app).get('/api/v1/jobs').set(h.auth).expect(200);
    expect(jobs.body.upcoming.filter((item: { flowId: string }) => item.flowId === flowId)).toEqual([{ flowId, flowName: 'Toggle me', occurrence: expected, nextRunAt: expected, lastFailure: null }]);

    const disabled = await request(t.app).post(`/api/v1/flows/${flowId}/disable`).set(h.auth).send().expect(200);
    expect(disabled.body).toEqual({ enabled: false });
    const after = await request(t.app).get('/api/v1/jobs').set(h.auth).expect(200);
    expect(after.body.upcoming.some((item: { flowId: string }) => item.flowId === flowId)).toBe(false);
    expect(await pendingOccurrenceJobs(t.database.knex, flowId)).toEqual([]);
    expect((await request(t.app).get(`/api/v1/flows/${flowId}`).set(h.auth)).body.enabled).toBe(false);
    // A job that was already due when the flow was disabled does nothing.
    await scheduler.handleOccurrence(occurrenceJob(t.container, flowId, new Date(Date.now() - 1_000)));
    expect(await runsOf(t.database.knex, flowId)).toEqual([]);
  });

  it('PUT on an enabled schedule flow moves its pending occurrence to the new cron; PUT on a disabled one schedules nothing', async () => {
    const flowId = await createFlow(t, h, 'Edit me', fixedTransferGraph(scheduleTrigger('0 9 * * *'), '5.00', checking(h), savings(h)));
    await enableFlow(t, h, flowId);
    const newCron = '15 18 * * 1';
    const graph = fixedTransferGraph(scheduleTrigger(newCron, 'Europe/Paris'), '6.00', checking(h), savings(h));
    const updated = await request(t.app).put(`/api/v1/flows/${flowId}`).set(h.auth).send({ name: 'Edit me', graph }).expect(200);
    expect(updated.body.version).toBe(2);
    const expected = nextOccurrences(newCron, 'Europe/Paris', new Date(), 1)[0]!.toISOString();
    expect((await pendingOccurrenceJobs(t.database.knex, flowId)).map((job) => job.data.occurrence)).toEqual([expected]);
    const jobs = await request(t.app).get('/api/v1/jobs').set(h.auth).expect(200);
    expect(jobs.body.upcoming.filter((item: { flowId: string }) => item.flowId === flowId).map((item: { occurrence: string }) => item.occurrence)).toEqual([expected]);

    const idle = await createFlow(t, h, 'Not enabled', fixedTransferGraph(scheduleTrigger('0 9 * * *'), '5.00', checking(h), savings(h)));
    await request(t.app).put(`/api/v1/flows/${idle}`).set(h.auth).send({ name: 'Not enabled', graph }).expect(200);
    expect(await occurrenceJobsOf(t.database.knex, idle)).toEqual([]);
  });

  it('GET /flows/:id/schedule returns the next 5 occurrences (count adjustable); none for a manual flow', async () => {
    const cron = '0 12 1,15 * *';
    const flowId = await createFlow(t, h, 'Twice a month', fixedTransferGraph(scheduleTrigger(cron), '5.00', checking(h), savings(h)));
    const response = await request(t.app).get(`/api/v1/flows/${flowId}/schedule`).set(h.auth).expect(200);
    expect(response.body).toEqual({ cron, timezone: NY, occurrences: nextOccurrences(cron, NY, new Date(), 5).map((date) => date.toISOString()) });
    expect(response.body.occurrences.map((iso: string) => new Intl.DateTimeFormat('en-US', { timeZone: NY, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso)))).toEqual(Array(5).fill('12:00'));
    const three = await request(t.app).get(`/api/v1/flows/${flowId}/schedule?count=3`).set(h.auth).expect(200);
    expect(three.body.occurrences).toEqual(response.body.occurrences.slice(0, 3));
    const manual = await createFlow(t, h, 'Manual', fixedTransferGraph(node('when', 'trigger.manual'), '5.00', checking(h), savings(h)));
    expect((await request(t.app).get(`/api/v1/flows/${manual}/schedule`).set(h.auth).expect(200)).body).toEqual({ timezone: null, occurrences: [] });
    await request(t.app).get(`/api/v1/flows/${flowId}/schedule`).set(other.auth).expect(404);
  });

  it('GET /jobs shows upcoming occurrences (soonest first) and recent runs of the household only', async () => {
    const soon = await createEnabledFlow(t, h, 'Every minute', fixedTransferGraph(scheduleTrigger('* * * * *'), '1.00', checking(h), savings(h)));
    const later = await createEnabledFlow(t, h, 'Yearly', fixedTransferGraph(scheduleTrigger('0 0 1 1 *'), '1.00', checking(h), savings(h)));
    const occurrence = new Date(Date.now() - 2_000);
    await scheduler.handleOccurrence(occurrenceJob(t.container, later, occurrence));
    const jobs = await request(t.app).get('/api/v1/jobs').set(h.auth).expect(200);
    const upcoming = jobs.body.upcoming as { flowId: string; nextRunAt: string }[];
    expect(upcoming.map((item) => item.nextRunAt)).toEqual([...upcoming.map((item) => item.nextRunAt)].sort());
    const soonIndex = upcoming.findIndex((item) => item.flowId === soon);
    const laterIndex = upcoming.findIndex((item) => item.flowId === later);
    expect(soonIndex).toBeGreaterThanOrEqual(0);
    expect(laterIndex).toBeGreaterThan(soonIndex);
    expect(jobs.body.recent[0]).toMatchObject({ flowId: later, flowName: 'Yearly', status: 'committed', key: `schedule:${occurrence.toISOString()}`, error: null });
    const limited = await request(t.app).get('/api/v1/jobs?limit=1').set(h.auth).expect(200);
    expect(limited.body.upcoming).toHaveLength(1);
    expect(limited.body.recent).toHaveLength(1);
    const theirs = await request(t.app).get('/api/v1/jobs').set(other.auth).expect(200);
    expect(theirs.body).toEqual({ upcoming: [], recent: [] });
    for (const flowId of [soon, later]) await request(t.app).post(`/api/v1/flows/${flowId}/disable`).set(h.auth).send().expect(200);
  });
});
