/**
 * Write-path benchmark: the ledger's bulk path with every invariant on (against plain tables in
 * the same run), its rate on an empty ledger and after 1,000,000 postings, and the HTTP API —
 * one journal per request from 1 and from 8 clients, and the batch endpoint — on PostgreSQL and
 * on the embedded default. `npm run bench:writes`; figures go to bench/RESULTS.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { pino } from 'pino';
import { createApp } from '../api/app.js';
import { buildContainer, disposeContainer } from '../engine/container.js';
import { openDatabase, type Database } from '../engine/db/database.js';
import { insertJournals, writeJournalRows, type JournalDraft } from '../engine/ledger/journal-store.js';
import { createHousehold, testConfig, type Household } from '../tests/support/test-app.js';
import { dropSchema, machineRows, positiveInt, writeSection } from './bench-support.js';

const settings = {
  databaseUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  /** Journals per measured ledger phase (at 0 and at 1M postings), 5,000 per transaction. */
  ledgerJournals: positiveInt('BENCH_LEDGER_JOURNALS', 100_000),
  journalsPerTransaction: 5_000,
  /** The ledger is filled to this many postings before the second measurement. */
  fillPostings: positiveInt('BENCH_FILL_POSTINGS', 1_000_000),
  singleClientRequests: positiveInt('BENCH_HTTP_REQUESTS', 500),
  clients: 8,
  requestsPerClient: positiveInt('BENCH_HTTP_PER_CLIENT', 250),
  batches: positiveInt('BENCH_BATCHES', 10),
  batchSize: 10_000,
} as const;

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const integer = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => value.toFixed(1);
const signedPercent = (ratio: number) => `${ratio >= 0 ? '+' : '−'}${Math.abs(ratio * 100).toFixed(0)} %`;

interface Engine {
  name: string;
  database: Database;
  close(): Promise<void>;
}

async function postgresEngine(): Promise<Engine> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const database = await openDatabase({ databaseUrl: settings.databaseUrl, schema, poolMax: 10 });
  return { name: 'PostgreSQL', database, close: async () => (await database.close(), await dropSchema(settings.databaseUrl, schema, log)) };
}

async function embeddedEngine(): Promise<Engine> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'sluice-bench-'));
  const database = await openDatabase({ dataDir });
  return { name: 'embedded (no DATABASE_URL)', database, close: async () => (await database.close(), await rm(dataDir, { recursive: true, force: true })) };
}

// ---------------------------------------------------------------------------------------------
// Ledger
// ---------------------------------------------------------------------------------------------

function drafts(h: Household, count: number, offset: number): JournalDraft[] {
  const categories = h.llc.accounts.filter((account) => account.type === 'income' || account.type === 'expense');
  const cash = h.account('llc', '1000').id;
  return Array.from({ length: count }, (_unused, index) => {
    const n = offset + index;
    const amountMinor = BigInt(100 + (n % 200_000));
    const category = categories[n % categories.length]!;
    const sign = category.type === 'income' ? 1n : -1n;
    const date = `2025-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')}`;
    return {
      id: randomUUID(),
      entityId: h.llc.id,
      date,
      memo: `bench ${n}`,
      source: 'import',
      createdBy: h.userId,
      postings: [
        { accountId: cash, amountMinor: sign * amountMinor, currency: 'USD' },
        { accountId: category.id, amountMinor: -sign * amountMinor, currency: 'USD' },
      ],
    };
  });
}

type Writer = (trx: Knex.Transaction, batch: readonly JournalDraft[]) => Promise<unknown>;

/** Journals per second over `all`, one transaction per 5,000, BEGIN to end of COMMIT. */
async function postRate(knex: Knex, all: readonly JournalDraft[], write: Writer): Promise<number> {
  const began = performance.now();
  for (let start = 0; start < all.length; start += settings.journalsPerTransaction) {
    await knex.transaction((trx) => write(trx, all.slice(start, start + settings.journalsPerTransaction)));
  }
  return all.length / ((performance.now() - began) / 1000);
}

interface LedgerFigures {
  plain: number;
  atZero: number;
  atFill: number;
  postingsAtFill: number;
  fillSeconds: number;
}

async function ledgerFigures(knex: Knex, h: Household): Promise<LedgerFigures> {
  await knex.raw(`create table bench_plain_journals (like journals including defaults including identity);
                  create table bench_plain_postings (like postings including defaults including identity);`);
  let offset = 0;
  const next = (count: number) => {
    const batch = drafts(h, count, offset);
    offset += count;
    return batch;
  };
  log('plain baseline');
  const plain = await postRate(knex, next(settings.ledgerJournals), (trx, batch) => writeJournalRows(trx, batch, { journals: 'bench_plain_journals', postings: 'bench_plain_postings' }));
  log('enforced, empty ledger');
  const atZero = await postRate(knex, next(settings.ledgerJournals), insertJournals);
  const fillStarted = performance.now();
  for (;;) {
    const postings = Number((await knex('postings').count<{ n: bigint }[]>({ n: '*' }))[0]!.n);
    if (postings >= settings.fillPostings) break;
    log(`filling: ${integer(postings)} postings`);
    await postRate(knex, next(Math.min(50_000, Math.ceil((settings.fillPostings - postings) / 2))), insertJournals);
  }
  const fillSeconds = (performance.now() - fillStarted) / 1000;
  await knex.raw('analyze journals, postings');
  const postingsAtFill = Number((await knex('postings').count<{ n: bigint }[]>({ n: '*' }))[0]!.n);
  log(`enforced, at ${integer(postingsAtFill)} postings`);
  const atFill = await postRate(knex, next(settings.ledgerJournals), insertJournals);
  return { plain, atZero, atFill, postingsAtFill, fillSeconds };
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

interface HttpFigures {
  p50: number;
  p95: number;
  aggregate: number;
  errors: number;
  batchRate: number;
}

async function post(url: string, h: Household, path: string, body: unknown): Promise<{ status: number; ms: number }> {
  const began = performance.now();
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { ...h.auth, 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() }, body: JSON.stringify(body) });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - began };
}

function journalBody(h: Household, n: number) {
  const amount = `${1 + (n % 900)}.${String(n % 100).padStart(2, '0')}`;
  return { date: '2026-03-01', memo: `http ${n}`, postings: [{ accountId: h.account('llc', '1000').id, amount }, { accountId: h.account('llc', '4000').id, amount: `-${amount}` }] };
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function httpFigures(url: string, h: Household): Promise<HttpFigures> {
  const path = `/entities/${h.llc.id}/journals`;
  for (let n = 0; n < 50; n += 1) await post(url, h, path, journalBody(h, n)); // warm-up
  log('HTTP, 1 client');
  const latencies: number[] = [];
  let errors = 0;
  for (let n = 0; n < settings.singleClientRequests; n += 1) {
    const answer = await post(url, h, path, journalBody(h, n));
    latencies.push(answer.ms);
    if (answer.status !== 201) errors += 1;
  }
  latencies.sort((a, b) => a - b);
  log(`HTTP, ${settings.clients} clients`);
  const began = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: settings.clients }, async (_unused, client) => {
      const seen: number[] = [];
      for (let n = 0; n < settings.requestsPerClient; n += 1) seen.push((await post(url, h, path, journalBody(h, client * 100_000 + n))).status);
      return seen;
    }),
  );
  const aggregate = (settings.clients * settings.requestsPerClient) / ((performance.now() - began) / 1000);
  errors += statuses.flat().filter((status) => status !== 201).length;
  log('HTTP, batch endpoint');
  const batchBegan = performance.now();
  for (let batch = 0; batch < settings.batches; batch += 1) {
    const answer = await post(url, h, `${path}/batch`, { journals: Array.from({ length: settings.batchSize }, (_unused, n) => journalBody(h, batch * settings.batchSize + n)) });
    if (answer.status !== 201) errors += 1;
  }
  const batchRate = (settings.batches * settings.batchSize) / ((performance.now() - batchBegan) / 1000);
  return { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), aggregate, errors, batchRate };
}

/**
 * The floor under every durable write: COMMIT of a one-row transaction, median of 200 (a WAL
 * flush to disk; with synchronous_commit on, row locks are held until it returns, so writers to
 * the same accounts, or to one household's audit chain, follow each other at this pace).
 */
async function commitFloorMs(knex: Knex): Promise<number> {
  await knex.raw('create table bench_commit_floor (n int)');
  const samples: number[] = [];
  const connection = await knex.client.acquireConnection();
  try {
    for (let n = 0; n < 200; n += 1) {
      await connection.query('begin');
      await connection.query('insert into bench_commit_floor values ($1)', [n]);
      const began = performance.now();
      await connection.query('commit');
      samples.push(performance.now() - began);
    }
  } finally {
    await knex.client.releaseConnection(connection);
  }
  return percentile(samples.sort((a, b) => a - b), 0.5);
}

async function invariantsHold(knex: Knex): Promise<boolean> {
  const drifted = await knex.raw(`select count(*)::int as n from accounts a where a.balance_minor <> (select coalesce(sum(amount_minor), 0) from postings p where p.account_id = a.id)`);
  const unbalanced = await knex.raw(`select count(*)::int as n from (select 1 from postings group by journal_id, currency having sum(amount_minor) <> 0) off_balance`);
  return drifted.rows[0].n === 0 && unbalanced.rows[0].n === 0;
}

// ---------------------------------------------------------------------------------------------

interface EngineFigures {
  engine: string;
  version: string;
  ledger: LedgerFigures;
  http: HttpFigures;
  commitMs: number;
  invariants: boolean;
}

async function measure(open: () => Promise<Engine>): Promise<EngineFigures> {
  const engine = await open();
  log(`engine: ${engine.name}`);
  const container = buildContainer(testConfig({ databaseUrl: undefined }), engine.database, pino({ level: 'silent' }));
  const app = createApp(container);
  const server = app.listen(0, '127.0.0.1');
  try {
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    const h = await createHousehold(app);
    const version = (await engine.database.knex.raw('show server_version')).rows[0].server_version as string;
    const commitMs = await commitFloorMs(engine.database.knex);
    const http = await httpFigures(url, h);
    const ledger = await ledgerFigures(engine.database.knex, h);
    return { engine: engine.name, version, ledger, http, commitMs, invariants: await invariantsHold(engine.database.knex) };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await disposeContainer(container);
    await engine.close();
  }
}

function section(results: readonly EngineFigures[]): string {
  const rows = results.flatMap((r) => [
    `| Ledger, enforced, empty ledger | ${r.engine} | ${integer(r.ledger.atZero)} journals/s | ${(r.ledger.atZero / r.ledger.plain).toFixed(2)}× the plain-table baseline (${integer(r.ledger.plain)}/s, same statements, same run) |`,
    `| Ledger, enforced, at ${integer(r.ledger.postingsAtFill)} postings | ${r.engine} | ${integer(r.ledger.atFill)} journals/s | ${signedPercent(r.ledger.atFill / r.ledger.atZero - 1)} against the empty ledger (fill took ${r.ledger.fillSeconds.toFixed(0)} s) |`,
    `| COMMIT of a one-row transaction (the durability floor) | ${r.engine} | ${ms(r.commitMs)} ms | median of 200; synchronous_commit on, fdatasync: every durable write pays it once |`,
    `| HTTP, one journal per request, 1 client | ${r.engine} | p50 ${ms(r.http.p50)} ms, p95 ${ms(r.http.p95)} ms | ${settings.singleClientRequests} requests after 50 warm-up |`,
    `| HTTP, one journal per request, ${settings.clients} clients | ${r.engine} | ${integer(r.http.aggregate)} journals/s | ${settings.clients} × ${settings.requestsPerClient}, one household, same accounts |`,
    `| HTTP, batch endpoint | ${r.engine} | ${integer(r.http.batchRate)} journals/s | ${settings.batches} requests × ${integer(settings.batchSize)} journals |`,
    `| Errors / invariants | ${r.engine} | ${r.http.errors} errors | cached balances = SUM(postings), every journal balances: ${r.invariants ? 'ok' : 'FAILED'} |`,
  ]);
  return `## Write-path benchmark

Written by \`npm run bench:writes\` (bench/writes.bench.ts); regenerate rather than edit.

### Run

| | |
|---|---|
${machineRows()}
| Servers | ${results.map((r) => `${r.engine}: PostgreSQL ${r.version}`).join('; ')} |

### Results

| Measure | Engine | Result | Detail |
|---|---|---|---|
${rows.join('\n')}

### What the figures measure

- **Ledger**: \`insertJournals\` (every check on: balanced per currency at commit, postings in the
  journal's entity and transaction, cached balances and monthly totals by statement triggers,
  indexes), two-posting journals, 5,000 per transaction, BEGIN to end of COMMIT. The baseline
  writes the same rows with the same statements (\`writeJournalRows\`) into plain copies of the
  tables with no keys, indexes, constraints or triggers, in the same run. The ledger is then
  filled to ${integer(settings.fillPostings)} postings and measured again.
- **HTTP**: \`POST /entities/:id/journals\` over keep-alive HTTP on loopback, each with an
  \`Idempotency-Key\`, all into the same two accounts of one household (the hottest case: every
  request locks the same rows); the client runs in the same process as the server.
- **Batch**: \`POST /entities/:id/journals/batch\` with 10,000 journals each.
`;
}

async function main(): Promise<void> {
  const results = [await measure(postgresEngine), await measure(embeddedEngine)];
  for (const result of results) log(JSON.stringify(result));
  if (results.some((result) => !result.invariants || result.http.errors > 0)) {
    log('a check failed: RESULTS.md left unchanged');
    process.exit(1);
  }
  await writeSection('writes', section(results));
  log('wrote the writes section of bench/RESULTS.md');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
