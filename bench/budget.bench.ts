/**
 * Budget board benchmark: GET /api/v1/entities/:id/budget/:month over HTTP, on PostgreSQL, for
 * one entity with 5 years of books (≈200 transactions a month, cash and card), 100 categories
 * (99 expense accounts and a card's payment category), an assignment per category and month,
 * targets, a layout and holds. p50/p95/p99 of the whole call (HTTP, auth, queries, the pure
 * board, JSON), goal p95 ≤ 100 ms. The answer is checked on every call (it reconciles with
 * on-budget cash) and once against SQL.
 *
 * Rewrites only its own section of bench/RESULTS.md (between the `budget` markers).
 * `npm run bench:budget`; environment variables: see the Reproduce paragraph of section().
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { createApp } from '../api/app.js';
import { addMonths, monthEnd } from '../engine/budget/month.js';
import { loadConfig } from '../engine/config.js';
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
  goals: { p95Ms: 100 },
  seed: 20261201,
  dryRun: process.env.BENCH_BUDGET_DRY_RUN === '1',
  /** Keep the schema afterwards (to look at plans); it is named on stderr. */
  keepSchema: process.env.BENCH_BUDGET_KEEP_SCHEMA === '1',
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
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Results {
  months: number;
  journals: number;
  postings: number;
  categories: number;
  assignments: number;
  boardMonth: string;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  sankeyP50Ms: number;
  firstMonthP50Ms: number;
  /** Calls right after a new journal (the cached posting sums no longer match: read again). */
  coldP50Ms: number;
  coldP95Ms: number;
  coldCalls: number;
  /** Calls after postings were added to an old journal by hand: the whole history is read again. */
  fullP50Ms: number;
  fullP95Ms: number;
  fullCalls: number;
  /** PUT of one assigned cell (a write: lock, read the history in the transaction, insert, audit, answer the board). */
  putP50Ms: number;
  putP95Ms: number;
  responseBytes: number;
  statementsPerCall: number;
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
  const container = buildContainer(config, database, pino({ level: 'silent' }));
  const app = createApp(container);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
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
    const url = `${base}/entities/${entity.id}/budget/${boardMonth}`;
    let statements = 0;
    const countStatement = () => {
      statements += 1;
    };
    const call = async (target: string) => {
      const start = performance.now();
      const response = await fetch(target, { headers: { authorization: `Bearer ${token}` } });
      const text = await response.text();
      return { ms: performance.now() - start, status: response.status, text };
    };
    let responseBytes = 0;
    const statementCounts: number[] = [];
    const durations: number[] = [];
    log(`${settings.warmupCalls} warm-up + ${settings.calls} measured calls of GET …/budget/${boardMonth}`);
    for (let index = 0; index < settings.warmupCalls + settings.calls; index += 1) {
      statements = 0;
      database.knex.on('query', countStatement);
      const { ms, status, text } = await call(url);
      database.knex.off('query', countStatement);
      if (status !== 200) {
        failures.push(`call ${index}: ${status} ${text.slice(0, 200)}`);
        continue;
      }
      const board = JSON.parse(text) as { reconciliation: { balanced: boolean }; groups: { categories: unknown[] }[] };
      if (!board.reconciliation.balanced) failures.push(`call ${index}: the board does not reconcile with on-budget cash`);
      if (index >= settings.warmupCalls) {
        durations.push(ms);
        statementCounts.push(statements);
        responseBytes = text.length;
      }
    }
    // Once against SQL: on-budget cash at the month end, and the category count.
    const final = JSON.parse((await call(url)).text) as { toBeAssigned: string; summary: { held: string }; reconciliation: { onBudgetCash: string }; groups: { categories: { available: string }[] }[] };
    const categories = final.groups.flatMap((group) => group.categories);
    if (categories.length !== settings.categories) failures.push(`${categories.length} categories on the board, not ${settings.categories}`);
    const cash = await database.knex.raw<{ rows: { total: string }[] }>(
      `select coalesce(sum(p.amount_minor), 0)::text as total from postings p join accounts a on a.id = p.account_id
        where a.entity_id = ? and a.subtype in ('checking', 'savings', 'money_market', 'cash') and p.date <= ?`,
      [entity.id, monthEnd(boardMonth)],
    );
    const toMinor = (text: string) => BigInt(text.replace('.', ''));
    const budgeted = toMinor(final.toBeAssigned) + toMinor(final.summary.held) + categories.reduce((sum, item) => sum + toMinor(item.available), 0n);
    if (budgeted !== BigInt(cash.rows[0]!.total)) failures.push(`To be assigned + held + Σ available = ${budgeted}, on-budget cash in SQL = ${cash.rows[0]!.total}`);
    if (toMinor(final.reconciliation.onBudgetCash) !== BigInt(cash.rows[0]!.total)) failures.push('the board’s on-budget cash differs from SQL');

    const timeOf = async (target: string, count: number) => {
      const times: number[] = [];
      for (let index = 0; index < count; index += 1) times.push((await call(target)).ms);
      return percentile(times.sort((a, b) => a - b), 50);
    };
    // Cold: a journal posted before each call, so the board reads every posting sum again.
    const cold: number[] = [];
    const checking = (await database.knex('accounts').where({ entity_id: entity.id, code: '1000' }).first('id')).id as string;
    const salary = (await database.knex('accounts').where({ entity_id: entity.id, code: '4000' }).first('id')).id as string;
    for (let index = 0; index < 60; index += 1) {
      await database.knex.transaction((trx) =>
        insertJournals(trx, [{ id: randomUUID(), entityId: entity.id, date: monthEnd(boardMonth), memo: 'Interest', source: 'import', createdBy: user.id, postings: [{ accountId: checking, amountMinor: 1n, currency: 'USD' }, { accountId: salary, amountMinor: -1n, currency: 'USD' }] }]),
      );
      const { ms: elapsed, status, text } = await call(url);
      if (status !== 200 || !(JSON.parse(text) as { reconciliation: { balanced: boolean } }).reconciliation.balanced) failures.push(`cold call ${index}: ${status}`);
      cold.push(elapsed);
    }
    cold.sort((a, b) => a - b);
    // Full re-read: a balanced pair added by hand to the opening journal (an old journal) makes
    // the cached sums unusable, so the board reads every posting sum of the 5 years again.
    const full: number[] = [];
    const opening = (await database.knex('journals').where({ entity_id: entity.id, memo: 'Opening balance' }).first('id', 'date')) as { id: string; date: string };
    for (let index = 0; index < 40; index += 1) {
      await database.knex('postings').insert([
        { journal_id: opening.id, entity_id: entity.id, date: opening.date, account_id: checking, amount_minor: '1', currency: 'USD' },
        { journal_id: opening.id, entity_id: entity.id, date: opening.date, account_id: salary, amount_minor: '-1', currency: 'USD' },
      ]);
      const { ms: elapsed, status, text } = await call(url);
      if (status !== 200 || !(JSON.parse(text) as { reconciliation: { balanced: boolean } }).reconciliation.balanced) failures.push(`full call ${index}: ${status}`);
      full.push(elapsed);
    }
    full.sort((a, b) => a - b);
    const puts: number[] = [];
    for (let index = 0; index < 40; index += 1) {
      const start = performance.now();
      const response = await fetch(`${url}/categories/${data.expenses[index % data.expenses.length]}`, { method: 'PUT', headers: auth, body: JSON.stringify({ assigned: `${100 + index}.00` }) });
      const text = await response.text();
      puts.push(performance.now() - start);
      if (response.status !== 200 || !(JSON.parse(text) as { reconciliation: { balanced: boolean } }).reconciliation.balanced) failures.push(`PUT ${index}: ${response.status}`);
    }
    puts.sort((a, b) => a - b);
    const sankeyP50Ms = await timeOf(`${url}/sankey`, 50);
    const firstMonthP50Ms = await timeOf(`${base}/entities/${entity.id}/budget/${data.months[0]}`, 50);
    const sorted = [...durations].sort((a, b) => a - b);
    const { rows } = await database.knex.raw<{ rows: { version: string }[] }>('select version()');
    return {
      months: data.months.length,
      journals: data.journals,
      postings: data.postings,
      categories: categories.length,
      assignments: data.assignments,
      boardMonth,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      p99Ms: percentile(sorted, 99),
      meanMs: durations.reduce((sum, value) => sum + value, 0) / Math.max(1, durations.length),
      minMs: sorted[0] ?? 0,
      maxMs: sorted[sorted.length - 1] ?? 0,
      sankeyP50Ms,
      firstMonthP50Ms,
      coldP50Ms: percentile(cold, 50),
      coldP95Ms: percentile(cold, 95),
      coldCalls: cold.length,
      fullP50Ms: percentile(full, 50),
      fullP95Ms: percentile(full, 95),
      fullCalls: full.length,
      putP50Ms: percentile(puts, 50),
      putP95Ms: percentile(puts, 95),
      responseBytes,
      statementsPerCall: statementCounts.sort((a, b) => a - b)[Math.floor(statementCounts.length / 2)] ?? 0,
      failures,
      postgres: rows[0]!.version.replace(/ on .*$/, ''),
      setupSeconds,
      load: [loadBefore, os.loadavg()[0]!],
    };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await disposeContainer(container);
  }
}

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;

function table(results: Results): string {
  const rows: [string, string, string][] = [
    ['p50 per call', ms(results.p50Ms), `${settings.calls} calls after ${settings.warmupCalls} warm-up calls, one at a time`],
    ['p95 per call', ms(results.p95Ms), `goal ≤ ${settings.goals.p95Ms} ms: ${results.p95Ms <= settings.goals.p95Ms ? 'goal met' : '**goal missed**'}`],
    ['p99 per call', ms(results.p99Ms), `mean ${ms(results.meanMs)}, min ${ms(results.minMs)}, max ${ms(results.maxMs)}`],
    ['After a new journal: p50 / p95', `${ms(results.coldP50Ms)} / ${ms(results.coldP95Ms)}`, `${results.coldCalls} calls, each right after a journal was posted: its postings are folded into the cached sums (goal ≤ ${settings.goals.p95Ms} ms: ${results.coldP95Ms <= settings.goals.p95Ms ? 'met' : '**missed**'})`],
    ['Full re-read: p50 / p95', `${ms(results.fullP50Ms)} / ${ms(results.fullP95Ms)}`, `${results.fullCalls} calls, each after postings were added to an old journal by hand: every posting sum of the ${results.months} months is read again (goal ≤ ${settings.goals.p95Ms} ms: ${results.fullP95Ms <= settings.goals.p95Ms ? 'met' : '**missed**'})`],
    ['PUT a cell: p50 / p95', `${ms(results.putP50Ms)} / ${ms(results.putP95Ms)}`, '40 writes: per-entity lock, the facts through the cache (the assignments read again), the assignment row, the audit entry, the new board'],
    ['SQL statements per call', String(results.statementsPerCall), 'median of the warm calls: session, entity, accounts, data span (2), settings, groups, the fingerprint of postings and assignments, holds'],
    ['Response', `${(results.responseBytes / 1024).toFixed(1)} KiB`, `${results.categories} categories in 12 groups, every amount a decimal string`],
    ['Board of the first month (p50)', ms(results.firstMonthP50Ms), 'same data, the chain is one month long'],
    ['Sankey of the board month (p50)', ms(results.sankeyP50Ms), 'GET …/sankey, 50 calls'],
    ['Answer checked', results.failures.length === 0 ? 'ok' : `**${results.failures.length} problem(s)**`, 'every call reconciles; To be assigned + held + Σ available = on-budget cash from SQL'],
  ];
  return ['| Measure | Result | Detail |', '|---|---|---|', ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function section(results: Results): string {
  const cpus = os.cpus();
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

${table(results)}

### What the figures measure

- Wall clock of one HTTP request from \`fetch\` to the last byte, against the API listening on
  127.0.0.1 (Express, bearer-token check, ajv, the queries, the pure board, JSON): the board of the
  last of the ${results.months} months, which chains every month before it. One request at a time, after
  \`ANALYZE\`.
- **Warm** calls (the first rows) find the entity's posting sums in the API process's cache, keyed
  by the count and largest id of the entity's postings (postings are append-only, so a new one
  changes the key); the key is checked with one counting query per call. Calls **after a new
  journal** fold that journal's postings into the cached sums (one small query); a **full
  re-read** of the history happens when that is not provably exact (postings added to an old
  journal, a late commit with smaller ids), measured here by adding postings to the opening journal.
- Each answer must reconcile (To be assigned + held + Σ available = on-budget cash); the last one is
  also compared with the on-budget cash summed in SQL, and must list ${settings.categories} categories.

### Reproduce

\`\`\`sh
npm run bench:budget
\`\`\`

It needs PostgreSQL (\`BENCH_DATABASE_URL\`, default \`postgres://postgres@127.0.0.1:5432/test\`);
it creates a schema \`bench_<random>\`, migrates it, and drops it at the end. Variables:
\`BENCH_BUDGET_YEARS\` (5), \`BENCH_BUDGET_TX_PER_MONTH\` (200), \`BENCH_BUDGET_CALLS\` (300),
\`BENCH_BUDGET_DRY_RUN=1\` (print, do not write), \`BENCH_BUDGET_KEEP_SCHEMA=1\` (keep the data to look at plans).`;
}

async function main(): Promise<void> {
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
  process.stdout.write(`${table(results)}\n`);
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
  await writeSection('budget', section(results));
  log(`wrote the budget section of ${path.relative(process.cwd(), resultsFile)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
