/**
 * Application-level encryption for sensitive columns (bank access tokens,
 * etc.) with AES-256-GCM.
 *
 * Token format (all text, safe to store in a TEXT column):
 *
 *   v1.<keyId>.<iv b64url>.<tag b64url>.<ciphertext b64url>
 *
 * - `v1` lets us change the format later without guessing.
 * - `keyId` names the key that encrypted the value, so keys can rotate:
 *   new values use the active key, old values still decrypt with theirs.
 * - IV is 12 random bytes per encryption (the GCM standard size). With random
 *   IVs a single key should stay under ~2^32 encryptions; far beyond our
 *   volume, and rotation resets the count anyway.
 * - Optional AAD (e.g. `bank_connection:<id>`) binds a ciphertext to its row
 *   so it cannot be copied into another row and still decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface FieldKey {
  id: string;
  /** Exactly 32 bytes (AES-256). */
  key: Buffer;
}

export interface FieldCipherEnvOptions {
  /**
   * Key to use when the env var is absent or blank, typically a dev key the
   * app generated and persisted in its data dir. Without it, a missing env
   * var is a configuration error.
   */
  fallbackKey?: FieldKey;
}

/** Thrown for any token that cannot be authenticated or parsed. */
export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

/** Thrown for bad key material / configuration (never contains key bytes). */
export class EncryptionKeyError extends Error {
  override name = 'EncryptionKeyError';
}

const FORMAT_VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Key ids appear inside tokens and env values, so keep them delimiter-free. */
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;
const BASE64_PATTERN = /^[A-Za-z0-9+/_-]+={0,2}$/;

function assertValidKey({ id, key }: FieldKey): void {
  if (!KEY_ID_PATTERN.test(id)) {
    throw new EncryptionKeyError(
      `Invalid encryption key id ${JSON.stringify(id)}: use 1-64 of [A-Za-z0-9_-].`,
    );
  }
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new EncryptionKeyError(
      `Encryption key "${id}" must be ${KEY_BYTES} bytes, got ${Buffer.isBuffer(key) ? key.length : typeof key}.`,
    );
  }
}

/**
 * Strict base64url decoding. Node's decoder silently skips invalid
 * characters and ignores trailing bits, which would let several different
 * strings decode to the same bytes; we require the canonical encoding.
 */
function decodeBase64UrlStrict(part: string, label: string): Buffer {
  if (!BASE64URL_PATTERN.test(part)) {
    throw new DecryptionError(`Malformed encrypted value: ${label} is not base64url.`);
  }
  const bytes = Buffer.from(part, 'base64url');
  if (bytes.toString('base64url') !== part) {
    throw new DecryptionError(`Malformed encrypted value: ${label} is not canonical base64url.`);
  }
  return bytes;
}

interface ParsedToken {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function parseToken(token: string): ParsedToken {
  if (typeof token !== 'string') {
    throw new DecryptionError('Malformed encrypted value: not a string.');
  }
  const parts = token.split('.');
  if (parts.length !== 5) {
    throw new DecryptionError('Malformed encrypted value: expected 5 dot-separated parts.');
  }
  const [version, keyId, ivPart, tagPart, ciphertextPart] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (version !== FORMAT_VERSION) {
    throw new DecryptionError(`Unsupported encrypted value version ${JSON.stringify(version)}.`);
  }
  const iv = decodeBase64UrlStrict(ivPart, 'iv');
  const tag = decodeBase64UrlStrict(tagPart, 'tag');
  const ciphertext = decodeBase64UrlStrict(ciphertextPart, 'ciphertext');
  if (iv.length !== IV_BYTES) {
    throw new DecryptionError(`Malformed encrypted value: iv must be ${IV_BYTES} bytes.`);
  }
  // Checked explicitly: GCM would otherwise accept truncated tags.
  if (tag.length !== TAG_BYTES) {
    throw new DecryptionError(`Malformed encrypted value: tag must be ${TAG_BYTES} bytes.`);
  }
  return { keyId, iv, tag, ciphertext };
}

/** Parse one `id:base64key` entry of SLUICE_ENCRYPTION_KEYS. */
function parseEnvEntry(entry: string, index: number): FieldKey {
  const separator = entry.indexOf(':');
  if (separator <= 0) {
    throw new EncryptionKeyError(
      `SLUICE_ENCRYPTION_KEYS entry #${index + 1} must look like "<keyId>:<base64 32-byte key>".`,
    );
  }
  const id = entry.slice(0, separator).trim();
  const encoded = entry.slice(separator + 1).trim();
  // Never echo `encoded` in errors: it is key material.
  if (!BASE64_PATTERN.test(encoded)) {
    throw new EncryptionKeyError(`Encryption key "${id}" is not valid base64.`);
  }
  // Node's base64 decoder also accepts the URL-safe alphabet.
  const key = Buffer.from(encoded, 'base64');
  const fieldKey = { id, key };
  assertValidKey(fieldKey);
  return fieldKey;
}

/** Parse `k1:<base64>,k2:<base64>`; the first entry is the active key. */
export function parseEncryptionKeys(value: string): FieldKey[] {
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => entry === '')) {
    throw new EncryptionKeyError('SLUICE_ENCRYPTION_KEYS contains an empty entry.');
  }
  return entries.map(parseEnvEntry);
}

export class FieldCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  /** Id of the key new values are encrypted with. */
  readonly activeKeyId: string;

  constructor(keys: FieldKey[], activeKeyId: string) {
    this.keys = FieldCipher.buildKeyMap(keys);
    if (!this.keys.has(activeKeyId)) {
      throw new EncryptionKeyError(`Active encryption key "${activeKeyId}" is not among the configured keys.`);
    }
    this.activeKeyId = activeKeyId;
  }

  /**
   * Build from the SLUICE_ENCRYPTION_KEYS value (first key active, the rest
   * kept for decrypting older values). Blank/absent → `options.fallbackKey`.
   */
  static fromEnv(value: string | undefined, options: FieldCipherEnvOptions = {}): FieldCipher {
    if (value === undefined || value.trim() === '') {
      if (!options.fallbackKey) {
        throw new EncryptionKeyError('SLUICE_ENCRYPTION_KEYS is not set and no fallback key was supplied.');
      }
      return new FieldCipher([options.fallbackKey], options.fallbackKey.id);
    }
    const keys = parseEncryptionKeys(value);
    // parseEncryptionKeys rejects empty entries, so there is at least one.
    return new FieldCipher(keys, keys[0]!.id);
  }

  /** Fresh random key, e.g. for the app's persisted dev key. */
  static generateKey(): Buffer {
    return randomBytes(KEY_BYTES);
  }

  private static buildKeyMap(keys: FieldKey[]): Map<string, Buffer> {
    const map = new Map<string, Buffer>();
    for (const fieldKey of keys) {
      assertValidKey(fieldKey);
      if (map.has(fieldKey.id)) {
        throw new EncryptionKeyError(`Duplicate encryption key id "${fieldKey.id}".`);
      }
      // Copy so later mutation of the caller's buffer cannot change our key.
      map.set(fieldKey.id, Buffer.from(fieldKey.key));
    }
    return map;
  }

  encrypt(plain: string, aad?: string): string {
    const key = this.keys.get(this.activeKeyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      FORMAT_VERSION,
      this.activeKeyId,
      iv.toString('base64url'),
      tag.toString('base64url'),
      ciphertext.toString('base64url'),
    ].join('.');
  }

  /**
   * Decrypt with the key named in the token. `aad` must equal the value used
   * at encryption time (GCM treats "no AAD" and "" the same).
   */
  decrypt(token: string, aad?: string): string {
    const { keyId, iv, tag, ciphertext } = parseToken(token);
    const key = this.keys.get(keyId);
    if (!key) {
      throw new DecryptionError(`Unknown encryption key id ${JSON.stringify(keyId)}.`);
    }
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      // Node's message ("Unsupported state or unable to authenticate data")
      // is opaque; say what it means for us.
      throw new DecryptionError(
        'Encrypted value failed authentication (tampered data, wrong key or wrong associated data).',
      );
    }
  }
}
