/**
 * Ledger benchmark: bulk posting with the database's rules on, against a no-rules baseline;
 * trial balances; cached-balance consistency; the hledger export, checked against hledger itself.
 *
 * Runs on a real PostgreSQL in a throwaway schema (dropped at the end). `npm run bench`;
 * see bench/README.md for the environment variables.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { AuditLog } from '../engine/audit/audit-log.js';
import type { Actor } from '../engine/auth/actor.js';
import { createUserWithHousehold } from '../engine/auth/auth-service.js';
import { openDatabase, type Database } from '../engine/db/database.js';
import { trialBalance } from '../engine/ledger/balances.js';
import { EntityService } from '../engine/ledger/entities.js';
import { insertJournals, writeJournalRows, type JournalDraft } from '../engine/ledger/journal-store.js';
import type { AccountType, EntityKind } from '../engine/ledger/types.js';
import { formatMinor } from '../engine/money/index.js';
import { hledgerAccountNames, hledgerJournal } from '../engine/reports/hledger-export.js';
import { dropSchema, positiveInt, resultsFile, writeSection } from './bench-support.js';

const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// Parameters. The defaults are what bench/RESULTS.md records; the overrides exist for quick
// local iterations (a smaller BENCH_JOURNALS) and for other machines (BENCH_DATABASE_URL).
// ---------------------------------------------------------------------------------------------

const settings = {
  databaseUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  journals: positiveInt('BENCH_JOURNALS', 100_000),
  journalsPerTransaction: positiveInt('BENCH_BATCH', 5_000),
  hledger: process.env.BENCH_HLEDGER ?? 'hledger',
  /** Fixed seed: every run posts the very same journals, so runs are comparable. */
  seed: 20261124,
  firstDate: '2024-01-01',
  /** Two years of dates: 2024 (leap) and 2025. */
  days: 731,
  trialBalanceRuns: 5,
  accountsPerEntity: 20,
} as const;


// ---------------------------------------------------------------------------------------------
// Deterministic data
// ---------------------------------------------------------------------------------------------

/** mulberry32: tiny, fast and good enough to spread amounts, dates and accounts evenly. */
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

/** A version-4-shaped UUID drawn from the PRNG, so journal ids are reproducible too. */
function uuidFrom(random: () => number): string {
  const bytes = Array.from({ length: 16 }, () => Math.floor(random() * 256));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

interface BenchAccount {
  id: string;
  code: string;
  name: string;
  type: AccountType;
}

/** The 20 accounts of one entity the journals use: where money sits, and what it is for. */
interface EntityBook {
  id: string;
  kind: EntityKind;
  slug: string;
  /** Checking, savings and the credit card. */
  cash: BenchAccount[];
  /** Income and expense categories. */
  categories: BenchAccount[];
}

const payees = ['Acme Supply', 'Northwind', 'City Utilities', 'Corner Market', 'Blue Bottle', 'Metro Transit', 'Hosting Co', 'Client Co', 'Bank', 'Insurer'];

/**
 * Two-posting journals: an expense is paid from (or income lands in) one of the entity's cash
 * accounts. Amounts 1.00–2,000.00 USD, dates uniform over two years.
 */
function generateJournals(books: readonly EntityBook[], createdBy: string): JournalDraft[] {
  const random = prng(settings.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const drafts: JournalDraft[] = [];
  for (let index = 0; index < settings.journals; index += 1) {
    const book = pick(books);
    const category = pick(book.categories);
    const cash = pick(book.cash);
    const amountMinor = BigInt(100 + Math.floor(random() * 199_901));
    // Debit-positive: income debits cash and credits income; an expense the other way round.
    const [debit, credit] = category.type === 'income' ? [cash, category] : [category, cash];
    drafts.push({
      id: uuidFrom(random),
      entityId: book.id,
      date: addDays(settings.firstDate, Math.floor(random() * settings.days)),
      memo: `${category.name} #${index + 1}`,
      payee: pick(payees),
      source: 'import',
      createdBy,
      postings: [
        { accountId: debit.id, amountMinor, currency: 'USD' },
        { accountId: credit.id, amountMinor: -amountMinor, currency: 'USD' },
      ],
    });
  }
  return drafts;
}

// ---------------------------------------------------------------------------------------------
// Setup: household, entities, the 40 accounts
// ---------------------------------------------------------------------------------------------

interface Household {
  actor: Actor;
  books: EntityBook[];
}

async function createHousehold(knex: Knex): Promise<Household> {
  const entities = new EntityService(new AuditLog());
  return knex.transaction(async (trx) => {
    // Nobody signs in during the benchmark, so a placeholder stands in for an Argon2 hash.
    const { userId, householdId } = await createUserWithHousehold(trx, 'bench@sluice.local', 'not-a-password-hash', 'Bench household');
    const actor: Actor = { userId, householdId };
    const personal = await entities.create(trx, actor, { kind: 'personal', name: 'Bench Personal' });
    const llc = await entities.create(trx, actor, { kind: 'llc', name: 'Bench Studio LLC' });
    const books = [await entityBook(trx, personal.id, personal.kind, personal.slug), await entityBook(trx, llc.id, llc.kind, llc.slug)];
    return { actor, books };
  });
}

/** Checking, savings, card and the first 17 income/expense categories of the seeded chart. */
async function entityBook(trx: Knex.Transaction, entityId: string, kind: EntityKind, slug: string): Promise<EntityBook> {
  // Only the entity's own chart: the paired inter-entity accounts carry transfers, not spending.
  const chart: (BenchAccount & { role: string | null })[] = await trx('accounts')
    .where({ entity_id: entityId })
    .whereNull('counterparty_entity_id')
    .orderBy('code')
    .select('id', 'code', 'name', 'type', 'role');
  const cash = ['checking', 'savings', 'credit_card'].map((role) => {
    const account = chart.find((candidate) => candidate.role === role);
    if (!account) throw new Error(`the ${kind} chart has no ${role} account`);
    return account;
  });
  const categoryCount = settings.accountsPerEntity - cash.length;
  const categories = chart.filter((account) => account.type === 'income' || account.type === 'expense').slice(0, categoryCount);
  if (categories.length !== categoryCount) throw new Error(`the ${kind} chart has only ${categories.length} income/expense accounts`);
  return { id: entityId, kind, slug, cash, categories };
}

// ---------------------------------------------------------------------------------------------
// Posting: enforced (insertJournals into the real tables) and baseline (plain copies)
// ---------------------------------------------------------------------------------------------

interface InsertTiming {
  journals: number;
  totalMs: number;
  /** Time spent in COMMIT, where the deferred balance checks run. */
  commitMs: number;
  /** Throughput over the first and the second half of the batches: growing tables slow writes. */
  firstHalfJournalsPerSecond: number;
  secondHalfJournalsPerSecond: number;
}

type BatchWriter = (trx: Knex.Transaction, drafts: readonly JournalDraft[]) => Promise<unknown>;

/** One transaction per batch; the clock runs from BEGIN to the end of COMMIT. */
async function timeInserts(knex: Knex, drafts: readonly JournalDraft[], write: BatchWriter): Promise<InsertTiming> {
  const batches: { journals: number; ms: number }[] = [];
  let totalMs = 0;
  let commitMs = 0;
  for (let start = 0; start < drafts.length; start += settings.journalsPerTransaction) {
    const batch = drafts.slice(start, start + settings.journalsPerTransaction);
    const began = performance.now();
    let written = 0;
    await knex.transaction(async (trx) => {
      await write(trx, batch);
      written = performance.now();
    });
    const ended = performance.now();
    totalMs += ended - began;
    commitMs += ended - written;
    batches.push({ journals: batch.length, ms: ended - began });
  }
  // Halves rather than single batches: one batch is too short to tell a trend from noise.
  const half = Math.ceil(batches.length / 2);
  const rate = (part: typeof batches) => part.reduce((sum, b) => sum + b.journals, 0) / (part.reduce((sum, b) => sum + b.ms, 0) / 1000);
  return {
    journals: drafts.length,
    totalMs,
    commitMs,
    firstHalfJournalsPerSecond: rate(batches.slice(0, half)),
    secondHalfJournalsPerSecond: batches.length > 1 ? rate(batches.slice(half)) : Number.NaN,
  };
}

// The baseline issues the very statements insertJournals does (writeJournalRows: same rows, same
// statement sizes, same driver path), so the difference between the two runs is what the
// schema's rules cost.

/**
 * Copies with the same columns, defaults and identity columns (so seq and created_at are filled
 * exactly as in the real tables) but no keys, indexes, checks, foreign keys or triggers.
 */
async function createPlainTables(knex: Knex): Promise<void> {
  await knex.raw(`
    create table bench_plain_journals (like journals including defaults including identity);
    create table bench_plain_postings (like postings including defaults including identity);
  `);
}

async function insertPlain(trx: Knex.Transaction, drafts: readonly JournalDraft[]): Promise<unknown> {
  return writeJournalRows(trx, drafts, { journals: 'bench_plain_journals', postings: 'bench_plain_postings' });
}

async function countRows(knex: Knex, table: string): Promise<number> {
  const [row] = await knex(table).count<{ n: bigint }[]>({ n: '*' });
  return Number(row!.n);
}

// ---------------------------------------------------------------------------------------------
// Reads: trial balance, cached balances, per-account sums
// ---------------------------------------------------------------------------------------------

interface TrialBalanceResult {
  slug: string;
  medianMs: number;
  lines: number;
  balanced: boolean;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function timeTrialBalance(knex: Knex, actor: Actor, book: EntityBook, asOf: string): Promise<TrialBalanceResult> {
  const timings: number[] = [];
  let balanced = true;
  let lines = 0;
  for (let runIndex = 0; runIndex < settings.trialBalanceRuns; runIndex += 1) {
    const began = performance.now();
    const report = await trialBalance(knex, actor, book.id, asOf);
    timings.push(performance.now() - began);
    balanced &&= report.totals.length > 0 && report.totals.every((total) => total.balanced);
    lines = report.lines.length;
  }
  return { slug: book.slug, medianMs: median(timings), lines, balanced };
}

interface AccountSum {
  id: string;
  entity_id: string;
  slug: string;
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  balance_minor: bigint;
  posted_minor: bigint;
}

/** Every account of the household with its cached balance and the sum of its postings. */
async function accountSums(knex: Knex, householdId: string): Promise<AccountSum[]> {
  return knex('accounts as a')
    .join('entities as e', 'e.id', 'a.entity_id')
    .leftJoin('postings as p', 'p.account_id', 'a.id')
    .where('e.household_id', householdId)
    .groupBy('a.id', 'e.slug')
    .select('a.id', 'a.entity_id', 'e.slug', 'a.code', 'a.name', 'a.type', 'a.currency', 'a.balance_minor', knex.raw('coalesce(sum(p.amount_minor), 0)::bigint as posted_minor'));
}

// ---------------------------------------------------------------------------------------------
// hledger
// ---------------------------------------------------------------------------------------------

interface ExportResult {
  file: string;
  ms: number;
  bytes: number;
}

async function exportHousehold(knex: Knex, householdId: string, file: string): Promise<ExportResult> {
  const began = performance.now();
  await pipeline(Readable.from(hledgerJournal(knex, householdId)), createWriteStream(file));
  const ms = performance.now() - began;
  return { file, ms, bytes: (await stat(file)).size };
}

type HledgerResult =
  | { status: 'ok'; version: string; balMs: number; accountsCompared: number; mismatches: string[] }
  | { status: 'skipped'; reason: string };

// The report is one line per account, but hledger's complaint about a malformed journal quotes
// it at length; execFile's 1 MiB default would turn that into a truncation error.
const hledgerMaxBuffer = 256 * 1024 * 1024;

async function hledgerVersion(): Promise<string | undefined> {
  try {
    return (await run(settings.hledger, ['--version'])).stdout.trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * `hledger bal -N --flat` lines look like `   -1234.56 USD  slug:type:name` (a zero is a bare
 * `0`). Any other line is an error here: a silently skipped line would make the comparison look
 * better than it is.
 */
function parseHledgerBalances(stdout: string): Map<string, string> {
  const balances = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^\s*(-?\d+(?:\.\d+)?)(?: USD)? {2,}(\S+)\s*$/.exec(line);
    if (!match) throw new Error(`unexpected hledger balance line: "${line}"`);
    balances.set(match[2]!, match[1]!);
  }
  return balances;
}

/** Compares every account either side knows of; an account hledger omits has balance zero. */
function compareBalances(sluice: Map<string, string>, hledger: Map<string, string>): { compared: number; mismatches: string[] } {
  const names = new Set([...sluice.keys(), ...hledger.keys()]);
  const mismatches: string[] = [];
  for (const name of [...names].sort()) {
    const expected = sluice.get(name) ?? '0.00';
    const actual = hledger.get(name) ?? '0.00';
    // hledger prints a zero balance as "0"; both sides are exact decimals with two places.
    if (normaliseDecimal(expected) !== normaliseDecimal(actual)) mismatches.push(`${name}: sluice ${expected}, hledger ${actual}`);
  }
  return { compared: names.size, mismatches };
}

function normaliseDecimal(value: string): string {
  return value === '0' || value === '-0' ? '0.00' : value;
}

async function checkWithHledger(file: string, sums: readonly AccountSum[]): Promise<HledgerResult> {
  const version = await hledgerVersion();
  if (!version) return { status: 'skipped', reason: `hledger ("${settings.hledger}") not found: install it or set BENCH_HLEDGER` };
  const began = performance.now();
  const { stdout } = await run(settings.hledger, ['-f', file, 'bal', '-N', '--flat'], { maxBuffer: hledgerMaxBuffer });
  const balMs = performance.now() - began;
  // The same names the export used: hledgerAccountNames over all of the household's accounts.
  const names = hledgerAccountNames(sums);
  const sluice = new Map(sums.filter((sum) => sum.posted_minor !== 0n).map((sum) => [names.get(sum.id)!, formatMinor(sum.posted_minor, sum.currency)]));
  const { compared, mismatches } = compareBalances(sluice, parseHledgerBalances(stdout));
  return { status: 'ok', version, balMs, accountsCompared: compared, mismatches };
}

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

interface Environment {
  startedAt: string;
  cpu: string;
  memory: string;
  os: string;
  node: string;
  postgres: string;
}

interface Results {
  environment: Environment;
  accounts: number;
  enforced: InsertTiming;
  baseline: InsertTiming;
  trialBalances: TrialBalanceResult[];
  cachedBalances: { accounts: number; mismatches: number };
  exported: ExportResult;
  hledger: HledgerResult;
}

async function describeEnvironment(knex: Knex): Promise<Environment> {
  const cpus = os.cpus();
  const { rows } = await knex.raw<{ rows: { version: string }[] }>('select version()');
  return {
    startedAt: new Date().toISOString(),
    cpu: `${cpus[0]?.model.trim() ?? 'unknown'} × ${cpus.length}`,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    postgres: rows[0]!.version.replace(/ on .*$/, ''),
  };
}

const mismatches = (count: number) => `**${count} mismatch${count === 1 ? '' : 'es'}**`;
const integer = (value: number) => Math.round(value).toLocaleString('en-US');
const milliseconds = (value: number) => `${value.toFixed(value < 100 ? 1 : 0)} ms`;
const perSecond = (timing: InsertTiming) => timing.journals / (timing.totalMs / 1000);

/** The figures, one row each, always in this order (hledger rows say why when skipped). */
function resultsTable(results: Results): string {
  const { enforced, baseline, hledger } = results;
  const slowdown = enforced.totalMs / baseline.totalMs;
  const rows: [string, string, string][] = [
    ['Post journals, enforced (`insertJournals`)', `${integer(perSecond(enforced))} journals/s`, `${integer(enforced.journals)} journals in ${(enforced.totalMs / 1000).toFixed(1)} s; first half ${integer(enforced.firstHalfJournalsPerSecond)}/s, second half ${integer(enforced.secondHalfJournalsPerSecond)}/s`],
    ['… of which COMMIT (deferred balance checks)', `${(enforced.commitMs / 1000).toFixed(1)} s`, `${((enforced.commitMs / enforced.totalMs) * 100).toFixed(0)} % of the enforced time`],
    ['Post journals, baseline (plain tables)', `${integer(perSecond(baseline))} journals/s`, `same rows and statements, no keys/indexes/constraints/triggers; ${(baseline.totalMs / 1000).toFixed(1)} s`],
    ['Enforced vs baseline', `${(1 / slowdown).toFixed(2)}× the throughput`, `enforcement makes posting ${slowdown.toFixed(1)}× slower`],
    ...results.trialBalances.map((tb): [string, string, string] => [`Trial balance, ${tb.slug}`, milliseconds(tb.medianMs), `median of ${settings.trialBalanceRuns}; ${tb.lines} lines; ${tb.balanced ? 'balanced' : '**NOT BALANCED**'}`]),
    ['Cached balances = SUM(postings)', results.cachedBalances.mismatches === 0 ? 'ok' : mismatches(results.cachedBalances.mismatches), `${results.cachedBalances.accounts} accounts checked`],
    ['hledger export (household)', milliseconds(results.exported.ms), `${(results.exported.bytes / 1024 ** 2).toFixed(1)} MiB`],
  ];
  if (hledger.status === 'ok') {
    const sluiceMs = results.trialBalances.reduce((total, tb) => total + tb.medianMs, 0);
    rows.push(
      ['`hledger bal -N --flat` on the export', milliseconds(hledger.balMs), `one run, parsing included; Sluice's trial balances take ${milliseconds(sluiceMs)} for both entities`],
      ['hledger vs Sluice per-account totals', hledger.mismatches.length === 0 ? 'agree to the cent' : mismatches(hledger.mismatches.length), `${hledger.accountsCompared} accounts compared`],
    );
  } else {
    rows.push(['`hledger bal -N --flat` on the export', 'skipped', hledger.reason], ['hledger vs Sluice per-account totals', 'skipped', hledger.reason]);
  }
  return ['| Measure | Result | Detail |', '|---|---|---|', ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function resultsDocument(results: Results, table: string): string {
  const env = results.environment;
  const hledgerVersionText = results.hledger.status === 'ok' ? results.hledger.version : 'not run';
  return `## Ledger benchmark

Written by \`npm run bench\` (bench/ledger.bench.ts); regenerate rather than edit.

### Run

| | |
|---|---|
| Date | ${env.startedAt} |
| CPU | ${env.cpu} |
| Memory | ${env.memory} |
| OS | ${env.os} |
| Node.js | ${env.node} |
| PostgreSQL | ${env.postgres} |
| hledger | ${hledgerVersionText} |
| Data | ${integer(results.enforced.journals)} two-posting journals, 2 entities, ${results.accounts} accounts, ${settings.days} days from ${settings.firstDate}, seed ${settings.seed} |
| Transactions | ${integer(settings.journalsPerTransaction)} journals each |

### Results

${table}

### What the figures measure

- **Post journals, enforced**: \`insertJournals\` into the real \`journals\`/\`postings\` tables, one
  transaction per batch, wall clock from BEGIN to the end of COMMIT. It includes the composite
  foreign keys, checks, indexes, the statement-level trigger that updates cached account
  balances, and the deferred constraint triggers that check every journal balances at COMMIT
  (shown separately on the next row). The first-half/second-half rates show how writes slow down
  as the tables and their indexes grow.
- **Post journals, baseline**: the identical rows, in the same batches and statement sizes
  through the same driver, into \`bench_plain_journals\`/\`bench_plain_postings\`
  (\`create table … (like … including defaults including identity)\`): no keys, indexes,
  constraints or triggers. The ratio is what the ledger's guarantees cost on writes.
- **Trial balance**: \`trialBalance()\` per entity as of the last day, which sums postings (not
  the cached balances); median of ${settings.trialBalanceRuns} runs after \`VACUUM ANALYZE\`, as
  autovacuum would leave a settled database. Each must balance.
- **Cached balances**: \`accounts.balance_minor\` compared with \`SUM(postings.amount_minor)\` for
  every account of the household; any difference is a bug in the balance trigger.
- **hledger export**: \`hledgerJournal()\` for the whole household, streamed to a file under the
  OS temp directory (deleted afterwards).
- **hledger bal**: \`hledger -f FILE bal -N --flat\` on that file (one run; most of it is parsing
  the journal), then each account's balance compared with Sluice's \`SUM(postings)\` under the
  export's account names. Accounts either side lists are compared; a missing one counts as 0.

### Reproduce

\`\`\`sh
npm run bench
\`\`\`

It needs PostgreSQL (\`BENCH_DATABASE_URL\`, default \`postgres://postgres@127.0.0.1:5432/test\`)
and \`hledger\` on PATH (without it the hledger rows say "skipped"). It creates a schema
\`bench_<random>\`, migrates it, and drops it at the end. See bench/README.md.`;
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function runBenchmark(database: Database, exportFile: string): Promise<Results> {
  const { knex } = database;
  const environment = await describeEnvironment(knex);

  log('creating household, entities and charts');
  const { actor, books } = await createHousehold(knex);
  const drafts = generateJournals(books, actor.userId);
  const lastDate = addDays(settings.firstDate, settings.days - 1);

  // Baseline first, so any warm-up (connections, JIT) is paid by the baseline, not by the figure
  // under test; it is small next to 100k journals either way.
  log(`baseline: ${integer(drafts.length)} journals into plain tables`);
  await createPlainTables(knex);
  const baseline = await timeInserts(knex, drafts, insertPlain);
  log(`enforced: ${integer(drafts.length)} journals through insertJournals`);
  const enforced = await timeInserts(knex, drafts, insertJournals);
  const [journals, postings] = [await countRows(knex, 'journals'), await countRows(knex, 'postings')];
  if (journals !== drafts.length || postings !== 2 * drafts.length) throw new Error(`expected ${drafts.length} journals and ${2 * drafts.length} postings, found ${journals} and ${postings}`);

  // Fresh statistics and visibility map, as autovacuum would leave them: reads measured on a
  // table the planner has never seen would measure the planner's guesses instead.
  await knex.raw('vacuum analyze journals, postings, accounts');

  log('trial balances');
  const trialBalances: TrialBalanceResult[] = [];
  for (const book of books) trialBalances.push(await timeTrialBalance(knex, actor, book, lastDate));

  log('cached balances');
  const sums = await accountSums(knex, actor.householdId);
  const cachedBalances = { accounts: sums.length, mismatches: sums.filter((sum) => sum.balance_minor !== sum.posted_minor).length };

  log('hledger export');
  const exported = await exportHousehold(knex, actor.householdId, exportFile);
  log('hledger bal');
  const hledger = await checkWithHledger(exportFile, sums);
  if (hledger.status === 'skipped') log(`hledger SKIPPED: ${hledger.reason}; the export was not checked`);

  return { environment, accounts: books.length * settings.accountsPerEntity, enforced, baseline, trialBalances, cachedBalances, exported, hledger };
}

/** What must hold for the run to count; a failed run prints its figures but writes no results. */
function failedChecks(results: Results): string[] {
  const failures: string[] = [];
  for (const tb of results.trialBalances) if (!tb.balanced) failures.push(`trial balance of ${tb.slug} does not balance`);
  if (results.cachedBalances.mismatches > 0) failures.push(`${results.cachedBalances.mismatches} cached balances differ from their postings`);
  if (results.hledger.status === 'ok') failures.push(...results.hledger.mismatches.map((mismatch) => `hledger: ${mismatch}`));
  return failures;
}

async function main(): Promise<void> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const exportFile = path.join(os.tmpdir(), `sluice-${schema}.journal`);
  log(`schema ${schema} on ${settings.databaseUrl.replace(/\/\/[^@/]*@/, '//…@')}`);
  let database: Database | undefined;
  let results: Results;
  try {
    database = await openDatabase({ databaseUrl: settings.databaseUrl, schema, poolMax: 4 });
    results = await runBenchmark(database, exportFile);
  } finally {
    await database?.close();
    await dropSchema(settings.databaseUrl, schema, log);
    await rm(exportFile, { force: true });
  }
  const table = resultsTable(results);
  process.stdout.write(`${table}\n`);
  const failures = failedChecks(results);
  if (failures.length > 0) {
    for (const failure of failures) log(`FAILED: ${failure}`);
    log(`${path.relative(process.cwd(), resultsFile)} not written`);
    process.exitCode = 1;
    return;
  }
  await writeSection('ledger', resultsDocument(results, table));
  log(`wrote the ledger section of ${path.relative(process.cwd(), resultsFile)}`);
}

await main();
