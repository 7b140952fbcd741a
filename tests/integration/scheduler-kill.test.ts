/**
 * Two real worker processes (`engine/scheduler/worker.ts`) on one schema, two every-minute flows
 * (one catches missed occurrences up, one skips them) that owe the last 70 minutes — longer than
 * one job's batch — and the worker holding an occurrence job killed with SIGKILL 5 times, each
 * at one of the worst moments:
 *
 * - `locked`: it has just locked the job and is marking it started; nothing has run;
 * - `running`: a run's transaction is open (the batch's earlier runs committed, the next
 *   occurrence not saved yet) — the kill rolls that run back;
 * - `committed`: the batch's runs committed and the next occurrence is being saved, the job not
 *   yet marked done.
 *
 * The statement of each moment is slowed down (a trigger sleeps in it) so the kill lands there;
 * who is in it is read from pg_stat_activity by the workers' application_name. A replacement
 * worker starts after each kill, so two are (soon) alive again; a killed worker's job waits for
 * its lock to run out (2 s here). In the end every owed occurrence has exactly one run (committed,
 * or skipped with its reason), each committed run one journal, and each flow one pending job:
 * the next minute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobNames } from '../../engine/scheduler/flow-scheduler.js';
import {
  backdateSchedule,
  createEnabledFlow,
  databaseUrlNamed,
  fixedTransferGraph,
  fund,
  injectDelay,
  liveOccurrenceJobs,
  minutesBetween,
  scheduleTrigger,
  sleep,
  startWorker,
  waitFor,
  type WorkerProcess,
} from '../support/scheduler-support.js';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

const KILLS = 5;
const BACKLOG_MINUTES = 70;
/** Lock lifetime of the workers: how long a killed worker's job waits for another worker. */
const LOCK_MS = 2_000;
/** How long each slowed-down statement sleeps: the window a kill has to land in. */
const DELAY_SECONDS = 0.2;

type Moment = 'locked' | 'running' | 'committed';
const everyMoment: Moment[] = ['locked', 'running', 'committed'];

/** Which moment a worker's sleeping statement is (see the delays installed below). */
function momentOf(statement: string): Moment | undefined {
  if (/^\s*update\s+"?agenda_jobs"?/i.test(statement)) return 'locked';
  if (/^\s*insert\s+into\s+"?flow_runs"?/i.test(statement)) return 'running';
  if (/^\s*insert\s+into\s+"?agenda_jobs"?/i.test(statement)) return 'committed';
  return undefined;
}

let t: TestApp;
let h: Household;
const workers: WorkerProcess[] = [];
let workerCount = 0;

function launchWorker(): WorkerProcess {
  workerCount += 1;
  const name = `w${workerCount}`;
  const worker = startWorker(name, t.schema, { DATABASE_URL: databaseUrlNamed(name), SLUICE_SCHEDULER_LOCK_MS: String(LOCK_MS) });
  workers.push(worker);
  return worker;
}

beforeAll(async () => {
  t = await startTestApp();
  h = await createHousehold(t.app);
  await fund(t, h, 'personal', '100.00');
});

afterAll(async () => {
  // The workers first: the schema they poll is dropped next.
  await Promise.all(workers.map((worker) => worker.stop()));
  await t.close();
});

describe('two workers, the lock holder killed at the worst moments', () => {
  it(`${KILLS} SIGKILLs while two every-minute flows catch up ${BACKLOG_MINUTES} minutes: every occurrence has exactly one run`, async () => {
    const knex = t.database.knex;
    const checking = h.account('personal', '1000').id;
    const savings = h.account('personal', '1010').id;
    const from = new Date(Math.floor(Date.now() / 60_000) * 60_000 - BACKLOG_MINUTES * 60_000 + 30_000);
    const first = minutesBetween(from, new Date())[0]!;
    const flows: Record<'catch_up' | 'skip', string> = {
      catch_up: await createEnabledFlow(t, h, 'Every minute, catches up', fixedTransferGraph(scheduleTrigger('* * * * *', 'UTC', 'catch_up'), '0.01', checking, savings)),
      skip: await createEnabledFlow(t, h, 'Every minute, skips missed', fixedTransferGraph(scheduleTrigger('* * * * *', 'UTC', 'skip'), '0.01', checking, savings)),
    };
    const flowIds = Object.values(flows);
    const ours = `(${flowIds.map((id) => `'${id}'`).join(', ')})`;
    for (const flowId of flowIds) await backdateSchedule(t, flowId, from, new Date(first));

    const removeDelays = [
      // locked: Agenda marking a locked job started (next_run_at cleared as the run begins).
      await injectDelay(t, 'agenda_jobs', 'update', `new.name = '${jobNames.occurrence}' and new.data->>'flowId' in ${ours} and old.next_run_at is not null and new.next_run_at is null and new.locked_at is not null`, DELAY_SECONDS),
      // running: a new run's row (a committed occurrence handled again claims nothing new: no delay).
      await injectDelay(t, 'flow_runs', 'insert', `new.flow_id in ${ours} and not exists (select 1 from flow_runs r where r.flow_id = new.flow_id and r.idempotency_key = new.idempotency_key)`, DELAY_SECONDS),
      // committed: saving the next occurrence's job.
      await injectDelay(t, 'agenda_jobs', 'insert', `new.name = '${jobNames.occurrence}' and new.data->>'flowId' in ${ours}`, DELAY_SECONDS),
    ];
    const started = Date.now();
    launchWorker();
    launchWorker();
    await Promise.all(workers.map((worker) => worker.ready));

    const kills: { moment: Moment; victim: string }[] = [];
    const ready = new Set<WorkerProcess>(workers);
    try {
      while (kills.length < KILLS) {
        // Moments not killed at yet come first, so all three are covered.
        const wanted = everyMoment.filter((moment) => !kills.some((kill) => kill.moment === moment));
        const alive = workers.filter((worker) => ready.has(worker));
        const sleeping: { application_name: string; query: string }[] = await knex('pg_stat_activity')
          .where({ wait_event: 'PgSleep' })
          .whereIn('application_name', alive.map((worker) => worker.name))
          .select('application_name', 'query');
        const target = sleeping
          .map((row) => ({ worker: alive.find((worker) => worker.name === row.application_name)!, moment: momentOf(row.query) }))
          .find((candidate) => candidate.moment && (wanted.length === 0 || wanted.includes(candidate.moment)) && alive.length > 1);
        if (target) {
          await target.worker.kill();
          ready.delete(target.worker);
          kills.push({ moment: target.moment!, victim: target.worker.name });
          const replacement = launchWorker();
          // A replacement stopped at the end before it was ready is no failure of the run.
          void replacement.ready.then(() => ready.add(replacement), () => undefined);
        } else {
          if (Date.now() - started > 40_000) throw new Error(`only ${kills.length} kills in 40 s: ${JSON.stringify(kills)}`);
          await sleep(10);
        }
      }
    } finally {
      for (const remove of removeDelays) await remove();
    }
    expect(kills.map((kill) => kill.moment)).toEqual(expect.arrayContaining(everyMoment));

    // Caught up: one live job per flow, pending (nobody holds it), for an occurrence still ahead;
    // its runs read while that job stayed the same (a minute may turn meanwhile).
    type RunRow = { id: string; idempotency_key: string; status: string; error: { message: string } | null };
    const settled = new Map<string, { pending: string; runs: RunRow[] }>();
    await waitFor(
      async () => {
        for (const flowId of flowIds) {
          const pendingJob = async () => {
            const live = await liveOccurrenceJobs(knex, flowId);
            return live.length === 1 && live[0]!.locked_at === null && live[0]!.next_run_at!.getTime() > Date.now() ? live[0]!.data.occurrence : undefined;
          };
          const before = await pendingJob();
          const runs: RunRow[] = await knex('flow_runs').where({ flow_id: flowId }).select('id', 'idempotency_key', 'status', 'error');
          if (!before || before !== (await pendingJob())) return false;
          settled.set(flowId, { pending: before, runs });
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'both flows to catch up' },
    );

    for (const [policy, flowId] of Object.entries(flows)) {
      const { pending, runs } = settled.get(flowId)!;
      const owed = minutesBetween(new Date(Date.parse(first) - 60_000), new Date(Date.parse(pending) - 60_000));
      expect(owed.length).toBeGreaterThanOrEqual(BACKLOG_MINUTES);
      // Exactly one run per owed occurrence: none missing, none twice, none for anything else.
      expect(runs.map((run) => run.idempotency_key).sort()).toEqual(owed.map((occurrence) => `schedule:${occurrence}`));
      const committed = runs.filter((run) => run.status === 'committed');
      const skipped = runs.filter((run) => run.status === 'skipped');
      expect(committed.length + skipped.length).toBe(owed.length);
      if (policy === 'catch_up') expect(skipped).toEqual([]);
      else expect(skipped.length).toBeGreaterThan(0);
      for (const run of skipped) expect(run.error!.message).toMatch(/^missed while Sluice was not running \(\d+ min late\); this flow skips missed occurrences$/);
      const [journals] = await knex('journals').whereIn('flow_run_id', committed.map((run) => run.id)).count<{ n: bigint }[]>({ n: '*' });
      expect(Number(journals!.n)).toBe(committed.length);
    }
    // Nothing posted twice: one journal per committed run, and savings holds 0.01 per committed run.
    const [journals] = await knex('journals as j').join('flow_runs as r', 'r.id', 'j.flow_run_id').whereIn('r.flow_id', flowIds).count<{ n: bigint }[]>({ n: '*' });
    const [committedNow] = await knex('flow_runs').whereIn('flow_id', flowIds).where({ status: 'committed' }).count<{ n: bigint }[]>({ n: '*' });
    expect(Number(journals!.n)).toBe(Number(committedNow!.n));
    expect((await knex('accounts').where({ id: savings }).first('balance_minor')).balance_minor).toBe(committedNow!.n);

    // eslint-disable-next-line no-console
    console.log(`[scheduler-kill] ${kills.length} kills (${kills.map((kill) => `${kill.victim}@${kill.moment}`).join(', ')}), caught up after ${Date.now() - started} ms`);
    const survivors = workers.filter((worker) => !kills.some((kill) => kill.victim === worker.name));
    for (const worker of survivors) expect(worker.output()).not.toMatch(/"level":(50|60)/);
  }, 90_000);
});
