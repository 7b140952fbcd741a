import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';
import { AuditLog } from '../audit/audit-log.js';
import { Conflict, RuleViolation } from '../errors.js';
import { isSupportedCurrency } from '../money/index.js';
import { chartFor, pairAccountCode, pairRoles } from './chart-of-accounts.js';
import { listHouseholdEntities } from './scope.js';
import type { EntityKind, EntityRow } from './types.js';

export interface EntityRequest {
  kind: EntityKind;
  name: string;
  slug?: string;
  baseCurrency?: string;
}

export interface EntityView {
  id: string;
  kind: EntityKind;
  name: string;
  slug: string;
  baseCurrency: string;
  createdAt: string;
}

export function entityView(row: EntityRow): EntityView {
  return { id: row.id, kind: row.kind, name: row.name, slug: row.slug, baseCurrency: row.base_currency, createdAt: row.created_at.toISOString() };
}

/** A readable hledger-safe prefix from a name: "Acme Studio LLC" -> "acme-studio-llc". */
export function slugFromName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 24)
    .replace(/-+$/, '');
  return /^[a-z]/.test(slug) ? slug : `e-${slug || 'entity'}`.slice(0, 24);
}

export class EntityService {
  constructor(private readonly audit: AuditLog) {}

  async list(db: Knex, actor: Actor): Promise<EntityView[]> {
    return (await listHouseholdEntities(db, actor.householdId)).map(entityView);
  }

  /**
   * Creates an entity with its chart of accounts, then the paired accounts that document money
   * between it and each counterpart (every LLC pairs with every personal entity).
   */
  async create(trx: Knex.Transaction, actor: Actor, request: EntityRequest): Promise<EntityView> {
    const currency = request.baseCurrency ?? 'USD';
    if (!isSupportedCurrency(currency)) {
      throw new RuleViolation(`currency ${currency} is not supported`, [{ field: '/baseCurrency', message: 'unsupported currency', code: 'unsupported_currency' }]);
    }
    const existing = await listHouseholdEntities(trx, actor.householdId);
    const slug = request.slug ?? uniqueSlug(slugFromName(request.name), existing);
    if (existing.some((entity) => entity.slug === slug)) {
      throw new Conflict(`another entity already uses the slug "${slug}"`, 'slug_taken');
    }
    const [entity] = await trx<EntityRow>('entities')
      .insert({ id: randomUUID(), household_id: actor.householdId, kind: request.kind, name: request.name.trim(), slug, base_currency: currency })
      .returning('*');
    await seedChart(trx, entity!);
    for (const other of existing) {
      if (other.kind !== entity!.kind) {
        const [llc, owner] = entity!.kind === 'llc' ? [entity!, other] : [other, entity!];
        await ensurePairAccounts(trx, llc, owner);
      }
    }
    const view = entityView(entity!);
    await this.audit.record(trx, [
      { householdId: actor.householdId, actorUserId: actor.userId, action: 'entity.create', resourceType: 'entity', resourceId: view.id, after: view },
    ]);
    return view;
  }
}

function uniqueSlug(base: string, existing: readonly EntityRow[]): string {
  const taken = new Set(existing.map((entity) => entity.slug));
  if (!taken.has(base)) return base;
  for (let suffix = 2; ; suffix += 1) {
    const candidate = `${base.slice(0, 28)}-${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

async function seedChart(trx: Knex.Transaction, entity: EntityRow): Promise<void> {
  await trx('accounts').insert(
    chartFor(entity.kind).map((template) => ({
      id: randomUUID(),
      entity_id: entity.id,
      code: template.code,
      name: template.name,
      type: template.type,
      subtype: template.subtype,
      role: template.role ?? null,
      currency: entity.base_currency,
      allow_overdraft: template.allowOverdraft ?? false,
      schedule_c_line: template.scheduleCLine ?? null,
    })),
  );
}

/**
 * Creates (once) the accounts on both sides that carry capital, draws, loans and due-to/from
 * between an LLC and its owner's personal entity. Idempotent: existing roles are kept.
 */
export async function ensurePairAccounts(trx: Knex.Transaction, llc: EntityRow, owner: EntityRow): Promise<void> {
  await insertPairSide(trx, llc, owner, pairRoles.llc, (name) => name);
  await insertPairSide(trx, owner, llc, pairRoles.personal, (name) => name.replace('{llc}', llc.name));
}

async function insertPairSide(
  trx: Knex.Transaction,
  entity: EntityRow,
  counterparty: EntityRow,
  roles: Record<string, { code: string; name: string; type: string; subtype: string; scheduleCLine?: string }>,
  nameFor: (template: string) => string,
): Promise<void> {
  const present = await trx('accounts').where({ entity_id: entity.id, counterparty_entity_id: counterparty.id }).pluck('role');
  const missing = Object.entries(roles).filter(([role]) => !present.includes(role));
  if (missing.length === 0) return;
  // Each further counterparty gets its own numbered set: an owner with two LLCs has two.
  const otherPairs = await trx('accounts').where({ entity_id: entity.id }).whereNotNull('counterparty_entity_id').countDistinct<{ n: bigint }[]>({ n: 'counterparty_entity_id' });
  const pairIndex = present.length > 0 ? Number(otherPairs[0]!.n) - 1 : Number(otherPairs[0]!.n);
  const suffix = pairIndex > 0 && entity.kind === 'llc' ? ` (${counterparty.name})` : '';
  await trx('accounts').insert(
    missing.map(([role, template]) => ({
      id: randomUUID(),
      entity_id: entity.id,
      code: pairAccountCode(template.code, pairIndex),
      name: nameFor(template.name) + suffix,
      type: template.type,
      subtype: template.subtype,
      role,
      counterparty_entity_id: counterparty.id,
      currency: entity.base_currency,
      schedule_c_line: template.scheduleCLine ?? null,
    })),
  );
}
