import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';
import { isUuid } from '../auth/actor.js';
import { NotFound, RuleViolation } from '../errors.js';
import type { AccountType, IsoDate } from '../ledger/types.js';
import { formatMinor } from '../money/index.js';
import { sumOf, sumRanges, type ReportAccount, type Sums } from './account-sums.js';
import { addDays, type Period } from './period.js';
import type { ReportDocument, ReportRow } from './report-document.js';
import { entityScope } from './report-scope.js';
import { periodText, type StatementHeader } from './statement.js';

/**
 * The general ledger: for each account, the opening balance, every posting of the period in
 * date order with the running balance, and the closing balance. It lists postings one by one,
 * so it has a bound: a period with more than `maxGeneralLedgerPostings` postings is refused
 * with a hint to narrow it (or pick one account) rather than silently cut short.
 */
export const maxGeneralLedgerPostings = 20_000;

export interface LedgerPosting {
  postingId: string;
  journalId: string;
  date: IsoDate;
  payee: string | null;
  memo: string;
  source: string;
  transferId: string | null;
  /** Debit-positive. */
  amount: string;
  runningBalance: string;
}

export interface LedgerAccount {
  accountId: string;
  code: string;
  name: string;
  type: AccountType;
  opening: string;
  debits: string;
  credits: string;
  closing: string;
  postings: LedgerPosting[];
}

export interface GeneralLedger extends StatementHeader {
  from: IsoDate;
  to: IsoDate;
  accounts: LedgerAccount[];
  totals: { debits: string; credits: string; postings: number };
}

export interface PostingRow {
  id: bigint;
  account_id: string;
  journal_id: string;
  date: IsoDate;
  amount_minor: bigint;
  payee: string | null;
  memo: string;
  posting_memo: string | null;
  source: string;
  inter_entity_transfer_id: string | null;
}

/** Pure: postings (in date order per account) onto their accounts with running balances. */
export function generalLedger(header: StatementHeader, accounts: readonly ReportAccount[], opening: Sums, postings: readonly PostingRow[], period: Period): GeneralLedger {
  const money = (minor: bigint) => formatMinor(minor, header.currency);
  const byAccount = new Map<string, PostingRow[]>();
  for (const posting of postings) byAccount.set(posting.account_id, [...(byAccount.get(posting.account_id) ?? []), posting]);
  let debits = 0n;
  let credits = 0n;
  const rows: LedgerAccount[] = [];
  for (const account of accounts) {
    const own = byAccount.get(account.id) ?? [];
    const openingMinor = sumOf(opening, account.id).netMinor;
    if (own.length === 0 && openingMinor === 0n) continue;
    let running = openingMinor;
    let accountDebits = 0n;
    let accountCredits = 0n;
    const lines = own.map((posting) => {
      running += posting.amount_minor;
      if (posting.amount_minor > 0n) accountDebits += posting.amount_minor;
      else accountCredits -= posting.amount_minor;
      return {
        postingId: String(posting.id),
        journalId: posting.journal_id,
        date: posting.date,
        payee: posting.payee,
        memo: posting.posting_memo ? `${posting.memo} (${posting.posting_memo})` : posting.memo,
        source: posting.source,
        transferId: posting.inter_entity_transfer_id,
        amount: money(posting.amount_minor),
        runningBalance: money(running),
      };
    });
    debits += accountDebits;
    credits += accountCredits;
    rows.push({ accountId: account.id, code: account.code, name: account.name, type: account.type, opening: money(openingMinor), debits: money(accountDebits), credits: money(accountCredits), closing: money(running), postings: lines });
  }
  return { ...header, from: period.from, to: period.to, accounts: rows, totals: { debits: money(debits), credits: money(credits), postings: postings.length } };
}

export async function loadGeneralLedger(db: Knex, actor: Actor, entityId: string, query: { from: IsoDate; to: IsoDate; accountId?: string; currency?: string }): Promise<GeneralLedger> {
  const scope = await entityScope(db, actor, entityId, query.currency);
  let accounts = scope.accounts;
  if (query.accountId !== undefined) {
    accounts = isUuid(query.accountId) ? accounts.filter((account) => account.id === query.accountId) : [];
    if (accounts.length === 0) throw new NotFound('account', query.accountId);
  }
  const ids = accounts.map((account) => account.id);
  const [opening, activity] = await sumRanges(db, ids, [{ to: addDays(query.from, -1) }, query]);
  const count = [...activity!.values()].reduce((total, sum) => total + sum.postingCount, 0n);
  if (count > BigInt(maxGeneralLedgerPostings)) {
    throw new RuleViolation(`the general ledger of this period has ${count} postings, more than the ${maxGeneralLedgerPostings} one report lists`, [
      { field: '/query/from', message: 'choose a shorter period, or one account (accountId)', code: 'too_many_postings' },
    ]);
  }
  const postings: PostingRow[] =
    ids.length === 0
      ? []
      : await db('postings as p')
          .join('journals as j', 'j.id', 'p.journal_id')
          .whereIn('p.account_id', ids)
          .whereBetween('p.date', [query.from, query.to])
          .orderBy([{ column: 'p.date' }, { column: 'j.seq' }, { column: 'p.id' }])
          .select('p.id', 'p.account_id', 'p.journal_id', 'p.date', 'p.amount_minor', 'p.memo as posting_memo', 'j.payee', 'j.memo', 'j.source', 'j.inter_entity_transfer_id');
  return generalLedger(scope, accounts, opening!, postings, query);
}

export function generalLedgerDocument(report: GeneralLedger): ReportDocument {
  const rows: ReportRow[] = [];
  for (const account of report.accounts) {
    rows.push({ cells: ['', `${account.code} ${account.name}`, 'Opening balance', '', account.opening], style: 'group' });
    for (const posting of account.postings) rows.push({ cells: [posting.date, posting.payee ?? '', posting.memo, posting.amount, posting.runningBalance] });
    rows.push({ cells: ['', `${account.code} ${account.name}`, `Closing (debits ${account.debits}, credits ${account.credits})`, '', account.closing], style: 'total' });
  }
  return {
    title: 'General ledger',
    subject: report.entity.name,
    period: periodText(report.from, report.to),
    currency: report.currency,
    summary: [
      ['Postings', String(report.totals.postings)],
      ['Debits', report.totals.debits],
      ['Credits', report.totals.credits],
    ],
    tables: [
      {
        columns: [{ label: 'Date', weight: 0.9 }, { label: 'Payee', weight: 1.6 }, { label: 'Memo', weight: 2.6 }, { label: 'Amount', align: 'right' }, { label: 'Balance', align: 'right' }],
        rows,
      },
    ],
    notes: ['Amounts and balances are debit-positive.', ...(report.otherCurrencies.length ? [`Accounts in ${report.otherCurrencies.join(', ')} are not included.`] : [])],
  };
}
