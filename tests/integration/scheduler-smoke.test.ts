import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tokens } from '../../engine/container.js';
import { FlowScheduler, jobNames } from '../../engine/scheduler/flow-scheduler.js';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

let t: TestApp;
let h: Household;
beforeAll(async () => {
  t = await startTestApp();
  h = await createHousehold(t.app);
  await request(t.app).post(`/api/v1/entities/${h.personal.id}/journals`).set(h.auth).send({ date: '2026-01-01', postings: [{ accountId: h.account('personal', '1000').id, amount: '5000.00' }, { accountId: h.account('personal', 'opening_balance').id, amount: '-5000.00' }] });
});
afterAll(async () => { await t.close(); });

describe('scheduler smoke', () => {
  it('runs a due occurrence once and schedules the next', async () => {
    const graph = { nodes: [
      { id: 't', type: 'trigger.schedule', position: { x: 0, y: 0 }, data: { cron: '0 9 * * *', timezone: 'America/New_York' } },
      { id: 's', type: 'source.fixed', position: { x: 0, y: 0 }, data: { amount: '10.00', accountId: h.account('personal', '1000').id } },
      { id: 'x', type: 'transfer', position: { x: 0, y: 0 }, data: { toAccountId: h.account('personal', '1010').id } },
    ], edges: [
      { id: 'e1', source: 't', sourceHandle: 'start', target: 's', targetHandle: 'start' },
      { id: 'e2', source: 's', sourceHandle: 'out', target: 'x', targetHandle: 'in' },
    ] };
    const flow = await request(t.app).post('/api/v1/flows').set(h.auth).send({ name: 'Daily save', graph });
    expect(flow.body.problems).toEqual([]);
    const enabled = await request(t.app).post(`/api/v1/flows/${flow.body.id}/enable`).set(h.auth).send();
    console.log(enabled.status, enabled.body);
    const scheduler = t.container.resolve(FlowScheduler);
    const agenda = t.container.resolve(Tokens.Agenda).agenda;
    const due = new Date(Date.now() - 1000);
    const job = agenda.create(jobNames.occurrence, { flowId: flow.body.id, occurrence: due.toISOString() });
    job.schedule(due);
    await job.save();
    await scheduler.start();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const runs = await request(t.app).get(`/api/v1/flows/${flow.body.id}/runs`).set(h.auth);
    console.log(JSON.stringify(runs.body.data.map((r: any) => [r.status, r.idempotencyKey, r.error])));
    const jobs = await request(t.app).get('/api/v1/jobs').set(h.auth);
    console.log(JSON.stringify(jobs.body));
    expect(runs.body.data).toHaveLength(1);
  });
});
