/**
 * The one door to Plaid: the official `plaid` client, configured once, and Plaid's errors turned
 * into a small vocabulary the sync understands (transient, login required, restart pagination,
 * permanent). Access tokens pass through here and nowhere is one logged.
 */
import { Configuration, PlaidApi, PlaidEnvironments } from 'plaid';
import type { PlaidSettings } from './banking-config.js';

export type PlaidFailureKind = 'transient' | 'login_required' | 'mutation_during_pagination' | 'permanent' | 'not_configured';

/** A Plaid call that failed, with Plaid's own fields (never the request, which holds tokens). */
export class PlaidFailure extends Error {
  override name = 'PlaidFailure';
  constructor(
    readonly kind: PlaidFailureKind,
    readonly status: number | null,
    readonly errorType: string,
    readonly errorCode: string,
    message: string,
    readonly displayMessage: string | null,
    readonly requestId: string | null,
  ) {
    super(message);
  }
}

interface PlaidErrorBody {
  error_type?: string;
  error_code?: string;
  error_message?: string;
  display_message?: string | null;
  request_id?: string;
}

const transientTypes = new Set(['API_ERROR', 'RATE_LIMIT_EXCEEDED', 'INSTITUTION_ERROR']);
const transientCodes = new Set(['PRODUCT_NOT_READY', 'INTERNAL_SERVER_ERROR', 'PLANNED_MAINTENANCE']);

/** Classifies whatever the client threw (AxiosError with Plaid's body, or a network error). */
export function toPlaidFailure(error: unknown): PlaidFailure {
  if (error instanceof PlaidFailure) return error;
  const axios = error as { response?: { status?: number; data?: unknown }; code?: string; message?: string };
  const status = axios.response?.status ?? null;
  const body = (axios.response?.data ?? {}) as PlaidErrorBody;
  const errorType = body.error_type ?? (status === null ? 'NETWORK_ERROR' : 'API_ERROR');
  const errorCode = body.error_code ?? axios.code ?? 'UNKNOWN';
  const message = body.error_message ?? axios.message ?? 'Plaid call failed';
  let kind: PlaidFailureKind = 'permanent';
  if (errorCode === 'ITEM_LOGIN_REQUIRED' || errorCode === 'PENDING_EXPIRATION' || errorCode === 'ACCESS_NOT_GRANTED') kind = 'login_required';
  else if (errorCode === 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION') kind = 'mutation_during_pagination';
  else if (status === null || status >= 500 || status === 429 || transientTypes.has(errorType) || transientCodes.has(errorCode)) kind = 'transient';
  return new PlaidFailure(kind, status, errorType, errorCode, message, body.display_message ?? null, body.request_id ?? null);
}

export interface RetryPolicy {
  /** Tries per call, the first included. */
  attemptsMax: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attemptsMax: 6, baseDelayMs: 250, maxDelayMs: 8_000 };

/** Retries transient failures with exponential backoff and full jitter; anything else surfaces at once. */
export async function withRetry<T>(call: () => Promise<T>, policy: RetryPolicy, onRetry?: (failure: PlaidFailure, attempt: number) => void): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const failure = toPlaidFailure(error);
      if (failure.kind !== 'transient' || attempt >= policy.attemptsMax) throw failure;
      onRetry?.(failure, attempt);
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)));
    }
  }
}

export class PlaidGateway {
  private client_: PlaidApi | undefined;

  constructor(private readonly settings: PlaidSettings) {}

  get configured(): boolean {
    return Boolean(this.settings.clientId && this.settings.secret);
  }

  get localSandbox(): boolean {
    return this.settings.localSandbox;
  }

  get basePath(): string {
    return this.settings.basePath ?? PlaidEnvironments[this.settings.environment] ?? PlaidEnvironments.sandbox!;
  }

  get webhookUrl(): string | undefined {
    return this.settings.webhookUrl;
  }

  get redirectUri(): string | undefined {
    return this.settings.redirectUri;
  }

  /** The official client. Built on first use, so an unconfigured install starts fine. */
  get client(): PlaidApi {
    if (!this.configured) {
      throw new PlaidFailure('not_configured', null, 'CONFIGURATION', 'PLAID_NOT_CONFIGURED', 'set PLAID_CLIENT_ID and PLAID_SECRET, or run without them to use the local sandbox', null, null);
    }
    this.client_ ??= new PlaidApi(
      new Configuration({
        basePath: this.basePath,
        baseOptions: {
          headers: { 'PLAID-CLIENT-ID': this.settings.clientId!, 'PLAID-SECRET': this.settings.secret! },
          timeout: this.settings.timeoutMs,
          // A local sandbox must not go through an HTTP proxy from the environment.
          ...(this.settings.localSandbox ? { proxy: false } : {}),
        },
      }),
    );
    return this.client_;
  }
}
