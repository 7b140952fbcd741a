/**
 * Event-triggered flows over the ledger-event outbox, against the real database: every posting
 * path (manual journal, inter-entity transfer, another flow's run) fires matching flows once per
 * posting, never a flow for its own postings, chains stop at maxChainDepth, balance triggers fire
 * on the crossing only, and households without event flows write nothing to the outbox.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowScheduler } from '../../engine/scheduler/flow-scheduler.js';
import {
  balance,
  createEnabledFlow,
  createFlow,
  drainEvents,
  eventTrigger,
  fixedTransferGraph,
  freshProcess,
  fund,
  injectFailure,
  journalCountOfFlow,
  node,
  occurrenceJob,
  postJournal,
  runsOf,
  scheduleTrigger,
  signal,
  waitFor,
  wire,
  type Graph,
  type RunRow,
} from '../support/scheduler-support.js';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

let t: TestApp;
let scheduler: FlowScheduler;
beforeAll(async () => {
  t = await startTestApp();
  scheduler = t.container.resolve(FlowScheduler);
});
afterAll(async () => {
  await t.close();
});

const checking = (h: Household) => h.account('personal', '1000').id;
const savings = (h: Household) => h.account('personal', '1010').id;
const rent = (h: Household) => h.account('personal', '5000').id;
const llcChecking = (h: Household) => h.account('llc', '1000').id;

/** event trigger → the triggering transaction's amount → transfer (out of the account it landed in) to `to`. */
function sweepGraph(trigger: Record<string, unknown>, to: string): Graph {
  return {
    nodes: [eventTrigger(trigger), node('payment', 'source.transaction'), node('sweep', 'transfer', { toAccountId: to, memo: 'Sweep' })],
    edges: [signal('e1', 'when', 'payment'), wire('e2', 'payment', 'sweep')],
  };
}

/** event trigger → a fixed amount → alert node (no money moves). */
function alertGraph(trigger: Record<string, unknown>, message: string): Graph {
  return {
    nodes: [eventTrigger(trigger), node('amount', 'source.fixed', { amount: '1.00' }), node('say', 'alert', { message, level: 'warning' })],
    edges: [signal('e1', 'when', 'amount'), wire('e2', 'amount', 'say')],
  };
}

async function postingInto(journalId: string, accountId: string): Promise<string> {
  const row = await t.database.knex('postings').where({ journal_id: journalId, account_id: accountId }).first('id');
  return String(row.id);
}

async function outboxRows(householdId: string): Promise<{ processed_at: Date | null; flow_run_id: string | null; account_id: string }[]> {
  return t.database.knex('ledger_events').where({ household_id: householdId }).orderBy('id');
}

const payment = (t: TestApp, h: Household, amount: string, payee?: string) => postJournal(t, h, 'personal', checking(h), amount, { counterId: rent(h), ...(payee ? { payee } : {}) });

describe('transaction.posted on checking, amount > 100, sweeping the amount from checking into savings', () => {
  let h: Household;
  let sweepFlow: string;
  let manualFlow: string;
  const expected: { journalId: string; amount: string }[] = [];

  beforeAll(async () => {
    h = await createHousehold(t.app);
    // Funded before any event flow exists: these postings never reach the outbox.
    await fund(t, h, 'personal', '2000.00');
    await fund(t, h, 'personal', '1000.00', '1010');
    await fund(t, h, 'llc', '5000.00');
    sweepFlow = await createEnabledFlow(t, h, 'Sweep big deposits', sweepGraph({ event: 'transaction.posted', accountId: checking(h), filter: { '>': [{ var: 'amount' }, 100] } }, savings(h)));
    manualFlow = await createFlow(t, h, 'Move 120 from savings to checking', fixedTransferGraph(node('go', 'trigger.manual'), '120.00', savings(h), checking(h)));
  });

  it('nothing was written to the outbox before the event flow was enabled', async () => {
    expect(await outboxRows(h.householdId)).toEqual([]);
  });

  it('fires once per matching posting into checking — manual journal, owner draw, another flow’s run — never for its own postings or small/outgoing ones', async () => {
    const big = await postJournal(t, h, 'personal', checking(h), '150.00', { counterId: h.account('personal', 'opening_balance').id, payee: 'Client A' });
    expected.push({ journalId: big.id, amount: '150.00' });
    await postJournal(t, h, 'personal', checking(h), '50.00'); // below the filter
    await postJournal(t, h, 'personal', checking(h), '100.00'); // not > 100
    await payment(t, h, '-300.00', 'Landlord'); // money out of checking: amount -300
    await postJournal(t, h, 'personal', savings(h), '700.00'); // another account
    const draw = await request(t.app)
      .post('/api/v1/inter-entity-transfers')
      .set(h.auth)
      .send({ kind: 'owner_draw', amount: '500.00', date: '2026-02-01', fromAccountId: llcChecking(h), toAccountId: checking(h), purpose: 'February owner draw' });
    expect(draw.status).toBe(201);
    const personalJournal = draw.body.journals.find((journal: { entityId: string }) => journal.entityId === h.personal.id);
    expected.push({ journalId: personalJournal.id, amount: '500.00' });
    const manualRun = await request(t.app).post(`/api/v1/flows/${manualFlow}/runs`).set(h.auth).send({});
    expect(manualRun.status).toBe(201);
    expect(manualRun.body.journalIds).toHaveLength(1);
    expected.push({ journalId: manualRun.body.journalIds[0], amount: '120.00' });

    const handled = await drainEvents(scheduler);
    expect(handled).toBeGreaterThan(0);
    const runs = await runsOf(t.database.knex, sweepFlow);
    expect(runs).toHaveLength(3);
    expect(runs.every((run) => run.status === 'committed')).toBe(true);
    const byJournal = new Map(runs.map((run) => [run.trigger.transaction!.journalId!, run]));
    for (const item of expected) {
      const run = byJournal.get(item.journalId)!;
      expect(run, `a run for journal ${item.journalId}`).toBeDefined();
      expect(run.idempotency_key).toBe(`event:${await postingInto(item.journalId, checking(h))}`);
      expect(run.trigger).toMatchObject({ type: 'event', transaction: { accountId: checking(h), amount: item.amount } });
      expect(run.plan!.moved).toBe(item.amount);
    }
    // Depth: a person's or the owner draw's posting is 0; the manual flow's run makes it 1.
    expect(byJournal.get(expected[0]!.journalId)!.trigger.depth).toBe(0);
    expect(byJournal.get(expected[1]!.journalId)!.trigger.depth).toBe(0);
    expect(byJournal.get(expected[2]!.journalId)!.trigger.depth).toBe(1);
    // 2000 + 150 + 50 + 100 − 300 + 500 + 120 (in) − 770 (swept) = 1850.
    expect(await balance(t.database.knex, checking(h))).toBe(185_000n);
    expect(await journalCountOfFlow(t.database.knex, sweepFlow)).toBe(3);
    // The sweep's own postings into checking were in the outbox (attributed to its runs) and fired nothing.
    const own = (await outboxRows(h.householdId)).filter((row) => row.flow_run_id !== null && runs.some((run) => run.id === row.flow_run_id) && row.account_id === checking(h));
    expect(own).toHaveLength(3);
  });

  it('dispatching again fires nothing more; the outbox is fully processed', async () => {
    expect(await scheduler.dispatchLedgerEvents()).toBe(0);
    expect(await runsOf(t.database.knex, sweepFlow)).toHaveLength(3);
    expect((await outboxRows(h.householdId)).every((row) => row.processed_at !== null)).toBe(true);
  });

  it('an event delivered twice (a dispatcher died after firing, before marking it) does not run twice', async () => {
    await t.database.knex('ledger_events').where({ household_id: h.householdId }).update({ processed_at: null, claimed_at: null });
    await drainEvents(scheduler);
    expect(await runsOf(t.database.knex, sweepFlow)).toHaveLength(3);
    expect(await journalCountOfFlow(t.database.knex, sweepFlow)).toBe(3);
  });

  it('a started scheduler dispatches by itself (the ledger-events job)', async () => {
    const process = await freshProcess(t.schema);
    try {
      await process.scheduler.start();
      const deposit = await postJournal(t, h, 'personal', checking(h), '250.00');
      const run = await waitFor(async () => (await runsOf(t.database.knex, sweepFlow)).find((item) => item.trigger.transaction?.journalId === deposit.id), { timeoutMs: 10_000, what: 'the dispatcher job to fire the sweep' });
      expect(run.status).toBe('committed');
    } finally {
      await process.stop();
    }
    expect(await runsOf(t.database.knex, sweepFlow)).toHaveLength(4);
  });

  it('a posting made while the flow is disabled is not in the outbox and never fires it', async () => {
    await request(t.app).post(`/api/v1/flows/${sweepFlow}/disable`).set(h.auth).send().expect(200);
    const before = (await outboxRows(h.householdId)).length;
    await postJournal(t, h, 'personal', checking(h), '400.00');
    expect((await outboxRows(h.householdId)).length).toBe(before);
    await drainEvents(scheduler);
    expect(await runsOf(t.database.knex, sweepFlow)).toHaveLength(4);
  });
});

describe('a flow never fires for its own postings', () => {
  it('an unfiltered trigger on checking whose action takes money out of checking runs once per outside deposit', async () => {
    const h = await createHousehold(t.app);
    await fund(t, h, 'personal', '100.00');
    // Every posting into checking matches — including this flow's own transfer out of it.
    const flowId = await createEnabledFlow(t, h, 'Save a dollar per deposit', fixedTransferGraph(eventTrigger({ event: 'transaction.posted', accountId: checking(h) }), '1.00', checking(h), savings(h)));
    await postJournal(t, h, 'personal', checking(h), '10.00');
    await drainEvents(scheduler);
    await postJournal(t, h, 'personal', checking(h), '20.00');
    await drainEvents(scheduler);
    const runs = await runsOf(t.database.knex, flowId);
    expect(runs).toHaveLength(2);
    expect(runs.every((run) => run.trigger.depth === 0)).toBe(true);
    expect(await balance(t.database.knex, savings(h))).toBe(200n);
    expect(await scheduler.dispatchLedgerEvents()).toBe(0);
  });
});

describe('chains of event flows', () => {
  it('two flows that trigger each other stop at maxChainDepth (5) with a system alert', async () => {
    const h = await createHousehold(t.app);
    await fund(t, h, 'personal', '100.00');
    await fund(t, h, 'personal', '100.00', '1010');
    const inflow = { '>': [{ var: 'amount' }, 0] };
    const ping = await createEnabledFlow(t, h, 'Ping', fixedTransferGraph(eventTrigger({ event: 'transaction.posted', accountId: checking(h), filter: inflow }), '1.00', checking(h), savings(h)));
    const pong = await createEnabledFlow(t, h, 'Pong', fixedTransferGraph(eventTrigger({ event: 'transaction.posted', accountId: savings(h), filter: inflow }), '1.00', savings(h), checking(h)));
    await postJournal(t, h, 'personal', checking(h), '5.00');
    await drainEvents(scheduler);
    const runs = [...(await runsOf(t.database.knex, ping)), ...(await runsOf(t.database.knex, pong))].sort((a, b) => (a.trigger.depth ?? 0) - (b.trigger.depth ?? 0));
    expect(runs.map((run) => [run.flow_id === ping ? 'ping' : 'pong', run.trigger.depth, run.status])).toEqual([
      ['ping', 0, 'committed'],
      ['pong', 1, 'committed'],
      ['ping', 2, 'committed'],
      ['pong', 3, 'committed'],
      ['ping', 4, 'committed'],
    ]);
    const alerts = (await request(t.app).get('/api/v1/alerts').set(h.auth).expect(200)).body.data as { kind: string; flowId: string; message: string }[];
    expect(alerts.filter((alert) => alert.kind === 'system')).toEqual([expect.objectContaining({ flowId: pong, message: expect.stringMatching(/Pong was not started: 5 flows in a row triggered each other \(limit 5\)/) })]);
    expect(await scheduler.dispatchLedgerEvents()).toBe(0);
    expect(await t.database.knex('flow_runs').whereIn('flow_id', [ping, pong]).count<{ n: bigint }[]>({ n: '*' })).toEqual([{ n: 5n }]);
  });
});

describe('balance triggers fire on the crossing only', () => {
  let h: Household;
  let below: string;
  let above: string;
  beforeAll(async () => {
    h = await createHousehold(t.app);
    await fund(t, h, 'personal', '2000.00');
    await fund(t, h, 'personal', '5000.00', '1010');
    below = await createEnabledFlow(t, h, 'Checking low', alertGraph({ event: 'balance.below', accountId: checking(h), threshold: '1000.00' }, 'Checking fell below 1,000'));
    above = await createEnabledFlow(t, h, 'Checking high', alertGraph({ event: 'balance.above', accountId: checking(h), threshold: '1200.00' }, 'Checking rose above 1,200'));
  });

  it('balance.below fires when the balance crosses below, not again while it stays below; again after it recovered and crossed again', async () => {
    await payment(t, h, '-500.00'); // 1500
    await drainEvents(scheduler);
    expect(await runsOf(t.database.knex, below)).toHaveLength(0);
    await payment(t, h, '-600.00'); // 900: crossed
    await payment(t, h, '-100.00'); // 800: still below
    await drainEvents(scheduler);
    expect(await runsOf(t.database.knex, below)).toHaveLength(1);
    await payment(t, h, '-50.00'); // 750: still below
    await drainEvents(scheduler);
    expect(await runsOf(t.database.knex, below)).toHaveLength(1);
    await postJournal(t, h, 'personal', checking(h), '500.00'); // 1250: above both thresholds again
    await payment(t, h, '-400.00'); // 850: crossed below again
    await drainEvents(scheduler);
    const runs = await runsOf(t.database.knex, below);
    expect(runs).toHaveLength(2);
    expect(runs.every((run) => run.status === 'committed')).toBe(true);
    // balance.above crossed once (750 → 1250).
    expect(await runsOf(t.database.knex, above)).toHaveLength(1);
    const alerts = (await request(t.app).get('/api/v1/alerts').set(h.auth).expect(200)).body.data as { kind: string; flowId: string }[];
    expect(alerts.filter((alert) => alert.flowId === below).map((alert) => alert.kind)).toEqual(['flow_alert', 'flow_alert']);
    expect(alerts.filter((alert) => alert.flowId === above).map((alert) => alert.kind)).toEqual(['flow_alert']);
  });

  it('one run posting two journals out of checking crosses once: balance.below fires once', async () => {
    // 850 now; top up to 1500, then a flow pays 600 + 500 from checking in two journals (one statement).
    await postJournal(t, h, 'personal', checking(h), '650.00');
    await drainEvents(scheduler);
    const belowBefore = (await runsOf(t.database.knex, below)).length;
    const split: Graph = {
      nodes: [
        node('go', 'trigger.manual'),
        node('amount', 'source.fixed', { amount: '1100.00', accountId: checking(h) }),
        node('split', 'allocate', { outputs: [{ mode: 'fixed', value: '600.00', label: 'Rent' }, { mode: 'remainder', label: 'Rest' }] }),
        node('pay-rent', 'transfer', { toAccountId: savings(h), memo: 'Part 1' }),
        node('pay-rest', 'transfer', { toAccountId: h.account('personal', '1020').id, memo: 'Part 2' }),
      ],
      edges: [signal('e1', 'go', 'amount'), wire('e2', 'amount', 'split'), wire('e3', 'split', 'pay-rent', 'out-0'), wire('e4', 'split', 'pay-rest', 'out-1')],
    };
    const flowId = await createFlow(t, h, 'Two payments', split);
    const run = await request(t.app).post(`/api/v1/flows/${flowId}/runs`).set(h.auth).send({});
    expect(run.status).toBe(201);
    expect(run.body.journalIds).toHaveLength(2);
    expect(await balance(t.database.knex, checking(h))).toBe(40_000n); // 1500 − 1100 = 400
    await drainEvents(scheduler);
    expect((await runsOf(t.database.knex, below)).length - belowBefore).toBe(1);
  });
});

describe('the outbox costs nothing without enabled event flows', () => {
  it('a household with only schedule flows and a disabled event flow writes no ledger_events rows', async () => {
    const h = await createHousehold(t.app);
    await fund(t, h, 'personal', '1000.00');
    await createFlow(t, h, 'Never enabled', sweepGraph({ event: 'transaction.posted', accountId: checking(h) }, savings(h)));
    const scheduled = await createEnabledFlow(t, h, 'Daily', fixedTransferGraph(scheduleTrigger('0 9 * * *'), '5.00', checking(h), savings(h)));
    const wasEnabled = await createEnabledFlow(t, h, 'Was on', sweepGraph({ event: 'transaction.posted', accountId: checking(h) }, savings(h)));
    await request(t.app).post(`/api/v1/flows/${wasEnabled}/disable`).set(h.auth).send().expect(200);
    await postJournal(t, h, 'personal', checking(h), '300.00');
    await payment(t, h, '-20.00');
    await scheduler.handleOccurrence(occurrenceJob(t.container, scheduled, new Date(Date.now() - 1_000)));
    expect((await runsOf(t.database.knex, scheduled))[0]!.status).toBe('committed');
    expect(await outboxRows(h.householdId)).toEqual([]);
    // Another household's event flow does not make this one pay either.
    const other = await createHousehold(t.app);
    await createEnabledFlow(t, other, 'Theirs', sweepGraph({ event: 'transaction.posted', accountId: checking(other) }, savings(other)));
    await postJournal(t, h, 'personal', checking(h), '1.00');
    expect(await outboxRows(h.householdId)).toEqual([]);
  });
});

describe('a transient failure of an event-triggered run', () => {
  it('is retried (the run commits once the database recovers), not lost', async () => {
    const h = await createHousehold(t.app);
    await fund(t, h, 'personal', '100.00');
    const flowId = await createEnabledFlow(t, h, 'Sweep', sweepGraph({ event: 'transaction.posted', accountId: checking(h) }, savings(h)));
    const remove = await injectFailure(t, 'journals', `new.memo = 'Sweep'`);
    let failed: RunRow | undefined;
    try {
      await postJournal(t, h, 'personal', checking(h), '40.00');
      await drainEvents(scheduler);
      [failed] = await runsOf(t.database.knex, flowId);
      expect(failed).toMatchObject({ status: 'failed', error: { permanent: false } });
    } finally {
      await remove();
    }
    // The database is fine again. Dispatching now should finish the run...
    await drainEvents(scheduler);
    // ...and so should a redelivery of the event (as after the claim timeout).
    await t.database.knex('ledger_events').where({ household_id: h.householdId }).update({ processed_at: null, claimed_at: null });
    await drainEvents(scheduler);
    const runs = await runsOf(t.database.knex, flowId);
    expect(runs.map((run) => [run.id, run.status])).toEqual([[failed!.id, 'committed']]);
    expect(await balance(t.database.knex, savings(h))).toBe(4_000n);
  });
});
