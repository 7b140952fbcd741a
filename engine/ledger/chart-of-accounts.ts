import type { AccountSubtype, AccountType, EntityKind } from './types.js';

/** One line of a seeded chart of accounts. */
export interface AccountTemplate {
  code: string;
  name: string;
  type: AccountType;
  subtype: AccountSubtype;
  /** System role: the account an inter-entity transfer or a report looks up by meaning. */
  role?: string;
  /** IRS Schedule C (Form 1040) line, for the LLC's tax export. */
  scheduleCLine?: string;
  allowOverdraft?: boolean;
}

const expense = (code: string, name: string, scheduleCLine?: string): AccountTemplate => ({
  code,
  name,
  type: 'expense',
  subtype: 'expense',
  ...(scheduleCLine ? { scheduleCLine } : {}),
});
const income = (code: string, name: string, scheduleCLine?: string): AccountTemplate => ({
  code,
  name,
  type: 'income',
  subtype: 'income',
  ...(scheduleCLine ? { scheduleCLine } : {}),
});

/**
 * A single-member LLC's chart. Expense categories map to Schedule C Part II lines so the tax
 * export is a grouping, not a guess. Owner's draws is contra-equity: draws are neither an
 * expense nor taxable income.
 */
const llcChart: readonly AccountTemplate[] = [
  { code: '1000', name: 'Business Checking', type: 'asset', subtype: 'checking', role: 'checking' },
  { code: '1010', name: 'Business Savings', type: 'asset', subtype: 'savings', role: 'savings' },
  { code: '1050', name: 'Tax Reserve Savings', type: 'asset', subtype: 'savings' },
  { code: '1100', name: 'Accounts Receivable', type: 'asset', subtype: 'receivable' },
  { code: '2000', name: 'Business Credit Card', type: 'liability', subtype: 'credit_card', role: 'credit_card', allowOverdraft: true },
  { code: '2300', name: 'Sales Tax Payable', type: 'liability', subtype: 'payable' },
  { code: '3900', name: 'Opening Balance Equity', type: 'equity', subtype: 'equity', role: 'opening_balance' },
  income('4000', 'Gross Receipts', '1'),
  income('4010', 'Returns and Allowances', '2'),
  income('4900', 'Other Business Income', '6'),
  expense('6000', 'Advertising', '8'),
  expense('6010', 'Car and Truck Expenses', '9'),
  expense('6020', 'Commissions and Fees', '10'),
  expense('6030', 'Contract Labor', '11'),
  expense('6040', 'Depreciation', '13'),
  expense('6050', 'Insurance (other than health)', '15'),
  expense('6060', 'Interest: Other', '16b'),
  expense('6070', 'Legal and Professional Services', '17'),
  expense('6080', 'Office Expense', '18'),
  expense('6090', 'Rent: Other Business Property', '20b'),
  expense('6100', 'Repairs and Maintenance', '21'),
  expense('6110', 'Supplies', '22'),
  expense('6120', 'Taxes and Licenses', '23'),
  expense('6130', 'Travel', '24a'),
  expense('6140', 'Deductible Meals', '24b'),
  expense('6150', 'Utilities', '25'),
  expense('6160', 'Wages', '26'),
  expense('6170', 'Software and Subscriptions', '27a'),
  expense('6180', 'Bank and Payment Fees', '27a'),
  expense('6190', 'Education and Training', '27a'),
];

const personalChart: readonly AccountTemplate[] = [
  { code: '1000', name: 'Checking', type: 'asset', subtype: 'checking', role: 'checking' },
  { code: '1010', name: 'Savings', type: 'asset', subtype: 'savings', role: 'savings' },
  { code: '1020', name: 'Emergency Fund', type: 'asset', subtype: 'savings' },
  { code: '1300', name: 'Brokerage', type: 'asset', subtype: 'brokerage' },
  { code: '1310', name: 'Retirement (IRA)', type: 'asset', subtype: 'retirement' },
  { code: '2000', name: 'Credit Card', type: 'liability', subtype: 'credit_card', role: 'credit_card', allowOverdraft: true },
  { code: '2200', name: 'Student Loan', type: 'liability', subtype: 'loan' },
  { code: '2210', name: 'Auto Loan', type: 'liability', subtype: 'loan' },
  { code: '2300', name: 'Mortgage', type: 'liability', subtype: 'mortgage' },
  { code: '3900', name: 'Opening Balance Equity', type: 'equity', subtype: 'equity', role: 'opening_balance' },
  income('4000', 'Salary and Wages'),
  income('4100', 'Interest and Dividends'),
  income('4900', 'Other Income'),
  expense('5000', 'Rent'),
  expense('5010', 'Utilities'),
  expense('5020', 'Groceries'),
  expense('5030', 'Dining Out'),
  expense('5040', 'Transportation'),
  expense('5050', 'Health and Medical'),
  expense('5060', 'Insurance'),
  expense('5070', 'Phone and Internet'),
  expense('5080', 'Subscriptions'),
  expense('5090', 'Clothing'),
  expense('5100', 'Gifts and Donations'),
  expense('5110', 'Travel and Vacation'),
  expense('5120', 'Fun Money'),
  expense('5130', 'Income Taxes'),
  expense('5140', 'Bank Fees'),
  expense('5150', 'Loan Interest'),
];

export function chartFor(kind: EntityKind): readonly AccountTemplate[] {
  return kind === 'llc' ? llcChart : personalChart;
}

/**
 * Accounts that exist once per (LLC, owner) pair, on each side, named after the counterparty.
 * They carry the documented money between the two entities; their balances must mirror each
 * other (the LLC's payable to the member equals the member's receivable from the LLC).
 */
export const pairRoles = {
  llc: {
    owners_capital: { code: '3000', name: "Owner's Capital", type: 'equity', subtype: 'equity' },
    owners_draws: { code: '3100', name: "Owner's Draws", type: 'equity', subtype: 'equity' },
    loan_payable_member: { code: '2100', name: 'Loan Payable to Member', type: 'liability', subtype: 'loan' },
    due_to_owner: { code: '2200', name: 'Due to Owner', type: 'liability', subtype: 'payable' },
    loan_receivable_member: { code: '1400', name: 'Loan Receivable from Member', type: 'asset', subtype: 'receivable' },
    due_from_owner: { code: '1410', name: 'Due from Owner', type: 'asset', subtype: 'receivable' },
    interest_expense_member: { code: '6065', name: 'Interest on Member Loan', type: 'expense', subtype: 'expense', scheduleCLine: '16b' },
    interest_income_member: { code: '4910', name: 'Interest from Member Loan', type: 'income', subtype: 'income', scheduleCLine: '6' },
  },
  personal: {
    contributions_to_llc: { code: '3200', name: 'Contributions to {llc}', type: 'equity', subtype: 'equity' },
    distributions_from_llc: { code: '3100', name: 'Distributions from {llc}', type: 'equity', subtype: 'equity' },
    loan_receivable_llc: { code: '1400', name: 'Loan Receivable from {llc}', type: 'asset', subtype: 'receivable' },
    due_from_llc: { code: '1410', name: 'Due from {llc}', type: 'asset', subtype: 'receivable' },
    loan_payable_llc: { code: '2400', name: 'Loan Payable to {llc}', type: 'liability', subtype: 'loan' },
    due_to_llc: { code: '2410', name: 'Due to {llc}', type: 'liability', subtype: 'payable' },
    interest_income_llc: { code: '4110', name: 'Interest from {llc}', type: 'income', subtype: 'income' },
    interest_expense_llc: { code: '5160', name: 'Interest to {llc}', type: 'expense', subtype: 'expense' },
  },
} as const satisfies Record<EntityKind, Record<string, Omit<AccountTemplate, 'role'>>>;

export type LlcPairRole = keyof typeof pairRoles.llc;
export type PersonalPairRole = keyof typeof pairRoles.personal;
export type PairRole = LlcPairRole | PersonalPairRole;

/** Intercompany balances: eliminated on consolidation, and they must net to zero household-wide. */
export const intercompanyRoles: readonly PairRole[] = [
  'loan_payable_member',
  'due_to_owner',
  'loan_receivable_member',
  'due_from_owner',
  'loan_receivable_llc',
  'due_from_llc',
  'loan_payable_llc',
  'due_to_llc',
];

/**
 * Pair-account codes get a per-counterparty suffix so an owner with two LLCs has two sets
 * (`1400-2`). The first pair keeps the plain code.
 */
export function pairAccountCode(baseCode: string, pairIndex: number): string {
  return pairIndex === 0 ? baseCode : `${baseCode}-${pairIndex + 1}`;
}
