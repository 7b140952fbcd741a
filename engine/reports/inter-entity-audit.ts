import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';
import { intercompanyRoles, type PairRole } from '../ledger/chart-of-accounts.js';
import { kindLabel } from '../ledger/inter-entity.js';
import { listHouseholdEntities } from '../ledger/scope.js';
import type { IsoDate, TransferKind } from '../ledger/types.js';
import { formatMinor } from '../money/index.js';
import { sumOf, sumRanges, type ReportAccount, type Sums } from './account-sums.js';
import {
  dormantMemberLoans,
  drawsBelowZeroCapital,
  paidForOtherEntity,
  undocumentedTransfers,
  unrecordedBankTransfers,
  type CashMove,
  type CommingleFlag,
  type ExpensePayment,
  type FlagTransaction,
  type TransferFact,
} from './commingling.js';
import { cashSubtypes } from './cash-flow.js';
import { addDays, addMonths, type Period } from './period.js';
import type { ReportDocument, ReportRow } from './report-document.js';
import { entityScope, reportEntity, requireLlc, type ReportEntity } from './report-scope.js';
import { reportAccounts } from './account-sums.js';

/**
 * The inter-entity audit report: what an owner hands an accountant to show the LLC is really
 * separate. Every transfer between the LLC and its owner in the period with its paper trail;
 * subtotals per kind; the member-loan and due-to/due-from balances on both sides, day by day,
 * reconciled; the owner's capital roll-forward; and the commingling flags.
 */

export type Direction = 'llc_to_owner' | 'owner_to_llc';

export interface AuditTransfer {
  id: string;
  kind: TransferKind;
  kindLabel: string;
  direction: Direction;
  date: IsoDate;
  amount: string;
  interest: string;
  ownerEntityId: string;
  from: { entityId: string; entityName: string; accountId: string; accountName: string };
  to: { entityId: string; entityName: string; accountId: string; accountName: string };
  purpose: string;
  documentRef: string | null;
  approvedBy: { userId: string; email: string | null } | null;
  flowRunId: string | null;
  llcJournalId: string;
  ownerJournalId: string;
  reversed: boolean;
}

export interface KindSubtotal {
  kind: TransferKind;
  direction: Direction;
  count: number;
  amount: string;
  interest: string;
  reversedCount: number;
}

export interface IntercompanyRow {
  date: IsoDate;
  /** What the LLC owes the owner on the member loan (negative: the owner owes the LLC), per side's books. */
  memberLoan: { llcBooks: string; ownerBooks: string; reconciled: boolean };
  /** What the LLC owes the owner for expenses paid on its behalf (negative: the owner owes the LLC). */
  due: { llcBooks: string; ownerBooks: string; reconciled: boolean };
  journalIds: string[];
  transferIds: string[];
}

export interface OwnerPosition {
  ownerEntityId: string;
  ownerName: string;
  opening: IntercompanyRow;
  rows: IntercompanyRow[];
  closing: IntercompanyRow;
  reconciled: boolean;
}

export interface CapitalRollForward {
  opening: string;
  contributions: string;
  draws: string;
  netIncome: string;
  /** Other equity movements (opening balances, hand-posted equity). */
  other: string;
  closing: string;
  /** The closing figure equals the balance sheet's total equity at the end of the period. */
  reconciled: boolean;
}

export interface InterEntityAudit {
  entity: ReportEntity;
  currency: string;
  from: IsoDate;
  to: IsoDate;
  owners: { entityId: string; name: string }[];
  transfers: AuditTransfer[];
  subtotals: KindSubtotal[];
  positions: OwnerPosition[];
  capital: CapitalRollForward;
  flags: CommingleFlag[];
  settings: { dormantLoanMonths: number };
  summary: { transfers: number; flags: number; highSeverityFlags: number; reconciled: boolean };
}

// ---- Intercompany positions (pure) ---------------------------------------------------------

export interface PairPosting {
  date: IsoDate;
  seq: bigint;
  accountId: string;
  amountMinor: bigint;
  journalId: string;
  transferId: string | null;
}

type RoleBalances = Map<PairRole, bigint>;

function measures(llc: RoleBalances, owner: RoleBalances) {
  const get = (map: RoleBalances, role: PairRole) => map.get(role) ?? 0n;
  return {
    llcLoan: -(get(llc, 'loan_payable_member') + get(llc, 'loan_receivable_member')),
    ownerLoan: get(owner, 'loan_receivable_llc') + get(owner, 'loan_payable_llc'),
    llcDue: -(get(llc, 'due_to_owner') + get(llc, 'due_from_owner')),
    ownerDue: get(owner, 'due_from_llc') + get(owner, 'due_to_llc'),
  };
}

/**
 * The member loan and due-to/due-from as each side's books show them, after each day with
 * movement. The LLC's payable to the member must equal the member's receivable from the LLC;
 * a day where they differ is a mismatch (a hand-posted half, or a transfer reversed on one side).
 */
export function intercompanyPositions(pairAccounts: readonly ReportAccount[], llcId: string, opening: Sums, postings: readonly PairPosting[], openingDate: IsoDate, currency: string): { opening: IntercompanyRow; rows: IntercompanyRow[]; closing: IntercompanyRow } {
  const roleOf = new Map(pairAccounts.map((account) => [account.id, account]));
  const llc: RoleBalances = new Map();
  const owner: RoleBalances = new Map();
  for (const account of pairAccounts) {
    const target = account.entityId === llcId ? llc : owner;
    target.set(account.role as PairRole, (target.get(account.role as PairRole) ?? 0n) + sumOf(opening, account.id).netMinor);
  }
  const money = (minor: bigint) => formatMinor(minor, currency);
  const snapshot = (date: IsoDate, journalIds: string[], transferIds: string[]): IntercompanyRow => {
    const m = measures(llc, owner);
    return {
      date,
      memberLoan: { llcBooks: money(m.llcLoan), ownerBooks: money(m.ownerLoan), reconciled: m.llcLoan === m.ownerLoan },
      due: { llcBooks: money(m.llcDue), ownerBooks: money(m.ownerDue), reconciled: m.llcDue === m.ownerDue },
      journalIds,
      transferIds,
    };
  };
  const openingRow = snapshot(openingDate, [], []);
  const rows: IntercompanyRow[] = [];
  const sorted = [...postings].sort((a, b) => a.date.localeCompare(b.date) || (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
  for (let index = 0; index < sorted.length; ) {
    const date = sorted[index]!.date;
    const journals = new Set<string>();
    const transfers = new Set<string>();
    for (; index < sorted.length && sorted[index]!.date === date; index += 1) {
      const posting = sorted[index]!;
      const account = roleOf.get(posting.accountId);
      if (!account) continue;
      const target = account.entityId === llcId ? llc : owner;
      target.set(account.role as PairRole, (target.get(account.role as PairRole) ?? 0n) + posting.amountMinor);
      journals.add(posting.journalId);
      if (posting.transferId) transfers.add(posting.transferId);
    }
    rows.push(snapshot(date, [...journals], [...transfers]));
  }
  return { opening: openingRow, rows, closing: rows.at(-1) ?? openingRow };
}

// ---- Capital roll-forward (pure) -----------------------------------------------------------

/** Owner's capital = all LLC equity plus undistributed earnings (credit-positive). */
export function capitalRollForward(llcAccounts: readonly ReportAccount[], opening: Sums, activity: Sums, currency: string): CapitalRollForward & { openingMinor: bigint; closingMinor: bigint } {
  let openingMinor = 0n;
  let contributions = 0n;
  let draws = 0n;
  let netIncome = 0n;
  let other = 0n;
  let closingMinor = 0n;
  for (const account of llcAccounts) {
    if (account.type !== 'equity' && account.type !== 'income' && account.type !== 'expense') continue;
    const before = sumOf(opening, account.id).netMinor;
    const change = sumOf(activity, account.id).netMinor;
    openingMinor -= before;
    closingMinor -= before + change;
    if (account.type !== 'equity') netIncome -= change;
    else if (account.role === 'owners_capital') contributions -= change;
    else if (account.role === 'owners_draws') draws += change;
    else other -= change;
  }
  const money = (minor: bigint) => formatMinor(minor, currency);
  return {
    opening: money(openingMinor),
    contributions: money(contributions),
    draws: money(draws),
    netIncome: money(netIncome),
    other: money(other),
    closing: money(closingMinor),
    reconciled: openingMinor + contributions - draws + netIncome + other === closingMinor,
    openingMinor,
    closingMinor,
  };
}

// ---- Subtotals (pure) ----------------------------------------------------------------------

export function kindSubtotals(transfers: readonly AuditTransfer[], currency: string): KindSubtotal[] {
  const totals = new Map<string, { kind: TransferKind; direction: Direction; count: number; amount: bigint; interest: bigint; reversedCount: number }>();
  const minor = (text: string) => BigInt(text.replace('.', ''));
  for (const transfer of transfers) {
    const key = `${transfer.kind}|${transfer.direction}`;
    const total = totals.get(key) ?? { kind: transfer.kind, direction: transfer.direction, count: 0, amount: 0n, interest: 0n, reversedCount: 0 };
    if (transfer.reversed) total.reversedCount += 1;
    else {
      total.count += 1;
      total.amount += minor(transfer.amount);
      total.interest += minor(transfer.interest);
    }
    totals.set(key, total);
  }
  return [...totals.values()]
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.direction.localeCompare(b.direction))
    .map((total) => ({ ...total, amount: formatMinor(total.amount, currency), interest: formatMinor(total.interest, currency) }));
}

// ---- Database shell ------------------------------------------------------------------------

export const defaultDormantLoanMonths = 6;
/** How far back the vendor history reaches when matching payments across entities. */
const vendorHistoryMonths = 12;

export async function loadInterEntityAudit(db: Knex, actor: Actor, entityId: string, query: Period & { dormantLoanMonths?: number }): Promise<InterEntityAudit> {
  const scope = await entityScope(db, actor, entityId);
  requireLlc(scope.entity, 'inter-entity audit report');
  const llc = scope.entity;
  const currency = scope.currency;
  const dormantLoanMonths = query.dormantLoanMonths ?? defaultDormantLoanMonths;
  const owners = (await listHouseholdEntities(db, actor.householdId)).filter((entity) => entity.kind === 'personal').map(reportEntity);
  const ownerIds = owners.map((owner) => owner.id);
  const allAccounts = (await reportAccounts(db, [llc.id, ...ownerIds])).filter((account) => account.currency === currency);
  const accountById = new Map(allAccounts.map((account) => [account.id, account]));
  const entityName = new Map([llc, ...owners].map((entity) => [entity.id, entity.name]));

  // Transfers: those of the period for the report, all up to `to` for the loan history.
  const transferRows: Record<string, any>[] = await db('inter_entity_transfers as t')
    .leftJoin('users as u', 'u.id', 't.approved_by')
    .where('t.household_id', actor.householdId)
    .where((where) => where.where('t.from_entity_id', llc.id).orWhere('t.to_entity_id', llc.id))
    .where('t.currency', currency)
    .where('t.date', '<=', query.to)
    .orderBy([{ column: 't.date' }, { column: 't.created_at' }])
    .select('t.*', 'u.email as approver_email', db.raw('exists (select 1 from journals r where r.reverses_journal_id = t.from_journal_id) as reversed'));
  const facts: TransferFact[] = transferRows.map((row) => ({
    id: row.id,
    kind: row.kind,
    date: row.date,
    amountMinor: row.amount_minor,
    fromEntityId: row.from_entity_id,
    toEntityId: row.to_entity_id,
    purpose: row.purpose,
    documentRef: row.document_ref,
    reversed: row.reversed,
    fromJournalId: row.from_journal_id,
    toJournalId: row.to_journal_id,
  }));
  const inPeriod = (date: IsoDate) => date >= query.from && date <= query.to;
  const transfers: AuditTransfer[] = transferRows
    .filter((row) => inPeriod(row.date))
    .map((row) => {
      const llcPays = row.from_entity_id === llc.id;
      const side = (entity: string, account: string) => ({ entityId: entity, entityName: entityName.get(entity) ?? '', accountId: account, accountName: accountById.get(account)?.name ?? '' });
      return {
        id: row.id,
        kind: row.kind,
        kindLabel: kindLabel[row.kind as TransferKind],
        direction: llcPays ? 'llc_to_owner' : 'owner_to_llc',
        date: row.date,
        amount: formatMinor(row.amount_minor, currency),
        interest: formatMinor(row.interest_minor, currency),
        ownerEntityId: llcPays ? row.to_entity_id : row.from_entity_id,
        from: side(row.from_entity_id, row.from_account_id),
        to: side(row.to_entity_id, row.to_account_id),
        purpose: row.purpose,
        documentRef: row.document_ref,
        approvedBy: row.approved_by ? { userId: row.approved_by, email: row.approver_email ?? null } : null,
        flowRunId: row.flow_run_id,
        llcJournalId: llcPays ? row.from_journal_id : row.to_journal_id,
        ownerJournalId: llcPays ? row.to_journal_id : row.from_journal_id,
        reversed: row.reversed,
      };
    });

  // Intercompany positions per owner.
  const pairRoles = new Set<string>(intercompanyRoles as readonly PairRole[]);
  const pairAccounts = allAccounts.filter((account) => account.role !== null && pairRoles.has(account.role) && account.counterpartyEntityId !== null);
  const llcAccounts = allAccounts.filter((account) => account.entityId === llc.id);
  const capitalAccounts = llcAccounts.filter((account) => account.type === 'equity' || account.type === 'income' || account.type === 'expense');
  const openingDate = addDays(query.from, -1);
  const sumIds = [...new Set([...pairAccounts, ...capitalAccounts].map((account) => account.id))];
  const [openingSums, periodSums, closingSums] = await sumRanges(db, sumIds, [{ to: openingDate }, query, { to: query.to }]);
  const pairPostings: PairPosting[] = pairAccounts.length
    ? (
        await db('postings as p')
          .join('journals as j', 'j.id', 'p.journal_id')
          .whereIn('p.account_id', pairAccounts.map((account) => account.id))
          .whereBetween('p.date', [query.from, query.to])
          .select('p.date', 'j.seq', 'p.account_id', 'p.amount_minor', 'p.journal_id', 'j.inter_entity_transfer_id')
      ).map((row: Record<string, any>) => ({ date: row.date, seq: row.seq, accountId: row.account_id, amountMinor: row.amount_minor, journalId: row.journal_id, transferId: row.inter_entity_transfer_id }))
    : [];
  const positions: OwnerPosition[] = owners.map((owner) => {
    const accounts = pairAccounts.filter((account) => (account.entityId === llc.id && account.counterpartyEntityId === owner.id) || (account.entityId === owner.id && account.counterpartyEntityId === llc.id));
    const ids = new Set(accounts.map((account) => account.id));
    const result = intercompanyPositions(accounts, llc.id, openingSums!, pairPostings.filter((posting) => ids.has(posting.accountId)), openingDate, currency);
    const reconciled = [result.opening, ...result.rows].every((row) => row.memberLoan.reconciled && row.due.reconciled);
    return { ownerEntityId: owner.id, ownerName: owner.name, ...result, reconciled };
  });

  const capital = capitalRollForward(capitalAccounts, openingSums!, periodSums!, currency);
  const { openingMinor, closingMinor, ...capitalView } = capital;
  const equityNow = -capitalAccounts.reduce((total, account) => total + sumOf(closingSums!, account.id).netMinor, 0n);
  capitalView.reconciled &&= equityNow === closingMinor;

  // ---- Flags ----
  const flags: CommingleFlag[] = [];
  const ownerEntityIds = new Set(ownerIds);
  const periodFacts = facts.filter((fact) => inPeriod(fact.date));
  flags.push(...undocumentedTransfers(periodFacts, llc.id, currency));

  const dailyCapital: { date: IsoDate; change_minor: bigint }[] = capitalAccounts.length
    ? await db('postings')
        .whereIn('account_id', capitalAccounts.map((account) => account.id))
        .whereBetween('date', [query.from, query.to])
        .groupBy('date')
        .select('date', db.raw('(-sum(amount_minor))::bigint as change_minor'))
    : [];
  flags.push(...drawsBelowZeroCapital(openingMinor, dailyCapital.map((row) => ({ date: row.date, changeMinor: row.change_minor })), periodFacts, llc.id, currency));

  for (const owner of owners) {
    const position = positions.find((candidate) => candidate.ownerEntityId === owner.id)!;
    const owedMinor = BigInt(position.closing.memberLoan.llcBooks.replace('.', ''));
    const loanFacts = facts.filter((fact) => (fact.kind === 'member_loan' || fact.kind === 'loan_repayment') && (fact.fromEntityId === owner.id || fact.toEntityId === owner.id));
    flags.push(...dormantMemberLoans(loanFacts, { ownerOwedMinor: owedMinor > 0n ? owedMinor : 0n, llcOwedMinor: owedMinor < 0n ? -owedMinor : 0n }, query.to, dormantLoanMonths, llc.id, currency));
    if (!position.reconciled) {
      const unmatched = pairPostings.filter((posting) => posting.transferId === null && accountById.get(posting.accountId) !== undefined && (accountById.get(posting.accountId)!.entityId === owner.id || accountById.get(posting.accountId)!.counterpartyEntityId === owner.id));
      const firstBad = [position.opening, ...position.rows].find((row) => !row.memberLoan.reconciled || !row.due.reconciled)!;
      flags.push({
        code: 'intercompany_mismatch',
        severity: 'high',
        message: `From ${firstBad.date} the LLC's books and ${owner.name}'s books disagree on what they owe each other (member loan: ${firstBad.memberLoan.llcBooks} vs ${firstBad.memberLoan.ownerBooks}; due: ${firstBad.due.llcBooks} vs ${firstBad.due.ownerBooks}).`,
        transactions: unmatched.map((posting) => ({ entityId: accountById.get(posting.accountId)!.entityId, journalId: posting.journalId, transferId: null, date: posting.date, amount: formatMinor(posting.amountMinor, currency), payee: null, memo: accountById.get(posting.accountId)!.name })),
      });
    }
  }

  const expenseIds = allAccounts.filter((account) => account.type === 'expense').map((account) => account.id);
  const cashIds = allAccounts.filter((account) => (cashSubtypes as readonly string[]).includes(account.subtype)).map((account) => account.id);
  const payments = await loadExpensePayments(db, expenseIds, addMonths(query.from, -vendorHistoryMonths), query.to);
  flags.push(...paidForOtherEntity(payments, facts, llc.id, query, currency));
  const moves = await loadCashMoves(db, cashIds, addDays(query.from, -3), addDays(query.to, 3));
  flags.push(...unrecordedBankTransfers(moves.filter((move) => move.entityId === llc.id || ownerEntityIds.has(move.entityId)), entityName, query, currency).filter((flag) => flag.transactions.some((row) => row.entityId === llc.id)));

  const flagOrder = ['high', 'medium'];
  flags.sort((a, b) => flagOrder.indexOf(a.severity) - flagOrder.indexOf(b.severity) || (a.transactions[0]?.date ?? '').localeCompare(b.transactions[0]?.date ?? ''));
  const reconciled = positions.every((position) => position.reconciled) && capitalView.reconciled;
  return {
    entity: llc,
    currency,
    from: query.from,
    to: query.to,
    owners: owners.map((owner) => ({ entityId: owner.id, name: owner.name })),
    transfers,
    subtotals: kindSubtotals(transfers, currency),
    positions,
    capital: capitalView,
    flags,
    settings: { dormantLoanMonths },
    summary: { transfers: transfers.length, flags: flags.length, highSeverityFlags: flags.filter((flag) => flag.severity === 'high').length, reconciled },
  };
}

const cashOrCard = [...cashSubtypes, 'credit_card'];

/** Expenses paid from cash or a card, with a payee, outside inter-entity transfers and reversals (through the (account_id, date) index). */
async function loadExpensePayments(db: Knex, expenseAccountIds: string[], from: IsoDate, to: IsoDate): Promise<ExpensePayment[]> {
  if (expenseAccountIds.length === 0) return [];
  const { rows } = await db.raw<{ rows: { entity_id: string; journal_id: string; date: IsoDate; payee: string; memo: string; amount_minor: bigint }[] }>(
    `select p.entity_id, p.journal_id, p.date, j.payee, j.memo, sum(p.amount_minor)::bigint as amount_minor
       from postings p
       join journals j on j.id = p.journal_id
      where p.account_id = any(?::uuid[]) and p.date between ? and ?
        and j.payee is not null and j.inter_entity_transfer_id is null and j.reverses_journal_id is null
        and not exists (select 1 from journals r where r.reverses_journal_id = j.id)
        and exists (select 1 from postings q join accounts qa on qa.id = q.account_id
                     where q.journal_id = j.id and q.amount_minor < 0 and qa.subtype = any(?::text[]))
      group by p.entity_id, p.journal_id, p.date, j.payee, j.memo
     having sum(p.amount_minor) > 0`,
    [expenseAccountIds, from, to, cashOrCard],
  );
  return rows.map((row) => ({ entityId: row.entity_id, journalId: row.journal_id, date: row.date, payee: row.payee, memo: row.memo, amountMinor: row.amount_minor }));
}

/** Postings to cash accounts in journals that are not transfers, reversals or internal moves. */
async function loadCashMoves(db: Knex, cashAccountIds: string[], from: IsoDate, to: IsoDate): Promise<CashMove[]> {
  if (cashAccountIds.length === 0) return [];
  const { rows } = await db.raw<{ rows: { entity_id: string; journal_id: string; date: IsoDate; amount_minor: bigint; payee: string | null; memo: string; non_operating: boolean }[] }>(
    `select p.entity_id, p.journal_id, p.date, sum(p.amount_minor)::bigint as amount_minor, j.payee, j.memo,
            bool_or(exists (select 1 from postings q join accounts qa on qa.id = q.account_id
                             where q.journal_id = j.id and qa.type in ('asset', 'liability', 'equity') and not (qa.subtype = any(?::text[])))) as non_operating
       from postings p
       join journals j on j.id = p.journal_id
      where p.account_id = any(?::uuid[]) and p.date between ? and ?
        and j.inter_entity_transfer_id is null and j.reverses_journal_id is null
        and not exists (select 1 from journals r where r.reverses_journal_id = j.id)
        and exists (select 1 from postings q join accounts qa on qa.id = q.account_id
                     where q.journal_id = j.id and not (qa.subtype = any(?::text[])))
      group by p.entity_id, p.journal_id, p.date, j.payee, j.memo
     having sum(p.amount_minor) <> 0`,
    [cashOrCard, cashAccountIds, from, to, cashOrCard],
  );
  return rows.map((row) => ({ entityId: row.entity_id, journalId: row.journal_id, date: row.date, amountMinor: row.amount_minor, payee: row.payee, memo: row.memo, nonOperatingCounter: row.non_operating }));
}

// ---- Paper ---------------------------------------------------------------------------------

export function interEntityAuditDocument(report: InterEntityAudit): ReportDocument {
  const flagRows: ReportRow[] = [];
  for (const flag of report.flags) {
    flagRows.push({ cells: [flag.severity.toUpperCase(), flag.code.replace(/_/g, ' '), flag.message, ''], style: 'group' });
    for (const row of flag.transactions) flagRows.push({ cells: ['', row.date, describeTransaction(row, report), row.amount] });
  }
  const positionRows: ReportRow[] = report.positions.flatMap((position) => [
    { cells: [position.ownerName, '', '', '', '', ''], style: 'group' as const },
    ...[position.opening, ...position.rows].map((row, index) => ({
      cells: [index === 0 ? `${row.date} (opening)` : row.date, row.memberLoan.llcBooks, row.memberLoan.ownerBooks, row.due.llcBooks, row.due.ownerBooks, row.memberLoan.reconciled && row.due.reconciled ? 'yes' : 'MISMATCH'],
    })),
  ]);
  return {
    title: 'Inter-entity audit report',
    subject: report.entity.name,
    period: `${report.from} to ${report.to}`,
    currency: report.currency,
    summary: [
      ['Transfers between the LLC and its owner', String(report.summary.transfers)],
      ['Commingling flags', `${report.summary.flags} (${report.summary.highSeverityFlags} high)`],
      ['Intercompany balances and capital reconciled', report.summary.reconciled ? 'yes' : 'NO'],
      ["Owner's capital at the end", report.capital.closing],
    ],
    tables: [
      {
        heading: 'Transfers',
        columns: [
          { label: 'Date', weight: 0.9 },
          { label: 'Kind', weight: 1.1 },
          { label: 'From', weight: 1.6 },
          { label: 'To', weight: 1.6 },
          { label: 'Purpose', weight: 2 },
          { label: 'Document', weight: 1.2 },
          { label: 'Approved / flow', weight: 1 },
          { label: 'Amount', align: 'right', weight: 1 },
        ],
        rows: report.transfers.map((transfer) => ({
          cells: [
            transfer.date,
            `${transfer.kindLabel}${transfer.reversed ? ' (reversed)' : ''}`,
            `${transfer.from.entityName}: ${transfer.from.accountName}`,
            `${transfer.to.entityName}: ${transfer.to.accountName}`,
            transfer.purpose,
            transfer.documentRef ?? '—',
            [transfer.approvedBy ? (transfer.approvedBy.email ?? transfer.approvedBy.userId) : '', transfer.flowRunId ? `flow run ${transfer.flowRunId.slice(0, 8)}` : ''].filter(Boolean).join(', ') || '—',
            transfer.amount,
          ],
        })),
      },
      {
        heading: 'Journals of each transfer',
        columns: [{ label: 'Date', weight: 0.9 }, { label: 'Transfer', weight: 2.4 }, { label: 'LLC journal', weight: 2.4 }, { label: 'Owner journal', weight: 2.4 }],
        rows: report.transfers.map((transfer) => ({ cells: [transfer.date, transfer.id, transfer.llcJournalId, transfer.ownerJournalId] })),
      },
      {
        heading: 'Subtotals by kind',
        columns: [{ label: 'Kind', weight: 1.6 }, { label: 'Direction', weight: 1.4 }, { label: 'Count', align: 'right', weight: 0.6 }, { label: 'Reversed', align: 'right', weight: 0.7 }, { label: 'Interest', align: 'right' }, { label: 'Amount', align: 'right' }],
        rows: report.subtotals.map((total) => ({ cells: [kindLabel[total.kind], total.direction === 'llc_to_owner' ? 'LLC to owner' : 'Owner to LLC', String(total.count), String(total.reversedCount), total.interest, total.amount] })),
      },
      {
        heading: 'Member loan and due to/from, both sides (positive: the LLC owes the owner)',
        columns: [{ label: 'Date', weight: 1.3 }, { label: 'Loan, LLC books', align: 'right' }, { label: 'Loan, owner books', align: 'right' }, { label: 'Due, LLC books', align: 'right' }, { label: 'Due, owner books', align: 'right' }, { label: 'Reconciled', weight: 0.8 }],
        rows: positionRows,
      },
      {
        heading: "Owner's capital roll-forward",
        columns: [{ label: 'Line', weight: 3 }, { label: 'Amount', align: 'right' }],
        rows: [
          { cells: ['Opening capital', report.capital.opening] },
          { cells: ['Plus contributions', report.capital.contributions] },
          { cells: ['Less draws', report.capital.draws] },
          { cells: ['Plus net income', report.capital.netIncome] },
          { cells: ['Plus other equity movements', report.capital.other] },
          { cells: ['Closing capital', report.capital.closing], style: 'total' },
        ],
      },
      {
        heading: 'Commingling flags',
        columns: [{ label: 'Severity', weight: 0.8 }, { label: 'Flag / date', weight: 1.4 }, { label: 'Detail', weight: 5 }, { label: 'Amount', align: 'right', weight: 1 }],
        rows: flagRows.length ? flagRows : [{ cells: ['', 'none', 'No commingling patterns found in this period.', ''] }],
      },
    ],
    notes: [
      `A member loan is flagged when it has been outstanding with no repayment for more than ${report.settings.dormantLoanMonths} months.`,
      report.capital.reconciled ? "The closing capital equals the LLC balance sheet's total equity." : "WARNING: the closing capital does not equal the balance sheet's total equity.",
    ],
  };
}

function describeTransaction(row: FlagTransaction, report: InterEntityAudit): string {
  const entity = row.entityId === report.entity.id ? report.entity.name : (report.owners.find((owner) => owner.entityId === row.entityId)?.name ?? '');
  const what = [row.payee, row.memo].filter(Boolean).join(' — ');
  return `${entity}: ${what}${row.transferId ? ` (transfer ${row.transferId.slice(0, 8)})` : row.journalId ? ` (journal ${row.journalId.slice(0, 8)})` : ''}`;
}
