/**
 * Reports benchmark: balance sheet and income statement over 1,000,000 postings (5 years, two
 * entities), through Sluice's HTTP API, against `hledger bs` / `hledger is` on Sluice's own
 * hledger export of the same books, in the same run — time, peak memory and totals.
 *
 * The API runs in a child process (this file with `--serve`), so its peak RSS is measured the
 * same way as hledger's (the kernel's high-water mark for the process). Rewrites only its own
 * section of bench/RESULTS.md (between the `reports` markers). `npm run bench:reports`;
 * BENCH_REPORT_POSTINGS overrides the size for quick iterations.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { pino } from 'pino';
import { createApp } from '../api/app.js';
import { loadConfig } from '../engine/config.js';
import { buildContainer, disposeContainer } from '../engine/container.js';
import { openDatabase, type Database } from '../engine/db/database.js';
import { insertJournals, type JournalDraft } from '../engine/ledger/journal-store.js';
import type { AccountType } from '../engine/ledger/types.js';
import { hledgerJournal } from '../engine/reports/hledger-export.js';
import { addDays } from '../engine/reports/period.js';
import { dropSchema, positiveInt, resultsFile, writeSection } from './bench-support.js';

const run = promisify(execFile);

const settings = {
  databaseUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  postings: positiveInt('BENCH_REPORT_POSTINGS', 1_000_000),
  journalsPerTransaction: 5_000,
  hledger: process.env.BENCH_HLEDGER ?? 'hledger',
  seed: 20261201,
  firstDate: '2021-01-01',
  /** Five years: 2021-01-01 to 2025-12-31. */
  days: 1826,
  runs: 5,
  /** Batches of journals posted with the summary trigger on and off (alternating) to price it. */
  triggerCostBatches: 8,
  /** A period that starts and ends mid-month, so both summary and raw postings are read. */
  partial: { from: '2022-02-14', to: '2025-08-19' },
} as const;
const lastDate = addDays(settings.firstDate, settings.days - 1);


function log(message: string): void {
  process.stderr.write(`[bench:reports] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// The API server (child process)
// ---------------------------------------------------------------------------------------------

async function serve(schema: string): Promise<void> {
  const database = await openDatabase({ databaseUrl: settings.databaseUrl, schema, poolMax: 4, migrate: false });
  const config = {
    ...loadConfig({ ...process.env, DATABASE_URL: settings.databaseUrl, SLUICE_JWT_SECRET: randomBytes(32).toString('hex'), SLUICE_DATA_DIR: path.join(os.tmpdir(), `sluice-${schema}`) }),
    logLevel: 'silent',
    seedDemo: false,
    runScheduler: false,
    authRateLimit: { windowMs: 60_000, limit: 100_000 },
  };
  const container = buildContainer(config, database, pino({ level: 'silent' }));
  const server = createApp(container).listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
  });
  process.on('SIGTERM', () => {
    server.close(async () => {
      await disposeContainer(container);
      await database.close();
      process.exit(0);
    });
  });
}

interface Server {
  child: ChildProcess;
  base: string;
}

async function startServer(schema: string): Promise<Server> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve', schema], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /listening (\d+)/.exec(text);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`API server exited with ${code}`)));
  });
  return { child, base: `http://127.0.0.1:${port}/api/v1` };
}

/** Peak resident memory of a process so far (Linux), in bytes. */
async function peakRssBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------

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

interface Book {
  id: string;
  slug: string;
  cash: { id: string }[];
  categories: { id: string; type: AccountType }[];
}

async function books(knex: Knex, entityIds: string[]): Promise<Book[]> {
  const result: Book[] = [];
  for (const entityId of entityIds) {
    const entity = await knex('entities').where({ id: entityId }).first('slug');
    const chart: { id: string; type: AccountType; role: string | null }[] = await knex('accounts').where({ entity_id: entityId }).whereNull('counterparty_entity_id').orderBy('code').select('id', 'type', 'role');
    result.push({
      id: entityId,
      slug: entity.slug,
      cash: ['checking', 'savings', 'credit_card'].map((role) => chart.find((account) => account.role === role)!),
      categories: chart.filter((account) => account.type === 'income' || account.type === 'expense').slice(0, 17),
    });
  }
  return result;
}

/** Two-posting journals over five years, generated and written one transaction at a time. */
async function postJournals(knex: Knex, entityBooks: Book[], journals: number, createdBy: string, seed: number = settings.seed, quiet = false): Promise<{ ms: number }> {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const hex = () => Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0');
  const began = performance.now();
  for (let start = 0; start < journals; start += settings.journalsPerTransaction) {
    const drafts: JournalDraft[] = [];
    for (let index = start; index < Math.min(journals, start + settings.journalsPerTransaction); index += 1) {
      const book = pick(entityBooks);
      const category = pick(book.categories);
      const cash = pick(book.cash);
      const amountMinor = BigInt(100 + Math.floor(random() * 199_901));
      const [debit, credit] = category.type === 'income' ? [cash, category] : [category, cash];
      const h = `${hex()}${hex()}${hex()}${hex()}`;
      drafts.push({
        id: `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`,
        entityId: book.id,
        date: addDays(settings.firstDate, Math.floor(random() * settings.days)),
        memo: `Bench #${index + 1}`,
        payee: 'Bench payee',
        source: 'import',
        createdBy,
        postings: [
          { accountId: debit.id, amountMinor, currency: 'USD' },
          { accountId: credit.id, amountMinor: -amountMinor, currency: 'USD' },
        ],
      });
    }
    await knex.transaction((trx) => insertJournals(trx, drafts));
    if (!quiet && (start / settings.journalsPerTransaction) % 20 === 0) log(`  ${start + drafts.length} / ${journals} journals`);
  }
  return { ms: performance.now() - began };
}

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

interface ApiTiming {
  firstMs: number;
  medianMs: number;
  bodies: any[];
}

/** One request per entity is one "report"; the clock covers both (HTTP, auth, SQL, JSON). */
async function timeApi(server: Server, token: string, entityIds: string[], report: string, query: Record<string, string>): Promise<ApiTiming> {
  const once = async () => {
    const began = performance.now();
    const bodies = [];
    for (const entityId of entityIds) {
      const response = await fetch(`${server.base}/entities/${entityId}/reports/${report}?${new URLSearchParams(query)}`, { headers: { Authorization: `Bearer ${token}` } });
      if (!response.ok) throw new Error(`${report}: ${response.status} ${await response.text()}`);
      bodies.push(await response.json());
    }
    return { ms: performance.now() - began, bodies };
  };
  const first = await once();
  const timings: number[] = [];
  for (let index = 0; index < settings.runs; index += 1) timings.push((await once()).ms);
  return { firstMs: first.ms, medianMs: median(timings), bodies: first.bodies };
}

interface HledgerRun {
  ms: number;
  peakRssBytes: number | undefined;
  totals: Record<string, bigint>;
}

const hledgerCents = (text: string | undefined) => (text === undefined || text === '' || text === '0' ? 0n : BigInt(Math.round(Number(text.replace(/ USD$/, '')) * 100)));

async function timeHledger(file: string, args: string[]): Promise<HledgerRun> {
  const haveTime = existsSync('/usr/bin/time');
  const command = haveTime ? '/usr/bin/time' : settings.hledger;
  const commandArgs = haveTime ? ['-f', 'sluice-peak-kb %M', settings.hledger, '-f', file, ...args, '-O', 'csv'] : ['-f', file, ...args, '-O', 'csv'];
  const began = performance.now();
  const { stdout, stderr } = await run(command, commandArgs, { maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - began;
  const kb = /sluice-peak-kb (\d+)/.exec(stderr)?.[1];
  const totals: Record<string, bigint> = {};
  let section = '';
  for (const line of stdout.trim().split('\n')) {
    const [label, amount] = line.replace(/^"|"$/g, '').split('","');
    if (label && ['Assets', 'Liabilities', 'Revenues', 'Expenses'].includes(label)) section = label;
    else if (label === 'total') totals[section] = hledgerCents(amount);
    else if (label === 'Net:') totals.Net = hledgerCents(amount);
  }
  return { ms, peakRssBytes: kb ? Number(kb) * 1024 : undefined, totals };
}

const cents = (text: string) => BigInt(text.replace('.', ''));
const sumOver = (bodies: any[], pick: (body: any) => string) => bodies.reduce((total, body) => total + cents(pick(body)), 0n);

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

interface Comparison {
  label: string;
  sluice: ApiTiming;
  hledger: HledgerRun;
  hledgerCommand: string;
  pairs: [string, bigint, bigint][];
}

async function runBenchmark(database: Database, schema: string, exportFile: string) {
  const { knex } = database;
  const server = await startServer(schema);
  try {
    const post = async (route: string, body: unknown, token?: string) => {
      const response = await fetch(`${server.base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
      return response.json() as Promise<any>;
    };
    const registered = await post('/auth/register', { email: 'bench-reports@sluice.local', password: 'bench reports password 2026' });
    const token: string = registered.accessToken;
    const personal = await post('/entities', { kind: 'personal', name: 'Bench Owner' }, token);
    const llc = await post('/entities', { kind: 'llc', name: 'Bench Studio LLC' }, token);
    const entityBooks = await books(knex, [personal.id, llc.id]);

    // A year of monthly documented transfers on top, so the intercompany accounts carry postings too.
    const transferPostings = 2 * 2 * 60 + 4;
    const journals = Math.max(1, Math.floor((settings.postings - transferPostings) / 2));
    log(`posting ${journals.toLocaleString('en-US')} journals (${(journals * 2 + transferPostings).toLocaleString('en-US')} postings) with the database's rules and the monthly summary trigger`);
    const posted = await postJournals(knex, entityBooks, journals, registered.user.id);
    const [llcBook, personalBook] = [entityBooks[1]!, entityBooks[0]!];
    await post('/inter-entity-transfers', { kind: 'capital_contribution', date: settings.firstDate, amount: '50000.00', purpose: 'Initial capital', documentRef: 'Operating agreement', fromAccountId: personalBook.cash[0]!.id, toAccountId: llcBook.cash[0]!.id }, token);
    for (let month = 0; month < 60; month += 1) {
      const date = `${2021 + Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}-28`;
      await post('/inter-entity-transfers', { kind: 'owner_draw', date, amount: '1000.00', purpose: 'Monthly owner draw', documentRef: `Resolution ${month + 1}`, fromAccountId: llcBook.cash[0]!.id, toAccountId: personalBook.cash[0]!.id }, token);
    }
    const [counted] = await knex('postings').count<{ n: bigint }[]>({ n: '*' });
    const postings = counted!.n;
    log('vacuum analyze');
    await knex.raw('vacuum analyze journals, postings, accounts, account_monthly_totals');

    log('hledger export');
    const exportBegan = performance.now();
    await pipeline(Readable.from(hledgerJournal(knex, registered.household.id)), createWriteStream(exportFile));
    const exportMs = performance.now() - exportBegan;
    const exportBytes = (await stat(exportFile)).size;

    const entityIds = [personal.id, llc.id];
    const whole = { from: settings.firstDate, to: lastDate };
    const comparisons: Comparison[] = [];
    const end = addDays(lastDate, 1);

    log('balance sheet: Sluice API, then hledger bs');
    const bs = await timeApi(server, token, entityIds, 'balance-sheet', whole);
    const hbs = await timeHledger(exportFile, ['bs', '-e', end]);
    comparisons.push({
      label: `Balance sheet as of ${lastDate}`,
      sluice: bs,
      hledger: hbs,
      hledgerCommand: `hledger bs -e ${end}`,
      pairs: [
        ['assets', sumOver(bs.bodies, (body) => body.totals.assets), hbs.totals.Assets ?? 0n],
        ['liabilities', sumOver(bs.bodies, (body) => body.totals.liabilities), hbs.totals.Liabilities ?? 0n],
        ['net', sumOver(bs.bodies, (body) => body.totals.netWorth), hbs.totals.Net ?? 0n],
      ],
    });
    for (const [label, period] of [[`Income statement ${whole.from} to ${whole.to}`, whole], [`Income statement ${settings.partial.from} to ${settings.partial.to} (partial months)`, settings.partial]] as const) {
      log(`${label}: Sluice API, then hledger is`);
      const is = await timeApi(server, token, entityIds, 'income-statement', period);
      const his = await timeHledger(exportFile, ['is', '-b', period.from, '-e', addDays(period.to, 1)]);
      comparisons.push({
        label,
        sluice: is,
        hledger: his,
        hledgerCommand: `hledger is -b ${period.from} -e ${addDays(period.to, 1)}`,
        pairs: [
          ['revenues', sumOver(is.bodies, (body) => body.totals.income), his.totals.Revenues ?? 0n],
          ['expenses', sumOver(is.bodies, (body) => body.totals.expenses), his.totals.Expenses ?? 0n],
          ['net', sumOver(is.bodies, (body) => body.totals.netIncome), his.totals.Net ?? 0n],
        ],
      });
    }

    // The same balance sheet from a plain aggregate over the postings, without the summary.
    const plainTimings: number[] = [];
    for (let index = 0; index < settings.runs; index += 1) {
      const began = performance.now();
      await knex.raw(
        `select p.account_id, sum(p.amount_minor) from postings p where p.account_id in (select id from accounts where entity_id = any(?::uuid[])) and p.date <= ? group by p.account_id`,
        [entityIds, lastDate],
      );
      plainTimings.push(performance.now() - began);
    }
    const serverPeak = await peakRssBytes(server.child.pid!);

    // What the summary costs on writes: batches with the trigger on and off, alternating, on the
    // full tables. The comparisons are done, so the summary may go stale from here on.
    log('write cost of the monthly summary');
    const withTrigger: number[] = [];
    const withoutTrigger: number[] = [];
    for (let batch = 0; batch < settings.triggerCostBatches; batch += 1) {
      const enabled = batch % 2 === 0;
      await knex.raw(`alter table postings ${enabled ? 'enable' : 'disable'} trigger postings_monthly_totals`);
      const { ms } = await postJournals(knex, entityBooks, settings.journalsPerTransaction, registered.user.id, settings.seed + 1 + batch, true);
      (enabled ? withTrigger : withoutTrigger).push(ms);
    }
    await knex.raw('alter table postings enable trigger postings_monthly_totals');
    const writeCost = { withMs: median(withTrigger), withoutMs: median(withoutTrigger) };
    return { postings: Number(postings), journals, insertMs: posted.ms, exportMs, exportBytes, comparisons, serverPeak, plainAggregateMs: median(plainTimings), writeCost };
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
  }
}

type Results = Awaited<ReturnType<typeof runBenchmark>>;

const mib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 1024 ** 2).toFixed(0)} MiB`);
const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(value < 100 ? 1 : 0)} ms`);
const money = (minor: bigint) => {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  return `${negative ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
};

function writeCostText(cost: { withMs: number; withoutMs: number }): string {
  const percent = Math.round(((cost.withMs - cost.withoutMs) / cost.withoutMs) * 100);
  return `${percent >= 0 ? '+' : ''}${percent} % per batch${Math.abs(percent) < 5 ? ', within run-to-run noise' : ''}`;
}

function section(results: Results, environment: Record<string, string>): string {
  const rows = results.comparisons.map((comparison) => {
    const agree = comparison.pairs.every(([, sluice, hledger]) => sluice === hledger);
    return `| ${comparison.label} | ${ms(comparison.sluice.medianMs)} (first ${ms(comparison.sluice.firstMs)}) | ${ms(comparison.hledger.ms)} | **${(comparison.hledger.ms / comparison.sluice.medianMs).toFixed(0)}×** | ${mib(comparison.hledger.peakRssBytes)} | ${agree ? 'same to the cent' : '**DIFFER**'}: ${comparison.pairs.map(([name, sluice]) => `${name} ${money(sluice)}`).join(', ')} |`;
  });
  const hledgerPeak = Math.max(...results.comparisons.map((comparison) => comparison.hledger.peakRssBytes ?? 0));
  return `## Reports benchmark

Written by \`npm run bench:reports\` (bench/reports.bench.ts); regenerate rather than edit.

### Run

| | |
|---|---|
| Date | ${environment.date} |
| CPU | ${environment.cpu} |
| Memory | ${environment.memory} |
| Node.js | ${process.version} |
| PostgreSQL | ${environment.postgres} |
| hledger | ${environment.hledger} |
| Data | ${results.postings.toLocaleString('en-US')} postings (${results.journals.toLocaleString('en-US')} two-posting journals + 61 inter-entity transfers), 2 entities, ${settings.days} days from ${settings.firstDate} to ${lastDate}, seed ${settings.seed}; amounts are uniform random, so these books run at a loss and cash goes negative — the arithmetic does not mind |
| Posting them | ${ms(results.insertMs)} (${Math.round(results.journals / (results.insertMs / 1000)).toLocaleString('en-US')} journals/s through \`insertJournals\`, every rule and trigger on, the monthly summary included) |
| hledger export | ${ms(results.exportMs)}, ${(results.exportBytes / 1024 ** 2).toFixed(0)} MiB |

### Results

| Report | Sluice API (median of ${settings.runs}, both entities) | hledger, same run | hledger ÷ Sluice | hledger peak memory | Totals |
|---|---|---|---|---|---|
${rows.join('\n')}

- **Memory**: the Sluice API process peaked at **${mib(results.serverPeak)}** resident over its whole life (start-up, registration, every report above); hledger peaked at **${mib(hledgerPeak)}** — Sluice used ${results.serverPeak ? ((results.serverPeak / hledgerPeak) * 100).toFixed(1) : 'n/a'} % of it. The aggregation itself runs in PostgreSQL over a few hundred summary rows.
- **What the summary costs on writes**: a batch of ${settings.journalsPerTransaction.toLocaleString('en-US')} journals (${(2 * settings.journalsPerTransaction).toLocaleString('en-US')} postings, one transaction) took ${ms(results.writeCost.withMs)} with the summary trigger and ${ms(results.writeCost.withoutMs)} without it (medians of ${settings.triggerCostBatches / 2} each, alternating, on the full tables): ${writeCostText(results.writeCost)}.
- **Without the monthly summary** the same balance sheet as a plain \`SUM … GROUP BY account_id\` over the postings (index on \`(account_id, date)\`) takes ${ms(results.plainAggregateMs)} for both entities — the summary is what takes it to the figures above.

### What the figures measure

- **Sluice API**: \`GET /api/v1/entities/:id/reports/balance-sheet\` (or \`income-statement\`) for
  the personal entity and the LLC, one after the other, over HTTP to a separate API process on
  the same machine — authentication, household scoping, SQL, JSON. The first call is reported
  apart; the figure is the median of the ${settings.runs} calls after it.
- **hledger**: \`${results.comparisons.map((comparison) => comparison.hledgerCommand).join('`, `')}\`
  on Sluice's household hledger export (both entities in one journal), wall clock under
  \`/usr/bin/time\`, which also gives the peak resident memory. Parsing the journal is most of it,
  as it is every time hledger answers a question.
- **Totals**: the sum over both entities of Sluice's totals against hledger's section totals
  (\`total\` rows and \`Net:\`), to the cent; a difference fails the run and nothing is written.
- **How Sluice does it**: \`account_monthly_totals\` holds debits, credits and net per account and
  month, kept in the same statement as the postings by a statement-level trigger (one grouped
  upsert per INSERT). A statement reads whole months from it and only the partial months at either
  end of a period from \`postings\` (the partial-month row above exercises that path).

### Reproduce

\`\`\`sh
npm run bench:reports                    # 1,000,000 postings, a few minutes
BENCH_REPORT_POSTINGS=100000 npm run bench:reports   # a quick iteration (it rewrites the section too)
\`\`\`

It needs PostgreSQL (\`BENCH_DATABASE_URL\`, default \`postgres://postgres@127.0.0.1:5432/test\`)
and \`hledger\` on PATH. It creates a schema \`bench_<random>\`, migrates it, and drops it at the end.`;
}

async function main(): Promise<void> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const exportFile = path.join(os.tmpdir(), `sluice-${schema}.journal`);
  log(`schema ${schema}`);
  let database: Database | undefined;
  let results: Results;
  let environment: Record<string, string>;
  try {
    database = await openDatabase({ databaseUrl: settings.databaseUrl, schema, poolMax: 4 });
    const { rows } = await database.knex.raw<{ rows: { version: string }[] }>('select version()');
    const hledgerVersion = (await run(settings.hledger, ['--version'])).stdout.trim();
    environment = {
      date: new Date().toISOString(),
      cpu: `${os.cpus()[0]?.model.trim() ?? 'unknown'} × ${os.cpus().length}`,
      memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
      postgres: rows[0]!.version.replace(/ on .*$/, ''),
      hledger: hledgerVersion,
    };
    results = await runBenchmark(database, schema, exportFile);
  } finally {
    await database?.close();
    await dropSchema(settings.databaseUrl, schema, log);
    await rm(exportFile, { force: true });
    await rm(path.join(os.tmpdir(), `sluice-${schema}`), { recursive: true, force: true });
  }
  const text = section(results, environment);
  process.stdout.write(`${text}\n`);
  const failures = results.comparisons.flatMap((comparison) => comparison.pairs.filter(([, sluice, hledger]) => sluice !== hledger).map(([name, sluice, hledger]) => `${comparison.label} ${name}: Sluice ${money(sluice)}, hledger ${money(hledger)}`));
  if (failures.length > 0) {
    for (const failure of failures) log(`FAILED: ${failure}`);
    process.exitCode = 1;
    return;
  }
  await writeSection('reports', text);
  log(`wrote the reports section of ${path.relative(process.cwd(), resultsFile)}`);
}

if (process.argv.includes('--serve')) await serve(process.argv[process.argv.indexOf('--serve') + 1]!);
else if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
