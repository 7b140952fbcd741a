import type { Knex } from 'knex';
import type { FlowGraph } from './graph.js';
import type { AccountSnapshot } from './node-type.js';

/**
 * Snapshot of the household's accounts for validation and planning. With `lockAccountIds`,
 * those rows are locked (in id order, to avoid deadlocks) so the balances a run plans on are
 * the balances it commits against.
 */
export async function accountSnapshots(db: Knex, householdId: string, lockAccountIds: readonly string[] = []): Promise<Map<string, AccountSnapshot>> {
  if (lockAccountIds.length > 0) {
    await db('accounts as a')
      .join('entities as e', 'e.id', 'a.entity_id')
      .where('e.household_id', householdId)
      .whereIn('a.id', [...lockAccountIds].sort())
      .orderBy('a.id')
      .forNoKeyUpdate('a')
      .select('a.id');
  }
  const rows = await db('accounts as a')
    .join('entities as e', 'e.id', 'a.entity_id')
    .where('e.household_id', householdId)
    .whereNull('a.archived_at')
    .select('a.id', 'a.entity_id', 'e.kind as entity_kind', 'a.code', 'a.name', 'a.type', 'a.subtype', 'a.currency', 'a.allow_overdraft', 'a.balance_minor');
  return new Map(
    rows.map((row) => [
      row.id,
      {
        id: row.id,
        entityId: row.entity_id,
        entityKind: row.entity_kind,
        code: row.code,
        name: row.name,
        type: row.type,
        subtype: row.subtype,
        currency: row.currency,
        allowOverdraft: row.allow_overdraft,
        balanceMinor: row.balance_minor,
      },
    ]),
  );
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every account id a flow's nodes mention: the rows a run must lock. */
export function referencedAccountIds(graph: FlowGraph): string[] {
  const ids = new Set<string>();
  for (const node of graph.nodes) {
    for (const value of Object.values(node.data)) if (typeof value === 'string' && uuidPattern.test(value)) ids.add(value.toLowerCase());
  }
  return [...ids];
}
