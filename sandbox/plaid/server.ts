/**
 * A local server that speaks Plaid's HTTP API for the endpoints Sluice uses, with Plaid's request,
 * response and error shapes, so the official `plaid` client (pointed here through `basePath`)
 * cannot tell the difference. It stands in for Plaid in demo mode, development and tests, with
 * deterministic data and fault knobs (5xx, rate limits, ITEM_LOGIN_REQUIRED, mutation during
 * pagination, slow answers) set by constructor options or `POST /sandbox/faults`.
 *
 * Not Plaid: everything lives in memory, and one process's items vanish with it.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

type KeyLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
import { consentPage, consentResultPage } from './consent-page.js';
import { addDays, findInstitution, generateTransactions, holdingsFor, institutions, isoDay, seededRandom, type AccountTemplate, type InstitutionTemplate } from './data.js';

export interface SandboxFaults {
  /** Probability that a data call answers 500 API_ERROR/INTERNAL_SERVER_ERROR. */
  serverErrorRate: number;
  /** Probability of 429 RATE_LIMIT_EXCEEDED/TRANSACTIONS_SYNC_LIMIT. */
  rateLimitRate: number;
  /** Probability of 400 INSTITUTION_ERROR/INSTITUTION_DOWN (transient). */
  institutionDownRate: number;
  /** Probability that serving a sync page changes the item's data (the next page then fails). */
  mutationRate: number;
  /** Most mutations injected during pagination, so a client that restarts always gets through. */
  mutationBudget: number;
  /** Probability that an answer is delayed by slowMs. */
  slowRate: number;
  slowMs: number;
}

export const noFaults: SandboxFaults = { serverErrorRate: 0, rateLimitRate: 0, institutionDownRate: 0, mutationRate: 0, mutationBudget: 0, slowRate: 0, slowMs: 0 };

export interface PlaidSandboxOptions {
  port?: number;
  host?: string;
  /** Credentials the sandbox accepts; unset = any non-empty pair. */
  clientId?: string;
  secret?: string;
  seed?: number;
  /** "Today" for generated data (default: the real date): fixes the data for tests. */
  today?: string;
  /** Days of history per item (default 90). */
  days?: number;
  /** Exactly this many transactions per item (load tests); default: the patterns over `days`. */
  transactionsPerItem?: number;
  faults?: Partial<SandboxFaults>;
  /** Public URL of this server, used in link URLs; default http://host:port. */
  publicUrl?: string;
}

interface TxnState {
  transaction_id: string;
  account_id: string;
  amount: number;
  iso_currency_code: string;
  date: string;
  authorized_date: string;
  name: string;
  merchant_name: string | null;
  pending: boolean;
  pending_transaction_id: string | null;
  payment_channel: string;
  personal_finance_category: { primary: string; detailed: string; confidence_level: string };
  addSeq: number;
  lastSeq: number;
  removed: boolean;
}

interface AccountState {
  template: AccountTemplate;
  account_id: string;
  persistent_account_id: string;
}

interface ItemState {
  item_id: string;
  access_token: string;
  institution: InstitutionTemplate;
  accounts: AccountState[];
  webhook: string | null;
  error: PlaidErrorBody | null;
  txns: Map<string, TxnState>;
  /** Change log: log[seq - 1] is the transaction id changed at seq. */
  log: string[];
  created_at: string;
  lastWebhook: { sent_at: string; code_sent: string } | null;
  random: () => number;
  sumsCache?: Map<string, { postedOut: number; pendingOut: number }>;
  sumsAt?: number;
}

interface PublicTokenState {
  institutionId: string;
  accountKeys: string[] | null;
  webhook: string | null;
  expiresAt: number;
  used: boolean;
}

interface PlaidErrorBody {
  error_type: string;
  error_code: string;
  error_code_reason: string | null;
  error_message: string;
  display_message: string | null;
  request_id: string;
  causes: unknown[];
  status: number;
  documentation_url: string;
  suggested_action: string | null;
}

class PlaidHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    readonly errorCode: string,
    message: string,
    readonly displayMessage: string | null = null,
  ) {
    super(message);
  }
}

const syncCountDefault = 100;
const syncCountMax = 500;

function requestId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 15);
}

function errorBody(error: PlaidHttpError): PlaidErrorBody {
  return {
    error_type: error.errorType,
    error_code: error.errorCode,
    error_code_reason: null,
    error_message: error.message,
    display_message: error.displayMessage,
    request_id: requestId(),
    causes: [],
    status: error.status,
    documentation_url: `https://plaid.com/docs/errors/${error.errorType.toLowerCase().replace(/_error$/, '')}/#${error.errorCode.toLowerCase()}`,
    suggested_action: null,
  };
}

const loginRequired = () =>
  new PlaidHttpError(400, 'ITEM_ERROR', 'ITEM_LOGIN_REQUIRED', "the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information. use Link's update mode to restore the item to a good state", 'The login details of this item have changed. Please re-authenticate with your bank.');

interface Cursor {
  /** Changes up to here were delivered before this sync session. */
  s: number;
  /** Position within the session. */
  p: number;
  /** The item's last change when the session began (continuation pages only). */
  n?: number;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string | undefined): Cursor {
  if (!text) return { s: 0, p: 0 };
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor;
    if (Number.isSafeInteger(parsed.s) && Number.isSafeInteger(parsed.p) && parsed.p >= parsed.s && parsed.s >= 0) return parsed;
  } catch {
    // fall through
  }
  throw new PlaidHttpError(400, 'INVALID_INPUT', 'INVALID_FIELD', 'cursor is invalid');
}

/**
 * The sandbox. `start()` listens (port 0 = any free port); `url` is what the Plaid client's
 * basePath should be.
 */
export class PlaidSandbox {
  readonly app = express();
  private server: Server | undefined;
  private readonly items = new Map<string, ItemState>();
  private readonly itemsByToken = new Map<string, ItemState>();
  private readonly publicTokens = new Map<string, PublicTokenState>();
  private readonly linkTokens = new Map<string, { accessToken: string | null; webhook: string | null; redirectUri: string | null; expiresAt: number }>();
  private faults: SandboxFaults;
  private faultRandom: () => number;
  private mutationsInjected = 0;
  private itemCounter = 0;
  private keyPair: { privateKey: KeyLike; jwk: JWK & { kid: string } } | undefined;
  private url_: string | undefined;
  /** Every webhook sent, newest last (tests look at these). */
  readonly webhooksSent: { url: string; body: string; jwt: string; status: number | null }[] = [];

  constructor(private readonly options: PlaidSandboxOptions = {}) {
    this.faults = { ...noFaults, ...options.faults };
    this.faultRandom = seededRandom((options.seed ?? 20261201) ^ 0x5eed);
    this.routes();
  }

  get url(): string {
    if (!this.url_) throw new Error('the Plaid sandbox is not started');
    return this.url_;
  }

  async start(): Promise<string> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve) => {
      this.server = this.app.listen(this.options.port ?? 0, host, () => resolve());
    });
    const { port } = this.server!.address() as AddressInfo;
    this.url_ = this.options.publicUrl ?? `http://${host}:${port}`;
    return this.url_;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  setFaults(faults: Partial<SandboxFaults>): void {
    this.faults = { ...this.faults, ...faults };
    this.mutationsInjected = 0;
  }

  // ---------------------------------------------------------------------------------------
  // Inspection and changes from tests (the bank's side of the story)
  // ---------------------------------------------------------------------------------------

  itemIds(): string[] {
    return [...this.items.keys()];
  }

  /** The bank's balances of an item's accounts, in cents, in the bank's sign. */
  balances(itemId: string): Map<string, { currentCents: number; availableCents: number | null; type: string }> {
    const item = this.item(itemId);
    return new Map(item.accounts.map((account) => [account.account_id, { ...this.balanceCents(item, account), type: account.template.type }]));
  }

  /** Live (not removed) transactions of an item. */
  transactions(itemId: string): TxnState[] {
    return [...this.item(itemId).txns.values()].filter((txn) => !txn.removed);
  }

  /**
   * What a bank does between two syncs: new transactions, pending ones posting, corrections and
   * removals. Returns how many changes were made.
   */
  mutate(itemId: string, changes = 1): number {
    const item = this.item(itemId);
    for (let index = 0; index < changes; index += 1) this.mutateOnce(item);
    return changes;
  }

  /** Like /sandbox/item/reset_login. */
  resetLogin(itemId: string): void {
    const item = this.item(itemId);
    item.error = errorBody(loginRequired());
    void this.sendWebhook(item, { webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: item.item_id, error: item.error, environment: 'sandbox' });
  }

  private item(itemId: string): ItemState {
    const item = this.items.get(itemId);
    if (!item) throw new Error(`no sandbox item ${itemId}`);
    return item;
  }

  // ---------------------------------------------------------------------------------------
  // Data
  // ---------------------------------------------------------------------------------------

  private createItem(token: PublicTokenState): ItemState {
    const institution = findInstitution(token.institutionId)!;
    this.itemCounter += 1;
    const seed = (this.options.seed ?? 20261201) + this.itemCounter * 7919;
    const item_id = `${randomId(seed, 'item')}`;
    const accounts = institution.accounts
      .filter((account) => !token.accountKeys || token.accountKeys.includes(account.key))
      .map((template) => ({ template, account_id: randomId(seed + template.key.length * 31 + template.mask.charCodeAt(0), template.key), persistent_account_id: createHash('sha256').update(`${institution.id}:${template.mask}`).digest('hex').slice(0, 32) }));
    const item: ItemState = {
      item_id,
      access_token: `access-sandbox-${randomUUID()}`,
      institution,
      accounts,
      webhook: token.webhook,
      error: null,
      txns: new Map(),
      log: [],
      created_at: new Date().toISOString(),
      lastWebhook: null,
      random: seededRandom(seed ^ 0xabcdef),
    };
    const today = this.options.today ?? isoDay(new Date());
    const generated = generateTransactions(institution, { seed, today, days: this.options.days ?? 90, count: this.options.transactionsPerItem });
    const byKey = new Map(accounts.map((account) => [account.template.key, account]));
    let counter = 0;
    for (const txn of generated) {
      const account = byKey.get(txn.accountKey);
      if (!account) continue;
      counter += 1;
      // The last two days are still pending, as at a real bank.
      const pending = txn.date > addDays(today, -2);
      this.record(item, {
        transaction_id: `${account.account_id.slice(0, 8)}${counter.toString(36).padStart(6, '0')}${randomId(seed + counter, 't').slice(0, 18)}`,
        account_id: account.account_id,
        amount: txn.amountCents / 100,
        iso_currency_code: 'USD',
        date: txn.date,
        authorized_date: addDays(txn.date, -(counter % 2)),
        name: txn.name,
        merchant_name: txn.merchantName,
        pending,
        pending_transaction_id: null,
        payment_channel: txn.channel,
        personal_finance_category: { ...txn.category, confidence_level: 'VERY_HIGH' },
      });
    }
    this.items.set(item_id, item);
    this.itemsByToken.set(item.access_token, item);
    return item;
  }

  private record(item: ItemState, txn: Omit<TxnState, 'addSeq' | 'lastSeq' | 'removed'>): TxnState {
    item.log.push(txn.transaction_id);
    const seq = item.log.length;
    const state: TxnState = { ...txn, addSeq: seq, lastSeq: seq, removed: false };
    item.txns.set(txn.transaction_id, state);
    return state;
  }

  private touch(item: ItemState, txn: TxnState): void {
    item.log.push(txn.transaction_id);
    txn.lastSeq = item.log.length;
  }

  private mutateOnce(item: ItemState): void {
    const random = item.random;
    const live = [...item.txns.values()].filter((txn) => !txn.removed);
    const pending = live.filter((txn) => txn.pending);
    const posted = live.filter((txn) => !txn.pending);
    const choice = random();
    const transactional = item.accounts.filter((account) => account.template.type !== 'investment');
    if (choice < 0.3 && pending.length > 0) {
      // A pending transaction posts: the pending id is removed, its posted twin added.
      const from = pending[Math.floor(random() * pending.length)]!;
      from.removed = true;
      this.touch(item, from);
      this.record(item, { ...stripState(from), transaction_id: `${from.transaction_id.slice(0, 20)}p${item.log.length}`, pending: false, pending_transaction_id: from.transaction_id, amount: Math.round(from.amount * 100 + (random() < 0.3 ? 150 : 0)) / 100 });
    } else if (choice < 0.5 && posted.length > 0) {
      const txn = posted[Math.floor(random() * posted.length)]!;
      txn.amount = Math.round(txn.amount * 100 + Math.round((random() - 0.5) * 2000)) / 100 || 0.01;
      txn.name = `${txn.name.replace(/ \(corrected\)$/, '')} (corrected)`;
      this.touch(item, txn);
    } else if (choice < 0.6 && posted.length > 0) {
      const txn = posted[Math.floor(random() * posted.length)]!;
      txn.removed = true;
      this.touch(item, txn);
    } else if (transactional.length > 0) {
      const account = transactional[Math.floor(random() * transactional.length)]!;
      const today = this.options.today ?? isoDay(new Date());
      this.record(item, {
        transaction_id: `${account.account_id.slice(0, 8)}n${item.log.length}${randomUUID().replace(/-/g, '').slice(0, 12)}`,
        account_id: account.account_id,
        amount: Math.round((5 + random() * 120) * 100) / 100,
        iso_currency_code: 'USD',
        date: today,
        authorized_date: today,
        name: random() < 0.5 ? 'SQ *CORNER BAKERY' : 'SHELL OIL 5744',
        merchant_name: null,
        pending: random() < 0.4,
        pending_transaction_id: null,
        payment_channel: 'in store',
        personal_finance_category: { primary: 'GENERAL_MERCHANDISE', detailed: 'GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE', confidence_level: 'MEDIUM' },
      });
    }
  }

  /** Sums per account, recomputed only when the item's data changed (the log grew). */
  private sums(item: ItemState): Map<string, { postedOut: number; pendingOut: number }> {
    if (item.sumsAt === item.log.length && item.sumsCache) return item.sumsCache;
    const sums = new Map(item.accounts.map((account) => [account.account_id, { postedOut: 0, pendingOut: 0 }]));
    for (const txn of item.txns.values()) {
      const entry = sums.get(txn.account_id);
      if (txn.removed || !entry) continue;
      const cents = Math.round(txn.amount * 100);
      if (txn.pending) entry.pendingOut += cents;
      else entry.postedOut += cents;
    }
    item.sumsCache = sums;
    item.sumsAt = item.log.length;
    return sums;
  }

  private balanceCents(item: ItemState, account: AccountState): { currentCents: number; availableCents: number | null } {
    const { postedOut, pendingOut } = this.sums(item).get(account.account_id) ?? { postedOut: 0, pendingOut: 0 };
    const template = account.template;
    if (template.type === 'depository') {
      const current = template.openingCents - postedOut;
      return { currentCents: current, availableCents: current - pendingOut };
    }
    if (template.type === 'credit' || template.type === 'loan') {
      const current = template.openingCents + postedOut;
      return { currentCents: current, availableCents: template.limitCents !== undefined ? template.limitCents - current - pendingOut : null };
    }
    return { currentCents: template.openingCents, availableCents: null };
  }

  private accountView(item: ItemState, account: AccountState) {
    const balance = this.balanceCents(item, account);
    const template = account.template;
    return {
      account_id: account.account_id,
      balances: {
        available: balance.availableCents === null ? null : balance.availableCents / 100,
        current: balance.currentCents / 100,
        limit: template.limitCents !== undefined ? template.limitCents / 100 : null,
        iso_currency_code: 'USD',
        unofficial_currency_code: null,
        last_updated_datetime: null,
      },
      mask: template.mask,
      name: template.name,
      official_name: template.officialName,
      type: template.type,
      subtype: template.subtype,
      persistent_account_id: account.persistent_account_id,
      holder_category: template.holderCategory,
    };
  }

  private itemView(item: ItemState) {
    return {
      item_id: item.item_id,
      institution_id: item.institution.id,
      institution_name: item.institution.name,
      webhook: item.webhook ?? '',
      error: item.error,
      available_products: ['balance', 'investments', 'liabilities'],
      billed_products: ['transactions'],
      products: ['transactions'],
      consented_products: ['transactions'],
      consent_expiration_time: null,
      update_type: 'background',
    };
  }

  private txnView(txn: TxnState) {
    return {
      transaction_id: txn.transaction_id,
      account_id: txn.account_id,
      amount: txn.amount,
      iso_currency_code: txn.iso_currency_code,
      unofficial_currency_code: null,
      date: txn.date,
      authorized_date: txn.authorized_date,
      authorized_datetime: null,
      datetime: null,
      name: txn.name,
      merchant_name: txn.merchant_name,
      original_description: null,
      pending: txn.pending,
      pending_transaction_id: txn.pending_transaction_id,
      payment_channel: txn.payment_channel,
      location: { address: null, city: null, region: null, postal_code: null, country: null, lat: null, lon: null, store_number: null },
      payment_meta: { reference_number: null, ppd_id: null, payee: null, by_order_of: null, payer: null, payment_method: null, payment_processor: null, reason: null },
      personal_finance_category: txn.personal_finance_category,
      counterparties: [],
      merchant_entity_id: null,
      logo_url: null,
      website: null,
      check_number: null,
      transaction_code: null,
      transaction_type: txn.payment_channel === 'in store' ? 'place' : 'special',
      account_owner: null,
      category: null,
      category_id: null,
    };
  }

  // ---------------------------------------------------------------------------------------
  // /transactions/sync
  // ---------------------------------------------------------------------------------------

  private sync(item: ItemState, cursorText: string | undefined, countRequested: number | undefined, accountFilter: string | undefined) {
    const count = countRequested ?? syncCountDefault;
    if (!Number.isInteger(count) || count < 1 || count > syncCountMax) {
      throw new PlaidHttpError(400, 'INVALID_REQUEST', 'INVALID_FIELD', `count must be an integer between 1 and ${syncCountMax}`);
    }
    const cursor = decodeCursor(cursorText);
    const latest = item.log.length;
    if (cursor.p > latest) throw new PlaidHttpError(400, 'INVALID_INPUT', 'INVALID_FIELD', 'cursor is invalid');
    const snapshot = cursor.n ?? latest;
    if (cursor.n !== undefined && latest > cursor.n) {
      throw new PlaidHttpError(400, 'TRANSACTIONS_ERROR', 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION', 'Underlying transaction data changed since last page was fetched. Please restart pagination from last update.');
    }
    const added: ReturnType<PlaidSandbox['txnView']>[] = [];
    const modified: ReturnType<PlaidSandbox['txnView']>[] = [];
    const removed: { transaction_id: string; account_id: string }[] = [];
    let position = cursor.p;
    let emitted = 0;
    while (position < snapshot && emitted < count) {
      position += 1;
      const txn = item.txns.get(item.log[position - 1]!)!;
      // Only a transaction's latest change is reported (Plaid compacts the log).
      if (txn.lastSeq !== position) continue;
      if (accountFilter && txn.account_id !== accountFilter) continue;
      const isNew = txn.addSeq > cursor.s;
      if (txn.removed) {
        if (isNew) continue;
        removed.push({ transaction_id: txn.transaction_id, account_id: txn.account_id });
      } else if (isNew) added.push(this.txnView(txn));
      else modified.push(this.txnView(txn));
      emitted += 1;
    }
    // Skip stale log entries so has_more is exact.
    while (position < snapshot) {
      const txn = item.txns.get(item.log[position]!)!;
      if (txn.lastSeq === position + 1 && !(txn.removed && txn.addSeq > cursor.s) && (!accountFilter || txn.account_id === accountFilter)) break;
      position += 1;
    }
    const hasMore = position < snapshot;
    const next: Cursor = hasMore ? { s: cursor.s, p: position, n: snapshot } : { s: snapshot, p: snapshot };
    if (hasMore && this.faults.mutationRate > 0 && this.mutationsInjected < this.faults.mutationBudget && this.faultRandom() < this.faults.mutationRate) {
      // The bank changes data while the client pages: its next page fails, and it must restart.
      this.mutationsInjected += 1;
      this.mutateOnce(item);
    }
    return {
      transactions_update_status: 'HISTORICAL_UPDATE_COMPLETE',
      accounts: item.accounts.filter((account) => !accountFilter || account.account_id === accountFilter).map((account) => this.accountView(item, account)),
      added,
      modified,
      removed,
      next_cursor: encodeCursor(next),
      has_more: hasMore,
      request_id: requestId(),
    };
  }

  // ---------------------------------------------------------------------------------------
  // Webhooks, signed as Plaid signs them
  // ---------------------------------------------------------------------------------------

  private async signingKey() {
    if (!this.keyPair) {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
      const jwk = await exportJWK(publicKey);
      this.keyPair = { privateKey: privateKey as KeyLike, jwk: { ...jwk, alg: 'ES256', use: 'sig', kid: randomUUID() } };
    }
    return this.keyPair;
  }

  /** Signs a body as Plaid does: ES256 JWT over {iat, request_body_sha256}. */
  async signWebhookBody(body: string, options: { iatSeconds?: number } = {}): Promise<string> {
    const key = await this.signingKey();
    const sha = createHash('sha256').update(body, 'utf8').digest('hex');
    const jwt = new SignJWT({ request_body_sha256: sha }).setProtectedHeader({ alg: 'ES256', kid: key.jwk.kid, typ: 'JWT' });
    jwt.setIssuedAt(options.iatSeconds ?? Math.floor(Date.now() / 1000));
    return jwt.sign(key.privateKey);
  }

  private async sendWebhook(item: ItemState, payload: Record<string, unknown>): Promise<void> {
    item.lastWebhook = { sent_at: new Date().toISOString(), code_sent: String(payload.webhook_code) };
    if (!item.webhook) return;
    // Plaid sends indented JSON; verifiers must hash the raw bytes, not a re-serialisation.
    const body = JSON.stringify(payload, null, 2);
    const jwt = await this.signWebhookBody(body);
    const sent = { url: item.webhook, body, jwt, status: null as number | null };
    this.webhooksSent.push(sent);
    try {
      const response = await fetch(item.webhook, { method: 'POST', headers: { 'content-type': 'application/json', 'plaid-verification': jwt }, body });
      sent.status = response.status;
      await response.body?.cancel();
    } catch {
      sent.status = 0;
    }
  }

  // ---------------------------------------------------------------------------------------
  // HTTP
  // ---------------------------------------------------------------------------------------

  private async injectFaults(): Promise<void> {
    const f = this.faults;
    if (f.slowRate > 0 && this.faultRandom() < f.slowRate) await new Promise((resolve) => setTimeout(resolve, f.slowMs));
    if (f.serverErrorRate > 0 && this.faultRandom() < f.serverErrorRate) {
      throw new PlaidHttpError(500, 'API_ERROR', 'INTERNAL_SERVER_ERROR', 'an unexpected error occurred', 'An unexpected error occurred. Please try again later.');
    }
    if (f.rateLimitRate > 0 && this.faultRandom() < f.rateLimitRate) {
      throw new PlaidHttpError(429, 'RATE_LIMIT_EXCEEDED', 'TRANSACTIONS_SYNC_LIMIT', 'rate limit exceeded for attempts to access this item. please try again later', 'Too many requests. Please try again later.');
    }
    if (f.institutionDownRate > 0 && this.faultRandom() < f.institutionDownRate) {
      throw new PlaidHttpError(400, 'INSTITUTION_ERROR', 'INSTITUTION_DOWN', 'this financial institution is not currently responding to requests', 'The bank is not responding right now. Please try again later.');
    }
  }

  private checkCredentials(req: Request): void {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const clientId = req.get('plaid-client-id') ?? (body.client_id as string | undefined);
    const secret = req.get('plaid-secret') ?? (body.secret as string | undefined);
    const ok = clientId && secret && (!this.options.clientId || clientId === this.options.clientId) && (!this.options.secret || secret === this.options.secret);
    if (!ok) throw new PlaidHttpError(400, 'INVALID_INPUT', 'INVALID_API_KEYS', 'invalid client_id or secret provided');
  }

  private itemFor(body: Record<string, unknown>, { dataCall }: { dataCall: boolean }): ItemState {
    const token = body.access_token;
    if (typeof token !== 'string' || token === '') throw new PlaidHttpError(400, 'INVALID_REQUEST', 'MISSING_FIELDS', 'the following required fields are missing: access_token');
    const item = this.itemsByToken.get(token);
    if (!item) throw new PlaidHttpError(400, 'INVALID_INPUT', 'INVALID_ACCESS_TOKEN', 'provided access token is in an invalid format. expected format: access-<environment>-<identifier>');
    if (dataCall && item.error) throw Object.assign(new PlaidHttpError(item.error.status, item.error.error_type, item.error.error_code, item.error.error_message, item.error.display_message));
    return item;
  }

  private routes(): void {
    const app = this.app;
    app.disable('x-powered-by');
    app.use(express.json({ limit: '1mb' }));
    app.use(express.urlencoded({ extended: false, limit: '64kb' }));
    const plaid = (path: string, handler: (body: Record<string, unknown>, req: Request) => unknown | Promise<unknown>, { faults = false }: { faults?: boolean } = {}) => {
      app.post(path, async (req: Request, res: Response) => {
        try {
          this.checkCredentials(req);
          if (faults) await this.injectFaults();
          const answer = (await handler((req.body ?? {}) as Record<string, unknown>, req)) as Record<string, unknown>;
          res.json({ ...answer, request_id: (answer.request_id as string | undefined) ?? requestId() });
        } catch (error) {
          const plaidError = error instanceof PlaidHttpError ? error : new PlaidHttpError(500, 'API_ERROR', 'INTERNAL_SERVER_ERROR', (error as Error).message);
          res.status(plaidError.status).json(errorBody(plaidError));
        }
      });
    };

    plaid('/link/token/create', (body) => {
      const missing = ['client_name', 'language', 'country_codes', 'user'].filter((field) => body[field] === undefined);
      if (missing.length > 0) throw new PlaidHttpError(400, 'INVALID_REQUEST', 'MISSING_FIELDS', `the following required fields are missing: ${missing.join(', ')}`);
      const accessToken = typeof body.access_token === 'string' ? body.access_token : null;
      if (accessToken && !this.itemsByToken.has(accessToken)) throw new PlaidHttpError(400, 'INVALID_INPUT', 'INVALID_ACCESS_TOKEN', 'provided access token is invalid');
      const linkToken = `link-sandbox-${randomUUID()}`;
      const expiresAt = Date.now() + 4 * 3600_000;
      this.linkTokens.set(linkToken, { accessToken, webhook: typeof body.webhook === 'string' ? body.webhook : null, redirectUri: typeof body.redirect_uri === 'string' ? body.redirect_uri : null, expiresAt });
      return { link_token: linkToken, expiration: new Date(expiresAt).toISOString() };
    });

    plaid('/sandbox/public_token/create', (body) => {
      const institution = typeof body.institution_id === 'string' ? findInstitution(body.institution_id) : undefined;
      if (!body.institution_id || !body.initial_products) throw new PlaidHttpError(400, 'INVALID_REQUEST', 'MISSING_FIELDS', 'the following required fields are missing: institution_id, initial_products');
      if (!institution) throw new PlaidHttpError(400, 'INVALID_INPUT', 'INVALID_INSTITUTION', 'invalid institution_id provided');
      const options = (body.options ?? {}) as Record<string, unknown>;
      if (options.override_password !== undefined && options.override_password !== 'pass_good') throw new PlaidHttpError(400, 'ITEM_ERROR', 'INVALID_CREDENTIALS', 'the provided credentials were not correct', 'The provided credentials were not correct. Please try again.');
      return { public_token: this.issuePublicToken(institution.id, null, typeof options.webhook === 'string' ? options.webhook : null) };
    });

    plaid('/item/public_token/exchange', (body) => {
      const token = typeof body.public_token === 'string' ? this.publicTokens.get(body.public_token) : undefined;
      if (!body.public_token) throw new PlaidHttpError(400, 'INVALID_REQUEST', 'MISSING_FIELDS', 'the following required fields are missing: public_token');
      if (!token || token.used || token.expiresAt < Date.now()) throw new PlaidHttpError(400, 'INVALID_INPUT', 'INVALID_PUBLIC_TOKEN', 'provided public token is expired. Public tokens expire 30 minutes after creation at which point they can no longer be exchanged');
      token.used = true;
      const item = this.createItem(token);
      return { access_token: item.access_token, item_id: item.item_id };
    });

    plaid('/accounts/get', (body) => {
      const item = this.itemFor(body, { dataCall: true });
      return { accounts: this.filterAccounts(item, body).map((account) => this.accountView(item, account)), item: this.itemView(item) };
    }, { faults: true });

    plaid('/accounts/balance/get', (body) => {
      const item = this.itemFor(body, { dataCall: true });
      return { accounts: this.filterAccounts(item, body).map((account) => this.accountView(item, account)), item: this.itemView(item) };
    }, { faults: true });

    plaid('/transactions/sync', (body) => {
      const item = this.itemFor(body, { dataCall: true });
      const options = (body.options ?? {}) as Record<string, unknown>;
      if (typeof body.cursor === 'string' && body.cursor.length > 256) throw new PlaidHttpError(400, 'INVALID_REQUEST', 'INVALID_FIELD', 'cursor must be at most 256 characters');
      return this.sync(item, body.cursor as string | undefined, body.count as number | undefined, options.account_id as string | undefined);
    }, { faults: true });

    plaid('/item/get', (body) => {
      const item = this.itemFor(body, { dataCall: false });
      return {
        item: { ...this.itemView(item), created_at: item.created_at },
        status: { transactions: { last_successful_update: new Date().toISOString(), last_failed_update: null }, last_webhook: item.lastWebhook },
      };
    });

    plaid('/item/remove', (body) => {
      const item = this.itemFor(body, { dataCall: false });
      this.items.delete(item.item_id);
      this.itemsByToken.delete(item.access_token);
      return {};
    });

    plaid('/investments/holdings/get', (body) => {
      const item = this.itemFor(body, { dataCall: true });
      const investment = item.accounts.filter((account) => account.template.type === 'investment');
      const securities = holdingsFor.map((holding, index) => ({ security_id: `sec_${index}_${holding.ticker ?? 'cash'}`, ticker_symbol: holding.ticker, name: holding.name, type: holding.type, close_price: holding.price, cusip: null, isin: null, is_cash_equivalent: holding.type === 'cash', iso_currency_code: 'USD' }));
      return {
        accounts: investment.map((account) => this.accountView(item, account)),
        holdings: investment.flatMap((account) => holdingsFor.map((holding, index) => ({ account_id: account.account_id, security_id: securities[index]!.security_id, institution_price: holding.price, institution_value: Math.round(holding.price * holding.quantity * 100) / 100, cost_basis: holding.costBasis, quantity: holding.quantity, iso_currency_code: 'USD' }))),
        securities,
        item: this.itemView(item),
      };
    }, { faults: true });

    plaid('/liabilities/get', (body) => {
      const item = this.itemFor(body, { dataCall: true });
      const credit = item.accounts.filter((account) => account.template.type === 'credit');
      const today = this.options.today ?? isoDay(new Date());
      return {
        accounts: credit.map((account) => this.accountView(item, account)),
        item: this.itemView(item),
        liabilities: {
          credit: credit.map((account) => {
            const { currentCents } = this.balanceCents(item, account);
            return { account_id: account.account_id, aprs: [{ apr_percentage: 24.99, apr_type: 'purchase_apr', balance_subject_to_apr: currentCents / 100, interest_charge_amount: 0 }], is_overdue: false, last_payment_amount: 900, last_payment_date: addDays(today, -10), last_statement_balance: currentCents / 100, last_statement_issue_date: addDays(today, -12), minimum_payment_amount: Math.max(25, Math.round(currentCents / 100) / 100), next_payment_due_date: addDays(today, 15) };
          }),
          mortgage: null,
          student: null,
        },
      };
    }, { faults: true });

    plaid('/webhook_verification_key/get', async (body) => {
      const key = await this.signingKey();
      if (body.key_id !== key.jwk.kid) throw new PlaidHttpError(400, 'INVALID_INPUT', 'INVALID_WEBHOOK_VERIFICATION_KEY_ID', 'invalid key_id provided');
      return { key: { ...key.jwk, created_at: 1_700_000_000, expired_at: null } };
    });

    plaid('/sandbox/item/fire_webhook', async (body) => {
      const item = this.itemFor(body, { dataCall: false });
      const code = String(body.webhook_code ?? '');
      const type = String(body.webhook_type ?? (code === 'SYNC_UPDATES_AVAILABLE' || code === 'DEFAULT_UPDATE' ? 'TRANSACTIONS' : 'ITEM'));
      if (!code) throw new PlaidHttpError(400, 'INVALID_REQUEST', 'MISSING_FIELDS', 'the following required fields are missing: webhook_code');
      const payload: Record<string, unknown> =
        code === 'SYNC_UPDATES_AVAILABLE'
          ? { webhook_type: 'TRANSACTIONS', webhook_code: code, item_id: item.item_id, initial_update_complete: true, historical_update_complete: true, environment: 'sandbox' }
          : { webhook_type: type, webhook_code: code, item_id: item.item_id, error: item.error, environment: 'sandbox' };
      await this.sendWebhook(item, payload);
      return { webhook_fired: true };
    });

    plaid('/sandbox/item/reset_login', (body) => {
      const item = this.itemFor(body, { dataCall: false });
      this.resetLogin(item.item_id);
      return { reset_login: true };
    });

    // Not Plaid: the fault knobs, for demos and manual testing.
    app.post('/sandbox/faults', (req, res) => {
      const body = (req.body ?? {}) as Partial<SandboxFaults>;
      const known = Object.keys(noFaults);
      const bad = Object.entries(body).filter(([key, value]) => !known.includes(key) || typeof value !== 'number' || value < 0);
      if (bad.length > 0) return void res.status(400).json({ error: `unknown or invalid knobs: ${bad.map(([key]) => key).join(', ')}`, knobs: known });
      this.setFaults(body);
      res.json({ faults: this.faults });
    });
    app.get('/sandbox/faults', (_req, res) => void res.json({ faults: this.faults }));

    // The consent page that stands in for Plaid Link.
    app.get('/link', (req, res) => {
      const token = typeof req.query.token === 'string' ? this.linkTokens.get(req.query.token) : undefined;
      res.set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action 'self'");
      if (!token || token.expiresAt < Date.now()) return void res.status(400).type('html').send(consentResultPage({ error: 'This link has expired. Close this window and start again.' }));
      const updateItem = token.accessToken ? this.itemsByToken.get(token.accessToken) : undefined;
      res.type('html').send(consentPage({ linkToken: String(req.query.token), institutions, selected: typeof req.query.institution === 'string' ? req.query.institution : undefined, updateInstitution: updateItem?.institution.name }));
    });
    app.post('/link', (req, res) => {
      res.set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'");
      const body = req.body as Record<string, string | string[] | undefined>;
      const token = typeof body.link_token === 'string' ? this.linkTokens.get(body.link_token) : undefined;
      if (!token || token.expiresAt < Date.now()) return void res.status(400).type('html').send(consentResultPage({ error: 'This link has expired. Close this window and start again.' }));
      if (body.username !== 'user_good' || body.password !== 'pass_good') {
        return void res.status(400).type('html').send(consentResultPage({ error: 'The credentials were not correct (the sandbox accepts user_good / pass_good).' }));
      }
      if (token.accessToken) {
        const item = this.itemsByToken.get(token.accessToken);
        if (item) {
          item.error = null;
          void this.sendWebhook(item, { webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: item.item_id, environment: 'sandbox' });
        }
        return void res.type('html').send(consentResultPage({ updated: true, redirectUri: token.redirectUri }));
      }
      const institution = typeof body.institution_id === 'string' ? findInstitution(body.institution_id) : undefined;
      if (!institution) return void res.status(400).type('html').send(consentResultPage({ error: 'Choose a bank.' }));
      const chosen = ([] as string[]).concat(body.accounts ?? []).filter((key) => institution.accounts.some((account) => account.key === key));
      if (chosen.length === 0) return void res.status(400).type('html').send(consentResultPage({ error: 'Choose at least one account to share.' }));
      const publicToken = this.issuePublicToken(institution.id, chosen, token.webhook);
      res.type('html').send(consentResultPage({ publicToken, institution: { id: institution.id, name: institution.name }, redirectUri: token.redirectUri }));
    });
  }

  private filterAccounts(item: ItemState, body: Record<string, unknown>): AccountState[] {
    const ids = ((body.options ?? {}) as { account_ids?: string[] }).account_ids;
    return ids ? item.accounts.filter((account) => ids.includes(account.account_id)) : item.accounts;
  }

  /** Public tokens are single-use and expire after 30 minutes, as Plaid's do. */
  private issuePublicToken(institutionId: string, accountKeys: string[] | null, webhook: string | null): string {
    const token = `public-sandbox-${randomUUID()}`;
    this.publicTokens.set(token, { institutionId, accountKeys, webhook, expiresAt: Date.now() + 30 * 60_000, used: false });
    return token;
  }

  /** For tests and the demo: what the consent page does, without a browser. */
  createPublicToken(institutionId: string, accountKeys: string[] | null = null, webhook: string | null = null): string {
    if (!findInstitution(institutionId)) throw new Error(`no sandbox institution ${institutionId}`);
    return this.issuePublicToken(institutionId, accountKeys, webhook);
  }

  /** The webhook a link token was created with (the consent page carries it to the item). */
  linkTokenWebhook(linkToken: string): string | null {
    return this.linkTokens.get(linkToken)?.webhook ?? null;
  }
}

function stripState(txn: TxnState): Omit<TxnState, 'addSeq' | 'lastSeq' | 'removed'> {
  const { addSeq: _a, lastSeq: _l, removed: _r, ...rest } = txn;
  return rest;
}

/**
 * Plaid-looking ids (37 alphanumerics). Random, not seeded: ids must stay unique across
 * restarts (a demo database outlives the in-process sandbox), while the data itself is seeded.
 */
function randomId(_seed: number, _salt: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(37);
  let id = '';
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return id;
}

/** Starts a sandbox in this process. */
export async function startPlaidSandbox(options: PlaidSandboxOptions = {}): Promise<PlaidSandbox> {
  const sandbox = new PlaidSandbox(options);
  await sandbox.start();
  return sandbox;
}
