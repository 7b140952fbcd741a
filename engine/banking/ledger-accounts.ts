/**
 * The ledger side of bank data: the "Uncategorized" account each entity books unknown bank
 * transactions against, and the journal drafts a bank transaction becomes.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { JournalDraft } from '../ledger/journal-store.js';
import type { AccountRow, EntityRow, IsoDate, JournalSource } from '../ledger/types.js';

/**
 * The entity's Uncategorized account in `currency`, created if missing (entities created after
 * the banking migration get it on first use). One per entity and currency.
 */
export async function ensureUncategorizedAccount(trx: Knex | Knex.Transaction, entity: Pick<EntityRow, 'id' | 'kind' | 'base_currency'>, currency: string): Promise<AccountRow> {
  const base = entity.kind === 'llc' ? '6999' : '5999';
  const code = currency === entity.base_currency ? base : `${base}-${currency}`;
  const existing = await trx<AccountRow>('accounts')
    .where({ entity_id: entity.id, currency })
    .andWhere((where) => where.where({ role: 'uncategorized' }).orWhere({ code }))
    .orderByRaw("role = 'uncategorized' desc nulls last")
    .first();
  if (existing) return existing;
  const [row] = await trx<AccountRow>('accounts')
    .insert({
      id: randomUUID(),
      entity_id: entity.id,
      code,
      name: currency === entity.base_currency ? 'Uncategorized' : `Uncategorized (${currency})`,
      type: 'expense',
      subtype: 'expense',
      role: currency === entity.base_currency ? 'uncategorized' : null,
      currency,
      description: 'Bank and imported transactions not categorised yet',
    })
    .onConflict()
    .ignore()
    .returning('*');
  return row ?? (await trx<AccountRow>('accounts').where({ entity_id: entity.id, code }).first())!;
}

export interface BankJournalInput {
  entityId: string;
  bankLedgerAccountId: string;
  counterAccountId: string;
  date: IsoDate;
  /** Debit-positive on the bank's ledger account: money in is positive (asset or card alike). */
  ledgerAmountMinor: bigint;
  currency: string;
  payee: string | null;
  memo: string;
  source: JournalSource;
  createdBy: string | null;
  reversesJournalId?: string;
}

/** Bank account vs category: the two postings of a bank transaction. */
export function bankJournalDraft(input: BankJournalInput): JournalDraft {
  return {
    id: randomUUID(),
    entityId: input.entityId,
    date: input.date,
    memo: input.memo.slice(0, 500),
    payee: input.payee?.slice(0, 200) ?? null,
    source: input.source,
    reversesJournalId: input.reversesJournalId ?? null,
    createdBy: input.createdBy,
    postings: [
      { accountId: input.bankLedgerAccountId, amountMinor: input.ledgerAmountMinor, currency: input.currency },
      { accountId: input.counterAccountId, amountMinor: -input.ledgerAmountMinor, currency: input.currency },
    ],
  };
}

export function addDaysIso(iso: IsoDate, days: number): IsoDate {
  const date = new Date(`${iso}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/**
 * Mirror images of journals, read straight from their postings (set-based: an import batch of
 * 100,000 rows is undone in a few statements). Callers make sure none was reversed already; the
 * unique reverses_journal_id makes a second reversal fail anyway.
 */
export async function reversalDrafts(trx: Knex.Transaction, journalIds: readonly string[], source: JournalSource, createdBy: string | null): Promise<Map<string, JournalDraft>> {
  const drafts = new Map<string, JournalDraft>();
  if (journalIds.length === 0) return drafts;
  const journals = await trx.raw(`select id, entity_id, date::text as date, memo, payee from journals where id = any(?::uuid[])`, [[...journalIds]]);
  for (const journal of journals.rows as { id: string; entity_id: string; date: string; memo: string; payee: string | null }[]) {
    drafts.set(journal.id, {
      id: randomUUID(),
      entityId: journal.entity_id,
      date: journal.date,
      memo: `Reversal of: ${journal.memo}`.slice(0, 500),
      payee: journal.payee,
      source,
      reversesJournalId: journal.id,
      createdBy,
      postings: [],
    });
  }
  const postings = await trx.raw(`select journal_id, account_id, amount_minor, currency, memo from postings where journal_id = any(?::uuid[]) order by id`, [[...journalIds]]);
  for (const posting of postings.rows as { journal_id: string; account_id: string; amount_minor: bigint; currency: string; memo: string | null }[]) {
    (drafts.get(posting.journal_id)!.postings as PostingDraftMutable[]).push({ accountId: posting.account_id, amountMinor: -BigInt(posting.amount_minor), currency: posting.currency.trim(), memo: posting.memo });
  }
  return drafts;
}

type PostingDraftMutable = JournalDraft['postings'][number];
