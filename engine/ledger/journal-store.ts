import type { Knex } from 'knex';
import { jsonInsertSql, type ColumnTypes } from '../db/json-rows.js';
import { RuleViolation } from '../errors.js';
import type { IsoDate, JournalSource } from './types.js';

export interface PostingDraft {
  accountId: string;
  amountMinor: bigint;
  currency: string;
  memo?: string | null;
}

/** A journal ready to write: ids chosen, amounts in minor units, accounts already checked. */
export interface JournalDraft {
  id: string;
  entityId: string;
  date: IsoDate;
  memo: string;
  payee?: string | null;
  source: JournalSource;
  reversesJournalId?: string | null;
  interEntityTransferId?: string | null;
  /** The flow run that posted it, if any. */
  flowRunId?: string | null;
  createdBy: string | null;
  postings: readonly PostingDraft[];
}

/**
 * The application's half of "journals balance": checked before writing, so the user gets a
 * clear message; the database checks it again at commit (constraint trigger), so a bug cannot
 * write an unbalanced journal.
 */
export function unbalancedCurrencies(postings: readonly PostingDraft[]): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  for (const posting of postings) totals.set(posting.currency, (totals.get(posting.currency) ?? 0n) + posting.amountMinor);
  for (const [currency, total] of totals) if (total === 0n) totals.delete(currency);
  return totals;
}

export function assertJournalDraft(draft: JournalDraft): void {
  if (draft.postings.length < 2) {
    throw new RuleViolation('a journal needs at least two postings', [{ field: '/postings', message: 'add at least two postings', code: 'too_few_postings' }]);
  }
  if (draft.postings.some((posting) => posting.amountMinor === 0n)) {
    throw new RuleViolation('posting amounts cannot be zero', [{ field: '/postings', message: 'a posting of zero moves nothing', code: 'zero_posting' }]);
  }
  const off = unbalancedCurrencies(draft.postings);
  if (off.size > 0) {
    const detail = [...off].map(([currency, total]) => `${currency} off by ${total} minor units`).join(', ');
    throw new RuleViolation(`postings must sum to zero per currency (${detail})`, [{ field: '/postings', message: `debits and credits differ: ${detail}`, code: 'unbalanced' }]);
  }
}

/**
 * Rows per statement. The rows travel as one JSON parameter per statement, expanded by
 * `json_to_recordset` on the server: no bind-parameter limit, one parse, and the
 * statement-level triggers (balances, monthly totals, reference checks) run once per chunk.
 */
export const journalsPerStatement = 10_000;
export const postingsPerStatement = 40_000;

/** The tables a batch is written to: the ledger's own, or (benchmarks) plain copies of them. */
export interface LedgerTables {
  journals: string;
  postings: string;
}

const ledgerTables: LedgerTables = { journals: 'journals', postings: 'postings' };

const journalColumns: ColumnTypes = {
  id: 'uuid',
  entity_id: 'uuid',
  date: 'date',
  memo: 'text',
  payee: 'text',
  source: 'text',
  reverses_journal_id: 'uuid',
  inter_entity_transfer_id: 'uuid',
  flow_run_id: 'uuid',
  created_by: 'uuid',
};
const postingColumns: ColumnTypes = { journal_id: 'uuid', entity_id: 'uuid', date: 'date', account_id: 'uuid', amount_minor: 'bigint', currency: 'char(3)', memo: 'text' };

function journalRow(draft: JournalDraft) {
  return {
    id: draft.id,
    entity_id: draft.entityId,
    date: draft.date,
    memo: draft.memo,
    payee: draft.payee ?? null,
    source: draft.source,
    reverses_journal_id: draft.reversesJournalId ?? null,
    inter_entity_transfer_id: draft.interEntityTransferId ?? null,
    flow_run_id: draft.flowRunId ?? null,
    created_by: draft.createdBy,
  };
}

function postingRows(draft: JournalDraft) {
  return draft.postings.map((posting) => ({
    journal_id: draft.id,
    entity_id: draft.entityId,
    date: draft.date,
    account_id: posting.accountId,
    // A string: JSON numbers lose precision above 2^53; PostgreSQL reads "123" as a bigint.
    amount_minor: posting.amountMinor.toString(),
    currency: posting.currency,
    memo: posting.memo ?? null,
  }));
}

/** What the database assigned to a written journal. */
export interface WrittenJournal {
  createdAt: Date;
  /** Ids of its postings, in the order of the draft's postings. */
  postingIds: bigint[];
}

/**
 * Journals and postings in one statement when they fit (one round trip: the accounts the
 * postings lock are held from here to COMMIT, so every round trip counts), else in chunks.
 * Posting ids come back sorted: an identity column numbers a statement's rows in the order it
 * inserts them, so ascending ids are the drafts' order. `created_at` is the transaction's start.
 */
export async function writeJournalRows(trx: Knex.Transaction, drafts: readonly JournalDraft[], tables: LedgerTables = ledgerTables): Promise<WrittenJournal[]> {
  // An import or sync with nothing new: no statement (and no statement trigger) at all, as before.
  if (drafts.length === 0) return [];
  const postings = drafts.flatMap(postingRows);
  let createdAt: Date | undefined;
  const postingIds: bigint[] = [];
  if (drafts.length <= journalsPerStatement && postings.length <= postingsPerStatement) {
    const result = await trx.raw(
      `with j as (${jsonInsertSql(tables.journals, journalColumns, 'created_at')}), p as (${jsonInsertSql(tables.postings, postingColumns, 'id')})
       select (select min(created_at) from j) as created_at, (select array_agg(id order by id) from p) as ids`,
      [JSON.stringify(drafts.map(journalRow)), JSON.stringify(postings)],
    );
    createdAt = result.rows[0].created_at;
    postingIds.push(...(result.rows[0].ids ?? []).map((id: string | bigint) => BigInt(id)));
  } else {
    for (let start = 0; start < drafts.length; start += journalsPerStatement) {
      const result = await trx.raw(jsonInsertSql(tables.journals, journalColumns, 'created_at'), [JSON.stringify(drafts.slice(start, start + journalsPerStatement).map(journalRow))]);
      createdAt ??= result.rows[0]?.created_at;
    }
    for (let start = 0; start < postings.length; start += postingsPerStatement) {
      const result = await trx.raw(jsonInsertSql(tables.postings, postingColumns, 'id'), [JSON.stringify(postings.slice(start, start + postingsPerStatement))]);
      postingIds.push(...result.rows.map((row: { id: bigint }) => row.id));
    }
  }
  let next = 0;
  return drafts.map((draft) => ({ createdAt: createdAt!, postingIds: draft.postings.map(() => postingIds[next++]!) }));
}

/**
 * Locks accounts about to be posted to, in id order (README, "Locks"). Row locks are held to
 * commit, so taking one again later in the same transaction costs nothing.
 */
export async function lockAccounts(trx: Knex.Transaction, accountIds: readonly string[]): Promise<void> {
  const ids = [...new Set(accountIds)].sort();
  if (ids.length > 0) await trx('accounts').whereIn('id', ids).orderBy('id').forNoKeyUpdate().select('id');
}

/** Writes journals and their postings in bulk inside the caller's transaction. */
export async function insertJournals(trx: Knex.Transaction, drafts: readonly JournalDraft[]): Promise<WrittenJournal[]> {
  for (const draft of drafts) assertJournalDraft(draft);
  // Each postings statement locks its accounts in id order (the cached-balance trigger); when
  // the postings take several statements, lock all of them first, in one id-ordered pass, so a
  // later statement never waits for an account another writer locked after one of ours.
  const postingCount = drafts.reduce((count, draft) => count + draft.postings.length, 0);
  if (postingCount > postingsPerStatement) await lockAccounts(trx, drafts.flatMap((draft) => draft.postings.map((posting) => posting.accountId)));
  return writeJournalRows(trx, drafts);
}
