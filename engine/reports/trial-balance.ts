import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';
import type { AccountType, IsoDate } from '../ledger/types.js';
import { formatMinor } from '../money/index.js';
import { sumOf, sumRanges, type ReportAccount, type Sums } from './account-sums.js';
import { addDays, type Period } from './period.js';
import type { ReportDocument } from './report-document.js';
import { entityScope } from './report-scope.js';
import { periodText, type StatementHeader } from './statement.js';

/**
 * A period trial balance: per account the opening balance, the period's debits and credits,
 * and the closing balance split into debit and credit columns. Debits equal credits in the
 * period and at the close, or the books are broken.
 */
export interface TrialBalanceReportLine {
  accountId: string;
  code: string;
  name: string;
  type: AccountType;
  /** Debit-positive. */
  opening: string;
  debits: string;
  credits: string;
  /** Debit-positive. */
  closing: string;
  closingDebit: string;
  closingCredit: string;
}

export interface TrialBalanceReport extends StatementHeader {
  from: IsoDate;
  to: IsoDate;
  lines: TrialBalanceReportLine[];
  totals: { debits: string; credits: string; closingDebit: string; closingCredit: string };
  balanced: boolean;
}

export function trialBalanceReport(header: StatementHeader, accounts: readonly ReportAccount[], opening: Sums, activity: Sums, period: Period): TrialBalanceReport {
  const money = (minor: bigint) => formatMinor(minor, header.currency);
  let debits = 0n;
  let credits = 0n;
  let closingDebit = 0n;
  let closingCredit = 0n;
  const lines: TrialBalanceReportLine[] = [];
  for (const account of accounts) {
    const before = sumOf(opening, account.id);
    const during = sumOf(activity, account.id);
    const closing = before.netMinor + during.netMinor;
    if (before.postingCount === 0n && during.postingCount === 0n && closing === 0n) continue;
    debits += during.debitMinor;
    credits += during.creditMinor;
    if (closing > 0n) closingDebit += closing;
    else closingCredit -= closing;
    lines.push({
      accountId: account.id,
      code: account.code,
      name: account.name,
      type: account.type,
      opening: money(before.netMinor),
      debits: money(during.debitMinor),
      credits: money(during.creditMinor),
      closing: money(closing),
      closingDebit: money(closing > 0n ? closing : 0n),
      closingCredit: money(closing < 0n ? -closing : 0n),
    });
  }
  return {
    ...header,
    from: period.from,
    to: period.to,
    lines,
    totals: { debits: money(debits), credits: money(credits), closingDebit: money(closingDebit), closingCredit: money(closingCredit) },
    balanced: debits === credits && closingDebit === closingCredit,
  };
}

export async function loadTrialBalanceReport(db: Knex, actor: Actor, entityId: string, query: { from: IsoDate; to: IsoDate; currency?: string }): Promise<TrialBalanceReport> {
  const scope = await entityScope(db, actor, entityId, query.currency);
  const [opening, activity] = await sumRanges(db, scope.accounts.map((account) => account.id), [{ to: addDays(query.from, -1) }, query]);
  return trialBalanceReport(scope, scope.accounts, opening!, activity!, query);
}

export function trialBalanceDocument(report: TrialBalanceReport): ReportDocument {
  return {
    title: 'Trial balance',
    subject: report.entity.name,
    period: periodText(report.from, report.to),
    currency: report.currency,
    summary: [
      ['Debits in the period', report.totals.debits],
      ['Credits in the period', report.totals.credits],
      ['Closing debit balances', report.totals.closingDebit],
      ['Closing credit balances', report.totals.closingCredit],
    ],
    tables: [
      {
        columns: [
          { label: 'Code', weight: 0.6 },
          { label: 'Account', weight: 2.4 },
          { label: 'Opening', align: 'right' },
          { label: 'Debits', align: 'right' },
          { label: 'Credits', align: 'right' },
          { label: 'Closing debit', align: 'right' },
          { label: 'Closing credit', align: 'right' },
        ],
        rows: [
          ...report.lines.map((line) => ({ cells: [line.code, line.name, line.opening, line.debits, line.credits, line.closingDebit, line.closingCredit] })),
          { cells: ['', 'Total', '', report.totals.debits, report.totals.credits, report.totals.closingDebit, report.totals.closingCredit], style: 'total' as const },
        ],
      },
    ],
    notes: [
      report.balanced ? 'Debits equal credits.' : 'WARNING: debits and credits differ.',
      'Opening and closing balances are debit-positive.',
      ...(report.otherCurrencies.length ? [`Accounts in ${report.otherCurrencies.join(', ')} are not included.`] : []),
    ],
  };
}
