/**
 * Budget board benchmark: GET /api/v1/entities/:id/budget/:month over HTTP, on PostgreSQL, for
 * one entity with 5 years of books (≈200 transactions a month, cash and card), 100 categories
 * (99 expense accounts and a card's payment category), an assignment per category and month,
 * targets, a layout and holds. Measured: warm reads (goal p50 ≤ 5 ms, p95 ≤ 10 ms), the first
 * read after each kind of write — an assignment, a move, a journal through the API, a journal
 * written in raw SQL, and a read through a second API instance after a write through the first
 * (goal ≤ 15 ms) — and the first read of a fresh instance. Every answer is checked: it
 * reconciles with on-budget cash, and after a write it shows that write; once against SQL too.
 *
 * Rewrites only its own section of bench/RESULTS.md (between the `budget` markers).
 * `npm run bench:budget`; environment variables: see the Reproduce paragraph of section().
 * BENCH_BUDGET_SAVE=file keeps the figures as JSON, and BENCH_BUDGET_BASELINE=file prints a
 * saved run beside this one (measure the code before a change, then after, on the same machine).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { createApp } from '../api/app.js';
import { addMonths, monthEnd } from '../engine/budget/month.js';
import { loadConfig, type AppConfig } from '../engine/config.js';
import { buildContainer, disposeContainer } from '../engine/container.js';
import { openDatabase, type Database } from '../engine/db/database.js';
import { insertJournals, type JournalDraft } from '../engine/ledger/journal-store.js';
import { dropSchema, machineRows, positiveInt, resultsFile, writeSection } from './bench-support.js';

const settings = {
  databaseUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  years: positiveInt('BENCH_BUDGET_YEARS', 5),
  transactionsPerMonth: positiveInt('BENCH_BUDGET_TX_PER_MONTH', 200),
  categories: 100,
  firstMonth: '2021-01',
  calls: positiveInt('BENCH_BUDGET_CALLS', 300),
  warmupCalls: 20,
  /** Rounds of the five writes, each followed by one timed read. */
  writeRounds: positiveInt('BENCH_BUDGET_WRITE_ROUNDS', 40),
  /** Fresh API instances, each timed on its first read. */
  coldCalls: 20,
  goals: { p50Ms: 5, p95Ms: 10, afterWriteP95Ms: 15 },
  seed: 20261201,
  dryRun: process.env.BENCH_BUDGET_DRY_RUN === '1',
  /** Keep the schema afterwards (to look at plans); it is named on stderr. */
  keepSchema: process.env.BENCH_BUDGET_KEEP_SCHEMA === '1',
  saveTo: process.env.BENCH_BUDGET_SAVE,
  baselineFrom: process.env.BENCH_BUDGET_BASELINE,
  label: process.env.BENCH_BUDGET_LABEL ?? 'this tree',
} as const;

function log(message: string): void {
  process.stderr.write(`[bench:budget] ${message}\n`);
}

/** mulberry32: the same books on every run. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

interface Timing {
  count: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
}

function timing(samples: readonly number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    meanMs: sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length),
    minMs: sorted[0] ?? Number.NaN,
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** The writes a read must see at once; each round does all five, each followed by one timed read. */
const writeKinds = ['assign', 'move', 'apiJournal', 'sqlJournal', 'otherInstance'] as const;
type WriteKind = (typeof writeKinds)[number];
const writeKindText: Record<WriteKind, string> = {
  assign: 'after a PUT of an assigned cell',
  move: 'after a move between two categories',
  apiJournal: 'after a journal posted through the API',
  sqlJournal: 'after a journal inserted in raw SQL',
  otherInstance: 'on a second API instance, after a PUT on the first',
};

interface Results {
  label: string;
  months: number;
  journals: number;
  postings: number;
  categories: number;
  assignments: number;
  boardMonth: string;
  warm: Timing;
  afterWrite: Record<WriteKind, Timing>;
  afterWriteAll: Timing;
  /** First read of a fresh API instance (its caches empty). */
  cold: Timing;
  put: Timing;
  sankeyP50Ms: number;
  firstMonthP50Ms: number;
  responseBytes: number;
  statementsPerCall: number;
  statementsAfterWrite: number;
  failures: string[];
  postgres: string;
  setupSeconds: number;
  /** 1-minute load average before and after the timed calls (other sessions share the machine). */
  load: [number, number];
}

async function seed(database: Database, token: string, entityId: string, userId: string) {
  const { knex } = database;
  const random = prng(settings.seed);
  const accounts: { id: string; code: string; type: string; subtype: string }[] = await knex('accounts').where({ entity_id: entityId }).select('id', 'code', 'type', 'subtype');
  const byCode = (code: string) => accounts.find((account) => account.code === code)!.id;
  const existingExpenses = accounts.filter((account) => account.type === 'expense');
  const extra = settings.categories - 1 - existingExpenses.length;
  const added = Array.from({ length: extra }, (_, index) => ({ id: randomUUID(), entity_id: entityId, code: String(7000 + index * 10), name: `Category ${index + 1}`, type: 'expense', subtype: 'expense', currency: 'USD' }));
  await knex('accounts').insert(added);
  const expenses = [...existingExpenses.map((account) => account.id), ...added.map((account) => account.id)];
  const checking = byCode('1000');
  const savings = byCode('1010');
  const card = byCode('2000');
  const salary = byCode('4000');
  const opening = byCode('3900');
  const months = Array.from({ length: settings.years * 12 }, (_, index) => addMonths(settings.firstMonth, index));
  const journals: JournalDraft[] = [];
  const draft = (date: string, memo: string, postings: [string, bigint][]): JournalDraft => ({
    id: randomUUID(),
    entityId,
    date,
    memo,
    source: 'import',
    createdBy: userId,
    postings: postings.map(([accountId, amountMinor]) => ({ accountId, amountMinor, currency: 'USD' })),
  });
  journals.push(draft(`${settings.firstMonth}-01`, 'Opening balance', [[checking, 2_000_000n], [opening, -2_000_000n]]));
  const assignments: Record<string, unknown>[] = [];
  let cardOwed = 0n;
  for (const month of months) {
    const last = Number(monthEnd(month).slice(8));
    const day = () => `${month}-${String(1 + Math.floor(random() * last)).padStart(2, '0')}`;
    journals.push(draft(`${month}-01`, 'Salary', [[checking, 3_200_000n], [salary, -3_200_000n]]));
    if (cardOwed > 0n) journals.push(draft(`${month}-05`, 'Card payment', [[card, cardOwed], [checking, -cardOwed]]));
    cardOwed = 0n;
    journals.push(draft(`${month}-06`, 'To savings', [[savings, 100_000n], [checking, -100_000n]]));
    const spent = new Map<string, bigint>();
    for (let index = 0; index < settings.transactionsPerMonth - 3; index += 1) {
      const category = expenses[Math.floor(random() ** 1.5 * expenses.length)]!;
      const amount = BigInt(500 + Math.floor(random() * 29_500));
      const refund = random() < 0.03;
      const onCard = random() < 0.7;
      const signed = refund ? -amount : amount;
      journals.push(draft(day(), refund ? 'Refund' : 'Purchase', [[category, signed], [onCard ? card : checking, -signed]]));
      if (onCard) cardOwed += signed;
      spent.set(category, (spent.get(category) ?? 0n) + signed);
    }
    for (const category of expenses) {
      const amount = ((spent.get(category) ?? 10_000n) / 100n) * 100n + 1_000n;
      if (amount > 0n) assignments.push({ entity_id: entityId, category_account_id: category, month, amount_minor: amount.toString(), currency: 'USD', source: 'board', created_by: userId });
      if (random() < 0.1) assignments.push({ entity_id: entityId, category_account_id: category, month, amount_minor: '-500', currency: 'USD', source: 'move', created_by: userId });
    }
  }
  log(`posting ${journals.length.toLocaleString('en-US')} journals and ${assignments.length.toLocaleString('en-US')} assignments`);
  for (let start = 0; start < journals.length; start += 5000) {
    await knex.transaction((trx) => insertJournals(trx, journals.slice(start, start + 5000)));
  }
  for (let start = 0; start < assignments.length; start += 2000) await knex('envelope_assignments').insert(assignments.slice(start, start + 2000));
  // Targets on a third of the categories, holds in a few months, a layout of ten groups: all through the API.
  const api = (method: string, url: string, body: unknown) =>
    fetch(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { expenses, months, journals: journals.length, postings: journals.reduce((sum, journal) => sum + journal.postings.length, 0), assignments: assignments.length, api, card };
}

interface BoardAnswer {
  toBeAssigned: string;
  summary: { held: string };
  reconciliation: { onBudgetCash: string; balanced: boolean };
  groups: { categories: { id: string; assigned: string; available: string }[] }[];
}

const toMinor = (text: string) => BigInt(text.replace('.', ''));
const cellsOf = (board: BoardAnswer) => board.groups.flatMap((group) => group.categories);
const cellOf = (board: BoardAnswer, id: string) => cellsOf(board).find((cell) => cell.id === id);

/** One API process's worth: its own container (and so its own caches) over the shared database. */
async function startInstance(config: AppConfig, database: Database) {
  const container = buildContainer(config, database, pino({ level: 'silent' }));
  const server = createApp(container).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await disposeContainer(container);
    },
  };
}

async function timedGet(url: string, token: string) {
  const start = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  return { ms: performance.now() - start, status: response.status, text };
}

async function benchmark(database: Database): Promise<Results> {
  const began = performance.now();
  const config = loadConfig({
    DATABASE_URL: settings.databaseUrl,
    SLUICE_JWT_SECRET: randomBytes(32).toString('hex'),
    SLUICE_DATA_DIR: path.join(os.tmpdir(), 'sluice-bench-unused'),
    LOG_LEVEL: 'silent',
    SLUICE_DEMO: 'false',
    SLUICE_SCHEDULER: 'false',
  });
  const first = await startInstance(config, database);
  const second = await startInstance(config, database);
  const base = first.base;
  try {
    const registered = await fetch(`${base}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `bench-budget-${randomUUID()}@sluice.local`, password: 'bench budget password' }) });
    if (registered.status !== 201) throw new Error(`register: ${registered.status} ${await registered.text()}`);
    const { accessToken: token, user } = (await registered.json()) as { accessToken: string; user: { id: string } };
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const entity = (await (await fetch(`${base}/entities`, { method: 'POST', headers: auth, body: JSON.stringify({ kind: 'personal', name: 'Bench Budget' }) })).json()) as { id: string };
    const data = await seed(database, token, entity.id, user.id);
    const failures: string[] = [];
    const expectOk = async (response: Promise<Response>, what: string) => {
      const answer = await response;
      if (!answer.ok) failures.push(`${what}: ${answer.status} ${(await answer.text()).slice(0, 200)}`);
      return answer;
    };
    for (const [index, category] of data.expenses.slice(0, 33).entries()) {
      const target = index % 3 === 0 ? { kind: 'monthly', amount: '150.00' } : index % 3 === 1 ? { kind: 'by_date', amount: '2400.00', byMonth: '2026-06' } : { kind: 'savings_goal', amount: '5000.00' };
      await expectOk(data.api('PUT', `${base}/categories/${category}/target`, target), 'target');
    }
    const groups = Array.from({ length: 10 }, (_, index) => ({ name: `Group ${index + 1}`, categories: data.expenses.slice(index * 10, index * 10 + 10).map((id, position) => ({ id, hidden: position === 9 })) }));
    await expectOk(data.api('PUT', `${base}/entities/${entity.id}/budget/layout`, { groups }), 'layout');
    const boardMonth = data.months[data.months.length - 1]!;
    for (const month of [data.months[12]!, data.months[30]!, addMonths(boardMonth, -1)]) await expectOk(data.api('PUT', `${base}/entities/${entity.id}/budget/${month}/hold`, { amount: '100.00' }), 'hold');
    await database.knex.raw('analyze');
    const setupSeconds = (performance.now() - began) / 1000;

    const loadBefore = os.loadavg()[0]!;
    const boardPath = `/entities/${entity.id}/budget/${boardMonth}`;
    let statements = 0;
    const countStatement = () => {
      statements += 1;
    };
    database.knex.on('query', countStatement);
    /** A timed GET of the board that must answer 200 and reconcile; its statements are counted. */
    const read = async (instanceBase: string, what: string) => {
      statements = 0;
      const { ms, status, text } = await timedGet(`${instanceBase}${boardPath}`, token);
      const counted = statements;
      if (status !== 200) {
        failures.push(`${what}: ${status} ${text.slice(0, 200)}`);
        return { ms, board: undefined, statements: counted, bytes: text.length };
      }
      const board = JSON.parse(text) as BoardAnswer;
      if (!board.reconciliation.balanced) failures.push(`${what}: the board does not reconcile with on-budget cash`);
      return { ms, board, statements: counted, bytes: text.length };
    };

    log(`${settings.warmupCalls} warm-up + ${settings.calls} measured calls of GET …/budget/${boardMonth}`);
    const warm: number[] = [];
    const warmStatements: number[] = [];
    let responseBytes = 0;
    for (let index = 0; index < settings.warmupCalls + settings.calls; index += 1) {
      const answer = await read(base, `call ${index}`);
      if (index < settings.warmupCalls) continue;
      warm.push(answer.ms);
      warmStatements.push(answer.statements);
      responseBytes = answer.bytes;
    }
    // Once against SQL: on-budget cash at the month end, and the category count.
    const final = (await read(base, 'final call')).board!;
    const categories = cellsOf(final);
    if (categories.length !== settings.categories) failures.push(`${categories.length} categories on the board, not ${settings.categories}`);
    const cash = await database.knex.raw<{ rows: { total: string }[] }>(
      `select coalesce(sum(p.amount_minor), 0)::text as total from postings p join accounts a on a.id = p.account_id
        where a.entity_id = ? and a.subtype in ('checking', 'savings', 'money_market', 'cash') and p.date <= ?`,
      [entity.id, monthEnd(boardMonth)],
    );
    const budgeted = toMinor(final.toBeAssigned) + toMinor(final.summary.held) + categories.reduce((sum, item) => sum + toMinor(item.available), 0n);
    if (budgeted !== BigInt(cash.rows[0]!.total)) failures.push(`To be assigned + held + Σ available = ${budgeted}, on-budget cash in SQL = ${cash.rows[0]!.total}`);
    if (toMinor(final.reconciliation.onBudgetCash) !== BigInt(cash.rows[0]!.total)) failures.push('the board’s on-budget cash differs from SQL');

    // The first read after each kind of write, and that it shows the write.
    const checking = (await database.knex('accounts').where({ entity_id: entity.id, code: '1000' }).first('id')).id as string;
    const salary = (await database.knex('accounts').where({ entity_id: entity.id, code: '4000' }).first('id')).id as string;
    const afterWrite = Object.fromEntries(writeKinds.map((kind) => [kind, [] as number[]])) as Record<WriteKind, number[]>;
    const afterWriteStatements: number[] = [];
    const puts: number[] = [];
    await read(second.base, 'second instance, first read');
    let last = final;
    const putCell = async (categoryId: string, assigned: string) => {
      const start = performance.now();
      await expectOk(fetch(`${base}${boardPath}/categories/${categoryId}`, { method: 'PUT', headers: auth, body: JSON.stringify({ assigned }) }), 'PUT');
      puts.push(performance.now() - start);
    };
    const readAfter = async (kind: WriteKind, instanceBase: string, round: number, shows: (board: BoardAnswer) => string | undefined) => {
      const answer = await read(instanceBase, `${kind} ${round}`);
      afterWrite[kind].push(answer.ms);
      afterWriteStatements.push(answer.statements);
      if (!answer.board) return;
      const stale = shows(answer.board);
      if (stale) failures.push(`${kind} ${round}: the next read does not show the write (${stale})`);
      last = answer.board;
    };
    const assignedIs = (categoryId: string, wanted: string) => (board: BoardAnswer) => {
      const assigned = cellOf(board, categoryId)?.assigned;
      return assigned === wanted ? undefined : `assigned ${assigned}, wrote ${wanted}`;
    };
    const cashGrewBy = (before: BoardAnswer, minor: bigint) => (board: BoardAnswer) => {
      const grown = toMinor(board.reconciliation.onBudgetCash) - toMinor(before.reconciliation.onBudgetCash);
      return grown === minor ? undefined : `on-budget cash grew by ${grown}, not ${minor}`;
    };
    const interest = (): JournalDraft => ({ id: randomUUID(), entityId: entity.id, date: monthEnd(boardMonth), memo: 'Interest', source: 'import', createdBy: user.id, postings: [{ accountId: checking, amountMinor: 1n, currency: 'USD' }, { accountId: salary, amountMinor: -1n, currency: 'USD' }] });
    log(`${settings.writeRounds} rounds of ${writeKinds.length} writes, each followed by one timed read`);
    for (let round = 0; round < settings.writeRounds; round += 1) {
      const cell = data.expenses[round % data.expenses.length]!;
      const assigned = `${200 + round}.00`;
      await putCell(cell, assigned);
      await readAfter('assign', base, round, assignedIs(cell, assigned));

      const giver = cellsOf(last).find((item) => item.id !== cell && toMinor(item.available) >= 100n)!;
      const before = last;
      await expectOk(fetch(`${base}${boardPath}/move`, { method: 'POST', headers: auth, body: JSON.stringify({ fromCategoryId: giver.id, toCategoryId: cell, amount: '1.00' }) }), 'move');
      await readAfter('move', base, round, (board) => {
        const gave = toMinor(cellOf(before, giver.id)!.assigned) - toMinor(cellOf(board, giver.id)!.assigned);
        const got = toMinor(cellOf(board, cell)!.assigned) - toMinor(cellOf(before, cell)!.assigned);
        return gave === 100n && got === 100n ? undefined : `moved ${gave} out and ${got} in, not 100 and 100`;
      });

      const beforeJournal = last;
      await expectOk(fetch(`${base}/entities/${entity.id}/journals`, { method: 'POST', headers: auth, body: JSON.stringify({ date: monthEnd(boardMonth), memo: 'Interest', postings: [{ accountId: checking, amount: '0.01' }, { accountId: salary, amount: '-0.01' }] }) }), 'journal');
      await readAfter('apiJournal', base, round, cashGrewBy(beforeJournal, 1n));

      const beforeSql = last;
      await database.knex.transaction(async (trx) => {
        const draft = interest();
        await trx.raw('insert into journals (id, entity_id, date, memo, source, created_by) values (?, ?, ?, ?, ?, ?)', [draft.id, draft.entityId, draft.date, 'Interest (SQL)', 'import', draft.createdBy]);
        await trx.raw(`insert into postings (journal_id, entity_id, date, account_id, amount_minor, currency) values (?, ?, ?, ?, 1, 'USD'), (?, ?, ?, ?, -1, 'USD')`, [draft.id, draft.entityId, draft.date, checking, draft.id, draft.entityId, draft.date, salary]);
      });
      await readAfter('sqlJournal', base, round, cashGrewBy(beforeSql, 1n));

      const elsewhere = `${300 + round}.00`;
      await putCell(cell, elsewhere);
      await readAfter('otherInstance', second.base, round, assignedIs(cell, elsewhere));
    }

    // A fresh instance's first read (what a new API process pays once per entity).
    const cold: number[] = [];
    for (let index = 0; index < settings.coldCalls; index += 1) {
      const fresh = await startInstance(config, database);
      try {
        const answer = await read(fresh.base, `cold ${index}`);
        cold.push(answer.ms);
        if (answer.board && JSON.stringify(answer.board) !== JSON.stringify(last)) failures.push(`cold ${index}: a fresh instance answers another board than the warm one`);
      } finally {
        await fresh.close();
      }
    }
    database.knex.off('query', countStatement);

    const timeOf = async (target: string, count: number) => {
      const times: number[] = [];
      for (let index = 0; index < count; index += 1) times.push((await timedGet(target, token)).ms);
      return timing(times).p50Ms;
    };
    const sankeyP50Ms = await timeOf(`${base}${boardPath}/sankey`, 50);
    const firstMonthP50Ms = await timeOf(`${base}/entities/${entity.id}/budget/${data.months[0]}`, 50);
    const { rows } = await database.knex.raw<{ rows: { version: string }[] }>('select version()');
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    return {
      label: settings.label,
      months: data.months.length,
      journals: data.journals,
      postings: data.postings,
      categories: categories.length,
      assignments: data.assignments,
      boardMonth,
      warm: timing(warm),
      afterWrite: Object.fromEntries(writeKinds.map((kind) => [kind, timing(afterWrite[kind])])) as Record<WriteKind, Timing>,
      afterWriteAll: timing(writeKinds.flatMap((kind) => afterWrite[kind])),
      cold: timing(cold),
      put: timing(puts),
      sankeyP50Ms,
      firstMonthP50Ms,
      responseBytes,
      statementsPerCall: median(warmStatements),
      statementsAfterWrite: median(afterWriteStatements),
      failures,
      postgres: rows[0]!.version.replace(/ on .*$/, ''),
      setupSeconds,
      load: [loadBefore, os.loadavg()[0]!],
    };
  } finally {
    await second.close();
    await first.close();
  }
}

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 2 : 1)} ms` : 'n/a');
const pair = (value: Timing | undefined) => (value ? `${ms(value.p50Ms)} / ${ms(value.p95Ms)}` : 'n/a');
const verdict = (met: boolean) => (met ? 'met' : '**missed**');

/** The figures as table rows: measure, this run, the baseline run (when given), detail. */
function table(results: Results, baseline: Results | undefined): string {
  const goals = settings.goals;
  const warmMet = results.warm.p50Ms <= goals.p50Ms && results.warm.p95Ms <= goals.p95Ms;
  const afterMet = results.afterWriteAll.p95Ms <= goals.afterWriteP95Ms;
  const rows: [string, (r: Results) => string, string][] = [
    ['Warm read: p50 / p95', (r) => pair(r.warm), `${settings.calls} calls after ${settings.warmupCalls} warm-up calls, one at a time; goal p50 ≤ ${goals.p50Ms} ms and p95 ≤ ${goals.p95Ms} ms: ${verdict(warmMet)}`],
    ['Warm read: p99, mean, min, max', (r) => `${ms(r.warm.p99Ms)}, ${ms(r.warm.meanMs)}, ${ms(r.warm.minMs)}, ${ms(r.warm.maxMs)}`, ''],
    ['First read after a write: p50 / p95', (r) => pair(r.afterWriteAll), `all ${results.afterWriteAll.count} reads below; goal p95 ≤ ${goals.afterWriteP95Ms} ms: ${verdict(afterMet)}`],
    ...writeKinds.map((kind): [string, (r: Results) => string, string] => [`… ${writeKindText[kind]}`, (r) => pair(r.afterWrite?.[kind]), `${results.afterWrite[kind].count} reads, each checked to show its write`]),
    [
      'First read of a fresh instance: p50 / p95',
      (r) => pair(r.cold),
      `${results.cold.count} new containers (empty caches) on the same database, one read each${baseline ? '; before, the posting sums were cached per Node process, not per container, so the baseline’s fresh containers found them cached (its figure is not a cold read)' : ''}`,
    ],
    ['PUT a cell: p50 / p95', (r) => pair(r.put), `${results.put.count} writes: per-entity lock, the facts, the assignment row, the audit entry, the new board`],
    ['SQL statements per warm read', (r) => String(r.statementsPerCall), 'median, the session check included'],
    ['SQL statements per read after a write', (r) => String(r.statementsAfterWrite), 'median'],
    ['Response', (r) => `${(r.responseBytes / 1024).toFixed(1)} KiB`, `${results.categories} categories in 12 groups, every amount a decimal string`],
    ['Board of the first month (p50)', (r) => ms(r.firstMonthP50Ms), 'same data, the chain is one month long'],
    ['Sankey of the board month (p50)', (r) => ms(r.sankeyP50Ms), 'GET …/sankey, 50 calls'],
    ['Answers checked', (r) => (r.failures.length === 0 ? 'ok' : `**${r.failures.length} problem(s)**`), 'every read reconciles; every read after a write shows it; To be assigned + held + Σ available = on-budget cash from SQL'],
  ];
  const header = baseline ? `| Measure | ${results.label} | ${baseline.label} (baseline) | Detail |\n|---|---|---|---|` : '| Measure | Result | Detail |\n|---|---|---|';
  const line = ([name, value, detail]: (typeof rows)[number]) => (baseline ? `| ${name} | ${value(results)} | ${value(baseline)} | ${detail} |` : `| ${name} | ${value(results)} | ${detail} |`);
  return [header, ...rows.map(line)].join('\n');
}

function section(results: Results, baseline: Results | undefined): string {
  const cpus = os.cpus();
  const baselineLine = baseline
    ? `\nThe baseline column is this script run on ${baseline.label}, on the same machine just before this run (load average ${baseline.load[0].toFixed(2)} → ${baseline.load[1].toFixed(2)}).\n`
    : '';
  return `## Budget benchmark

Written by \`npm run bench:budget\` (bench/budget.bench.ts); regenerate rather than edit.

### Run

| | |
|---|---|
${machineRows()}
| PostgreSQL | ${results.postgres} |
| Load average (1 min) | ${results.load[0].toFixed(2)} before the timed calls, ${results.load[1].toFixed(2)} after (${cpus.length} CPUs shared with other sessions) |
| Data | one personal entity, ${results.months} months from ${settings.firstMonth}: ${results.journals.toLocaleString('en-US')} journals (${results.postings.toLocaleString('en-US')} postings; ${settings.transactionsPerMonth} a month: salary, card payment, savings transfer, purchases 70 % on the card, 3 % refunds), ${results.categories} categories, ${results.assignments.toLocaleString('en-US')} assignment rows, 33 targets, 10 groups, 3 holds; seed ${settings.seed}; set up in ${results.setupSeconds.toFixed(1)} s |

### GET /api/v1/entities/:id/budget/${results.boardMonth}
${baselineLine}
${table(results, baseline)}

### What the figures measure

- Wall clock of one HTTP request from \`fetch\` to the last byte, against the API listening on
  127.0.0.1 (Express, bearer-token check, ajv, the queries, the pure board, JSON): the board of the
  last of the ${results.months} months, which chains every month before it. One request at a time, after
  \`ANALYZE\`.
- **Warm** reads: nothing changed since the last read. **After a write**: ${settings.writeRounds} rounds of five
  writes (a PUT of a cell, a move of 1.00, a journal through the API, a journal inserted in raw SQL
  outside the application, a PUT read back through a second API instance — its own container and
  caches on the same database), each followed by one timed read that must show the write (the
  cell's amount, both cells of the move, on-budget cash up by the journal's 0.01).
- **Fresh instance**: a new container per read, so its first read loads the entity's whole history;
  it must answer exactly the board the warm instance answered last.
- How the board answers (engine/budget/board-cache.ts): each API process keeps per entity the
  budget rows, the facts, the chain of months and the finished views. A warm read is the session
  check and one primary-key read of the entity with its versions (migration 011: raised at the
  commit of every transaction that changes journals, assignments, holds, categories, groups or
  accounts of the entity — however it was written). When a version moved, one more statement
  brings only what changed: the journals and assignments committed since the snapshot the cache
  was last complete in, and the small budget tables; the chain is recomputed from the first month
  the change touches. A fresh process reads everything once (the posting sums from the monthly
  summary \`account_monthly_totals\`, less journals that touch no on-budget account).
- Each answer must reconcile (To be assigned + held + Σ available = on-budget cash); one is also
  compared with the on-budget cash summed in SQL, and must list ${settings.categories} categories.

### Reproduce

\`\`\`sh
npm run bench:budget
\`\`\`

It needs PostgreSQL (\`BENCH_DATABASE_URL\`, default \`postgres://postgres@127.0.0.1:5432/test\`);
it creates a schema \`bench_<random>\`, migrates it, and drops it at the end. Variables:
\`BENCH_BUDGET_YEARS\` (5), \`BENCH_BUDGET_TX_PER_MONTH\` (200), \`BENCH_BUDGET_CALLS\` (300),
\`BENCH_BUDGET_WRITE_ROUNDS\` (40), \`BENCH_BUDGET_DRY_RUN=1\` (print, do not write),
\`BENCH_BUDGET_KEEP_SCHEMA=1\` (keep the data to look at plans), \`BENCH_BUDGET_SAVE=file\` (keep the
figures as JSON), \`BENCH_BUDGET_BASELINE=file\` with \`BENCH_BUDGET_LABEL\` (print a saved run beside
this one: run the code before a change with \`BENCH_BUDGET_SAVE\`, then after with \`BENCH_BUDGET_BASELINE\`).`;
}

async function readBaseline(): Promise<Results | undefined> {
  if (!settings.baselineFrom) return undefined;
  return JSON.parse(await readFile(settings.baselineFrom, 'utf8')) as Results;
}

async function main(): Promise<void> {
  const baseline = await readBaseline();
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  log(`schema ${schema} on ${settings.databaseUrl.replace(/\/\/[^@/]*@/, '//…@')}`);
  let database: Database | undefined;
  let results: Results;
  try {
    database = await openDatabase({ databaseUrl: settings.databaseUrl, schema, poolMax: 4 });
    results = await benchmark(database);
  } finally {
    await database?.close();
    if (settings.keepSchema) log(`kept schema ${schema}`);
    else await dropSchema(settings.databaseUrl, schema, log);
  }
  process.stdout.write(`${table(results, baseline)}\n`);
  if (settings.saveTo) await writeFile(settings.saveTo, JSON.stringify(results, null, 2));
  if (results.failures.length > 0) {
    for (const failure of results.failures.slice(0, 20)) log(`FAILED: ${failure}`);
    log(`${path.relative(process.cwd(), resultsFile)} not written`);
    process.exitCode = 1;
    return;
  }
  if (settings.dryRun) {
    log('BENCH_BUDGET_DRY_RUN=1: RESULTS.md not written');
    return;
  }
  await writeSection('budget', section(results, baseline));
  log(`wrote the budget section of ${path.relative(process.cwd(), resultsFile)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
