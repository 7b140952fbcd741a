/**
 * The studio's one way to talk to the API (HTTP only: the studio never imports engine code).
 * Paths are relative to /api/v1. Errors arrive as problem+json and surface as ApiProblem, whose
 * field errors (JSON pointers) forms map onto their inputs.
 */

export interface FieldError {
  field: string;
  message: string;
  code?: string;
}

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly errors: readonly FieldError[] = [],
  ) {
    super(detail || title);
  }

  /** The message of the first error on a field (e.g. "/postings/0/amount"), if any. */
  fieldError(field: string): string | undefined {
    return this.errors.find((error) => error.field === field)?.message;
  }
}

export interface SessionTokens {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

/** Where the session lives between page loads; the auth module owns writes to it. */
export interface TokenStore {
  get(): SessionTokens | null;
  set(tokens: SessionTokens | null): void;
}

const storageKey = 'sluice.session';

export const localTokenStore: TokenStore = {
  get() {
    try {
      const raw = window.localStorage.getItem(storageKey);
      return raw ? (JSON.parse(raw) as SessionTokens) : null;
    } catch {
      return null;
    }
  },
  set(tokens) {
    if (tokens) window.localStorage.setItem(storageKey, JSON.stringify(tokens));
    else window.localStorage.removeItem(storageKey);
    sessionListeners.forEach((listener) => listener(tokens));
  },
};

const sessionListeners = new Set<(tokens: SessionTokens | null) => void>();

/** Called when the session changes (sign-in, refresh, sign-out, or a refresh that failed). */
export function onSessionChange(listener: (tokens: SessionTokens | null) => void): () => void {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Answer as text (CSV, hledger), not JSON. */
  text?: boolean;
}

let store: TokenStore = localTokenStore;
let refreshing: Promise<boolean> | null = null;

/** Tests swap the store. */
export function useTokenStore(next: TokenStore): void {
  store = next;
}

export function currentSession(): SessionTokens | null {
  return store.get();
}

export function setSession(tokens: SessionTokens | null): void {
  store.set(tokens);
}

function urlOf(path: string, query?: RequestOptions['query']): string {
  const url = new URL(`/api/v1${path}`, window.location.origin);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
  }
  return url.pathname + url.search;
}

async function problemOf(response: Response): Promise<ApiProblem> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { code?: string; title?: string; detail?: string; errors?: FieldError[] };
    return new ApiProblem(response.status, body.code ?? 'error', body.title ?? response.statusText, body.detail ?? '', body.errors ?? []);
  } catch {
    return new ApiProblem(response.status, 'error', response.statusText, text.slice(0, 300) || `the server answered ${response.status}`);
  }
}

/** Spends the refresh token once for everybody waiting (it rotates: a second use would revoke the session). */
async function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    const tokens = store.get();
    if (!tokens) return false;
    const response = await fetch('/api/v1/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: tokens.refreshToken }) });
    if (!response.ok) {
      store.set(null);
      return false;
    }
    store.set((await response.json()) as SessionTokens);
    return true;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: options.text ? '*/*' : 'application/json', ...options.headers };
  const tokens = store.get();
  if (tokens) headers.authorization = `Bearer ${tokens.accessToken}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(urlOf(path, options.query), {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
}

/** Calls the API; a 401 with a session refreshes it once and retries. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let response = await send(path, options);
  if (response.status === 401 && store.get() && !path.startsWith('/auth/')) {
    if (await refreshSession()) response = await send(path, options);
  }
  if (!response.ok) throw await problemOf(response);
  if (response.status === 204) return undefined as T;
  return (options.text ? await response.text() : await response.json()) as T;
}

/** A list endpoint's answer. */
export interface Page<T> {
  data: T[];
  page: { limit: number; offset: number; total: number };
}

/** A fresh Idempotency-Key for a write the user asked for once (a retry reuses it). */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
