/** Shapes of the API's answers that several pages share (mirrors of the API's JSON, money as decimal strings). */

export type EntityKind = 'personal' | 'llc';

export interface Entity {
  id: string;
  kind: EntityKind;
  name: string;
  slug: string;
  baseCurrency: string;
  createdAt: string;
}

export type AccountType = 'asset' | 'liability' | 'equity' | 'income' | 'expense';

export interface Account {
  id: string;
  entityId: string;
  code: string;
  name: string;
  type: AccountType;
  subtype: string;
  role: string | null;
  counterpartyEntityId: string | null;
  currency: string;
  allowOverdraft: boolean;
  scheduleCLine: string | null;
  description: string | null;
  archived: boolean;
  /** Debit-positive decimal string, like postings ("-12.34" on a card is a debt of 12.34). */
  balance: string;
  normalBalance: 'debit' | 'credit';
}
