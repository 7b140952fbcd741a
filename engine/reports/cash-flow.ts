import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';
import { intercompanyRoles, type PairRole } from '../ledger/chart-of-accounts.js';
import type { IsoDate } from '../ledger/types.js';
import { formatMinor } from '../money/index.js';
import { sumOf, sumRanges, type ReportAccount, type Sums } from './account-sums.js';
import { addDays, comparisonPeriod, type Comparison, type Period } from './period.js';
import type { ReportDocument, ReportRow } from './report-document.js';
import { entityScope } from './report-scope.js';
import { periodText, type StatementHeader } from './statement.js';

/**
 * Cash-flow statement, indirect method. Cash is the checking, savings, money-market and cash
 * accounts. Every journal balances, so the change in cash equals net income minus the change
 * in every other balance-sheet account; grouping those changes gives operating (net income,
 * cards, receivables, payables), investing (brokerage, retirement, other assets) and financing
 * (loans, mortgages, equity, and balances with the household's other entities). The sections
 * always add up to the change in cash — `reconciled` says so, and a test proves it.
 */
export const cashSubtypes = ['checking', 'savings', 'money_market', 'cash'] as const;

export type CashFlowActivity = 'operating' | 'investing' | 'financing';

const intercompany = new Set<string>(intercompanyRoles as readonly PairRole[]);

/** Where a balance-sheet account's change goes; cash and income statement accounts return undefined. */
export function cashFlowActivity(account: Pick<ReportAccount, 'type' | 'subtype' | 'role'>): CashFlowActivity | undefined {
  if (account.role && intercompany.has(account.role)) return 'financing';
  switch (account.type) {
    case 'asset':
      if ((cashSubtypes as readonly string[]).includes(account.subtype)) return undefined;
      return ['brokerage', 'retirement', 'other_asset'].includes(account.subtype) ? 'investing' : 'operating';
    case 'liability':
      return ['loan', 'mortgage'].includes(account.subtype) ? 'financing' : 'operating';
    case 'equity':
      return 'financing';
    default:
      return undefined;
  }
}

export interface CashFlowLine {
  accountId: string;
  code: string;
  name: string;
  /** Cash effect: positive brings cash in. */
  amount: string;
}

export interface CashFlowStatement extends StatementHeader {
  from: IsoDate;
  to: IsoDate;
  openingCash: string;
  closingCash: string;
  netIncome: string;
  sections: { key: CashFlowActivity; label: string; lines: CashFlowLine[]; total: string }[];
  netChange: string;
  reconciled: boolean;
  comparison?: { from: IsoDate; to: IsoDate; openingCash: string; closingCash: string; netIncome: string; operating: string; investing: string; financing: string; netChange: string };
}

interface CashFlowMinor {
  openingCash: bigint;
  closingCash: bigint;
  netIncome: bigint;
  totals: Record<CashFlowActivity, bigint>;
  lines: Record<CashFlowActivity, { account: ReportAccount; amountMinor: bigint }[]>;
}

function computeCashFlow(accounts: readonly ReportAccount[], opening: Sums, activity: Sums): CashFlowMinor {
  const result: CashFlowMinor = { openingCash: 0n, closingCash: 0n, netIncome: 0n, totals: { operating: 0n, investing: 0n, financing: 0n }, lines: { operating: [], investing: [], financing: [] } };
  for (const account of accounts) {
    const change = sumOf(activity, account.id).netMinor;
    if (account.type === 'income' || account.type === 'expense') {
      result.netIncome -= change;
      continue;
    }
    const kind = cashFlowActivity(account);
    if (kind === undefined) {
      result.openingCash += sumOf(opening, account.id).netMinor;
      result.closingCash += sumOf(opening, account.id).netMinor + change;
      continue;
    }
    if (change === 0n) continue;
    // A balance-sheet account that rose on the debit side used cash (and vice versa).
    result.lines[kind].push({ account, amountMinor: -change });
    result.totals[kind] -= change;
  }
  result.totals.operating += result.netIncome;
  return result;
}

export function cashFlowStatement(header: StatementHeader, accounts: readonly ReportAccount[], opening: Sums, activity: Sums, period: Period, comparison?: { period: Period; opening: Sums; activity: Sums }): CashFlowStatement {
  const money = (minor: bigint) => formatMinor(minor, header.currency);
  const flow = computeCashFlow(accounts, opening, activity);
  const labels: Record<CashFlowActivity, string> = { operating: 'Operating activities', investing: 'Investing activities', financing: 'Financing activities' };
  const netChange = flow.totals.operating + flow.totals.investing + flow.totals.financing;
  const sections = (['operating', 'investing', 'financing'] as const).map((key) => ({
    key,
    label: labels[key],
    lines: [
      ...(key === 'operating' ? [{ accountId: 'net-income', code: '', name: 'Net income', amount: money(flow.netIncome) }] : []),
      ...flow.lines[key].map(({ account, amountMinor }) => ({ accountId: account.id, code: account.code, name: account.name, amount: money(amountMinor) })),
    ],
    total: money(flow.totals[key]),
  }));
  let compared: CashFlowStatement['comparison'];
  if (comparison) {
    const other = computeCashFlow(accounts, comparison.opening, comparison.activity);
    compared = {
      from: comparison.period.from,
      to: comparison.period.to,
      openingCash: money(other.openingCash),
      closingCash: money(other.closingCash),
      netIncome: money(other.netIncome),
      operating: money(other.totals.operating),
      investing: money(other.totals.investing),
      financing: money(other.totals.financing),
      netChange: money(other.totals.operating + other.totals.investing + other.totals.financing),
    };
  }
  return {
    ...header,
    from: period.from,
    to: period.to,
    openingCash: money(flow.openingCash),
    closingCash: money(flow.closingCash),
    netIncome: money(flow.netIncome),
    sections,
    netChange: money(netChange),
    reconciled: flow.openingCash + netChange === flow.closingCash,
    ...(compared ? { comparison: compared } : {}),
  };
}

export async function loadCashFlow(db: Knex, actor: Actor, entityId: string, query: { from: IsoDate; to: IsoDate; compare?: Comparison; currency?: string }): Promise<CashFlowStatement> {
  const scope = await entityScope(db, actor, entityId, query.currency);
  const previous = query.compare ? comparisonPeriod(query, query.compare) : undefined;
  const ranges = [{ to: addDays(query.from, -1) }, query, ...(previous ? [{ to: addDays(previous.from, -1) }, previous] : [])];
  const [opening, activity, previousOpening, previousActivity] = await sumRanges(db, scope.accounts.map((account) => account.id), ranges);
  return cashFlowStatement(scope, scope.accounts, opening!, activity!, query, previous ? { period: previous, opening: previousOpening!, activity: previousActivity! } : undefined);
}

export function cashFlowDocument(report: CashFlowStatement): ReportDocument {
  const rows: ReportRow[] = [];
  for (const section of report.sections) {
    rows.push({ cells: ['', section.label, ''], style: 'group' });
    for (const line of section.lines) rows.push({ cells: [line.code, line.name, line.amount] });
    rows.push({ cells: ['', `Net cash from ${section.key} activities`, section.total], style: 'total' });
  }
  rows.push({ cells: ['', 'Net change in cash', report.netChange], style: 'total' });
  const compare = report.comparison;
  return {
    title: 'Cash-flow statement',
    subject: report.entity.name,
    period: periodText(report.from, report.to),
    currency: report.currency,
    summary: [
      ['Cash at the start', report.openingCash],
      ['Net change in cash', report.netChange],
      ['Cash at the end', report.closingCash],
    ],
    tables: [
      { heading: 'Cash flows (indirect method)', columns: [{ label: 'Code', weight: 0.6 }, { label: 'Line', weight: 3.6 }, { label: 'Amount', align: 'right', weight: 1.2 }], rows },
      ...(compare
        ? [
            {
              heading: `Compared with ${periodText(compare.from, compare.to)}`,
              columns: [{ label: 'Measure', weight: 3 }, { label: periodText(report.from, report.to), align: 'right' as const, weight: 1.5 }, { label: periodText(compare.from, compare.to), align: 'right' as const, weight: 1.5 }],
              rows: [
                { cells: ['Cash at the start', report.openingCash, compare.openingCash] },
                { cells: ['Operating', report.sections[0]!.total, compare.operating] },
                { cells: ['Investing', report.sections[1]!.total, compare.investing] },
                { cells: ['Financing', report.sections[2]!.total, compare.financing] },
                { cells: ['Cash at the end', report.closingCash, compare.closingCash], style: 'total' as const },
              ],
            },
          ]
        : []),
    ],
    notes: [
      'Cash is checking, savings, money-market and cash accounts. Positive amounts bring cash in.',
      ...(report.otherCurrencies.length ? [`Accounts in ${report.otherCurrencies.join(', ')} are not included.`] : []),
    ],
  };
}
