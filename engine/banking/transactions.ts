/**
 * Bank transactions as the user sees them (synced or imported), and categorising one: the
 * journal is immutable, so categorising reverses it and posts it again against the category,
 * with a revision row saying so.
 */
import type { Knex } from 'knex';
import { insertJsonRows, type ColumnTypes } from '../db/json-rows.js';
import type { Actor } from '../auth/actor.js';
import { isUuid } from '../auth/actor.js';
import { AuditLog } from '../audit/audit-log.js';
import { Conflict, NotFound, RuleViolation } from '../errors.js';
import { insertJournals } from '../ledger/journal-store.js';
import type { AccountRow } from '../ledger/types.js';
import { formatMinor } from '../money/index.js';
import { bankJournalDraft, reversalDrafts } from './ledger-accounts.js';

/** The columns new bank transaction rows carry (synced rows and imported ones each leave some null). */
const newBankTransactionColumns: ColumnTypes = {
  household_id: 'uuid',
  entity_id: 'uuid',
  ledger_account_id: 'uuid',
  source: 'text',
  bank_account_id: 'uuid',
  batch_id: 'uuid',
  external_id: 'text',
  content_hash: 'text',
  pending_transaction_id: 'text',
  status: 'text',
  date: 'date',
  amount_minor: 'bigint',
  currency: 'char(3)',
  payee: 'text',
  memo: 'text',
  category_account_id: 'uuid',
  journal_id: 'uuid',
};

/** New bank transaction rows in bulk (a sync or an import of 100,000 rows is a few statements). */
export async function insertBankTransactions(trx: Knex.Transaction, rows: readonly Record<string, unknown>[]): Promise<void> {
  await insertJsonRows(trx, 'bank_transactions', newBankTransactionColumns, rows);
}

export interface BankTransactionView {
  id: string;
  accountId: string;
  entityId: string;
  source: 'plaid' | 'file';
  status: string;
  date: string;
  amount: string;
  currency: string;
  payee: string | null;
  memo: string | null;
  categoryAccountId: string | null;
  journalId: string | null;
  batchId: string | null;
  reconciled: boolean;
}

function view(row: Record<string, any>): BankTransactionView {
  const currency = String(row.currency).trim();
  return {
    id: String(row.id),
    accountId: row.ledger_account_id,
    entityId: row.entity_id,
    source: row.source,
    status: row.status,
    date: row.date,
    amount: formatMinor(BigInt(row.amount_minor), currency),
    currency,
    payee: row.payee,
    memo: row.memo,
    categoryAccountId: row.category_account_id,
    journalId: row.journal_id,
    batchId: row.batch_id,
    reconciled: row.reconciled_at !== null,
  };
}

export async function listBankTransactions(db: Knex, actor: Actor, query: { accountId?: string; status?: string; uncategorized?: boolean; limit: number; offset: number }): Promise<{ data: BankTransactionView[]; total: number }> {
  const base = db('bank_transactions').where({ household_id: actor.householdId });
  if (query.accountId) base.andWhere({ ledger_account_id: isUuid(query.accountId) ? query.accountId : '00000000-0000-0000-0000-000000000000' });
  if (query.status) base.andWhere({ status: query.status });
  if (query.uncategorized) base.whereNull('category_account_id').whereIn('status', ['posted']);
  const total = Number((await base.clone().count<{ n: bigint }[]>({ n: '*' }))[0]?.n ?? 0n);
  const rows = await base.orderBy([{ column: 'date', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(query.limit).offset(query.offset).select('*');
  return { data: rows.map(view), total };
}

export async function categorizeBankTransaction(trx: Knex.Transaction, audit: AuditLog, actor: Actor, transactionId: string, categoryAccountId: string): Promise<BankTransactionView> {
  const row = /^[0-9]{1,18}$/.test(transactionId) ? await trx('bank_transactions').where({ id: transactionId, household_id: actor.householdId }).forUpdate().first() : undefined;
  if (!row) throw new NotFound('bank transaction', transactionId);
  if (row.status !== 'posted') throw new Conflict(`only posted transactions are categorised (this one is ${row.status})`, 'not_posted');
  const category = isUuid(categoryAccountId) ? await trx<AccountRow>('accounts').where({ id: categoryAccountId, entity_id: row.entity_id }).first() : undefined;
  if (!category || (category.type !== 'income' && category.type !== 'expense' && category.type !== 'equity' && category.type !== 'liability' && category.type !== 'asset') || category.id === row.ledger_account_id) {
    throw new RuleViolation('choose an account of the same entity as the category', [{ field: '/categoryAccountId', message: 'not an account of this entity', code: 'unknown_category' }]);
  }
  if (category.currency.trim() !== String(row.currency).trim()) throw new RuleViolation('the category is in another currency', [{ field: '/categoryAccountId', message: 'currency differs', code: 'currency_mismatch' }]);
  if (row.category_account_id === category.id) return view(row);
  const reversal = (await reversalDrafts(trx, [row.journal_id], row.source === 'plaid' ? 'bank' : 'import', actor.userId)).get(row.journal_id)!;
  const reposted = bankJournalDraft({ entityId: row.entity_id, bankLedgerAccountId: row.ledger_account_id, counterAccountId: category.id, date: row.date, ledgerAmountMinor: BigInt(row.amount_minor), currency: String(row.currency).trim(), payee: row.payee, memo: row.memo ?? row.payee ?? '', source: row.source === 'plaid' ? 'bank' : 'import', createdBy: actor.userId });
  await insertJournals(trx, [reversal, reposted]);
  await trx('bank_transactions').where({ id: row.id }).update({ category_account_id: category.id, journal_id: reposted.id, updated_at: trx.fn.now() });
  await trx('bank_transaction_revisions').insert({ bank_transaction_id: row.id, change: 'categorised', before: JSON.stringify({ categoryAccountId: row.category_account_id }), after: JSON.stringify({ categoryAccountId: category.id }), reversal_journal_id: reversal.id, correction_journal_id: reposted.id });
  await audit.record(trx, [{ householdId: actor.householdId, actorUserId: actor.userId, action: 'bank_transaction.categorise', resourceType: 'bank_transaction', resourceId: String(row.id), before: { categoryAccountId: row.category_account_id }, after: { categoryAccountId: category.id } }]);
  return view({ ...row, category_account_id: category.id, journal_id: reposted.id });
}
