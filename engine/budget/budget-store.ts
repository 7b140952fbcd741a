import type { Knex } from 'knex';
import type { AccountRow, EntityRow } from '../ledger/types.js';
import { budgetRole, onBudgetSubtypes, type AccountBudgetRole, type AssignmentSum, type PostingSum } from './board.js';
import type { Month } from './month.js';
import type { Target, TargetKind } from './targets.js';

/**
 * The budget's database shell: reads what the pure board needs for the board cache
 * (board-cache.ts) — the entity's versions (readBoardHead), what changed since a cached copy
 * (readBoardChanges) or everything (readBoardAll), each in one statement. Writes live in
 * budget-service.ts.
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

/** Versions of what an entity's board is computed from (migration 011: raised at each commit that changes it). */
export interface BoardVersions {
  /** Journals of the entity, and so their postings. */
  ledger: bigint;
  /** Assignments, holds, categories, groups and the entity's accounts. */
  budget: bigint;
}

/** The entity (in the actor's household) and its versions, as of one statement's snapshot. */
export interface BoardHead {
  entity: EntityRow;
  versions: BoardVersions;
  /** The statement's snapshot (pg_snapshot as text), with the reading transaction itself in progress. */
  snapshot: string;
  /** The reading transaction has written journals or budget rows itself (uncommitted: never to be cached). */
  ownWrites: boolean;
}

/** What a cache already holds of an entity's board, so a read fetches only what changed since. */
export interface KnownBoard {
  versions: BoardVersions;
  /** The snapshot in which the cached sums (postings and assignments) were last complete. */
  snapshot: string;
  /** The on-budget accounts the cached posting sums were selected with. */
  onBudget: readonly string[];
}

/** The budget's small, mutable rows of one entity, and its accounts: read whole when they change. */
export interface BudgetRows {
  accounts: BudgetAccount[];
  settings: Map<string, CategorySettings>;
  groups: GroupRow[];
  held: { month: Month; heldMinor: bigint }[];
}

/** Sums per (account or category, month): of the whole history, or only of rows committed since the known snapshot. */
export interface SumsRead<T> {
  kind: 'full' | 'delta';
  sums: T[];
}

export interface BoardRead extends BoardHead {
  /** Absent when the known budget version still holds. */
  budget?: { rows: BudgetRows; assignments: SumsRead<AssignmentSum> };
  /** Absent when the known ledger version still holds; a delta of more than journalDeltaLimit journals is incomplete. */
  postings?: SumsRead<PostingSum> & { journals: number };
}

/**
 * Most journals a read folds into known posting sums; more, and the caller reads the history
 * again. (Assignments need no such bound: their delta is summed per category and month, so it
 * stays as small as the board.)
 */
export const journalDeltaLimit = 5_000;

const entitySql = `select e.id, e.household_id, e.kind, e.name, e.slug, e.base_currency, e.created_at,
                          coalesce(v.ledger_version, 0) as ledger_version, coalesce(v.budget_version, 0) as budget_version,
                          coalesce(current_setting('sluice.budget_touched', true) like pg_current_xact_id_if_assigned()::text || '|%', false) as own_writes,
                          pg_current_snapshot()::text as snapshot, pg_current_xact_id_if_assigned()::text as own_xact
                     from entities e left join budget_board_versions v on v.entity_id = e.id
                    where e.id = ? and e.household_id = ?`;

/** The entity and its versions: two primary-key reads, the whole cost of a board that did not change. */
export async function readBoardHead(db: Knex, householdId: string, entityId: string): Promise<BoardHead | undefined> {
  const { rows } = await db.raw<{ rows: HeadRow[] }>(entitySql, [entityId, householdId]);
  return rows[0] && headOf(rows[0]);
}

/** Rows committed since the known snapshot: created by a transaction that snapshot did not see. */
const sinceKnown = (xact: string) => `${xact} >= pg_snapshot_xmin(params.snap) and not pg_visible_in_snapshot(${xact}, params.snap)`;

// Compact JSON (arrays; amounts as text, JSON numbers would lose bigint precision).
const budgetRowsSql = `json_build_object(
  'accounts', (select coalesce(json_agg(json_build_array(a.id, a.code, a.name, a.type, a.subtype, a.currency, a.archived_at) order by a.code), '[]')
                 from accounts a where a.entity_id = head.id),
  'settings', (select coalesce(json_agg(json_build_array(c.account_id, c.group_id, c.sort_order, c.hidden, c.target_kind, c.target_amount_minor::text, c.target_month)), '[]')
                 from budget_categories c where c.entity_id = head.id),
  'groups', (select coalesce(json_agg(json_build_array(g.id, g.name, g.sort_order, g.hidden) order by g.sort_order, g.created_at), '[]')
               from budget_category_groups g where g.entity_id = head.id),
  'held', (select coalesce(json_agg(json_build_array(m.month, m.held_minor::text)), '[]') from budget_months m where m.entity_id = head.id))`;

const assignmentSumsSql = (since: boolean) => `(select coalesce(json_agg(json_build_array(s.category_account_id, s.month, s.total::text)), '[]')
  from (select category_account_id, month, sum(amount_minor) as total from envelope_assignments
         where entity_id = head.id${since ? ` and ${sinceKnown('created_xact')}` : ''}
         group by 1, 2) s)`;

/** The accounts that make a journal count for the budget (`o`: an account; `head`: the entity). */
const onBudgetSql = `o.currency = head.base_currency
  and ((o.type = 'asset' and o.subtype = any(params.cash_subtypes)) or (o.type = 'liability' and o.subtype = any(params.card_subtypes)))`;

/**
 * Posting sums per (account, month) over the entity's whole history, for the journals that touch
 * an on-budget account: the monthly summary postings keep by trigger (account_monthly_totals,
 * migration 007: every posting, a few thousand rows for years of books), less the postings of
 * journals outside the set reached through the on-budget accounts' postings (usually none). A
 * month whose postings all came from such journals has no sum (as a grouping of the counted
 * postings would have none). Both sets are found with hashes over the entity's postings, whose
 * row estimates stay near the truth (a plan that looked up postings per journal would be costed
 * by a far-off estimate, and JIT-compiled for nothing).
 */
const fullPostingsSql = `(with counting as materialized (
       select distinct q.journal_id from accounts o join postings q on q.account_id = o.id where o.entity_id = head.id and ${onBudgetSql}),
     uncounted as (
       select p.account_id, date_trunc('month', p.date)::date as month, sum(p.amount_minor) as total, count(*) as n
         from accounts o join postings p on p.account_id = o.id
        where o.entity_id = head.id and not (${onBudgetSql})
          and not exists (select 1 from counting c where c.journal_id = p.journal_id)
        group by 1, 2)
  select coalesce(json_agg(json_build_array(t.account_id, to_char(t.month, 'YYYY-MM'), (t.net_minor - coalesce(u.total, 0))::text)), '[]')
    from account_monthly_totals t left join uncounted u on u.account_id = t.account_id and u.month = t.month
   where t.entity_id = head.id and t.posting_count > coalesce(u.n, 0))`;

/**
 * The journals of the entity committed since the known snapshot, summed like the full read, up
 * to the limit (a journal's postings are fixed in the transaction that creates it — migration
 * 009 — so no older journal can have changed); their postings fetched per journal, like above.
 */
const deltaPostingsSql = `(with fresh as (
       select j.id from journals j where j.entity_id = head.id and ${sinceKnown('j.created_xact')} limit ${journalDeltaLimit + 1}),
     posted as (select p.journal_id, p.account_id, p.date, p.amount_minor from fresh f cross join lateral (select * from postings where journal_id = f.id offset 0) p)
  select json_build_object(
    'journals', (select count(*) from fresh),
    'sums', (select coalesce(json_agg(json_build_array(s.account_id, s.month, s.total::text)), '[]')
               from (select account_id, to_char(date, 'YYYY-MM') as month, sum(amount_minor) as total
                       from posted
                      where journal_id in (select journal_id from posted where account_id = any(params.on_budget))
                      group by 1, 2) s)))`;

/**
 * Everything the board is computed from, in one statement (one snapshot): for a process that has
 * nothing of the entity yet, or whose copy cannot be brought up to date.
 */
export async function readBoardAll(db: Knex, householdId: string, entityId: string): Promise<BoardRead | undefined> {
  const { rows } = await db.raw<{ rows: BoardRow[] }>(
    `with params as (select ?::text[] as cash_subtypes, ?::text[] as card_subtypes), head as (${entitySql})
     select head.*, ${budgetRowsSql} as budget, ${assignmentSumsSql(false)} as assigned, json_build_object('sums', ${fullPostingsSql}) as postings
       from head, params`,
    [[...onBudgetSubtypes.cash], [...onBudgetSubtypes.card], entityId, householdId],
  );
  return rows[0] && boardReadOf(rows[0], 'full');
}

/**
 * What changed since `known`, in one statement: the budget rows and the assignments committed
 * since the known snapshot when the budget version moved, the journals committed since it when
 * the ledger version moved. Each part is chosen by the versions this statement reads (a CASE
 * runs its subqueries only when taken), so what it returns is complete as of its own snapshot.
 * Nothing but the head inside a transaction that has written journals or budget rows itself (the
 * versions do not count its own rows yet): then only readBoardAll will do.
 */
export async function readBoardChanges(db: Knex, householdId: string, entityId: string, known: KnownBoard): Promise<BoardRead | undefined> {
  const { rows } = await db.raw<{ rows: BoardRow[] }>(
    `with params as (select ?::bigint as ledger, ?::bigint as budget, ?::pg_snapshot as snap, ?::uuid[] as on_budget), head as (${entitySql})
     select head.*,
            case when not head.own_writes and head.budget_version <> params.budget then ${budgetRowsSql} end as budget,
            case when not head.own_writes and head.budget_version <> params.budget then ${assignmentSumsSql(true)} end as assigned,
            case when not head.own_writes and head.ledger_version <> params.ledger then ${deltaPostingsSql} end as postings
       from head, params`,
    [known.versions.ledger.toString(), known.versions.budget.toString(), known.snapshot, [...known.onBudget], entityId, householdId],
  );
  return rows[0] && boardReadOf(rows[0], 'delta');
}

function boardReadOf(row: BoardRow, kind: 'full' | 'delta'): BoardRead {
  const head = headOf(row);
  return {
    ...head,
    ...(row.budget ? { budget: { rows: budgetRowsOf(row.budget, head.entity.base_currency), assignments: { kind, sums: assignmentSumsOf(row.assigned ?? []) } } } : {}),
    ...(row.postings ? { postings: { kind, journals: Number(row.postings.journals ?? 0), sums: postingSumsOf(row.postings.sums) } } : {}),
  };
}

type SumJson = [string, Month, string];

interface HeadRow extends EntityRow {
  ledger_version: bigint;
  budget_version: bigint;
  own_writes: boolean;
  snapshot: string;
  own_xact: string | null;
}

interface BoardRow extends HeadRow {
  budget: BudgetJson | null;
  assigned: SumJson[] | null;
  postings: { journals?: number; sums: SumJson[] } | null;
}

interface BudgetJson {
  accounts: [string, string, string, AccountRow['type'], AccountRow['subtype'], string, string | null][];
  settings: [string, string | null, number, boolean, TargetKind | null, string | null, Month | null][];
  groups: [string, string, number, boolean][];
  held: [Month, string][];
}

function headOf(row: HeadRow): BoardHead {
  return {
    entity: { id: row.id, household_id: row.household_id, kind: row.kind, name: row.name, slug: row.slug, base_currency: row.base_currency, created_at: row.created_at },
    versions: { ledger: BigInt(row.ledger_version), budget: BigInt(row.budget_version) },
    snapshot: row.own_xact === null ? row.snapshot : withInProgress(row.snapshot, row.own_xact),
    ownWrites: row.own_writes,
  };
}

/**
 * The snapshot with one more transaction in progress. A statement's snapshot may count its own
 * transaction as visible; a cache must not: what that transaction writes after the read (a
 * budget write reads first) would otherwise never show in a later delta. pg_snapshot text is
 * 'xmin:xmax:xip,xip,…' (xids as decimal xid8, xmin ≤ each xip < xmax); an xid from xmax on is
 * in progress already.
 */
function withInProgress(snapshot: string, xact: string): string {
  const [xmin, xmax, list = ''] = snapshot.split(':') as [string, string, string?];
  if (BigInt(xact) >= BigInt(xmax)) return snapshot;
  const xips = new Set(list === '' ? [] : list.split(','));
  xips.add(xact);
  const ordered = [...xips].map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const first = ordered[0]! < BigInt(xmin) ? ordered[0]! : BigInt(xmin);
  return `${first}:${xmax}:${ordered.join(',')}`;
}

function postingSumsOf(rows: readonly SumJson[]): PostingSum[] {
  return rows.map(([accountId, month, total]) => ({ accountId, month, totalMinor: BigInt(total) }));
}

function assignmentSumsOf(rows: readonly SumJson[]): AssignmentSum[] {
  return rows.map(([categoryId, month, total]) => ({ categoryId, month, amountMinor: BigInt(total) }));
}

function budgetRowsOf(json: BudgetJson, currency: string): BudgetRows {
  return {
    accounts: json.accounts.map(([id, code, name, type, subtype, accountCurrency, archivedAt]) => {
      const account = { id, code, name, type, subtype, currency: accountCurrency, archived_at: archivedAt === null ? null : new Date(archivedAt) };
      return { ...account, role: budgetRole(account, currency) };
    }),
    settings: new Map(
      json.settings.map(([accountId, groupId, sortOrder, hidden, kind, amount, month]) => [
        accountId,
        { accountId, groupId, sortOrder, hidden, target: kind ? { kind, amountMinor: BigInt(amount!), ...(month ? { byMonth: month } : {}) } : null },
      ]),
    ),
    groups: json.groups.map(([id, name, sortOrder, hidden]) => ({ id, name, sortOrder, hidden })),
    held: json.held.map(([month, heldMinor]) => ({ month, heldMinor: BigInt(heldMinor) })),
  };
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
