import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';
import { RuleViolation } from '../errors.js';
import { findEntity, listHouseholdEntities } from '../ledger/scope.js';
import type { EntityKind, EntityRow } from '../ledger/types.js';
import { reportAccounts, type ReportAccount } from './account-sums.js';

/** Who and what a report is about: an entity (or the household) and its accounts. */
export interface ReportEntity {
  id: string;
  name: string;
  kind: EntityKind;
  slug: string;
  baseCurrency: string;
}

export function reportEntity(row: EntityRow): ReportEntity {
  return { id: row.id, name: row.name, kind: row.kind, slug: row.slug, baseCurrency: row.base_currency.trim() };
}

export interface EntityScope {
  entity: ReportEntity;
  currency: string;
  /** Accounts of the report's currency. */
  accounts: ReportAccount[];
  /** Currencies of the entity's other accounts, which a single-currency statement leaves out. */
  otherCurrencies: string[];
}

/** One entity of the caller's household (404 otherwise) and its accounts in one currency. */
export async function entityScope(db: Knex, actor: Actor, entityId: string, currency?: string): Promise<EntityScope> {
  const entity = reportEntity(await findEntity(db, actor, entityId));
  const all = await reportAccounts(db, [entity.id]);
  const chosen = currency ?? entity.baseCurrency;
  return splitByCurrency(entity, all, chosen);
}

function splitByCurrency(entity: ReportEntity, all: ReportAccount[], currency: string): EntityScope {
  return {
    entity,
    currency,
    accounts: all.filter((account) => account.currency === currency),
    otherCurrencies: [...new Set(all.filter((account) => account.currency !== currency).map((account) => account.currency))].sort(),
  };
}

export interface HouseholdScope {
  entities: ReportEntity[];
  currency: string;
  accounts: ReportAccount[];
  otherCurrencies: string[];
}

export async function householdScope(db: Knex, actor: Actor, currency?: string): Promise<HouseholdScope> {
  const entities = (await listHouseholdEntities(db, actor.householdId)).map(reportEntity);
  const all = await reportAccounts(db, entities.map((entity) => entity.id));
  const chosen = currency ?? entities[0]?.baseCurrency ?? 'USD';
  return {
    entities,
    currency: chosen,
    accounts: all.filter((account) => account.currency === chosen),
    otherCurrencies: [...new Set(all.filter((account) => account.currency !== chosen).map((account) => account.currency))].sort(),
  };
}

export function requireLlc(entity: ReportEntity, report: string): void {
  if (entity.kind !== 'llc') {
    throw new RuleViolation(`the ${report} is a report of an LLC; ${entity.name} is a personal entity`, [
      { field: '/entityId', message: 'choose an LLC', code: 'not_an_llc' },
    ]);
  }
}
