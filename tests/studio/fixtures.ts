import type { Account, Entity } from '../../studio/src/api/types';

export const llc: Entity = { id: '11111111-1111-4111-8111-111111111111', kind: 'llc', name: 'Lee Studio LLC', slug: 'lee-studio', baseCurrency: 'USD', createdAt: '2026-01-01T00:00:00Z' };
export const personal: Entity = { id: '22222222-2222-4222-8222-222222222222', kind: 'personal', name: 'Jordan Lee', slug: 'jordan', baseCurrency: 'USD', createdAt: '2026-01-01T00:00:00Z' };

let counter = 0;
export function account(entity: Entity, code: string, name: string, type: Account['type'], subtype: string, extra: Partial<Account> = {}): Account {
  counter += 1;
  return {
    id: `aaaaaaaa-aaaa-4aaa-8aaa-${String(counter).padStart(12, '0')}`,
    entityId: entity.id,
    code,
    name,
    type,
    subtype,
    role: null,
    counterpartyEntityId: null,
    currency: 'USD',
    allowOverdraft: false,
    scheduleCLine: null,
    description: null,
    archived: false,
    balance: '0.00',
    normalBalance: type === 'asset' || type === 'expense' ? 'debit' : 'credit',
    ...extra,
  };
}

export const personalAccounts = [
  account(personal, '1000', 'Checking', 'asset', 'checking', { balance: '2500.00' }),
  account(personal, '2000', 'Credit Card', 'liability', 'credit_card', { balance: '-120.00' }),
  account(personal, '5020', 'Groceries', 'expense', 'expense'),
  account(personal, '5090', 'Clothing', 'expense', 'expense'),
  account(personal, '3100', 'Distributions from Lee Studio LLC', 'equity', 'equity', { role: 'distributions_from_llc', counterpartyEntityId: llc.id }),
];

export const llcAccounts = [
  account(llc, '1000', 'Business Checking', 'asset', 'checking', { balance: '9000.00' }),
  account(llc, '3200', "Owner's Draws", 'equity', 'equity', { role: 'owners_draws', counterpartyEntityId: personal.id }),
  account(llc, '6000', 'Software', 'expense', 'expense'),
];
