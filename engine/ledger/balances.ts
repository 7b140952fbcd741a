import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';
import { RuleViolation, type FieldProblem } from '../errors.js';
import { formatMinor, MoneyError, parseMoney } from '../money/index.js';
import { findAccount, findEntity } from './scope.js';
import { normalBalance, type AccountType, type IsoDate } from './types.js';

export interface RegisterQuery {
  from?: IsoDate;
  to?: IsoDate;
  search?: string;
  /** Payee contains this text (case-insensitive). */
  payee?: string;
  /** Only journals that also post to this account (a category, or the other side of a transfer). */
  categoryId?: string;
  /** Size of the posting, either direction, inclusive bounds, in the account's currency ("50", "99.99"). */
  minAmount?: string;
  maxAmount?: string;
  limit: number;
  offset: number;
}

export interface RegisterRow {
  postingId: string;
  journalId: string;
  date: IsoDate;
  payee: string | null;
  memo: string;
  postingMemo: string | null;
  /** Debit-positive. */
  amount: string;
  /** Account balance after this posting, debit-positive, over the account's whole history. */
  runningBalance: string;
  source: string;
  reversesJournalId: string | null;
  reversedByJournalId: string | null;
  /** The other accounts of the journal ("Groceries", or "Split" when several). */
  counterAccounts: { accountId: string; name: string }[];
}

/**
 * An account's register, newest first. The running balance is a window over the account's full
 * history (date, then posting order) so filters and pages never change what a row shows.
 */
export async function accountRegister(db: Knex, actor: Actor, accountId: string, query: RegisterQuery) {
  const account = await findAccount(db, actor, accountId);
  const history = db('postings as p')
    .join('journals as j', 'j.id', 'p.journal_id')
    .where('p.account_id', account.id)
    .select(
      'p.id as posting_id',
      'p.journal_id',
      'p.date',
      'p.amount_minor',
      'p.memo as posting_memo',
      'j.memo',
      'j.payee',
      'j.source',
      'j.reverses_journal_id',
      'j.seq',
      db.raw('sum(p.amount_minor) over (order by p.date, j.seq, p.id) as running_minor'),
    );
  const filtered = db.from(history.as('h'));
  if (query.from) filtered.where('h.date', '>=', query.from);
  if (query.to) filtered.where('h.date', '<=', query.to);
  if (query.search) {
    const pattern = likePattern(query.search);
    filtered.where((where) => where.whereILike('h.memo', pattern).orWhereILike('h.payee', pattern).orWhereILike('h.posting_memo', pattern));
  }
  if (query.payee) filtered.whereILike('h.payee', likePattern(query.payee));
  // Another household's account id matches nothing: a journal only ever posts to its own entity's accounts.
  if (query.categoryId) filtered.whereExists(db('postings as c').whereRaw('c.journal_id = h.journal_id').andWhere('c.account_id', query.categoryId).andWhereNot('c.account_id', account.id));
  const { minMinor, maxMinor } = amountBounds(query, account.currency);
  if (minMinor !== undefined) filtered.whereRaw('abs(h.amount_minor) >= ?', [minMinor.toString()]);
  if (maxMinor !== undefined) filtered.whereRaw('abs(h.amount_minor) <= ?', [maxMinor.toString()]);
  const total = (await filtered.clone().count<{ n: bigint }[]>({ n: '*' }))[0]?.n ?? 0n;
  const rows = await filtered
    .clone()
    .leftJoin('journals as r', 'r.reverses_journal_id', 'h.journal_id')
    .select('h.*', 'r.id as reversed_by')
    .orderBy([{ column: 'h.date', order: 'desc' }, { column: 'h.seq', order: 'desc' }, { column: 'h.posting_id', order: 'desc' }])
    .limit(query.limit)
    .offset(query.offset);
  const counterAccounts = await counterAccountsOf(db, rows.map((row) => row.journal_id), account.id);
  const data: RegisterRow[] = rows.map((row) => ({
    postingId: String(row.posting_id),
    journalId: row.journal_id,
    date: row.date,
    payee: row.payee,
    memo: row.memo,
    postingMemo: row.posting_memo,
    amount: formatMinor(row.amount_minor, account.currency),
    runningBalance: formatMinor(BigInt(row.running_minor), account.currency),
    source: row.source,
    reversesJournalId: row.reverses_journal_id,
    reversedByJournalId: row.reversed_by,
    counterAccounts: counterAccounts.get(row.journal_id) ?? [],
  }));
  return {
    account: { id: account.id, name: account.name, currency: account.currency, normalBalance: normalBalance(account.type), balance: formatMinor(account.balance_minor, account.currency) },
    data,
    page: { limit: query.limit, offset: query.offset, total: Number(total) },
  };
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
}

/** Amount filters in minor units of the account's currency; every problem at once, by query field. */
function amountBounds(query: RegisterQuery, currency: string): { minMinor?: bigint; maxMinor?: bigint } {
  const problems: FieldProblem[] = [];
  const parse = (text: string | undefined, field: string): bigint | undefined => {
    if (text === undefined) return undefined;
    try {
      return parseMoney(text, currency).amountMinor;
    } catch (error) {
      if (!(error instanceof MoneyError)) throw error;
      problems.push({ field, message: error.message, code: error.code });
      return undefined;
    }
  };
  const minMinor = parse(query.minAmount, '/query/minAmount');
  const maxMinor = parse(query.maxAmount, '/query/maxAmount');
  if (minMinor !== undefined && maxMinor !== undefined && minMinor > maxMinor) {
    problems.push({ field: '/query/maxAmount', message: 'must not be less than minAmount', code: 'range_inverted' });
  }
  if (problems.length > 0) throw new RuleViolation('invalid amount filter', problems);
  return { minMinor, maxMinor };
}

async function counterAccountsOf(db: Knex, journalIds: string[], accountId: string) {
  const rows = await db('postings as p')
    .join('accounts as a', 'a.id', 'p.account_id')
    .whereIn('p.journal_id', journalIds)
    .andWhereNot('p.account_id', accountId)
    .select('p.journal_id', 'a.id', 'a.name')
    .orderBy('p.id');
  const byJournal = new Map<string, { accountId: string; name: string }[]>();
  for (const row of rows) {
    const list = byJournal.get(row.journal_id) ?? [];
    if (!list.some((item) => item.accountId === row.id)) list.push({ accountId: row.id, name: row.name });
    byJournal.set(row.journal_id, list);
  }
  return byJournal;
}

export interface TrialBalanceLine {
  accountId: string;
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  debit: string;
  credit: string;
  /** Debit-positive. */
  balance: string;
}

export interface TrialBalance {
  entityId: string;
  asOf: IsoDate;
  lines: TrialBalanceLine[];
  totals: { currency: string; debit: string; credit: string; balanced: boolean }[];
}

/** Sums postings (not cached balances) up to a date: the figure an accountant checks. */
export async function trialBalance(db: Knex, actor: Actor, entityId: string, asOf: IsoDate): Promise<TrialBalance> {
  const entity = await findEntity(db, actor, entityId);
  // Sums per account through the (account_id, date) index: only this entity's postings are read.
  const sums = db('postings')
    .whereIn('account_id', db('accounts').where('entity_id', entity.id).select('id'))
    .andWhere('date', '<=', asOf)
    .groupBy('account_id')
    .select('account_id', db.raw('sum(amount_minor)::bigint as total'), db.raw('count(*) as posting_count'));
  const rows = await db('accounts as a')
    .leftJoin(sums.as('s'), 's.account_id', 'a.id')
    .where('a.entity_id', entity.id)
    .orderBy('a.code')
    .select('a.id', 'a.code', 'a.name', 'a.type', 'a.currency', db.raw('coalesce(s.total, 0)::bigint as balance_minor'), db.raw('coalesce(s.posting_count, 0) as posting_count'));
  const totals = new Map<string, { debit: bigint; credit: bigint }>();
  const lines: TrialBalanceLine[] = [];
  for (const row of rows) {
    const balance: bigint = row.balance_minor;
    if (balance === 0n && Number(row.posting_count) === 0) continue;
    const total = totals.get(row.currency) ?? { debit: 0n, credit: 0n };
    if (balance > 0n) total.debit += balance;
    else total.credit -= balance;
    totals.set(row.currency, total);
    lines.push({
      accountId: row.id,
      code: row.code,
      name: row.name,
      type: row.type,
      currency: row.currency,
      debit: formatMinor(balance > 0n ? balance : 0n, row.currency),
      credit: formatMinor(balance < 0n ? -balance : 0n, row.currency),
      balance: formatMinor(balance, row.currency),
    });
  }
  return {
    entityId: entity.id,
    asOf,
    lines,
    totals: [...totals].map(([currency, total]) => ({
      currency,
      debit: formatMinor(total.debit, currency),
      credit: formatMinor(total.credit, currency),
      balanced: total.debit === total.credit,
    })),
  };
}
