export const entityKinds = ['personal', 'llc'] as const;
export type EntityKind = (typeof entityKinds)[number];

export const accountTypes = ['asset', 'liability', 'equity', 'income', 'expense'] as const;
export type AccountType = (typeof accountTypes)[number];

/** Subtypes allowed per type; the database checks the same table. */
export const subtypesByType = {
  asset: ['checking', 'savings', 'money_market', 'cash', 'brokerage', 'retirement', 'receivable', 'other_asset'],
  liability: ['credit_card', 'loan', 'mortgage', 'payable', 'other_liability'],
  equity: ['equity'],
  income: ['income'],
  expense: ['expense'],
} as const satisfies Record<AccountType, readonly string[]>;
export type AccountSubtype = (typeof subtypesByType)[AccountType][number];
export const allSubtypes = [...new Set(Object.values(subtypesByType).flat())] as AccountSubtype[];

/** Which side increases the account: assets and expenses are debit-normal. */
export function normalBalance(type: AccountType): 'debit' | 'credit' {
  return type === 'asset' || type === 'expense' ? 'debit' : 'credit';
}

export const journalSources = ['manual', 'inter_entity', 'flow', 'import', 'bank', 'demo', 'reversal', 'opening'] as const;
export type JournalSource = (typeof journalSources)[number];

export const transferKinds = [
  'owner_draw',
  'capital_contribution',
  'member_loan',
  'loan_repayment',
  'reimbursement',
  'expense_paid_for',
] as const;
export type TransferKind = (typeof transferKinds)[number];

/** An ISO calendar date, 'YYYY-MM-DD'. Dates in the books carry no time zone. */
export type IsoDate = string;

export interface EntityRow {
  id: string;
  household_id: string;
  kind: EntityKind;
  name: string;
  slug: string;
  base_currency: string;
  created_at: Date;
}

export interface AccountRow {
  id: string;
  entity_id: string;
  code: string;
  name: string;
  type: AccountType;
  subtype: AccountSubtype;
  role: string | null;
  counterparty_entity_id: string | null;
  currency: string;
  allow_overdraft: boolean;
  schedule_c_line: string | null;
  description: string | null;
  archived_at: Date | null;
  balance_minor: bigint;
  created_at: Date;
}
