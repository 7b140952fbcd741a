/**
 * Households are walled off from each other, and only a live session gets in.
 *
 * The id routes are enumerated from the route registry (the same specs that generate the OpenAPI
 * document), so a new route with an id in its path is covered without touching this file, or
 * fails loudly until it says which of A's ids to put in its path.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRoutes } from '../../api/app.js';
import type { RouteSpec } from '../../api/route.js';
import { buildContainer, Tokens } from '../../engine/container.js';
import type { Database } from '../../engine/db/database.js';
import { TokenService } from '../../engine/security/index.js';
import { startPlaidSandbox, type PlaidSandbox } from '../../sandbox/plaid/server.js';
import { createHousehold, startTestApp, testConfig, type AccountSummary, type Household, type TestApp } from '../support/test-app.js';

// ---------------------------------------------------------------------------------------------
// The routes, known when the tests are collected. Building the registry only wires services;
// nothing touches a database, so a stand-in is enough here.
// ---------------------------------------------------------------------------------------------

const registry = buildRoutes(buildContainer(testConfig(), { knex: {} } as unknown as Database, pino({ level: 'silent' }))).routes;
const paramsOf = (spec: RouteSpec) => [...spec.path.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1]!);
const routeKey = (spec: Pick<RouteSpec, 'method' | 'path'>) => `${spec.method.toUpperCase()} ${spec.path}`;
const idRoutes = registry.filter((spec) => paramsOf(spec).length > 0);
/**
 * Path parameters that name global resources, the same for every household (templates ship with
 * Sluice): knowing one is no secret, so they are not in the 404 table. What such a route does with
 * household data in its body is checked in section 3.
 */
const globalParams = new Set(['templateId']);
const isGlobal = (spec: Pick<RouteSpec, 'path'>) => [...spec.path.matchAll(/:([A-Za-z]+)/g)].some((match) => globalParams.has(match[1]!));
const authenticatedRoutes = registry.filter((spec) => spec.auth);

// ---------------------------------------------------------------------------------------------
// Fixture: A owns one of everything; B has a household of its own
// ---------------------------------------------------------------------------------------------

let t: TestApp;
let a: Household;
let b: Household;
const password = 'correct horse battery staple';
/** Text only A's data contains: it must never show up in anything B can read. */
const secret = `A-SECRET-${randomBytes(4).toString('hex')}`;

interface AIds {
  email: string;
  entity: string;
  entityAccounts: AccountSummary[];
  account: string;
  journal: string;
  reversedJournal: string;
  reversal: string;
  transfer: string;
  transferJournal: string;
  /** A runnable flow, a flow with an approval node, and one the DELETE route may archive. */
  flow: string;
  approvalFlow: string;
  flowToArchive: string;
  /** A flow with a schedule trigger: the one the enable route accepts. */
  scheduledFlow: string;
  /** An alert of A's household (its failed and waiting runs raised some). */
  alert: string;
  /** Runs in every state the run routes act on. */
  committedRun: string;
  awaitingRun: string;
  otherAwaitingRun: string;
  failedRun: string;
  /** A bank connection (one account still to assign), an imported transaction and its batch. */
  bankItem: string;
  bankAccountToAssign: string;
  bankTransaction: string;
  importBatch: string;
}
const A = {} as AIds;
const B = { journals: [] as string[], transfers: [] as string[], flow: '', run: '', bankItem: '' };
let plaid: PlaidSandbox;

async function ok<T = any>(response: Promise<request.Response> | request.Test, status: number): Promise<T> {
  const answer = await response;
  expect(answer.status, answer.text.slice(0, 500)).toBe(status);
  return answer.body as T;
}

const openingBalance = (h: Household, side: 'personal' | 'llc', amount: string, memo: string) =>
  ok<{ id: string }>(
    request(t.app)
      .post(`/api/v1/entities/${h[side].id}/journals`)
      .set(h.auth)
      .send({ date: '2026-01-01', memo, postings: [{ accountId: h.account(side, '1000').id, amount }, { accountId: h.account(side, 'opening_balance').id, amount: `-${amount}` }] }),
    201,
  );

const ownerDraw = (h: Household, purpose: string) =>
  ok<{ id: string; fromJournalId: string; toJournalId: string }>(
    request(t.app)
      .post('/api/v1/inter-entity-transfers')
      .set(h.auth)
      .send({ kind: 'owner_draw', date: '2026-01-15', amount: '300.00', fromAccountId: h.account('llc', '1000').id, toAccountId: h.account('personal', '1000').id, purpose }),
    201,
  );

/** manual → a fixed amount from personal checking → transfer to `to` (with an approval step if asked). */
function fixedGraph(h: Household, amount: string, to = h.account('personal', '1010').id, options: { approval?: boolean; schedule?: boolean } = {}) {
  const position = { x: 0, y: 0 };
  const trigger = options.schedule ? { type: 'trigger.schedule', data: { cron: '0 9 1 * *', timezone: 'America/New_York' } } : { type: 'trigger.manual', data: {} };
  const nodes: { id: string; type: string; data: Record<string, unknown>; position: { x: number; y: number } }[] = [
    { id: 'go', ...trigger, position },
    { id: 'amount', type: 'source.fixed', data: { amount, accountId: h.account('personal', '1000').id }, position },
    { id: 'move', type: 'transfer', data: { toAccountId: to, memo: 'Flow transfer' }, position },
  ];
  const edges = [{ id: 'e1', source: 'go', sourceHandle: 'start', target: 'amount', targetHandle: 'start' }];
  if (options.approval) {
    nodes.push({ id: 'approve', type: 'approval', data: {}, position });
    edges.push({ id: 'e2', source: 'amount', sourceHandle: 'out', target: 'approve', targetHandle: 'in' }, { id: 'e3', source: 'approve', sourceHandle: 'out', target: 'move', targetHandle: 'in' });
  } else {
    edges.push({ id: 'e2', source: 'amount', sourceHandle: 'out', target: 'move', targetHandle: 'in' });
  }
  return { nodes, edges };
}

const createFlow = async (h: Household, name: string, graph: object) => (await ok<{ id: string }>(request(t.app).post('/api/v1/flows').set(h.auth).send({ name, graph }), 201)).id;
const runFlow = (h: Household, flowId: string) => request(t.app).post(`/api/v1/flows/${flowId}/runs`).set(h.auth).set('Idempotency-Key', randomUUID()).send({});

beforeAll(async () => {
  plaid = await startPlaidSandbox({ clientId: 'test', secret: 'test-secret', today: '2026-11-30' });
  const banking = testConfig().banking;
  t = await startTestApp({ banking: { ...banking, plaid: { ...banking.plaid, clientId: 'test', secret: 'test-secret', basePath: plaid.url, localSandbox: true } } });
  [a, b] = [await createHousehold(t.app), await createHousehold(t.app)];
  A.email = (await ok<{ user: { email: string } }>(request(t.app).get('/api/v1/me').set(a.auth), 200)).user.email;

  // A: an entity, an account, journals, a reversal and an inter-entity transfer.
  A.entity = (await ok<{ id: string }>(request(t.app).post('/api/v1/entities').set(a.auth).send({ kind: 'llc', name: `${secret} Holdings LLC` }), 201)).id;
  A.entityAccounts = (await ok<{ data: AccountSummary[] }>(request(t.app).get(`/api/v1/entities/${A.entity}/accounts`).set(a.auth), 200)).data;
  A.account = (await ok<{ id: string }>(request(t.app).post(`/api/v1/entities/${a.personal.id}/accounts`).set(a.auth).send({ name: `${secret} savings`, type: 'asset', subtype: 'savings' }), 201)).id;
  await openingBalance(a, 'llc', '10000.00', `${secret} opening`);
  await openingBalance(a, 'personal', '2000.00', `${secret} opening`);
  A.journal = (await openingBalance(a, 'personal', '15.00', `${secret} journal`)).id;
  A.reversedJournal = (await openingBalance(a, 'personal', '25.00', `${secret} mistake`)).id;
  A.reversal = (await ok<{ id: string }>(request(t.app).post(`/api/v1/journals/${A.reversedJournal}/reverse`).set(a.auth).send({ memo: `${secret} reversal` }), 201)).id;
  const transfer = await ownerDraw(a, `${secret} draw`);
  A.transfer = transfer.id;
  A.transferJournal = transfer.fromJournalId;

  // B: enough data of its own that its lists are not trivially empty.
  B.journals.push((await openingBalance(b, 'llc', '8000.00', 'B opening')).id);
  const bTransfer = await ownerDraw(b, 'B draw');
  B.transfers.push(bTransfer.id);
  B.journals.push(bTransfer.fromJournalId, bTransfer.toJournalId);

  // A: flows, and runs committed, waiting, failed.
  A.flow = await createFlow(a, `${secret} flow`, fixedGraph(a, '10.00', A.account));
  A.approvalFlow = await createFlow(a, `${secret} approval flow`, fixedGraph(a, '5.00', A.account, { approval: true }));
  A.flowToArchive = await createFlow(a, `${secret} old flow`, fixedGraph(a, '1.00', A.account));
  A.scheduledFlow = await createFlow(a, `${secret} monthly flow`, fixedGraph(a, '1.00', A.account, { schedule: true }));
  A.committedRun = (await ok<{ id: string; status: string }>(runFlow(a, A.flow), 201)).id;
  const waiting = await ok<{ id: string; status: string }>(runFlow(a, A.approvalFlow), 201);
  const otherWaiting = await ok<{ id: string; status: string }>(runFlow(a, A.approvalFlow), 201);
  expect([waiting.status, otherWaiting.status]).toEqual(['awaiting_approval', 'awaiting_approval']);
  [A.awaitingRun, A.otherAwaitingRun] = [waiting.id, otherWaiting.id];
  const tooBig = await runFlow(a, await createFlow(a, `${secret} too big`, fixedGraph(a, '999999.00', A.account)));
  expect(tooBig.status, tooBig.text).toBe(422);
  A.failedRun = JSON.parse(tooBig.text).run.id;
  A.alert = (await t.database.knex('alerts').where({ household_id: a.householdId, flow_run_id: A.failedRun }).first('id')).id;

  // B: a flow and a run of its own.
  B.flow = await createFlow(b, 'B flow', fixedGraph(b, '1.00'));
  const bRun = await ok<{ id: string; journalIds: string[] }>(runFlow(b, B.flow), 201);
  B.run = bRun.id;
  B.journals.push(...bRun.journalIds);

  // Bank data: A links a bank (its savings left to assign) and imports a statement; B links one.
  const linkBank = (h: Household) => ok<{ id: string; accounts: { id: string; name: string }[] }>(request(t.app).post('/api/v1/banking/items').set(h.auth).send({ publicToken: plaid.createPublicToken('ins_109508', ['checking', 'savings']) }), 201);
  const aItem = await linkBank(a);
  A.bankItem = aItem.id;
  A.bankAccountToAssign = aItem.accounts.find((account) => account.name === 'Plaid Saving')!.id;
  await ok(request(t.app).post(`/api/v1/banking/items/${aItem.id}/accounts`).set(a.auth).send({ accounts: [{ accountId: aItem.accounts.find((account) => account.name === 'Plaid Checking')!.id, entityId: a.personal.id }] }), 200);
  B.bankItem = (await linkBank(b)).id;
  const file = await ok<{ fileId: string }>(request(t.app).post('/api/v1/banking/imports/files').query({ accountId: a.account('personal', '1000').id, fileName: 'a.csv' }).set(a.auth).send({ content: `date,payee,amount\n2026-02-03,${secret} bakery,-4.50\n` }), 201);
  A.importBatch = (await ok<{ id: string }>(request(t.app).post('/api/v1/banking/imports').set(a.auth).send({ fileId: file.fileId }), 201)).id;
  A.bankTransaction = String((await t.database.knex('bank_transactions').where({ batch_id: A.importBatch }).first('id')).id);
});

afterAll(async () => {
  await t?.close();
  await plaid?.close();
});

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** Which of A's ids go into each path parameter; the first is the one A itself can use. */
const candidates: Record<string, { label: string; id: () => string }[]> = {
  entityId: [
    { label: "A's personal entity", id: () => a.personal.id },
    { label: "A's LLC", id: () => a.llc.id },
    { label: "A's new LLC", id: () => A.entity },
  ],
  accountId: [
    { label: "A's new account", id: () => A.account },
    { label: "A's personal checking", id: () => a.account('personal', '1000').id },
    { label: "A's LLC checking", id: () => a.account('llc', '1000').id },
  ],
  journalId: [
    { label: "A's journal", id: () => A.journal },
    { label: "A's reversal journal", id: () => A.reversal },
    { label: "a journal of A's transfer", id: () => A.transferJournal },
  ],
  transferId: [{ label: "A's transfer", id: () => A.transfer }],
  flowId: [
    { label: "A's flow", id: () => A.flow },
    { label: "A's approval flow", id: () => A.approvalFlow },
    { label: "A's flow to archive", id: () => A.flowToArchive },
    { label: "A's scheduled flow", id: () => A.scheduledFlow },
  ],
  runId: [
    { label: "A's committed run", id: () => A.committedRun },
    { label: "A's waiting run", id: () => A.awaitingRun },
    { label: "A's other waiting run", id: () => A.otherAwaitingRun },
    { label: "A's failed run", id: () => A.failedRun },
  ],
  alertId: [{ label: "A's alert", id: () => A.alert }],
  // Global: used by the token tests and "succeeds for A", never in the 404 table.
  templateId: [{ label: 'a template', id: () => 'pay-yourself-first' }],
  // A budget month is not an id: the board of A's entity in any month is A's.
  month: [{ label: 'a budget month', id: () => '2026-01' }],
  itemId: [{ label: "A's bank connection", id: () => A.bankItem }],
  transactionId: [{ label: "A's bank transaction", id: () => A.bankTransaction }],
  batchId: [{ label: "A's import batch", id: () => A.importBatch }],
  categoryId: [
    { label: "A's personal category", id: () => a.account('personal', '5020').id },
    { label: "A's LLC card (its payment category)", id: () => a.account('llc', '2000').id },
  ],
};

/** Routes that succeed for A only with another of A's ids than the first candidate (index into candidates). */
const successChoices: Record<string, Record<string, number>> = {
  'DELETE /flows/:flowId': { flowId: 2 },
  'POST /flows/:flowId/enable': { flowId: 3 },
  'POST /runs/:runId/approve': { runId: 1 },
  'POST /runs/:runId/reject': { runId: 2 },
  // LLC-only reports: A's LLC, not the personal entity the table picks first.
  'GET /entities/:entityId/reports/inter-entity-audit': { entityId: 1 },
  'GET /entities/:entityId/reports/schedule-c': { entityId: 1 },
};

function accountsOfAEntity(entityId: string): AccountSummary[] {
  if (entityId === a.personal.id) return a.personal.accounts;
  if (entityId === a.llc.id) return a.llc.accounts;
  if (entityId === A.entity) return A.entityAccounts;
  throw new Error(`not an entity of A: ${entityId}`);
}

/** Bodies that would succeed for A, by route; routes whose body has no required field get {}. */
const bodyBuilders: Record<string, (params: Record<string, string>) => unknown> = {
  'POST /entities': () => ({ kind: 'personal', name: 'Another person' }),
  'POST /inter-entity-transfers': () => ({
    kind: 'owner_draw',
    date: '2026-02-01',
    amount: '10.00',
    fromAccountId: a.account('llc', '1000').id,
    toAccountId: a.account('personal', '1000').id,
    purpose: 'Small draw',
  }),
  'POST /inter-entity-transfers/preview': () => ({
    kind: 'owner_draw',
    date: '2026-02-01',
    amount: '10.00',
    fromAccountId: a.account('llc', '1000').id,
    toAccountId: a.account('personal', '1000').id,
    purpose: 'Small draw',
  }),
  'POST /entities/:entityId/accounts': () => ({ name: 'Another account', type: 'asset', subtype: 'checking' }),
  'POST /entities/:entityId/journals': ({ entityId }) => {
    const accounts = accountsOfAEntity(entityId!);
    const byCode = (code: string) => accounts.find((account) => account.code === code || account.role === code)!.id;
    return { date: '2026-02-01', memo: 'Cash in', postings: [{ accountId: byCode('1000'), amount: '5.00' }, { accountId: byCode('opening_balance'), amount: '-5.00' }] };
  },
  'POST /entities/:entityId/journals/batch': ({ entityId }) => {
    const accounts = accountsOfAEntity(entityId!);
    const byCode = (code: string) => accounts.find((account) => account.code === code || account.role === code)!.id;
    return { journals: [{ date: '2026-02-01', memo: 'Cash in', postings: [{ accountId: byCode('1000'), amount: '5.00' }, { accountId: byCode('opening_balance'), amount: '-5.00' }] }] };
  },
  'POST /journals/:journalId/reverse': () => ({ memo: 'Reversed', date: '2026-02-02' }),
  'POST /inter-entity-transfers/:transferId/reverse': () => ({ memo: 'Reversed', date: '2026-02-02' }),
  'POST /flows': () => ({ name: 'Another flow', graph: fixedGraph(a, '1.00') }),
  'POST /flows/validate': () => ({ graph: fixedGraph(a, '1.00') }),
  'POST /flows/preview': () => ({ graph: fixedGraph(a, '1.00') }),
  'PUT /flows/:flowId': () => ({ name: 'Renamed flow', graph: fixedGraph(a, '2.00') }),
  'POST /templates/:templateId/instantiate': () => ({ roles: { checking: a.account('personal', '1000').id, savings: a.account('personal', '1010').id } }),
  'PUT /entities/:entityId/budget/:month/categories/:categoryId': () => ({ assigned: '10.00' }),
  'POST /entities/:entityId/budget/:month/move': ({ entityId }) => {
    const expenses = accountsOfAEntity(entityId!).filter((account) => account.type === 'expense');
    const from = entityId === a.personal.id ? a.account('personal', '5020').id : expenses[0]!.id;
    return { fromCategoryId: from, toCategoryId: expenses.find((account) => account.id !== from)!.id, amount: '5.00' };
  },
  'POST /entities/:entityId/budget/:month/quick-assign': () => ({ strategy: 'last_month' }),
  'PUT /entities/:entityId/budget/:month/hold': () => ({ amount: '0.00' }),
  'PUT /entities/:entityId/budget/layout': () => ({ groups: [] }),
  'PUT /categories/:categoryId/target': () => ({ kind: 'monthly', amount: '25.00' }),
  'POST /banking/items': () => ({ publicToken: 'public-sandbox-00000000-0000-0000-0000-000000000000' }),
  'POST /banking/items/:itemId/accounts': () => ({ accounts: [{ accountId: A.bankAccountToAssign, entityId: a.personal.id }] }),
  'POST /banking/transactions/:transactionId/categorize': () => ({ categoryAccountId: a.account('personal', '5020').id }),
  'POST /banking/accounts/:accountId/reconcile': () => ({ statementDate: '2026-12-31', statementBalance: '0.00' }),
  'POST /banking/imports/preview': () => ({ fileId: randomUUID() }),
  'POST /banking/imports': () => ({ fileId: randomUUID() }),
};

function bodyFor(spec: RouteSpec, params: Record<string, string>): unknown {
  const builder = bodyBuilders[routeKey(spec)];
  if (builder) return builder(params);
  if (!spec.body) return undefined;
  const required = (spec.body.required as unknown[] | undefined) ?? [];
  if (required.length === 0) return {};
  throw new Error(`${routeKey(spec)} needs a body: add a builder to bodyBuilders in authorization.test.ts`);
}

function fillPath(spec: RouteSpec, params: Record<string, string>): string {
  return `/api/v1${spec.path.replace(/:([A-Za-z]+)/g, (_match, name: string) => encodeURIComponent(params[name]!))}`;
}

function call(spec: RouteSpec, params: Record<string, string>, headers: Record<string, string>) {
  let req = request(t.app)[spec.method](fillPath(spec, params));
  for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
  const body = bodyFor(spec, params);
  return body === undefined ? req : req.send(body as object);
}

function expectProblem(response: request.Response, status: number, code?: string): { errors?: { field: string }[] } {
  expect(response.status, response.text.slice(0, 500)).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(response.text);
  expect(body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String), code: expect.any(String) });
  if (code) expect(body.code).toBe(code);
  return body;
}

/** Every id of A's household, and its secret text: none may appear in what B reads. */
async function aFootprint(): Promise<string[]> {
  const k = t.database.knex;
  const entityIds: string[] = await k('entities').where({ household_id: a.householdId }).pluck('id');
  const accountIds: string[] = await k('accounts').whereIn('entity_id', entityIds).pluck('id');
  const journalIds: string[] = await k('journals').whereIn('entity_id', entityIds).pluck('id');
  const transferIds: string[] = await k('inter_entity_transfers').where({ household_id: a.householdId }).pluck('id');
  const flowIds: string[] = await k('flows').where({ household_id: a.householdId }).pluck('id');
  const runIds: string[] = await k('flow_runs').where({ household_id: a.householdId }).pluck('id');
  const alertIds: string[] = await k('alerts').where({ household_id: a.householdId }).pluck('id');
  return [a.householdId, a.userId, A.email, secret, ...entityIds, ...accountIds, ...journalIds, ...transferIds, ...flowIds, ...runIds, ...alertIds];
}

function expectNoneOf(text: string, footprint: readonly string[]): void {
  const leaked = footprint.filter((value) => text.includes(value));
  expect(leaked, `leaked into: ${text.slice(0, 300)}`).toEqual([]);
}

/** A's household as rows: what must not change when B pokes at it. */
async function snapshotOf(householdId: string) {
  const k: Knex = t.database.knex;
  const entities = await k('entities').where({ household_id: householdId }).orderBy('id');
  const entityIds = entities.map((entity: { id: string }) => entity.id);
  return {
    entities,
    accounts: await k('accounts').whereIn('entity_id', entityIds).orderBy('id'),
    journals: await k('journals').whereIn('entity_id', entityIds).orderBy('id'),
    postings: await k('postings').whereIn('entity_id', entityIds).orderBy('id'),
    transfers: await k('inter_entity_transfers').where({ household_id: householdId }).orderBy('id'),
    audit: await k('audit_log').where({ household_id: householdId }).orderBy('id').select('id', 'hash'),
    idempotencyKeys: await k('idempotency_keys').where({ household_id: householdId }).orderBy('key').select('key', 'request_hash'),
    sessions: await k('auth_sessions').where({ household_id: householdId }).orderBy('id').select('id', 'revoked_at'),
    flows: await k('flows').where({ household_id: householdId }).orderBy('id'),
    flowVersions: await k('flow_versions').whereIn('flow_id', k('flows').where({ household_id: householdId }).select('id')).orderBy(['flow_id', 'version']),
    flowRuns: await k('flow_runs').where({ household_id: householdId }).orderBy('id'),
    alerts: await k('alerts').where({ household_id: householdId }).orderBy('id'),
    envelopes: await k('envelope_assignments').whereIn('entity_id', entityIds).orderBy('id'),
  };
}

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['journals', 'postings', 'inter_entity_transfers', 'entities', 'accounts', 'idempotency_keys', 'audit_log', 'flows', 'flow_versions', 'flow_runs', 'alerts', 'envelope_assignments']) {
    counts[table] = Number((await t.database.knex(table).count<{ n: bigint }[]>({ n: '*' }))[0]!.n);
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// 1. Every route with an id in its path: B gets 404 for each of A's ids
// ---------------------------------------------------------------------------------------------

interface IdCase {
  name: string;
  spec: RouteSpec;
  /** Param name -> candidate index; undefined when this file has no id for a parameter. */
  choice: Record<string, number> | undefined;
  missing?: string;
}

function idCases(): IdCase[] {
  const cases: IdCase[] = [];
  for (const spec of idRoutes.filter((route) => !isGlobal(route))) {
    const params = paramsOf(spec);
    const missing = params.find((param) => !candidates[param]);
    if (missing) {
      cases.push({ name: `${routeKey(spec)} (no id of A for :${missing})`, spec, choice: undefined, missing });
      continue;
    }
    let choices: Record<string, number>[] = [{}];
    for (const param of params) choices = choices.flatMap((choice) => candidates[param]!.map((_c, index) => ({ ...choice, [param]: index })));
    for (const choice of choices) {
      const label = params.map((param) => candidates[param]![choice[param]!]!.label).join(', ');
      cases.push({ name: `${routeKey(spec)} with ${label}`, spec, choice });
    }
  }
  return cases;
}

const resolveChoice = (choice: Record<string, number>) => Object.fromEntries(Object.entries(choice).map(([param, index]) => [param, candidates[param]![index]!.id()]));
const primaryChoice = (spec: RouteSpec) => Object.fromEntries(paramsOf(spec).map((param) => [param, 0]));

describe("B cannot reach A's resources through any route with an id", () => {
  let aBefore: Awaited<ReturnType<typeof snapshotOf>>;
  let countsBefore: Record<string, number>;
  let footprint: string[];
  beforeAll(async () => {
    aBefore = await snapshotOf(a.householdId);
    countsBefore = await rowCounts();
    footprint = await aFootprint();
  });

  it('the table covers every path with a parameter in the OpenAPI document', async () => {
    const document = (await ok<{ paths: Record<string, Record<string, unknown>> }>(request(t.app).get('/api/openapi.json'), 200)).paths;
    const documented = Object.entries(document)
      .filter(([path]) => path.includes('{'))
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace('/api/v1', '').replace(/\{([A-Za-z]+)\}/g, ':$1')}`));
    expect(documented.length).toBeGreaterThan(0);
    const global = documented.filter((key) => isGlobal({ path: key.split(' ')[1]! }));
    expect(new Set(idCases().map((c) => routeKey(c.spec)))).toEqual(new Set(documented.filter((key) => !global.includes(key))));
    // The routes left out of the table are exactly those with a global id.
    expect(new Set(global)).toEqual(new Set(idRoutes.filter(isGlobal).map(routeKey)));
    expect(global).toEqual(['POST /templates/:templateId/instantiate']);
  });

  it.each(idCases().map((c) => [`${c.name} → 404`, c] as const))('%s', async (_name, { spec, choice, missing }) => {
    if (!choice) expect.fail(`add ids of A for :${missing} to "candidates" in authorization.test.ts`);
    const response = await call(spec, resolveChoice(choice), b.auth);
    expectProblem(response, 404, 'not_found');
    // The answer says "not found", not "not yours", and carries none of A's data beyond the id B sent.
    const sentIds = new Set(Object.values(resolveChoice(choice)));
    expectNoneOf(response.text, footprint.filter((value) => !sentIds.has(value)));
  });

  it("left A's household (and everything else) exactly as it was", async () => {
    expect(await snapshotOf(a.householdId)).toEqual(aBefore);
    expect(await rowCounts()).toEqual(countsBefore);
  });

  it.each(idRoutes.map((spec) => [`the same request succeeds for A: ${routeKey(spec)}`, spec] as const))('%s', async (_name, spec) => {
    const missing = paramsOf(spec).find((param) => !candidates[param]);
    if (missing) expect.fail(`add ids of A for :${missing} to "candidates" in authorization.test.ts`);
    const response = await call(spec, resolveChoice({ ...primaryChoice(spec), ...successChoices[routeKey(spec)] }), a.auth);
    expect(response.status, response.text.slice(0, 500)).toBe(spec.success.status);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. What B lists and reads never includes A's data
// ---------------------------------------------------------------------------------------------

describe("B's lists and reads never include A's resources", () => {
  let footprint: string[];
  beforeAll(async () => {
    footprint = await aFootprint();
  });

  it('GET /entities lists exactly B’s entities', async () => {
    const body = await ok<{ data: { id: string }[] }>(request(t.app).get('/api/v1/entities').set(b.auth), 200);
    expect(body.data.map((entity) => entity.id).sort()).toEqual([b.personal.id, b.llc.id].sort());
  });

  it("GET journals of B's entities lists only B's journals, even filtered by A's account", async () => {
    const seen: string[] = [];
    for (const entityId of [b.personal.id, b.llc.id]) {
      const body = await ok<{ data: { id: string; entityId: string }[] }>(request(t.app).get(`/api/v1/entities/${entityId}/journals?limit=500`).set(b.auth), 200);
      for (const journal of body.data) expect(journal.entityId).toBe(entityId);
      seen.push(...body.data.map((journal) => journal.id));
    }
    expect(seen.sort()).toEqual([...B.journals].sort());
    const filtered = await ok<{ data: unknown[]; page: { total: number } }>(request(t.app).get(`/api/v1/entities/${b.personal.id}/journals?accountId=${A.account}`).set(b.auth), 200);
    expect(filtered).toMatchObject({ data: [], page: { total: 0 } });
  });

  it("GET /inter-entity-transfers lists only B's transfers, even filtered by A's entity", async () => {
    const all = await ok<{ data: { id: string }[]; page: { total: number } }>(request(t.app).get('/api/v1/inter-entity-transfers?limit=500').set(b.auth), 200);
    expect(all.data.map((transfer) => transfer.id)).toEqual(B.transfers);
    expect(all.page.total).toBe(B.transfers.length);
    for (const entityId of [a.llc.id, a.personal.id]) {
      const filtered = await ok<{ data: unknown[]; page: { total: number } }>(request(t.app).get(`/api/v1/inter-entity-transfers?entityId=${entityId}`).set(b.auth), 200);
      expect(filtered).toMatchObject({ data: [], page: { total: 0 } });
    }
  });

  it("GET /audit-log holds only B's household's entries", async () => {
    const body = await ok<{ data: { actorUserId: string; resourceId: string }[]; page: { total: number } }>(request(t.app).get('/api/v1/audit-log?limit=500').set(b.auth), 200);
    const inDatabase = Number((await t.database.knex('audit_log').where({ household_id: b.householdId }).count<{ n: bigint }[]>({ n: '*' }))[0]!.n);
    expect(body.data.length).toBeGreaterThan(0);
    expect(body.page.total).toBe(inDatabase);
    for (const entry of body.data) expect(entry.actorUserId).toBe(b.userId);
  });

  // Every GET in the registry, called by B with B's own ids: nothing of A's in any answer.
  const bIds: Record<string, () => string> = {
    entityId: () => b.llc.id,
    accountId: () => b.account('llc', '1000').id,
    journalId: () => B.journals[0]!,
    transferId: () => B.transfers[0]!,
    flowId: () => B.flow,
    runId: () => B.run,
    templateId: () => 'pay-yourself-first',
    month: () => '2026-01',
    categoryId: () => b.account('llc', '6080').id,
    itemId: () => B.bankItem,
  };
  it.each(registry.filter((spec) => spec.method === 'get' && spec.auth).map((spec) => [`${routeKey(spec)} as B shows nothing of A`, spec] as const))('%s', async (_name, spec) => {
    const missing = paramsOf(spec).find((param) => !bIds[param]);
    if (missing) expect.fail(`add an id of B for :${missing} to "bIds" in authorization.test.ts`);
    const params = Object.fromEntries(paramsOf(spec).map((param) => [param, bIds[param]!()]));
    const maxLimit = (spec.query?.limit as { maximum?: number } | undefined)?.maximum;
    const response = await request(t.app).get(`${fillPath(spec, params)}${maxLimit ? `?limit=${Math.min(500, maxLimit)}` : ''}`).set(b.auth).buffer(true).parse((res, done) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done(null, text));
    });
    expect(response.status, String(response.body).slice(0, 500)).toBe(200);
    expectNoneOf(String(response.body), footprint);
  });

  it("GET /flows lists exactly B's flows, and B's flow lists only B's runs", async () => {
    const flows = await ok<{ data: { id: string }[] }>(request(t.app).get('/api/v1/flows').set(b.auth), 200);
    expect(flows.data.map((flow) => flow.id)).toEqual([B.flow]);
    const runs = await ok<{ data: { id: string }[]; page: { total: number } }>(request(t.app).get(`/api/v1/flows/${B.flow}/runs`).set(b.auth), 200);
    expect(runs.data.map((run) => run.id)).toEqual([B.run]);
    expect(runs.page.total).toBe(1);
  });

  it('GET /me is B', async () => {
    const body = await ok<{ user: { id: string }; household: { id: string } }>(request(t.app).get('/api/v1/me').set(b.auth), 200);
    expect(body).toMatchObject({ user: { id: b.userId }, household: { id: b.householdId } });
  });
});

// ---------------------------------------------------------------------------------------------
// 3. B naming A's accounts in a body: refused, by field, nothing written
// ---------------------------------------------------------------------------------------------

describe("B cannot move money through A's accounts", () => {
  const transfer = (from: () => string, to: () => string) => () => ({ kind: 'owner_draw', date: '2026-03-01', amount: '10.00', fromAccountId: from(), toAccountId: to(), purpose: 'Trying my luck' });
  const aLlcChecking = () => a.account('llc', '1000').id;
  const aPersonalChecking = () => a.account('personal', '1000').id;
  const bLlcChecking = () => b.account('llc', '1000').id;
  const bPersonalChecking = () => b.account('personal', '1000').id;

  let aBefore: Awaited<ReturnType<typeof snapshotOf>>;
  let countsBefore: Record<string, number>;
  beforeAll(async () => {
    aBefore = await snapshotOf(a.householdId);
    countsBefore = await rowCounts();
  });

  it.each(
    [
      { name: "transfer from A's LLC checking to B's personal checking", path: '/api/v1/inter-entity-transfers', body: transfer(aLlcChecking, bPersonalChecking), fields: ['/fromAccountId'] },
      { name: "transfer from B's LLC checking to A's personal checking", path: '/api/v1/inter-entity-transfers', body: transfer(bLlcChecking, aPersonalChecking), fields: ['/toAccountId'] },
      { name: "transfer between A's two checking accounts", path: '/api/v1/inter-entity-transfers', body: transfer(aLlcChecking, aPersonalChecking), fields: ['/fromAccountId', '/toAccountId'] },
      { name: "transfer preview from A's LLC checking to B's personal checking", path: '/api/v1/inter-entity-transfers/preview', body: transfer(aLlcChecking, bPersonalChecking), fields: ['/fromAccountId'] },
      {
        name: "journal in B's entity posting to A's account",
        path: '',
        body: () => ({ date: '2026-03-01', memo: 'Trying my luck', postings: [{ accountId: aPersonalChecking(), amount: '10.00' }, { accountId: b.account('personal', 'opening_balance').id, amount: '-10.00' }] }),
        fields: ['/postings/0/accountId'],
      },
      {
        name: "instantiate a template with A's accounts",
        path: '/api/v1/templates/pay-yourself-first/instantiate',
        body: () => ({ roles: { checking: aPersonalChecking(), savings: A.account } }),
        fields: ['/roles/checking', '/roles/savings'],
      },
      {
        name: "instantiate a template with B's checking and A's savings",
        path: '/api/v1/templates/pay-yourself-first/instantiate',
        body: () => ({ roles: { checking: bPersonalChecking(), savings: A.account } }),
        fields: ['/roles/savings'],
      },
      {
        name: "preview B's flow with a triggering transaction in A's account",
        path: () => `/api/v1/flows/${B.flow}/preview`,
        body: () => ({ trigger: { type: 'event', transaction: { accountId: aLlcChecking(), amount: '10.00' } } }),
        fields: ['/trigger/transaction/accountId'],
      },
      {
        // The exact pointer is checked in api-validation.test.ts; here: refused, by a field naming the account.
        name: "preview with a pretend balance for A's account",
        path: '/api/v1/flows/preview',
        body: () => ({ graph: fixedGraph(b, '1.00'), balances: { [aPersonalChecking()]: '1000000.00' } }),
        fields: [`/balances/${'{A}'}`, `/context/balances/${'{A}'}`],
      },
    ].map((c) => [`${c.name} → 422 naming the field`, c] as const),
  )('%s', async (_name, { path, body, fields }) => {
    const url = (typeof path === 'function' ? path() : path) || `/api/v1/entities/${b.personal.id}/journals`;
    const response = await request(t.app).post(url).set(b.auth).send(body());
    const problem = expectProblem(response, 422);
    const expected = fields.map((field) => field.replace('{A}', aPersonalChecking()));
    expect(problem.errors?.map((error) => error.field).some((field) => expected.includes(field)), response.text).toBe(true);
    expect(response.text).not.toContain(secret);
  });

  it("validating or previewing a graph that names A's accounts: they are unknown, and nothing of A's shows", async () => {
    const graph = fixedGraph(b, '1.00', A.account);
    graph.nodes[1]!.data = { amount: '1.00', accountId: aPersonalChecking() };
    const expected = [
      expect.objectContaining({ nodeId: 'amount', field: '/nodes/1/data/accountId', code: 'unknown_account' }),
      expect.objectContaining({ nodeId: 'move', field: '/nodes/2/data/toAccountId', code: 'unknown_account' }),
    ];
    const validated = await request(t.app).post('/api/v1/flows/validate').set(b.auth).send({ graph });
    expect(validated.status, validated.text).toBe(200);
    expect(validated.body.problems).toEqual(expect.arrayContaining(expected));
    const previewed = await request(t.app).post('/api/v1/flows/preview').set(b.auth).send({ graph });
    expect(previewed.status, previewed.text).toBe(200);
    expect(previewed.body).toMatchObject({ plan: null, problems: expect.arrayContaining(expected) });
    for (const text of [validated.text, previewed.text]) {
      expect(text).not.toContain(secret);
      expect(text).not.toMatch(/Checking|savings/);
    }
  });

  it('wrote nothing anywhere', async () => {
    expect(await snapshotOf(a.householdId)).toEqual(aBefore);
    expect(await rowCounts()).toEqual(countsBefore);
  });

  it("B saves a flow naming A's accounts: saved as a draft with problems, it cannot run, A is untouched", async () => {
    const aBeforeFlow = await snapshotOf(a.householdId);
    const saved = await request(t.app).post('/api/v1/flows').set(b.auth).send({ name: 'Borrowing from A', graph: fixedGraph(b, '5.00', A.account) });
    expect(saved.status, saved.text).toBe(201);
    expect(saved.body.problems).toEqual([expect.objectContaining({ nodeId: 'move', field: '/nodes/2/data/toAccountId', code: 'unknown_account' })]);
    const run = await request(t.app).post(`/api/v1/flows/${saved.body.id}/runs`).set(b.auth).send({});
    expectProblem(run, 422, 'run_failed');
    expect(run.text).not.toContain(secret);
    // Templates are global: B uses the same template id as A, with B's own accounts.
    const instantiated = await request(t.app)
      .post('/api/v1/templates/pay-yourself-first/instantiate')
      .set(b.auth)
      .send({ roles: { checking: bPersonalChecking(), savings: b.account('personal', '1010').id } });
    expect(instantiated.status, instantiated.text).toBe(201);
    expect(instantiated.body.problems).toEqual([]);
    expect(await snapshotOf(a.householdId)).toEqual(aBeforeFlow);
  });

  it("an Idempotency-Key A used is B's own: no replay of A's answer", async () => {
    const key = `shared-${randomUUID()}`;
    const post = (h: Household) =>
      request(t.app)
        .post(`/api/v1/entities/${h.personal.id}/journals`)
        .set(h.auth)
        .set('Idempotency-Key', key)
        .send({ date: '2026-03-02', memo: 'Same key', postings: [{ accountId: h.account('personal', '1000').id, amount: '1.00' }, { accountId: h.account('personal', 'opening_balance').id, amount: '-1.00' }] });
    const first = await post(a);
    expect(first.status, first.text).toBe(201);
    const second = await post(b);
    expect(second.status, second.text).toBe(201);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body.entityId).toBe(b.personal.id);
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.text).not.toContain(a.personal.id);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Tokens: every authenticated route refuses anything but a live session's access token
// ---------------------------------------------------------------------------------------------

const decode = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string; hid: string; sid: string };
const claimsOf = (token: string) => {
  const { sub, hid, sid } = decode(token);
  return { userId: sub, householdId: hid, sessionId: sid };
};
const jwtSecret = () => t.container.resolve(Tokens.Config).jwtSecret;
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

const badCredentials: { name: string; header: () => Promise<string | undefined> }[] = [
  { name: 'no Authorization header', header: async () => undefined },
  { name: 'empty Bearer', header: async () => 'Bearer ' },
  { name: 'a garbage token', header: async () => 'Bearer garbage.garbage.garbage' },
  { name: 'a too-short token', header: async () => 'Bearer abc' },
  { name: 'Basic credentials', header: async () => `Basic ${Buffer.from(`${A.email}:${password}`).toString('base64')}` },
  { name: 'a refresh token as bearer', header: async () => `Bearer ${a.refreshToken}` },
  { name: 'a JWT signed with another secret', header: async () => `Bearer ${(await new TokenService({ secret: randomBytes(32), issuer: 'sluice' }).issueAccessToken(claimsOf(a.token))).token}` },
  {
    name: 'an expired JWT',
    header: async () => `Bearer ${(await new TokenService({ secret: jwtSecret(), issuer: 'sluice', accessTtlSeconds: 60, now: () => new Date(Date.now() - 3_600_000) }).issueAccessToken(claimsOf(a.token))).token}`,
  },
  { name: 'a JWT of another issuer', header: async () => `Bearer ${(await new TokenService({ secret: jwtSecret(), issuer: 'not-sluice' }).issueAccessToken(claimsOf(a.token))).token}` },
  {
    name: 'an unsigned JWT (alg none)',
    header: async () => {
      const { sub, hid, sid } = decode(a.token);
      return `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub, hid, sid, iss: 'sluice', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 })}.`;
    },
  },
  { name: "A's JWT with its signature removed", header: async () => `Bearer ${a.token.split('.').slice(0, 2).join('.')}.` },
  {
    name: "a validly signed JWT claiming A's household with B's session",
    header: async () => `Bearer ${(await new TokenService({ secret: jwtSecret(), issuer: 'sluice' }).issueAccessToken({ ...claimsOf(b.token), householdId: a.householdId })).token}`,
  },
  {
    name: 'a validly signed JWT of a session that does not exist',
    header: async () => `Bearer ${(await new TokenService({ secret: jwtSecret(), issuer: 'sluice' }).issueAccessToken({ ...claimsOf(a.token), sessionId: randomUUID() })).token}`,
  },
];

describe.each(badCredentials.map((c) => [`${c.name} → 401 on every authenticated route`, c] as const))('%s', (_name, { header }) => {
  let countsBefore: Record<string, number>;
  beforeAll(async () => {
    countsBefore = await rowCounts();
  });

  it.each(authenticatedRoutes.map((spec) => [routeKey(spec), spec] as const))('%s', async (_name, spec) => {
    const value = await header();
    const missing = paramsOf(spec).find((param) => !candidates[param]);
    if (missing) expect.fail(`add ids of A for :${missing} to "candidates" in authorization.test.ts`);
    const response = await call(spec, resolveChoice(primaryChoice(spec)), value === undefined ? {} : { Authorization: value });
    expectProblem(response, 401, 'unauthenticated');
  });

  it('wrote nothing', async () => {
    expect(await rowCounts()).toEqual(countsBefore);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Sessions: logout ends a session at once; a reused refresh token revokes its session
// ---------------------------------------------------------------------------------------------

describe('sessions', () => {
  const login = () => ok<{ accessToken: string; refreshToken: string }>(request(t.app).post('/api/v1/auth/login').send({ email: A.email, password }), 200);
  const me = (accessToken: string) => request(t.app).get('/api/v1/me').set('Authorization', `Bearer ${accessToken}`);
  const refresh = (refreshToken: string) => request(t.app).post('/api/v1/auth/refresh').send({ refreshToken });

  it('after logout the access token of that session is refused and its refresh token cannot be used', async () => {
    const session = await login();
    expect((await me(session.accessToken)).status).toBe(200);
    const logout = await request(t.app).post('/api/v1/auth/logout').send({ refreshToken: session.refreshToken });
    expect(logout.status, logout.text).toBe(204);
    expectProblem(await me(session.accessToken), 401, 'unauthenticated');
    expectProblem(await refresh(session.refreshToken), 401, 'unauthenticated');
    // Other sessions of the same user are untouched.
    expect((await me(a.token)).status).toBe(200);
  });

  it('refresh rotates: a reused refresh token revokes the session, including the tokens of the first use', async () => {
    const session = await login();
    const rotated = await ok<{ accessToken: string; refreshToken: string }>(refresh(session.refreshToken), 200);
    expect(rotated.refreshToken).not.toBe(session.refreshToken);
    expect((await me(rotated.accessToken)).status).toBe(200);
    // The spent token is presented again: somebody copied it.
    expectProblem(await refresh(session.refreshToken), 401, 'unauthenticated');
    expectProblem(await refresh(rotated.refreshToken), 401, 'unauthenticated');
    expectProblem(await me(rotated.accessToken), 401, 'unauthenticated');
    expectProblem(await me(session.accessToken), 401, 'unauthenticated');
    expect((await me(a.token)).status).toBe(200);
  });

  it("B's refresh token cannot be used to log A out (it ends only B's own session)", async () => {
    const bSession = await ok<{ refreshToken: string; accessToken: string }>(
      request(t.app)
        .post('/api/v1/auth/login')
        .send({ email: (await ok<{ user: { email: string } }>(request(t.app).get('/api/v1/me').set(b.auth), 200)).user.email, password }),
      200,
    );
    const sessionsBefore = await snapshotOf(a.householdId);
    expect((await request(t.app).post('/api/v1/auth/logout').send({ refreshToken: bSession.refreshToken })).status).toBe(204);
    expect((await snapshotOf(a.householdId)).sessions).toEqual(sessionsBefore.sessions);
    expectProblem(await me(bSession.accessToken), 401, 'unauthenticated');
    expect((await me(a.token)).status).toBe(200);
  });
});
