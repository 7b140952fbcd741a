import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';
import { AuditLog } from '../audit/audit-log.js';
import { Conflict, RuleViolation } from '../errors.js';
import { formatMinor, isSupportedCurrency } from '../money/index.js';
import { findEntity } from './scope.js';
import { normalBalance, subtypesByType, type AccountRow, type AccountSubtype, type AccountType } from './types.js';

export interface AccountRequest {
  name: string;
  type: AccountType;
  subtype?: AccountSubtype;
  code?: string;
  currency?: string;
  allowOverdraft?: boolean;
  scheduleCLine?: string;
  description?: string;
}

export interface AccountView {
  id: string;
  entityId: string;
  code: string;
  name: string;
  type: AccountType;
  subtype: AccountSubtype;
  role: string | null;
  counterpartyEntityId: string | null;
  currency: string;
  allowOverdraft: boolean;
  scheduleCLine: string | null;
  description: string | null;
  archived: boolean;
  /** Debit-positive, like postings. */
  balance: string;
  normalBalance: 'debit' | 'credit';
}

export function accountView(row: AccountRow): AccountView {
  return {
    id: row.id,
    entityId: row.entity_id,
    code: row.code,
    name: row.name,
    type: row.type,
    subtype: row.subtype,
    role: row.role,
    counterpartyEntityId: row.counterparty_entity_id,
    currency: row.currency,
    allowOverdraft: row.allow_overdraft,
    scheduleCLine: row.schedule_c_line,
    description: row.description,
    archived: row.archived_at !== null,
    balance: formatMinor(row.balance_minor, row.currency),
    normalBalance: normalBalance(row.type),
  };
}

/** Code ranges per type, as accountants number a chart. */
const codeRangeStart: Record<AccountType, number> = { asset: 1000, liability: 2000, equity: 3000, income: 4000, expense: 6000 };

export class AccountService {
  constructor(private readonly audit: AuditLog) {}

  async list(db: Knex, actor: Actor, entityId: string): Promise<AccountView[]> {
    const entity = await findEntity(db, actor, entityId);
    const rows = await db<AccountRow>('accounts').where({ entity_id: entity.id }).orderBy('code');
    return rows.map(accountView);
  }

  async create(trx: Knex.Transaction, actor: Actor, entityId: string, request: AccountRequest): Promise<AccountView> {
    const entity = await findEntity(trx, actor, entityId);
    const subtype = request.subtype ?? defaultSubtype(request.type);
    if (!(subtypesByType[request.type] as readonly string[]).includes(subtype)) {
      throw new RuleViolation(`subtype ${subtype} does not fit type ${request.type}`, [
        { field: '/subtype', message: `for ${request.type} use one of: ${subtypesByType[request.type].join(', ')}`, code: 'subtype_mismatch' },
      ]);
    }
    const currency = request.currency ?? entity.base_currency;
    if (!isSupportedCurrency(currency)) {
      throw new RuleViolation(`currency ${currency} is not supported`, [{ field: '/currency', message: 'unsupported currency', code: 'unsupported_currency' }]);
    }
    if (request.scheduleCLine && (entity.kind !== 'llc' || !['income', 'expense'].includes(request.type))) {
      throw new RuleViolation('only LLC income and expense accounts map to Schedule C lines', [
        { field: '/scheduleCLine', message: 'remove it, or use an LLC income/expense account', code: 'schedule_c_not_applicable' },
      ]);
    }
    const code = request.code ?? (await nextFreeCode(trx, entity.id, request.type));
    const clash = await trx('accounts').where({ entity_id: entity.id, code }).first('id');
    if (clash) throw new Conflict(`account code ${code} is already used in this entity`, 'code_taken');
    const [row] = await trx<AccountRow>('accounts')
      .insert({
        id: randomUUID(),
        entity_id: entity.id,
        code,
        name: request.name.trim(),
        type: request.type,
        subtype,
        currency,
        allow_overdraft: request.allowOverdraft ?? subtype === 'credit_card',
        schedule_c_line: request.scheduleCLine ?? null,
        description: request.description ?? null,
      })
      .returning('*');
    const view = accountView(row!);
    await this.audit.record(trx, [
      { householdId: actor.householdId, actorUserId: actor.userId, action: 'account.create', resourceType: 'account', resourceId: view.id, after: view },
    ]);
    return view;
  }
}

function defaultSubtype(type: AccountType): AccountSubtype {
  return type === 'asset' ? 'checking' : type === 'liability' ? 'credit_card' : type;
}

async function nextFreeCode(db: Knex, entityId: string, type: AccountType): Promise<string> {
  const used = new Set<string>(await db('accounts').where({ entity_id: entityId }).pluck('code'));
  for (let code = codeRangeStart[type]; code < codeRangeStart[type] + 1000; code += 10) {
    if (!used.has(String(code))) return String(code);
  }
  for (let code = codeRangeStart[type]; ; code += 1) if (!used.has(String(code))) return String(code);
}
