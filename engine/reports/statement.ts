import { formatMinor } from '../money/index.js';
import type { AccountType, IsoDate } from '../ledger/types.js';
import { sumOf, type ReportAccount, type Sums } from './account-sums.js';
import type { ReportEntity } from './report-scope.js';
import type { ReportColumn, ReportRow } from './report-document.js';

/** What the balance sheet, income statement and cash-flow statement share. */

export interface StatementLine {
  accountId: string;
  code: string;
  name: string;
  /** In the section's normal sign (assets and expenses debit-positive; the rest credit-positive). */
  amount: string;
  /** The same figure for the comparison period, when one was asked for. */
  comparison?: string;
}

export interface StatementSection {
  key: string;
  label: string;
  lines: StatementLine[];
  total: string;
  comparisonTotal?: string;
}

export interface StatementHeader {
  entity: ReportEntity;
  currency: string;
  /** Currencies of the entity's other accounts, left out of this statement. */
  otherCurrencies: string[];
}

/** Debit-normal types show debit-positive; credit-normal types show credit-positive. */
export function normalSign(type: AccountType): 1n | -1n {
  return type === 'asset' || type === 'expense' ? 1n : -1n;
}

export interface SectionInput {
  key: string;
  label: string;
  accounts: readonly ReportAccount[];
  /** Sign applied to debit-positive balances for display. */
  sign: 1n | -1n;
  /** Extra computed lines (e.g. retained earnings), already in display sign. */
  extra?: { accountId: string; code: string; name: string; amountMinor: bigint; comparisonMinor?: bigint }[];
}

export interface SectionMinor {
  section: StatementSection;
  totalMinor: bigint;
  comparisonTotalMinor: bigint;
}

/** A section's lines and total; an account appears when it has a balance or any posting. */
export function buildSection(input: SectionInput, values: Sums, currency: string, comparison?: Sums): SectionMinor {
  const money = (minor: bigint) => formatMinor(minor, currency);
  let totalMinor = 0n;
  let comparisonTotalMinor = 0n;
  const lines: StatementLine[] = [];
  for (const account of input.accounts) {
    const value = sumOf(values, account.id);
    const previous = comparison ? sumOf(comparison, account.id) : undefined;
    const amountMinor = input.sign * value.netMinor;
    const comparisonMinor = previous ? input.sign * previous.netMinor : 0n;
    totalMinor += amountMinor;
    comparisonTotalMinor += comparisonMinor;
    const used = value.postingCount > 0n || amountMinor !== 0n || (previous !== undefined && (previous.postingCount > 0n || comparisonMinor !== 0n));
    if (!used) continue;
    lines.push({ accountId: account.id, code: account.code, name: account.name, amount: money(amountMinor), ...(comparison ? { comparison: money(comparisonMinor) } : {}) });
  }
  for (const extra of input.extra ?? []) {
    totalMinor += extra.amountMinor;
    comparisonTotalMinor += extra.comparisonMinor ?? 0n;
    lines.push({ accountId: extra.accountId, code: extra.code, name: extra.name, amount: money(extra.amountMinor), ...(comparison ? { comparison: money(extra.comparisonMinor ?? 0n) } : {}) });
  }
  return {
    section: { key: input.key, label: input.label, lines, total: money(totalMinor), ...(comparison ? { comparisonTotal: money(comparisonTotalMinor) } : {}) },
    totalMinor,
    comparisonTotalMinor,
  };
}

export const byType = (accounts: readonly ReportAccount[], type: AccountType) => accounts.filter((account) => account.type === type);

/** "2026-01-01 to 2026-03-31" */
export const periodText = (from: IsoDate, to: IsoDate) => `${from} to ${to}`;

/** Table columns and rows for statement sections, with a comparison column when present. */
export function sectionTable(section: StatementSection, labels: { current: string; comparison?: string }): { heading: string; columns: ReportColumn[]; rows: ReportRow[] } {
  const compare = section.comparisonTotal !== undefined;
  const columns: ReportColumn[] = [{ label: 'Code', weight: 0.6 }, { label: 'Account', weight: 3 }, { label: labels.current, align: 'right', weight: 1.2 }];
  if (compare) columns.push({ label: labels.comparison ?? 'Comparison', align: 'right', weight: 1.2 });
  const rows: ReportRow[] = section.lines.map((line) => ({ cells: [line.code, line.name, line.amount, ...(compare ? [line.comparison ?? ''] : [])] }));
  rows.push({ cells: ['', `Total ${section.label.toLowerCase()}`, section.total, ...(compare ? [section.comparisonTotal ?? ''] : [])], style: 'total' });
  return { heading: section.label, columns, rows };
}
