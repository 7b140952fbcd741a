/**
 * Linked banks: Link tokens (new and update mode), exchanging the public token, assigning each
 * account to an entity and a ledger account, repair after ITEM_LOGIN_REQUIRED, removal, and
 * what Plaid's webhooks mean for an item. Access tokens are encrypted before they touch the
 * database and never leave this module in a view.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { CountryCode, Products } from 'plaid';
import type { Actor } from '../auth/actor.js';
import { isUuid } from '../auth/actor.js';
import { AuditLog } from '../audit/audit-log.js';
import { Conflict, NotFound, RuleViolation, type FieldProblem } from '../errors.js';
import { AccountService } from '../ledger/accounts.js';
import { findEntity } from '../ledger/scope.js';
import { subtypesByType, type AccountRow, type AccountSubtype } from '../ledger/types.js';
import { formatMinor, isSupportedCurrency } from '../money/index.js';
import type { FieldCipher } from '../security/field-encryption.js';
import { ensureUncategorizedAccount } from './ledger-accounts.js';
import { toPlaidFailure, withRetry, type PlaidGateway } from './plaid-gateway.js';
import { itemTokenAad, ledgerSignBalance, raiseLoginAlert, type BankItemRow, type BankSyncService } from './sync.js';
import { inTransaction } from '../db/transaction.js';

export interface LinkTokenView {
  linkToken: string;
  expiration: string;
  /** 'sandbox': open consentUrl (the local sandbox's page); 'plaid': open Plaid Link with linkToken. */
  mode: 'sandbox' | 'plaid';
  consentUrl: string | null;
}

export interface BankAccountView {
  id: string;
  name: string;
  mask: string | null;
  type: string;
  subtype: string | null;
  holderCategory: string | null;
  currency: string;
  entityId: string | null;
  ledgerAccountId: string | null;
  ledgerAccountName: string | null;
  /** The bank's figures, in the bank's sign (owed on a card is positive). */
  bankBalance: string | null;
  bankAvailable: string | null;
  /** The ledger's balance in the same sign, for comparison. */
  ledgerBalance: string | null;
  balanceUpdatedAt: string | null;
}

export interface BankItemView {
  id: string;
  institutionId: string | null;
  institutionName: string | null;
  status: BankItemRow['status'];
  error: { code: string; message: string | null } | null;
  lastSyncedAt: string | null;
  lastAttemptAt: string | null;
  lastWebhookAt: string | null;
  createdAt: string;
  accounts: BankAccountView[];
}

export interface AccountAssignment {
  accountId: string;
  entityId: string;
  /** An existing asset/liability account of that entity; without it one is created. */
  ledgerAccountId?: string;
  subtype?: AccountSubtype;
  name?: string;
}

const assetSubtypes = new Set<string>(subtypesByType.asset);

/** Plaid's type/subtype → the ledger subtype we suggest. */
export function suggestedSubtype(type: string, subtype: string | null): AccountSubtype {
  if (type === 'credit') return 'credit_card';
  if (type === 'loan') return subtype === 'mortgage' ? 'mortgage' : 'loan';
  if (type === 'investment') return subtype === 'ira' || subtype === '401k' || subtype === 'roth' ? 'retirement' : 'brokerage';
  if (subtype === 'savings' || subtype === 'cd') return 'savings';
  if (subtype === 'money market') return 'money_market';
  return 'checking';
}

export class BankItemService {
  constructor(
    private readonly db: Knex,
    private readonly gateway: PlaidGateway,
    private readonly cipher: FieldCipher,
    private readonly audit: AuditLog,
    private readonly accounts: AccountService,
    private readonly sync: BankSyncService,
    private readonly logger: Logger,
  ) {}

  async createLinkToken(actor: Actor, options: { itemId?: string; redirectUri?: string } = {}): Promise<LinkTokenView> {
    const item = options.itemId ? await this.findItem(this.db, actor, options.itemId) : undefined;
    const accessToken = item ? this.cipher.decrypt(item.access_token_ciphertext, itemTokenAad(item.id)) : undefined;
    const redirectUri = options.redirectUri ?? this.gateway.redirectUri;
    try {
      const answer = await withRetry(
        () =>
          this.gateway.client.linkTokenCreate({
            client_name: 'Sluice',
            language: 'en',
            country_codes: [CountryCode.Us],
            user: { client_user_id: actor.userId },
            ...(accessToken ? { access_token: accessToken } : { products: [Products.Transactions] }),
            ...(this.gateway.webhookUrl ? { webhook: this.gateway.webhookUrl } : {}),
            ...(redirectUri ? { redirect_uri: redirectUri } : {}),
          }),
        this.sync.options.retry,
      );
      const linkToken = answer.data.link_token;
      return {
        linkToken,
        expiration: answer.data.expiration,
        mode: this.gateway.localSandbox ? 'sandbox' : 'plaid',
        consentUrl: this.gateway.localSandbox ? `${this.gateway.basePath}/link?token=${encodeURIComponent(linkToken)}` : null,
      };
    } catch (error) {
      throw plaidProblem(error);
    }
  }

  /** After Link: the public token becomes an item (access token encrypted), its accounts listed unassigned. */
  async exchange(actor: Actor, publicToken: string): Promise<BankItemView> {
    const client = this.gateway.client;
    let accessToken: string;
    let plaidItemId: string;
    try {
      const exchanged = await client.itemPublicTokenExchange({ public_token: publicToken });
      accessToken = exchanged.data.access_token;
      plaidItemId = exchanged.data.item_id;
    } catch (error) {
      throw plaidProblem(error);
    }
    const [itemAnswer, accountsAnswer] = await Promise.all([
      withRetry(() => client.itemGet({ access_token: accessToken }), this.sync.options.retry),
      withRetry(() => client.accountsGet({ access_token: accessToken }), this.sync.options.retry),
    ]).catch((error: unknown) => {
      throw plaidProblem(error);
    });
    const id = randomUUID();
    await inTransaction(this.db, async (trx) => {
      await trx('bank_items').insert({
        id,
        household_id: actor.householdId,
        plaid_item_id: plaidItemId,
        institution_id: itemAnswer.data.item.institution_id ?? null,
        institution_name: itemAnswer.data.item.institution_name ?? null,
        access_token_ciphertext: this.cipher.encrypt(accessToken, itemTokenAad(id)),
        created_by: actor.userId,
      });
      const rows = accountsAnswer.data.accounts.map((account) => ({
        item_id: id,
        household_id: actor.householdId,
        plaid_account_id: account.account_id,
        name: account.name.slice(0, 200),
        mask: account.mask ?? null,
        plaid_type: account.type,
        plaid_subtype: account.subtype ?? null,
        holder_category: (account as { holder_category?: string | null }).holder_category ?? null,
        currency: account.balances.iso_currency_code ?? 'USD',
        bank_current_minor: null,
      }));
      if (rows.length > 0) await trx('bank_accounts').insert(rows);
      await this.audit.record(trx, [{ householdId: actor.householdId, actorUserId: actor.userId, action: 'bank.link', resourceType: 'bank_item', resourceId: id, after: { institution: itemAnswer.data.item.institution_name, accounts: rows.length } }]);
    });
    return this.get(actor, id);
  }

  /**
   * Each chosen account gets an entity (required) and a ledger account; then the item syncs from
   * the beginning (ids already stored are skipped, so nothing posts twice).
   */
  async assignAccounts(actor: Actor, itemId: string, assignments: readonly AccountAssignment[]): Promise<BankItemView> {
    await inTransaction(this.db, async (trx) => {
      const item = await this.findItem(trx, actor, itemId, { forUpdate: true });
      const bankAccounts = await trx('bank_accounts').where({ item_id: item.id });
      const problems: FieldProblem[] = [];
      for (const [index, assignment] of assignments.entries()) {
        const at = `/accounts/${index}`;
        const bankAccount = bankAccounts.find((account) => account.id === assignment.accountId);
        if (!bankAccount) {
          problems.push({ field: `${at}/accountId`, message: 'not an account of this bank connection', code: 'unknown_account' });
          continue;
        }
        if (bankAccount.ledger_account_id) {
          problems.push({ field: `${at}/accountId`, message: 'already assigned', code: 'already_assigned' });
          continue;
        }
        const entity = await findEntity(trx, actor, assignment.entityId).catch(() => undefined);
        if (!entity) {
          problems.push({ field: `${at}/entityId`, message: 'no such entity in this household', code: 'unknown_entity' });
          continue;
        }
        const currency = String(bankAccount.currency).trim();
        if (!isSupportedCurrency(currency)) {
          problems.push({ field: `${at}/accountId`, message: `currency ${currency} is not supported`, code: 'unsupported_currency' });
          continue;
        }
        let ledgerAccountId = assignment.ledgerAccountId;
        if (ledgerAccountId) {
          const ledger = isUuid(ledgerAccountId) ? await trx<AccountRow>('accounts').where({ id: ledgerAccountId, entity_id: entity.id }).first() : undefined;
          if (!ledger || (ledger.type !== 'asset' && ledger.type !== 'liability') || ledger.currency.trim() !== currency) {
            problems.push({ field: `${at}/ledgerAccountId`, message: `must be an asset or liability account in ${currency} of the chosen entity`, code: 'unsuitable_account' });
            continue;
          }
          const taken = await trx('bank_accounts').where({ ledger_account_id: ledger.id }).first('id');
          if (taken) {
            problems.push({ field: `${at}/ledgerAccountId`, message: 'already linked to another bank account', code: 'already_linked' });
            continue;
          }
        } else {
          const subtype = assignment.subtype ?? suggestedSubtype(bankAccount.plaid_type, bankAccount.plaid_subtype);
          const created = await this.accounts.create(trx, actor, entity.id, {
            name: (assignment.name ?? `${item.institution_name ? `${item.institution_name} ` : ''}${bankAccount.name}${bankAccount.mask ? ` ••${bankAccount.mask}` : ''}`).slice(0, 120),
            type: assetSubtypes.has(subtype) ? 'asset' : 'liability',
            subtype,
            currency,
          });
          ledgerAccountId = created.id;
        }
        await ensureUncategorizedAccount(trx, entity, currency);
        await trx('bank_accounts').where({ id: bankAccount.id }).update({ entity_id: entity.id, ledger_account_id: ledgerAccountId });
      }
      if (problems.length > 0) throw new RuleViolation('some accounts could not be assigned', problems);
      // Replay from the start: transactions of newly assigned accounts were skipped before.
      await trx('bank_items').where({ id: item.id }).update({ sync_cursor: null });
      await this.audit.record(trx, [{ householdId: actor.householdId, actorUserId: actor.userId, action: 'bank.assign_accounts', resourceType: 'bank_item', resourceId: item.id, after: { assignments } }]);
    });
    return this.get(actor, itemId);
  }

  async list(actor: Actor): Promise<BankItemView[]> {
    const items = await this.db<BankItemRow & Record<string, unknown>>('bank_items').where({ household_id: actor.householdId }).whereNot({ status: 'removed' }).orderBy('created_at');
    return Promise.all(items.map((item) => this.view(item)));
  }

  async get(actor: Actor, itemId: string): Promise<BankItemView> {
    return this.view(await this.findItem(this.db, actor, itemId));
  }

  /** After update mode: if Plaid says the item is healthy again, it syncs again. */
  async repair(actor: Actor, itemId: string): Promise<BankItemView> {
    const item = await this.findItem(this.db, actor, itemId);
    const accessToken = this.cipher.decrypt(item.access_token_ciphertext, itemTokenAad(item.id));
    const answer = await withRetry(() => this.gateway.client.itemGet({ access_token: accessToken }), this.sync.options.retry).catch((error: unknown) => {
      throw plaidProblem(error);
    });
    const error = answer.data.item.error;
    if (error && error.error_code) {
      await this.db('bank_items').where({ id: item.id }).update({ status: error.error_code === 'ITEM_LOGIN_REQUIRED' ? 'login_required' : 'error', error_code: error.error_code, error_message: (error.display_message ?? error.error_message ?? '').slice(0, 1000) });
      throw new Conflict(`the bank still reports ${error.error_code}; sign in again through the bank's page`, 'still_login_required');
    }
    await this.db('bank_items').where({ id: item.id }).update({ status: 'active', error_code: null, error_message: null });
    await this.sync.syncItem(item.id, 'repair');
    return this.get(actor, itemId);
  }

  async remove(actor: Actor, itemId: string): Promise<void> {
    const item = await this.findItem(this.db, actor, itemId);
    try {
      await this.gateway.client.itemRemove({ access_token: this.cipher.decrypt(item.access_token_ciphertext, itemTokenAad(item.id)) });
    } catch (error) {
      const failure = toPlaidFailure(error);
      // Already gone at Plaid is fine; anything else, keep the item so the user can retry.
      if (failure.errorCode !== 'INVALID_ACCESS_TOKEN' && failure.errorCode !== 'ITEM_NOT_FOUND') throw plaidProblem(error);
    }
    await inTransaction(this.db, async (trx) => {
      // The token is forgotten; transactions and journals stay (the books are history).
      await trx('bank_items').where({ id: item.id }).update({ status: 'removed', access_token_ciphertext: '', sync_cursor: null });
      await this.audit.record(trx, [{ householdId: actor.householdId, actorUserId: actor.userId, action: 'bank.remove', resourceType: 'bank_item', resourceId: item.id }]);
    });
  }

  /**
   * A verified webhook. Returns the item to sync, if the webhook asks for one. Unknown items are
   * ignored (Plaid retries webhooks; an old item must not make it retry forever).
   */
  async onWebhook(payload: Record<string, unknown>): Promise<{ syncItemId: string | null }> {
    const plaidItemId = typeof payload.item_id === 'string' ? payload.item_id : '';
    const item = await this.db<BankItemRow>('bank_items').where({ plaid_item_id: plaidItemId }).first();
    if (!item || item.status === 'removed') return { syncItemId: null };
    await this.db('bank_items').where({ id: item.id }).update({ last_webhook_at: new Date() });
    const type = String(payload.webhook_type ?? '');
    const code = String(payload.webhook_code ?? '');
    this.logger.info({ itemId: item.id, type, code }, 'plaid webhook');
    if (type === 'TRANSACTIONS' && ['SYNC_UPDATES_AVAILABLE', 'DEFAULT_UPDATE', 'INITIAL_UPDATE', 'HISTORICAL_UPDATE'].includes(code)) {
      return { syncItemId: item.status === 'active' ? item.id : null };
    }
    if (type === 'ITEM' && code === 'ERROR') {
      const error = (payload.error ?? {}) as { error_code?: string; display_message?: string; error_message?: string };
      if (error.error_code === 'ITEM_LOGIN_REQUIRED') {
        await inTransaction(this.db, async (trx) => {
          const current = await trx<BankItemRow>('bank_items').where({ id: item.id }).forUpdate().first('status');
          await trx('bank_items').where({ id: item.id }).update({ status: 'login_required', error_code: 'ITEM_LOGIN_REQUIRED', error_message: (error.display_message ?? error.error_message ?? '').slice(0, 1000) });
          if (current?.status !== 'login_required') await raiseLoginAlert(trx, item);
        });
      }
      return { syncItemId: null };
    }
    if (type === 'ITEM' && code === 'LOGIN_REPAIRED') {
      await this.db('bank_items').where({ id: item.id }).update({ status: 'active', error_code: null, error_message: null });
      return { syncItemId: item.id };
    }
    if (type === 'ITEM' && (code === 'PENDING_EXPIRATION' || code === 'PENDING_DISCONNECT')) {
      await this.db('alerts').insert({ household_id: item.household_id, kind: 'system', level: 'warning', message: `${item.institution_name ?? 'Your bank'}'s consent expires soon: open Bank data and re-authenticate to keep it syncing.` });
    }
    return { syncItemId: null };
  }

  private async findItem(db: Knex, actor: Actor, itemId: string, options: { forUpdate?: boolean } = {}): Promise<BankItemRow & Record<string, unknown>> {
    const query = isUuid(itemId) ? db('bank_items').where({ id: itemId, household_id: actor.householdId }).whereNot({ status: 'removed' }) : undefined;
    if (query && options.forUpdate) query.forUpdate();
    const item = query ? await query.first() : undefined;
    if (!item) throw new NotFound('bank connection', itemId);
    return item;
  }

  private async view(item: BankItemRow & Record<string, unknown>): Promise<BankItemView> {
    const accounts = await this.db('bank_accounts as b').leftJoin('accounts as a', 'a.id', 'b.ledger_account_id').where('b.item_id', item.id).orderBy(['b.plaid_type', 'b.name']).select('b.*', 'a.name as ledger_name', 'a.balance_minor as ledger_balance_minor');
    const toIso = (value: unknown) => (value instanceof Date ? value.toISOString() : null);
    return {
      id: item.id,
      institutionId: (item.institution_id as string | null) ?? null,
      institutionName: item.institution_name,
      status: item.status,
      error: item.error_code ? { code: item.error_code as string, message: (item.error_message as string | null) ?? null } : null,
      lastSyncedAt: toIso(item.last_synced_at),
      lastAttemptAt: toIso(item.last_attempt_at),
      lastWebhookAt: toIso(item.last_webhook_at),
      createdAt: toIso(item.created_at)!,
      accounts: accounts.map((account) => {
        const currency = String(account.currency).trim();
        const money = (minor: bigint | null | undefined) => (minor === null || minor === undefined ? null : formatMinor(BigInt(minor), isSupportedCurrency(currency) ? currency : 'USD'));
        return {
          id: account.id,
          name: account.name,
          mask: account.mask,
          type: account.plaid_type,
          subtype: account.plaid_subtype,
          holderCategory: account.holder_category,
          currency,
          entityId: account.entity_id,
          ledgerAccountId: account.ledger_account_id,
          ledgerAccountName: account.ledger_name ?? null,
          bankBalance: money(account.bank_current_minor),
          bankAvailable: money(account.bank_available_minor),
          ledgerBalance: account.ledger_balance_minor === null || account.ledger_balance_minor === undefined ? null : money(ledgerSignBalance(account.plaid_type, BigInt(account.ledger_balance_minor))),
          balanceUpdatedAt: toIso(account.balance_updated_at),
        };
      }),
    };
  }
}

/** A Plaid failure on a user's request, as a domain error the API can answer with (never a 500). */
export function plaidProblem(error: unknown): Error {
  if (error instanceof RuleViolation || error instanceof Conflict || error instanceof NotFound) return error;
  const failure = toPlaidFailure(error);
  if (failure.kind === 'not_configured') return new Conflict(failure.message, 'plaid_not_configured');
  if (failure.kind === 'login_required') return new Conflict(failure.displayMessage ?? failure.message, 'item_login_required');
  if (failure.errorCode === 'INVALID_PUBLIC_TOKEN') return new RuleViolation('the public token is invalid or expired; connect the bank again', [{ field: '/publicToken', message: 'invalid or expired', code: 'invalid_public_token' }], 'invalid_public_token');
  return new BankUnavailable(failure.displayMessage ?? `the bank connection failed (${failure.errorCode})`, failure.errorCode);
}

/** Plaid or the bank failed (502 upstream). */
export class BankUnavailable extends Conflict {
  constructor(message: string, readonly plaidCode: string) {
    super(message, 'bank_unavailable');
  }
}
