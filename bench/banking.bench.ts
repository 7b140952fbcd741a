/**
 * Bank data benchmark.
 *
 * (a) Import a 100,000-row CSV into an empty checking account: parse (csv-parse + mapping),
 *     dedupe (set-based), post (100,000 journals, 200,000 postings, 100,000 bank rows) in one
 *     transaction. The preview of the same file (parse + dedupe, nothing written) is timed too.
 * (b) Import the same file again: every row a duplicate, nothing written.
 * (c) Sync 100,000 transactions from the in-process Plaid sandbox through the official client
 *     (200 pages of 500), applied in one transaction; the books must equal the bank's balances.
 *
 * Rows per second and peak memory (RSS of this Node process; PostgreSQL is another process) for
 * each. Rewrites only its own section of bench/RESULTS.md (between the `banking` markers).
 * `npm run bench:banking`; BENCH_BANK_ROWS overrides the 100,000; BENCH_BANK_DRY=1 prints instead of writing.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { Actor } from '../engine/auth/actor.js';
import { createUserWithHousehold } from '../engine/auth/auth-service.js';
import { ImportService } from '../engine/banking/import/import-service.js';
import { BankItemService } from '../engine/banking/items.js';
import { BankSyncService } from '../engine/banking/sync.js';
import { loadConfig } from '../engine/config.js';
import { buildContainer, disposeContainer } from '../engine/container.js';
import { openDatabase, type Database } from '../engine/db/database.js';
import { EntityService } from '../engine/ledger/entities.js';
import { insertJournals } from '../engine/ledger/journal-store.js';
import { startPlaidSandbox } from '../sandbox/plaid/server.js';
import { dropSchema, machineRows, positiveInt, writeSection } from './bench-support.js';

const settings = {
  databaseUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  rows: positiveInt('BENCH_BANK_ROWS', 100_000),
  /** Journals already in the books before the import (dated before the file's range). */
  historyJournals: 2_000,
  goals: { importSeconds: 10, reimportSeconds: 5 },
  actual: { importTenThousandSeconds: 7, reimportTenThousandSeconds: 27 },
} as const;


function log(message: string): void {
  process.stderr.write(`[bench:banking] ${message}\n`);
}

/** Wall clock and peak RSS of this process while `work` runs (sampled every 10 ms). */
async function measured<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number; peakRssMiB: number; rssBeforeMiB: number }> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const started = performance.now();
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, seconds: (performance.now() - started) / 1000, peakRssMiB: peak / 1024 ** 2, rssBeforeMiB: before / 1024 ** 2 };
  } finally {
    clearInterval(timer);
  }
}

/** A realistic checking-account export: two years, 300 payees, no bank ids (the hard case). */
function checkingCsv(rows: number): string {
  const payees = Array.from({ length: 300 }, (_, index) => ['WHOLE FOODS MARKET', 'BLUE BOTTLE COFFEE', 'SHELL OIL', 'AMAZON MKTPL', 'UBER *TRIP', 'STRIPE TRANSFER', 'PG&E WEB ONLINE', 'TRADER JOE S'][index % 8] + ` #${1000 + index}`);
  let seed = 20261201;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const lines = ['Date,Description,Amount,Memo'];
  const start = Date.UTC(2024, 11, 1);
  for (let index = 0; index < rows; index += 1) {
    const date = new Date(start + Math.floor((index / rows) * 730) * 86_400_000).toISOString().slice(0, 10);
    const income = random() < 0.08;
    const cents = income ? Math.round(50_000 + random() * 400_000) : -Math.round(300 + random() * 25_000);
    lines.push(`${date},"${payees[Math.floor(random() * payees.length)]}",${(cents / 100).toFixed(2)},${random() < 0.3 ? 'card purchase' : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

interface Results {
  rows: number;
  fileMiB: number;
  preview: { seconds: number; peakRssMiB: number; rssBeforeMiB: number };
  importRun: { seconds: number; peakRssMiB: number; rssBeforeMiB: number; added: number };
  reimport: { seconds: number; peakRssMiB: number; rssBeforeMiB: number; duplicates: number; added: number };
  sync: { seconds: number; peakRssMiB: number; rssBeforeMiB: number; posted: number; pending: number; pages: number; balancesAgree: boolean };
  loadAverage: number;
  postgres: string;
}

async function run(): Promise<Results> {
  const startLoad = os.loadavg()[0]!;
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  log(`schema ${schema}`);
  let database: Database | undefined;
  const sandbox = await startPlaidSandbox({ clientId: 'bench', secret: 'bench-secret', today: '2026-11-30', seed: 20261201, days: 730, transactionsPerItem: settings.rows });
  try {
    database = await openDatabase({ databaseUrl: settings.databaseUrl, schema, poolMax: 4 });
    const config = loadConfig({
      DATABASE_URL: settings.databaseUrl,
      SLUICE_JWT_SECRET: randomBytes(32).toString('hex'),
      SLUICE_DATA_DIR: path.join(os.tmpdir(), 'sluice-bench-unused'),
      SLUICE_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
      PLAID_CLIENT_ID: 'bench',
      PLAID_SECRET: 'bench-secret',
      PLAID_BASE_PATH: sandbox.url,
      LOG_LEVEL: 'silent',
      SLUICE_DEMO: 'false',
      SLUICE_SCHEDULER: 'false',
    });
    config.banking.plaid = { ...config.banking.plaid, localSandbox: true, webhookUrl: undefined };
    const container = buildContainer(config, database, pino({ level: 'silent' }));
    const knex = database.knex;
    try {
      const { actor, checking, entityId } = await knex.transaction(async (trx) => {
        const { userId, householdId } = await createUserWithHousehold(trx, `bench-bank-${randomUUID()}@sluice.local`, 'not-a-password-hash', 'Bench household');
        const actor: Actor = { userId, householdId };
        const personal = await container.resolve(EntityService).create(trx, actor, { kind: 'personal', name: 'Bench Personal' });
        const checking = (await trx('accounts').where({ entity_id: personal.id, code: '1000' }).first('id')).id as string;
        const other = (await trx('accounts').where({ entity_id: personal.id, code: '5020' }).first('id')).id as string;
        // A settled database: some history, statistics gathered (as autovacuum would). On tables
        // never analyzed PostgreSQL checks each posting's foreign key through the wrong index.
        await insertJournals(trx, Array.from({ length: settings.historyJournals }, (_, index) => ({
          id: randomUUID(),
          entityId: personal.id,
          date: `2024-${String((index % 11) + 1).padStart(2, '0')}-${String((index % 28) + 1).padStart(2, '0')}`,
          memo: 'History',
          source: 'manual' as const,
          createdBy: userId,
          postings: [
            { accountId: other, amountMinor: 1_000n + BigInt(index), currency: 'USD' },
            { accountId: checking, amountMinor: -1_000n - BigInt(index), currency: 'USD' },
          ],
        })));
        return { actor, checking, entityId: personal.id };
      });
      await knex.raw('analyze');
      const imports = container.resolve(ImportService);
      const content = checkingCsv(settings.rows);
      const mapping = { delimiter: ',' as const, hasHeader: true, dateColumn: 0, dateFormat: 'YYYY-MM-DD' as const, payeeColumn: 1, amountColumn: 2, memoColumn: 3, decimalSeparator: '.' as const };
      log(`CSV of ${settings.rows} rows, ${(content.length / 1024 ** 2).toFixed(1)} MiB`);

      const preview = await measured(() => imports.preview(actor, checking, { content, mapping }));
      if (preview.value.counts.new !== settings.rows) throw new Error(`preview: expected ${settings.rows} new rows, got ${JSON.stringify(preview.value.counts)}`);
      log(`preview (parse + dedupe): ${preview.seconds.toFixed(2)} s`);
      const first = await measured(() => knex.transaction((trx) => imports.importContent(actor, checking, { content, mapping, fileName: 'bench.csv' }, trx)));
      log(`import: ${first.seconds.toFixed(2)} s, added ${first.value.counts.added}`);
      if (first.value.counts.added !== settings.rows) throw new Error(`import added ${first.value.counts.added}`);
      await knex.raw('analyze journals, postings, bank_transactions');
      const second = await measured(() => knex.transaction((trx) => imports.importContent(actor, checking, { content, mapping, fileName: 'bench.csv' }, trx)));
      log(`re-import: ${second.seconds.toFixed(2)} s, added ${second.value.counts.added}, duplicates ${second.value.counts.duplicate}`);
      if (second.value.counts.added !== 0) throw new Error(`re-import added ${second.value.counts.added}`);

      // (c) Sync 100,000 transactions from the sandbox.
      const items = container.resolve(BankItemService);
      const sync = container.resolve(BankSyncService);
      const publicToken = sandbox.createPublicToken('ins_109508', ['checking', 'savings', 'card']);
      const item = await items.exchange(actor, publicToken);
      const plaidItemId = (await knex('bank_items').where({ id: item.id }).first('plaid_item_id')).plaid_item_id as string;
      // Assign without the automatic replay in assignAccounts' caller: the timed sync is the first.
      await items.assignAccounts(actor, item.id, item.accounts.map((account) => ({ accountId: account.id, entityId })));
      const synced = await measured(() => sync.syncItem(item.id, 'manual'));
      if (synced.value.status !== 'synced') throw new Error(`sync ${synced.value.status}: ${synced.value.error?.message}`);
      log(`sync: ${synced.seconds.toFixed(2)} s, ${synced.value.added} posted, ${synced.value.pending} pending, ${synced.value.pages} pages`);
      const balances = sandbox.balances(plaidItemId);
      const linked = await knex('bank_accounts as b').join('accounts as a', 'a.id', 'b.ledger_account_id').where('b.item_id', item.id).select('b.plaid_account_id', 'b.plaid_type', 'a.balance_minor');
      const balancesAgree = linked.every((account) => {
        const bank = balances.get(account.plaid_account_id)!;
        return BigInt(account.balance_minor) === BigInt(account.plaid_type === 'credit' ? -bank.currentCents : bank.currentCents);
      });
      const stored = Number((await knex('bank_transactions').where({ source: 'plaid' }).count<{ n: bigint }[]>({ n: '*' }))[0]!.n);
      if (!balancesAgree || stored !== settings.rows) throw new Error(`sync check failed: balances agree ${balancesAgree}, stored ${stored} of ${settings.rows}`);
      const { rows } = await knex.raw<{ rows: { version: string }[] }>('select version()');
      return {
        rows: settings.rows,
        fileMiB: content.length / 1024 ** 2,
        preview: { seconds: preview.seconds, peakRssMiB: preview.peakRssMiB, rssBeforeMiB: preview.rssBeforeMiB },
        importRun: { seconds: first.seconds, peakRssMiB: first.peakRssMiB, rssBeforeMiB: first.rssBeforeMiB, added: first.value.counts.added },
        reimport: { seconds: second.seconds, peakRssMiB: second.peakRssMiB, rssBeforeMiB: second.rssBeforeMiB, duplicates: second.value.counts.duplicate, added: second.value.counts.added },
        sync: { seconds: synced.seconds, peakRssMiB: synced.peakRssMiB, rssBeforeMiB: synced.rssBeforeMiB, posted: synced.value.added, pending: synced.value.pending, pages: synced.value.pages, balancesAgree },
        loadAverage: startLoad,
        postgres: rows[0]!.version.split(' on ')[0]!,
      };
    } finally {
      await disposeContainer(container);
    }
  } finally {
    await sandbox.close();
    await database?.close();
    await dropSchema(settings.databaseUrl, schema, log);
  }
}

const rate = (rows: number, seconds: number) => `${Math.round(rows / seconds).toLocaleString('en-US')} rows/s`;
const verdict = (met: boolean) => (met ? 'goal met' : '**goal missed**');

function section(results: Results): string {
  const cpus = os.cpus();
  const actualImportRate = 10_000 / settings.actual.importTenThousandSeconds;
  const actualReimportRate = 10_000 / settings.actual.reimportTenThousandSeconds;
  const n = results.rows.toLocaleString('en-US');
  return `
## Bank data benchmark

Written by \`npm run bench:banking\` (bench/banking.bench.ts); regenerate rather than edit.

### Run

| | |
|---|---|
${machineRows()}
| PostgreSQL | ${results.postgres} |
| Load average at start | ${results.loadAverage.toFixed(1)} on ${cpus.length} CPUs (the machine is shared; PostgreSQL runs on the same CPUs) |
| Data | ${settings.historyJournals.toLocaleString('en-US')} journals of history, then \`ANALYZE\` (a settled database); CSV of ${n} rows (${results.fileMiB.toFixed(1)} MiB): two years of a checking account, 300 payees, no bank ids; a sandbox item of ${n} transactions over 730 days (checking, savings, card) |

### Results

| Measure | Rows/s | Wall clock | Peak RSS (growth) | Detail |
|---|---|---|---|---|
| Preview (parse + dedupe, nothing written) | ${rate(results.rows, results.preview.seconds)} | ${results.preview.seconds.toFixed(2)} s | ${results.preview.peakRssMiB.toFixed(0)} MiB (+${Math.max(0, results.preview.peakRssMiB - results.preview.rssBeforeMiB).toFixed(0)}) | csv-parse, mapping, content hashes, set-based dedupe against the account |
| Import ${n} new rows (parse, dedupe, post) | ${rate(results.rows, results.importRun.seconds)} | ${results.importRun.seconds.toFixed(2)} s | ${results.importRun.peakRssMiB.toFixed(0)} MiB (+${Math.max(0, results.importRun.peakRssMiB - results.importRun.rssBeforeMiB).toFixed(0)}) | ${results.importRun.added.toLocaleString('en-US')} journals, ${(results.importRun.added * 2).toLocaleString('en-US')} postings, one transaction; goal ≤ ${settings.goals.importSeconds} s: ${verdict(results.importRun.seconds <= settings.goals.importSeconds)} |
| Re-import the same file (all duplicates) | ${rate(results.rows, results.reimport.seconds)} | ${results.reimport.seconds.toFixed(2)} s | ${results.reimport.peakRssMiB.toFixed(0)} MiB (+${Math.max(0, results.reimport.peakRssMiB - results.reimport.rssBeforeMiB).toFixed(0)}) | ${results.reimport.duplicates.toLocaleString('en-US')} duplicates, ${results.reimport.added} added; goal ≤ ${settings.goals.reimportSeconds} s: ${verdict(results.reimport.seconds <= settings.goals.reimportSeconds)} |
| Sync ${n} transactions from the sandbox | ${rate(results.rows, results.sync.seconds)} | ${results.sync.seconds.toFixed(2)} s | ${results.sync.peakRssMiB.toFixed(0)} MiB (+${Math.max(0, results.sync.peakRssMiB - results.sync.rssBeforeMiB).toFixed(0)}) | ${results.sync.pages} pages of 500 through the official client; ${results.sync.posted.toLocaleString('en-US')} posted, ${results.sync.pending} pending kept aside; ledger = bank balances: ${results.sync.balancesAgree ? 'yes' : 'NO'} |

For scale (ACTUAL.md, same kind of machine): Actual Budget's \`importTransactions\` does about
${Math.round(actualImportRate).toLocaleString('en-US')} new rows/s and ${Math.round(actualReimportRate).toLocaleString('en-US')} rows/s on a re-import (10,000 rows in ~${settings.actual.importTenThousandSeconds} s and ~${settings.actual.reimportTenThousandSeconds} s).
Sluice here: ${(results.rows / results.importRun.seconds / actualImportRate).toFixed(1)}× on new rows, ${(results.rows / results.reimport.seconds / actualReimportRate).toFixed(1)}× on the re-import, at 10× the row count.

### What the figures measure

- **Import**: \`ImportService.importContent\` in one database transaction, from the file's text to
  COMMIT: parse, dedupe against the account's existing transactions, one journal per new row
  (checking vs Uncategorized) through \`insertJournals\` — so every ledger rule of the database
  applies (composite keys, deferred balance checks at COMMIT, cached balances, the ledger-event
  and monthly-summary triggers) — and one \`bank_transactions\` row each with its content hash.
  Posting is most of it: the ledger benchmark's enforced rate bounds it.
- **Re-import**: the same call with the same file: every row is recognised by its content hash
  (date, amount, payee, n-th identical row), nothing is written but the batch record.
- **Sync**: \`BankSyncService.syncItem\` from an empty cursor: 200 \`/transactions/sync\` pages over
  HTTP from the in-process sandbox (which builds the pages too), then one transaction that posts
  every transaction, stores the cursor and brings each account to the bank's balance; afterwards
  every ledger balance is compared with the sandbox's.
- **Peak RSS**: the largest resident set of this Node process sampled every 10 ms during the
  measure (the sandbox shares the process), and in brackets its growth over the RSS at the
  measure's start; PostgreSQL's memory is not included. The sync holds every page until it
  applies them in one transaction (bounded by \`syncPagesMax\`), so its memory grows with the
  size of the first sync.

### Reproduce

\`\`\`sh
npm run bench:banking
\`\`\`

It needs PostgreSQL (\`BENCH_DATABASE_URL\`, default \`postgres://postgres@127.0.0.1:5432/test\`);
it creates a schema \`bench_<random>\`, migrates it, and drops it at the end.
`;
}

const results = await run();
if (process.env.BENCH_BANK_DRY) process.stdout.write(section(results));
else {
  await writeSection('banking', section(results));
  log('bench/RESULTS.md updated');
}
