/**
 * Plaid webhook verification (plaid.com/docs/api/webhooks/webhook-verification): the
 * `Plaid-Verification` header is an ES256 JWT whose key is fetched by `kid` from
 * `/webhook_verification_key/get`; it must be issued within the last 5 minutes and carry the
 * SHA-256 of the raw body bytes (never a re-serialisation: Plaid sends indented JSON).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import type { PlaidGateway } from './plaid-gateway.js';
import { toPlaidFailure } from './plaid-gateway.js';

export class WebhookRejected extends Error {
  override name = 'WebhookRejected';
}

interface CachedKey {
  jwk: JWK;
  expiredAtSeconds: number | null;
}

/** Keys by kid; an unknown kid is looked up once per `keyLookupIntervalMs` at most. */
export class WebhookVerifier {
  private readonly keys = new Map<string, CachedKey>();
  private readonly lookups = new Map<string, number>();
  readonly maxAgeSeconds = 5 * 60;
  readonly keyLookupIntervalMs = 10_000;

  constructor(
    private readonly gateway: PlaidGateway,
    private readonly now: () => number = Date.now,
  ) {}

  async verify(rawBody: Buffer, header: string | undefined): Promise<void> {
    if (!header) throw new WebhookRejected('missing Plaid-Verification header');
    let kid: string;
    try {
      const protectedHeader = decodeProtectedHeader(header);
      if (protectedHeader.alg !== 'ES256') throw new WebhookRejected(`algorithm ${String(protectedHeader.alg)} refused; only ES256`);
      if (typeof protectedHeader.kid !== 'string' || protectedHeader.kid === '') throw new WebhookRejected('no key id');
      kid = protectedHeader.kid;
    } catch (error) {
      if (error instanceof WebhookRejected) throw error;
      throw new WebhookRejected('the verification header is not a JWT');
    }
    const key = await this.key(kid);
    if (key.expiredAtSeconds !== null && key.expiredAtSeconds * 1000 <= this.now()) throw new WebhookRejected('the signing key has expired');
    let claims: Record<string, unknown>;
    try {
      const verified = await jwtVerify(header, await importJWK({ ...key.jwk, alg: 'ES256' }, 'ES256'), {
        algorithms: ['ES256'],
        maxTokenAge: `${this.maxAgeSeconds}s`,
        currentDate: new Date(this.now()),
        clockTolerance: 5,
      });
      claims = verified.payload as Record<string, unknown>;
    } catch {
      throw new WebhookRejected('signature invalid or issued more than 5 minutes ago');
    }
    const claimed = claims.request_body_sha256;
    if (typeof claimed !== 'string' || !/^[0-9a-f]{64}$/.test(claimed)) throw new WebhookRejected('no body hash in the token');
    const actual = createHash('sha256').update(rawBody).digest();
    if (!timingSafeEqual(actual, Buffer.from(claimed, 'hex'))) throw new WebhookRejected('the body does not match the signed hash');
  }

  private async key(kid: string): Promise<CachedKey> {
    const cached = this.keys.get(kid);
    if (cached) return cached;
    const last = this.lookups.get(kid);
    if (last !== undefined && this.now() - last < this.keyLookupIntervalMs) throw new WebhookRejected('unknown signing key');
    this.lookups.set(kid, this.now());
    try {
      const answer = await this.gateway.client.webhookVerificationKeyGet({ key_id: kid });
      const jwk = answer.data.key as unknown as JWK & { expired_at?: number | null };
      if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new WebhookRejected('the signing key is not a P-256 key');
      const entry = { jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, expiredAtSeconds: jwk.expired_at ?? null } as CachedKey;
      this.keys.set(kid, entry);
      return entry;
    } catch (error) {
      if (error instanceof WebhookRejected) throw error;
      const failure = toPlaidFailure(error);
      throw new WebhookRejected(failure.kind === 'transient' ? 'could not fetch the signing key' : 'unknown signing key');
    }
  }
}
