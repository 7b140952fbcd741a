import type { Knex } from 'knex';
import type { AccountRow, EntityRow } from '../ledger/types.js';
import { budgetFacts, budgetRole, type AccountBudgetRole, type BudgetFacts } from './board.js';
import { monthEnd, type Month } from './month.js';
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

/**
 * Posting sums per (account, month) up to the end of `through`, over the journals that touch
 * an on-budget account (cash or card) of the entity. One statement: the journals are found
 * through the on-budget accounts' (account, date) index, their postings through the journal index.
 */
export async function loadFacts(db: Knex, entity: EntityRow, accounts: readonly BudgetAccount[], through: Month): Promise<BudgetFacts> {
  const onBudget = idsWith(accounts, ['cash', 'card']);
  const counted = idsWith(accounts, ['cash', 'card', 'expense', 'to_be_assigned']);
  const end = monthEnd(through);
  const [postings, assignments, held] = await Promise.all([
    onBudget.length === 0
      ? Promise.resolve({ rows: [] as { account_id: string; month: string; total: bigint }[] })
      : db.raw<{ rows: { account_id: string; month: string; total: bigint }[] }>(
          `with touched as (
             select distinct journal_id from postings where account_id = any(?::uuid[]) and date <= ?
           )
           select p.account_id, to_char(p.date, 'YYYY-MM') as month, sum(p.amount_minor)::bigint as total
             from touched t join postings p on p.journal_id = t.journal_id
            where p.account_id = any(?::uuid[])
            group by 1, 2`,
          [onBudget, end, counted],
        ),
    db('envelope_assignments')
      .where('entity_id', entity.id)
      .andWhere('month', '<=', through)
      .groupBy('category_account_id', 'month')
      .select('category_account_id', 'month', db.raw('sum(amount_minor)::bigint as total')),
    db('budget_months').where('entity_id', entity.id).andWhere('month', '<=', through).select('month', 'held_minor'),
  ]);
  return budgetFacts(
    new Map(accounts.map((account) => [account.id, account.role])),
    postings.rows.map((row) => ({ accountId: row.account_id, month: row.month, totalMinor: BigInt(row.total) })),
    assignments.map((row: { category_account_id: string; month: string; total: bigint }) => ({ categoryId: row.category_account_id, month: row.month, amountMinor: BigInt(row.total) })),
    held.map((row: { month: string; held_minor: bigint }) => ({ month: row.month, heldMinor: BigInt(row.held_minor) })),
  );
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
          [onBudget],
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
