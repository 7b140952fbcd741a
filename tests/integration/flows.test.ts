/**
 * Flows over HTTP, against the real database: validation (every problem at once, by node and
 * field), previews (exact, context-sensitive, read-only), runs (one transaction, idempotent, even
 * concurrently), refusals (funds, caps), an injected failure mid-commit, approvals, reverts,
 * versions and the run log.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

let t: TestApp;
let h: Household;
/** A second household: its account ids must be as unknown to h's flows as random ones. */
let other: Household;

// ---------------------------------------------------------------------------------------------
// Graph builders
// ---------------------------------------------------------------------------------------------

interface GraphNode {
  id: string;
  type: string;
  data: Record<string, unknown>;
  position: { x: number; y: number };
}
interface GraphEdge {
  id: string;
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
}
interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}
interface Problem {
  nodeId?: string;
  edgeId?: string;
  field: string;
  message: string;
  code?: string;
}

let column = 0;
const node = (id: string, type: string, data: Record<string, unknown> = {}): GraphNode => ({ id, type, data, position: { x: (column += 220) % 2200, y: 80 } });
const wire = (id: string, source: string, target: string, sourceHandle = 'out', targetHandle = 'in'): GraphEdge => ({ id, source, sourceHandle, target, targetHandle });
const signal = (id: string, source: string, target: string): GraphEdge => wire(id, source, target, 'start', 'start');

const acct = (side: 'personal' | 'llc', codeOrRole: string) => h.account(side, codeOrRole).id;
const llcChecking = () => acct('llc', '1000');
const llcTax = () => acct('llc', '1050');
const checking = () => acct('personal', '1000');
const savings = () => acct('personal', '1010');
const rentCategory = () => acct('personal', '5000');
const funCategory = () => acct('personal', '5120');
const card = () => acct('personal', '2000');

/**
 * The user's example: "when the client payment lands in the LLC account, keep 30% for tax, pay
 * me an owner draw of 50%, and split my draw into rent (fixed 1800), savings (30%) and fun money
 * (remainder)". With `alertFirst`, an alert node sits between the payment and the split.
 */
function paymentSplitGraph(options: { alertFirst?: boolean } = {}): Graph {
  const nodes = [
    node('trigger', 'trigger.event', { event: 'transaction.posted', accountId: llcChecking() }),
    node('payment', 'source.transaction'),
    node('split', 'allocate', {
      outputs: [
        { mode: 'percent', value: '30', label: 'Tax 30%' },
        { mode: 'percent', value: '50', label: 'Owner draw 50%' },
      ],
    }),
    node('tax', 'transfer', { toAccountId: llcTax(), memo: 'Tax set-aside' }),
    node('draw', 'transfer', { toAccountId: checking(), memo: 'Owner draw', kind: 'owner_draw', purpose: 'Owner draw from a client payment' }),
    node('draw-split', 'allocate', {
      outputs: [
        { mode: 'fixed', value: '1800.00', label: 'Rent' },
        { mode: 'percent', value: '30', label: 'Savings' },
        { mode: 'remainder', label: 'Fun money' },
      ],
    }),
    node('rent', 'assign_envelope', { categoryId: rentCategory() }),
    node('savings', 'transfer', { toAccountId: savings(), memo: 'Savings from the draw' }),
    node('fun', 'assign_envelope', { categoryId: funCategory() }),
  ];
  const edges = [
    signal('e1', 'trigger', 'payment'),
    wire('e2', 'payment', 'split'),
    wire('e3', 'split', 'tax', 'out-0'),
    wire('e4', 'split', 'draw', 'out-1'),
    wire('e5', 'draw', 'draw-split'),
    wire('e6', 'draw-split', 'rent', 'out-0'),
    wire('e7', 'draw-split', 'savings', 'out-1'),
    wire('e8', 'draw-split', 'fun', 'out-2'),
  ];
  if (options.alertFirst) {
    nodes.push(node('arrived', 'alert', { message: 'Client payment of {amount} arrived', level: 'info' }));
    edges.splice(1, 1, wire('e2', 'payment', 'arrived'), wire('e2b', 'arrived', 'split'));
  }
  return { nodes, edges };
}

/** manual → fixed amount (sitting in `from`) → transfer to `to`. */
function fixedTransferGraph(amount: string, from: string, to: string, memo = 'Fixed transfer'): Graph {
  return {
    nodes: [node('go', 'trigger.manual'), node('amount', 'source.fixed', { amount, accountId: from }), node('move', 'transfer', { toAccountId: to, memo })],
    edges: [signal('e1', 'go', 'amount'), wire('e2', 'amount', 'move')],
  };
}

/** manual → balance of `from` above `keep` → approval → transfer to `to`. */
function approvalGraph(from: string, keep: string, to: string): Graph {
  return {
    nodes: [
      node('go', 'trigger.manual'),
      node('surplus', 'source.balance', { accountId: from, keep }),
      node('approve', 'approval', { note: 'Sweep the surplus?' }),
      node('sweep', 'transfer', { toAccountId: to, memo: 'Approved sweep' }),
    ],
    edges: [signal('e1', 'go', 'surplus'), wire('e2', 'surplus', 'approve'), wire('e3', 'approve', 'sweep')],
  };
}

const paymentTrigger = (amount: string) => ({ type: 'event', transaction: { accountId: llcChecking(), amount, payee: 'Acme Corp', memo: 'Invoice 42' } });

// ---------------------------------------------------------------------------------------------
// HTTP and database helpers
// ---------------------------------------------------------------------------------------------

const get = (path: string) => request(t.app).get(`/api/v1${path}`).set(h.auth);
const post = (path: string, body?: object, key?: string) => {
  let req = request(t.app).post(`/api/v1${path}`).set(h.auth);
  if (key) req = req.set('Idempotency-Key', key);
  return body === undefined ? req : req.send(body);
};
const put = (path: string, body: object) => request(t.app).put(`/api/v1${path}`).set(h.auth).send(body);
const del = (path: string) => request(t.app).delete(`/api/v1${path}`).set(h.auth);

async function expectStatus(response: request.Response | Promise<request.Response> | request.Test, status: number): Promise<any> {
  const answer = await response;
  expect(answer.status, answer.text.slice(0, 1500)).toBe(status);
  return answer.headers['content-type']?.startsWith('application/problem+json') ? JSON.parse(answer.text) : answer.body;
}

async function createFlow(name: string, graph: Graph, settings: Record<string, unknown> = { currency: 'USD' }): Promise<{ id: string; problems: Problem[]; version: number }> {
  return expectStatus(post('/flows', { name, graph, settings }), 201);
}

async function createValidFlow(name: string, graph: Graph, settings?: Record<string, unknown>): Promise<string> {
  const flow = await createFlow(name, graph, settings);
  expect(flow.problems, JSON.stringify(flow.problems)).toEqual([]);
  return flow.id;
}

const ledgerTables = ['journals', 'postings', 'inter_entity_transfers', 'envelope_assignments'] as const;
const everyTable = [...ledgerTables, 'flow_runs', 'alerts', 'flows', 'flow_versions', 'audit_log', 'idempotency_keys'] as const;

async function rowCounts(tables: readonly string[] = everyTable): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table] = Number((await t.database.knex(table).count<{ n: bigint }[]>({ n: '*' }))[0]!.n);
  return counts;
}

async function countWhere(table: string, where: Record<string, unknown>): Promise<number> {
  return Number((await t.database.knex(table).where(where).count<{ n: bigint }[]>({ n: '*' }))[0]!.n);
}

/** Every account of a household (pair accounts included) → debit-positive minor units. */
async function householdBalances(household: Household = h): Promise<Map<string, bigint>> {
  const rows: { id: string; balance_minor: bigint }[] = await t.database
    .knex('accounts as a')
    .join('entities as e', 'e.id', 'a.entity_id')
    .where('e.household_id', household.householdId)
    .select('a.id', 'a.balance_minor');
  return new Map(rows.map((row) => [row.id, BigInt(row.balance_minor)]));
}

async function balanceOf(accountId: string): Promise<string> {
  return (await expectStatus(get(`/accounts/${accountId}`), 200)).balance;
}

/** "1234.57" → 123457n (two decimals, the tests' currency is USD). */
function minor(amount: string): bigint {
  const negative = amount.startsWith('-');
  const [whole, fraction = ''] = amount.replace('-', '').split('.');
  const value = BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
  return negative ? -value : value;
}
const sum = (amounts: string[]) => amounts.reduce((total, amount) => total + minor(amount), 0n);
const show = (value: bigint) => `${value < 0n ? '-' : ''}${(value < 0n ? -value : value) / 100n}.${String((value < 0n ? -value : value) % 100n).padStart(2, '0')}`;

function balanceDelta(before: Map<string, bigint>, after: Map<string, bigint>, accountId: string): string {
  return show((after.get(accountId) ?? 0n) - (before.get(accountId) ?? 0n));
}

async function createAccount(side: 'personal' | 'llc', name: string, subtype: string, allowOverdraft = false): Promise<string> {
  const account = await expectStatus(post(`/entities/${h[side].id}/accounts`, { name, type: 'asset', subtype, allowOverdraft }), 201);
  return account.id;
}

async function postJournal(side: 'personal' | 'llc', memo: string, lines: [accountId: string, amount: string][]): Promise<string> {
  const journal = await expectStatus(post(`/entities/${h[side].id}/journals`, { date: '2026-01-02', memo, postings: lines.map(([accountId, amount]) => ({ accountId, amount })) }), 201);
  return journal.id;
}

const deposit = (side: 'personal' | 'llc', accountId: string, amount: string) => postJournal(side, 'Opening balance', [[accountId, amount], [acct(side, 'opening_balance'), `-${amount}`]]);

async function alertsOf(runId: string): Promise<{ kind: string; level: string; message: string }[]> {
  return t.database.knex('alerts').where({ flow_run_id: runId }).orderBy('created_at').select('kind', 'level', 'message');
}

beforeAll(async () => {
  t = await startTestApp();
  [h, other] = [await createHousehold(t.app), await createHousehold(t.app)];
  await deposit('llc', llcChecking(), '50000.00');
  await deposit('personal', checking(), '5000.00');
  await deposit('personal', savings(), '1000.00');
});

afterAll(async () => {
  await t?.close();
});

// ---------------------------------------------------------------------------------------------
// 1. Validation: every problem at once, each naming its node and field
// ---------------------------------------------------------------------------------------------

describe('saving a flow reports every problem at once, each by node and field', () => {
  /** One graph with a problem of every kind but a cycle; node indexes matter for the pointers. */
  function everythingWrong(): Graph {
    return {
      nodes: [
        /* 0 */ node('start', 'trigger.manual'),
        /* 1 */ node('mystery', 'teleport', { where: 'anywhere' }),
        /* 2 */ node('no-destination', 'transfer', { memo: 'Where to?' }),
        /* 3 */ node('too-much', 'allocate', { outputs: [{ mode: 'percent', value: '130' }] }),
        /* 4 */ node('odd-cents', 'source.fixed', { amount: '1.234', accountId: checking() }),
        /* 5 */ node('bad-clock', 'trigger.schedule', { cron: '61 * * * *', timezone: 'Mars/Olympus_Mons' }),
        /* 6 */ node('ghost', 'transfer', { fromAccountId: randomUUID(), toAccountId: other.account('personal', '1000').id }),
        /* 7 */ node('undocumented', 'transfer', { fromAccountId: llcChecking(), toAccountId: checking() }),
        /* 8 */ node('greedy', 'allocate', { outputs: [{ mode: 'percent', value: '70' }, { mode: 'percent', value: '40' }] }),
        /* 9 */ node('lonely', 'transfer', { fromAccountId: checking(), toAccountId: savings() }),
        /* 10 */ node('amount', 'source.fixed', { amount: '100.00', accountId: llcChecking() }),
        /* 11 */ node('wrongly-wired', 'source.balance', { accountId: checking() }),
      ],
      edges: [
        /* 0 */ signal('e-start', 'start', 'amount'),
        /* 1 */ wire('e-undocumented', 'amount', 'undocumented'),
        /* 2 */ wire('e-reused', 'amount', 'greedy'),
        /* 3 */ wire('e-kind', 'amount', 'wrongly-wired', 'out', 'start'),
      ],
    };
  }

  const expectedProblems = (): Partial<Problem>[] => [
    { nodeId: 'mystery', field: '/nodes/1/type', code: 'unknown_node_type' },
    { nodeId: 'no-destination', field: '/nodes/2/data/toAccountId', code: 'required' },
    { nodeId: 'too-much', field: '/nodes/3/data/outputs/0/value', code: 'invalid_percent' },
    { nodeId: 'odd-cents', field: '/nodes/4/data/amount', code: 'too_many_decimals' },
    { nodeId: 'bad-clock', field: '/nodes/5/data/cron', code: 'invalid_cron' },
    { nodeId: 'bad-clock', field: '/nodes/5/data/timezone', code: 'unknown_time_zone' },
    { field: '/nodes', code: 'trigger_count' },
    { nodeId: 'ghost', field: '/nodes/6/data/fromAccountId', code: 'unknown_account' },
    { nodeId: 'ghost', field: '/nodes/6/data/toAccountId', code: 'unknown_account' },
    { nodeId: 'undocumented', field: '/nodes/7/data/kind', code: 'inter_entity_kind_required' },
    { nodeId: 'undocumented', field: '/nodes/7/data/purpose', code: 'inter_entity_purpose_required' },
    { nodeId: 'greedy', field: '/nodes/8/data/outputs', code: 'over_allocated' },
    { nodeId: 'lonely', field: '/nodes/9', code: 'not_connected' },
    { edgeId: 'e-reused', field: '/edges/2/sourceHandle', code: 'money_output_reused' },
    { edgeId: 'e-kind', field: '/edges/3/targetHandle', code: 'handle_kind_mismatch' },
  ];

  /** Every problem is a JSON pointer with a message; a pointer into /nodes/i names node i, /edges/i edge i. */
  function expectWellFormed(problems: Problem[], graph: Graph): void {
    for (const problem of problems) {
      expect(problem.field, JSON.stringify(problem)).toMatch(/^\/(nodes|edges|settings)(\/|$)/);
      expect(problem.message, JSON.stringify(problem)).toEqual(expect.any(String));
      const nodeIndex = problem.field.match(/^\/nodes\/(\d+)/)?.[1];
      if (nodeIndex !== undefined) expect(problem.nodeId, JSON.stringify(problem)).toBe(graph.nodes[Number(nodeIndex)]!.id);
      const edgeIndex = problem.field.match(/^\/edges\/(\d+)/)?.[1];
      if (edgeIndex !== undefined) expect(problem.edgeId, JSON.stringify(problem)).toBe(graph.edges[Number(edgeIndex)]!.id);
    }
  }

  it('POST /flows/validate lists them all, by node and JSON pointer, and writes nothing', async () => {
    const before = await rowCounts();
    const graph = everythingWrong();
    const body = await expectStatus(post('/flows/validate', { graph, settings: { currency: 'USD' } }), 200);
    expect(body.problems).toEqual(expect.arrayContaining(expectedProblems().map((problem) => expect.objectContaining(problem))));
    expectWellFormed(body.problems, graph);
    // The messages say what is wrong in words a person can act on.
    const byField = (field: string) => body.problems.find((problem: Problem) => problem.field === field)?.message as string;
    expect(byField('/nodes/1/type')).toContain('teleport');
    expect(byField('/nodes/6/data/toAccountId')).toMatch(/no such account/);
    expect(byField('/nodes/8/data/outputs')).toMatch(/110%/);
    expect(await rowCounts()).toEqual(before);
  });

  it('POST /flows saves the draft (201) with the same problems, and GET /flows/:id shows them', async () => {
    const graph = everythingWrong();
    const validated = (await expectStatus(post('/flows/validate', { graph, settings: { currency: 'USD' } }), 200)).problems;
    const flow = await createFlow('Everything wrong', graph);
    expect(flow.version).toBe(1);
    expect(flow.problems).toEqual(validated);
    expect((await expectStatus(get(`/flows/${flow.id}`), 200)).problems).toEqual(validated);
  });

  it('a flow with problems refuses to run: 422 run_failed listing them, the run recorded as failed, nothing posted', async () => {
    const graph = everythingWrong();
    const flow = await createFlow('Cannot run', graph);
    const before = await rowCounts(ledgerTables);
    const answer = await post(`/flows/${flow.id}/runs`, {}, `invalid-${randomUUID()}`);
    const body = await expectStatus(answer, 422);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(body).toMatchObject({ status: 422, code: 'run_failed', detail: expect.stringMatching(/problem/) });
    expect(body.errors).toEqual(flow.problems);
    expect(body.run).toMatchObject({ flowId: flow.id, version: 1, status: 'failed', plan: null, journalIds: [], transferIds: [] });
    const run = await expectStatus(get(`/runs/${body.run.id}`), 200);
    expect(run).toMatchObject({ status: 'failed', error: { message: body.detail, problems: flow.problems } });
    expect(run.finishedAt).toEqual(expect.any(String));
    expect((await alertsOf(run.id)).map((alert) => alert.kind)).toEqual(['run_failed']);
    expect(await rowCounts(ledgerTables)).toEqual(before);
  });

  it('a cycle is reported with a node on it', async () => {
    // "amount" feeds the loop but is not on it.
    const graph: Graph = {
      nodes: [
        node('go', 'trigger.manual'),
        node('amount', 'source.fixed', { amount: '10.00', accountId: checking() }),
        node('x', 'transfer', { toAccountId: savings() }),
        node('y', 'transfer', { toAccountId: checking() }),
      ],
      edges: [signal('e1', 'go', 'amount'), wire('e2', 'amount', 'x'), wire('e3', 'x', 'y'), wire('e4', 'y', 'x')],
    };
    const { problems } = await expectStatus(post('/flows/validate', { graph }), 200);
    const cycle = problems.find((problem: Problem) => problem.code === 'cycle');
    expect(cycle, JSON.stringify(problems)).toMatchObject({ field: '/edges', message: expect.stringMatching(/cycle/) });
    expect(['x', 'y']).toContain(cycle.nodeId);
  });

  it('a cycle does not hide the other problems: they are all still reported', async () => {
    const graph = everythingWrong();
    // A cycle between two transfers, on top of everything else.
    graph.nodes.push(node('loop-a', 'transfer', { fromAccountId: checking(), toAccountId: savings() }), node('loop-b', 'transfer', { fromAccountId: savings(), toAccountId: checking() }));
    graph.edges.push(wire('e-loop-1', 'loop-a', 'loop-b'), wire('e-loop-2', 'loop-b', 'loop-a'));
    const { problems } = await expectStatus(post('/flows/validate', { graph }), 200);
    expect(problems).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'cycle' }), ...expectedProblems().map((problem) => expect.objectContaining(problem))]));
    expect(['loop-a', 'loop-b']).toContain(problems.find((problem: Problem) => problem.code === 'cycle')?.nodeId);
  });

  it('zero triggers and two triggers are each reported', async () => {
    const none: Graph = { nodes: [node('amount', 'source.fixed', { amount: '10.00', accountId: checking() }), node('move', 'transfer', { toAccountId: savings() })], edges: [wire('e1', 'amount', 'move')] };
    const noneProblems = (await expectStatus(post('/flows/validate', { graph: none }), 200)).problems;
    expect(noneProblems).toEqual(expect.arrayContaining([expect.objectContaining({ field: '/nodes', code: 'trigger_count', message: expect.stringMatching(/add a trigger/) })]));
    const two = fixedTransferGraph('10.00', checking(), savings());
    two.nodes.push(node('also', 'trigger.schedule', { cron: '0 9 1 * *', timezone: 'America/New_York' }));
    const twoProblems = (await expectStatus(post('/flows/validate', { graph: two }), 200)).problems;
    expect(twoProblems).toEqual([expect.objectContaining({ field: '/nodes', code: 'trigger_count', message: expect.stringMatching(/2/) })]);
  });

  it('a valid flow has no problems, and bad settings are reported under /settings', async () => {
    const graph = paymentSplitGraph();
    expect((await expectStatus(post('/flows/validate', { graph, settings: { currency: 'USD', maxPerRun: '20000.00' } }), 200)).problems).toEqual([]);
    const { problems } = await expectStatus(post('/flows/validate', { graph, settings: { currency: 'USD', maxPerRun: '1.234' } }), 200);
    expect(problems).toEqual([expect.objectContaining({ field: '/settings/maxPerRun', code: 'too_many_decimals' })]);
  });

  it('accounts of the other household are unknown, wherever they appear', async () => {
    const graph = paymentSplitGraph();
    const foreign = (side: 'personal' | 'llc', code: string) => other.account(side, code).id;
    graph.nodes[0]!.data.accountId = foreign('llc', '1000');
    graph.nodes[3]!.data.toAccountId = foreign('llc', '1050');
    graph.nodes[6]!.data.categoryId = foreign('personal', '5000');
    const { problems } = await expectStatus(post('/flows/validate', { graph }), 200);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ nodeId: 'trigger', field: '/nodes/0/data/accountId', code: 'unknown_account' }),
        expect.objectContaining({ nodeId: 'tax', field: '/nodes/3/data/toAccountId', code: 'unknown_account' }),
        expect.objectContaining({ nodeId: 'rent', field: '/nodes/6/data/categoryId', code: 'unknown_account' }),
      ]),
    );
    for (const problem of problems as Problem[]) expect(problem.message).not.toMatch(/Checking|Tax Reserve|Rent/);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Preview: exact, shaped by the context, and read-only
// ---------------------------------------------------------------------------------------------

describe('preview', () => {
  let before: Record<string, number>;
  let balancesBefore: Map<string, bigint>;
  let flowId: string;
  beforeAll(async () => {
    flowId = await createValidFlow('Client payment split (preview)', paymentSplitGraph());
    before = await rowCounts();
    balancesBefore = await householdBalances();
  });

  const previewGraph = (trigger: object, date: string, extra: object = {}) => post('/flows/preview', { graph: paymentSplitGraph(), settings: { currency: 'USD' }, trigger, date, ...extra });

  it('10,000.00 lands in the LLC: 3,000 tax, 5,000 owner draw split into 1,800 rent, 1,500 savings and 1,700 fun money', async () => {
    const body = await expectStatus(previewGraph(paymentTrigger('10000.00'), '2026-03-15'), 200);
    expect(body.problems).toEqual([]);
    const plan = body.plan;
    expect(plan).toMatchObject({ currency: 'USD', date: '2026-03-15', moved: '9500.00', blockers: [], needsApproval: false });
    // Effects, in the flow's deterministic order.
    expect(plan.effects).toEqual([
      { type: 'transfer', nodeId: 'draw', fromAccountId: llcChecking(), toAccountId: checking(), memo: 'Owner draw', kind: 'owner_draw', purpose: 'Owner draw from a client payment', amount: '5000.00' },
      { type: 'assign_envelope', nodeId: 'fun', categoryId: funCategory(), month: '2026-03', amount: '1700.00' },
      { type: 'assign_envelope', nodeId: 'rent', categoryId: rentCategory(), month: '2026-03', amount: '1800.00' },
      { type: 'transfer', nodeId: 'savings', fromAccountId: checking(), toAccountId: savings(), memo: 'Savings from the draw', amount: '1500.00' },
      { type: 'transfer', nodeId: 'tax', fromAccountId: llcChecking(), toAccountId: llcTax(), memo: 'Tax set-aside', amount: '3000.00' },
    ]);
    // Every money edge with its amount (the start signal carries none).
    expect(plan.edges).toEqual([
      { edgeId: 'e2', amount: '10000.00' },
      { edgeId: 'e3', amount: '3000.00' },
      { edgeId: 'e4', amount: '5000.00' },
      { edgeId: 'e5', amount: '5000.00' },
      { edgeId: 'e6', amount: '1800.00' },
      { edgeId: 'e7', amount: '1500.00' },
      { edgeId: 'e8', amount: '1700.00' },
    ]);
    // A trace entry per node, each ran.
    expect(plan.trace.map((entry: { nodeId: string; status: string }) => [entry.nodeId, entry.status])).toEqual(
      ['trigger', 'payment', 'split', 'draw', 'draw-split', 'fun', 'rent', 'savings', 'tax'].map((id) => [id, 'ran']),
    );
    const trace = (id: string) => plan.trace.find((entry: { nodeId: string }) => entry.nodeId === id);
    expect(trace('trigger').outputs).toEqual({ start: 'fired' });
    expect(trace('payment').outputs).toEqual({ out: '10000.00' });
    expect(trace('split')).toMatchObject({ inputs: { in: '10000.00' }, outputs: { 'out-0': '3000.00', 'out-1': '5000.00' } });
    expect(trace('split').warnings).toEqual([expect.stringContaining('2000.00 stays unallocated')]);
    expect(trace('draw-split')).toMatchObject({ inputs: { in: '5000.00' }, outputs: { 'out-0': '1800.00', 'out-1': '1500.00', 'out-2': '1700.00' }, warnings: [] });
    expect(trace('tax')).toMatchObject({ inputs: { in: '3000.00' }, outputs: { out: '3000.00' }, decision: expect.stringContaining('3000.00') });
    // Balances it would leave: before is today's balance, after is before plus the movement.
    const change = (accountId: string) => plan.balances.find((entry: { accountId: string }) => entry.accountId === accountId);
    for (const [accountId, delta] of [
      [llcChecking(), '-8000.00'],
      [llcTax(), '3000.00'],
      [checking(), '3500.00'],
      [savings(), '1500.00'],
    ] as const) {
      expect(change(accountId), accountId).toBeDefined();
      expect(minor(change(accountId).before)).toBe(balancesBefore.get(accountId));
      expect(show(minor(change(accountId).after) - minor(change(accountId).before))).toBe(delta);
    }
  });

  it('the saved flow previews exactly the same plan (POST /flows/:id/preview)', async () => {
    const unsaved = (await expectStatus(previewGraph(paymentTrigger('10000.00'), '2026-03-15'), 200)).plan;
    const saved = await expectStatus(post(`/flows/${flowId}/preview`, { trigger: paymentTrigger('10000.00'), date: '2026-03-15' }), 200);
    expect(saved).toMatchObject({ flowId, version: 1, problems: [] });
    expect(saved.plan).toEqual(unsaved);
  });

  it('12,345.67: every cent lands somewhere, and the parts sum exactly', async () => {
    const { plan } = await expectStatus(previewGraph(paymentTrigger('12345.67'), '2026-04-30'), 200);
    const amounts = Object.fromEntries(plan.effects.map((effect: { nodeId: string; amount: string }) => [effect.nodeId, effect.amount]));
    expect(amounts).toEqual({ tax: '3703.70', draw: '6172.84', rent: '1800.00', savings: '1851.85', fun: '2520.99' });
    const trace = (id: string) => plan.trace.find((entry: { nodeId: string }) => entry.nodeId === id);
    expect(trace('split').warnings).toEqual([expect.stringContaining('2469.13 stays unallocated')]);
    expect(show(sum(Object.values(trace('split').outputs)) + minor('2469.13'))).toBe('12345.67');
    expect(show(sum(Object.values(trace('draw-split').outputs)))).toBe('6172.84');
    expect(plan.moved).toBe(show(minor('3703.70') + minor('6172.84') + minor('1851.85')));
  });

  it('1,234.57: the fixed rent takes the whole draw; nothing is invented for savings or fun', async () => {
    const { plan } = await expectStatus(previewGraph(paymentTrigger('1234.57'), '2026-05-31'), 200);
    expect(plan.effects.map((effect: { nodeId: string; amount: string }) => [effect.nodeId, effect.amount])).toEqual([
      ['draw', '617.29'],
      ['rent', '617.29'],
      ['tax', '370.37'],
    ]);
    expect(plan.edges).toEqual([
      { edgeId: 'e2', amount: '1234.57' },
      { edgeId: 'e3', amount: '370.37' },
      { edgeId: 'e4', amount: '617.29' },
      { edgeId: 'e5', amount: '617.29' },
      { edgeId: 'e6', amount: '617.29' },
      { edgeId: 'e7', amount: '0.00' },
      { edgeId: 'e8', amount: '0.00' },
    ]);
    const trace = (id: string) => plan.trace.find((entry: { nodeId: string }) => entry.nodeId === id);
    expect(show(sum(Object.values(trace('split').outputs)) + minor('246.91'))).toBe('1234.57');
    expect(trace('split').warnings).toEqual([expect.stringContaining('246.91 stays unallocated')]);
    expect(trace('draw-split').outputs).toEqual({ 'out-0': '617.29', 'out-1': '0.00', 'out-2': '0.00' });
    expect(trace('draw-split').warnings).toEqual([expect.stringMatching(/less than the percentages ask for/)]);
    expect(trace('savings')).toMatchObject({ status: 'skipped' });
    expect(trace('fun')).toMatchObject({ status: 'skipped' });
    expect(plan.moved).toBe('987.66');
  });

  it.each(['0.01', '0.03', '1.00', '99.99', '333.33', '4999.99', '77777.77'])('%s: shares within a cent of 30%% and 50%%, and the draw split sums exactly', async (amount) => {
    const { plan } = await expectStatus(previewGraph(paymentTrigger(amount), '2026-06-01'), 200);
    const trace = (id: string) => plan.trace.find((entry: { nodeId: string }) => entry.nodeId === id);
    const input = minor(amount);
    const tax = minor(trace('split').outputs['out-0']);
    const draw = minor(trace('split').outputs['out-1']);
    const off = (part: bigint, basisPoints: bigint) => (part * 10_000n - input * basisPoints < 0n ? input * basisPoints - part * 10_000n : part * 10_000n - input * basisPoints);
    expect(off(tax, 3000n)).toBeLessThan(10_000n);
    expect(off(draw, 5000n)).toBeLessThan(10_000n);
    expect(tax + draw).toBeLessThanOrEqual(input);
    if (draw > 0n) expect(sum(Object.values(trace('draw-split').outputs))).toBe(draw);
    const moved = plan.effects.filter((effect: { type: string }) => effect.type === 'transfer').map((effect: { amount: string }) => effect.amount);
    expect(plan.moved).toBe(show(sum(moved)));
  });

  it('pretend balances change the plan', async () => {
    const graph: Graph = {
      nodes: [node('go', 'trigger.manual'), node('surplus', 'source.balance', { accountId: checking(), keep: '1000.00' }), node('sweep', 'transfer', { toAccountId: savings(), memo: 'Sweep' })],
      edges: [signal('e1', 'go', 'surplus'), wire('e2', 'surplus', 'sweep')],
    };
    const rich = (await expectStatus(post('/flows/preview', { graph, date: '2026-06-01', balances: { [checking()]: '2500.00' } }), 200)).plan;
    expect(rich.effects).toEqual([{ type: 'transfer', nodeId: 'sweep', fromAccountId: checking(), toAccountId: savings(), memo: 'Sweep', amount: '1500.00' }]);
    expect(rich.balances).toEqual(expect.arrayContaining([{ accountId: checking(), name: 'Checking', before: '2500.00', after: '1000.00' }]));
    const poor = (await expectStatus(post('/flows/preview', { graph, date: '2026-06-01', balances: { [checking()]: '800.00' } }), 200)).plan;
    expect(poor.effects).toEqual([]);
    expect(poor.trace.find((entry: { nodeId: string }) => entry.nodeId === 'sweep')).toMatchObject({ status: 'skipped' });
    const real = (await expectStatus(post('/flows/preview', { graph, date: '2026-06-01' }), 200)).plan;
    expect(real.effects[0].amount).toBe(show((balancesBefore.get(checking()) ?? 0n) - minor('1000.00')));
  });

  it('the date changes the plan: envelope month, and a condition on the day', async () => {
    const march = (await expectStatus(previewGraph(paymentTrigger('10000.00'), '2026-03-15'), 200)).plan;
    const july = (await expectStatus(previewGraph(paymentTrigger('10000.00'), '2026-07-01'), 200)).plan;
    expect(march.effects.filter((effect: { type: string }) => effect.type === 'assign_envelope').map((effect: { month: string }) => effect.month)).toEqual(['2026-03', '2026-03']);
    expect(july.effects.filter((effect: { type: string }) => effect.type === 'assign_envelope').map((effect: { month: string }) => effect.month)).toEqual(['2026-07', '2026-07']);
    const graph: Graph = {
      nodes: [
        node('go', 'trigger.manual'),
        node('fifty', 'source.fixed', { amount: '50.00', accountId: checking() }),
        node('first', 'condition', { label: 'On the 1st', logic: { '==': [{ var: 'date.day' }, 1] } }),
        node('save', 'transfer', { toAccountId: savings(), memo: 'First-of-month saving' }),
        node('later', 'alert', { message: 'Not the 1st: {amount} stays put', level: 'info' }),
      ],
      edges: [signal('e1', 'go', 'fifty'), wire('e2', 'fifty', 'first'), wire('e3', 'first', 'save', 'true'), wire('e4', 'first', 'later', 'false')],
    };
    const first = (await expectStatus(post('/flows/preview', { graph, date: '2026-05-01' }), 200)).plan;
    expect(first.effects).toEqual([{ type: 'transfer', nodeId: 'save', fromAccountId: checking(), toAccountId: savings(), memo: 'First-of-month saving', amount: '50.00' }]);
    const second = (await expectStatus(post('/flows/preview', { graph, date: '2026-05-02' }), 200)).plan;
    expect(second.effects).toEqual([{ type: 'alert', nodeId: 'later', level: 'info', message: 'Not the 1st: 50.00 stays put' }]);
  });

  it('without a trigger transaction the event flow previews zero, with a warning', async () => {
    const { plan } = await expectStatus(post(`/flows/${flowId}/preview`, { date: '2026-03-15' }), 200);
    expect(plan.effects).toEqual([]);
    expect(plan.trace.find((entry: { nodeId: string }) => entry.nodeId === 'payment').warnings).toEqual([expect.stringMatching(/not started by a transaction/)]);
  });

  it('a flow with problems previews as its problems, no plan', async () => {
    const graph = paymentSplitGraph();
    delete graph.nodes[3]!.data.toAccountId;
    const body = await expectStatus(post('/flows/preview', { graph, trigger: paymentTrigger('10.00') }), 200);
    expect(body.plan).toBeNull();
    expect(body.problems).toEqual([expect.objectContaining({ nodeId: 'tax', field: '/nodes/3/data/toAccountId', code: 'required' })]);
  });

  it('nothing was written by any preview: journals, postings, transfers, runs, envelopes, alerts, audit, balances', async () => {
    expect(await rowCounts()).toEqual(before);
    expect(await householdBalances()).toEqual(balancesBefore);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Runs: one transaction, once per key
// ---------------------------------------------------------------------------------------------

describe('running a flow', () => {
  let flowId: string;
  beforeAll(async () => {
    flowId = await createValidFlow('Client payment split', paymentSplitGraph());
  });

  const run = (key: string, amount = '10000.00', date = '2026-03-15') => post(`/flows/${flowId}/runs`, { trigger: paymentTrigger(amount), date }, key);
  let first: any;

  it('commits every effect in one run: journals and the inter-entity transfer carry the run', async () => {
    const balancesBefore = await householdBalances();
    const countsBefore = await rowCounts(ledgerTables);
    first = await expectStatus(run('payment-1'), 201);
    expect(first).toMatchObject({ flowId, version: 1, status: 'committed', error: null, revertedAt: null });
    expect(first.plan).toMatchObject({ moved: '9500.00', date: '2026-03-15' });
    expect(first.journalIds).toHaveLength(4);
    expect(first.transferIds).toHaveLength(1);
    // GET /runs/:id is the same view.
    expect(await expectStatus(get(`/runs/${first.id}`), 200)).toEqual(first);
    // Journals carry the run.
    const journals = await t.database.knex('journals').whereIn('id', first.journalIds).select('id', 'flow_run_id', 'source', 'date', 'inter_entity_transfer_id');
    expect(journals).toHaveLength(4);
    for (const journal of journals) expect(journal).toMatchObject({ flow_run_id: first.id, date: '2026-03-15' });
    expect(await countWhere('journals', { flow_run_id: first.id })).toBe(4);
    // The owner draw is a documented inter-entity transfer of the run.
    const transfer = await expectStatus(get(`/inter-entity-transfers/${first.transferIds[0]}`), 200);
    expect(transfer).toMatchObject({ flowRunId: first.id, kind: 'owner_draw', amount: '5000.00', fromAccountId: llcChecking(), toAccountId: checking(), purpose: 'Owner draw from a client payment', reversed: false });
    expect(journals.filter((journal: { inter_entity_transfer_id: string | null }) => journal.inter_entity_transfer_id === transfer.id)).toHaveLength(2);
    // Envelopes got their jobs.
    const envelopes = await t.database.knex('envelope_assignments').where({ flow_run_id: first.id }).orderBy('amount_minor').select('category_account_id', 'month', 'amount_minor');
    expect(envelopes.map((row: { category_account_id: string; month: string; amount_minor: bigint }) => [row.category_account_id, row.month, String(row.amount_minor)])).toEqual([
      [funCategory(), '2026-03', '170000'],
      [rentCategory(), '2026-03', '180000'],
    ]);
    // Balances moved exactly as planned.
    const balancesAfter = await householdBalances();
    expect(balanceDelta(balancesBefore, balancesAfter, llcChecking())).toBe('-8000.00');
    expect(balanceDelta(balancesBefore, balancesAfter, llcTax())).toBe('3000.00');
    expect(balanceDelta(balancesBefore, balancesAfter, checking())).toBe('3500.00');
    expect(balanceDelta(balancesBefore, balancesAfter, savings())).toBe('1500.00');
    const countsAfter = await rowCounts(ledgerTables);
    expect(countsAfter.journals! - countsBefore.journals!).toBe(4);
    expect(countsAfter.inter_entity_transfers! - countsBefore.inter_entity_transfers!).toBe(1);
    expect(countsAfter.envelope_assignments! - countsBefore.envelope_assignments!).toBe(2);
    expect(await countWhere('audit_log', { action: 'flow_run.commit', resource_id: first.id })).toBe(1);
  });

  it('the same Idempotency-Key again returns the same run, and posts nothing more', async () => {
    const before = await rowCounts();
    const balancesBefore = await householdBalances();
    const again = await expectStatus(run('payment-1'), 201);
    expect(again.id).toBe(first.id);
    expect(again).toMatchObject({ status: 'committed', version: 1, journalIds: first.journalIds, transferIds: first.transferIds });
    expect(await rowCounts()).toEqual(before);
    expect(await householdBalances()).toEqual(balancesBefore);
  });

  it('the same key with a different body is a 409 and posts nothing', async () => {
    const before = await rowCounts();
    const answer = await run('payment-1', '10000.00', '2026-03-16');
    const body = await expectStatus(answer, 409);
    expect(body.code).toBe('idempotency_key_reused');
    expect(await rowCounts()).toEqual(before);
  });

  it('two concurrent requests with one key: exactly one committed run and one set of journals', async () => {
    const key = `race-${randomUUID()}`;
    const journalsBefore = (await rowCounts(ledgerTables)).journals;
    const balancesBefore = await householdBalances();
    const [a, b] = await Promise.all([run(key), run(key)]);
    expect(a.status, a.text).toBe(201);
    expect(b.status, b.text).toBe(201);
    expect(a.body.id).toBe(b.body.id);
    const runs = await t.database.knex('flow_runs').where({ flow_id: flowId, idempotency_key: `client:${key}` }).select('id', 'status');
    expect(runs).toEqual([{ id: a.body.id, status: 'committed' }]);
    expect(await countWhere('journals', { flow_run_id: a.body.id })).toBe(4);
    expect(await countWhere('inter_entity_transfers', { flow_run_id: a.body.id })).toBe(1);
    expect(await countWhere('envelope_assignments', { flow_run_id: a.body.id })).toBe(2);
    expect((await rowCounts(ledgerTables)).journals! - journalsBefore!).toBe(4);
    expect(balanceDelta(balancesBefore, await householdBalances(), llcChecking())).toBe('-8000.00');
  });

  it('without a key every request is its own run', async () => {
    const a = await expectStatus(post(`/flows/${flowId}/runs`, { trigger: paymentTrigger('100.00'), date: '2026-03-20' }), 201);
    const b = await expectStatus(post(`/flows/${flowId}/runs`, { trigger: paymentTrigger('100.00'), date: '2026-03-20' }), 201);
    expect(a.id).not.toBe(b.id);
    expect(a.idempotencyKey).not.toBe(b.idempotencyKey);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Refusals: insufficient funds, caps; overdraft where allowed
// ---------------------------------------------------------------------------------------------

describe('runs that must not commit, and overdrafts that may', () => {
  it('insufficient funds: 422 naming the account, the run recorded failed, nothing posted', async () => {
    const vacation = await createAccount('personal', 'Vacation Fund', 'savings');
    await deposit('personal', vacation, '100.00');
    const flowId = await createValidFlow('Too ambitious', fixedTransferGraph('250.00', vacation, checking()));
    const message = 'Insufficient funds in Vacation Fund: the run takes 250.00 but only 100.00 is there';
    // The preview already says so.
    const preview = await expectStatus(post(`/flows/${flowId}/preview`, {}), 200);
    expect(preview.plan.blockers).toEqual([message]);
    const before = await rowCounts(ledgerTables);
    const body = await expectStatus(post(`/flows/${flowId}/runs`, {}, `funds-${randomUUID()}`), 422);
    expect(body).toMatchObject({ code: 'run_failed', detail: message });
    expect(body.run).toMatchObject({ status: 'failed', error: { message, reasons: [message] }, journalIds: [], transferIds: [] });
    const recorded = await expectStatus(get(`/runs/${body.run.id}`), 200);
    expect(recorded).toMatchObject({ status: 'failed', error: { message } });
    expect(await rowCounts(ledgerTables)).toEqual(before);
    expect(await balanceOf(vacation)).toBe('100.00');
    expect((await alertsOf(body.run.id)).map((alert) => alert.kind)).toEqual(['run_failed']);
    expect((await alertsOf(body.run.id))[0]!.message).toContain('Vacation Fund');
  });

  it('retrying a failed run with the same key answers the same failure again (not a 201)', async () => {
    const empty = await createAccount('personal', 'Empty Jar', 'savings');
    const flowId = await createValidFlow('Retry a failure', fixedTransferGraph('10.00', empty, checking()));
    const key = `retry-failed-${randomUUID()}`;
    const firstTry = await expectStatus(post(`/flows/${flowId}/runs`, {}, key), 422);
    const before = await rowCounts();
    const secondTry = await expectStatus(post(`/flows/${flowId}/runs`, {}, key), 422);
    expect(secondTry).toMatchObject({ code: 'run_failed', run: { id: firstTry.run.id, status: 'failed' } });
    expect(await rowCounts()).toEqual(before);
  });

  it('per-run cap exceeded: 422, nothing posted; exactly at the cap it commits', async () => {
    const flow = await createFlow('Capped', fixedTransferGraph('150.00', checking(), savings()), { currency: 'USD', maxPerRun: '100.00' });
    expect(flow.problems).toEqual([]);
    const before = await rowCounts(ledgerTables);
    const balancesBefore = await householdBalances();
    const body = await expectStatus(post(`/flows/${flow.id}/runs`, {}, `cap-${randomUUID()}`), 422);
    expect(body).toMatchObject({ code: 'run_failed', detail: "The run would move 150.00, over this flow's limit of 100.00 per run" });
    expect(body.run.status).toBe('failed');
    expect(await rowCounts(ledgerTables)).toEqual(before);
    expect(await householdBalances()).toEqual(balancesBefore);
    await expectStatus(put(`/flows/${flow.id}`, { name: 'Capped', graph: fixedTransferGraph('100.00', checking(), savings()), settings: { currency: 'USD', maxPerRun: '100.00' } }), 200);
    const atCap = await expectStatus(post(`/flows/${flow.id}/runs`, {}, `cap-${randomUUID()}`), 201);
    expect(atCap).toMatchObject({ status: 'committed', version: 2, plan: { moved: '100.00' } });
  });

  it('a credit card (overdraft allowed) may go negative', async () => {
    expect(await balanceOf(card())).toBe('0.00');
    const flowId = await createValidFlow('Cash advance', fixedTransferGraph('250.00', card(), checking(), 'Cash advance'));
    const result = await expectStatus(post(`/flows/${flowId}/runs`, {}, `card-${randomUUID()}`), 201);
    expect(result.status).toBe('committed');
    expect(await balanceOf(card())).toBe('-250.00');
  });

  it('a cash account with overdraft allowed may go negative too; one without may not', async () => {
    const overdraft = await createAccount('personal', 'Overdraft Checking', 'checking', true);
    const flowId = await createValidFlow('Overdraw', fixedTransferGraph('40.00', overdraft, savings()));
    expect((await expectStatus(post(`/flows/${flowId}/runs`, {}, `od-${randomUUID()}`), 201)).status).toBe('committed');
    expect(await balanceOf(overdraft)).toBe('-40.00');
    const strict = await createAccount('personal', 'Strict Checking', 'checking', false);
    const strictFlow = await createValidFlow('Overdraw strictly', fixedTransferGraph('40.00', strict, savings()));
    const refused = await expectStatus(post(`/flows/${strictFlow}/runs`, {}, `od-${randomUUID()}`), 422);
    expect(refused.detail).toBe('Insufficient funds in Strict Checking: the run takes 40.00 but only 0.00 is there');
    expect(await balanceOf(strict)).toBe('0.00');
  });

  it('a condition rule that only breaks at plan time: preview and run answer 4xx, never 500, and post nothing', async () => {
    const graph: Graph = {
      nodes: [
        node('go', 'trigger.manual'),
        node('amount', 'source.fixed', { amount: '10.00', accountId: checking() }),
        // Valid on validation's sample (amount 0 takes the harmless branch); unknown operator once money flows.
        node('check', 'condition', { logic: { if: [{ '>': [{ var: 'amount' }, 0] }, { no_such_operation: [] }, true] } }),
        node('save', 'transfer', { toAccountId: savings() }),
      ],
      edges: [signal('e1', 'go', 'amount'), wire('e2', 'amount', 'check'), wire('e3', 'check', 'save', 'true')],
    };
    const before = await rowCounts(ledgerTables);
    const preview = await post('/flows/preview', { graph });
    expect(preview.status, preview.text.slice(0, 500)).toBeLessThan(500);
    expect(preview.status === 200 ? preview.body.problems.length : 1).toBeGreaterThan(0);
    const flow = await createFlow('Breaks at plan time', graph);
    const saved = await post(`/flows/${flow.id}/preview`, {});
    expect(saved.status, saved.text.slice(0, 500)).toBeLessThan(500);
    const runAnswer = await post(`/flows/${flow.id}/runs`, {}, `breaks-${randomUUID()}`);
    expect(runAnswer.status, runAnswer.text.slice(0, 500)).toBe(422);
    expect(await rowCounts(ledgerTables)).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. A failure in the middle of the commit rolls everything back
// ---------------------------------------------------------------------------------------------

describe('a failure injected mid-commit', () => {
  async function withTrigger(sql: string, table: string, work: () => Promise<void>): Promise<void> {
    const client = await t.rawClient();
    await client.query(`create or replace function inject_failure() returns trigger language plpgsql as $fn$ begin ${sql} return new; end $fn$`);
    await client.query(`create trigger inject_failure before insert on ${table} for each row execute function inject_failure()`);
    try {
      await work();
    } finally {
      await client.query(`drop trigger if exists inject_failure on ${table}`);
      await client.query('drop function if exists inject_failure()');
    }
  }

  async function expectRolledBack(flowId: string, answer: any, balancesBefore: Map<string, bigint>, countsBefore: Record<string, number>): Promise<any> {
    expect(answer).toMatchObject({ code: 'run_failed' });
    const runView = await expectStatus(get(`/runs/${answer.run.id}`), 200);
    expect(runView).toMatchObject({ flowId, status: 'failed', journalIds: [], transferIds: [], error: { message: expect.any(String), reasons: [expect.stringContaining('injected failure')] } });
    expect(await countWhere('journals', { flow_run_id: runView.id })).toBe(0);
    expect(await countWhere('inter_entity_transfers', { flow_run_id: runView.id })).toBe(0);
    expect(await countWhere('envelope_assignments', { flow_run_id: runView.id })).toBe(0);
    expect(await rowCounts(ledgerTables)).toEqual(countsBefore);
    expect(await householdBalances()).toEqual(balancesBefore);
    const alerts = await alertsOf(runView.id);
    expect(alerts.map((alert) => alert.kind)).toEqual(['run_failed']);
    return runView;
  }

  it('posting the run’s same-entity journals fails after the transfer and envelopes were written: nothing stays, the run is failed', async () => {
    const flowId = await createValidFlow('Fails while posting', paymentSplitGraph());
    const balancesBefore = await householdBalances();
    const countsBefore = await rowCounts(ledgerTables);
    const auditBefore = await countWhere('audit_log', { household_id: h.householdId });
    const key = `inject-${randomUUID()}`;
    let runView: any;
    await withTrigger(
      `if exists (select 1 from journals j where j.id = new.journal_id and j.flow_run_id is not null and j.inter_entity_transfer_id is null) then
         perform pg_sleep(0.3);
         raise exception 'injected failure while posting journal %', new.journal_id;
       end if;`,
      'postings',
      async () => {
        const answer = await expectStatus(post(`/flows/${flowId}/runs`, { trigger: paymentTrigger('10000.00'), date: '2026-03-15' }, key), 422);
        runView = await expectRolledBack(flowId, answer, balancesBefore, countsBefore);
        expect(runView.error.permanent).toBe(false);
      },
    );
    // The transfer's audit entry went with the rollback.
    expect(await countWhere('audit_log', { household_id: h.householdId })).toBe(auditBefore);
    // The failure was transient: retried under the same key, without the injected failure, the same run commits.
    const retry = await expectStatus(post(`/flows/${flowId}/runs`, { trigger: paymentTrigger('10000.00'), date: '2026-03-15' }, key), 201);
    expect(retry).toMatchObject({ id: runView.id, status: 'committed', error: null });
    expect(retry.journalIds).toHaveLength(4);
    expect(await t.database.knex('flow_runs').where({ flow_id: flowId }).pluck('id')).toEqual([runView.id]);
    // Timings tell the truth about the failed attempt: it started before the failure, ~0.3 s earlier.
    expect(runView.durationMs).toBeGreaterThanOrEqual(300);
    expect(Date.parse(runView.finishedAt) - Date.parse(runView.startedAt)).toBeGreaterThanOrEqual(runView.durationMs - 100);
  });

  it('recording the inter-entity transfer fails after an alert was raised: no alert, journal or transfer stays', async () => {
    const flowId = await createValidFlow('Fails at the transfer', paymentSplitGraph({ alertFirst: true }));
    const balancesBefore = await householdBalances();
    const countsBefore = await rowCounts(ledgerTables);
    await withTrigger(`if new.flow_run_id is not null then raise exception 'injected failure on transfer %', new.id; end if;`, 'inter_entity_transfers', async () => {
      const answer = await expectStatus(post(`/flows/${flowId}/runs`, { trigger: paymentTrigger('10000.00'), date: '2026-03-15' }, `inject-${randomUUID()}`), 422);
      const runView = await expectRolledBack(flowId, answer, balancesBefore, countsBefore);
      expect(runView.error.message).toMatch(/rolled back|nothing was posted/);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// 6. Approval
// ---------------------------------------------------------------------------------------------

describe('approval', () => {
  let pot: string;
  let flowId: string;
  beforeAll(async () => {
    pot = await createAccount('personal', 'Approval Pot', 'savings');
    flowId = await createValidFlow('Sweep with approval', approvalGraph(pot, '200.00', savings()));
  });
  const start = () => post(`/flows/${flowId}/runs`, {}, `approval-${randomUUID()}`);
  const sweepAmount = (plan: { effects: { type: string; amount?: string }[] }) => plan.effects.find((effect) => effect.type === 'transfer')?.amount;

  it('waits for approval (with an alert); approving with unchanged balances commits', async () => {
    await deposit('personal', pot, '1000.00');
    const before = await rowCounts(ledgerTables);
    const waiting = await expectStatus(start(), 201);
    expect(waiting).toMatchObject({ status: 'awaiting_approval', finishedAt: null, approvedBy: null, journalIds: [] });
    expect(sweepAmount(waiting.plan)).toBe('800.00');
    expect(waiting.plan.needsApproval).toBe(true);
    expect(waiting.plan.effects).toEqual(expect.arrayContaining([{ type: 'approval', nodeId: 'approve', note: 'Sweep the surplus?', amount: '800.00' }]));
    expect(await rowCounts(ledgerTables)).toEqual(before);
    expect((await alertsOf(waiting.id)).map((alert) => alert.kind)).toEqual(['awaiting_approval']);
    const savingsBefore = minor(await balanceOf(savings()));
    const approved = await expectStatus(post(`/runs/${waiting.id}/approve`), 200);
    expect(approved.changed).toBe(false);
    expect(approved.previousPlan).toBeUndefined();
    expect(approved.run).toMatchObject({ id: waiting.id, status: 'committed', approvedBy: h.userId, approvedAt: expect.any(String), finishedAt: expect.any(String) });
    expect(approved.run.journalIds).toHaveLength(1);
    expect(await balanceOf(pot)).toBe('200.00');
    expect(minor(await balanceOf(savings())) - savingsBefore).toBe(minor('800.00'));
    // Approving twice is a conflict.
    expect((await expectStatus(post(`/runs/${waiting.id}/approve`), 409)).code).toBe('not_awaiting_approval');
  });

  it('balances changed since the run: approve shows the new plan (changed: true) and waits; approving again commits it', async () => {
    await deposit('personal', pot, '1000.00'); // pot 1,200.00 → sweep 1,000.00
    const waiting = await expectStatus(start(), 201);
    expect(sweepAmount(waiting.plan)).toBe('1000.00');
    await postJournal('personal', 'Spent from the pot', [[checking(), '300.00'], [pot, '-300.00']]); // pot 900.00
    const before = await rowCounts(ledgerTables);
    const replanned = await expectStatus(post(`/runs/${waiting.id}/approve`), 200);
    expect(replanned.changed).toBe(true);
    expect(replanned.run).toMatchObject({ id: waiting.id, status: 'awaiting_approval', journalIds: [] });
    expect(sweepAmount(replanned.run.plan)).toBe('700.00');
    expect(sweepAmount(replanned.previousPlan)).toBe('1000.00');
    expect(replanned.previousPlan).toEqual(waiting.plan);
    expect(await rowCounts(ledgerTables)).toEqual(before);
    expect((await expectStatus(get(`/runs/${waiting.id}`), 200)).status).toBe('awaiting_approval');
    const approved = await expectStatus(post(`/runs/${waiting.id}/approve`), 200);
    expect(approved).toMatchObject({ changed: false, run: { status: 'committed', plan: { moved: '700.00' } } });
    expect(await balanceOf(pot)).toBe('200.00');
  });

  it('reject: the run ends rejected and nothing is posted', async () => {
    await deposit('personal', pot, '50.00');
    const waiting = await expectStatus(start(), 201);
    expect(waiting.status).toBe('awaiting_approval');
    const before = await rowCounts(ledgerTables);
    const rejected = await expectStatus(post(`/runs/${waiting.id}/reject`), 200);
    expect(rejected).toMatchObject({ id: waiting.id, status: 'rejected', finishedAt: expect.any(String), journalIds: [] });
    expect(await rowCounts(ledgerTables)).toEqual(before);
    expect(await balanceOf(pot)).toBe('250.00');
    expect((await expectStatus(post(`/runs/${waiting.id}/approve`), 409)).code).toBe('not_awaiting_approval');
    expect((await expectStatus(post(`/runs/${waiting.id}/reject`), 409)).code).toBe('not_awaiting_approval');
    expect((await expectStatus(post(`/runs/${waiting.id}/revert`), 409)).code).toBe('not_committed');
  });
});

// ---------------------------------------------------------------------------------------------
// 7. Revert
// ---------------------------------------------------------------------------------------------

describe('revert', () => {
  let flowId: string;
  beforeAll(async () => {
    flowId = await createValidFlow('Client payment split (revert)', paymentSplitGraph());
  });

  it('restores every account balance of both entities exactly, and offsets the envelopes', async () => {
    const before = await householdBalances();
    const committed = await expectStatus(post(`/flows/${flowId}/runs`, { trigger: paymentTrigger('12345.67'), date: '2026-06-10' }, `revert-${randomUUID()}`), 201);
    expect(committed.status).toBe('committed');
    expect(await householdBalances()).not.toEqual(before);
    const reverted = await expectStatus(post(`/runs/${committed.id}/revert`), 200);
    expect(reverted).toMatchObject({ id: committed.id, status: 'reverted', revertedAt: expect.any(String) });
    const after = await householdBalances();
    for (const [accountId, balance] of after) expect(balance, accountId).toBe(before.get(accountId) ?? 0n);
    for (const [accountId, balance] of before) expect(after.get(accountId), accountId).toBe(balance);
    // The transfer is marked reversed; the envelopes are offset, one for one.
    expect((await expectStatus(get(`/inter-entity-transfers/${committed.transferIds[0]}`), 200)).reversed).toBe(true);
    const assignments: { id: string; category_account_id: string; month: string; amount_minor: bigint }[] = await t.database.knex('envelope_assignments').where({ flow_run_id: committed.id });
    expect(assignments).toHaveLength(2);
    const offsets: { reverses_assignment_id: string; category_account_id: string; month: string; amount_minor: bigint }[] = await t.database
      .knex('envelope_assignments')
      .whereIn('reverses_assignment_id', assignments.map((row) => row.id));
    expect(offsets).toHaveLength(2);
    for (const assignment of assignments) {
      const offset = offsets.find((row) => row.reverses_assignment_id === assignment.id)!;
      expect(offset).toMatchObject({ category_account_id: assignment.category_account_id, month: assignment.month });
      expect(BigInt(offset.amount_minor)).toBe(-BigInt(assignment.amount_minor));
    }
  });

  it('reverting twice is a 409 already_reverted and changes nothing', async () => {
    const committed = await expectStatus(post(`/flows/${flowId}/runs`, { trigger: paymentTrigger('100.00'), date: '2026-06-11' }, `revert-${randomUUID()}`), 201);
    await expectStatus(post(`/runs/${committed.id}/revert`), 200);
    const before = await rowCounts();
    const balancesBefore = await householdBalances();
    expect((await expectStatus(post(`/runs/${committed.id}/revert`), 409)).code).toBe('already_reverted');
    expect(await rowCounts()).toEqual(before);
    expect(await householdBalances()).toEqual(balancesBefore);
  });

  it('a failed run cannot be reverted (409)', async () => {
    const empty = await createAccount('personal', 'Nothing Here', 'savings');
    const failingFlow = await createValidFlow('Fails to revert', fixedTransferGraph('5.00', empty, savings()));
    const failed = await expectStatus(post(`/flows/${failingFlow}/runs`, {}, `revert-${randomUUID()}`), 422);
    const before = await rowCounts();
    expect((await expectStatus(post(`/runs/${failed.run.id}/revert`), 409)).code).toBe('not_committed');
    expect(await rowCounts()).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
// 8. Versions and archiving
// ---------------------------------------------------------------------------------------------

describe('versions', () => {
  it('PUT saves version 2; the old one stays readable; runs point at the version they ran', async () => {
    const flowId = await createValidFlow('Monthly saving', fixedTransferGraph('10.00', checking(), savings(), 'Version one'));
    const runOne = await expectStatus(post(`/flows/${flowId}/runs`, {}, `v1-${randomUUID()}`), 201);
    expect(runOne).toMatchObject({ version: 1, plan: { moved: '10.00' } });
    const updated = await expectStatus(put(`/flows/${flowId}`, { name: 'Monthly saving, more', graph: fixedTransferGraph('20.00', checking(), savings(), 'Version two') }), 200);
    expect(updated).toMatchObject({ id: flowId, version: 2, name: 'Monthly saving, more', problems: [] });
    const versions = await expectStatus(get(`/flows/${flowId}/versions`), 200);
    expect(versions.data.map((version: { version: number; current: boolean; nodeCount: number }) => [version.version, version.current, version.nodeCount])).toEqual([
      [2, true, 3],
      [1, false, 3],
    ]);
    const old = await expectStatus(get(`/flows/${flowId}?version=1`), 200);
    expect(old).toMatchObject({ version: 1 });
    expect(old.graph.nodes[1].data.amount).toBe('10.00');
    const current = await expectStatus(get(`/flows/${flowId}`), 200);
    expect(current).toMatchObject({ version: 2, name: 'Monthly saving, more' });
    expect(current.graph.nodes[1].data.amount).toBe('20.00');
    expect((await expectStatus(post(`/flows/${flowId}/preview`, { version: 1 }), 200)).plan.moved).toBe('10.00');
    expect((await expectStatus(post(`/flows/${flowId}/preview`, {}), 200)).plan.moved).toBe('20.00');
    await expectStatus(get(`/flows/${flowId}?version=3`), 404);
    const runTwo = await expectStatus(post(`/flows/${flowId}/runs`, {}, `v2-${randomUUID()}`), 201);
    expect(runTwo).toMatchObject({ version: 2, plan: { moved: '20.00' } });
    expect((await expectStatus(get(`/runs/${runOne.id}`), 200)).version).toBe(1);
  });

  it('flow_versions rows cannot be updated or deleted, even with raw SQL', async () => {
    const flowId = await createValidFlow('Immutable', fixedTransferGraph('1.00', checking(), savings()));
    const client = await t.rawClient();
    await expect(client.query(`update flow_versions set graph = '{"nodes":[],"edges":[]}' where flow_id = $1`, [flowId])).rejects.toThrow(/immutable/);
    await expect(client.query('delete from flow_versions where flow_id = $1', [flowId])).rejects.toThrow(/immutable/);
    expect((await expectStatus(get(`/flows/${flowId}`), 200)).graph.nodes).toHaveLength(3);
  });

  it('DELETE archives: the flow is gone (404), its runs stay readable', async () => {
    const flowId = await createValidFlow('To archive', fixedTransferGraph('1.00', checking(), savings()));
    const runBefore = await expectStatus(post(`/flows/${flowId}/runs`, {}, `archive-${randomUUID()}`), 201);
    await expectStatus(del(`/flows/${flowId}`), 204);
    await expectStatus(get(`/flows/${flowId}`), 404);
    await expectStatus(get(`/flows/${flowId}/versions`), 404);
    await expectStatus(put(`/flows/${flowId}`, { name: 'Back', graph: fixedTransferGraph('1.00', checking(), savings()) }), 404);
    const counts = await rowCounts();
    await expectStatus(post(`/flows/${flowId}/runs`, {}, `archive-${randomUUID()}`), 404);
    expect(await rowCounts()).toEqual(counts);
    await expectStatus(del(`/flows/${flowId}`), 404);
    const list = await expectStatus(get('/flows'), 200);
    expect(list.data.map((flow: { id: string }) => flow.id)).not.toContain(flowId);
    expect(await expectStatus(get(`/runs/${runBefore.id}`), 200)).toMatchObject({ id: runBefore.id, status: 'committed' });
  });
});

// ---------------------------------------------------------------------------------------------
// 9. The run log
// ---------------------------------------------------------------------------------------------

describe('runs list and run detail', () => {
  it('show status, trace, version, timings and errors, newest first', async () => {
    const started = Date.now();
    const flowId = await createValidFlow('Run log', fixedTransferGraph('1.00', checking(), savings()));
    const committed = await expectStatus(post(`/flows/${flowId}/runs`, {}, `log-${randomUUID()}`), 201);
    await expectStatus(put(`/flows/${flowId}`, { name: 'Run log', graph: fixedTransferGraph('999999.00', checking(), savings()) }), 200);
    const failed = (await expectStatus(post(`/flows/${flowId}/runs`, {}, `log-${randomUUID()}`), 422)).run;
    const page = await expectStatus(get(`/flows/${flowId}/runs`), 200);
    expect(page.page).toMatchObject({ total: 2, offset: 0 });
    expect(page.data.map((run: { id: string }) => run.id)).toEqual([failed.id, committed.id]);
    const [failedView, committedView] = page.data;
    expect(committedView).toEqual(await expectStatus(get(`/runs/${committed.id}`), 200));
    expect(failedView).toEqual(await expectStatus(get(`/runs/${failed.id}`), 200));
    // Committed: version 1, trace per node, timings.
    expect(committedView).toMatchObject({ status: 'committed', version: 1, error: null });
    expect(committedView.plan.trace.map((entry: { nodeId: string; status: string }) => [entry.nodeId, entry.status])).toEqual([
      ['go', 'ran'],
      ['amount', 'ran'],
      ['move', 'ran'],
    ]);
    expect(committedView.durationMs).toEqual(expect.any(Number));
    expect(committedView.durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(committedView.startedAt)).toBeGreaterThanOrEqual(started - 1000);
    expect(Date.parse(committedView.finishedAt)).toBeGreaterThanOrEqual(Date.parse(committedView.startedAt));
    expect(Date.parse(committedView.finishedAt)).toBeLessThanOrEqual(Date.now() + 1000);
    // Failed: version 2, its error, timings.
    expect(failedView).toMatchObject({ status: 'failed', version: 2, plan: null, error: { message: expect.stringContaining('Insufficient funds in Checking'), reasons: [expect.stringContaining('999999.00')] } });
    expect(failedView.durationMs).toEqual(expect.any(Number));
    expect(failedView.finishedAt).toEqual(expect.any(String));
    // Paging.
    const second = await expectStatus(get(`/flows/${flowId}/runs?limit=1&offset=1`), 200);
    expect(second).toMatchObject({ page: { limit: 1, offset: 1, total: 2 } });
    expect(second.data.map((run: { id: string }) => run.id)).toEqual([committed.id]);
  });

  it('GET /runs/:id of an unknown run is 404', async () => {
    await expectStatus(get(`/runs/${randomUUID()}`), 404);
    await expectStatus(get('/runs/not-a-uuid'), 404);
  });
});

// ---------------------------------------------------------------------------------------------
// 10. Catalogue, list and schedule
// ---------------------------------------------------------------------------------------------

describe('node types, flow list and schedule', () => {
  it('GET /node-types describes every node type a flow may use', async () => {
    const { data } = await expectStatus(get('/node-types'), 200);
    const types = data.map((entry: { type: string }) => entry.type);
    for (const type of ['trigger.manual', 'trigger.schedule', 'trigger.event', 'source.balance', 'source.transaction', 'source.fixed', 'condition', 'allocate', 'cap', 'transfer', 'pay_bill', 'invest', 'assign_envelope', 'alert', 'approval', 'note']) {
      expect(types).toContain(type);
    }
    const transfer = data.find((entry: { type: string }) => entry.type === 'transfer');
    expect(transfer).toMatchObject({ category: 'action', schema: { required: ['toAccountId'] }, inputs: [{ id: 'in', kind: 'money' }], outputs: [{ id: 'out', kind: 'money' }] });
  });

  it('GET /flows lists the household’s flows only', async () => {
    const mine = await createValidFlow('Listed', fixedTransferGraph('1.00', checking(), savings()));
    const { data } = await expectStatus(get('/flows'), 200);
    expect(data.map((flow: { id: string }) => flow.id)).toContain(mine);
    const theirs = await expectStatus(request(t.app).get('/api/v1/flows').set(other.auth), 200);
    expect(theirs.data.map((flow: { id: string }) => flow.id)).not.toContain(mine);
  });

  it('GET /flows/:id/schedule gives the next occurrences in the flow’s time zone', async () => {
    const graph = fixedTransferGraph('1.00', checking(), savings());
    graph.nodes[0] = node('go', 'trigger.schedule', { cron: '0 9 1 * *', timezone: 'America/New_York' });
    const flowId = await createValidFlow('Scheduled', graph);
    const schedule = await expectStatus(get(`/flows/${flowId}/schedule?count=3`), 200);
    expect(schedule).toMatchObject({ cron: '0 9 1 * *', timezone: 'America/New_York' });
    expect(schedule.occurrences).toHaveLength(3);
    for (const occurrence of schedule.occurrences as string[]) {
      const local = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).formatToParts(new Date(occurrence));
      const part = (type: string) => Number(local.find((entry) => entry.type === type)!.value);
      expect([part('day'), part('hour'), part('minute')]).toEqual([1, 9, 0]);
    }
  });
});
