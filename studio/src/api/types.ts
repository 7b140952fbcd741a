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

export interface Me {
  user: { id: string; email: string; createdAt: string };
  household: { id: string; name: string };
}

export interface PostingView {
  id: string;
  accountId: string;
  accountCode: string;
  accountName: string;
  /** Debit-positive. */
  amount: string;
  currency: string;
  memo: string | null;
}

export type JournalSource = 'manual' | 'inter_entity' | 'flow' | 'import' | 'bank' | 'demo' | 'reversal' | 'opening';

export interface Journal {
  id: string;
  entityId: string;
  date: string;
  memo: string;
  payee: string | null;
  source: JournalSource;
  reversesJournalId: string | null;
  reversedByJournalId: string | null;
  interEntityTransferId: string | null;
  createdAt: string;
  postings: PostingView[];
}

export interface RegisterRow {
  postingId: string;
  journalId: string;
  date: string;
  payee: string | null;
  memo: string;
  postingMemo: string | null;
  /** Debit-positive. */
  amount: string;
  /** After this posting, over the account's whole history; debit-positive. */
  runningBalance: string;
  source: JournalSource;
  reversesJournalId: string | null;
  reversedByJournalId: string | null;
  counterAccounts: { accountId: string; name: string }[];
}

export interface RegisterPage {
  account: { id: string; name: string; currency: string; normalBalance: 'debit' | 'credit'; balance: string };
  data: RegisterRow[];
  page: { limit: number; offset: number; total: number };
}

export const transferKinds = ['owner_draw', 'capital_contribution', 'member_loan', 'loan_repayment', 'reimbursement', 'expense_paid_for'] as const;
export type TransferKind = (typeof transferKinds)[number];

export interface TransferRequest {
  kind: TransferKind;
  date: string;
  amount: string;
  interest?: string;
  fromAccountId: string;
  toAccountId: string;
  purpose: string;
  documentRef?: string;
  memo?: string;
}

export interface Transfer {
  id: string;
  kind: TransferKind;
  date: string;
  amount: string;
  interest: string;
  currency: string;
  fromEntityId: string;
  toEntityId: string;
  fromAccountId: string;
  toAccountId: string;
  purpose: string;
  documentRef: string | null;
  reversed: boolean;
  createdAt: string;
}

export interface TransferDetail extends Transfer {
  journals: Journal[];
  balances: { entityId: string; accountId: string; role: string; name: string; balance: string }[];
  reconciled: boolean;
  /** Set on the answer of /inter-entity-transfers/preview: nothing was written. */
  preview?: true;
}

export interface TrialBalance {
  entityId: string;
  asOf: string;
  lines: { accountId: string; code: string; name: string; type: AccountType; currency: string; debit: string; credit: string; balance: string }[];
}

export interface Alert {
  id: string;
  kind: string;
  level: string;
  message: string;
  flowId: string | null;
  runId: string | null;
  createdAt: string;
  readAt: string | null;
}

export interface Jobs {
  upcoming: { flowId: string; flowName: string; occurrence: string; nextRunAt: string; lastFailure: string | null }[];
  recent: { runId: string; flowId: string; flowName: string; status: string; startedAt: string; finishedAt: string | null; durationMs: number | null; key: string; error: string | null }[];
}

/** GET /reports/net-worth: per entity and consolidated (intercompany balances eliminated). */
export interface NetWorthReport {
  asOf: string;
  currency: string;
  entities: { entityId: string; name: string; kind: EntityKind; assets: string; liabilities: string; netWorth: string; intercompany: string }[];
  consolidated: { assets: string; liabilities: string; netWorth: string; entitiesNetWorth: string; eliminated: string; reconciled: boolean };
}

/** GET /reports/net-worth/history. */
export interface NetWorthHistory {
  from: string;
  to: string;
  interval: string;
  currency: string;
  entities: { entityId: string; name: string; kind: EntityKind }[];
  points: { date: string; netWorth: string; assets: string; liabilities: string; entities: { entityId: string; netWorth: string }[] }[];
}
