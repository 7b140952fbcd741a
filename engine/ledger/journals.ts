import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';
import { isUuid } from '../auth/actor.js';
import { AuditLog } from '../audit/audit-log.js';
import { Conflict, NotFound, RuleViolation, type FieldProblem } from '../errors.js';
import { formatMinor, MoneyError, parseMoney } from '../money/index.js';
import { assertJournalDraft, insertJournals, type JournalDraft, type PostingDraft, type WrittenJournal } from './journal-store.js';
import { JournalModel } from './models.js';
import { findEntity } from './scope.js';
import type { AccountRow, IsoDate, JournalSource } from './types.js';

export interface JournalRequest {
  date: IsoDate;
  memo?: string;
  payee?: string;
  postings: { accountId: string; amount: string; memo?: string }[];
}

export interface PostingView {
  id: string;
  accountId: string;
  accountCode: string;
  accountName: string;
  amount: string;
  currency: string;
  memo: string | null;
}

export interface JournalView {
  id: string;
  entityId: string;
  date: IsoDate;
  memo: string;
  payee: string | null;
  source: JournalSource;
  reversesJournalId: string | null;
  reversedByJournalId: string | null;
  interEntityTransferId: string | null;
  createdAt: string;
  postings: PostingView[];
}

export interface JournalListQuery {
  from?: IsoDate;
  to?: IsoDate;
  accountId?: string;
  limit: number;
  offset: number;
}

export const earliestBookDate = '1900-01-01';
export const latestBookDate = '2999-12-31';

export function assertBookDate(date: IsoDate, field: string): void {
  if (date < earliestBookDate || date > latestBookDate) {
    throw new RuleViolation(`date ${date} is outside the books (${earliestBookDate} to ${latestBookDate})`, [
      { field, message: `must be between ${earliestBookDate} and ${latestBookDate}`, code: 'date_out_of_range' },
    ]);
  }
}

/** Turns a request's decimal strings into minor units in each account's own currency. */
function draftPostings(request: JournalRequest, accounts: Map<string, AccountRow>): PostingDraft[] {
  const problems: FieldProblem[] = [];
  const postings: PostingDraft[] = [];
  request.postings.forEach((posting, index) => {
    const account = accounts.get(posting.accountId);
    if (!account) {
      problems.push({ field: `/postings/${index}/accountId`, message: 'no such account in this entity', code: 'unknown_account' });
      return;
    }
    if (account.archived_at) {
      problems.push({ field: `/postings/${index}/accountId`, message: `account ${account.name} is archived`, code: 'archived_account' });
      return;
    }
    try {
      const money = parseMoney(posting.amount, account.currency);
      if (money.amountMinor === 0n) {
        problems.push({ field: `/postings/${index}/amount`, message: 'must not be zero', code: 'zero_amount' });
        return;
      }
      postings.push({ accountId: account.id, amountMinor: money.amountMinor, currency: account.currency, memo: posting.memo ?? null });
    } catch (error) {
      if (!(error instanceof MoneyError)) throw error;
      problems.push({ field: `/postings/${index}/amount`, message: error.message, code: error.code });
    }
  });
  if (problems.length > 0) throw new RuleViolation('some postings are invalid', problems);
  return postings;
}

/** Most journals one batch request may post (the bound of the bulk path). */
export const maxJournalsPerBatch = 10_000;
/** Field problems listed in one refusal; the message still counts and names every bad journal. */
const maxBatchProblems = 1_000;

export interface JournalBatchView {
  entityId: string;
  count: number;
  /** The new journals' ids, in the order they were sent. */
  journalIds: string[];
  /** Debits posted per currency (the credits are equal: every journal balances). */
  totals: { currency: string; debits: string }[];
}

/**
 * The caller's entity (404 if it is not in the household) and those of `ids` that are its
 * accounts, in one round trip: writes run this inside their transaction, so it counts.
 */
async function entityWithAccounts(trx: Knex.Transaction, actor: Actor, entityId: string, ids: readonly string[]): Promise<{ entity: { id: string }; accounts: Map<string, AccountRow> }> {
  if (!isUuid(entityId)) throw new NotFound('entity', entityId);
  const wanted = [...new Set(ids.filter(isUuid))];
  const rows: (AccountRow & { scoped_entity_id: string })[] = await trx('entities as e')
    .leftJoin('accounts as a', (join) => {
      join.on('a.entity_id', '=', 'e.id');
      if (wanted.length > 0) join.andOnIn('a.id', wanted);
      else join.andOn(trx.raw('false'));
    })
    .where({ 'e.id': entityId, 'e.household_id': actor.householdId })
    .select('a.*', 'e.id as scoped_entity_id');
  if (rows.length === 0) throw new NotFound('entity', entityId);
  const accounts = rows.filter((row) => row.id !== null).map(({ scoped_entity_id: _entity, ...account }) => account as AccountRow);
  return { entity: { id: rows[0]!.scoped_entity_id }, accounts: new Map(accounts.map((account) => [account.id, account])) };
}

/** A request checked and turned into a draft; every problem is a RuleViolation naming its field. */
function draftJournal(request: JournalRequest, entityId: string, accounts: Map<string, AccountRow>, actor: Actor, source: JournalSource): JournalDraft {
  assertBookDate(request.date, '/date');
  const draft: JournalDraft = {
    id: randomUUID(),
    entityId,
    date: request.date,
    memo: request.memo ?? '',
    payee: request.payee ?? null,
    source,
    createdBy: actor.userId,
    postings: draftPostings(request, accounts),
  };
  assertJournalDraft(draft);
  return draft;
}

/** The view of a journal this transaction just wrote (a new journal has no reversal yet). */
function writtenJournalView(draft: JournalDraft, written: WrittenJournal, accounts: Map<string, AccountRow>): JournalView {
  return {
    id: draft.id,
    entityId: draft.entityId,
    date: draft.date,
    memo: draft.memo,
    payee: draft.payee ?? null,
    source: draft.source,
    reversesJournalId: draft.reversesJournalId ?? null,
    reversedByJournalId: null,
    interEntityTransferId: draft.interEntityTransferId ?? null,
    createdAt: written.createdAt.toISOString(),
    postings: draft.postings.map((posting, index) => {
      const account = accounts.get(posting.accountId)!;
      return {
        id: String(written.postingIds[index]),
        accountId: account.id,
        accountCode: account.code,
        accountName: account.name,
        amount: formatMinor(posting.amountMinor, posting.currency),
        currency: posting.currency,
        memo: posting.memo ?? null,
      };
    }),
  };
}

function batchTotals(drafts: readonly JournalDraft[]): { currency: string; debits: string }[] {
  const debits = new Map<string, bigint>();
  for (const posting of drafts.flatMap((draft) => draft.postings)) {
    if (posting.amountMinor > 0n) debits.set(posting.currency, (debits.get(posting.currency) ?? 0n) + posting.amountMinor);
  }
  return [...debits].sort(([a], [b]) => a.localeCompare(b)).map(([currency, minor]) => ({ currency, debits: formatMinor(minor, currency) }));
}

export class JournalService {
  constructor(
    private readonly db: Knex,
    private readonly audit: AuditLog,
  ) {}

  /** Posts one manual journal (a transaction, possibly split over several categories). */
  async post(actor: Actor, entityId: string, request: JournalRequest, trx: Knex.Transaction): Promise<JournalView> {
    const { entity, accounts } = await entityWithAccounts(trx, actor, entityId, request.postings.map((posting) => posting.accountId));
    const draft = draftJournal(request, entity.id, accounts, actor, 'manual');
    const [written] = await insertJournals(trx, [draft]);
    // Built from what was written, not read back: the accounts' rows are locked from the
    // insert to commit, so every round trip saved here is one less wait for the next writer.
    const view = writtenJournalView(draft, written!, accounts);
    await this.audit.record(trx, [
      { householdId: actor.householdId, actorUserId: actor.userId, action: 'journal.post', resourceType: 'journal', resourceId: draft.id, after: view },
    ]);
    return view;
  }

  /**
   * Posts up to `maxJournalsPerBatch` journals of one entity, all or nothing: every journal is
   * checked before anything is written, and the refusal names each bad one by its index.
   */
  async postBatch(actor: Actor, entityId: string, requests: readonly JournalRequest[], trx: Knex.Transaction): Promise<JournalBatchView> {
    if (requests.length > maxJournalsPerBatch) {
      throw new RuleViolation(`a batch holds at most ${maxJournalsPerBatch} journals`, [{ field: '/journals', message: `send at most ${maxJournalsPerBatch} journals per request`, code: 'batch_too_large' }]);
    }
    const { entity, accounts } = await entityWithAccounts(trx, actor, entityId, requests.flatMap((request) => request.postings.map((posting) => posting.accountId)));
    const drafts: JournalDraft[] = [];
    const problems: FieldProblem[] = [];
    const invalid: number[] = [];
    requests.forEach((request, index) => {
      try {
        drafts.push(draftJournal(request, entity.id, accounts, actor, 'manual'));
      } catch (error) {
        if (!(error instanceof RuleViolation)) throw error;
        invalid.push(index);
        problems.push(...error.problems.map((problem) => ({ ...problem, field: `/journals/${index}${problem.field}` })));
      }
    });
    if (invalid.length > 0) {
      const named = invalid.length <= 20 ? invalid.join(', ') : `${invalid.slice(0, 20).join(', ')} and ${invalid.length - 20} more`;
      throw new RuleViolation(`${invalid.length} of ${requests.length} journals are invalid (index ${named}); nothing was posted`, problems.slice(0, maxBatchProblems), 'batch_invalid');
    }
    await insertJournals(trx, drafts);
    const journalIds = drafts.map((draft) => draft.id);
    const totals = batchTotals(drafts);
    await this.audit.record(trx, [
      { householdId: actor.householdId, actorUserId: actor.userId, action: 'journal.post_batch', resourceType: 'entity', resourceId: entity.id, after: { count: drafts.length, totals, journalIds } },
    ]);
    return { entityId: entity.id, count: drafts.length, journalIds, totals };
  }

  async list(actor: Actor, entityId: string, query: JournalListQuery): Promise<{ data: JournalView[]; total: number }> {
    const entity = await findEntity(this.db, actor, entityId);
    const base = this.db('journals as j').where('j.entity_id', entity.id);
    if (query.from) base.andWhere('j.date', '>=', query.from);
    if (query.to) base.andWhere('j.date', '<=', query.to);
    if (query.accountId) {
      if (!isUuid(query.accountId)) return { data: [], total: 0 };
      base.whereExists((sub) => sub.select(1).from('postings as p').whereRaw('p.journal_id = j.id').andWhere('p.account_id', query.accountId!));
    }
    const total = (await base.clone().count<{ total: bigint }[]>({ total: "*" }))[0]?.total ?? 0n;
    const ids = await base.clone().orderBy([{ column: 'j.date', order: 'desc' }, { column: 'j.seq', order: 'desc' }]).limit(query.limit).offset(query.offset).pluck('j.id');
    return { data: await loadJournalViews(this.db, ids), total: Number(total) };
  }

  async get(actor: Actor, journalId: string): Promise<JournalView> {
    const journal = await findJournal(this.db, actor, journalId);
    const [view] = await loadJournalViews(this.db, [journal.id]);
    return view!;
  }

  /**
   * Reverses a journal with its mirror image. "Reverse once" is a database fact (unique
   * reverses_journal_id). Halves of an inter-entity transfer are reversed as a pair, never alone.
   */
  async reverse(actor: Actor, journalId: string, options: { date?: IsoDate; memo?: string }, trx: Knex.Transaction): Promise<JournalView> {
    const journal = await findJournal(trx, actor, journalId);
    if (journal.inter_entity_transfer_id) {
      throw new Conflict(
        `journal ${journal.id} is half of inter-entity transfer ${journal.inter_entity_transfer_id}; reverse the transfer so both entities stay in step`,
        'reverse_the_transfer',
      );
    }
    const [reversal] = await reverseJournals(trx, actor, [journal.id], 'reversal', options);
    await this.audit.record(trx, [
      { householdId: actor.householdId, actorUserId: actor.userId, action: 'journal.reverse', resourceType: 'journal', resourceId: journal.id, after: reversal },
    ]);
    return reversal!;
  }
}

interface JournalRow {
  id: string;
  entity_id: string;
  date: IsoDate;
  memo: string;
  payee: string | null;
  source: JournalSource;
  reverses_journal_id: string | null;
  inter_entity_transfer_id: string | null;
  created_at: Date;
}

export async function findJournal(db: Knex, actor: Actor, journalId: string): Promise<JournalRow> {
  const journal = isUuid(journalId)
    ? await db('journals as j')
        .join('entities as e', 'e.id', 'j.entity_id')
        .where({ 'j.id': journalId, 'e.household_id': actor.householdId })
        .first('j.*')
    : undefined;
  if (!journal) throw new NotFound('journal', journalId);
  return journal;
}

/**
 * Writes the mirror image of each journal. Callers have checked scope and transfer pairing.
 * `source` is 'reversal' for user reversals; flows may reverse with their own source later.
 */
export async function reverseJournals(
  trx: Knex.Transaction,
  actor: Actor,
  journalIds: readonly string[],
  source: JournalSource,
  options: { date?: IsoDate; memo?: string },
): Promise<JournalView[]> {
  const originals = await loadJournalViews(trx, journalIds);
  const alreadyReversed = originals.filter((journal) => journal.reversedByJournalId);
  if (alreadyReversed.length > 0) {
    throw new Conflict(`journal ${alreadyReversed[0]!.id} was already reversed by ${alreadyReversed[0]!.reversedByJournalId}`, 'already_reversed');
  }
  if (originals.some((journal) => journal.reversesJournalId)) {
    throw new Conflict('a reversal cannot itself be reversed; post a new journal instead', 'reversal_of_reversal');
  }
  const drafts: JournalDraft[] = originals.map((original) => {
    const date = options.date ?? original.date;
    assertBookDate(date, '/date');
    return {
      id: randomUUID(),
      entityId: original.entityId,
      date,
      memo: options.memo ?? `Reversal of: ${original.memo}`.slice(0, 500),
      payee: original.payee,
      source,
      reversesJournalId: original.id,
      interEntityTransferId: original.interEntityTransferId,
      createdBy: actor.userId,
      postings: original.postings.map((posting) => ({
        accountId: posting.accountId,
        amountMinor: -parseMoney(posting.amount, posting.currency).amountMinor,
        currency: posting.currency,
        memo: posting.memo,
      })),
    };
  });
  try {
    await insertJournals(trx, drafts);
  } catch (error) {
    // Two concurrent reversals: the unique index on reverses_journal_id lets only one through.
    if ((error as { code?: string }).code === '23505') throw new Conflict('the journal was already reversed', 'already_reversed');
    throw error;
  }
  return loadJournalViews(trx, drafts.map((draft) => draft.id));
}

/** Journal views in the order of `ids`, postings in insertion order. */
export async function loadJournalViews(db: Knex, ids: readonly string[]): Promise<JournalView[]> {
  if (ids.length === 0) return [];
  const journals = await JournalModel.query(db)
    .findByIds([...ids])
    .withGraphFetched('[postings(inOrder).account, reversedBy]')
    .modifiers({ inOrder: (query) => query.orderBy('id') });
  const byId = new Map(journals.map((journal) => [journal.id, journal]));
  return ids.flatMap((id) => {
    const journal = byId.get(id);
    return journal ? [journalView(journal)] : [];
  });
}

function journalView(journal: JournalModel): JournalView {
  return {
    id: journal.id,
    entityId: journal.entity_id,
    date: journal.date,
    memo: journal.memo,
    payee: journal.payee,
    source: journal.source,
    reversesJournalId: journal.reverses_journal_id,
    reversedByJournalId: journal.reversedBy?.id ?? null,
    interEntityTransferId: journal.inter_entity_transfer_id,
    createdAt: journal.created_at.toISOString(),
    postings: (journal.postings ?? []).map((posting) => ({
      id: String(posting.id),
      accountId: posting.account_id,
      accountCode: posting.account!.code,
      accountName: posting.account!.name,
      amount: formatMinor(posting.amount_minor, posting.currency),
      currency: posting.currency,
      memo: posting.memo,
    })),
  };
}
