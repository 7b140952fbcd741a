import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';
import type { IsoDate } from '../ledger/types.js';
import { formatMinor } from '../money/index.js';
import { sumRanges, type ReportAccount, type Sums } from './account-sums.js';
import { comparisonPeriod, type Comparison, type Period } from './period.js';
import type { ReportDocument } from './report-document.js';
import { entityScope } from './report-scope.js';
import { buildSection, byType, periodText, sectionTable, type StatementHeader, type StatementSection } from './statement.js';

/**
 * Income and expenses over a period; net income = income − expenses. Owner draws are equity,
 * so they never appear here (they are neither an expense of the LLC nor income of the owner).
 */
export interface IncomeStatement extends StatementHeader {
  from: IsoDate;
  to: IsoDate;
  comparisonPeriod?: Period;
  sections: StatementSection[];
  totals: { income: string; expenses: string; netIncome: string };
  comparisonTotals?: IncomeStatement['totals'];
}

/** Pure. `activity` holds debit-positive sums of the period's postings. */
export function incomeStatement(header: StatementHeader, accounts: readonly ReportAccount[], activity: Sums, period: Period, comparison?: { period: Period; activity: Sums }): IncomeStatement {
  const income = buildSection({ key: 'income', label: 'Income', accounts: byType(accounts, 'income'), sign: -1n }, activity, header.currency, comparison?.activity);
  const expenses = buildSection({ key: 'expenses', label: 'Expenses', accounts: byType(accounts, 'expense'), sign: 1n }, activity, header.currency, comparison?.activity);
  const money = (minor: bigint) => formatMinor(minor, header.currency);
  return {
    ...header,
    from: period.from,
    to: period.to,
    ...(comparison ? { comparisonPeriod: comparison.period } : {}),
    sections: [income.section, expenses.section],
    totals: { income: money(income.totalMinor), expenses: money(expenses.totalMinor), netIncome: money(income.totalMinor - expenses.totalMinor) },
    ...(comparison
      ? { comparisonTotals: { income: money(income.comparisonTotalMinor), expenses: money(expenses.comparisonTotalMinor), netIncome: money(income.comparisonTotalMinor - expenses.comparisonTotalMinor) } }
      : {}),
  };
}

export async function loadIncomeStatement(db: Knex, actor: Actor, entityId: string, query: { from: IsoDate; to: IsoDate; compare?: Comparison; currency?: string }): Promise<IncomeStatement> {
  const scope = await entityScope(db, actor, entityId, query.currency);
  const accounts = scope.accounts.filter((account) => account.type === 'income' || account.type === 'expense');
  const previous = query.compare ? comparisonPeriod(query, query.compare) : undefined;
  const [activity, previousActivity] = await sumRanges(db, accounts.map((account) => account.id), [query, ...(previous ? [previous] : [])]);
  return incomeStatement(scope, accounts, activity!, query, previous ? { period: previous, activity: previousActivity! } : undefined);
}

export function incomeStatementDocument(report: IncomeStatement): ReportDocument {
  const labels = { current: periodText(report.from, report.to), ...(report.comparisonPeriod ? { comparison: periodText(report.comparisonPeriod.from, report.comparisonPeriod.to) } : {}) };
  const compare = report.comparisonTotals;
  return {
    title: 'Income statement',
    subject: report.entity.name,
    period: `${periodText(report.from, report.to)}${report.comparisonPeriod ? ` (compared with ${labels.comparison})` : ''}`,
    currency: report.currency,
    summary: [
      ['Total income', report.totals.income],
      ['Total expenses', report.totals.expenses],
      ['Net income', report.totals.netIncome],
    ],
    tables: [
      ...report.sections.map((section) => sectionTable(section, labels)),
      {
        heading: 'Net income',
        columns: [{ label: 'Measure', weight: 3.6 }, { label: labels.current, align: 'right', weight: 1.2 }, ...(compare ? [{ label: labels.comparison ?? '', align: 'right' as const, weight: 1.2 }] : [])],
        rows: [
          { cells: ['Total income', report.totals.income, ...(compare ? [compare.income] : [])] },
          { cells: ['Total expenses', report.totals.expenses, ...(compare ? [compare.expenses] : [])] },
          { cells: ['Net income', report.totals.netIncome, ...(compare ? [compare.netIncome] : [])], style: 'total' },
        ],
      },
    ],
    notes: report.otherCurrencies.length ? [`Accounts in ${report.otherCurrencies.join(', ')} are not included.`] : [],
  };
}
