/**
 * Issue 13, must hold: a mixed soak of the scaled-out topology (docker-compose: two API processes
 * with SLUICE_SCHEDULER=false and two `npm run worker` processes on one PostgreSQL) for
 * SOAK_MS. Real child processes, one schema of their own (dropped at the end), one local Plaid
 * sandbox in this process (with its fault knobs on) that both API processes and both workers
 * talk to, requests alternating between the two API processes:
 *
 * journals (one at a time, and the same Idempotency-Key at both processes at once), the batch
 * endpoint, inter-entity transfers, manual flow runs (a template and two small graphs; the same
 * key at both processes at once, and different keys), every-minute scheduled flows run by the two
 * workers (two of them owing a backlog, as after an outage), CSV imports (the same file imported
 * at both processes at once), bank syncs (both processes syncing the same item at once, the bank
 * changing data in between) and budget writes (assign, move) on both entities.
 *
 * Afterwards: no 5xx and no network error at all, every 4xx one the operation may answer with a
 * code that says why (insufficient funds, exceeds_outstanding, a move larger than the category);
 * every flow run key has exactly one run; every scheduled occurrence exactly one run; every
 * journal balances, cached balances and monthly totals equal the postings; every journal a 201
 * named exists; every imported row and bank transaction is in the books once; the budget boards
 * reconcile; the audit chain verifies; no process logged an error.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankSyncService } from '../../engine/banking/sync.js';
import { jobNames } from '../../engine/scheduler/flow-scheduler.js';
import { startPlaidSandbox, type PlaidSandbox } from '../../sandbox/plaid/server.js';
import { compareWithBank, type BankHarness } from '../fixtures/banking/bank-harness.js';
import { freePort, startApiProcess, tail, type ApiProcess } from '../support/api-processes.js';
import { expectLedgerInvariants } from '../support/concurrency.js';
import { backdateSchedule, fixedTransferGraph, liveOccurrenceJobs, minutesBetween, node, scheduleTrigger, sleep, startWorker, waitFor, type Graph, type WorkerProcess } from '../support/scheduler-support.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** How long the mixed load runs. */
const SOAK_MS = 60_000;
/** Client loops sending requests at once (the machine has two cores shared with other work). */
const CLIENTS = 6;
/** Every-minute flows the workers run; the first BACKLOG_MINUTES.length owe that many minutes. */
const SCHEDULED_FLOWS = 8;
const BACKLOG_MINUTES = [12, 25];
const BATCH_SIZE = 20;
const CSV_ROWS = 4;

const everyMinute = '* * * * *';
const jwtSecret = `soak-${randomBytes(24).toString('hex')}`;
const encryptionKeys = `soak:${randomBytes(32).toString('base64')}`;
const plaidCredentials = { clientId: 'soak-client', secret: 'soak-secret' };
const today = new Date().toISOString().slice(0, 10);
const month = today.slice(0, 7);

// ---------------------------------------------------------------------------------------------
// HTTP, as a client of either process sees it
// ---------------------------------------------------------------------------------------------

interface Answer {
  status: number;
  body: any;
  text: string;
}

/** One request; a network failure is status 0 (and counts as an error). */
async function call(api: ApiProcess, method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  try {
    const response = await fetch(`${api.url}${route}`, {
      method,
      headers: { ...(auth ? { Authorization: auth } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text };
  } catch (error) {
    return { status: 0, body: undefined, text: `network error: ${(error as Error).message} ${String((error as { cause?: unknown }).cause ?? '')}` };
  }
}

/** Setup calls must succeed. */
async function must(api: ApiProcess, method: string, route: string, body: unknown, status: number): Promise<any> {
  const answer = await call(api, method, route, body);
  if (answer.status !== status) throw new Error(`${method} ${route} on ${api.name}: ${answer.status} ${answer.text}`);
  return answer.body;
}

// ---------------------------------------------------------------------------------------------
// What the soak saw
// ---------------------------------------------------------------------------------------------

interface Seen {
  op: string;
  via: string;
  status: number;
  code?: string;
}

const seen: Seen[] = [];
/** The first refusal of each kind, to show what the 4xx said. */
const refusals = new Map<string, string>();
/** Answers no operation may give: 5xx, network errors, 4xx without an allowed reason, wrong bodies. */
const problems: string[] = [];
/** Journal ids that answers with 201 named. */
const journalIds = new Set<string>();
/** Client flow run keys → the run ids answered for them. */
const runKeys = new Map<string, { flowId: string; runIds: Set<string> }>();
/** Same-key journals: key → ids answered. */
const sameKeyJournals = new Map<string, Set<string>>();
const importedFiles: { fileId: string; externalIds: string[]; added: number }[] = [];
let bankSyncs = 0;

function note(op: string, api: ApiProcess, answer: Answer, allowed: (answer: Answer) => boolean = () => false): boolean {
  seen.push({ op, via: api.name, status: answer.status, ...(answer.body?.code ? { code: answer.body.code } : {}) });
  const fine = (answer.status >= 200 && answer.status < 300) || (answer.status >= 400 && answer.status < 500 && allowed(answer));
  if (!fine) problems.push(`${op} via ${api.name}: ${answer.status} ${answer.text.slice(0, 600)}`);
  else if (answer.status >= 400 && !refusals.has(`${op} ${answer.status}`)) refusals.set(`${op} ${answer.status}`, String(answer.body?.run?.error?.message ?? answer.body?.errors?.[0]?.message ?? answer.body?.detail).slice(0, 200));
  return fine && answer.status < 300;
}

function expectThat(condition: boolean, message: string): void {
  if (!condition) problems.push(message);
}

// ---------------------------------------------------------------------------------------------
// The topology
// ---------------------------------------------------------------------------------------------

let t: TestApp;
let sql: pg.Client;
let sandbox: PlaidSandbox;
let apis: ApiProcess[] = [];
let workers: WorkerProcess[] = [];
let logDir: string;
/** The logs stay (for reading) when the soak failed. */
let keepLogs = false;
let auth: string | undefined;

let turn = 0;
/** The next API process, alternating. */
const next = () => apis[turn++ % 2]!;

interface Accounts {
  [code: string]: string;
}
let personal: { id: string; accounts: Accounts };
let llc: { id: string; accounts: Accounts };
const manualFlows: { id: string; name: string }[] = [];
const scheduledFlows: string[] = [];
let bankItem: { itemId: string; plaidItemId: string };

function childLogs(): string {
  for (const worker of workers) writeFileSync(path.join(logDir, `${worker.name}.log`), worker.output());
  const files = [...apis.map((api) => [api.name, api.logFile] as const), ...workers.map((worker) => [worker.name, path.join(logDir, `${worker.name}.log`)] as const)];
  return files.map(([name, file]) => `----- ${name} (${file}), last lines -----\n${tail(file, 40)}`).join('\n');
}

interface ChildOutput {
  /** pino level 50/60 lines, and anything else that is neither JSON nor a warning (a stack trace, a crash). */
  errors: string[];
  /** Node's process warnings (e.g. DeprecationWarning), each with its stack. */
  warnings: string[];
}

function childOutput(): ChildOutput {
  for (const worker of workers) writeFileSync(path.join(logDir, `${worker.name}.log`), worker.output());
  const output: ChildOutput = { errors: [], warnings: [] };
  for (const [name, file] of [...apis.map((api) => [api.name, api.logFile] as const), ...workers.map((worker) => [worker.name, path.join(logDir, `${worker.name}.log`)] as const)]) {
    let warning: string[] | undefined;
    for (const line of tail(file, 1_000_000).split('\n')) {
      if (!line.trim()) continue;
      if (/^\(node:\d+\) \w*Warning: /.test(line)) {
        warning = [line.replace(/^\(node:\d+\) /, `${name}: `)];
        output.warnings.push(warning[0]!);
        continue;
      }
      if (warning && (/^\s+at /.test(line) || /^\(Use `node --trace/.test(line))) {
        if (/^\s+at /.test(line)) warning.push(line);
        output.warnings[output.warnings.length - 1] = warning.join('\n');
        continue;
      }
      warning = undefined;
      if (/"level":(50|60)/.test(line) || !line.startsWith('{')) output.errors.push(`${name}: ${line.slice(0, 1_500)}`);
    }
  }
  return output;
}

async function accountsOf(api: ApiProcess, entityId: string): Promise<Accounts> {
  const body = await must(api, 'GET', `/entities/${entityId}/accounts`, undefined, 200);
  return Object.fromEntries((body.data as { id: string; code: string }[]).map((account) => [account.code, account.id]));
}

const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
const random = (n: number) => Math.floor(Math.random() * n);
const pick = <T>(items: readonly T[]): T => items[random(items.length)]!;
/** A day of the last 60 days. */
const someDay = () => new Date(Date.now() - random(60) * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  const began = Date.now();
  logDir = mkdtempSync(path.join(tmpdir(), 'sluice-soak-'));
  // The schema, migrated once here; the children find it up to date.
  t = await startTestApp();
  sql = await t.rawClient();
  sandbox = await startPlaidSandbox({ ...plaidCredentials, seed: 13 });
  const shared = {
    SLUICE_JWT_SECRET: jwtSecret,
    SLUICE_ENCRYPTION_KEYS: encryptionKeys,
    PLAID_CLIENT_ID: plaidCredentials.clientId,
    PLAID_SECRET: plaidCredentials.secret,
    PLAID_BASE_PATH: sandbox.url,
    NO_PROXY: '127.0.0.1,localhost',
    SLUICE_AUTH_RATE_LIMIT: '1000',
  };
  const ports = [await freePort(), await freePort()];
  apis = ports.map((port, index) => startApiProcess(`api${index + 1}`, t.schema, port, path.join(logDir, `api${index + 1}.log`), shared));
  // The workers from the start too, so both are polling at every minute of the soak.
  workers = [startWorker('soak-w1', t.schema, shared), startWorker('soak-w2', t.schema, shared)];
  await Promise.all([...apis.map((api) => api.ready), ...workers.map((worker) => worker.ready)]);
  const processesReady = Date.now();

  // A household with a personal entity and an LLC, through both processes.
  const registered = await must(apis[0]!, 'POST', '/auth/register', { email: `soak-${randomBytes(4).toString('hex')}@example.com`, password: 'correct horse battery staple' }, 201);
  auth = `Bearer ${registered.accessToken}`;
  const personalId = (await must(apis[1]!, 'POST', '/entities', { kind: 'personal', name: 'Alex Rivera' }, 201)).id as string;
  const llcId = (await must(apis[0]!, 'POST', '/entities', { kind: 'llc', name: 'Rivera Design LLC' }, 201)).id as string;
  personal = { id: personalId, accounts: await accountsOf(apis[1]!, personalId) };
  llc = { id: llcId, accounts: await accountsOf(apis[0]!, llcId) };
  const opening = async (entity: typeof personal, code: string, amount: string) =>
    must(next(), 'POST', `/entities/${entity.id}/journals`, { date: new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10), memo: 'Opening balance', postings: [{ accountId: entity.accounts[code]!, amount }, { accountId: entity.accounts['3900']!, amount: `-${amount}` }] }, 201);
  await opening(personal, '1000', '500000.00');
  await opening(llc, '1000', '500000.00');
  await opening(personal, '1020', '30.00');

  // Manual flows: a template (an owner draw split into envelopes: an inter-entity transfer, a
  // transfer and two envelope assignments per run), a small transfer, and one that runs out of
  // money now and then (Emergency Fund → Savings, topped up by the soak's journals).
  const draw = await must(apis[1]!, 'POST', '/templates/owner-draw-envelopes/instantiate', {
    name: 'Soak owner draw',
    roles: { llc_checking: llc.accounts['1000'], owner_checking: personal.accounts['1000'], savings: personal.accounts['1010'], rent: personal.accounts['5000'], fun: personal.accounts['5120'] },
  }, 201);
  manualFlows.push({ id: draw.id, name: 'template' });
  const createFlow = async (name: string, graph: Graph, api: ApiProcess) => {
    const created = await must(api, 'POST', '/flows', { name, graph }, 201);
    if (created.problems.length > 0) throw new Error(`flow ${name} has problems: ${JSON.stringify(created.problems)}`);
    return created.id as string;
  };
  manualFlows.push({ id: await createFlow('Soak small transfer', fixedTransferGraph(node('start', 'trigger.manual'), '5.00', personal.accounts['1000']!, personal.accounts['1010']!, 'Soak manual run'), apis[0]!), name: 'small' });
  manualFlows.push({ id: await createFlow('Soak thin account', fixedTransferGraph(node('start', 'trigger.manual'), '25.00', personal.accounts['1020']!, personal.accounts['1010']!, 'From the emergency fund'), apis[1]!), name: 'thin' });

  // Every-minute flows, enabled through the API; two of them owe a backlog, as after an outage.
  // A backlogged flow is enabled and backdated clear of a minute boundary, so no worker can be
  // running the occurrence job that backdating replaces.
  for (let index = 0; index < SCHEDULED_FLOWS; index += 1) {
    const backlog = BACKLOG_MINUTES[index];
    if (backlog !== undefined && 60_000 - (Date.now() % 60_000) < 5_000) await sleep(60_000 - (Date.now() % 60_000) + 1_000);
    const side = index % 2 === 0 ? personal : llc;
    const id = await createFlow(`Soak every minute ${index}`, fixedTransferGraph(scheduleTrigger(everyMinute, 'UTC'), '0.01', side.accounts['1000']!, side.accounts['1010']!, `Every minute ${index}`), next());
    await must(next(), 'POST', `/flows/${id}/enable`, undefined, 200);
    if (backlog !== undefined) {
      const from = new Date(Math.floor(Date.now() / 60_000) * 60_000 - backlog * 60_000 + 30_000);
      await backdateSchedule(t, id, from, new Date(minutesBetween(from, new Date())[0]!));
    }
    scheduledFlows.push(id);
  }

  // A bank, linked through both processes before the faults go on (linking is not retried: a
  // Plaid 5xx during the exchange is a 502 by design).
  const publicToken = sandbox.createPublicToken('ins_109508', ['checking', 'card']);
  const exchanged = await must(apis[0]!, 'POST', '/banking/items', { publicToken }, 201);
  const assigned = await must(apis[1]!, 'POST', `/banking/items/${exchanged.id}/accounts`, { accounts: exchanged.accounts.map((account: { id: string }) => ({ accountId: account.id, entityId: personal.id })) }, 200);
  if (assigned.sync.status !== 'synced') throw new Error(`the first sync did not apply: ${JSON.stringify(assigned.sync)}`);
  bankItem = { itemId: exchanged.id, plaidItemId: (await t.database.knex('bank_items').where({ id: exchanged.id }).first('plaid_item_id')).plaid_item_id };
  console.log(`[soak] setup: schema and 4 processes ready in ${processesReady - began} ms, household, flows and bank in ${Date.now() - processesReady} ms`);
  sandbox.setFaults({ serverErrorRate: 0.1, rateLimitRate: 0.05, institutionDownRate: 0.05, mutationRate: 0.5, mutationBudget: 4, slowRate: 0.2, slowMs: 150 });
}, 90_000);

afterAll(async () => {
  // Workers and API processes first: the schema they use is dropped next.
  await Promise.all([...workers.map((worker) => worker.stop()), ...apis.map((api) => api.stop())]);
  await t?.close();
  await sandbox?.close();
  if (logDir && !keepLogs) rmSync(logDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// The operations
// ---------------------------------------------------------------------------------------------

const key = () => `soak-${randomUUID()}`;
let serial = 0;

function journalBody() {
  const n = ++serial;
  const choice = random(5);
  const [entity, debit, credit] =
    choice === 0 ? [personal, '1000', '4000'] // salary into checking
    : choice === 1 ? [personal, '5020', '1000'] // groceries from checking
    : choice === 2 ? [personal, '1020', '4900'] // a little for the emergency fund (the thin flow's source)
    : choice === 3 ? [llc, '1000', '4000'] // a client payment
    : [llc, '6170', '1000']; // software
  const amount = money(choice === 2 ? 500 + random(2_500) : 100 + random(50_000));
  return { entityId: entity.id, body: { date: someDay(), memo: `soak journal ${n}`, payee: `Payee ${n % 17}`, postings: [{ accountId: entity.accounts[debit]!, amount }, { accountId: entity.accounts[credit]!, amount: `-${amount}` }] } };
}

const operations: { name: string; weight: number; run: () => Promise<void> }[] = [
  {
    name: 'journal',
    weight: 6,
    async run() {
      const { entityId, body } = journalBody();
      const api = next();
      const answer = await call(api, 'POST', `/entities/${entityId}/journals`, body, { 'Idempotency-Key': key() });
      if (note('journal', api, answer)) journalIds.add(answer.body.id);
    },
  },
  {
    name: 'journal, same key at both processes',
    weight: 2,
    async run() {
      const { entityId, body } = journalBody();
      const k = key();
      const answers = await Promise.all(apis.map((api) => call(api, 'POST', `/entities/${entityId}/journals`, body, { 'Idempotency-Key': k })));
      const ids = new Set<string>();
      answers.forEach((answer, index) => {
        if (note('journal (same key)', apis[index]!, answer)) {
          ids.add(answer.body.id);
          journalIds.add(answer.body.id);
        }
      });
      sameKeyJournals.set(k, ids);
      expectThat(ids.size <= 1, `same-key journal ${k} answered ${ids.size} different ids: ${[...ids].join(', ')}`);
    },
  },
  {
    name: 'batch',
    weight: 2,
    async run() {
      const n = ++serial;
      const journals = Array.from({ length: BATCH_SIZE }, (_unused, index) => {
        const amount = money(100 + random(90_000));
        return { date: someDay(), memo: `soak batch ${n} invoice ${index}`, payee: 'Client Co', postings: [{ accountId: llc.accounts['1100']!, amount }, { accountId: llc.accounts['4000']!, amount: `-${amount}` }] };
      });
      const api = next();
      const answer = await call(api, 'POST', `/entities/${llc.id}/journals/batch`, { journals }, { 'Idempotency-Key': key() });
      if (note('batch', api, answer)) {
        expectThat(answer.body.journalIds?.length === BATCH_SIZE, `batch answered ${answer.body.journalIds?.length} ids for ${BATCH_SIZE} journals`);
        for (const id of answer.body.journalIds ?? []) journalIds.add(id);
      }
    },
  },
  {
    name: 'inter-entity transfer',
    weight: 4,
    async run() {
      const kind = pick(['owner_draw', 'capital_contribution', 'member_loan', 'loan_repayment'] as const);
      const fromLlc = kind === 'owner_draw' || kind === 'loan_repayment';
      const body = {
        kind,
        date: someDay(),
        amount: money(1_000 + random(60_000)),
        fromAccountId: fromLlc ? llc.accounts['1000']! : personal.accounts['1000']!,
        toAccountId: fromLlc ? personal.accounts['1000']! : llc.accounts['1000']!,
        purpose: `Soak ${kind.replace('_', ' ')} ${++serial}`,
      };
      const api = next();
      const answer = await call(api, 'POST', '/inter-entity-transfers', body, { 'Idempotency-Key': key() });
      // A repayment of more than is owed is refused, saying so.
      const refusedWhy = (refused: Answer) => kind === 'loan_repayment' && refused.status === 422 && refused.body?.code === 'rule_violation' && refused.body.errors?.[0]?.code === 'exceeds_outstanding';
      if (note(`transfer ${kind}`, api, answer, refusedWhy)) {
        expectThat(answer.body.reconciled === true, `transfer ${answer.body.id} is not reconciled`);
        for (const journal of answer.body.journals ?? []) journalIds.add(journal.id);
        expectThat(answer.body.journals?.length === 2, `transfer ${answer.body.id} answered ${answer.body.journals?.length} journals`);
      }
    },
  },
  {
    name: 'flow run, same key at both processes',
    weight: 3,
    async run() {
      const flow = pick(manualFlows);
      const k = key();
      const answers = await Promise.all(apis.map((api) => call(api, 'POST', `/flows/${flow.id}/runs`, {}, { 'Idempotency-Key': k })));
      const entry = { flowId: flow.id, runIds: new Set<string>() };
      runKeys.set(k, entry);
      answers.forEach((answer, index) => recordRun(`flow run ${flow.name} (same key)`, apis[index]!, answer, entry));
      expectThat(answers[0]!.status === answers[1]!.status, `same-key run ${k} answered ${answers[0]!.status} and ${answers[1]!.status}`);
    },
  },
  {
    name: 'flow run',
    weight: 3,
    async run() {
      const flow = pick(manualFlows);
      const k = key();
      const api = next();
      const entry = { flowId: flow.id, runIds: new Set<string>() };
      runKeys.set(k, entry);
      recordRun(`flow run ${flow.name}`, api, await call(api, 'POST', `/flows/${flow.id}/runs`, {}, { 'Idempotency-Key': k }), entry);
    },
  },
  {
    name: 'CSV import',
    weight: 1,
    async run() {
      const n = ++serial;
      const [day, monthNumber, year] = [today.slice(8, 10), today.slice(5, 7), today.slice(0, 4)];
      const externalIds = Array.from({ length: CSV_ROWS }, (_unused, index) => `SOAK-${n}-${index}`);
      const rows = externalIds.map((id, index) => `${monthNumber}/${String(Math.max(1, Number(day) - index)).padStart(2, '0')}/${year},SOAK STORE ${n} LANE ${index},-${money(n * 1_000 + index * 7 + 13)},${id}`);
      const content = ['Date,Description,Amount,Transaction ID', ...rows].join('\n') + '\n';
      const card = personal.accounts['2000']!;
      const uploadVia = next();
      const uploaded = await call(uploadVia, 'POST', `/banking/imports/files?accountId=${card}&fileName=soak-${n}.csv`, { content });
      if (!note('import upload', uploadVia, uploaded)) return;
      const mapping = uploaded.body.csv?.suggested;
      const previewVia = next();
      const preview = await call(previewVia, 'POST', '/banking/imports/preview', { fileId: uploaded.body.fileId, mapping });
      if (note('import preview', previewVia, preview)) expectThat(preview.body.counts?.new === CSV_ROWS, `preview of soak-${n}.csv: ${JSON.stringify(preview.body.counts)}`);
      // The same file imported at both processes at once: its rows land once.
      // The one that commits second either finds the rows there (201, none added) or finds the
      // upload already consumed by the first (404 not_found: an import deletes its upload).
      const answers = await Promise.all(apis.map((api) => call(api, 'POST', '/banking/imports', { fileId: uploaded.body.fileId, mapping }, { 'Idempotency-Key': key() })));
      let added = 0;
      answers.forEach((answer, index) => {
        const sibling = answers[1 - index]!;
        const consumed = (refused: Answer) => refused.status === 404 && refused.body?.code === 'not_found' && sibling.status === 201 && sibling.body?.counts?.added === CSV_ROWS;
        if (note('import (same file at both)', apis[index]!, answer, consumed)) added += answer.body.counts?.added ?? 0;
      });
      importedFiles.push({ fileId: uploaded.body.fileId, externalIds, added });
    },
  },
  {
    name: 'bank sync',
    weight: 1,
    async run() {
      // The bank moves on between syncs (once, a busy day: more than one page of changes).
      sandbox.mutate(bankItem.plaidItemId, bankSyncs === 6 ? 600 : 1 + random(6));
      bankSyncs += 1;
      if (bankSyncs % 5 === 0) sandbox.setFaults({}); // a fresh budget of mutations during pagination
      const answers = await Promise.all(apis.map((api) => call(api, 'POST', `/banking/items/${bankItem.itemId}/sync`)));
      answers.forEach((answer, index) => {
        if (note('bank sync (both at once)', apis[index]!, answer)) expectThat(answer.body.status === 'synced', `bank sync via ${apis[index]!.name}: ${JSON.stringify({ status: answer.body.status, error: answer.body.error, retries: answer.body.retries, restarts: answer.body.restarts })}`);
      });
    },
  },
  {
    name: 'budget assign',
    weight: 3,
    async run() {
      const [entity, categories] = random(2) === 0 ? [personal, ['5000', '5020', '5030', '5120']] : [llc, ['6080', '6110', '6170']];
      const api = next();
      const answer = await call(api, 'PUT', `/entities/${entity.id}/budget/${month}/categories/${entity.accounts[pick(categories)]!}`, { assigned: money(random(60_000)) }, { 'Idempotency-Key': key() });
      note('budget assign', api, answer);
    },
  },
  {
    name: 'budget move',
    weight: 3,
    async run() {
      const [entity, categories] = random(2) === 0 ? [personal, ['5000', '5020', '5030', '5120']] : [llc, ['6080', '6110', '6170']];
      const from = pick(categories);
      const to = pick(categories.filter((code) => code !== from));
      const api = next();
      const answer = await call(api, 'POST', `/entities/${entity.id}/budget/${month}/move`, { fromCategoryId: entity.accounts[from]!, toCategoryId: entity.accounts[to]!, amount: money(500 + random(20_000)) }, { 'Idempotency-Key': key() });
      // More than the source category holds is refused, naming the amount.
      note('budget move', api, answer, (refused) => refused.status === 422 && refused.body?.errors?.[0]?.field === '/amount');
    },
  },
];

/** A run answer: 201 committed, or 422 run_failed for lack of funds (the thin flow). */
function recordRun(op: string, api: ApiProcess, answer: Answer, entry: { runIds: Set<string> }): void {
  const insufficient = (refused: Answer) => refused.status === 422 && refused.body?.code === 'run_failed' && /^Insufficient funds in /.test(refused.body.run?.error?.message ?? '');
  note(op, api, answer, insufficient);
  const run = answer.status === 201 ? answer.body : answer.status === 422 ? answer.body?.run : undefined;
  if (!run?.id) return;
  entry.runIds.add(run.id);
  if (answer.status === 201) {
    expectThat(run.status === 'committed', `${op}: run ${run.id} is ${run.status}`);
    for (const id of run.journalIds ?? []) journalIds.add(id);
  }
}

const totalWeight = operations.reduce((sum, operation) => sum + operation.weight, 0);
function pickOperation() {
  let roll = Math.random() * totalWeight;
  for (const operation of operations) {
    roll -= operation.weight;
    if (roll < 0) return operation;
  }
  return operations[0]!;
}

// ---------------------------------------------------------------------------------------------
// The soak
// ---------------------------------------------------------------------------------------------

describe(`issue 13: a ${SOAK_MS / 1000} s mixed soak from 2 API processes and 2 worker processes`, () => {
  it('0 errors, no double run, no lost row, every invariant holds', async ({ onTestFailed }) => {
    // Hard or soft (expect.soft) failures alike: show what the processes said.
    onTestFailed(() => {
      keepLogs = true;
      console.error(`[soak] failed; the child processes' logs are kept in ${logDir}; their last lines:\n${childLogs()}`);
    });
    await soak();
  }, 120_000);
});

async function soak(): Promise<void> {
  const knex = t.database.knex;
  const started = Date.now();
  const deadline = started + SOAK_MS;
  const loops = Array.from({ length: CLIENTS }, async () => {
    while (Date.now() < deadline) await pickOperation().run();
  });
  await Promise.all(loops);
  const soakMs = Date.now() - started;

  // --- Every answer: 2xx, or a 4xx saying why ---------------------------------------------------
  const byOp: Record<string, Record<string, number>> = {};
  for (const answer of seen) {
    const bucket = (byOp[answer.op] ??= {});
    const label = answer.code ? `${answer.status} ${answer.code}` : String(answer.status);
    bucket[label] = (bucket[label] ?? 0) + 1;
  }
  console.log(`[soak] ${seen.length} requests in ${soakMs} ms (${CLIENTS} clients, ${bankSyncs} bank sync rounds):\n${JSON.stringify(byOp)}\nrefusals: ${JSON.stringify(Object.fromEntries(refusals), null, 1)}`);
  expect.soft(seen.filter((answer) => answer.status >= 500 || answer.status === 0)).toEqual([]);
  expect.soft(problems).toEqual([]);
  expect.soft(seen.length).toBeGreaterThan(100);
  // Every kind of request got through at least once (the checks below are not about nothing).
  expect.soft(Object.entries(byOp).filter(([, statuses]) => !Object.keys(statuses).some((label) => label.startsWith('2'))).map(([op]) => op)).toEqual([]);
  expect.soft(Object.keys(byOp).length).toBeGreaterThanOrEqual(operations.length);

  // --- Every scheduled occurrence once ----------------------------------------------------------
  const schedules = new Map<string, Date>();
  for (const row of await knex('flows').whereIn('id', scheduledFlows).select('id', 'schedule_from')) schedules.set(row.id, new Date(row.schedule_from));
  const occurrenceKeys = async () => {
    const before = new Date();
    const runs: { flow_id: string; idempotency_key: string; status: string; id: string }[] = await knex('flow_runs').whereIn('flow_id', scheduledFlows).select('id', 'flow_id', 'idempotency_key', 'status');
    const after = new Date();
    return { before, after, runs };
  };
  const { runs: scheduledRuns, before: caughtUpAt } = await waitFor(
    async () => {
      const snapshot = await occurrenceKeys();
      for (const flowId of scheduledFlows) {
        const keys = new Set(snapshot.runs.filter((run) => run.flow_id === flowId).map((run) => run.idempotency_key));
        const owed = minutesBetween(schedules.get(flowId)!, snapshot.before).map((iso) => `schedule:${iso}`);
        if (!owed.every((owedKey) => keys.has(owedKey))) return undefined;
      }
      return snapshot;
    },
    { timeoutMs: 20_000, intervalMs: 250, what: 'the workers to run every owed occurrence' },
  );
  let owedTotal = 0;
  for (const flowId of scheduledFlows) {
    const runs = scheduledRuns.filter((run) => run.flow_id === flowId);
    const owed = minutesBetween(schedules.get(flowId)!, caughtUpAt).map((iso) => `schedule:${iso}`);
    owedTotal += owed.length;
    // Exactly the owed occurrences (one that came due while we looked may be there too), each once.
    const keys = runs.map((run) => run.idempotency_key).sort();
    expect.soft(new Set(keys).size, `flow ${flowId} has a doubled occurrence`).toBe(keys.length);
    expect.soft(keys.filter((runKey) => !owed.includes(runKey)).length, `flow ${flowId}: runs beyond the owed occurrences ${JSON.stringify(keys)} vs ${JSON.stringify(owed)}`).toBeLessThanOrEqual(1);
    expect.soft(runs.every((run) => run.status === 'committed'), `flow ${flowId}: ${JSON.stringify(runs.filter((run) => run.status !== 'committed'))}`).toBe(true);
  }
  // The backlogs, and at least one minute of the soak for every flow.
  expect.soft(owedTotal).toBeGreaterThanOrEqual(BACKLOG_MINUTES.reduce((sum, minutes) => sum + minutes, 0) + (SCHEDULED_FLOWS - BACKLOG_MINUTES.length) * Math.floor(SOAK_MS / 60_000));
  // One journal per scheduled run, nothing more.
  const scheduledJournals = await sql.query(`select r.id, count(j.id)::int as n from flow_runs r left join journals j on j.flow_run_id = r.id where r.flow_id = any($1::uuid[]) group by r.id having count(j.id) <> 1`, [scheduledFlows]);
  expect.soft(scheduledJournals.rows).toEqual([]);
  // Each chain goes on as one job: the next occurrence, nothing twice.
  await waitFor(async () => {
    for (const flowId of scheduledFlows) if ((await liveOccurrenceJobs(knex, flowId)).length !== 1) return false;
    return true;
  }, { timeoutMs: 10_000, what: 'one live occurrence job per scheduled flow' });
  const byWorker = await knex('agenda_jobs').where({ name: jobNames.occurrence }).whereRaw(`data->>'flowId' = any(?::text[])`, [scheduledFlows]).whereNotNull('last_finished_at').groupBy('last_modified_by').select('last_modified_by', knex.raw('count(*)::int as n'));
  console.log(`[soak] ${scheduledRuns.length} scheduled runs (${owedTotal} owed); occurrence jobs finished by ${JSON.stringify(Object.fromEntries(byWorker.map((row) => [row.last_modified_by, row.n])))}`);
  expect.soft(byWorker.map((row) => row.last_modified_by).sort()).toEqual(['soak-w1', 'soak-w2']);
  const failedJobs = await knex('agenda_jobs').whereRaw(`data->>'flowId' = any(?::text[])`, [scheduledFlows]).whereNotNull('fail_reason').select('id', 'fail_reason', 'fail_count');
  expect.soft(failedJobs).toEqual([]);

  // --- Every flow run key once -----------------------------------------------------------------
  const keyed = await sql.query(`select idempotency_key, flow_id, array_agg(id::text) as ids, array_agg(status) as statuses from flow_runs where idempotency_key = any($1::text[]) group by 1, 2`, [[...runKeys.keys()].map((k) => `client:${k}`)]);
  const rowsByKey = new Map(keyed.rows.map((row) => [row.idempotency_key as string, row as { flow_id: string; ids: string[]; statuses: string[] }]));
  for (const [runKey, entry] of runKeys) {
    const row = rowsByKey.get(`client:${runKey}`);
    expect.soft(row, `no run row for key ${runKey}`).toBeDefined();
    if (!row) continue;
    expect.soft(row.ids, `key ${runKey}`).toHaveLength(1);
    expect.soft(row.flow_id).toBe(entry.flowId);
    expect.soft([...entry.runIds], `key ${runKey}: the answers named ${[...entry.runIds].join(', ')}, the table has ${row.ids.join(', ')}`).toEqual(row.ids);
  }
  const manualRuns = await sql.query(`select flow_id, count(*)::int as n from flow_runs where flow_id = any($1::uuid[]) group by 1`, [manualFlows.map((flow) => flow.id)]);
  expect.soft(manualRuns.rows.reduce((sum, row) => sum + row.n, 0)).toBe(runKeys.size);
  // A committed run of the same flow posts the same journals, failed ones nothing.
  const perRun = await sql.query(`select r.flow_id, r.status, count(j.id)::int as n from flow_runs r left join journals j on j.flow_run_id = r.id where r.flow_id = any($1::uuid[]) group by r.id`, [manualFlows.map((flow) => flow.id)]);
  for (const flow of manualFlows) {
    const counts = new Set(perRun.rows.filter((row) => row.flow_id === flow.id && row.status === 'committed').map((row) => row.n));
    expect.soft(counts.size, `${flow.name}: committed runs posted ${[...counts].join(' or ')} journals`).toBeLessThanOrEqual(1);
  }
  expect.soft(perRun.rows.filter((row) => row.status !== 'committed' && row.n > 0)).toEqual([]);

  // --- No lost row ----------------------------------------------------------------------------
  const found = await sql.query(`select count(*)::int as n from journals where id = any($1::uuid[])`, [[...journalIds]]);
  expect.soft(found.rows[0].n, 'journals a 201 named that are not in the books').toBe(journalIds.size);
  for (const [sameKey, ids] of sameKeyJournals) {
    if (ids.size !== 1) continue;
    const posted = await sql.query(`select count(*)::int as n from journals where memo = (select memo from journals where id = $1)`, [[...ids][0]]);
    expect.soft(posted.rows[0].n, `journal of key ${sameKey} posted ${posted.rows[0].n} times`).toBe(1);
  }
  for (const file of importedFiles) {
    expect.soft(file.added, `rows added for file ${file.fileId}`).toBe(CSV_ROWS);
    const rows = await sql.query(`select external_id, count(*)::int as n, count(journal_id)::int as journals from bank_transactions where source = 'file' and external_id = any($1::text[]) and status <> 'undone' group by 1`, [file.externalIds]);
    expect.soft(rows.rows.map((row) => [row.external_id, row.n, row.journals]).sort()).toEqual(file.externalIds.map((id) => [id, 1, 1]).sort());
  }

  // --- The books ---------------------------------------------------------------------------------
  await expectLedgerInvariants(sql);
  // The bank, with the faults off: one more sync and the books equal the bank.
  sandbox.setFaults({ serverErrorRate: 0, rateLimitRate: 0, institutionDownRate: 0, mutationRate: 0, slowRate: 0 });
  const finalSync = await call(apis[0]!, 'POST', `/banking/items/${bankItem.itemId}/sync`);
  expect.soft(finalSync.status, finalSync.text).toBe(200);
  expect.soft(finalSync.body.status).toBe('synced');
  const bank = { t, sandbox, sync: t.container.resolve(BankSyncService), close: async () => undefined } satisfies BankHarness;
  expect.soft((await compareWithBank(bank, { ...bankItem, body: {} })).mismatches).toEqual([]);
  for (const entity of [personal, llc]) {
    for (const api of apis) {
      const board = await call(api, 'GET', `/entities/${entity.id}/budget/${month}`);
      expect.soft(board.status, board.text).toBe(200);
      expect.soft(board.body.reconciliation, `budget of ${entity.id} via ${api.name}`).toMatchObject({ balanced: true });
    }
  }
  for (const api of apis) {
    const verified = await call(api, 'GET', '/audit-log/verify');
    expect.soft(verified.status, verified.text).toBe(200);
    expect.soft(verified.body, `audit chain via ${api.name}`).toMatchObject({ ok: true });
  }
  await expectLedgerInvariants(sql);
  const output = childOutput();
  // Warnings fail nothing, but are shown (once per distinct stack).
  const warnings = [...new Set(output.warnings.map((warning) => warning.replace(/^\S+: /, '')))];
  if (warnings.length > 0) console.warn(`[soak] the child processes printed ${output.warnings.length} warning(s); distinct:\n${warnings.join('\n\n')}`);
  expect.soft(output.errors).toEqual([]);
}
