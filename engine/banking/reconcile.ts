/**
 * Matching bank transactions with what the books already hold, and statement reconciliation.
 *
 * A transfer a flow planned between two linked accounts is already in the books (the flow
 * posted it); when the bank reports the same money moving, the bank transaction is matched to
 * the flow's journal instead of being posted again, so nothing is counted twice.
 */
import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';
import { RuleViolation } from '../errors.js';
import { findAccount } from '../ledger/scope.js';
import { formatMinor, parseMoney } from '../money/index.js';
import type { IsoDate } from '../ledger/types.js';

export const plannedTransferWindowDays = 3;

export interface PlannedPosting {
  journalId: string;
  ledgerAccountId: string;
  /** Debit-positive on the account. */
  amountMinor: bigint;
  date: IsoDate;
}

export interface ArrivingBankTransaction {
  key: string;
  ledgerAccountId: string;
  amountMinor: bigint;
  date: IsoDate;
}

function dayNumber(iso: IsoDate): number {
  return Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
}

/**
 * Pure: pairs arriving bank transactions with planned postings of the same account and amount,
 * at most `windowDays` apart, closest date first; each side is used once.
 */
export function matchPlannedTransfers(arriving: readonly ArrivingBankTransaction[], planned: readonly PlannedPosting[], windowDays = plannedTransferWindowDays): Map<string, string> {
  const byKey = new Map<string, PlannedPosting[]>();
  for (const posting of planned) {
    const key = `${posting.ledgerAccountId}|${posting.amountMinor}`;
    const list = byKey.get(key) ?? [];
    list.push(posting);
    byKey.set(key, list);
  }
  const pairs: { key: string; journalId: string; distance: number; order: number }[] = [];
  arriving.forEach((txn, order) => {
    for (const posting of byKey.get(`${txn.ledgerAccountId}|${txn.amountMinor}`) ?? []) {
      const distance = Math.abs(dayNumber(posting.date) - dayNumber(txn.date));
      if (distance <= windowDays) pairs.push({ key: txn.key, journalId: posting.journalId, distance, order });
    }
  });
  pairs.sort((a, b) => a.distance - b.distance || a.order - b.order);
  const matched = new Map<string, string>();
  const used = new Set<string>();
  for (const pair of pairs) {
    if (matched.has(pair.key) || used.has(pair.journalId)) continue;
    matched.set(pair.key, pair.journalId);
    used.add(pair.journalId);
  }
  return matched;
}

/** Transfers posted by flows (or as documented inter-entity transfers) not yet claimed by a bank transaction. */
export async function unclaimedPlannedPostings(trx: Knex, ledgerAccountIds: readonly string[], from: IsoDate, to: IsoDate): Promise<PlannedPosting[]> {
  if (ledgerAccountIds.length === 0) return [];
  const rows = await trx.raw(
    `select p.journal_id, p.account_id, p.amount_minor, p.date::text as date
       from postings p
       join journals j on j.id = p.journal_id
      where p.account_id = any(?::uuid[]) and p.date between ? and ?
        and (j.flow_run_id is not null or j.source in ('flow', 'inter_entity'))
        and j.reverses_journal_id is null
        and not exists (select 1 from journals r where r.reverses_journal_id = j.id)
        and not exists (select 1 from bank_transactions b
                         where b.journal_id = p.journal_id and b.ledger_account_id = p.account_id
                           and b.status in ('posted', 'matched'))`,
    [[...ledgerAccountIds], from, to],
  );
  return (rows.rows as { journal_id: string; account_id: string; amount_minor: bigint; date: string }[]).map((row) => ({
    journalId: row.journal_id,
    ledgerAccountId: row.account_id,
    amountMinor: BigInt(row.amount_minor),
    date: row.date,
  }));
}

export interface ReconciliationView {
  id: string;
  accountId: string;
  statementDate: IsoDate;
  statementBalance: string;
  ledgerBalance: string;
  difference: string;
  balanced: boolean;
  transactionsReconciled: number;
  createdAt: string;
}

/**
 * Compares the account's ledger balance on the statement date with the statement's closing
 * balance (in the bank's sign: what the statement prints). When they agree, bank transactions
 * up to that date are marked reconciled. The record is kept either way.
 */
export async function reconcileToStatement(trx: Knex.Transaction, actor: Actor, accountId: string, request: { statementDate: IsoDate; statementBalance: string }): Promise<ReconciliationView> {
  const account = await findAccount(trx, actor, accountId);
  if (account.type !== 'asset' && account.type !== 'liability') {
    throw new RuleViolation('only bank, card and loan accounts are reconciled to statements', [{ field: '/accountId', message: 'choose an asset or liability account', code: 'not_a_bank_account' }]);
  }
  const statement = parseMoney(request.statementBalance, account.currency).amountMinor;
  // Statements print what is owed on a card as positive; the ledger holds it as a credit.
  const statementLedgerSign = account.type === 'liability' ? -statement : statement;
  const sum = await trx('postings').where({ account_id: account.id }).andWhere('date', '<=', request.statementDate).sum<{ total: bigint | null }[]>({ total: 'amount_minor' });
  const ledger = BigInt(sum[0]?.total ?? 0n);
  const difference = statementLedgerSign - ledger;
  const balanced = difference === 0n;
  let reconciled = 0;
  if (balanced) {
    reconciled = await trx('bank_transactions')
      .where({ ledger_account_id: account.id })
      .whereIn('status', ['posted', 'matched'])
      .andWhere('date', '<=', request.statementDate)
      .whereNull('reconciled_at')
      .update({ reconciled_at: trx.fn.now(), updated_at: trx.fn.now() });
  }
  const [row] = await trx('reconciliations')
    .insert({
      household_id: actor.householdId,
      ledger_account_id: account.id,
      statement_date: request.statementDate,
      statement_balance_minor: statement.toString(),
      ledger_balance_minor: ledger.toString(),
      difference_minor: difference.toString(),
      balanced,
      created_by: actor.userId,
    })
    .returning(['id', 'created_at']);
  return {
    id: row.id,
    accountId: account.id,
    statementDate: request.statementDate,
    statementBalance: formatMinor(statement, account.currency),
    ledgerBalance: formatMinor(account.type === 'liability' ? -ledger : ledger, account.currency),
    difference: formatMinor(account.type === 'liability' ? -difference : difference, account.currency),
    balanced,
    transactionsReconciled: reconciled,
    createdAt: row.created_at.toISOString(),
  };
}
