/** The report answers of /api/v1 (see api/routes/reports.ts); money is always a decimal string. */

export interface ReportEntityRef {
  id: string;
  name: string;
  kind: 'llc' | 'personal';
  slug: string;
}

export interface StatementLine {
  accountId: string;
  code: string;
  name: string;
  amount: string;
  comparison?: string;
}

export interface StatementSection {
  key: string;
  label: string;
  lines: StatementLine[];
  total: string;
  comparisonTotal?: string;
}

interface Header {
  entity: ReportEntityRef;
  currency: string;
  otherCurrencies: string[];
}

export interface BalanceSheet extends Header {
  asOf: string;
  comparisonAsOf?: string;
  sections: StatementSection[];
  totals: { assets: string; liabilities: string; equity: string; liabilitiesAndEquity: string; netWorth: string };
  comparisonTotals?: BalanceSheet['totals'];
  balanced: boolean;
}

export interface IncomeStatement extends Header {
  from: string;
  to: string;
  comparisonPeriod?: { from: string; to: string };
  sections: StatementSection[];
  totals: { income: string; expenses: string; netIncome: string };
  comparisonTotals?: IncomeStatement['totals'];
}

export interface CashFlow extends Header {
  from: string;
  to: string;
  openingCash: string;
  closingCash: string;
  netIncome: string;
  sections: { key: string; label: string; lines: { accountId: string; code: string; name: string; amount: string }[]; total: string }[];
  netChange: string;
  reconciled: boolean;
  comparison?: { from: string; to: string; openingCash: string; closingCash: string; operating: string; investing: string; financing: string; netChange: string };
}

export interface TrialBalance extends Header {
  from: string;
  to: string;
  lines: { accountId: string; code: string; name: string; opening: string; debits: string; credits: string; closing: string; closingDebit: string; closingCredit: string }[];
  totals: { debits: string; credits: string; closingDebit: string; closingCredit: string };
  balanced: boolean;
}

export interface GeneralLedger extends Header {
  from: string;
  to: string;
  accounts: { accountId: string; code: string; name: string; opening: string; debits: string; credits: string; closing: string; postings: { postingId: string; journalId: string; date: string; payee: string | null; memo: string; amount: string; runningBalance: string }[] }[];
  totals: { debits: string; credits: string; postings: number };
}

export interface FlagTransaction {
  entityId: string;
  journalId: string | null;
  transferId: string | null;
  date: string;
  amount: string;
  payee: string | null;
  memo: string | null;
}

export interface AuditFlag {
  code: string;
  severity: 'high' | 'medium';
  message: string;
  transactions: FlagTransaction[];
}

export interface IntercompanyRow {
  date: string;
  memberLoan: { llcBooks: string; ownerBooks: string; reconciled: boolean };
  due: { llcBooks: string; ownerBooks: string; reconciled: boolean };
}

export interface InterEntityAudit {
  entity: ReportEntityRef;
  currency: string;
  from: string;
  to: string;
  owners: { entityId: string; name: string }[];
  transfers: {
    id: string;
    kind: string;
    kindLabel: string;
    direction: 'llc_to_owner' | 'owner_to_llc';
    date: string;
    amount: string;
    interest: string;
    from: { entityName: string; accountName: string };
    to: { entityName: string; accountName: string };
    purpose: string;
    documentRef: string | null;
    approvedBy: { userId: string; email: string | null } | null;
    flowRunId: string | null;
    llcJournalId: string;
    ownerJournalId: string;
    reversed: boolean;
  }[];
  subtotals: { kind: string; direction: string; count: number; amount: string; interest: string; reversedCount: number }[];
  positions: { ownerEntityId: string; ownerName: string; opening: IntercompanyRow; rows: IntercompanyRow[]; closing: IntercompanyRow; reconciled: boolean }[];
  capital: { opening: string; contributions: string; draws: string; netIncome: string; other: string; closing: string; reconciled: boolean };
  flags: AuditFlag[];
  settings: { dormantLoanMonths: number };
  summary: { transfers: number; flags: number; highSeverityFlags: number; reconciled: boolean };
}

export interface ScheduleC extends Header {
  year: number;
  lines: { line: string; label: string; amount: string; accounts: { accountId: string; code: string; name: string; amount: string }[] }[];
  totals: { line3: string; line5: string; line7: string; line28: string; line29: string; line31: string };
  unmappedAccounts: { accountId: string; code: string; name: string; amount: string; countedOn: string }[];
  drawsAndContributions: { contributions: string; draws: string; net: string; transfers: { id: string; kind: string; date: string; amount: string; purpose: string; documentRef: string | null; reversed: boolean }[] };
}

export interface HouseholdNetWorth {
  asOf: string;
  currency: string;
  entities: { entityId: string; name: string; kind: 'llc' | 'personal'; assets: string; liabilities: string; netWorth: string; intercompany: string }[];
  consolidated: { assets: string; liabilities: string; netWorth: string; entitiesNetWorth: string; eliminated: string; reconciled: boolean };
  balanceSheet: { assets: { entityId: string; accountId: string; code: string; name: string; amount: string; eliminated: boolean }[]; liabilities: { entityId: string; accountId: string; code: string; name: string; amount: string; eliminated: boolean }[] };
}

