import type { Knex } from 'knex';
import type { AccountRow, EntityRow } from '../ledger/types.js';
import { budgetFacts, budgetRole, type AccountBudgetRole, type AssignmentSum, type BudgetFacts } from './board.js';
import type { Month } from './month.js';
import type { Target, TargetKind } from './targets.js';

/**
 * The budget's database shell: reads the sums the pure board needs, in a handful of grouped
 * queries (no per-category or per-month round trips). Writes live in budget-service.ts.
 */

export type BudgetAccount = Pick<AccountRow, 'id' | 'code' | 'name' | 'type' | 'subtype' | 'currency' | 'archived_at'> & { role: AccountBudgetRole };

export interface CategorySettings {
  accountId: string;
  groupId: string | null;
  sortOrder: number;
  hidden: boolean;
  target: Target | null;
}

export interface GroupRow {
  id: string;
  name: string;
  sortOrder: number;
  hidden: boolean;
}

export async function budgetAccounts(db: Knex, entity: EntityRow): Promise<BudgetAccount[]> {
  const rows: AccountRow[] = await db<AccountRow>('accounts').where({ entity_id: entity.id }).orderBy('code').select('id', 'code', 'name', 'type', 'subtype', 'currency', 'archived_at');
  return rows.map((row) => ({ ...row, role: budgetRole(row, entity.base_currency) }));
}

const idsWith = (accounts: readonly BudgetAccount[], roles: readonly AccountBudgetRole[]) => accounts.filter((account) => roles.includes(account.role)).map((account) => account.id);

interface SumRow {
  accountId: string;
  month: Month;
  totalMinor: bigint;
}

/** Posting sums and the fingerprint of the postings they were read from (one statement, one snapshot). */
interface PostingSnapshot {
  count: bigint;
  last: bigint;
  sums: SumRow[];
}

const fingerprintSql = 'select count(*) as n, coalesce(max(p.id), 0) as last from postings p join unnest(?::uuid[]) as counted(id) on counted.id = p.account_id';

/**
 * Posting sums per (account, month) over the whole history, for the journals that touch an
 * on-budget account (cash or card) of the entity: the entity's postings joined to its account
 * list, semi-joined (hashed) to the journals found through the on-budget accounts' index.
 */
async function postingSums(db: Knex, onBudget: readonly string[], counted: readonly string[]): Promise<PostingSnapshot> {
  const { rows } = await db.raw<{ rows: { n: bigint; last: bigint; account_id: string | null; month: string | null; total: bigint | null }[] }>(
    `with fp as (${fingerprintSql}),
          sums as (
            select p.account_id, to_char(p.date, 'YYYY-MM') as month, sum(p.amount_minor)::bigint as total
              from postings p join unnest(?::uuid[]) as counted(id) on counted.id = p.account_id
             where p.journal_id in (select q.journal_id from postings q where q.account_id = any(?::uuid[]))
             group by 1, 2)
     select fp.n, fp.last, sums.account_id, sums.month, sums.total from fp left join sums on true`,
    [[...counted], [...counted], [...onBudget]],
  );
  return {
    count: BigInt(rows[0]?.n ?? 0),
    last: BigInt(rows[0]?.last ?? 0),
    sums: rows.filter((row) => row.account_id !== null).map((row) => ({ accountId: row.account_id!, month: row.month!, totalMinor: BigInt(row.total!) })),
  };
}

/** Most new postings a read folds into cached sums; more and it reads the history again. */
export const postingDeltaLimit = 20_000;

/**
 * The cached sums plus the postings added since (ids above the cached largest id), when that is
 * exactly what changed: in the same snapshot, the count grew by the number of new postings (no
 * posting with a smaller id committed late) and every new posting belongs to a new journal (not
 * one added to an old journal by hand, which could change what that journal counts for).
 * Otherwise null: read the history again.
 */
async function postingDelta(db: Knex, onBudget: readonly string[], counted: readonly string[], base: PostingSnapshot): Promise<PostingSnapshot | null> {
  const { rows } = await db.raw<{ rows: { n: bigint; last: bigint; journal_id: string | null; account_id: string | null; month: string | null; amount_minor: bigint | null; old_journal: boolean | null }[] }>(
    `with fp as (${fingerprintSql}),
          fresh as (
            select p.journal_id, p.account_id, to_char(p.date, 'YYYY-MM') as month, p.amount_minor
              from postings p join unnest(?::uuid[]) as counted(id) on counted.id = p.account_id
             where p.id > ?
             limit ?)
     select fp.n, fp.last, f.journal_id, f.account_id, f.month, f.amount_minor,
            exists (select 1 from postings o where o.journal_id = f.journal_id and o.id <= ?) as old_journal
       from fp left join fresh f on true`,
    [[...counted], [...counted], base.last.toString(), postingDeltaLimit + 1, base.last.toString()],
  );
  const fresh = rows.filter((row) => row.journal_id !== null);
  const count = BigInt(rows[0]?.n ?? 0);
  if (fresh.length > postingDeltaLimit || count - base.count !== BigInt(fresh.length) || fresh.some((row) => row.old_journal)) return null;
  const onBudgetIds = new Set(onBudget);
  const touching = new Set(fresh.filter((row) => onBudgetIds.has(row.account_id!)).map((row) => row.journal_id!));
  const totals = new Map(base.sums.map((sum) => [`${sum.accountId}|${sum.month}`, sum]));
  for (const row of fresh) {
    if (!touching.has(row.journal_id!)) continue;
    const key = `${row.account_id}|${row.month}`;
    const sum = totals.get(key);
    totals.set(key, { accountId: row.account_id!, month: row.month!, totalMinor: (sum?.totalMinor ?? 0n) + BigInt(row.amount_minor!) });
  }
  return { count, last: BigInt(rows[0]?.last ?? 0), sums: [...totals.values()] };
}

async function assignmentSums(db: Knex, entityId: string): Promise<AssignmentSum[]> {
  const rows = await db('envelope_assignments').where('entity_id', entityId).groupBy('category_account_id', 'month').select('category_account_id', 'month', db.raw('sum(amount_minor)::bigint as total'));
  return rows.map((row: { category_account_id: string; month: string; total: bigint }) => ({ categoryId: row.category_account_id, month: row.month, amountMinor: BigInt(row.total) }));
}

async function heldRows(db: Knex, entityId: string) {
  const rows = await db('budget_months').where('entity_id', entityId).select('month', 'held_minor');
  return rows.map((row: { month: string; held_minor: bigint }) => ({ month: row.month, heldMinor: BigInt(row.held_minor) }));
}

/**
 * Postings and envelope assignments are append-only (never updated or deleted), so an entity's
 * sums change only when rows are added: then a count grows. Both sums are kept per entity, each
 * under its own key (postings to its accounts: count and largest id, read in the same statement
 * as the sums; its assignments: count), so a budget write re-reads only the assignments, and new
 * journals are folded in from their own postings (see postingDelta); every read checks both keys
 * with one counting statement. A change of what an account is to the budget drops the entry.
 * Holds are mutable and small: read every time. A read inside a transaction bypasses the cache
 * (it may see its own uncommitted rows), unless the caller states that the transaction has
 * written no postings and no assignments yet (`unwrittenTransaction`): then it sees exactly what
 * is committed of both, like any other read. The budget's writes read their facts first, under the entity's lock, that way.
 */
export const factCacheLimits = { entities: 200 } as const;

interface CacheEntry {
  /** What each account is to the budget when the sums were read (a change reads them again). */
  roles: string;
  postings: PostingSnapshot;
  assignmentsKey: string;
  assignments: AssignmentSum[];
  /** The facts built from both (without holds), while both keys hold. */
  facts: BudgetFacts;
}
const factCache = new Map<string, CacheEntry>();

async function fingerprint(db: Knex, entityId: string, counted: readonly string[]): Promise<{ count: bigint; last: bigint; assignmentsKey: string }> {
  const { rows } = await db.raw<{ rows: { n: bigint; last: bigint; assignments: bigint }[] }>(
    `select fp.n, fp.last, (select count(*) from envelope_assignments where entity_id = ?) as assignments from (${fingerprintSql}) fp`,
    [entityId, [...counted]],
  );
  const row = rows[0];
  return { count: BigInt(row?.n ?? 0), last: BigInt(row?.last ?? 0), assignmentsKey: String(row?.assignments ?? 0) };
}

/**
 * Budget facts over the entity's whole history (the board reads the months it needs: a month's
 * board never looks at later months).
 */
export async function loadFacts(db: Knex, entity: EntityRow, accounts: readonly BudgetAccount[], options: { unwrittenTransaction?: boolean } = {}): Promise<BudgetFacts> {
  const onBudget = idsWith(accounts, ['cash', 'card']);
  const counted = idsWith(accounts, ['cash', 'card', 'expense', 'to_be_assigned']);
  const roleMap = new Map(accounts.map((account) => [account.id, account.role]));
  const withHeld = (facts: BudgetFacts, held: { month: Month; heldMinor: bigint }[]): BudgetFacts => ({ ...facts, held: budgetFacts(roleMap, [], [], held).held });
  if (onBudget.length === 0) {
    const [assignments, held] = await Promise.all([assignmentSums(db, entity.id), heldRows(db, entity.id)]);
    return withHeld(budgetFacts(roleMap, [], assignments, []), held);
  }
  if ((db as Knex & { isTransaction?: boolean }).isTransaction && !options.unwrittenTransaction) {
    const [postings, assignments, held] = await Promise.all([postingSums(db, onBudget, counted), assignmentSums(db, entity.id), heldRows(db, entity.id)]);
    return withHeld(budgetFacts(roleMap, postings.sums, assignments, []), held);
  }
  const roles = accounts.map((account) => `${account.id}=${account.role}`).join(',');
  const [keys, held] = await Promise.all([fingerprint(db, entity.id, counted), heldRows(db, entity.id)]);
  const cached = factCache.get(entity.id)?.roles === roles ? factCache.get(entity.id) : undefined;
  const postingsHold = cached !== undefined && cached.postings.count === keys.count && cached.postings.last === keys.last;
  let entry = cached;
  if (!cached || !postingsHold || cached.assignmentsKey !== keys.assignmentsKey) {
    const readPostings = async () => (cached ? await postingDelta(db, onBudget, counted, cached.postings) : null) ?? postingSums(db, onBudget, counted);
    const [postings, assignments] = await Promise.all([
      postingsHold ? cached.postings : readPostings(),
      cached?.assignmentsKey === keys.assignmentsKey ? cached.assignments : assignmentSums(db, entity.id),
    ]);
    entry = { roles, postings, assignmentsKey: keys.assignmentsKey, assignments, facts: budgetFacts(roleMap, postings.sums, assignments, []) };
  }
  factCache.delete(entity.id);
  factCache.set(entity.id, entry!); // most recently used last
  while (factCache.size > factCacheLimits.entities) factCache.delete(factCache.keys().next().value!);
  return withHeld(entry!.facts, held);
}

/** The first and last month with anything in the books or the budget (undefined when empty). */
export async function dataSpan(db: Knex, entity: EntityRow, accounts: readonly BudgetAccount[]): Promise<{ first?: Month; last?: Month }> {
  const onBudget = idsWith(accounts, ['cash', 'card']);
  const [postings, assignments] = await Promise.all([
    onBudget.length === 0
      ? Promise.resolve({ rows: [{ first: null, last: null }] })
      : db.raw<{ rows: { first: string | null; last: string | null }[] }>(
          // One index probe per account end instead of a scan of every posting.
          `select min(x.first)::text as first, max(x.last)::text as last
             from unnest(?::uuid[]) as a(id),
                  lateral (select min(date) as first, max(date) as last from postings where account_id = a.id) x`,
          [[...onBudget]],
        ),
    db('envelope_assignments').where('entity_id', entity.id).first(db.raw('min(month) as first'), db.raw('max(month) as last')),
  ]);
  const row = postings.rows[0] ?? { first: null, last: null };
  const months = [row.first?.slice(0, 7), row.last?.slice(0, 7), assignments?.first?.trim(), assignments?.last?.trim()].filter((month): month is string => Boolean(month)).sort();
  return months.length === 0 ? {} : { first: months[0]!, last: months[months.length - 1]! };
}

export async function categorySettings(db: Knex, entityId: string): Promise<Map<string, CategorySettings>> {
  const rows = await db('budget_categories').where({ entity_id: entityId });
  return new Map(
    rows.map((row: { account_id: string; group_id: string | null; sort_order: number; hidden: boolean; target_kind: TargetKind | null; target_amount_minor: bigint | null; target_month: string | null }) => [
      row.account_id,
      {
        accountId: row.account_id,
        groupId: row.group_id,
        sortOrder: row.sort_order,
        hidden: row.hidden,
        target: row.target_kind ? { kind: row.target_kind, amountMinor: BigInt(row.target_amount_minor!), ...(row.target_month ? { byMonth: row.target_month } : {}) } : null,
      },
    ]),
  );
}

export async function categoryGroups(db: Knex, entityId: string): Promise<GroupRow[]> {
  const rows = await db('budget_category_groups').where({ entity_id: entityId }).orderBy(['sort_order', 'created_at']);
  return rows.map((row: { id: string; name: string; sort_order: number; hidden: boolean }) => ({ id: row.id, name: row.name, sortOrder: row.sort_order, hidden: row.hidden }));
}

/** Serialises budget writes of one entity (a transaction-scoped advisory lock, not a row lock that journals would wait on). */
export async function lockEntityBudget(trx: Knex.Transaction, entityId: string): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`budget:${entityId}`]);
}
