/**
 * Two real worker processes (`engine/scheduler/worker.ts`, what `npm run worker` starts) on one
 * PostgreSQL schema, 100 due occurrences: 100 committed runs, no run or journal twice, and both
 * workers took part.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextOccurrences } from '../../engine/flows/nodes/triggers.js';
import { jobNames } from '../../engine/scheduler/flow-scheduler.js';
import { createEnabledFlow, fixedTransferGraph, fund, pendingOccurrenceJobs, scheduleTrigger, startWorker, waitFor, type WorkerProcess } from '../support/scheduler-support.js';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

const FLOWS = 25;
const OCCURRENCES_PER_FLOW = 4;
const TOTAL = FLOWS * OCCURRENCES_PER_FLOW;
const cron = '0 9 * * *';
const NY = 'America/New_York';

let t: TestApp;
let h: Household;
let workers: WorkerProcess[] = [];
const flowIds: string[] = [];

beforeAll(async () => {
  t = await startTestApp();
  h = await createHousehold(t.app);
  await fund(t, h, 'personal', '10000.00');
  for (let index = 0; index < FLOWS; index += 1) {
    flowIds.push(await createEnabledFlow(t, h, `Small flow ${index}`, fixedTransferGraph(scheduleTrigger(cron, NY), '1.00', h.account('personal', '1000').id, h.account('personal', '1010').id)));
  }
});

afterAll(async () => {
  // The workers first: the schema they poll is dropped next.
  await Promise.all(workers.map((worker) => worker.stop()));
  await t.close();
});

describe('two worker processes on one PostgreSQL', () => {
  it(`${TOTAL} due occurrences → ${TOTAL} committed runs, none twice, processed by both workers`, async () => {
    workers = [startWorker('w1', t.schema), startWorker('w2', t.schema)];
    await Promise.all(workers.map((worker) => worker.ready));

    // 100 due occurrences appear at once (one statement), as after an outage or a busy minute.
    const now = Date.now();
    const occurrences = flowIds.flatMap((flowId, flowIndex) =>
      Array.from({ length: OCCURRENCES_PER_FLOW }, (_unused, index) => ({ flowId, occurrence: new Date(now - (index + 1) * 60_000 - flowIndex * 1_000).toISOString() })),
    );
    await t.database.knex('agenda_jobs').insert(
      occurrences.map((data) => ({ name: jobNames.occurrence, data: JSON.stringify(data), next_run_at: new Date(data.occurrence), type: 'normal', priority: 0, last_modified_by: 'test' })),
    );

    const knex = t.database.knex;
    const keys = occurrences.map((item) => `schedule:${item.occurrence}`);
    const started = Date.now();
    await waitFor(
      async () => {
        const [row] = await knex('flow_runs').whereIn('flow_id', flowIds).where({ status: 'committed' }).count<{ n: bigint }[]>({ n: '*' });
        return Number(row!.n) >= TOTAL;
      },
      { timeoutMs: 40_000, intervalMs: 200, what: `${TOTAL} committed runs` },
    );
    const elapsedMs = Date.now() - started;
    // Let anything still in flight (a second delivery, a retry) land before counting.
    await waitFor(
      async () => {
        const [row] = await knex('agenda_jobs').where({ name: jobNames.occurrence }).whereIn(knex.raw(`data->>'occurrence'`) as never, occurrences.map((item) => item.occurrence)).whereNull('last_finished_at').count<{ n: bigint }[]>({ n: '*' });
        return Number(row!.n) === 0;
      },
      { timeoutMs: 10_000, what: 'every due job to be marked finished' },
    );

    const runs = await knex('flow_runs').whereIn('flow_id', flowIds).select('id', 'flow_id', 'idempotency_key', 'status', 'attempts');
    expect(runs).toHaveLength(TOTAL);
    expect(runs.every((run) => run.status === 'committed' && run.attempts === 1)).toBe(true);
    expect(new Set(runs.map((run) => `${run.flow_id} ${run.idempotency_key}`)).size).toBe(TOTAL);
    expect(runs.map((run) => run.idempotency_key).sort()).toEqual([...keys].sort());
    const doubles = await knex('flow_runs').whereIn('flow_id', flowIds).groupBy('flow_id', 'idempotency_key').havingRaw('count(*) > 1').select('flow_id');
    expect(doubles).toEqual([]);

    // One journal (two postings) per run, nothing more.
    const [journals] = await knex('journals').whereIn('flow_run_id', runs.map((run) => run.id)).count<{ n: bigint }[]>({ n: '*' });
    expect(Number(journals!.n)).toBe(TOTAL * 1);
    const [postings] = await knex('postings as p').join('journals as j', 'j.id', 'p.journal_id').whereIn('j.flow_run_id', runs.map((run) => run.id)).count<{ n: bigint }[]>({ n: '*' });
    expect(Number(postings!.n)).toBe(TOTAL * 2);
    expect((await knex('accounts').where({ id: h.account('personal', '1010').id }).first('balance_minor')).balance_minor).toBe(BigInt(TOTAL * 100));

    // Who processed the due jobs: Agenda records its name in last_modified_by when it locks and finishes a job.
    const byWorker: { last_modified_by: string; n: bigint }[] = await knex('agenda_jobs')
      .where({ name: jobNames.occurrence })
      .whereIn(knex.raw(`data->>'occurrence'`) as never, occurrences.map((item) => item.occurrence))
      .groupBy('last_modified_by')
      .select('last_modified_by', knex.raw('count(*) as n'));
    const counts = Object.fromEntries(byWorker.map((row) => [row.last_modified_by, Number(row.n)]));
    // eslint-disable-next-line no-console
    console.log(`[scheduler-workers] ${TOTAL} runs in ${elapsedMs} ms; jobs finished by ${JSON.stringify(counts)}`);
    expect(Object.keys(counts).sort()).toEqual(['w1', 'w2']);
    expect(counts.w1! + counts.w2!).toBe(TOTAL);
    expect(counts.w1).toBeGreaterThan(0);
    expect(counts.w2).toBeGreaterThan(0);

    // Each flow still has exactly one pending occurrence: the next 09:00 New York.
    const next = nextOccurrences(cron, NY, new Date(), 1)[0]!.toISOString();
    for (const flowId of flowIds) {
      expect((await pendingOccurrenceJobs(knex, flowId)).map((job) => job.data.occurrence)).toEqual([next]);
    }
    for (const worker of workers) expect(worker.output()).not.toMatch(/"level":(50|60)/);
  });
});
