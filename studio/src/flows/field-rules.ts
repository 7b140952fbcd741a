/**
 * What the settings form knows about a field beyond its JSON Schema: a human label, whether it
 * holds money, and the message shown before the server is even asked. Pure, so the messages
 * are unit-tested and identical wherever a field appears.
 */
import type { JsonSchema } from './flow-api';

const labels: Record<string, string> = {
  accountId: 'Account',
  amount: 'Amount',
  keep: 'Keep in the account',
  cron: 'Schedule (cron)',
  timezone: 'Time zone',
  missed: 'Missed occurrences',
  event: 'Event',
  threshold: 'Threshold',
  filter: 'Filter (json-logic)',
  logic: 'Rule (json-logic)',
  label: 'Label',
  outputs: 'Outputs',
  mode: 'Share',
  value: 'Value',
  max: 'At most',
  fromAccountId: 'From account',
  toAccountId: 'To account',
  memo: 'Memo',
  kind: 'Inter-entity transfer kind',
  purpose: 'Purpose',
  documentRef: 'Document reference',
  payee: 'Payee',
  categoryId: 'Category',
  message: 'Message',
  level: 'Level',
  note: 'Note',
  text: 'Text',
};

export function fieldLabel(key: string): string {
  return labels[key] ?? key.replace(/([A-Z])/g, ' $1').replace(/^./, (first) => first.toUpperCase());
}

const enumLabels: Record<string, string> = {
  catch_up: 'Catch up once',
  skip: 'Skip',
  'transaction.posted': 'A transaction posts',
  'balance.below': 'A balance falls below',
  'balance.above': 'A balance rises above',
  fixed: 'Fixed amount',
  percent: 'Percentage of the input',
  remainder: 'Remainder',
  owner_draw: 'Owner draw (LLC → owner)',
  capital_contribution: 'Capital contribution (owner → LLC)',
  member_loan: 'Member loan',
  loan_repayment: 'Loan repayment',
  reimbursement: 'Reimbursement',
  expense_paid_for: 'Expense paid for the other entity',
  info: 'Info',
  warning: 'Warning',
  critical: 'Critical',
};

export function enumLabel(value: string): string {
  return enumLabels[value] ?? value;
}

/** Money settings are decimal strings (the engine's `moneySetting`): never floats, never exponents. */
export function isMoneySchema(schema: JsonSchema): boolean {
  return schema.type === 'string' && typeof schema.pattern === 'string' && schema.pattern.includes('[1-9][0-9]{0,17}');
}

export const moneyMessage = 'Enter an amount with digits and at most one dot, e.g. 500.00 (no commas or currency signs)';
export const percentMessage = 'Enter a percentage from 0 to 100 with at most 2 decimals, e.g. 30 or 12.5';

const moneyPattern = /^(0|[1-9][0-9]{0,17})(\.[0-9]{1,3})?$/;
const signedMoneyPattern = /^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,3})?$/;
const percentPattern = /^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$/;

export type ValueKind = 'text' | 'money' | 'signed-money' | 'percent' | 'json' | 'none';

/** How a field's value is read: allocate's "value" depends on the output's mode. */
export function valueKind(key: string, schema: JsonSchema, siblings: Record<string, unknown>): ValueKind {
  if (key === 'value' && 'mode' in siblings) {
    if (siblings.mode === 'percent') return 'percent';
    if (siblings.mode === 'remainder') return 'none';
    return 'money';
  }
  if (schema.type === undefined && !schema.enum) return 'json';
  if (isMoneySchema(schema)) return schema.pattern!.startsWith('^-?') ? 'signed-money' : 'money';
  return 'text';
}

/** The message for a value the user typed, or undefined when it is acceptable. */
export function fieldProblem(value: unknown, schema: JsonSchema, kind: ValueKind, required: boolean): string | undefined {
  const empty = value === undefined || value === null || value === '';
  if (empty) return required ? 'Required' : undefined;
  if (kind === 'none') return undefined;
  if (typeof value === 'string') {
    const text = value.trim();
    if (kind === 'money' && !moneyPattern.test(text)) return moneyMessage;
    if (kind === 'signed-money' && !signedMoneyPattern.test(text)) return moneyMessage;
    if (kind === 'percent' && !percentPattern.test(text)) return percentMessage;
    if (schema.maxLength !== undefined && value.length > schema.maxLength) return `At most ${schema.maxLength} characters`;
    if (schema.minLength !== undefined && value.length < schema.minLength) return `At least ${schema.minLength} characters`;
  }
  return undefined;
}

/** Parses a JSON field (json-logic rules); the message says where it breaks. */
export function parseJsonField(text: string): { value?: unknown; error?: string } {
  if (text.trim() === '') return { value: undefined };
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: `Not valid JSON: ${(error as Error).message}` };
  }
}
