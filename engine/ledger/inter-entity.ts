import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';
import { isUuid } from '../auth/actor.js';
import { AuditLog } from '../audit/audit-log.js';
import { Conflict, NotFound, RuleViolation, type FieldProblem } from '../errors.js';
import { formatMinor, MoneyError, parseMoney } from '../money/index.js';
import { ensurePairAccounts } from './entities.js';
import { directionFor, settledRole, transferPlan, type Direction, type PlannedLine } from './inter-entity-rules.js';
import { insertJournals, type JournalDraft, type PostingDraft } from './journal-store.js';
import { assertBookDate, loadJournalViews, reverseJournals, type JournalView } from './journals.js';
import { findAccount } from './scope.js';
import type { AccountRow, EntityRow, IsoDate, TransferKind } from './types.js';
import { intercompanyRoles, type PairRole } from './chart-of-accounts.js';
import { inRolledBackTransaction } from '../db/transaction.js';

export interface TransferRequest {
  kind: TransferKind;
  date: IsoDate;
  amount: string;
  /** Interest included in `amount` (loan repayments only). */
  interest?: string;
  fromAccountId: string;
  toAccountId: string;
  purpose: string;
  documentRef?: string;
  memo?: string;
}

/** Provenance set by the engine, never by the request body. */
export interface TransferProvenance {
  flowRunId?: string;
  approvedBy?: string;
}

export interface PairBalanceView {
  entityId: string;
  accountId: string;
  role: string;
  name: string;
  /** Debit-positive. */
  balance: string;
}

export interface TransferView {
  id: string;
  kind: TransferKind;
  date: IsoDate;
  amount: string;
  interest: string;
  currency: string;
  fromEntityId: string;
  toEntityId: string;
  fromAccountId: string;
  toAccountId: string;
  purpose: string;
  documentRef: string | null;
  approvedBy: string | null;
  flowRunId: string | null;
  fromJournalId: string;
  toJournalId: string;
  reversed: boolean;
  createdBy: string | null;
  createdAt: string;
}

export interface TransferDetail extends TransferView {
  journals: JournalView[];
  /** Intercompany balances between the two entities after this transfer, on both sides. */
  balances: PairBalanceView[];
  /** True when each receivable equals the matching payable on the other side. */
  reconciled: boolean;
}

export interface TransferListQuery {
  entityId?: string;
  kind?: TransferKind;
  from?: IsoDate;
  to?: IsoDate;
  limit: number;
  offset: number;
}

type ScopedAccount = AccountRow & { entity_kind: string };

export class InterEntityTransferService {
  constructor(private readonly audit: AuditLog) {}

  /**
   * One record and two journals (one per entity) in the caller's transaction: both or neither.
   */
  async record(trx: Knex.Transaction, actor: Actor, request: TransferRequest, provenance: TransferProvenance = {}): Promise<TransferDetail> {
    assertBookDate(request.date, '/date');
    const [fromAccount, toAccount] = await Promise.all([
      findAccountField(trx, actor, request.fromAccountId, '/fromAccountId'),
      findAccountField(trx, actor, request.toAccountId, '/toAccountId'),
    ]);
    if (fromAccount.entity_id === toAccount.entity_id) {
      throw new RuleViolation('both accounts belong to the same entity: post a journal instead', [
        { field: '/toAccountId', message: 'must belong to a different entity than fromAccountId', code: 'same_entity' },
      ]);
    }
    if (fromAccount.currency !== toAccount.currency) {
      throw new RuleViolation('the two accounts hold different currencies', [{ field: '/toAccountId', message: `must hold ${fromAccount.currency}`, code: 'currency_mismatch' }]);
    }
    const direction = directionFor(request.kind, fromAccount.entity_kind as EntityRow['kind'], toAccount.entity_kind as EntityRow['kind'], fromAccount, toAccount);
    const { amountMinor, interestMinor } = parseAmounts(request, fromAccount.currency);
    const entities = await trx<EntityRow>('entities').whereIn('id', [fromAccount.entity_id, toAccount.entity_id]);
    const fromEntity = entities.find((entity) => entity.id === fromAccount.entity_id)!;
    const toEntity = entities.find((entity) => entity.id === toAccount.entity_id)!;
    const [llc, owner] = direction === 'llc_to_owner' ? [fromEntity, toEntity] : [toEntity, fromEntity];
    await ensurePairAccounts(trx, llc, owner);
    const pairAccounts = await lockPairAccounts(trx, llc, owner, [fromAccount.id, toAccount.id]);
    assertWithinOutstanding(request.kind, direction, amountMinor - interestMinor, amountMinor, pairAccounts);

    const transferId = randomUUID();
    const parts = { amount: amountMinor, principal: amountMinor - interestMinor, interest: interestMinor };
    const plan = transferPlan(request.kind, direction);
    const memo = (request.memo ?? `${kindLabel[request.kind]}: ${request.purpose}`).slice(0, 500);
    const journalFor = (entity: EntityRow, lines: PlannedLine[]): JournalDraft => ({
      id: randomUUID(),
      entityId: entity.id,
      date: request.date,
      memo,
      payee: (entity.id === fromEntity.id ? toEntity : fromEntity).name,
      source: 'inter_entity',
      interEntityTransferId: transferId,
      flowRunId: provenance.flowRunId ?? null,
      createdBy: actor.userId,
      postings: postingsFor(lines, parts, fromAccount, toAccount, pairAccounts, entity.id),
    });
    const fromJournal = journalFor(fromEntity, plan.fromLines);
    const toJournal = journalFor(toEntity, plan.toLines);
    // The transfer row goes first: its foreign keys to the journals are deferred to commit.
    await trx('inter_entity_transfers').insert({
      id: transferId,
      household_id: actor.householdId,
      kind: request.kind,
      date: request.date,
      from_entity_id: fromEntity.id,
      to_entity_id: toEntity.id,
      from_account_id: fromAccount.id,
      to_account_id: toAccount.id,
      amount_minor: amountMinor.toString(),
      interest_minor: interestMinor.toString(),
      currency: fromAccount.currency,
      purpose: request.purpose.trim(),
      document_ref: request.documentRef ?? null,
      approved_by: provenance.approvedBy ?? null,
      flow_run_id: provenance.flowRunId ?? null,
      from_journal_id: fromJournal.id,
      to_journal_id: toJournal.id,
      created_by: actor.userId,
    });
    await insertJournals(trx, [fromJournal, toJournal]);
    const detail = await this.detail(trx, actor, transferId);
    await this.audit.record(trx, [
      { householdId: actor.householdId, actorUserId: actor.userId, action: 'inter_entity_transfer.create', resourceType: 'inter_entity_transfer', resourceId: transferId, after: detail },
    ]);
    return detail;
  }

  /**
   * Exactly what `record` would write, without keeping it: the same code runs in a transaction
   * that is always rolled back, after forcing the deferred checks (journals balance, transfer
   * row points at its journals) so a preview that succeeds is one a commit would accept. The
   * ids in the answer are never stored.
   */
  async preview(db: Knex, actor: Actor, request: TransferRequest): Promise<TransferDetail & { preview: true }> {
    return inRolledBackTransaction(db, async (trx) => {
      const detail = await this.record(trx, actor, request);
      await trx.raw('set constraints all immediate');
      return { ...detail, preview: true as const };
    });
  }

  async detail(db: Knex, actor: Actor, transferId: string): Promise<TransferDetail> {
    const row = isUuid(transferId) ? await transferQuery(db, actor.householdId).where('t.id', transferId).first() : undefined;
    if (!row) throw new NotFound('inter-entity transfer', transferId);
    const view = transferView(row);
    const journalIds: string[] = await db('journals').where({ inter_entity_transfer_id: view.id }).orderBy('seq').pluck('id');
    const balances = await pairBalances(db, view.fromEntityId, view.toEntityId);
    return { ...view, journals: await loadJournalViews(db, journalIds), balances, reconciled: isReconciled(balances) };
  }

  async list(db: Knex, actor: Actor, query: TransferListQuery): Promise<{ data: TransferView[]; total: number }> {
    const base = transferQuery(db, actor.householdId);
    if (query.entityId) {
      if (!isUuid(query.entityId)) return { data: [], total: 0 };
      base.andWhere((where) => where.where('t.from_entity_id', query.entityId!).orWhere('t.to_entity_id', query.entityId!));
    }
    if (query.kind) base.andWhere('t.kind', query.kind);
    if (query.from) base.andWhere('t.date', '>=', query.from);
    if (query.to) base.andWhere('t.date', '<=', query.to);
    const total = (await base.clone().clearSelect().count<{ total: bigint }[]>({ total: "*" }))[0]?.total ?? 0n;
    const rows = await base.orderBy([{ column: 't.date', order: 'desc' }, { column: 't.created_at', order: 'desc' }]).limit(query.limit).offset(query.offset);
    return { data: rows.map(transferView), total: Number(total) };
  }

  /** Reverses both journals of a transfer together; the record stays, marked reversed. */
  async reverse(trx: Knex.Transaction, actor: Actor, transferId: string, options: { date?: IsoDate; memo?: string }): Promise<TransferDetail> {
    const transfer = await this.detail(trx, actor, transferId);
    if (transfer.reversed) throw new Conflict(`inter-entity transfer ${transfer.id} was already reversed`, 'already_reversed');
    await reverseJournals(trx, actor, [transfer.fromJournalId, transfer.toJournalId], 'reversal', {
      ...options,
      memo: options.memo ?? `Reversal of ${kindLabel[transfer.kind].toLowerCase()}: ${transfer.purpose}`.slice(0, 500),
    });
    const detail = await this.detail(trx, actor, transferId);
    await this.audit.record(trx, [
      { householdId: actor.householdId, actorUserId: actor.userId, action: 'inter_entity_transfer.reverse', resourceType: 'inter_entity_transfer', resourceId: transferId, before: transfer, after: detail },
    ]);
    return detail;
  }
}

export const kindLabel: Record<TransferKind, string> = {
  owner_draw: 'Owner draw',
  capital_contribution: 'Capital contribution',
  member_loan: 'Member loan',
  loan_repayment: 'Loan repayment',
  reimbursement: 'Reimbursement',
  expense_paid_for: 'Expense paid on behalf',
};

async function findAccountField(db: Knex, actor: Actor, accountId: string, field: string): Promise<ScopedAccount> {
  try {
    return await findAccount(db, actor, accountId);
  } catch (error) {
    if (error instanceof NotFound) throw new RuleViolation(`account ${accountId} was not found`, [{ field, message: 'no such account in your household', code: 'unknown_account' }]);
    throw error;
  }
}

function parseAmounts(request: TransferRequest, currency: string): { amountMinor: bigint; interestMinor: bigint } {
  const problems: FieldProblem[] = [];
  const parse = (text: string, field: string): bigint => {
    try {
      return parseMoney(text, currency).amountMinor;
    } catch (error) {
      if (!(error instanceof MoneyError)) throw error;
      problems.push({ field, message: error.message, code: error.code });
      return 0n;
    }
  };
  const amountMinor = parse(request.amount, '/amount');
  const interestMinor = request.interest === undefined ? 0n : parse(request.interest, '/interest');
  if (problems.length === 0 && amountMinor <= 0n) problems.push({ field: '/amount', message: 'must be greater than zero', code: 'not_positive' });
  if (request.interest !== undefined && request.kind !== 'loan_repayment') {
    problems.push({ field: '/interest', message: 'only a loan repayment carries interest', code: 'interest_not_applicable' });
  }
  if (interestMinor < 0n) problems.push({ field: '/interest', message: 'must not be negative', code: 'negative' });
  if (amountMinor > 0n && interestMinor >= amountMinor) problems.push({ field: '/interest', message: 'must be less than the amount (the rest is principal)', code: 'interest_too_large' });
  if (problems.length > 0) throw new RuleViolation('invalid amounts', problems);
  return { amountMinor, interestMinor };
}

type PairAccounts = Map<string, AccountRow>;
const pairKey = (entityId: string, role: string) => `${entityId}:${role}`;

/**
 * Locks every account the transfer will post to — the pair's intercompany accounts and the two
 * bank accounts — in one statement, in id order (README, "Locks"), so two transfers, or a
 * transfer and a journal, can never hold one of them each while waiting for the other.
 */
async function lockPairAccounts(trx: Knex.Transaction, llc: EntityRow, owner: EntityRow, bankAccountIds: readonly string[]): Promise<PairAccounts> {
  const rows: AccountRow[] = await trx('accounts')
    .where((where) =>
      where
        .where({ entity_id: llc.id, counterparty_entity_id: owner.id })
        .orWhere({ entity_id: owner.id, counterparty_entity_id: llc.id })
        .orWhereIn('id', [...bankAccountIds]),
    )
    .orderBy('id')
    .forNoKeyUpdate();
  return new Map(rows.filter((row) => row.counterparty_entity_id !== null && row.role !== null).map((row) => [pairKey(row.entity_id, row.role!), row]));
}

/** A repayment cannot repay more than is owed; a reimbursement cannot settle more than is due. */
function assertWithinOutstanding(kind: TransferKind, direction: Direction, principalMinor: bigint, amountMinor: bigint, pairAccounts: PairAccounts): void {
  const role = settledRole(kind, direction);
  if (!role) return;
  const account = [...pairAccounts.values()].find((candidate) => candidate.role === role)!;
  const outstandingMinor = -account.balance_minor; // a liability: credit balances are negative
  const settlingMinor = kind === 'loan_repayment' ? principalMinor : amountMinor;
  if (settlingMinor > outstandingMinor) {
    const outstanding = formatMinor(outstandingMinor > 0n ? outstandingMinor : 0n, account.currency);
    const what = kind === 'loan_repayment' ? 'principal repaid' : 'reimbursement';
    throw new RuleViolation(`the ${what} exceeds what is owed (${account.name}: ${outstanding} ${account.currency})`, [
      { field: '/amount', message: `at most ${outstanding}${kind === 'loan_repayment' ? ' of principal' : ''} is outstanding`, code: 'exceeds_outstanding' },
    ]);
  }
}

function postingsFor(
  lines: PlannedLine[],
  parts: Record<'amount' | 'principal' | 'interest', bigint>,
  fromAccount: AccountRow,
  toAccount: AccountRow,
  pairAccounts: PairAccounts,
  entityId: string,
): PostingDraft[] {
  return lines
    .filter((line) => parts[line.part] !== 0n)
    .map((line) => {
      const account = 'account' in line ? (line.account === 'from' ? fromAccount : toAccount) : pairAccounts.get(pairKey(entityId, line.role));
      if (!account || account.entity_id !== entityId) throw new Error(`transfer plan line ${JSON.stringify(line)} has no account in entity ${entityId}`);
      return { accountId: account.id, amountMinor: BigInt(line.sign) * parts[line.part], currency: account.currency };
    });
}

function transferQuery(db: Knex, householdId: string) {
  return db('inter_entity_transfers as t')
    .where('t.household_id', householdId)
    .select('t.*', db.raw('exists (select 1 from journals r where r.reverses_journal_id = t.from_journal_id) as reversed'));
}

function transferView(row: Record<string, any>): TransferView {
  return {
    id: row.id,
    kind: row.kind,
    date: row.date,
    amount: formatMinor(row.amount_minor, row.currency),
    interest: formatMinor(row.interest_minor, row.currency),
    currency: row.currency,
    fromEntityId: row.from_entity_id,
    toEntityId: row.to_entity_id,
    fromAccountId: row.from_account_id,
    toAccountId: row.to_account_id,
    purpose: row.purpose,
    documentRef: row.document_ref,
    approvedBy: row.approved_by,
    flowRunId: row.flow_run_id,
    fromJournalId: row.from_journal_id,
    toJournalId: row.to_journal_id,
    reversed: row.reversed,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
  };
}

async function pairBalances(db: Knex, entityA: string, entityB: string): Promise<PairBalanceView[]> {
  const rows: AccountRow[] = await db('accounts')
    .where((where) => where.where({ entity_id: entityA, counterparty_entity_id: entityB }).orWhere({ entity_id: entityB, counterparty_entity_id: entityA }))
    .whereIn('role', intercompanyRoles as PairRole[])
    .orderBy(['entity_id', 'code']);
  return rows.map((row) => ({
    entityId: row.entity_id,
    accountId: row.id,
    role: row.role!,
    name: row.name,
    balance: formatMinor(row.balance_minor, row.currency),
  }));
}

/** Intercompany receivables and payables mirror each other: their debit-positive sum is zero. */
function isReconciled(balances: PairBalanceView[]): boolean {
  const byCurrencyTotal = balances.reduce((total, row) => total + BigInt(row.balance.replace('.', '')), 0n);
  return byCurrencyTotal === 0n;
}
