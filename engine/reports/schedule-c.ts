import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';
import type { IsoDate, TransferKind } from '../ledger/types.js';
import { formatMinor } from '../money/index.js';
import { sumOf, sumRanges, type ReportAccount, type Sums } from './account-sums.js';
import type { ReportDocument, ReportRow } from './report-document.js';
import { entityScope, requireLlc } from './report-scope.js';
import type { StatementHeader } from './statement.js';

/**
 * The LLC's profit and loss on IRS Schedule C (Form 1040) lines, for a calendar year. Only
 * income and expense accounts feed it: owner draws and contributions are equity and never
 * appear, which the summary of draws and contributions beside it makes visible. An income or
 * expense account without a line is still counted (line 6 or 27a) and listed as unmapped, so
 * nothing is lost and the owner sees what to map.
 */
export const scheduleCLines: readonly { line: string; label: string; part: 'I' | 'II' }[] = [
  { line: '1', label: 'Gross receipts or sales', part: 'I' },
  { line: '2', label: 'Returns and allowances', part: 'I' },
  { line: '6', label: 'Other income', part: 'I' },
  { line: '8', label: 'Advertising', part: 'II' },
  { line: '9', label: 'Car and truck expenses', part: 'II' },
  { line: '10', label: 'Commissions and fees', part: 'II' },
  { line: '11', label: 'Contract labor', part: 'II' },
  { line: '12', label: 'Depletion', part: 'II' },
  { line: '13', label: 'Depreciation and section 179 expense deduction', part: 'II' },
  { line: '14', label: 'Employee benefit programs', part: 'II' },
  { line: '15', label: 'Insurance (other than health)', part: 'II' },
  { line: '16a', label: 'Interest: mortgage (paid to banks, etc.)', part: 'II' },
  { line: '16b', label: 'Interest: other', part: 'II' },
  { line: '17', label: 'Legal and professional services', part: 'II' },
  { line: '18', label: 'Office expense', part: 'II' },
  { line: '19', label: 'Pension and profit-sharing plans', part: 'II' },
  { line: '20a', label: 'Rent or lease: vehicles, machinery, and equipment', part: 'II' },
  { line: '20b', label: 'Rent or lease: other business property', part: 'II' },
  { line: '21', label: 'Repairs and maintenance', part: 'II' },
  { line: '22', label: 'Supplies (not included in Part III)', part: 'II' },
  { line: '23', label: 'Taxes and licenses', part: 'II' },
  { line: '24a', label: 'Travel', part: 'II' },
  { line: '24b', label: 'Deductible meals', part: 'II' },
  { line: '25', label: 'Utilities', part: 'II' },
  { line: '26', label: 'Wages (less employment credits)', part: 'II' },
  { line: '27a', label: 'Other expenses (from line 48)', part: 'II' },
];

export interface ScheduleCLine {
  line: string;
  label: string;
  amount: string;
  accounts: { accountId: string; code: string; name: string; amount: string }[];
}

export interface DrawsAndContributions {
  contributions: string;
  draws: string;
  /** Contributions less draws. */
  net: string;
  transfers: { id: string; kind: TransferKind; date: IsoDate; amount: string; purpose: string; documentRef: string | null; reversed: boolean }[];
}

export interface ScheduleC extends StatementHeader {
  year: number;
  from: IsoDate;
  to: IsoDate;
  lines: ScheduleCLine[];
  totals: {
    /** Line 3: line 1 less line 2. */
    line3: string;
    /** Line 5: gross profit (no cost of goods sold is tracked, line 4 = 0). */
    line5: string;
    /** Line 7: gross income (line 5 + line 6). */
    line7: string;
    /** Line 28: total expenses. */
    line28: string;
    /** Line 29 = line 31 (no business use of home is tracked, line 30 = 0). */
    line29: string;
    line31: string;
  };
  unmappedAccounts: { accountId: string; code: string; name: string; amount: string; countedOn: string }[];
  drawsAndContributions: DrawsAndContributions;
}

/** Pure. `activity`: debit-positive sums of the year's postings. */
export function scheduleC(header: StatementHeader, accounts: readonly ReportAccount[], activity: Sums, year: number, draws: DrawsAndContributions): ScheduleC {
  const money = (minor: bigint) => formatMinor(minor, header.currency);
  const known = new Set(scheduleCLines.map((line) => line.line));
  const amounts = new Map<string, { minor: bigint; accounts: ScheduleCLine['accounts'] }>(scheduleCLines.map((line) => [line.line, { minor: 0n, accounts: [] }]));
  const unmapped: ScheduleC['unmappedAccounts'] = [];
  for (const account of accounts) {
    if (account.type !== 'income' && account.type !== 'expense') continue;
    const sum = sumOf(activity, account.id);
    const mapped = account.scheduleCLine && known.has(account.scheduleCLine) ? account.scheduleCLine : undefined;
    const line = mapped ?? (account.type === 'income' ? '6' : '27a');
    // Income lines read credit-positive; returns (line 2) and expenses debit-positive.
    const minor = account.type === 'income' && line !== '2' ? -sum.netMinor : sum.netMinor;
    if (sum.postingCount === 0n && minor === 0n) continue;
    const target = amounts.get(line)!;
    target.minor += minor;
    target.accounts.push({ accountId: account.id, code: account.code, name: account.name, amount: money(minor) });
    if (!mapped) unmapped.push({ accountId: account.id, code: account.code, name: account.name, amount: money(minor), countedOn: line });
  }
  const minorOf = (line: string) => amounts.get(line)!.minor;
  const line3 = minorOf('1') - minorOf('2');
  const line7 = line3 + minorOf('6');
  const line28 = scheduleCLines.filter((line) => line.part === 'II').reduce((total, line) => total + minorOf(line.line), 0n);
  const line29 = line7 - line28;
  return {
    ...header,
    year,
    from: `${year}-01-01`,
    to: `${year}-12-31`,
    lines: scheduleCLines.map((line) => ({ line: line.line, label: line.label, amount: money(minorOf(line.line)), accounts: amounts.get(line.line)!.accounts })),
    totals: { line3: money(line3), line5: money(line3), line7: money(line7), line28: money(line28), line29: money(line29), line31: money(line29) },
    unmappedAccounts: unmapped,
    drawsAndContributions: draws,
  };
}

/** Pure: totals of the year's draws and contributions (reversed ones listed, not counted). */
export function drawsAndContributions(transfers: DrawsAndContributions['transfers'], currency: string): DrawsAndContributions {
  let contributions = 0n;
  let draws = 0n;
  for (const transfer of transfers) {
    if (transfer.reversed) continue;
    const minor = BigInt(transfer.amount.replace('.', ''));
    if (transfer.kind === 'capital_contribution') contributions += minor;
    if (transfer.kind === 'owner_draw') draws += minor;
  }
  return { contributions: formatMinor(contributions, currency), draws: formatMinor(draws, currency), net: formatMinor(contributions - draws, currency), transfers };
}

export async function loadScheduleC(db: Knex, actor: Actor, entityId: string, year: number): Promise<ScheduleC> {
  const scope = await entityScope(db, actor, entityId);
  requireLlc(scope.entity, 'Schedule C export');
  const from = `${year}-01-01`;
  const to = `${year}-12-31`;
  const accounts = scope.accounts.filter((account) => account.type === 'income' || account.type === 'expense');
  const [activity] = await sumRanges(db, accounts.map((account) => account.id), [{ from, to }]);
  const rows = await db('inter_entity_transfers as t')
    .where('t.household_id', actor.householdId)
    .whereIn('t.kind', ['owner_draw', 'capital_contribution'])
    .where((where) => where.where('t.from_entity_id', scope.entity.id).orWhere('t.to_entity_id', scope.entity.id))
    .where('t.currency', scope.currency)
    .whereBetween('t.date', [from, to])
    .orderBy([{ column: 't.date' }, { column: 't.created_at' }])
    .select('t.id', 't.kind', 't.date', 't.amount_minor', 't.purpose', 't.document_ref', db.raw('exists (select 1 from journals r where r.reverses_journal_id = t.from_journal_id) as reversed'));
  const transfers = rows.map((row: Record<string, any>) => ({
    id: row.id,
    kind: row.kind,
    date: row.date,
    amount: formatMinor(row.amount_minor, scope.currency),
    purpose: row.purpose,
    documentRef: row.document_ref,
    reversed: row.reversed,
  }));
  return scheduleC(scope, accounts, activity!, year, drawsAndContributions(transfers, scope.currency));
}

export function scheduleCDocument(report: ScheduleC): ReportDocument {
  const part = (name: 'I' | 'II'): ReportRow[] =>
    report.lines
      .filter((line) => scheduleCLines.find((known) => known.line === line.line)!.part === name)
      .map((line) => ({ cells: [line.line, line.label, line.accounts.map((account) => `${account.code} ${account.name}`).join('; '), line.amount] }));
  const columns = [{ label: 'Line', weight: 0.5 }, { label: 'Description', weight: 2.6 }, { label: 'Accounts', weight: 2.4 }, { label: 'Amount', align: 'right' as const, weight: 1.1 }];
  return {
    title: `Schedule C (Form 1040), ${report.year}`,
    subject: report.entity.name,
    period: `${report.from} to ${report.to}`,
    currency: report.currency,
    summary: [
      ['Line 7, gross income', report.totals.line7],
      ['Line 28, total expenses', report.totals.line28],
      ['Line 31, net profit (loss)', report.totals.line31],
      ['Contributions by the owner (not income)', report.drawsAndContributions.contributions],
      ['Draws by the owner (not an expense)', report.drawsAndContributions.draws],
    ],
    tables: [
      {
        heading: 'Part I: Income',
        columns,
        rows: [
          ...part('I'),
          { cells: ['3', 'Line 1 less line 2', '', report.totals.line3] },
          { cells: ['5', 'Gross profit (no cost of goods sold tracked)', '', report.totals.line5] },
          { cells: ['7', 'Gross income', '', report.totals.line7], style: 'total' },
        ],
      },
      {
        heading: 'Part II: Expenses',
        columns,
        rows: [
          ...part('II'),
          { cells: ['28', 'Total expenses', '', report.totals.line28], style: 'total' },
          { cells: ['29', 'Tentative profit (loss)', '', report.totals.line29] },
          { cells: ['31', 'Net profit (loss)', '', report.totals.line31], style: 'total' },
        ],
      },
      {
        heading: 'Owner contributions and draws (equity; not on Schedule C)',
        columns: [{ label: 'Date', weight: 0.9 }, { label: 'Kind', weight: 1.3 }, { label: 'Purpose', weight: 2.6 }, { label: 'Document', weight: 1.6 }, { label: 'Amount', align: 'right' }],
        rows: [
          ...report.drawsAndContributions.transfers.map((transfer) => ({
            cells: [transfer.date, `${transfer.kind === 'owner_draw' ? 'Draw' : 'Contribution'}${transfer.reversed ? ' (reversed)' : ''}`, transfer.purpose, transfer.documentRef ?? '', transfer.amount],
          })),
          { cells: ['', 'Contributions', '', '', report.drawsAndContributions.contributions], style: 'total' },
          { cells: ['', 'Draws', '', '', report.drawsAndContributions.draws], style: 'total' },
        ],
      },
    ],
    notes: [
      'Owner draws and contributions are equity: they are neither income nor an expense of the LLC.',
      'Line 24b shows meals as booked; apply the 50% limit where it applies.',
      ...report.unmappedAccounts.map((account) => `Account ${account.code} ${account.name} has no Schedule C line; its ${account.amount} is counted on line ${account.countedOn}.`),
    ],
  };
}
