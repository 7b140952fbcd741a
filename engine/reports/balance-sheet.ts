import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';
import type { IsoDate } from '../ledger/types.js';
import { formatMinor } from '../money/index.js';
import { sumOf, sumRanges, type ReportAccount, type Sums } from './account-sums.js';
import { comparisonPeriod, type Comparison } from './period.js';
import type { ReportDocument } from './report-document.js';
import { entityScope } from './report-scope.js';
import { buildSection, byType, sectionTable, type StatementHeader, type StatementSection } from './statement.js';

/**
 * An entity's balance sheet as of a date: assets = liabilities + equity. Income and expenses not
 * yet closed into equity appear in equity as retained earnings (all income minus all expenses
 * up to the date), which is what makes the two sides equal.
 */
export interface BalanceSheet extends StatementHeader {
  asOf: IsoDate;
  comparisonAsOf?: IsoDate;
  sections: StatementSection[];
  totals: { assets: string; liabilities: string; equity: string; liabilitiesAndEquity: string; netWorth: string };
  comparisonTotals?: BalanceSheet['totals'];
  balanced: boolean;
}

export const retainedEarningsLine = { accountId: 'retained-earnings', code: '', name: 'Retained earnings (income less expenses to date)' } as const;

/** Pure. `balances` are debit-positive sums of all postings up to the date. */
export function balanceSheet(header: StatementHeader, accounts: readonly ReportAccount[], balances: Sums, asOf: IsoDate, comparison?: { asOf: IsoDate; balances: Sums }): BalanceSheet {
  const earnings = (sums: Sums) => -accounts.filter((account) => account.type === 'income' || account.type === 'expense').reduce((total, account) => total + sumOf(sums, account.id).netMinor, 0n);
  const assets = buildSection({ key: 'assets', label: 'Assets', accounts: byType(accounts, 'asset'), sign: 1n }, balances, header.currency, comparison?.balances);
  const liabilities = buildSection({ key: 'liabilities', label: 'Liabilities', accounts: byType(accounts, 'liability'), sign: -1n }, balances, header.currency, comparison?.balances);
  const equity = buildSection(
    {
      key: 'equity',
      label: 'Equity',
      accounts: byType(accounts, 'equity'),
      sign: -1n,
      extra: [{ ...retainedEarningsLine, amountMinor: earnings(balances), ...(comparison ? { comparisonMinor: earnings(comparison.balances) } : {}) }],
    },
    balances,
    header.currency,
    comparison?.balances,
  );
  const money = (minor: bigint) => formatMinor(minor, header.currency);
  const totals = (a: bigint, l: bigint, e: bigint) => ({ assets: money(a), liabilities: money(l), equity: money(e), liabilitiesAndEquity: money(l + e), netWorth: money(a - l) });
  return {
    ...header,
    asOf,
    ...(comparison ? { comparisonAsOf: comparison.asOf } : {}),
    sections: [assets.section, liabilities.section, equity.section],
    totals: totals(assets.totalMinor, liabilities.totalMinor, equity.totalMinor),
    ...(comparison ? { comparisonTotals: totals(assets.comparisonTotalMinor, liabilities.comparisonTotalMinor, equity.comparisonTotalMinor) } : {}),
    balanced: assets.totalMinor === liabilities.totalMinor + equity.totalMinor,
  };
}

export async function loadBalanceSheet(db: Knex, actor: Actor, entityId: string, query: { from: IsoDate; to: IsoDate; compare?: Comparison; currency?: string }): Promise<BalanceSheet> {
  const scope = await entityScope(db, actor, entityId, query.currency);
  const ids = scope.accounts.map((account) => account.id);
  const comparisonAsOf = query.compare ? comparisonPeriod(query, query.compare).to : undefined;
  const [balances, previous] = await sumRanges(db, ids, [{ to: query.to }, ...(comparisonAsOf ? [{ to: comparisonAsOf }] : [])]);
  return balanceSheet(scope, scope.accounts, balances!, query.to, comparisonAsOf ? { asOf: comparisonAsOf, balances: previous! } : undefined);
}

export function balanceSheetDocument(report: BalanceSheet): ReportDocument {
  const labels = { current: report.asOf, ...(report.comparisonAsOf ? { comparison: report.comparisonAsOf } : {}) };
  const compare = report.comparisonTotals;
  return {
    title: 'Balance sheet',
    subject: report.entity.name,
    period: `as of ${report.asOf}${report.comparisonAsOf ? ` (compared with ${report.comparisonAsOf})` : ''}`,
    currency: report.currency,
    summary: [
      ['Total assets', report.totals.assets],
      ['Total liabilities', report.totals.liabilities],
      ['Total equity', report.totals.equity],
      ['Liabilities and equity', report.totals.liabilitiesAndEquity],
      ['Net worth (assets less liabilities)', report.totals.netWorth],
    ],
    tables: [
      ...report.sections.map((section) => sectionTable(section, labels)),
      {
        heading: 'Check',
        columns: [{ label: 'Measure', weight: 3.6 }, { label: labels.current, align: 'right', weight: 1.2 }, ...(compare ? [{ label: labels.comparison ?? '', align: 'right' as const, weight: 1.2 }] : [])],
        rows: [
          { cells: ['Total assets', report.totals.assets, ...(compare ? [compare.assets] : [])] },
          { cells: ['Total liabilities and equity', report.totals.liabilitiesAndEquity, ...(compare ? [compare.liabilitiesAndEquity] : [])], style: 'total' },
        ],
      },
    ],
    notes: [
      report.balanced ? 'Assets equal liabilities plus equity.' : 'WARNING: assets do not equal liabilities plus equity.',
      ...(report.otherCurrencies.length ? [`Accounts in ${report.otherCurrencies.join(', ')} are not included.`] : []),
    ],
  };
}
