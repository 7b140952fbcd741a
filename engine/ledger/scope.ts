import type { Knex } from 'knex';
import { isUuid, type Actor } from '../auth/actor.js';
import { NotFound } from '../errors.js';
import type { AccountRow, EntityRow } from './types.js';

/**
 * Household scoping: every lookup by id goes through one of these, so a resource of another
 * household is indistinguishable from one that does not exist.
 */
export async function findEntity(db: Knex, actor: Actor, entityId: string): Promise<EntityRow> {
  const entity = isUuid(entityId)
    ? await db<EntityRow>('entities').where({ id: entityId, household_id: actor.householdId }).first()
    : undefined;
  if (!entity) throw new NotFound('entity', entityId);
  return entity;
}

export async function findAccount(db: Knex, actor: Actor, accountId: string): Promise<AccountRow & { entity_kind: string }> {
  const account = isUuid(accountId)
    ? await db('accounts as a')
        .join('entities as e', 'e.id', 'a.entity_id')
        .where({ 'a.id': accountId, 'e.household_id': actor.householdId })
        .first('a.*', 'e.kind as entity_kind')
    : undefined;
  if (!account) throw new NotFound('account', accountId);
  return account;
}

export async function listHouseholdEntities(db: Knex, householdId: string): Promise<EntityRow[]> {
  return db<EntityRow>('entities').where({ household_id: householdId }).orderBy([{ column: 'kind', order: 'desc' }, 'created_at']);
}
