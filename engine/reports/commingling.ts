import type { IsoDate, TransferKind } from '../ledger/types.js';
import { formatMinor } from '../money/index.js';
import { addMonths, daysBetween } from './period.js';

/**
 * Commingling flags: the patterns a court or an auditor reads as "the LLC is not really
 * separate from its owner" (LEDGER.md). Each detector is a pure function over rows the audit
 * report loads, and each flag names the offending transactions. Postings to another entity's
 * account are impossible in Sluice, so the detectors look for the traces commingling leaves in
 * each entity's own books.
 */

export type FlagCode =
  | 'personal_paid_llc_expense'
  | 'llc_paid_personal_expense'
  | 'unrecorded_bank_transfer'
  | 'transfer_missing_purpose'
  | 'transfer_missing_document'
  | 'dormant_member_loan'
  | 'draw_made_capital_negative'
  | 'intercompany_mismatch';

export interface FlagTransaction {
  entityId: string;
  journalId: string | null;
  transferId: string | null;
  date: IsoDate;
  /** Debit-positive for a journal line; the transfer amount for a transfer. */
  amount: string;
  payee: string | null;
  memo: string | null;
}

export interface CommingleFlag {
  code: FlagCode;
  severity: 'high' | 'medium';
  message: string;
  transactions: FlagTransaction[];
}

/** An expense paid from a cash account or card, in one entity's own books. */
export interface ExpensePayment {
  entityId: string;
  journalId: string;
  date: IsoDate;
  payee: string;
  memo: string;
  amountMinor: bigint;
}

/** A transfer as the detectors see it. */
export interface TransferFact {
  id: string;
  kind: TransferKind;
  date: IsoDate;
  amountMinor: bigint;
  fromEntityId: string;
  toEntityId: string;
  purpose: string;
  documentRef: string | null;
  reversed: boolean;
  fromJournalId: string;
  toJournalId: string;
}

export const normalisePayee = (payee: string): string => payee.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();

/** How far apart a payment and the transfer that documents it may be. */
export const paidForMatchDays = 60;

/**
 * A payment in one entity's books to a vendor the other entity pays (more often, or first), for
 * exactly the amount the other entity pays it — the owner's card paying the LLC's Adobe subscription, or the LLC's
 * card paying the owner's Netflix — with no expense-paid-for or reimbursement transfer of that
 * amount between them within `paidForMatchDays`.
 */
export function paidForOtherEntity(
  payments: readonly ExpensePayment[],
  transfers: readonly TransferFact[],
  llcId: string,
  period: { from: IsoDate; to: IsoDate },
  currency: string,
): CommingleFlag[] {
  const vendorAmounts = new Map<string, Map<string, ExpensePayment[]>>(); // entity -> "payee|amount" -> payments
  for (const payment of payments) {
    const key = `${normalisePayee(payment.payee)}|${payment.amountMinor}`;
    const perEntity = vendorAmounts.get(payment.entityId) ?? new Map<string, ExpensePayment[]>();
    perEntity.set(key, [...(perEntity.get(key) ?? []), payment]);
    vendorAmounts.set(payment.entityId, perEntity);
  }
  const documented = (payment: ExpensePayment) =>
    transfers.some(
      (transfer) =>
        !transfer.reversed &&
        (transfer.kind === 'expense_paid_for' || transfer.kind === 'reimbursement') &&
        transfer.amountMinor === payment.amountMinor &&
        Math.abs(daysBetween(payment.date, transfer.date)) <= paidForMatchDays &&
        (transfer.fromEntityId === payment.entityId || transfer.toEntityId === payment.entityId),
    );
  // The vendor (at that amount) belongs to the entity that pays it most often (ties: the first
  // to pay it); payments to it from the other side are the suspects.
  const homeOf = new Map<string, string>();
  for (const [entityId, perEntity] of vendorAmounts) {
    for (const [key, rows] of perEntity) {
      const current = homeOf.get(key);
      const currentRows = current ? vendorAmounts.get(current)!.get(key)! : undefined;
      const first = (list: ExpensePayment[]) => list.reduce((earliest, row) => (row.date < earliest ? row.date : earliest), '9999-12-31');
      if (!currentRows || rows.length > currentRows.length || (rows.length === currentRows.length && first(rows) < first(currentRows))) homeOf.set(key, entityId);
    }
  }
  const flags: CommingleFlag[] = [];
  for (const payment of payments) {
    if (payment.date < period.from || payment.date > period.to) continue;
    const key = `${normalisePayee(payment.payee)}|${payment.amountMinor}`;
    const home = homeOf.get(key);
    if (home === undefined || home === payment.entityId || (home !== llcId && payment.entityId !== llcId)) continue;
    const homePayments = vendorAmounts.get(home)!.get(key)!;
    if (documented(payment)) continue;
    const byLlc = payment.entityId === llcId;
    const amount = formatMinor(payment.amountMinor, currency);
    flags.push({
      code: byLlc ? 'llc_paid_personal_expense' : 'personal_paid_llc_expense',
      severity: 'high',
      message: byLlc
        ? `The LLC paid ${payment.payee} ${amount} on ${payment.date}, a payment the owner makes personally, with no expense-paid-for or reimbursement record.`
        : `The owner paid ${payment.payee} ${amount} on ${payment.date} personally — the LLC pays this vendor the same amount — with no expense-paid-for or reimbursement record.`,
      transactions: [payment, ...homePayments.slice(0, 3)].map((row) => ({ entityId: row.entityId, journalId: row.journalId, transferId: null, date: row.date, amount: formatMinor(row.amountMinor, currency), payee: row.payee, memo: row.memo })),
    });
  }
  return flags;
}

/** A posting to a checking/savings/cash account in a journal that is not an inter-entity transfer. */
export interface CashMove {
  entityId: string;
  journalId: string;
  date: IsoDate;
  /** Debit-positive: money in is positive. */
  amountMinor: bigint;
  payee: string | null;
  memo: string;
  /** Some other posting of the journal is to an asset, liability or equity account that is not cash or a card. */
  nonOperatingCounter: boolean;
}

/** How far apart the two sides of one bank transfer may be booked. */
export const bankTransferMatchDays = 3;

/**
 * Money leaving one entity's bank account and the same amount arriving in the other entity's
 * within `bankTransferMatchDays`, neither side an inter-entity transfer — when something says
 * it was a transfer: a memo or payee naming the other entity or saying "transfer", or a side
 * booked against a balance-sheet account (e.g. opening balance, a loan) rather than income or
 * an expense. Internal moves (all postings on one entity's cash and cards) never count.
 */
export function unrecordedBankTransfers(moves: readonly CashMove[], entityNames: ReadonlyMap<string, string>, period: { from: IsoDate; to: IsoDate }, currency: string): CommingleFlag[] {
  const flags: CommingleFlag[] = [];
  const used = new Set<string>();
  const mentions = (move: CashMove, otherEntityId: string) => {
    const text = `${move.payee ?? ''} ${move.memo}`.toLowerCase();
    const other = entityNames.get(otherEntityId)?.toLowerCase();
    return /\btransfer/.test(text) || (other !== undefined && other.length > 0 && text.includes(other));
  };
  const outgoing = moves.filter((move) => move.amountMinor < 0n).sort((a, b) => a.date.localeCompare(b.date));
  for (const out of outgoing) {
    if (out.date < period.from || out.date > period.to) continue;
    const match = moves.find(
      (candidate) =>
        candidate.amountMinor === -out.amountMinor &&
        candidate.entityId !== out.entityId &&
        !used.has(candidate.journalId) &&
        Math.abs(daysBetween(out.date, candidate.date)) <= bankTransferMatchDays &&
        (mentions(out, candidate.entityId) || mentions(candidate, out.entityId) || out.nonOperatingCounter || candidate.nonOperatingCounter),
    );
    if (!match || used.has(out.journalId)) continue;
    used.add(out.journalId);
    used.add(match.journalId);
    const amount = formatMinor(-out.amountMinor, currency);
    flags.push({
      code: 'unrecorded_bank_transfer',
      severity: 'high',
      message: `${amount} left ${entityNames.get(out.entityId) ?? 'one entity'} on ${out.date} and arrived at ${entityNames.get(match.entityId) ?? 'the other'} on ${match.date} with no inter-entity transfer record (draw, contribution, loan...).`,
      transactions: [out, match].map((move) => ({ entityId: move.entityId, journalId: move.journalId, transferId: null, date: move.date, amount: formatMinor(move.amountMinor, currency), payee: move.payee, memo: move.memo })),
    });
  }
  return flags;
}

/** Purposes that say nothing about why the money moved. */
const placeholderPurposes = new Set(['transfer', 'misc', 'miscellaneous', 'n/a', 'na', 'none', 'tbd', 'todo', 'test', 'xxx', 'money', 'payment', 'draw', 'loan', 'owner draw', 'contribution', '...', '-']);

export function isPlaceholderPurpose(purpose: string): boolean {
  const text = purpose.trim().toLowerCase().replace(/[.!]+$/, '');
  return text.length < 3 || placeholderPurposes.has(text);
}

/** Every inter-entity transfer needs a purpose that says why and a document (agreement, receipt, resolution). */
export function undocumentedTransfers(transfers: readonly TransferFact[], llcId: string, currency: string): CommingleFlag[] {
  const flags: CommingleFlag[] = [];
  for (const transfer of transfers) {
    if (transfer.reversed) continue;
    const row: FlagTransaction = { entityId: llcId, journalId: transfer.fromEntityId === llcId ? transfer.fromJournalId : transfer.toJournalId, transferId: transfer.id, date: transfer.date, amount: formatMinor(transfer.amountMinor, currency), payee: null, memo: transfer.purpose };
    if (isPlaceholderPurpose(transfer.purpose)) {
      flags.push({ code: 'transfer_missing_purpose', severity: 'medium', message: `The ${transfer.kind.replace(/_/g, ' ')} of ${row.amount} on ${transfer.date} has no real purpose ("${transfer.purpose}").`, transactions: [row] });
    }
    if (!transfer.documentRef || transfer.documentRef.trim() === '') {
      flags.push({ code: 'transfer_missing_document', severity: 'medium', message: `The ${transfer.kind.replace(/_/g, ' ')} of ${row.amount} on ${transfer.date} has no document (agreement, resolution, receipt).`, transactions: [row] });
    }
  }
  return flags;
}

/**
 * A member loan (either way) with an outstanding balance and no repayment for `months`
 * months before the end of the period: the IRS and courts expect loans between related parties
 * to be repaid on a plan.
 */
export function dormantMemberLoans(
  loanTransfers: readonly TransferFact[],
  outstanding: { ownerOwedMinor: bigint; llcOwedMinor: bigint },
  asOf: IsoDate,
  months: number,
  llcId: string,
  currency: string,
): CommingleFlag[] {
  const flags: CommingleFlag[] = [];
  const cutoff = addMonths(asOf, -months);
  const sides: { lender: 'owner' | 'llc'; outstandingMinor: bigint }[] = [
    { lender: 'owner', outstandingMinor: outstanding.ownerOwedMinor },
    { lender: 'llc', outstandingMinor: outstanding.llcOwedMinor },
  ];
  for (const side of sides) {
    if (side.outstandingMinor <= 0n) continue;
    // Owner lends: member_loan owner→LLC, repaid LLC→owner. The LLC lends: the other way round.
    const lentBy = (transfer: TransferFact) => (side.lender === 'owner' ? transfer.toEntityId === llcId : transfer.fromEntityId === llcId);
    const loans = loanTransfers.filter((transfer) => !transfer.reversed && transfer.date <= asOf && (transfer.kind === 'member_loan' ? lentBy(transfer) : transfer.kind === 'loan_repayment' && !lentBy(transfer)));
    if (loans.length === 0) continue;
    const repayments = loans.filter((transfer) => transfer.kind === 'loan_repayment');
    const lastActivity = (repayments.length ? repayments : loans).reduce((latest, transfer) => (transfer.date > latest ? transfer.date : latest), '0000-00-00');
    if (lastActivity > cutoff) continue;
    const amount = formatMinor(side.outstandingMinor, currency);
    flags.push({
      code: 'dormant_member_loan',
      severity: 'medium',
      message: `${side.lender === 'owner' ? 'The member loan to the LLC' : 'The LLC’s loan to its member'} has ${amount} outstanding and ${repayments.length ? `no repayment since ${lastActivity}` : 'never been repaid'} — more than ${months} months before ${asOf}.`,
      transactions: loans.map((transfer) => ({ entityId: llcId, journalId: transfer.fromEntityId === llcId ? transfer.fromJournalId : transfer.toJournalId, transferId: transfer.id, date: transfer.date, amount: formatMinor(transfer.amountMinor, currency), payee: null, memo: transfer.purpose })),
    });
  }
  return flags;
}

/**
 * Owner's capital day by day (credit-positive: equity plus undistributed earnings), and each
 * draw after which it is negative — the owner took out more than was put in and earned.
 */
export function drawsBelowZeroCapital(openingCapitalMinor: bigint, dailyChanges: readonly { date: IsoDate; changeMinor: bigint }[], draws: readonly TransferFact[], llcId: string, currency: string): CommingleFlag[] {
  const byDate = new Map<IsoDate, bigint>();
  for (const change of dailyChanges) byDate.set(change.date, (byDate.get(change.date) ?? 0n) + change.changeMinor);
  const dates = [...byDate.keys()].sort();
  const flags: CommingleFlag[] = [];
  const ordered = draws.filter((draw) => draw.kind === 'owner_draw' && !draw.reversed).sort((a, b) => a.date.localeCompare(b.date));
  let capital = openingCapitalMinor;
  let index = 0;
  for (const draw of ordered) {
    while (index < dates.length && dates[index]! <= draw.date) capital += byDate.get(dates[index++]!)!;
    if (capital >= 0n) continue;
    const amount = formatMinor(draw.amountMinor, currency);
    flags.push({
      code: 'draw_made_capital_negative',
      severity: 'high',
      message: `The owner draw of ${amount} on ${draw.date} left owner's capital at ${formatMinor(capital, currency)}: more was drawn than contributed and earned.`,
      transactions: [{ entityId: llcId, journalId: draw.fromJournalId, transferId: draw.id, date: draw.date, amount, payee: null, memo: draw.purpose }],
    });
  }
  return flags;
}
