/**
 * Keeping secrets out of logs and audit snapshots.
 *
 * Two tools because the needs differ:
 * - `logRedactPaths` feeds pino's path-based redaction (fast, but only
 *   matches the exact shapes listed).
 * - `redactSecrets` walks any object and censors every secret-looking key at
 *   any depth; used for audit-log before/after snapshots where row shapes
 *   vary.
 */

export const REDACTED = '[redacted]';

/** Object keys that hold secrets in request bodies, rows and log objects. */
const SECRET_FIELD_NAMES = [
  'password',
  'newPassword',
  'currentPassword',
  'passwordHash',
  'password_hash',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'id_token',
  'publicToken',
  'public_token',
  'secret',
  'clientSecret',
  'client_secret',
  'apiKey',
  'api_key',
  'privateKey',
  'private_key',
  'authorization',
] as const;

/**
 * Paths for pino's `redact` option. In pino's syntax `*.x` only matches one
 * level below the root, so each name is listed at depths 0-2 (covers
 * `{password}`, `{body: {password}}` and `{req: {body: {password}}}`).
 * Headers are listed explicitly because pino-http logs them verbatim.
 */
export const logRedactPaths: string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELD_NAMES.flatMap((name) => [name, `*.${name}`, `*.*.${name}`]),
];

/**
 * Substrings that make a key secret-looking, compared after lower-casing and
 * dropping `_`/`-` so `access_token`, `accessToken` and `Access-Token` all
 * match. Substring (not equality) so that e.g. `plaidAccessToken`,
 * `clientSecret`, `passwordHash`, `tokenHash` and `access_token_ciphertext`
 * are covered without listing every column.
 */
const SECRET_KEY_FRAGMENTS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'authorization',
  'cookie',
  'privatekey',
  'credential',
];

export function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[-_]/g, '');
  return SECRET_KEY_FRAGMENTS.some((fragment) => normalized.includes(fragment));
}

const CIRCULAR = '[circular]';

function redactValue(value: unknown, ancestors: Set<object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  // Cycles are cut rather than reproduced so the result is always
  // JSON-serialisable (the audit log stores it as JSON).
  if (ancestors.has(value)) return CIRCULAR;
  if (value instanceof Date) return new Date(value.getTime());
  if (ArrayBuffer.isView(value)) return copyBinary(value);
  ancestors.add(value);
  try {
    return redactContainer(value, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

/** Binary data has no keys to redact; copy it so the result shares nothing. */
function copyBinary(view: ArrayBufferView): ArrayBufferView {
  // Buffer#slice shares memory (unlike TypedArray#slice), hence Buffer.from.
  if (Buffer.isBuffer(view)) return Buffer.from(view);
  if (view instanceof DataView) {
    return new DataView(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
  }
  return (view as Uint8Array).slice();
}

function redactEntry(key: string, value: unknown, ancestors: Set<object>): unknown {
  // Keep null/undefined visible: "token was cleared" is useful audit
  // information and reveals nothing.
  if (isSecretKey(key) && value !== null && value !== undefined) return REDACTED;
  return redactValue(value, ancestors);
}

function redactContainer(value: object, ancestors: Set<object>): unknown {
  if (Array.isArray(value)) return value.map((item) => redactValue(item, ancestors));
  if (value instanceof Map) {
    return new Map(
      [...value].map(([k, v]) => [k, typeof k === 'string' ? redactEntry(k, v, ancestors) : redactValue(v, ancestors)]),
    );
  }
  if (value instanceof Set) return new Set([...value].map((item) => redactValue(item, ancestors)));
  // Plain objects and class instances (e.g. ORM models) alike become plain
  // objects of their own enumerable properties: a snapshot, not a live model.
  const copy: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    copy[key] = redactEntry(key, entry, ancestors);
  }
  return copy;
}

/**
 * Deep copy of `input` with the value of every secret-looking key (any depth,
 * case-insensitive) replaced by "[redacted]". The input is not modified.
 */
export function redactSecrets<T>(input: T): T {
  return redactValue(input, new Set()) as T;
}
