import type { Knex } from 'knex';
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

const journalBatchSize = 1000;
const postingBatchSize = 5000;

/** Writes journals and their postings in bulk inside the caller's transaction. */
export async function insertJournals(trx: Knex.Transaction, drafts: readonly JournalDraft[]): Promise<void> {
  for (const draft of drafts) assertJournalDraft(draft);
  const journalRows = drafts.map((draft) => ({
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
  }));
  const postingRows = drafts.flatMap((draft) =>
    draft.postings.map((posting) => ({
      journal_id: draft.id,
      entity_id: draft.entityId,
      date: draft.date,
      account_id: posting.accountId,
      amount_minor: posting.amountMinor.toString(),
      currency: posting.currency,
      memo: posting.memo ?? null,
    })),
  );
  for (let start = 0; start < journalRows.length; start += journalBatchSize) {
    await trx('journals').insert(journalRows.slice(start, start + journalBatchSize));
  }
  for (let start = 0; start < postingRows.length; start += postingBatchSize) {
    await trx('postings').insert(postingRows.slice(start, start + postingBatchSize));
  }
}
