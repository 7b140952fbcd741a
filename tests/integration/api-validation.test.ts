/**
 * Malformed input, endpoint by endpoint: every case must be refused with a 4xx problem+json
 * (never a 5xx), name the field at fault when there is one, and write nothing.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

let t: TestApp;

/** Everything the table refers to; filled in beforeAll, read lazily by the cases. */
interface Fixture {
  h: Household;
  email: string;
  /** An unreversed manual journal of the personal entity (target of the reverse cases). */
  journalId: string;
  /** A manual journal that was reversed, and its reversal. */
  reversedJournalId: string;
  reversalJournalId: string;
  /** An unreversed owner draw (target of the transfer reverse cases), and one of its journals. */
  transferId: string;
  transferHalfJournalId: string;
  /** An owner draw that was reversed. */
  reversedTransferId: string;
  /** Checking account of a second personal entity of the same household. */
  secondPersonalCheckingId: string;
  /**
   * One unreversed journal and transfer per body the server might not read (JSON null, text/plain,
   * a form): if such a body slips through as "no options" and reverses, the next case is unaffected.
   */
  spareJournals: Record<SpareSlot, string>;
  spareTransfers: Record<SpareSlot, string>;
  /** A valid flow (moves 10.00 from checking to savings), and its runs in each state. */
  flowId: string;
  committedRunId: string;
  failedRunId: string;
  awaitingRunId: string;
}

const spareSlots = ['null', 'text', 'form'] as const;
type SpareSlot = (typeof spareSlots)[number];

const f = {} as Fixture;
const password = 'correct horse battery staple';

const tables = [
  'journals',
  'postings',
  'inter_entity_transfers',
  'entities',
  'accounts',
  'users',
  'households',
  'auth_sessions',
  'refresh_tokens',
  'idempotency_keys',
  'audit_log',
  'flows',
  'flow_versions',
  'flow_runs',
  'alerts',
  'envelope_assignments',
] as const;

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await t.database.knex(table).count<{ n: string | number | bigint }[]>({ n: '*' });
    counts[table] = Number(row?.n ?? 0);
  }
  return counts;
}

const acct = (side: 'personal' | 'llc', codeOrRole: string) => f.h.account(side, codeOrRole).id;

/** An account id looked up when the case runs (the table is built before the fixture exists). */
class AccountRef {
  constructor(
    readonly side: 'personal' | 'llc',
    readonly codeOrRole: string,
  ) {}
}
const ref = (side: 'personal' | 'llc', codeOrRole: string) => new AccountRef(side, codeOrRole);
const resolve = (value: unknown) => (value instanceof AccountRef ? acct(value.side, value.codeOrRole) : value);

async function postJournal(entity: 'personal' | 'llc', body: Record<string, unknown>) {
  const response = await request(t.app).post(`/api/v1/entities/${f.h[entity].id}/journals`).set(f.h.auth).send(body);
  expect(response.status, response.text).toBe(201);
  return response.body as { id: string };
}

async function postTransfer(body: Record<string, unknown>) {
  const response = await request(t.app).post('/api/v1/inter-entity-transfers').set(f.h.auth).send(body);
  expect(response.status, response.text).toBe(201);
  return response.body as { id: string; fromJournalId: string; toJournalId: string };
}

let before: Record<string, number>;

beforeAll(async () => {
  t = await startTestApp();
  f.h = await createHousehold(t.app);
  f.email = (await request(t.app).get('/api/v1/me').set(f.h.auth)).body.user.email;
  const opening = (side: 'personal' | 'llc', amount: string) =>
    postJournal(side, { date: '2026-01-01', memo: 'Opening balance', postings: [{ accountId: acct(side, '1000'), amount }, { accountId: acct(side, 'opening_balance'), amount: `-${amount}` }] });
  await opening('llc', '20000.00');
  await opening('personal', '5000.00');
  const groceries = () => ({ date: '2026-01-05', memo: 'Groceries', postings: [{ accountId: acct('personal', '5020'), amount: '12.34' }, { accountId: acct('personal', '1000'), amount: '-12.34' }] });
  f.journalId = (await postJournal('personal', groceries())).id;
  f.reversedJournalId = (await postJournal('personal', groceries())).id;
  const reversal = await request(t.app).post(`/api/v1/journals/${f.reversedJournalId}/reverse`).set(f.h.auth).send({});
  expect(reversal.status, reversal.text).toBe(201);
  f.reversalJournalId = reversal.body.id;
  const draw = () => ({ kind: 'owner_draw', date: '2026-01-10', amount: '100.00', fromAccountId: acct('llc', '1000'), toAccountId: acct('personal', '1000'), purpose: 'January owner draw' });
  const transfer = await postTransfer(draw());
  f.transferId = transfer.id;
  f.transferHalfJournalId = transfer.fromJournalId;
  f.reversedTransferId = (await postTransfer(draw())).id;
  const reversedTransfer = await request(t.app).post(`/api/v1/inter-entity-transfers/${f.reversedTransferId}/reverse`).set(f.h.auth).send({});
  expect(reversedTransfer.status, reversedTransfer.text).toBe(201);
  f.spareJournals = {} as Record<SpareSlot, string>;
  f.spareTransfers = {} as Record<SpareSlot, string>;
  for (const slot of spareSlots) {
    f.spareJournals[slot] = (await postJournal('personal', groceries())).id;
    f.spareTransfers[slot] = (await postTransfer(draw())).id;
  }
  const second = await request(t.app).post('/api/v1/entities').set(f.h.auth).send({ kind: 'personal', name: 'Second Person' });
  expect(second.status, second.text).toBe(201);
  const secondAccounts = await request(t.app).get(`/api/v1/entities/${second.body.id}/accounts`).set(f.h.auth);
  f.secondPersonalCheckingId = (secondAccounts.body.data as { id: string; code: string }[]).find((account) => account.code === '1000')!.id;
  const createFlow = async (graph: unknown) => {
    const response = await request(t.app).post('/api/v1/flows').set(f.h.auth).send({ name: 'Fixture flow', graph });
    expect(response.status, response.text).toBe(201);
    return response.body.id as string;
  };
  const runFlow = (flowId: string) => request(t.app).post(`/api/v1/flows/${flowId}/runs`).set(f.h.auth).send({});
  f.flowId = await createFlow(validGraph());
  const committed = await runFlow(f.flowId);
  expect(committed.status, committed.text).toBe(201);
  f.committedRunId = committed.body.id;
  const tooBig = validGraph();
  tooBig.nodes[1]!.data = { amount: '999999.00', accountId: acct('personal', '1000') };
  const failed = await runFlow(await createFlow(tooBig));
  expect(failed.status, failed.text).toBe(422);
  f.failedRunId = JSON.parse(failed.text).run.id;
  const approval = validGraph();
  approval.nodes.push({ id: 'approve', type: 'approval', data: {}, position: { x: 300, y: 0 } });
  approval.edges = [approval.edges[0]!, { id: 'e2', source: 'amount', sourceHandle: 'out', target: 'approve', targetHandle: 'in' }, { id: 'e3', source: 'approve', sourceHandle: 'out', target: 'move', targetHandle: 'in' }];
  const awaiting = await runFlow(await createFlow(approval));
  expect(awaiting.status, awaiting.text).toBe(201);
  expect(awaiting.body.status).toBe('awaiting_approval');
  f.awaitingRunId = awaiting.body.id;
  before = await rowCounts();
});

afterAll(async () => {
  await t?.close();
});

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

type Method = 'get' | 'post' | 'put';
type Json = unknown;

interface Case {
  name: string;
  method: Method;
  path: () => string;
  /** JSON-encoded and sent as application/json. */
  body?: () => Json;
  /** Sent verbatim with this content type (invalid JSON, other media types, huge bodies). */
  raw?: () => { type: string; text: string };
  headers?: () => Record<string, string>;
  /** Auth routes are called without a token. */
  anonymous?: boolean;
  status: number | readonly number[];
  /** JSON pointer that errors[] must name. */
  field?: string;
  /** Expected problem code. */
  code?: string;
  /** Expected code of the errors[] entry naming `field`. */
  errorCode?: string;
}

const bigString = (length: number) => 'x'.repeat(length);
const oneMegabyte = 1024 * 1024;

/** Shallow patch of an object body: undefined values delete the key. */
function patch(base: () => Record<string, unknown>, changes: Record<string, unknown>): () => Record<string, unknown> {
  return () => {
    const body = { ...base() };
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) delete body[key];
      else body[key] = resolve(value);
    }
    return body;
  };
}

interface RouteTable {
  label: string;
  method: Method;
  path: () => string;
  anonymous?: boolean;
  valid?: () => Record<string, unknown>;
  /** Body fields: required ones are also tested as missing; strings are tested with wrong types. */
  required?: readonly string[];
  stringFields?: readonly string[];
  /** Bodies that may be omitted (reverse): no missing-field cases. */
  cases: (Omit<Case, 'method' | 'path' | 'anonymous'> & { path?: () => string })[];
  /** For bodies the server might not read: a path whose target no other case uses. */
  isolatedPath?: (slot: SpareSlot) => () => string;
  /** Override the path per case. */
  pathCases?: { name: string; path: () => string; status: number; field?: string; code?: string }[];
}

const isolated = (route: RouteTable, slot: SpareSlot) => (route.isolatedPath ? { path: route.isolatedPath(slot) } : {});

/** Malformed bodies every POST route must refuse, generated from its valid body. */
function genericBodyCases(route: RouteTable): Case[] {
  const base = { method: route.method, path: route.path, anonymous: route.anonymous };
  const valid = route.valid!;
  const cases: Case[] = [];
  for (const field of route.required ?? []) {
    cases.push({ ...base, name: `missing required ${field}`, body: patch(valid, { [field]: undefined }), status: 400, field: `/${field}`, code: 'validation_failed' });
  }
  for (const field of route.stringFields ?? []) {
    cases.push({ ...base, name: `${field} is a number`, body: patch(valid, { [field]: 12345 }), status: 400, field: `/${field}` });
    cases.push({ ...base, name: `${field} is an array`, body: patch(valid, { [field]: ['a'] }), status: 400, field: `/${field}` });
    cases.push({ ...base, name: `${field} is an object`, body: patch(valid, { [field]: { value: 'a' } }), status: 400, field: `/${field}` });
    cases.push({ ...base, name: `${field} is null`, body: patch(valid, { [field]: null }), status: 400, field: `/${field}` });
    cases.push({ ...base, name: `${field} is 10,000 characters`, body: patch(valid, { [field]: bigString(10_000) }), status: 400, field: `/${field}` });
  }
  cases.push(
    { ...base, name: 'unknown top-level field', body: patch(valid, { unexpectedField: 'x' }), status: 400, field: '/unexpectedField', code: 'validation_failed' },
    { ...base, name: 'body is a JSON array', body: () => [valid()], status: 400, field: '/' },
    { ...base, name: 'body is a JSON string', body: () => 'hello', status: 400, field: '/' },
    { ...base, name: 'body is a JSON number', body: () => 42, status: 400, field: '/' },
    { ...base, name: 'body is JSON null', body: () => null, status: 400, field: '/', ...isolated(route, 'null') },
    { ...base, name: 'invalid JSON text', raw: () => ({ type: 'application/json', text: '{"date": "2026-01-01", ' }), status: 400, code: 'invalid_json' },
    { ...base, name: 'JSON with a trailing comma', raw: () => ({ type: 'application/json', text: `${JSON.stringify(valid()).slice(0, -1)},}` }), status: 400, code: 'invalid_json' },
    { ...base, name: 'body of 1 MB', raw: () => ({ type: 'application/json', text: JSON.stringify({ ...valid(), memo: bigString(oneMegabyte) }) }), status: 413, code: 'body_too_large' },
    { ...base, name: 'unsupported charset', raw: () => ({ type: 'application/json; charset=latin1', text: JSON.stringify(valid()) }), status: 415 },
    // Last: these are the cases that could slip through and write (a body the server did not read).
    { ...base, name: 'valid JSON sent as text/plain', raw: () => ({ type: 'text/plain', text: JSON.stringify(valid()) }), status: [400, 415], ...isolated(route, 'text') },
    { ...base, name: 'valid JSON sent as a form', raw: () => ({ type: 'application/x-www-form-urlencoded', text: JSON.stringify(valid()) }), status: [400, 415], ...isolated(route, 'form') },
  );
  return cases;
}

function routeCases(route: RouteTable): Case[] {
  const base = { method: route.method, path: route.path, anonymous: route.anonymous };
  const specific: Case[] = route.cases.map((c) => ({ ...base, ...c }));
  const paths: Case[] = (route.pathCases ?? []).map((c) => ({ ...base, body: route.valid, ...c }));
  return [...specific, ...paths, ...(route.valid ? genericBodyCases(route) : [])];
}

// --- bodies that would succeed --------------------------------------------------------------

const validRegister = () => ({ email: `fresh-${randomUUID()}@example.com`, password, householdName: 'Fresh household' });
const validLogin = () => ({ email: f.email, password });
const validRefresh = () => ({ refreshToken: 'A'.repeat(43) });
const validEntity = () => ({ kind: 'llc', name: 'Side Project LLC' });
const validAccount = () => ({ name: 'Travel Card', type: 'liability', subtype: 'credit_card' });
const validJournal = () => ({
  date: '2026-02-01',
  memo: 'Dinner',
  postings: [
    { accountId: acct('personal', '5030'), amount: '40.00' },
    { accountId: acct('personal', '1000'), amount: '-40.00' },
  ],
});
const journalWith = (changes: Record<string, unknown>) => patch(validJournal, changes);
const journalPosting = (index: number, changes: Record<string, unknown>) => () => {
  const body = validJournal();
  const posting: Record<string, unknown> = { ...body.postings[index]! };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete posting[key];
    else posting[key] = resolve(value);
  }
  return { ...body, postings: body.postings.map((p, i) => (i === index ? posting : p)) };
};
const amounts = (debit: unknown, credit: unknown) => () => ({ ...validJournal(), postings: [{ accountId: acct('personal', '5030'), amount: debit }, { accountId: acct('personal', '1000'), amount: credit }] });
const validTransfer = () => ({
  kind: 'owner_draw',
  date: '2026-02-01',
  amount: '250.00',
  fromAccountId: acct('llc', '1000'),
  toAccountId: acct('personal', '1000'),
  purpose: 'February owner draw',
});
const transferWith = (changes: Record<string, unknown>) => patch(validTransfer, changes);
const validReverse = () => ({ date: '2026-03-01', memo: 'Entered twice' });

const unknownUuid = '7f0c2a4e-3b7d-4c1e-9a55-2f6d8e9b1c03';
const notUuids = ['not-a-uuid', '12345', "1' or '1'='1", '7f0c2a4e-3b7d-4c1e-9a55-2f6d8e9b1c0'];

/** Money strings the schema refuses (400) and those the money parser refuses (422). */
const moneyRefusedBySchema: [string, unknown][] = [
  ['a float JSON number (12.5)', 12.5],
  ['an integer JSON number (1250)', 1250],
  ['an exponent ("1e5")', '1e5'],
  ['"NaN"', 'NaN'],
  ['"Infinity"', 'Infinity'],
  ['"-Infinity"', '-Infinity'],
  ['absurd magnitude ("99999999999999999999")', '99999999999999999999'],
  ['hex ("0x10")', '0x10'],
  ['thousands separator ("1,000.00")', '1,000.00'],
  ['comma decimal ("12,50")', '12,50'],
  ['leading space (" 12.00")', ' 12.00'],
  ['leading dot (".50")', '.50'],
  ['trailing dot ("12.")', '12.'],
  ['empty string', ''],
  ['currency symbol ("$12.00")', '$12.00'],
  ['leading zeros ("007.00")', '007.00'],
  ['boolean true', true],
  ['null', null],
];
const moneyRefusedByRules: [string, string, string][] = [
  ['too many decimals ("1.234")', '1.234', 'too_many_decimals'],
  ['16-digit magnitude ("9999999999999999")', '9999999999999999', 'out_of_range'],
  ['18-digit magnitude ("999999999999999999.99")', '999999999999999999.99', 'out_of_range'],
];
const badDates: [string, unknown][] = [
  ['2026-02-30 (no such day)', '2026-02-30'],
  ['2025-02-29 (not a leap year)', '2025-02-29'],
  ['2026-13-01 (no such month)', '2026-13-01'],
  ['26-01-01 (two-digit year)', '26-01-01'],
  ['empty string', ''],
  ['01/02/2026', '01/02/2026'],
  ['a timestamp', '2026-01-01T00:00:00Z'],
  ['a JSON number', 20260101],
  ['null', null],
];
const datesOutsideBooks: [string, string][] = [
  ['1899-12-31', '1899-12-31'],
  ['3000-01-01', '3000-01-01'],
];

// --- flows -----------------------------------------------------------------------------------

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

/** manual → 10.00 sitting in personal checking → transfer to personal savings. */
function validGraph(): { nodes: GraphNode[]; edges: GraphEdge[] } {
  return {
    nodes: [
      { id: 'go', type: 'trigger.manual', data: {}, position: { x: 0, y: 0 } },
      { id: 'amount', type: 'source.fixed', data: { amount: '10.00', accountId: acct('personal', '1000') }, position: { x: 200, y: 0 } },
      { id: 'move', type: 'transfer', data: { toAccountId: acct('personal', '1010'), memo: 'Save' }, position: { x: 400, y: 0 } },
    ],
    edges: [
      { id: 'e1', source: 'go', sourceHandle: 'start', target: 'amount', targetHandle: 'start' },
      { id: 'e2', source: 'amount', sourceHandle: 'out', target: 'move', targetHandle: 'in' },
    ],
  };
}

const validFlow = () => ({ name: 'Save a little', description: 'Moves 10.00 to savings', graph: validGraph(), settings: { currency: 'USD', maxPerRun: '500.00' } });
const validValidate = () => ({ graph: validGraph(), settings: { currency: 'USD' } });
const validPreview = () => ({ graph: validGraph(), settings: { currency: 'USD' }, date: '2026-02-01', balances: { [acct('personal', '1000')]: '100.00' } });
const validSavedPreview = () => ({ date: '2026-02-01', version: 1 });
const validRun = () => ({ date: '2026-02-01' });
const validInstantiate = () => ({ name: 'My savings habit', roles: { checking: acct('personal', '1000'), savings: acct('personal', '1010') } });
const eventTrigger = (transaction: Record<string, unknown>) => ({ type: 'event', transaction: { accountId: acct('personal', '1000'), amount: '100.00', ...transaction } });

/** The body with its graph changed: `change` edits it in place, or returns a replacement. */
function withGraph(base: () => Record<string, unknown>, change: (graph: any) => unknown): () => Record<string, unknown> {
  return () => {
    const body = base();
    const replaced = change(body.graph);
    return replaced === undefined ? body : { ...body, graph: replaced };
  };
}
const withSettings = (base: () => Record<string, unknown>, settings: unknown) => () => ({ ...base(), settings });
const notes = (count: number) => Array.from({ length: count }, (_, i) => ({ id: `n${i}`, type: 'note', data: { text: '' }, position: { x: i, y: 0 } }));
const signals = (count: number) => Array.from({ length: count }, (_, i) => ({ id: `s${i}`, source: 'go', sourceHandle: 'start', target: 'amount', targetHandle: 'start' }));

/** Malformed graphs and settings: the request schema refuses them all (400), naming the spot. */
function graphShapeCases(base: () => Record<string, unknown>): RouteTable['cases'] {
  const node0 = (changes: Record<string, unknown>) =>
    withGraph(base, (graph) => {
      const node: Record<string, unknown> = { ...graph.nodes[0] };
      for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) delete node[key];
        else node[key] = value;
      }
      graph.nodes[0] = node;
    });
  const edge0 = (changes: Record<string, unknown>) =>
    withGraph(base, (graph) => {
      const edge: Record<string, unknown> = { ...graph.edges[0] };
      for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) delete edge[key];
        else edge[key] = value;
      }
      graph.edges[0] = edge;
    });
  return [
    { name: 'graph is an array', body: withGraph(base, () => []), status: 400, field: '/graph' },
    { name: 'graph is a string', body: withGraph(base, () => 'nodes and edges'), status: 400, field: '/graph' },
    { name: 'graph is null', body: withGraph(base, () => null), status: 400, field: '/graph' },
    { name: 'graph without nodes', body: withGraph(base, (graph) => void delete graph.nodes), status: 400, field: '/graph/nodes' },
    { name: 'graph without edges', body: withGraph(base, (graph) => void delete graph.edges), status: 400, field: '/graph/edges' },
    { name: 'nodes is an object', body: withGraph(base, (graph) => void (graph.nodes = { go: graph.nodes[0] })), status: 400, field: '/graph/nodes' },
    { name: 'unknown field in the graph (viewport)', body: withGraph(base, (graph) => void (graph.viewport = { x: 0, y: 0, zoom: 1 })), status: 400, field: '/graph/viewport' },
    { name: 'a node is null', body: withGraph(base, (graph) => void (graph.nodes[0] = null)), status: 400, field: '/graph/nodes/0' },
    { name: 'a node is a string', body: withGraph(base, (graph) => void (graph.nodes[0] = 'trigger.manual')), status: 400, field: '/graph/nodes/0' },
    { name: 'node without id', body: node0({ id: undefined }), status: 400, field: '/graph/nodes/0/id' },
    { name: 'node without type', body: node0({ type: undefined }), status: 400, field: '/graph/nodes/0/type' },
    { name: 'node without data', body: node0({ data: undefined }), status: 400, field: '/graph/nodes/0/data' },
    { name: 'node without position', body: node0({ position: undefined }), status: 400, field: '/graph/nodes/0/position' },
    { name: 'node id empty', body: node0({ id: '' }), status: 400, field: '/graph/nodes/0/id' },
    { name: 'node id with a space', body: node0({ id: 'my node' }), status: 400, field: '/graph/nodes/0/id' },
    { name: 'node id with a slash', body: node0({ id: 'a/b' }), status: 400, field: '/graph/nodes/0/id' },
    { name: 'node id of 65 characters', body: node0({ id: bigString(65) }), status: 400, field: '/graph/nodes/0/id' },
    { name: 'node id is a number', body: node0({ id: 7 }), status: 400, field: '/graph/nodes/0/id' },
    { name: 'node type of 41 characters', body: node0({ type: bigString(41) }), status: 400, field: '/graph/nodes/0/type' },
    { name: 'node type is a number', body: node0({ type: 3 }), status: 400, field: '/graph/nodes/0/type' },
    { name: 'node data is an array', body: node0({ data: [] }), status: 400, field: '/graph/nodes/0/data' },
    { name: 'node data is null', body: node0({ data: null }), status: 400, field: '/graph/nodes/0/data' },
    { name: 'node data is a string', body: node0({ data: 'amount=10' }), status: 400, field: '/graph/nodes/0/data' },
    { name: 'position.x is a string', body: node0({ position: { x: '10', y: 0 } }), status: 400, field: '/graph/nodes/0/position/x' },
    { name: 'position.x is 10,000,000', body: node0({ position: { x: 1e7, y: 0 } }), status: 400, field: '/graph/nodes/0/position/x' },
    { name: 'position without y', body: node0({ position: { x: 0 } }), status: 400, field: '/graph/nodes/0/position/y' },
    { name: 'unknown field on a node (selected)', body: node0({ selected: true }), status: 400, field: '/graph/nodes/0/selected' },
    { name: 'an edge is null', body: withGraph(base, (graph) => void (graph.edges[0] = null)), status: 400, field: '/graph/edges/0' },
    { name: 'edge without targetHandle', body: edge0({ targetHandle: undefined }), status: 400, field: '/graph/edges/0/targetHandle' },
    { name: 'edge without source', body: edge0({ source: undefined }), status: 400, field: '/graph/edges/0/source' },
    { name: 'edge source is a number', body: edge0({ source: 1 }), status: 400, field: '/graph/edges/0/source' },
    { name: 'edge id empty', body: edge0({ id: '' }), status: 400, field: '/graph/edges/0/id' },
    { name: 'edge target of 65 characters', body: edge0({ target: bigString(65) }), status: 400, field: '/graph/edges/0/target' },
    { name: 'unknown field on an edge (animated)', body: edge0({ animated: true }), status: 400, field: '/graph/edges/0/animated' },
    { name: '201 nodes (over the limit of 200)', body: withGraph(base, (graph) => void (graph.nodes = [...graph.nodes, ...notes(198)])), status: 400, field: '/graph/nodes' },
    { name: '401 edges (over the limit of 400)', body: withGraph(base, (graph) => void (graph.edges = [...graph.edges, ...signals(399)])), status: 400, field: '/graph/edges' },
    { name: '5,000 nodes', body: withGraph(base, (graph) => void (graph.nodes = notes(5000))), status: [400, 413], field: undefined },
    { name: 'settings is a string', body: withSettings(base, 'USD'), status: 400, field: '/settings' },
    { name: 'settings without currency', body: withSettings(base, {}), status: 400, field: '/settings/currency' },
    { name: 'settings currency in lower case', body: withSettings(base, { currency: 'usd' }), status: 400, field: '/settings/currency' },
    { name: 'unknown settings field (timezone)', body: withSettings(base, { currency: 'USD', timezone: 'UTC' }), status: 400, field: '/settings/timezone' },
    ...moneyRefusedBySchema
      .filter(([, amount]) => !(typeof amount === 'string' && amount.startsWith('-')))
      .map(([name, amount]) => ({ name: `settings.maxPerRun ${name}`, body: withSettings(base, { currency: 'USD', maxPerRun: amount }), status: 400, field: '/settings/maxPerRun' })),
    { name: 'settings.maxPerRun negative ("-5.00")', body: withSettings(base, { currency: 'USD', maxPerRun: '-5.00' }), status: 400, field: '/settings/maxPerRun' },
  ];
}

/** A flow body whose node data is nested 10,000 levels deep: sent as text, since it is too deep to stringify here. */
function deeplyNestedFlow(): { type: string; text: string } {
  const depth = 10_000;
  const nodes = [
    '{"id":"go","type":"trigger.manual","data":{},"position":{"x":0,"y":0}}',
    `{"id":"deep","type":"condition","data":{"logic":${'['.repeat(depth)}${']'.repeat(depth)}},"position":{"x":1,"y":0}}`,
  ];
  return { type: 'application/json', text: `{"name":"Deep","graph":{"nodes":[${nodes.join(',')}],"edges":[]}}` };
}

/** Trigger and context options shared by the preview and run routes. */
function planOptionCases(base: () => Record<string, unknown>, options: { balances: boolean }): RouteTable['cases'] {
  const withTrigger = (trigger: unknown) => () => ({ ...base(), trigger: typeof trigger === 'function' ? trigger() : trigger });
  return [
    { name: 'trigger is a string', body: withTrigger('manual'), status: 400, field: '/trigger' },
    { name: 'trigger type "schedule"', body: withTrigger({ type: 'schedule' }), status: 400, field: '/trigger/type' },
    { name: 'trigger type "webhook"', body: withTrigger({ type: 'webhook' }), status: 400, field: '/trigger/type' },
    { name: 'unknown trigger field (occurredAt)', body: withTrigger({ type: 'manual', occurredAt: '2026-01-01T00:00:00Z' }), status: 400, field: '/trigger/occurredAt' },
    { name: 'trigger transaction without amount', body: withTrigger(() => ({ type: 'event', transaction: { accountId: acct('personal', '1000') } })), status: 400, field: '/trigger/transaction/amount' },
    { name: 'trigger transaction without accountId', body: withTrigger({ type: 'event', transaction: { amount: '1.00' } }), status: 400, field: '/trigger/transaction/accountId' },
    { name: 'trigger transaction accountId "not-a-uuid"', body: () => ({ ...base(), trigger: eventTrigger({ accountId: 'not-a-uuid' }) }), status: 400, field: '/trigger/transaction/accountId' },
    { name: 'unknown trigger transaction field', body: () => ({ ...base(), trigger: eventTrigger({ currency: 'EUR' }) }), status: 400, field: '/trigger/transaction/currency' },
    { name: 'trigger payee of 201 characters', body: () => ({ ...base(), trigger: eventTrigger({ payee: bigString(201) }) }), status: 400, field: '/trigger/transaction/payee' },
    { name: 'NUL byte in trigger memo', body: () => ({ ...base(), trigger: eventTrigger({ memo: 'Bad\u0000memo' }) }), status: 400, field: '/trigger/transaction/memo' },
    ...moneyRefusedBySchema.map(([name, amount]) => ({ name: `trigger amount ${name}`, body: () => ({ ...base(), trigger: eventTrigger({ amount }) }), status: 400, field: '/trigger/transaction/amount' })),
    ...badDates.map(([name, date]) => ({ name: `date ${name}`, body: () => ({ ...base(), date }), status: 400, field: '/date' })),
    ...(options.balances
      ? [
          { name: 'balances is an array', body: () => ({ ...base(), balances: ['100.00'] }), status: 400, field: '/balances' },
          { name: 'balances keyed by something not a uuid', body: () => ({ ...base(), balances: { checking: '100.00' } }), status: 400, field: '/balances' },
          { name: 'balances of 501 accounts', body: () => ({ ...base(), balances: Object.fromEntries(Array.from({ length: 501 }, () => [randomUUID(), '1.00'])) }), status: 400, field: '/balances' },
          ...moneyRefusedBySchema.map(([name, amount]) => ({
            name: `pretend balance ${name}`,
            body: () => ({ ...base(), balances: { [unknownUuid]: amount } }),
            status: 400,
            field: `/balances/${unknownUuid}`,
          })),
        ]
      : [{ name: 'balances cannot be pretended on a run', body: () => ({ ...base(), balances: { [acct('personal', '1000')]: '1.00' } }), status: 400, field: '/balances' }]),
  ];
}

/** Preview only: well-formed options the engine refuses (422), by field; nothing is written. */
function previewRuleCases(base: () => Record<string, unknown>): RouteTable['cases'] {
  return [
    ...datesOutsideBooks.map(([name, date]) => ({ name: `date ${name} outside the books`, body: () => ({ ...base(), date }), status: 422, field: '/date' })),
    { name: 'trigger amount with too many decimals ("1.234")', body: () => ({ ...base(), trigger: eventTrigger({ amount: '1.234' }) }), status: 422, field: '/trigger/transaction/amount' },
    { name: 'trigger account unknown (random UUID)', body: () => ({ ...base(), trigger: eventTrigger({ accountId: unknownUuid }) }), status: 422, field: '/trigger/transaction/accountId' },
    { name: 'pretend balance of an unknown account', body: () => ({ ...base(), balances: { [unknownUuid]: '1.00' } }), status: 422, field: `/balances/${unknownUuid}` },
    { name: 'pretend balance with too many decimals ("1.234")', body: () => ({ ...base(), balances: { [acct('personal', '1000')]: '1.234' } }), status: 422 },
  ];
}

const runPath = (runId: () => string, action: string) => () => `/api/v1/runs/${runId()}/${action}`;

// --- the routes ------------------------------------------------------------------------------

const routes: RouteTable[] = [
  {
    label: 'POST /auth/register',
    method: 'post',
    path: () => '/api/v1/auth/register',
    anonymous: true,
    valid: validRegister,
    required: ['email', 'password'],
    stringFields: ['email', 'password', 'householdName'],
    cases: [
      { name: 'email is not an email', body: patch(validRegister, { email: 'not-an-email' }), status: 400, field: '/email' },
      { name: 'email of 300 characters', body: patch(validRegister, { email: `${bigString(290)}@example.com` }), status: 400, field: '/email' },
      { name: 'empty password', body: patch(validRegister, { password: '' }), status: 400, field: '/password' },
      { name: 'weak password', body: patch(validRegister, { password: 'short' }), status: 422, field: '/password', code: 'rule_violation' },
      { name: 'single character repeated', body: patch(validRegister, { password: 'aaaaaaaaaaaa' }), status: 422, field: '/password' },
      { name: 'empty householdName', body: patch(validRegister, { householdName: '' }), status: 400, field: '/householdName' },
      { name: 'NUL byte in householdName', body: patch(validRegister, { householdName: 'Bad\u0000name' }), status: 400, field: '/householdName' },
      { name: 'email already registered (other case)', body: () => ({ email: f.email.toUpperCase(), password }), status: 409, code: 'email_taken' },
    ],
  },
  {
    label: 'POST /auth/login',
    method: 'post',
    path: () => '/api/v1/auth/login',
    anonymous: true,
    valid: validLogin,
    required: ['email', 'password'],
    stringFields: ['email', 'password'],
    cases: [
      { name: 'email is not an email', body: patch(validLogin, { email: 'owner at example' }), status: 400, field: '/email' },
      { name: 'empty password', body: patch(validLogin, { password: '' }), status: 400, field: '/password' },
      { name: 'wrong password', body: patch(validLogin, { password: 'not the password at all' }), status: 401, code: 'unauthenticated' },
      { name: 'unknown email', body: patch(validLogin, { email: 'nobody-here@example.com' }), status: 401, code: 'unauthenticated' },
      { name: 'householdName is not a login field', body: patch(validLogin, { householdName: 'x' }), status: 400, field: '/householdName' },
    ],
  },
  {
    label: 'POST /auth/refresh',
    method: 'post',
    path: () => '/api/v1/auth/refresh',
    anonymous: true,
    valid: validRefresh,
    required: ['refreshToken'],
    stringFields: ['refreshToken'],
    cases: [
      { name: 'refreshToken too short', body: () => ({ refreshToken: 'abc' }), status: 400, field: '/refreshToken' },
      { name: 'refreshToken of 201 characters', body: () => ({ refreshToken: bigString(201) }), status: 400, field: '/refreshToken' },
      { name: 'unknown refresh token', body: validRefresh, status: 401, code: 'unauthenticated' },
      { name: 'an access token instead of a refresh token', body: () => ({ refreshToken: f.h.token.slice(0, 200) }), status: 401, code: 'unauthenticated' },
    ],
  },
  {
    label: 'POST /auth/logout',
    method: 'post',
    path: () => '/api/v1/auth/logout',
    anonymous: true,
    valid: validRefresh,
    required: ['refreshToken'],
    stringFields: ['refreshToken'],
    cases: [
      { name: 'refreshToken too short', body: () => ({ refreshToken: 'abc' }), status: 400, field: '/refreshToken' },
      { name: 'refreshToken of 201 characters', body: () => ({ refreshToken: bigString(201) }), status: 400, field: '/refreshToken' },
    ],
  },
  {
    label: 'POST /entities',
    method: 'post',
    path: () => '/api/v1/entities',
    valid: validEntity,
    required: ['kind', 'name'],
    stringFields: ['kind', 'name', 'slug', 'baseCurrency'],
    cases: [
      { name: 'unknown kind', body: patch(validEntity, { kind: 'corporation' }), status: 400, field: '/kind' },
      { name: 'empty name', body: patch(validEntity, { name: '' }), status: 400, field: '/name' },
      { name: 'blank name', body: patch(validEntity, { name: '    ' }), status: 400, field: '/name' },
      { name: 'name of 121 characters', body: patch(validEntity, { name: bigString(121) }), status: 400, field: '/name' },
      { name: 'NUL byte in name', body: patch(validEntity, { name: 'Bad\u0000Name LLC' }), status: 400, field: '/name' },
      { name: 'slug with spaces and capitals', body: patch(validEntity, { slug: 'Bad Slug' }), status: 400, field: '/slug' },
      { name: 'slug already used in the household', body: () => ({ ...validEntity(), slug: 'alex-rivera' }), status: 409, code: 'slug_taken' },
      { name: 'unsupported currency', body: patch(validEntity, { baseCurrency: 'XXX' }), status: 400, field: '/baseCurrency' },
      { name: 'lower-case currency', body: patch(validEntity, { baseCurrency: 'usd' }), status: 400, field: '/baseCurrency' },
      { name: 'householdId cannot be chosen', body: patch(validEntity, { householdId: randomUUID() }), status: 400, field: '/householdId' },
      { name: 'id cannot be chosen', body: patch(validEntity, { id: randomUUID() }), status: 400, field: '/id' },
    ],
  },
  {
    label: 'POST /entities/:entityId/accounts',
    method: 'post',
    path: () => `/api/v1/entities/${f.h.personal.id}/accounts`,
    valid: validAccount,
    required: ['name', 'type'],
    stringFields: ['name', 'type', 'subtype', 'code', 'currency', 'scheduleCLine', 'description'],
    cases: [
      { name: 'unknown type', body: patch(validAccount, { type: 'bogus' }), status: 400, field: '/type' },
      { name: 'unknown subtype', body: patch(validAccount, { subtype: 'bogus' }), status: 400, field: '/subtype' },
      { name: 'subtype of another type', body: patch(validAccount, { subtype: 'checking' }), status: 422, field: '/subtype' },
      { name: 'code with spaces', body: patch(validAccount, { code: '10 00' }), status: 400, field: '/code' },
      { name: 'code already used in the entity', body: patch(validAccount, { code: '1000' }), status: 409, code: 'code_taken' },
      { name: 'unsupported currency', body: patch(validAccount, { currency: 'XXX' }), status: 400, field: '/currency' },
      { name: 'allowOverdraft is a string', body: patch(validAccount, { allowOverdraft: 'yes' }), status: 400, field: '/allowOverdraft' },
      { name: 'malformed scheduleCLine', body: () => ({ name: 'Consulting', type: 'income', scheduleCLine: 'line one' }), status: 400, field: '/scheduleCLine' },
      { name: 'scheduleCLine on a personal entity', body: () => ({ name: 'Consulting', type: 'income', scheduleCLine: '1' }), status: 422, field: '/scheduleCLine' },
      { name: 'description of 501 characters', body: patch(validAccount, { description: bigString(501) }), status: 400, field: '/description' },
      { name: 'NUL byte in description', body: patch(validAccount, { description: 'Bad\u0000description' }), status: 400, field: '/description' },
      { name: 'balance cannot be set', body: patch(validAccount, { balance: '1000000.00' }), status: 400, field: '/balance' },
      { name: 'entityId cannot be set in the body', body: patch(validAccount, { entityId: randomUUID() }), status: 400, field: '/entityId' },
    ],
    pathCases: [
      { name: 'unknown entity (random UUID)', path: () => `/api/v1/entities/${unknownUuid}/accounts`, status: 404, code: 'not_found' },
      ...notUuids.map((id) => ({ name: `entity id "${id}"`, path: () => `/api/v1/entities/${encodeURIComponent(id)}/accounts`, status: 404, code: 'not_found' })),
    ],
  },
  {
    label: 'POST /entities/:entityId/journals',
    method: 'post',
    path: () => `/api/v1/entities/${f.h.personal.id}/journals`,
    valid: validJournal,
    required: ['date', 'postings'],
    stringFields: ['memo', 'payee'],
    cases: [
      ...badDates.map(([name, date]) => ({ name: `date ${name}`, body: journalWith({ date }), status: 400, field: '/date' })),
      ...datesOutsideBooks.map(([name, date]) => ({ name: `date ${name} outside the books`, body: journalWith({ date }), status: 422, field: '/date' })),
      ...moneyRefusedBySchema.map(([name, amount]) => ({ name: `amount ${name}`, body: journalPosting(0, { amount }), status: 400, field: '/postings/0/amount' })),
      ...moneyRefusedByRules.map(([name, amount, code]) => ({ name: `amount ${name}`, body: amounts(amount, `-${amount}`), status: 422, field: '/postings/0/amount', errorCode: code })),
      { name: 'zero amounts', body: amounts('0.00', '0.00'), status: 422, field: '/postings/0/amount' },
      { name: 'unbalanced postings', body: amounts('10.00', '-9.99'), status: 422, field: '/postings' },
      { name: 'both postings debits', body: amounts('10.00', '10.00'), status: 422, field: '/postings' },
      { name: 'a single posting', body: () => ({ ...validJournal(), postings: [validJournal().postings[0]] }), status: 400, field: '/postings' },
      { name: 'no postings', body: journalWith({ postings: [] }), status: 400, field: '/postings' },
      { name: 'postings is an object', body: journalWith({ postings: { accountId: unknownUuid, amount: '1.00' } }), status: 400, field: '/postings' },
      { name: 'postings is null', body: journalWith({ postings: null }), status: 400, field: '/postings' },
      { name: '201 postings', body: () => ({ ...validJournal(), postings: Array.from({ length: 201 }, (_, i) => ({ accountId: acct('personal', '1000'), amount: i === 0 ? '-200.00' : '1.00' })) }), status: 400, field: '/postings' },
      { name: 'a posting is null', body: () => ({ ...validJournal(), postings: [null, validJournal().postings[1]] }), status: 400, field: '/postings/0' },
      { name: 'a posting is a string', body: () => ({ ...validJournal(), postings: ['40.00', validJournal().postings[1]] }), status: 400, field: '/postings/0' },
      { name: 'posting without accountId', body: journalPosting(0, { accountId: undefined }), status: 400, field: '/postings/0/accountId' },
      { name: 'posting without amount', body: journalPosting(1, { amount: undefined }), status: 400, field: '/postings/1/amount' },
      { name: 'posting accountId is a number', body: journalPosting(0, { accountId: 5030 }), status: 400, field: '/postings/0/accountId' },
      ...notUuids.map((id) => ({ name: `posting accountId "${id}"`, body: journalPosting(0, { accountId: id }), status: 400, field: '/postings/0/accountId' })),
      { name: 'posting accountId unknown (random UUID)', body: journalPosting(0, { accountId: unknownUuid }), status: 422, field: '/postings/0/accountId' },
      { name: 'posting to an account of the OTHER entity (the LLC)', body: journalPosting(1, { accountId: ref('llc', '1000') }), status: 422, field: '/postings/1/accountId' },
      { name: 'posting with unknown field', body: journalPosting(0, { entityId: randomUUID() }), status: 400, field: '/postings/0/entityId' },
      { name: 'posting memo of 10,000 characters', body: journalPosting(0, { memo: bigString(10_000) }), status: 400, field: '/postings/0/memo' },
      { name: 'posting memo is a number', body: journalPosting(0, { memo: 5 }), status: 400, field: '/postings/0/memo' },
      { name: 'NUL byte in memo', body: journalWith({ memo: 'Bad\u0000memo' }), status: 400, field: '/memo' },
      { name: 'NUL byte in a posting memo', body: journalPosting(0, { memo: 'Bad\u0000memo' }), status: 400, field: '/postings/0/memo' },
      { name: 'source cannot be chosen', body: journalWith({ source: 'opening' }), status: 400, field: '/source' },
      { name: 'reversesJournalId cannot be chosen', body: journalWith({ reversesJournalId: randomUUID() }), status: 400, field: '/reversesJournalId' },
      { name: 'Idempotency-Key with a space', body: validJournal, headers: () => ({ 'Idempotency-Key': 'has space' }), status: 400, field: '/headers/Idempotency-Key' },
      { name: 'Idempotency-Key of 256 characters', body: validJournal, headers: () => ({ 'Idempotency-Key': bigString(256) }), status: 400, field: '/headers/Idempotency-Key' },
    ],
    pathCases: [
      { name: 'unknown entity (random UUID)', path: () => `/api/v1/entities/${unknownUuid}/journals`, status: 404, code: 'not_found' },
      ...notUuids.map((id) => ({ name: `entity id "${id}"`, path: () => `/api/v1/entities/${encodeURIComponent(id)}/journals`, status: 404, code: 'not_found' })),
    ],
  },
  {
    label: 'POST /journals/:journalId/reverse',
    method: 'post',
    path: () => `/api/v1/journals/${f.journalId}/reverse`,
    isolatedPath: (slot) => () => `/api/v1/journals/${f.spareJournals[slot]}/reverse`,
    valid: validReverse,
    stringFields: ['date', 'memo'],
    cases: [
      ...badDates.map(([name, date]) => ({ name: `date ${name}`, body: patch(validReverse, { date }), status: 400, field: '/date' })),
      ...datesOutsideBooks.map(([name, date]) => ({ name: `date ${name} outside the books`, body: patch(validReverse, { date }), status: 422, field: '/date' })),
      { name: 'memo of 501 characters', body: patch(validReverse, { memo: bigString(501) }), status: 400, field: '/memo' },
      { name: 'NUL byte in memo', body: patch(validReverse, { memo: 'Bad\u0000memo' }), status: 400, field: '/memo' },
      { name: 'postings cannot be given', body: patch(validReverse, { postings: [] }), status: 400, field: '/postings' },
      { name: 'journal already reversed', body: validReverse, path: () => `/api/v1/journals/${f.reversedJournalId}/reverse`, status: 409, code: 'already_reversed' },
      { name: 'a reversal cannot be reversed', body: validReverse, path: () => `/api/v1/journals/${f.reversalJournalId}/reverse`, status: 409, code: 'reversal_of_reversal' },
      { name: 'half of a transfer cannot be reversed alone', body: validReverse, path: () => `/api/v1/journals/${f.transferHalfJournalId}/reverse`, status: 409, code: 'reverse_the_transfer' },
    ],
    pathCases: [
      { name: 'unknown journal (random UUID)', path: () => `/api/v1/journals/${unknownUuid}/reverse`, status: 404, code: 'not_found' },
      { name: 'a transfer id is not a journal id', path: () => `/api/v1/journals/${f.transferId}/reverse`, status: 404, code: 'not_found' },
      ...notUuids.map((id) => ({ name: `journal id "${id}"`, path: () => `/api/v1/journals/${encodeURIComponent(id)}/reverse`, status: 404, code: 'not_found' })),
    ],
  },
  {
    label: 'POST /inter-entity-transfers',
    method: 'post',
    path: () => '/api/v1/inter-entity-transfers',
    valid: validTransfer,
    required: ['kind', 'date', 'amount', 'fromAccountId', 'toAccountId', 'purpose'],
    stringFields: ['kind', 'date', 'amount', 'interest', 'fromAccountId', 'toAccountId', 'purpose', 'documentRef', 'memo'],
    cases: [
      { name: 'unknown kind', body: transferWith({ kind: 'gift' }), status: 400, field: '/kind' },
      ...badDates.map(([name, date]) => ({ name: `date ${name}`, body: transferWith({ date }), status: 400, field: '/date' })),
      ...datesOutsideBooks.map(([name, date]) => ({ name: `date ${name} outside the books`, body: transferWith({ date }), status: 422, field: '/date' })),
      ...moneyRefusedBySchema.map(([name, amount]) => ({ name: `amount ${name}`, body: transferWith({ amount }), status: 400, field: '/amount' })),
      ...moneyRefusedByRules.map(([name, amount]) => ({ name: `amount ${name}`, body: transferWith({ amount }), status: 422, field: '/amount' })),
      { name: 'negative amount', body: transferWith({ amount: '-250.00' }), status: 422, field: '/amount' },
      { name: 'zero amount', body: transferWith({ amount: '0.00' }), status: 422, field: '/amount' },
      ...notUuids.map((id) => ({ name: `fromAccountId "${id}"`, body: transferWith({ fromAccountId: id }), status: 400, field: '/fromAccountId' })),
      { name: 'fromAccountId unknown (random UUID)', body: transferWith({ fromAccountId: unknownUuid }), status: 422, field: '/fromAccountId' },
      { name: 'toAccountId unknown (random UUID)', body: transferWith({ toAccountId: unknownUuid }), status: 422, field: '/toAccountId' },
      { name: 'both accounts of the same entity', body: transferWith({ toAccountId: ref('llc', '1010') }), status: 422, field: '/toAccountId' },
      { name: 'same account on both sides', body: transferWith({ toAccountId: ref('llc', '1000') }), status: 422, field: '/toAccountId' },
      { name: 'between two personal entities', body: () => ({ ...validTransfer(), kind: 'member_loan', fromAccountId: acct('personal', '1000'), toAccountId: f.secondPersonalCheckingId }), status: 422, field: '/toAccountId' },
      { name: 'owner_draw in the wrong direction (owner to LLC)', body: transferWith({ fromAccountId: ref('personal', '1000'), toAccountId: ref('llc', '1000') }), status: 422, field: '/kind' },
      { name: 'capital_contribution in the wrong direction (LLC to owner)', body: transferWith({ kind: 'capital_contribution' }), status: 422, field: '/kind' },
      { name: 'paying from an equity account', body: transferWith({ fromAccountId: ref('llc', 'opening_balance') }), status: 422, field: '/fromAccountId' },
      { name: 'receiving into a credit card', body: transferWith({ toAccountId: ref('personal', 'credit_card') }), status: 422, field: '/toAccountId' },
      { name: 'expense_paid_for into a non-expense account', body: transferWith({ kind: 'expense_paid_for' }), status: 422, field: '/toAccountId' },
      { name: 'purpose is empty', body: transferWith({ purpose: '' }), status: 400, field: '/purpose' },
      { name: 'purpose is blank', body: transferWith({ purpose: '      ' }), status: 400, field: '/purpose' },
      { name: 'purpose of 2 characters', body: transferWith({ purpose: 'ab' }), status: 400, field: '/purpose' },
      { name: 'NUL byte in purpose', body: transferWith({ purpose: 'Owner\u0000draw' }), status: 400, field: '/purpose' },
      { name: 'empty documentRef', body: transferWith({ documentRef: '' }), status: 400, field: '/documentRef' },
      { name: 'loan_repayment exceeding what is owed', body: () => ({ ...validTransfer(), kind: 'loan_repayment', amount: '500.00' }), status: 422, field: '/amount', code: 'rule_violation' },
      { name: 'reimbursement exceeding what is due', body: () => ({ ...validTransfer(), kind: 'reimbursement', amount: '500.00' }), status: 422, field: '/amount' },
      { name: 'interest on an owner_draw', body: transferWith({ interest: '5.00' }), status: 422, field: '/interest' },
      { name: 'interest on a member_loan', body: () => ({ ...validTransfer(), kind: 'member_loan', interest: '5.00' }), status: 422, field: '/interest' },
      { name: 'negative interest on a loan_repayment', body: () => ({ ...validTransfer(), kind: 'loan_repayment', interest: '-5.00' }), status: 422, field: '/interest' },
      { name: 'interest equal to the amount', body: () => ({ ...validTransfer(), kind: 'loan_repayment', interest: '250.00' }), status: 422, field: '/interest' },
      { name: 'interest as a JSON number', body: () => ({ ...validTransfer(), kind: 'loan_repayment', interest: 5 }), status: 400, field: '/interest' },
      { name: 'approvedBy cannot be chosen', body: transferWith({ approvedBy: randomUUID() }), status: 400, field: '/approvedBy' },
      { name: 'flowRunId cannot be chosen', body: transferWith({ flowRunId: randomUUID() }), status: 400, field: '/flowRunId' },
      { name: 'currency cannot be chosen', body: transferWith({ currency: 'EUR' }), status: 400, field: '/currency' },
    ],
  },
  {
    label: 'POST /inter-entity-transfers/:transferId/reverse',
    method: 'post',
    path: () => `/api/v1/inter-entity-transfers/${f.transferId}/reverse`,
    isolatedPath: (slot) => () => `/api/v1/inter-entity-transfers/${f.spareTransfers[slot]}/reverse`,
    valid: validReverse,
    stringFields: ['date', 'memo'],
    cases: [
      ...badDates.map(([name, date]) => ({ name: `date ${name}`, body: patch(validReverse, { date }), status: 400, field: '/date' })),
      ...datesOutsideBooks.map(([name, date]) => ({ name: `date ${name} outside the books`, body: patch(validReverse, { date }), status: 422, field: '/date' })),
      { name: 'memo of 501 characters', body: patch(validReverse, { memo: bigString(501) }), status: 400, field: '/memo' },
      { name: 'NUL byte in memo', body: patch(validReverse, { memo: 'Bad\u0000memo' }), status: 400, field: '/memo' },
      { name: 'amount cannot be given', body: patch(validReverse, { amount: '1.00' }), status: 400, field: '/amount' },
      { name: 'transfer already reversed', body: validReverse, path: () => `/api/v1/inter-entity-transfers/${f.reversedTransferId}/reverse`, status: 409, code: 'already_reversed' },
    ],
    pathCases: [
      { name: 'unknown transfer (random UUID)', path: () => `/api/v1/inter-entity-transfers/${unknownUuid}/reverse`, status: 404, code: 'not_found' },
      { name: 'a journal id is not a transfer id', path: () => `/api/v1/inter-entity-transfers/${f.transferHalfJournalId}/reverse`, status: 404, code: 'not_found' },
      ...notUuids.map((id) => ({ name: `transfer id "${id}"`, path: () => `/api/v1/inter-entity-transfers/${encodeURIComponent(id)}/reverse`, status: 404, code: 'not_found' })),
    ],
  },
  {
    label: 'POST /flows',
    method: 'post',
    path: () => '/api/v1/flows',
    valid: validFlow,
    required: ['name', 'graph'],
    stringFields: ['name', 'description'],
    cases: [
      { name: 'empty name', body: patch(validFlow, { name: '' }), status: 400, field: '/name' },
      { name: 'blank name', body: patch(validFlow, { name: '   ' }), status: 400, field: '/name' },
      { name: 'name of 121 characters', body: patch(validFlow, { name: bigString(121) }), status: 400, field: '/name' },
      { name: 'NUL byte in name', body: patch(validFlow, { name: 'Bad\u0000flow' }), status: 400, field: '/name' },
      { name: 'description of 1,001 characters', body: patch(validFlow, { description: bigString(1001) }), status: 400, field: '/description' },
      { name: 'id cannot be chosen', body: patch(validFlow, { id: randomUUID() }), status: 400, field: '/id' },
      { name: 'version cannot be chosen', body: patch(validFlow, { version: 7 }), status: 400, field: '/version' },
      { name: 'templateId cannot be chosen', body: patch(validFlow, { templateId: 'profit-first' }), status: 400, field: '/templateId' },
      { name: 'node data nested 10,000 levels deep', raw: deeplyNestedFlow, status: [400, 413, 422] },
      ...graphShapeCases(validFlow),
    ],
  },
  {
    label: 'PUT /flows/:flowId',
    method: 'put',
    path: () => `/api/v1/flows/${f.flowId}`,
    valid: validFlow,
    required: ['name', 'graph'],
    stringFields: ['name', 'description'],
    cases: [
      { name: 'empty name', body: patch(validFlow, { name: '' }), status: 400, field: '/name' },
      { name: 'version cannot be chosen', body: patch(validFlow, { version: 1 }), status: 400, field: '/version' },
      { name: 'node data nested 10,000 levels deep', raw: deeplyNestedFlow, status: [400, 413, 422] },
      ...graphShapeCases(validFlow),
    ],
    pathCases: [
      { name: 'unknown flow (random UUID)', path: () => `/api/v1/flows/${unknownUuid}`, status: 404, code: 'not_found' },
      { name: 'a run id is not a flow id', path: () => `/api/v1/flows/${f.committedRunId}`, status: 404, code: 'not_found' },
      ...notUuids.map((id) => ({ name: `flow id "${id}"`, path: () => `/api/v1/flows/${encodeURIComponent(id)}`, status: 404, code: 'not_found' })),
    ],
  },
  {
    label: 'POST /flows/validate',
    method: 'post',
    path: () => '/api/v1/flows/validate',
    valid: validValidate,
    required: ['graph'],
    cases: [{ name: 'name is not a field here', body: patch(validValidate, { name: 'x' }), status: 400, field: '/name' }, ...graphShapeCases(validValidate)],
  },
  {
    label: 'POST /flows/preview',
    method: 'post',
    path: () => '/api/v1/flows/preview',
    valid: validPreview,
    required: ['graph'],
    stringFields: ['date'],
    cases: [
      { name: 'version is not a field here', body: patch(validPreview, { version: 1 }), status: 400, field: '/version' },
      ...graphShapeCases(validPreview),
      ...planOptionCases(validPreview, { balances: true }),
      ...previewRuleCases(validPreview),
    ],
  },
  {
    label: 'POST /flows/:flowId/preview',
    method: 'post',
    path: () => `/api/v1/flows/${f.flowId}/preview`,
    valid: validSavedPreview,
    stringFields: ['date'],
    cases: [
      { name: 'version 0', body: patch(validSavedPreview, { version: 0 }), status: 400, field: '/version' },
      { name: 'version as a string', body: patch(validSavedPreview, { version: '1' }), status: 400, field: '/version' },
      { name: 'version 1.5', body: patch(validSavedPreview, { version: 1.5 }), status: 400, field: '/version' },
      { name: 'version that does not exist (99)', body: patch(validSavedPreview, { version: 99 }), status: 404, code: 'not_found' },
      { name: 'a graph cannot be sent to a saved flow', body: () => ({ ...validSavedPreview(), graph: validGraph() }), status: 400, field: '/graph' },
      ...planOptionCases(validSavedPreview, { balances: true }),
      ...previewRuleCases(validSavedPreview),
    ],
    pathCases: [
      { name: 'unknown flow (random UUID)', path: () => `/api/v1/flows/${unknownUuid}/preview`, status: 404, code: 'not_found' },
      ...notUuids.map((id) => ({ name: `flow id "${id}"`, path: () => `/api/v1/flows/${encodeURIComponent(id)}/preview`, status: 404, code: 'not_found' })),
    ],
  },
  {
    label: 'POST /flows/:flowId/runs',
    method: 'post',
    path: () => `/api/v1/flows/${f.flowId}/runs`,
    valid: validRun,
    stringFields: ['date'],
    cases: [
      ...planOptionCases(validRun, { balances: false }),
      { name: 'version cannot be chosen', body: patch(validRun, { version: 1 }), status: 400, field: '/version' },
      { name: 'Idempotency-Key with a space', body: validRun, headers: () => ({ 'Idempotency-Key': 'has space' }), status: 400, field: '/headers/Idempotency-Key' },
      { name: 'Idempotency-Key of 256 characters', body: validRun, headers: () => ({ 'Idempotency-Key': bigString(256) }), status: 400, field: '/headers/Idempotency-Key' },
    ],
    pathCases: [
      { name: 'unknown flow (random UUID)', path: () => `/api/v1/flows/${unknownUuid}/runs`, status: 404, code: 'not_found' },
      ...notUuids.map((id) => ({ name: `flow id "${id}"`, path: () => `/api/v1/flows/${encodeURIComponent(id)}/runs`, status: 404, code: 'not_found' })),
    ],
  },
  {
    label: 'POST /runs/:runId/approve, reject and revert',
    method: 'post',
    path: runPath(() => f.awaitingRunId, 'approve'),
    cases: [
      { name: 'approve a committed run', path: runPath(() => f.committedRunId, 'approve'), status: 409, code: 'not_awaiting_approval' },
      { name: 'approve a failed run', path: runPath(() => f.failedRunId, 'approve'), status: 409, code: 'not_awaiting_approval' },
      { name: 'reject a committed run', path: runPath(() => f.committedRunId, 'reject'), status: 409, code: 'not_awaiting_approval' },
      { name: 'reject a failed run', path: runPath(() => f.failedRunId, 'reject'), status: 409, code: 'not_awaiting_approval' },
      { name: 'revert a failed run', path: runPath(() => f.failedRunId, 'revert'), status: 409, code: 'not_committed' },
      { name: 'revert a run awaiting approval', path: runPath(() => f.awaitingRunId, 'revert'), status: 409, code: 'not_committed' },
      ...(['approve', 'reject', 'revert'] as const).flatMap((action) => [
        { name: `${action} an unknown run (random UUID)`, path: runPath(() => unknownUuid, action), status: 404, code: 'not_found' },
        { name: `${action} with a flow id`, path: runPath(() => f.flowId, action), status: 404, code: 'not_found' },
        ...notUuids.map((id) => ({ name: `${action} run id "${id}"`, path: runPath(() => encodeURIComponent(id), action), status: 404, code: 'not_found' })),
      ]),
    ],
  },
  {
    label: 'POST /templates/:templateId/instantiate',
    method: 'post',
    path: () => '/api/v1/templates/pay-yourself-first/instantiate',
    valid: validInstantiate,
    required: ['roles'],
    stringFields: ['name'],
    cases: [
      { name: 'roles is an array', body: () => ({ ...validInstantiate(), roles: [acct('personal', '1000')] }), status: 400, field: '/roles' },
      { name: 'roles is a string', body: patch(validInstantiate, { roles: 'checking' }), status: 400, field: '/roles' },
      { name: 'role name with capitals', body: () => ({ roles: { ...validInstantiate().roles, Checking: acct('personal', '1000') } }), status: 400, field: '/roles' },
      { name: '51 roles', body: () => ({ roles: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`role_${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`, unknownUuid])) }), status: 400, field: '/roles' },
      { name: 'role account "not-a-uuid"', body: () => ({ roles: { ...validInstantiate().roles, savings: 'not-a-uuid' } }), status: 400, field: '/roles/savings' },
      { name: 'role account is a number', body: () => ({ roles: { ...validInstantiate().roles, savings: 1010 } }), status: 400, field: '/roles/savings' },
      { name: 'role account is null', body: () => ({ roles: { ...validInstantiate().roles, savings: null } }), status: 400, field: '/roles/savings' },
      { name: 'empty name', body: patch(validInstantiate, { name: '' }), status: 400, field: '/name' },
      { name: 'graph cannot be given', body: () => ({ ...validInstantiate(), graph: validGraph() }), status: 400, field: '/graph' },
      { name: 'a role left out', body: () => ({ roles: { checking: acct('personal', '1000') } }), status: 422, field: '/roles/savings', errorCode: 'required' },
      { name: 'role account unknown (random UUID)', body: () => ({ roles: { ...validInstantiate().roles, savings: unknownUuid } }), status: 422, field: '/roles/savings', errorCode: 'unknown_account' },
      { name: 'role account of the LLC for a personal role', body: () => ({ roles: { ...validInstantiate().roles, savings: acct('llc', '1010') } }), status: 422, field: '/roles/savings', errorCode: 'wrong_entity_kind' },
      { name: 'role account of the wrong type', body: () => ({ roles: { ...validInstantiate().roles, savings: acct('personal', '5000') } }), status: 422, field: '/roles/savings', errorCode: 'wrong_account_type' },
      { name: 'a role the template does not have', body: () => ({ roles: { ...validInstantiate().roles, piggy: acct('personal', '1020') } }), status: 422, field: '/roles/piggy', errorCode: 'unknown_role' },
    ],
    pathCases: [
      { name: 'unknown template', path: () => '/api/v1/templates/no-such-template/instantiate', status: 404, code: 'not_found' },
      { name: 'template id with a path escape', path: () => `/api/v1/templates/${encodeURIComponent('../package')}/instantiate`, status: 404, code: 'not_found' },
      { name: 'template id of 300 characters', path: () => `/api/v1/templates/${bigString(300)}/instantiate`, status: 404, code: 'not_found' },
      { name: 'template id in capitals', path: () => '/api/v1/templates/PAY-YOURSELF-FIRST/instantiate', status: 404, code: 'not_found' },
    ],
  },
  // --- query parameters of the list routes and ids of the read routes ---
  {
    label: 'GET /flows/:flowId and its runs, versions and schedule',
    method: 'get',
    path: () => `/api/v1/flows/${f.flowId}`,
    cases: [
      { name: '?version=0', path: () => `/api/v1/flows/${f.flowId}?version=0`, status: 400, field: '/query/version' },
      { name: '?version=abc', path: () => `/api/v1/flows/${f.flowId}?version=abc`, status: 400, field: '/query/version' },
      { name: '?version=1.5', path: () => `/api/v1/flows/${f.flowId}?version=1.5`, status: 400, field: '/query/version' },
      { name: '?version=1&version=2 (repeated)', path: () => `/api/v1/flows/${f.flowId}?version=1&version=2`, status: 400, field: '/query/version' },
      { name: '?version=99 (no such version)', path: () => `/api/v1/flows/${f.flowId}?version=99`, status: 404, code: 'not_found' },
      { name: '?unknown=1', path: () => `/api/v1/flows/${f.flowId}?unknown=1`, status: 400, field: '/query/unknown' },
      { name: 'runs ?limit=0', path: () => `/api/v1/flows/${f.flowId}/runs?limit=0`, status: 400, field: '/query/limit' },
      { name: 'runs ?limit=100000', path: () => `/api/v1/flows/${f.flowId}/runs?limit=100000`, status: 400, field: '/query/limit' },
      { name: 'runs ?offset=-1', path: () => `/api/v1/flows/${f.flowId}/runs?offset=-1`, status: 400, field: '/query/offset' },
      { name: 'schedule ?count=0', path: () => `/api/v1/flows/${f.flowId}/schedule?count=0`, status: 400, field: '/query/count' },
      { name: 'schedule ?count=51', path: () => `/api/v1/flows/${f.flowId}/schedule?count=51`, status: 400, field: '/query/count' },
      ...(['', '/versions', '/runs', '/schedule'] as const).flatMap((suffix) => [
        { name: `flow${suffix} of an unknown flow`, path: () => `/api/v1/flows/${unknownUuid}${suffix}`, status: 404, code: 'not_found' },
        ...notUuids.map((id) => ({ name: `flow${suffix} id "${id}"`, path: () => `/api/v1/flows/${encodeURIComponent(id)}${suffix}`, status: 404, code: 'not_found' })),
      ]),
      { name: 'run of an unknown id', path: () => `/api/v1/runs/${unknownUuid}`, status: 404, code: 'not_found' },
      { name: 'a flow id is not a run id', path: () => `/api/v1/runs/${f.flowId}`, status: 404, code: 'not_found' },
      ...notUuids.map((id) => ({ name: `run id "${id}"`, path: () => `/api/v1/runs/${encodeURIComponent(id)}`, status: 404, code: 'not_found' })),
    ],
  },
  {
    label: 'GET /accounts/:accountId/register',
    method: 'get',
    path: () => `/api/v1/accounts/${acct('personal', '1000')}/register`,
    cases: [
      ...(['0', '-1', 'abc', '100000', '1.5', '', '1e2x'] as const).map((limit) => ({ name: `?limit=${limit}`, path: () => `/api/v1/accounts/${acct('personal', '1000')}/register?limit=${limit}`, status: 400, field: '/query/limit' })),
      ...(['-1', 'abc', '1000001'] as const).map((offset) => ({ name: `?offset=${offset}`, path: () => `/api/v1/accounts/${acct('personal', '1000')}/register?offset=${offset}`, status: 400, field: '/query/offset' })),
      { name: '?from=2026-13-01', path: () => `/api/v1/accounts/${acct('personal', '1000')}/register?from=2026-13-01`, status: 400, field: '/query/from' },
      { name: '?from=2026-02-30', path: () => `/api/v1/accounts/${acct('personal', '1000')}/register?from=2026-02-30`, status: 400, field: '/query/from' },
      { name: '?to=26-01-01', path: () => `/api/v1/accounts/${acct('personal', '1000')}/register?to=26-01-01`, status: 400, field: '/query/to' },
      { name: '?to= (empty)', path: () => `/api/v1/accounts/${acct('personal', '1000')}/register?to=`, status: 400, field: '/query/to' },
      { name: '?search= (empty)', path: () => `/api/v1/accounts/${acct('personal', '1000')}/register?search=`, status: 400, field: '/query/search' },
      { name: '?search of 101 characters', path: () => `/api/v1/accounts/${acct('personal', '1000')}/register?search=${bigString(101)}`, status: 400, field: '/query/search' },
      { name: '?search with a NUL byte', path: () => `/api/v1/accounts/${acct('personal', '1000')}/register?search=a%00b`, status: 400, field: '/query/search' },
      { name: '?limit=1&limit=2 (repeated)', path: () => `/api/v1/accounts/${acct('personal', '1000')}/register?limit=1&limit=2`, status: 400, field: '/query/limit', code: 'validation_failed' },
      { name: '?limit[]=1 (array syntax)', path: () => `/api/v1/accounts/${acct('personal', '1000')}/register?limit[]=1`, status: 400 },
      { name: '?unknown=1', path: () => `/api/v1/accounts/${acct('personal', '1000')}/register?unknown=1`, status: 400, field: '/query/unknown' },
      { name: 'unknown account (random UUID)', path: () => `/api/v1/accounts/${unknownUuid}/register`, status: 404, code: 'not_found' },
      ...notUuids.map((id) => ({ name: `account id "${id}"`, path: () => `/api/v1/accounts/${encodeURIComponent(id)}/register`, status: 404, code: 'not_found' })),
    ],
  },
  {
    label: 'GET /entities/:entityId/trial-balance',
    method: 'get',
    path: () => `/api/v1/entities/${f.h.llc.id}/trial-balance`,
    cases: [
      { name: '?asOf=notadate', path: () => `/api/v1/entities/${f.h.llc.id}/trial-balance?asOf=notadate`, status: 400, field: '/query/asOf' },
      { name: '?asOf=2026-02-30', path: () => `/api/v1/entities/${f.h.llc.id}/trial-balance?asOf=2026-02-30`, status: 400, field: '/query/asOf' },
      { name: '?asOf= (empty)', path: () => `/api/v1/entities/${f.h.llc.id}/trial-balance?asOf=`, status: 400, field: '/query/asOf' },
      { name: '?asOf repeated', path: () => `/api/v1/entities/${f.h.llc.id}/trial-balance?asOf=2026-01-01&asOf=2026-02-01`, status: 400, field: '/query/asOf' },
      { name: '?limit is not a parameter here', path: () => `/api/v1/entities/${f.h.llc.id}/trial-balance?limit=5`, status: 400, field: '/query/limit' },
      { name: 'unknown entity (random UUID)', path: () => `/api/v1/entities/${unknownUuid}/trial-balance`, status: 404, code: 'not_found' },
      ...notUuids.map((id) => ({ name: `entity id "${id}"`, path: () => `/api/v1/entities/${encodeURIComponent(id)}/trial-balance`, status: 404, code: 'not_found' })),
    ],
  },
  {
    label: 'GET /entities/:entityId/journals',
    method: 'get',
    path: () => `/api/v1/entities/${f.h.personal.id}/journals`,
    cases: [
      { name: '?accountId=notauuid', path: () => `/api/v1/entities/${f.h.personal.id}/journals?accountId=notauuid`, status: 400, field: '/query/accountId' },
      { name: '?from=2026-13-01', path: () => `/api/v1/entities/${f.h.personal.id}/journals?from=2026-13-01`, status: 400, field: '/query/from' },
      { name: '?limit=0', path: () => `/api/v1/entities/${f.h.personal.id}/journals?limit=0`, status: 400, field: '/query/limit' },
      { name: '?limit=100000', path: () => `/api/v1/entities/${f.h.personal.id}/journals?limit=100000`, status: 400, field: '/query/limit' },
      { name: '?offset=abc', path: () => `/api/v1/entities/${f.h.personal.id}/journals?offset=abc`, status: 400, field: '/query/offset' },
      { name: '?limit=1&limit=2 (repeated)', path: () => `/api/v1/entities/${f.h.personal.id}/journals?limit=1&limit=2`, status: 400, field: '/query/limit' },
      { name: 'unknown entity (random UUID)', path: () => `/api/v1/entities/${unknownUuid}/journals`, status: 404, code: 'not_found' },
      ...notUuids.map((id) => ({ name: `entity id "${id}"`, path: () => `/api/v1/entities/${encodeURIComponent(id)}/journals`, status: 404, code: 'not_found' })),
    ],
  },
  {
    label: 'GET /inter-entity-transfers',
    method: 'get',
    path: () => '/api/v1/inter-entity-transfers',
    cases: [
      { name: '?kind=bogus', path: () => '/api/v1/inter-entity-transfers?kind=bogus', status: 400, field: '/query/kind' },
      { name: '?kind repeated', path: () => '/api/v1/inter-entity-transfers?kind=owner_draw&kind=member_loan', status: 400, field: '/query/kind' },
      { name: '?entityId=notauuid', path: () => '/api/v1/inter-entity-transfers?entityId=notauuid', status: 400, field: '/query/entityId' },
      { name: '?from=2026-02-30', path: () => '/api/v1/inter-entity-transfers?from=2026-02-30', status: 400, field: '/query/from' },
      { name: '?limit=-1', path: () => '/api/v1/inter-entity-transfers?limit=-1', status: 400, field: '/query/limit' },
      { name: '?limit=abc', path: () => '/api/v1/inter-entity-transfers?limit=abc', status: 400, field: '/query/limit' },
      { name: '?limit=1&limit=2 (repeated)', path: () => '/api/v1/inter-entity-transfers?limit=1&limit=2', status: 400, field: '/query/limit' },
    ],
  },
  {
    label: 'GET /audit-log and GET /entities',
    method: 'get',
    path: () => '/api/v1/audit-log',
    cases: [
      { name: 'audit-log ?limit=0', path: () => '/api/v1/audit-log?limit=0', status: 400, field: '/query/limit' },
      { name: 'audit-log ?limit=100000', path: () => '/api/v1/audit-log?limit=100000', status: 400, field: '/query/limit' },
      { name: 'audit-log ?offset=-1', path: () => '/api/v1/audit-log?offset=-1', status: 400, field: '/query/offset' },
      { name: 'audit-log ?limit=1&limit=2 (repeated)', path: () => '/api/v1/audit-log?limit=1&limit=2', status: 400, field: '/query/limit' },
      { name: 'entities ?unknown=1', path: () => '/api/v1/entities?unknown=1', status: 400, field: '/query/unknown' },
    ],
  },
  {
    label: 'GET by id of an unknown resource',
    method: 'get',
    path: () => '/api/v1/entities',
    cases: (
      [
        ['entity', 'entities'],
        ['account', 'accounts'],
        ['journal', 'journals'],
        ['transfer', 'inter-entity-transfers'],
      ] as const
    ).flatMap(([what, collection]) => [
      { name: `${what} random UUID`, path: () => `/api/v1/${collection}/${unknownUuid}`, status: 404, code: 'not_found' },
      ...notUuids.map((id) => ({ name: `${what} id "${id}"`, path: () => `/api/v1/${collection}/${encodeURIComponent(id)}`, status: 404, code: 'not_found' })),
    ]),
  },
];

const table: [string, Case[]][] = routes.map((route) => [route.label, routeCases(route)]);

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { field: string; message: string; code?: string }[];
}

async function send(c: Case) {
  let req = request(t.app)[c.method](c.path());
  if (!c.anonymous) req = req.set(f.h.auth);
  for (const [name, value] of Object.entries(c.headers?.() ?? {})) req = req.set(name, value);
  if (c.raw) {
    const { type, text } = c.raw();
    return req.set('Content-Type', type).send(text);
  }
  if (c.body) return req.set('Content-Type', 'application/json').send(JSON.stringify(c.body()));
  return req;
}

/** Problem bodies are parsed by hand: supertest only parses application/json. */
function problemOf(text: string): ProblemBody {
  return JSON.parse(text) as ProblemBody;
}

describe('malformed requests are refused with a 4xx problem+json, never a 5xx', () => {
  describe.each(table)('%s', (_label, cases) => {
    it.each(cases.map((c) => [`${c.name} → ${typeof c.status === 'number' ? c.status : c.status.join('/')}`, c] as const))('%s', async (_name, c) => {
      const response = await send(c);
      const expected = typeof c.status === 'number' ? [c.status] : c.status;
      expect(response.status, response.text.slice(0, 500)).toBeLessThan(500);
      expect(expected, `status ${response.status}: ${response.text.slice(0, 500)}`).toContain(response.status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = problemOf(response.text);
      expect(body).toMatchObject({ type: expect.any(String), title: expect.any(String), status: response.status, detail: expect.any(String), code: expect.any(String) });
      expect(body.type).toBe(`https://sluice.dev/problems/${body.code}`);
      if (c.code) expect(body.code).toBe(c.code);
      if (c.field) {
        expect(body.errors, `errors[] should name ${c.field}: ${response.text.slice(0, 500)}`).toBeInstanceOf(Array);
        expect(body.errors!.map((error) => error.field)).toContain(c.field);
        if (c.errorCode) expect(body.errors!.find((error) => error.field === c.field)?.code).toBe(c.errorCode);
        for (const error of body.errors!) expect(error).toMatchObject({ field: expect.stringMatching(/^\//), message: expect.any(String) });
      }
      // An error never echoes a huge input back.
      expect(response.text.length).toBeLessThan(20_000);
    });
  });

  it('wrote nothing: journals, postings, transfers, entities, accounts, users, sessions, keys and audit rows are unchanged', async () => {
    expect(await rowCounts()).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
// Sanity: valid requests still succeed after all that
// ---------------------------------------------------------------------------------------------

describe('valid requests still succeed afterwards', () => {
  const session: { refreshToken?: string } = {};
  let journalToReverse: string;
  let transferToReverse: string;

  it.each(
    [
      { name: 'POST /auth/register', run: () => request(t.app).post('/api/v1/auth/register').send(validRegister()), status: 201 },
      {
        name: 'POST /auth/login',
        run: async () => {
          const response = await request(t.app).post('/api/v1/auth/login').send(validLogin());
          session.refreshToken = response.body.refreshToken;
          return response;
        },
        status: 200,
      },
      {
        name: 'POST /auth/refresh',
        run: async () => {
          const response = await request(t.app).post('/api/v1/auth/refresh').send({ refreshToken: session.refreshToken });
          session.refreshToken = response.body.refreshToken;
          return response;
        },
        status: 200,
      },
      { name: 'POST /auth/logout', run: () => request(t.app).post('/api/v1/auth/logout').send({ refreshToken: session.refreshToken }), status: 204 },
      { name: 'POST /entities', run: () => request(t.app).post('/api/v1/entities').set(f.h.auth).send(validEntity()), status: 201 },
      { name: 'POST /entities/:entityId/accounts', run: () => request(t.app).post(`/api/v1/entities/${f.h.personal.id}/accounts`).set(f.h.auth).send(validAccount()), status: 201 },
      {
        name: 'POST /entities/:entityId/journals',
        run: async () => {
          const response = await request(t.app).post(`/api/v1/entities/${f.h.personal.id}/journals`).set(f.h.auth).send(validJournal());
          journalToReverse = response.body.id;
          return response;
        },
        status: 201,
      },
      { name: 'POST /journals/:journalId/reverse', run: () => request(t.app).post(`/api/v1/journals/${journalToReverse}/reverse`).set(f.h.auth).send(validReverse()), status: 201 },
      {
        name: 'POST /inter-entity-transfers',
        run: async () => {
          const response = await request(t.app).post('/api/v1/inter-entity-transfers').set(f.h.auth).send(validTransfer());
          transferToReverse = response.body.id;
          return response;
        },
        status: 201,
      },
      { name: 'POST /inter-entity-transfers/:transferId/reverse', run: () => request(t.app).post(`/api/v1/inter-entity-transfers/${transferToReverse}/reverse`).set(f.h.auth).send(validReverse()), status: 201 },
      { name: 'GET register with every parameter', run: () => request(t.app).get(`/api/v1/accounts/${acct('personal', '1000')}/register?from=2026-01-01&to=2026-12-31&search=Dinner&limit=500&offset=0`).set(f.h.auth), status: 200 },
      { name: 'GET trial balance asOf', run: () => request(t.app).get(`/api/v1/entities/${f.h.llc.id}/trial-balance?asOf=2026-02-28`).set(f.h.auth), status: 200 },
      { name: 'GET journals by account', run: () => request(t.app).get(`/api/v1/entities/${f.h.personal.id}/journals?accountId=${acct('personal', '1000')}&limit=1`).set(f.h.auth), status: 200 },
      { name: 'GET transfers by kind', run: () => request(t.app).get(`/api/v1/inter-entity-transfers?kind=owner_draw&entityId=${f.h.llc.id}`).set(f.h.auth), status: 200 },
      { name: 'POST /flows', run: () => request(t.app).post('/api/v1/flows').set(f.h.auth).send(validFlow()), status: 201 },
      {
        name: 'POST /flows/validate with exactly 200 nodes and 400 edges',
        run: () => request(t.app).post('/api/v1/flows/validate').set(f.h.auth).send({ graph: { nodes: [...validGraph().nodes, ...notes(197)], edges: [...validGraph().edges, ...signals(398)] } }),
        status: 200,
      },
      { name: 'POST /flows/preview', run: () => request(t.app).post('/api/v1/flows/preview').set(f.h.auth).send(validPreview()), status: 200 },
      { name: 'POST /flows/:flowId/preview', run: () => request(t.app).post(`/api/v1/flows/${f.flowId}/preview`).set(f.h.auth).send(validSavedPreview()), status: 200 },
      { name: 'PUT /flows/:flowId', run: () => request(t.app).put(`/api/v1/flows/${f.flowId}`).set(f.h.auth).send(validFlow()), status: 200 },
      { name: 'GET /flows/:flowId?version=1', run: () => request(t.app).get(`/api/v1/flows/${f.flowId}?version=1`).set(f.h.auth), status: 200 },
      { name: 'POST /flows/:flowId/runs', run: () => request(t.app).post(`/api/v1/flows/${f.flowId}/runs`).set(f.h.auth).set('Idempotency-Key', randomUUID()).send(validRun()), status: 201 },
      { name: 'POST /runs/:runId/approve', run: () => request(t.app).post(`/api/v1/runs/${f.awaitingRunId}/approve`).set(f.h.auth), status: 200 },
      { name: 'POST /runs/:runId/revert', run: () => request(t.app).post(`/api/v1/runs/${f.committedRunId}/revert`).set(f.h.auth), status: 200 },
      { name: 'POST /templates/:templateId/instantiate', run: () => request(t.app).post('/api/v1/templates/pay-yourself-first/instantiate').set(f.h.auth).send(validInstantiate()), status: 201 },
    ].map((c) => [`${c.name} → ${c.status}`, c] as const),
  )('%s', async (_name, { run, status }) => {
    const response = await run();
    expect(response.status, response.text.slice(0, 500)).toBe(status);
  });
});

// ---------------------------------------------------------------------------------------------
// Idempotency-Key
// ---------------------------------------------------------------------------------------------

describe('Idempotency-Key', () => {
  const journalPath = () => `/api/v1/entities/${f.h.personal.id}/journals`;
  const bodyWithMemo = (memo: string) => ({ ...validJournal(), memo });
  const journalsWithMemo = async (memo: string) => Number((await t.database.knex('journals').where({ memo }).count<{ n: string }[]>({ n: '*' }))[0]!.n);

  it('the same journal POSTed twice with one key is written once; the retry is a replay with the same id', async () => {
    const key = `retry-${randomUUID()}`;
    const memo = `Idempotent ${key}`;
    const first = await request(t.app).post(journalPath()).set(f.h.auth).set('Idempotency-Key', key).send(bodyWithMemo(memo));
    expect(first.status, first.text).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const second = await request(t.app).post(journalPath()).set(f.h.auth).set('Idempotency-Key', key).send(bodyWithMemo(memo));
    expect(second.status, second.text).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    expect(second.body).toEqual(first.body);
    expect(await journalsWithMemo(memo)).toBe(1);
  });

  it('the same key with a different body is a 409 problem and writes nothing', async () => {
    const key = `reuse-${randomUUID()}`;
    const memo = `Idempotent ${key}`;
    const first = await request(t.app).post(journalPath()).set(f.h.auth).set('Idempotency-Key', key).send(bodyWithMemo(memo));
    expect(first.status, first.text).toBe(201);
    const counts = await rowCounts();
    const changed = await request(t.app).post(journalPath()).set(f.h.auth).set('Idempotency-Key', key).send({ ...bodyWithMemo(memo), payee: 'Someone else' });
    expect(changed.status, changed.text).toBe(409);
    expect(changed.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(problemOf(changed.text)).toMatchObject({ status: 409, code: 'idempotency_key_reused', type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
    const otherRoute = await request(t.app).post(`/api/v1/journals/${first.body.id}/reverse`).set(f.h.auth).set('Idempotency-Key', key).send({});
    expect(otherRoute.status, otherRoute.text).toBe(409);
    expect(problemOf(otherRoute.text).code).toBe('idempotency_key_reused');
    expect(await rowCounts()).toEqual(counts);
    expect(await journalsWithMemo(memo)).toBe(1);
  });

  it('two concurrent identical requests with one key write exactly one journal', async () => {
    const key = `race-${randomUUID()}`;
    const memo = `Idempotent ${key}`;
    const post = () => request(t.app).post(journalPath()).set(f.h.auth).set('Idempotency-Key', key).send(bodyWithMemo(memo));
    const responses = await Promise.all([post(), post(), post()]);
    for (const response of responses) expect(response.status, response.text).toBe(201);
    const ids = new Set(responses.map((response) => response.body.id));
    expect(ids.size).toBe(1);
    expect(responses.filter((response) => response.headers['idempotent-replayed'] === 'true')).toHaveLength(responses.length - 1);
    expect(await journalsWithMemo(memo)).toBe(1);
  });

  it('a failed request does not burn its key: the corrected retry with the same key succeeds', async () => {
    const key = `fix-${randomUUID()}`;
    const memo = `Idempotent ${key}`;
    const unbalanced = await request(t.app)
      .post(journalPath())
      .set(f.h.auth)
      .set('Idempotency-Key', key)
      .send({ ...bodyWithMemo(memo), postings: [{ accountId: acct('personal', '5030'), amount: '40.00' }, { accountId: acct('personal', '1000'), amount: '-39.00' }] });
    expect(unbalanced.status, unbalanced.text).toBe(422);
    const fixed = await request(t.app).post(journalPath()).set(f.h.auth).set('Idempotency-Key', key).send(bodyWithMemo(memo));
    expect(fixed.status, fixed.text).toBe(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
    expect(await journalsWithMemo(memo)).toBe(1);
  });
});
