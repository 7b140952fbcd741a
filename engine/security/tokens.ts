/**
 * Session tokens.
 *
 * - Access tokens: short-lived JWTs (HS256) the API verifies statelessly.
 * - Refresh tokens: opaque random strings. Only their SHA-256 hash is stored,
 *   so a database leak does not hand out live sessions. A fast hash is fine
 *   here (unlike passwords) because the token has 256 bits of entropy.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';

export interface AccessTokenClaims {
  userId: string;
  householdId: string;
  sessionId: string;
}

export interface IssuedAccessToken {
  token: string;
  expiresAt: Date;
}

export interface RefreshToken {
  /** Give to the client; never store. */
  token: string;
  /** Store this (SHA-256 hex of `token`). */
  tokenHash: string;
}

export interface TokenServiceOptions {
  /** HMAC secret, at least 32 bytes (RFC 7518 §3.2: key >= hash size). */
  secret: Uint8Array;
  issuer: string;
  /** Access token lifetime; defaults to 15 minutes. */
  accessTtlSeconds?: number;
  /** Injectable clock for tests; defaults to the system clock. */
  now?: () => Date;
}

/** Any reason an access token is not acceptable. Map to HTTP 401. */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

const ALGORITHM = 'HS256';
const MIN_SECRET_BYTES = 32;
const DEFAULT_ACCESS_TTL_SECONDS = 900;
const REFRESH_TOKEN_BYTES = 32;
/** Custom claim names kept short; `sub` carries the user id. */
const HOUSEHOLD_CLAIM = 'hid';
const SESSION_CLAIM = 'sid';

function toEpochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function claimsFromPayload(payload: JWTPayload): AccessTokenClaims {
  const { sub, [HOUSEHOLD_CLAIM]: householdId, [SESSION_CLAIM]: sessionId } = payload;
  if (!nonEmptyString(sub) || !nonEmptyString(householdId) || !nonEmptyString(sessionId)) {
    throw new InvalidTokenError('Access token is missing required claims.');
  }
  return { userId: sub, householdId, sessionId };
}

export class TokenService {
  private readonly secret: Uint8Array;
  private readonly issuer: string;
  private readonly accessTtlSeconds: number;
  private readonly now: () => Date;

  constructor(opts: TokenServiceOptions) {
    if (opts.secret.length < MIN_SECRET_BYTES) {
      throw new RangeError(`Token secret must be at least ${MIN_SECRET_BYTES} bytes.`);
    }
    const ttl = opts.accessTtlSeconds ?? DEFAULT_ACCESS_TTL_SECONDS;
    if (!Number.isInteger(ttl) || ttl <= 0) {
      throw new RangeError('accessTtlSeconds must be a positive integer.');
    }
    // Copy so the caller cannot mutate our secret afterwards.
    this.secret = Uint8Array.from(opts.secret);
    this.issuer = opts.issuer;
    this.accessTtlSeconds = ttl;
    this.now = opts.now ?? (() => new Date());
  }

  async issueAccessToken(claims: AccessTokenClaims): Promise<IssuedAccessToken> {
    const issuedAt = toEpochSeconds(this.now());
    const expiresAtSeconds = issuedAt + this.accessTtlSeconds;
    const token = await new SignJWT({
      [HOUSEHOLD_CLAIM]: claims.householdId,
      [SESSION_CLAIM]: claims.sessionId,
    })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(this.issuer)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAtSeconds)
      .sign(this.secret);
    return { token, expiresAt: new Date(expiresAtSeconds * 1000) };
  }

  /**
   * Verify signature, algorithm, issuer and expiry. Every failure becomes
   * `InvalidTokenError` so callers need a single catch → 401.
   */
  async verifyAccessToken(token: string): Promise<AccessTokenClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.secret, {
        // Pin the algorithm: blocks `alg: none` and algorithm-confusion tricks.
        algorithms: [ALGORITHM],
        issuer: this.issuer,
        requiredClaims: ['exp', 'sub'],
        currentDate: this.now(),
      }));
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'unknown error';
      throw new InvalidTokenError(`Invalid access token: ${reason}`, { cause: error });
    }
    return claimsFromPayload(payload);
  }

  newRefreshToken(): RefreshToken {
    return newRefreshToken();
  }

  hashRefreshToken(token: string): string {
    return hashRefreshToken(token);
  }
}

/** 32 random bytes, base64url: unguessable and URL/cookie safe. */
export function newRefreshToken(): RefreshToken {
  const token = randomBytes(REFRESH_TOKEN_BYTES).toString('base64url');
  return { token, tokenHash: hashRefreshToken(token) };
}

/** SHA-256 hex; deterministic so the presented token can be looked up by hash. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
