/**
 * `/transactions/sync` into the books.
 *
 * Fetch: page from the item's stored cursor until `has_more` is false. Transient failures retry
 * with backoff; TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION restarts the whole loop from the
 * first cursor (Plaid's restart rule). Nothing is written while paging.
 *
 * Apply: one database transaction for every page plus the new cursor, so a sync is applied
 * whole or not at all. Added transactions post (bank account vs Uncategorized), pending ones are
 * kept aside until they post, modified ones are reversed and re-posted with a revision row,
 * removed ones are reversed. A transfer a flow already posted is matched instead of posted again.
 * Each Plaid transaction id is stored once (unique index), so it posts once, ever.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { RemovedTransaction, Transaction, TransactionsSyncResponse, AccountBase } from 'plaid';
import { AuditLog } from '../audit/audit-log.js';
import { insertJournals, type JournalDraft } from '../ledger/journal-store.js';
import type { AccountRow, EntityRow } from '../ledger/types.js';
import { currencyExponent, isSupportedCurrency } from '../money/index.js';
import type { FieldCipher } from '../security/field-encryption.js';
import { addDaysIso, bankJournalDraft, ensureUncategorizedAccount, reversalDrafts } from './ledger-accounts.js';
import { defaultRetryPolicy, PlaidFailure, toPlaidFailure, withRetry, type PlaidGateway, type RetryPolicy } from './plaid-gateway.js';
import { matchPlannedTransfers, plannedTransferWindowDays, unclaimedPlannedPostings } from './reconcile.js';
import { inTransaction } from '../db/transaction.js';
import { insertBankTransactions } from './transactions.js';

export interface SyncOptions {
  /** Transactions per /transactions/sync page (Plaid allows 1-500). */
  syncPageSize: number;
  /** Restarts of the whole loop after TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION. */
  syncRestartsMax: number;
  /** Pages in one sync; beyond this something is wrong (a cursor loop), and the sync stops. */
  syncPagesMax: number;
  retry: RetryPolicy;
}

export const defaultSyncOptions: SyncOptions = { syncPageSize: 500, syncRestartsMax: 8, syncPagesMax: 2_000, retry: defaultRetryPolicy };

export type SyncTrigger = 'manual' | 'webhook' | 'daily' | 'link' | 'repair';

export interface SyncOutcome {
  itemId: string;
  status: 'synced' | 'login_required' | 'failed' | 'skipped';
  trigger: SyncTrigger;
  added: number;
  pending: number;
  matched: number;
  modified: number;
  removed: number;
  unlinked: number;
  pages: number;
  restarts: number;
  retries: number;
  openingBalancesPosted: number;
  error?: { code: string; message: string };
  durationMs: number;
}

export interface BankItemRow {
  id: string;
  household_id: string;
  plaid_item_id: string;
  institution_name: string | null;
  access_token_ciphertext: string;
  sync_cursor: string | null;
  status: 'active' | 'login_required' | 'error' | 'removed';
  created_by: string | null;
}

interface LinkedAccount {
  id: string;
  plaid_account_id: string;
  plaid_type: string;
  entity_id: string;
  ledger_account_id: string;
  currency: string;
  ledger_type: AccountRow['type'];
  opened_at: Date | null;
  entity: Pick<EntityRow, 'id' | 'kind' | 'base_currency'>;
  uncategorizedId: string;
  openingAccountId: string | null;
}

interface ExistingRow {
  id: string;
  external_id: string;
  status: 'pending' | 'posted' | 'matched' | 'removed' | 'undone';
  journal_id: string | null;
  amount_minor: bigint;
  date: string;
  ledger_account_id: string;
  entity_id: string;
  bank_account_id: string;
  category_account_id: string | null;
  currency: string;
  payee: string | null;
  memo: string | null;
}

/** The fields of a Plaid transaction the books use; pages are slimmed as they arrive (memory). */
type SyncedTransaction = Pick<Transaction, 'transaction_id' | 'account_id' | 'amount' | 'iso_currency_code' | 'date' | 'name' | 'merchant_name' | 'pending' | 'pending_transaction_id'>;

interface SyncPage {
  added: SyncedTransaction[];
  modified: SyncedTransaction[];
  removed: RemovedTransaction[];
  accounts: AccountBase[];
}

function slim(txn: Transaction): SyncedTransaction {
  return { transaction_id: txn.transaction_id, account_id: txn.account_id, amount: txn.amount, iso_currency_code: txn.iso_currency_code, date: txn.date, name: txn.name, merchant_name: txn.merchant_name ?? null, pending: txn.pending, pending_transaction_id: txn.pending_transaction_id ?? null };
}

function slimPage(page: TransactionsSyncResponse, keepAccounts: boolean): SyncPage {
  return { added: page.added.map(slim), modified: page.modified.map(slim), removed: page.removed.map((entry) => ({ transaction_id: entry.transaction_id, account_id: entry.account_id })), accounts: keepAccounts ? page.accounts : [] };
}

/** Where the cursor moved under us (another process synced): fetch again from the new one. */
class CursorMoved extends Error {}

export const itemTokenAad = (itemId: string) => `bank_item:${itemId}`;

/** Plaid's amount (a JSON number, + = money out) in minor units of the currency. */
export function plaidAmountMinor(amount: number, currency: string): bigint {
  const exponent = currencyExponent(currency);
  return BigInt(Math.round(amount * 10 ** exponent));
}

/** The bank's balance in the ledger's sign: what is owed on a card or loan is a credit. */
export function ledgerSignBalance(plaidType: string, currentMinor: bigint): bigint {
  return plaidType === 'credit' || plaidType === 'loan' ? -currentMinor : currentMinor;
}

export class BankSyncService {
  private readonly inFlight = new Map<string, Promise<SyncOutcome>>();

  constructor(
    private readonly db: Knex,
    private readonly gateway: PlaidGateway,
    private readonly cipher: FieldCipher,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
    options: SyncOptions = defaultSyncOptions,
  ) {
    this.options = { ...options, retry: { ...options.retry } };
  }

  /** Per instance (tests shorten the backoff). */
  readonly options: SyncOptions;

  /** Single-flight per item within this process; across processes the item row lock decides. */
  syncItem(itemId: string, trigger: SyncTrigger): Promise<SyncOutcome> {
    const running = this.inFlight.get(itemId);
    if (running) return running;
    const promise = this.run(itemId, trigger).finally(() => this.inFlight.delete(itemId));
    this.inFlight.set(itemId, promise);
    return promise;
  }

  /** Resolves when no sync is running in this process (tests, shutdown). */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }

  /** The daily job: every item that can sync. */
  async syncAll(trigger: SyncTrigger = 'daily'): Promise<SyncOutcome[]> {
    const ids = await this.db('bank_items').where({ status: 'active' }).pluck('id');
    const outcomes: SyncOutcome[] = [];
    for (const id of ids) outcomes.push(await this.syncItem(id, trigger));
    return outcomes;
  }

  private async run(itemId: string, trigger: SyncTrigger): Promise<SyncOutcome> {
    const started = Date.now();
    const outcome: SyncOutcome = { itemId, status: 'synced', trigger, added: 0, pending: 0, matched: 0, modified: 0, removed: 0, unlinked: 0, pages: 0, restarts: 0, retries: 0, openingBalancesPosted: 0, durationMs: 0 };
    const item = await this.db<BankItemRow>('bank_items').where({ id: itemId }).first();
    if (!item || item.status === 'removed') return { ...outcome, status: 'skipped', durationMs: Date.now() - started };
    await this.db('bank_items').where({ id: itemId }).update({ last_attempt_at: new Date() });
    const accessToken = this.cipher.decrypt(item.access_token_ciphertext, itemTokenAad(item.id));
    let cursor = item.sync_cursor ?? '';
    try {
      for (let attempt = 0; ; attempt += 1) {
        const fetched = await this.fetchAll(accessToken, cursor, outcome);
        try {
          await inTransaction(this.db, (trx) => this.apply(trx, item, cursor, fetched, outcome));
          break;
        } catch (error) {
          const duplicate = (error as { code?: string }).code === '23505';
          if (!(error instanceof CursorMoved || duplicate) || attempt >= this.options.syncRestartsMax) throw error;
          // Another sync of this item committed first: start again from what it stored.
          outcome.restarts += 1;
          cursor = (await this.db<BankItemRow>('bank_items').where({ id: itemId }).first('sync_cursor'))?.sync_cursor ?? '';
          resetCounts(outcome);
        }
      }
    } catch (error) {
      const failure = error instanceof PlaidFailure ? error : isPlaidError(error) ? toPlaidFailure(error) : undefined;
      if (!failure) throw error;
      outcome.status = failure.kind === 'login_required' ? 'login_required' : 'failed';
      outcome.error = { code: failure.errorCode, message: failure.displayMessage ?? failure.message };
      await this.recordFailure(item, failure);
      this.logger.warn({ itemId, code: failure.errorCode, kind: failure.kind, requestId: failure.requestId }, 'bank sync failed');
    }
    outcome.durationMs = Date.now() - started;
    if (outcome.status === 'synced') this.logger.info({ itemId, trigger, added: outcome.added, modified: outcome.modified, removed: outcome.removed, pages: outcome.pages, restarts: outcome.restarts }, 'bank sync applied');
    return outcome;
  }

  private async fetchAll(accessToken: string, startCursor: string, outcome: SyncOutcome): Promise<{ pages: SyncPage[]; nextCursor: string }> {
    const client = this.gateway.client;
    for (let restart = 0; ; restart += 1) {
      const pages: SyncPage[] = [];
      let cursor = startCursor;
      try {
        for (;;) {
          if (pages.length >= this.options.syncPagesMax) {
            throw new PlaidFailure('permanent', null, 'SLUICE', 'SYNC_PAGES_EXCEEDED', `more than ${this.options.syncPagesMax} pages in one sync`, null, null);
          }
          const page = await withRetry(
            () => client.transactionsSync({ access_token: accessToken, ...(cursor ? { cursor } : {}), count: this.options.syncPageSize }),
            this.options.retry,
            () => void (outcome.retries += 1),
          );
          // Balances come from the last page; the others keep only what the books use.
          pages.push(slimPage(page.data, !page.data.has_more));
          outcome.pages += 1;
          cursor = page.data.next_cursor;
          if (!page.data.has_more) return { pages, nextCursor: cursor };
        }
      } catch (error) {
        const failure = toPlaidFailure(error);
        if (failure.kind !== 'mutation_during_pagination' || restart >= this.options.syncRestartsMax) throw failure;
        outcome.restarts += 1;
      }
    }
  }

  private async linkedAccounts(trx: Knex.Transaction, itemId: string): Promise<Map<string, LinkedAccount>> {
    const rows = await trx('bank_accounts as b')
      .join('accounts as a', 'a.id', 'b.ledger_account_id')
      .join('entities as e', 'e.id', 'b.entity_id')
      .where('b.item_id', itemId)
      .select('b.id', 'b.plaid_account_id', 'b.plaid_type', 'b.entity_id', 'b.ledger_account_id', 'a.currency', 'a.type as ledger_type', 'b.opened_at', 'e.kind', 'e.base_currency');
    const linked = new Map<string, LinkedAccount>();
    for (const row of rows) {
      const entity = { id: row.entity_id, kind: row.kind, base_currency: row.base_currency.trim() };
      const currency = row.currency.trim();
      const uncategorized = await ensureUncategorizedAccount(trx, entity, currency);
      const opening = await trx('accounts').where({ entity_id: row.entity_id, role: 'opening_balance', currency }).first('id');
      linked.set(row.plaid_account_id, { ...row, currency, entity, uncategorizedId: uncategorized.id, openingAccountId: opening?.id ?? null });
    }
    return linked;
  }

  private async apply(trx: Knex.Transaction, item: BankItemRow, startCursor: string, fetched: { pages: SyncPage[]; nextCursor: string }, outcome: SyncOutcome): Promise<void> {
    const locked = await trx<BankItemRow>('bank_items').where({ id: item.id }).forUpdate().first('sync_cursor', 'status');
    if ((locked?.sync_cursor ?? '') !== startCursor) throw new CursorMoved();
    resetCounts(outcome);
    const linked = await this.linkedAccounts(trx, item.id);
    const createdBy = item.created_by;

    // The latest word on each transaction across the pages (later pages win).
    const latest = new Map<string, { kind: 'upsert'; txn: SyncedTransaction } | { kind: 'removed'; removed: RemovedTransaction }>();
    for (const page of fetched.pages) {
      for (const txn of page.added) latest.set(txn.transaction_id, { kind: 'upsert', txn });
      for (const txn of page.modified) latest.set(txn.transaction_id, { kind: 'upsert', txn });
      for (const removed of page.removed) latest.set(removed.transaction_id, { kind: 'removed', removed });
    }
    const ids = [...latest.keys()];
    const existing = new Map<string, ExistingRow>();
    for (let start = 0; start < ids.length; start += 20_000) {
      const rows = await trx.raw(
        `select id, external_id, status, journal_id, amount_minor, date::text as date, ledger_account_id, entity_id, bank_account_id,
                category_account_id, currency, payee, memo
           from bank_transactions where source = 'plaid' and external_id = any(?::text[])`,
        [ids.slice(start, start + 20_000)],
      );
      for (const row of rows.rows as ExistingRow[]) existing.set(row.external_id, { ...row, currency: row.currency.trim() });
    }

    const drafts: JournalDraft[] = [];
    const newRows: Record<string, unknown>[] = [];
    const newPosted: { key: string; ledgerAccountId: string; amountMinor: bigint; date: string; rowIndex: number; draft: JournalDraft }[] = [];
    const updates: { id: string; values: Record<string, unknown> }[] = [];
    const revisions: Record<string, unknown>[] = [];
    const toReverse: { rowId: string; journalId: string; revision: Record<string, unknown> }[] = [];

    const describe = (txn: SyncedTransaction) => ({ payee: (txn.merchant_name ?? txn.name ?? '').slice(0, 200) || null, memo: (txn.name ?? '').slice(0, 500) || null });
    const snapshot = (row: Pick<ExistingRow, 'status' | 'amount_minor' | 'date' | 'payee'>) => ({ status: row.status, amountMinor: row.amount_minor.toString(), date: row.date, payee: row.payee });

    for (const [id, change] of latest) {
      const row = existing.get(id);
      if (change.kind === 'removed') {
        if (!row || row.status === 'removed' || row.status === 'undone') continue;
        if (row.status === 'posted' && row.journal_id) {
          toReverse.push({ rowId: row.id, journalId: row.journal_id, revision: { bank_transaction_id: row.id, change: 'removed', before: snapshot(row), after: { status: 'removed' } } });
        } else if (row.status === 'matched') {
          // The flow's transfer stays (the user planned it); the books follow the bank.
          const account = [...linked.values()].find((candidate) => candidate.ledger_account_id === row.ledger_account_id);
          if (account) {
            const correction = bankJournalDraft({ entityId: row.entity_id, bankLedgerAccountId: row.ledger_account_id, counterAccountId: account.uncategorizedId, date: row.date, ledgerAmountMinor: -row.amount_minor, currency: row.currency, payee: row.payee, memo: `Bank removed a transaction matched to a planned transfer: ${row.memo ?? ''}`, source: 'bank', createdBy });
            drafts.push(correction);
            revisions.push({ bank_transaction_id: row.id, change: 'removed', before: snapshot(row), after: { status: 'removed' }, correction_journal_id: correction.id });
          }
        }
        updates.push({ id: row.id, values: { status: 'removed' } });
        outcome.removed += 1;
        continue;
      }
      const txn = change.txn;
      const account = linked.get(txn.account_id);
      if (!account) {
        outcome.unlinked += 1;
        continue;
      }
      const currency = txn.iso_currency_code ?? account.currency;
      if (!isSupportedCurrency(currency) || currency !== account.currency) {
        outcome.unlinked += 1;
        this.logger.warn({ itemId: item.id, currency }, 'bank transaction in a currency other than its account skipped');
        continue;
      }
      const ledgerAmount = -plaidAmountMinor(txn.amount, currency);
      const { payee, memo } = describe(txn);
      if (!row) {
        const base = {
          household_id: item.household_id,
          entity_id: account.entity_id,
          ledger_account_id: account.ledger_account_id,
          source: 'plaid',
          bank_account_id: account.id,
          external_id: txn.transaction_id,
          pending_transaction_id: txn.pending_transaction_id ?? null,
          date: txn.date,
          amount_minor: ledgerAmount.toString(),
          currency,
          payee,
          memo,
        };
        if (txn.pending || ledgerAmount === 0n) {
          newRows.push({ ...base, status: 'pending', journal_id: null });
          outcome.pending += 1;
        } else {
          const draft = bankJournalDraft({ entityId: account.entity_id, bankLedgerAccountId: account.ledger_account_id, counterAccountId: account.uncategorizedId, date: txn.date, ledgerAmountMinor: ledgerAmount, currency, payee, memo: memo ?? '', source: 'bank', createdBy });
          newPosted.push({ key: txn.transaction_id, ledgerAccountId: account.ledger_account_id, amountMinor: ledgerAmount, date: txn.date, rowIndex: newRows.length, draft });
          newRows.push({ ...base, status: 'posted', journal_id: draft.id });
        }
        continue;
      }
      if (row.status === 'removed' || row.status === 'undone') continue;
      const amountChanged = row.amount_minor !== ledgerAmount;
      const dateChanged = row.date !== txn.date;
      const textChanged = row.payee !== payee || row.memo !== memo;
      if (row.status === 'pending') {
        if (txn.pending || ledgerAmount === 0n) {
          if (amountChanged || dateChanged || textChanged) updates.push({ id: row.id, values: { amount_minor: ledgerAmount.toString(), date: txn.date, payee, memo } });
        } else {
          const draft = bankJournalDraft({ entityId: row.entity_id, bankLedgerAccountId: row.ledger_account_id, counterAccountId: row.category_account_id ?? account.uncategorizedId, date: txn.date, ledgerAmountMinor: ledgerAmount, currency, payee, memo: memo ?? '', source: 'bank', createdBy });
          drafts.push(draft);
          updates.push({ id: row.id, values: { status: 'posted', journal_id: draft.id, amount_minor: ledgerAmount.toString(), date: txn.date, payee, memo } });
          revisions.push({ bank_transaction_id: row.id, change: 'posted_from_pending', before: snapshot(row), after: { status: 'posted', amountMinor: ledgerAmount.toString(), date: txn.date }, correction_journal_id: draft.id });
          outcome.added += 1;
        }
        continue;
      }
      if (!amountChanged && !dateChanged && !textChanged) continue;
      outcome.modified += 1;
      const after = { status: row.status, amountMinor: ledgerAmount.toString(), date: txn.date, payee };
      if (row.status === 'posted' && (amountChanged || dateChanged) && ledgerAmount === 0n) {
        // Corrected to nothing: the books drop it.
        toReverse.push({ rowId: row.id, journalId: row.journal_id!, revision: { bank_transaction_id: row.id, change: 'modified', before: snapshot(row), after } });
        updates.push({ id: row.id, values: { status: 'removed', amount_minor: '0', date: txn.date, payee, memo } });
      } else if (row.status === 'posted' && (amountChanged || dateChanged)) {
        const correction = bankJournalDraft({ entityId: row.entity_id, bankLedgerAccountId: row.ledger_account_id, counterAccountId: row.category_account_id ?? account.uncategorizedId, date: txn.date, ledgerAmountMinor: ledgerAmount, currency, payee, memo: memo ?? '', source: 'bank', createdBy });
        drafts.push(correction);
        toReverse.push({ rowId: row.id, journalId: row.journal_id!, revision: { bank_transaction_id: row.id, change: 'modified', before: snapshot(row), after, correction_journal_id: correction.id } });
        updates.push({ id: row.id, values: { journal_id: correction.id, amount_minor: ledgerAmount.toString(), date: txn.date, payee, memo } });
      } else if (row.status === 'matched' && amountChanged) {
        const difference = bankJournalDraft({ entityId: row.entity_id, bankLedgerAccountId: row.ledger_account_id, counterAccountId: account.uncategorizedId, date: txn.date, ledgerAmountMinor: ledgerAmount - row.amount_minor, currency, payee, memo: `Bank corrected a matched transfer: ${memo ?? ''}`, source: 'bank', createdBy });
        drafts.push(difference);
        revisions.push({ bank_transaction_id: row.id, change: 'modified', before: snapshot(row), after, correction_journal_id: difference.id });
        updates.push({ id: row.id, values: { amount_minor: ledgerAmount.toString(), date: txn.date, payee, memo } });
      } else {
        revisions.push({ bank_transaction_id: row.id, change: 'modified', before: snapshot(row), after });
        updates.push({ id: row.id, values: { amount_minor: ledgerAmount.toString(), date: txn.date, payee, memo } });
      }
    }

    // Planned transfers already in the books are matched rather than posted twice.
    if (newPosted.length > 0) {
      const dates = newPosted.map((entry) => entry.date).sort();
      const planned = await unclaimedPlannedPostings(trx, [...new Set(newPosted.map((entry) => entry.ledgerAccountId))], addDaysIso(dates[0]!, -plannedTransferWindowDays), addDaysIso(dates.at(-1)!, plannedTransferWindowDays));
      const matches = planned.length > 0 ? matchPlannedTransfers(newPosted, planned) : new Map<string, string>();
      for (const entry of newPosted) {
        const journalId = matches.get(entry.key);
        if (journalId) {
          newRows[entry.rowIndex] = { ...newRows[entry.rowIndex], status: 'matched', journal_id: journalId };
          outcome.matched += 1;
        } else {
          drafts.push(entry.draft);
          outcome.added += 1;
        }
      }
    }

    const reversals = await reversalDrafts(trx, toReverse.map((entry) => entry.journalId), 'bank', createdBy);
    drafts.push(...reversals.values());
    // Journals first: bank rows and revisions refer to them.
    await insertJournals(trx, drafts);
    await insertBankTransactions(trx, newRows);
    for (const update of updates) await trx('bank_transactions').where({ id: update.id }).update({ ...update.values, updated_at: trx.fn.now() });
    for (const entry of toReverse) revisions.push({ ...entry.revision, reversal_journal_id: reversals.get(entry.journalId)!.id });
    for (let start = 0; start < revisions.length; start += 2_000) {
      await trx('bank_transaction_revisions').insert(revisions.slice(start, start + 2_000).map((revision) => ({ ...revision, before: JSON.stringify(revision.before), after: JSON.stringify(revision.after) })));
    }

    await this.applyBalances(trx, item, linked, fetched.pages.at(-1)?.accounts ?? [], outcome);
    await trx('bank_items').where({ id: item.id }).update({ sync_cursor: fetched.nextCursor, last_synced_at: trx.fn.now(), status: 'active', error_code: null, error_message: null });
    await this.audit.record(trx, [
      {
        householdId: item.household_id,
        actorUserId: null,
        action: 'bank.sync',
        resourceType: 'bank_item',
        resourceId: item.id,
        after: { trigger: outcome.trigger, added: outcome.added, pending: outcome.pending, matched: outcome.matched, modified: outcome.modified, removed: outcome.removed, pages: outcome.pages },
      },
    ]);
  }

  /**
   * The bank's balances as the last page reported them. On an account's first complete sync the
   * ledger account is brought to the bank's balance by one opening journal (the history before
   * the first synced transaction); after that the ledger moves only with transactions.
   */
  private async applyBalances(trx: Knex.Transaction, item: BankItemRow, linked: Map<string, LinkedAccount>, accounts: AccountBase[], outcome: SyncOutcome): Promise<void> {
    for (const bankAccount of accounts) {
      const currency = bankAccount.balances.iso_currency_code ?? 'USD';
      const exponentCurrency = isSupportedCurrency(currency) ? currency : 'USD';
      const current = bankAccount.balances.current === null || bankAccount.balances.current === undefined ? null : plaidAmountMinor(bankAccount.balances.current, exponentCurrency);
      const available = bankAccount.balances.available === null || bankAccount.balances.available === undefined ? null : plaidAmountMinor(bankAccount.balances.available, exponentCurrency);
      await trx('bank_accounts')
        .where({ item_id: item.id, plaid_account_id: bankAccount.account_id })
        .update({ bank_current_minor: current?.toString() ?? null, bank_available_minor: available?.toString() ?? null, balance_updated_at: trx.fn.now() });
      const account = linked.get(bankAccount.account_id);
      if (!account || account.opened_at || current === null || currency !== account.currency) continue;
      const ledger = await trx<AccountRow>('accounts').where({ id: account.ledger_account_id }).first('balance_minor');
      const difference = ledgerSignBalance(account.plaid_type, current) - BigInt(ledger!.balance_minor);
      let openingJournalId: string | null = null;
      if (difference !== 0n && account.openingAccountId) {
        const first = await trx('bank_transactions').where({ bank_account_id: account.id }).min<{ first: string | null }[]>({ first: 'date' });
        const firstDate = first[0]?.first ? String(first[0].first).slice(0, 10) : new Date().toISOString().slice(0, 10);
        const draft = bankJournalDraft({ entityId: account.entity_id, bankLedgerAccountId: account.ledger_account_id, counterAccountId: account.openingAccountId, date: addDaysIso(firstDate, -1), ledgerAmountMinor: difference, currency, payee: item.institution_name, memo: 'Opening balance from the bank (before the first synced transaction)', source: 'opening', createdBy: item.created_by });
        await insertJournals(trx, [draft]);
        openingJournalId = draft.id;
        outcome.openingBalancesPosted += 1;
      }
      await trx('bank_accounts').where({ id: account.id }).update({ opened_at: trx.fn.now(), opening_journal_id: openingJournalId });
    }
  }

  private async recordFailure(item: BankItemRow, failure: PlaidFailure): Promise<void> {
    const loginRequired = failure.kind === 'login_required';
    await inTransaction(this.db, async (trx) => {
      const current = await trx<BankItemRow>('bank_items').where({ id: item.id }).forUpdate().first('status');
      await trx('bank_items')
        .where({ id: item.id })
        .update({ status: loginRequired ? 'login_required' : current?.status === 'removed' ? 'removed' : failure.kind === 'permanent' ? 'error' : 'active', error_code: failure.errorCode, error_message: (failure.displayMessage ?? failure.message).slice(0, 1000) });
      if (loginRequired && current?.status !== 'login_required') await raiseLoginAlert(trx, item);
    });
  }
}

export async function raiseLoginAlert(trx: Knex | Knex.Transaction, item: Pick<BankItemRow, 'household_id' | 'institution_name'>): Promise<void> {
  await trx('alerts').insert({
    household_id: item.household_id,
    kind: 'system',
    level: 'warning',
    message: `${item.institution_name ?? 'Your bank'} needs you to sign in again before Sluice can sync it: open Bank data and choose Re-authenticate.`,
  });
}

function isPlaidError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && ('isAxiosError' in error || 'response' in error);
}

function resetCounts(outcome: SyncOutcome): void {
  outcome.added = 0;
  outcome.pending = 0;
  outcome.matched = 0;
  outcome.modified = 0;
  outcome.removed = 0;
  outcome.unlinked = 0;
  outcome.openingBalancesPosted = 0;
}
