import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { SignJWT } from 'jose';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  DecryptionError,
  EncryptionKeyError,
  FieldCipher,
  InvalidTokenError,
  PASSWORD_MAX_LENGTH,
  TokenService,
  hashPassword,
  hashRefreshToken,
  isSecretKey,
  logRedactPaths,
  newRefreshToken,
  passwordProblems,
  redactSecrets,
  verifyPassword,
  type FieldKey,
} from '../../engine/security/index.js';

// ---------------------------------------------------------------- passwords

describe('passwords', () => {
  it('hashes with argon2id at the OWASP parameters and verifies', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash.startsWith('$argon2id$')).toBe(true);
    // node-argon2 writes the parameters in alphabetical order (m, p, t).
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await verifyPassword(hash, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse batterY')).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPassword('same password!'), hashPassword('same password!')]);
    expect(a).not.toBe(b);
  });

  it('treats canonically equivalent Unicode input as the same password', async () => {
    const composed = 'caf\u00e9 au lait!';
    const decomposed = 'cafe\u0301 au lait!';
    const hash = await hashPassword(composed);
    expect(await verifyPassword(hash, decomposed)).toBe(true);
  });

  it('returns false (never throws) for malformed hashes', async () => {
    for (const bad of ['', 'not-a-hash', '$argon2id$', '$argon2id$v=19$m=19456,t=2,p=1$bad', '$2b$10$abcdefghijklmnopqrstuv']) {
      await expect(verifyPassword(bad, 'whatever password')).resolves.toBe(false);
    }
    await expect(verifyPassword(undefined as unknown as string, 'x')).resolves.toBe(false);
  });

  it('bounds password length on hash and verify', async () => {
    const tooLong = 'ab'.repeat(PASSWORD_MAX_LENGTH);
    await expect(hashPassword(tooLong)).rejects.toThrow(RangeError);
    const hash = await hashPassword('a reasonable password');
    await expect(verifyPassword(hash, tooLong)).resolves.toBe(false);
  });

  describe('passwordProblems', () => {
    it('accepts a reasonable password', () => {
      expect(passwordProblems('tr0ub4dor&3x')).toEqual([]);
      expect(passwordProblems('x'.repeat(9) + 'y')).toEqual([]);
      expect(passwordProblems('ab'.repeat(PASSWORD_MAX_LENGTH / 2))).toEqual([]);
    });

    it('rejects short passwords', () => {
      expect(passwordProblems('short1!')).toEqual(['Password must be at least 10 characters long.']);
      expect(passwordProblems('')).toHaveLength(1);
    });

    it('counts code points, not UTF-16 units', () => {
      // 5 emoji = 10 UTF-16 units but only 5 characters.
      expect(passwordProblems('😀😁😂🤣😃')).toContain('Password must be at least 10 characters long.');
    });

    it('rejects overly long passwords', () => {
      expect(passwordProblems('ab'.repeat(129))).toEqual(['Password must be at most 256 characters long.']);
    });

    it('rejects a single repeated character', () => {
      expect(passwordProblems('aaaaaaaaaaaa')).toEqual(['Password must not be a single character repeated.']);
      expect(passwordProblems('aaaa')).toHaveLength(2);
    });
  });
});

// ---------------------------------------------------------- field encryption

function makeKey(id: string): FieldKey {
  return { id, key: randomBytes(32) };
}

/** Flip one bit inside a base64url part so the bytes really change. */
function flipBit(part: string): string {
  const bytes = Buffer.from(part, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  return bytes.toString('base64url');
}

function tamperPart(token: string, index: number): string {
  const parts = token.split('.');
  parts[index] = flipBit(parts[index]!);
  return parts.join('.');
}

describe('FieldCipher', () => {
  const k1 = makeKey('k1');

  it('round-trips, including empty and non-ASCII strings', () => {
    const cipher = new FieldCipher([k1], 'k1');
    for (const plain of ['access-sandbox-123', '', 'Żółć 💸 über']) {
      expect(cipher.decrypt(cipher.encrypt(plain))).toBe(plain);
    }
  });

  it('uses the versioned format v1.<keyId>.<iv>.<tag>.<ciphertext>', () => {
    const token = new FieldCipher([k1], 'k1').encrypt('secret');
    const parts = token.split('.');
    expect(parts).toHaveLength(5);
    expect(parts[0]).toBe('v1');
    expect(parts[1]).toBe('k1');
    expect(Buffer.from(parts[2]!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(parts[3]!, 'base64url')).toHaveLength(16);
    expect(token).not.toContain('secret');
  });

  it('produces a different token for each encryption of the same value', () => {
    const cipher = new FieldCipher([k1], 'k1');
    const a = cipher.encrypt('same');
    const b = cipher.encrypt('same');
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  it.each([
    ['iv', 2],
    ['tag', 3],
    ['ciphertext', 4],
  ])('throws DecryptionError when the %s is tampered with', (_name, index) => {
    const cipher = new FieldCipher([k1], 'k1');
    const token = cipher.encrypt('bank access token', 'row:1');
    expect(() => cipher.decrypt(tamperPart(token, index), 'row:1')).toThrow(DecryptionError);
  });

  it('throws DecryptionError for a wrong or missing AAD', () => {
    const cipher = new FieldCipher([k1], 'k1');
    const token = cipher.encrypt('bank access token', 'bank_connection:1');
    expect(cipher.decrypt(token, 'bank_connection:1')).toBe('bank access token');
    expect(() => cipher.decrypt(token, 'bank_connection:2')).toThrow(DecryptionError);
    expect(() => cipher.decrypt(token)).toThrow(DecryptionError);
    const noAad = cipher.encrypt('x');
    expect(() => cipher.decrypt(noAad, 'unexpected')).toThrow(DecryptionError);
  });

  it('throws DecryptionError for malformed tokens', () => {
    const cipher = new FieldCipher([k1], 'k1');
    const token = cipher.encrypt('value');
    const [, , iv, tag, ct] = token.split('.');
    const malformed = [
      '',
      'garbage',
      token + '.extra',
      `v2.k1.${iv}.${tag}.${ct}`,
      `v1.unknown.${iv}.${tag}.${ct}`,
      `v1.k1.${iv}.${tag!.slice(0, 10)}.${ct}`, // truncated tag
      `v1.k1.${iv}AAAA.${tag}.${ct}`, // wrong IV length
      `v1.k1.${iv}.${tag}.${ct}!`, // not base64url
    ];
    for (const bad of malformed) {
      expect(() => cipher.decrypt(bad), bad).toThrow(DecryptionError);
    }
  });

  it('does not decrypt with a different key under the same id', () => {
    const token = new FieldCipher([k1], 'k1').encrypt('value');
    const impostor = new FieldCipher([makeKey('k1')], 'k1');
    expect(() => impostor.decrypt(token)).toThrow(DecryptionError);
  });

  it('supports rotation: old tokens decrypt after a new active key is added', () => {
    const before = new FieldCipher([k1], 'k1');
    const oldToken = before.encrypt('old value');

    const k2 = makeKey('k2');
    const after = new FieldCipher([k2, k1], 'k2');
    expect(after.decrypt(oldToken)).toBe('old value');
    const newToken = after.encrypt('new value');
    expect(newToken.split('.')[1]).toBe('k2');
    expect(after.decrypt(newToken)).toBe('new value');
    // The old configuration cannot read values written with the new key.
    expect(() => before.decrypt(newToken)).toThrow(DecryptionError);
  });

  it('validates constructor keys', () => {
    expect(() => new FieldCipher([k1], 'k2')).toThrow(EncryptionKeyError);
    expect(() => new FieldCipher([{ id: 'short', key: randomBytes(16) }], 'short')).toThrow(EncryptionKeyError);
    expect(() => new FieldCipher([k1, makeKey('k1')], 'k1')).toThrow(EncryptionKeyError);
    expect(() => new FieldCipher([{ id: 'has.dot', key: randomBytes(32) }], 'has.dot')).toThrow(EncryptionKeyError);
  });

  it('is not affected by later mutation of the caller key buffer', () => {
    const key = makeKey('k1');
    const cipher = new FieldCipher([key], 'k1');
    const token = cipher.encrypt('value');
    key.key.fill(0);
    expect(cipher.decrypt(token)).toBe('value');
  });

  describe('fromEnv', () => {
    const b64 = (bytes: Buffer) => bytes.toString('base64');

    it('parses keys; the first is active, the others decrypt', () => {
      const a = randomBytes(32);
      const b = randomBytes(32);
      const oldCipher = new FieldCipher([{ id: 'k1', key: b }], 'k1');
      const oldToken = oldCipher.encrypt('legacy');

      const cipher = FieldCipher.fromEnv(` k2:${b64(a)} , k1:${b64(b)} `);
      expect(cipher.activeKeyId).toBe('k2');
      expect(cipher.encrypt('x').split('.')[1]).toBe('k2');
      expect(cipher.decrypt(oldToken)).toBe('legacy');
    });

    it('accepts base64url-encoded keys too', () => {
      const cipher = FieldCipher.fromEnv(`k1:${randomBytes(32).toString('base64url')}`);
      expect(cipher.decrypt(cipher.encrypt('v'))).toBe('v');
    });

    it('uses the caller-supplied fallback key when the variable is absent or blank', () => {
      const fallbackKey = makeKey('dev');
      for (const value of [undefined, '', '   ']) {
        const cipher = FieldCipher.fromEnv(value, { fallbackKey });
        expect(cipher.activeKeyId).toBe('dev');
        expect(cipher.decrypt(cipher.encrypt('v'))).toBe('v');
      }
    });

    it('ignores the fallback when the variable is set', () => {
      const cipher = FieldCipher.fromEnv(`prod:${b64(randomBytes(32))}`, { fallbackKey: makeKey('dev') });
      expect(cipher.activeKeyId).toBe('prod');
    });

    it('throws when absent without a fallback', () => {
      expect(() => FieldCipher.fromEnv(undefined)).toThrow(EncryptionKeyError);
    });

    it.each([
      ['wrong key length (16 bytes)', () => `k1:${b64(randomBytes(16))}`],
      ['wrong key length (33 bytes)', () => `k1:${b64(randomBytes(33))}`],
      ['missing id', () => `:${b64(randomBytes(32))}`],
      ['missing separator', () => b64(randomBytes(32))],
      ['empty key', () => 'k1:'],
      ['not base64', () => 'k1:not*base64!'],
      ['empty entry', () => `k1:${b64(randomBytes(32))},`],
      ['duplicate id', () => `k1:${b64(randomBytes(32))},k1:${b64(randomBytes(32))}`],
      ['bad id characters', () => `k.1:${b64(randomBytes(32))}`],
    ])('rejects %s', (_name, makeValue) => {
      expect(() => FieldCipher.fromEnv(makeValue())).toThrow(EncryptionKeyError);
    });

    it('never echoes key material in error messages', () => {
      const shortKey = b64(randomBytes(16));
      try {
        FieldCipher.fromEnv(`k1:${shortKey}`);
        expect.unreachable();
      } catch (error) {
        expect((error as Error).message).not.toContain(shortKey);
      }
    });
  });
});

// -------------------------------------------------------------------- tokens

const SECRET = new Uint8Array(randomBytes(32));
const CLAIMS = { userId: 'user-1', householdId: 'hh-1', sessionId: 'sess-1' };

function fakeClock(start: Date): { now: () => Date; advance: (seconds: number) => void } {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance: (seconds) => {
      current += seconds * 1000;
    },
  };
}

function b64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('TokenService', () => {
  it('issues and verifies an access token', async () => {
    const clock = fakeClock(new Date('2025-01-01T00:00:00Z'));
    const service = new TokenService({ secret: SECRET, issuer: 'sluice', now: clock.now });
    const { token, expiresAt } = await service.issueAccessToken(CLAIMS);
    expect(expiresAt.toISOString()).toBe('2025-01-01T00:15:00.000Z'); // default TTL 900 s
    expect(await service.verifyAccessToken(token)).toEqual(CLAIMS);
  });

  it('works with the real clock and defaults', async () => {
    const service = new TokenService({ secret: SECRET, issuer: 'sluice' });
    const { token, expiresAt } = await service.issueAccessToken(CLAIMS);
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(await service.verifyAccessToken(token)).toEqual(CLAIMS);
  });

  it('rejects an expired token', async () => {
    const clock = fakeClock(new Date('2025-01-01T00:00:00Z'));
    const service = new TokenService({ secret: SECRET, issuer: 'sluice', accessTtlSeconds: 1, now: clock.now });
    const { token } = await service.issueAccessToken(CLAIMS);
    await expect(service.verifyAccessToken(token)).resolves.toEqual(CLAIMS);
    clock.advance(1);
    await expect(service.verifyAccessToken(token)).rejects.toThrow(InvalidTokenError);
  });

  it('rejects a tampered signature', async () => {
    const service = new TokenService({ secret: SECRET, issuer: 'sluice' });
    const { token } = await service.issueAccessToken(CLAIMS);
    const [header, payload, signature] = token.split('.');
    const sigBytes = Buffer.from(signature!, 'base64url');
    sigBytes[0] = sigBytes[0]! ^ 0x01;
    const tampered = `${header}.${payload}.${sigBytes.toString('base64url')}`;
    await expect(service.verifyAccessToken(tampered)).rejects.toThrow(InvalidTokenError);
  });

  it('rejects a tampered payload', async () => {
    const service = new TokenService({ secret: SECRET, issuer: 'sluice' });
    const { token } = await service.issueAccessToken(CLAIMS);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = `${header}.${b64urlJson({ ...claims, hid: 'someone-else' })}.${signature}`;
    await expect(service.verifyAccessToken(forged)).rejects.toThrow(InvalidTokenError);
  });

  it('rejects an alg:none token', async () => {
    const service = new TokenService({ secret: SECRET, issuer: 'sluice' });
    const now = Math.floor(Date.now() / 1000);
    const unsecured = `${b64urlJson({ alg: 'none', typ: 'JWT' })}.${b64urlJson({
      sub: 'user-1',
      hid: 'hh-1',
      sid: 'sess-1',
      iss: 'sluice',
      iat: now,
      exp: now + 600,
    })}.`;
    await expect(service.verifyAccessToken(unsecured)).rejects.toThrow(InvalidTokenError);
  });

  it('rejects other HMAC algorithms even with the right secret', async () => {
    const service = new TokenService({ secret: SECRET, issuer: 'sluice' });
    const token = await new SignJWT({ hid: 'hh-1', sid: 'sess-1' })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('user-1')
      .setIssuer('sluice')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(SECRET);
    await expect(service.verifyAccessToken(token)).rejects.toThrow(InvalidTokenError);
  });

  it('rejects a token signed with another secret', async () => {
    const other = new TokenService({ secret: new Uint8Array(randomBytes(32)), issuer: 'sluice' });
    const service = new TokenService({ secret: SECRET, issuer: 'sluice' });
    const { token } = await other.issueAccessToken(CLAIMS);
    await expect(service.verifyAccessToken(token)).rejects.toThrow(InvalidTokenError);
  });

  it('rejects a token from another issuer', async () => {
    const other = new TokenService({ secret: SECRET, issuer: 'not-sluice' });
    const service = new TokenService({ secret: SECRET, issuer: 'sluice' });
    const { token } = await other.issueAccessToken(CLAIMS);
    await expect(service.verifyAccessToken(token)).rejects.toThrow(InvalidTokenError);
  });

  it('rejects a validly signed token missing our claims', async () => {
    const service = new TokenService({ secret: SECRET, issuer: 'sluice' });
    const token = await new SignJWT({ hid: 'hh-1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user-1')
      .setIssuer('sluice')
      .setExpirationTime('10m')
      .sign(SECRET);
    await expect(service.verifyAccessToken(token)).rejects.toThrow(InvalidTokenError);
  });

  it('rejects garbage', async () => {
    const service = new TokenService({ secret: SECRET, issuer: 'sluice' });
    for (const garbage of ['', 'abc', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9..']) {
      await expect(service.verifyAccessToken(garbage)).rejects.toThrow(InvalidTokenError);
    }
  });

  it('refuses weak configuration', () => {
    expect(() => new TokenService({ secret: new Uint8Array(16), issuer: 'sluice' })).toThrow(RangeError);
    expect(() => new TokenService({ secret: SECRET, issuer: 'sluice', accessTtlSeconds: 0 })).toThrow(RangeError);
  });

  describe('refresh tokens', () => {
    it('are 32 random bytes, base64url, stored only as a SHA-256 hex hash', () => {
      const { token, tokenHash } = newRefreshToken();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      expect(tokenHash).toMatch(/^[0-9a-f]{64}$/);
      expect(tokenHash).not.toBe(token);
    });

    it('hash deterministically', () => {
      const { token, tokenHash } = newRefreshToken();
      expect(hashRefreshToken(token)).toBe(tokenHash);
      expect(hashRefreshToken(token)).toBe(hashRefreshToken(token));
      // Known SHA-256 vector, so the stored format is pinned.
      expect(hashRefreshToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    });

    it('are unique', () => {
      const tokens = new Set(Array.from({ length: 100 }, () => newRefreshToken().token));
      expect(tokens.size).toBe(100);
    });

    it('are also reachable from the service', () => {
      const service = new TokenService({ secret: SECRET, issuer: 'sluice' });
      const { token, tokenHash } = service.newRefreshToken();
      expect(service.hashRefreshToken(token)).toBe(tokenHash);
    });
  });
});

// ------------------------------------------------------------------- redact

describe('redactSecrets', () => {
  it('redacts secret-looking keys at any depth, case-insensitively', () => {
    const input = {
      id: 'conn-1',
      Password: 'hunter2hunter2',
      user: { email: 'a@b.c', passwordHash: '$argon2id$...', profile: { apiKey: 'k', API_KEY: 'k2' } },
      bank: { access_token: 'access-sandbox', accessTokenCiphertext: 'v1.k1...', institution: 'Chase' },
      sessions: [{ id: 's1', refreshToken: 'r1', tokenHash: 'abc' }, { id: 's2', Authorization: 'Bearer x' }],
      clientSecret: 'cs',
      sessionId: 'sess-1',
      amount: 1234,
    };
    expect(redactSecrets(input)).toEqual({
      id: 'conn-1',
      Password: '[redacted]',
      user: { email: 'a@b.c', passwordHash: '[redacted]', profile: { apiKey: '[redacted]', API_KEY: '[redacted]' } },
      bank: { access_token: '[redacted]', accessTokenCiphertext: '[redacted]', institution: 'Chase' },
      sessions: [{ id: 's1', refreshToken: '[redacted]', tokenHash: '[redacted]' }, { id: 's2', Authorization: '[redacted]' }],
      clientSecret: '[redacted]',
      sessionId: 'sess-1',
      amount: 1234,
    });
  });

  it('redacts whole values (objects/arrays) under a secret key', () => {
    expect(redactSecrets({ secret: { nested: 'x' }, tokens: ['a', 'b'] })).toEqual({
      secret: '[redacted]',
      tokens: '[redacted]',
    });
  });

  it('keeps null/undefined under secret keys (no secret to hide)', () => {
    expect(redactSecrets({ accessToken: null, password: undefined })).toEqual({ accessToken: null, password: undefined });
  });

  it('deep-copies without mutating the input', () => {
    const input = { nested: { password: 'p', list: [{ token: 't' }] }, when: new Date('2025-01-01T00:00:00Z') };
    const output = redactSecrets(input);
    expect(input.nested.password).toBe('p');
    expect(input.nested.list[0]!.token).toBe('t');
    expect(output.nested).not.toBe(input.nested);
    expect(output.nested.list).not.toBe(input.nested.list);
    expect(output.when).toBeInstanceOf(Date);
    expect(output.when).not.toBe(input.when);
    expect(output.when.getTime()).toBe(input.when.getTime());
  });

  it('handles arrays, primitives and cycles', () => {
    expect(redactSecrets([{ password: 'x' }, 1, 'two', null])).toEqual([{ password: '[redacted]' }, 1, 'two', null]);
    expect(redactSecrets('plain')).toBe('plain');
    expect(redactSecrets(42)).toBe(42);
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    expect(redactSecrets(cyclic)).toEqual({ name: 'a', self: '[circular]' });
    expect(() => JSON.stringify(redactSecrets(cyclic))).not.toThrow();
  });

  it('snapshots class instances as plain objects', () => {
    class Row {
      id = 1;
      secretValue = 's';
    }
    expect(redactSecrets(new Row())).toEqual({ id: 1, secretValue: '[redacted]' });
  });

  it('classifies keys', () => {
    for (const key of ['password', 'PASSWORD', 'access_token', 'access-token', 'refreshToken', 'x-api-key', 'cookie', 'set-cookie']) {
      expect(isSecretKey(key), key).toBe(true);
    }
    for (const key of ['id', 'sessionId', 'householdId', 'amount', 'email', 'createdAt']) {
      expect(isSecretKey(key), key).toBe(false);
    }
  });
});

describe('logRedactPaths', () => {
  it('includes the required paths', () => {
    for (const path of [
      'req.headers.authorization',
      'req.headers.cookie',
      '*.password',
      '*.refreshToken',
      '*.accessToken',
      '*.access_token',
      '*.secret',
      '*.token',
    ]) {
      expect(logRedactPaths).toContain(path);
    }
  });

  it('is accepted by pino and censors secrets in output', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const logger = pino({ redact: { paths: logRedactPaths, censor: '[redacted]' } }, sink);
    logger.info({
      password: 'pw-top',
      req: { headers: { authorization: 'Bearer jwt-value', cookie: 'sid=cookie-value', host: 'localhost' }, body: { password: 'pw-body' } },
      res: { headers: { 'set-cookie': 'refresh=cookie-out' } },
      user: { id: 'u1', refreshToken: 'rt-value' },
      bank: { access_token: 'bank-token' },
    });
    const output = lines.join('');
    for (const leaked of ['pw-top', 'jwt-value', 'cookie-value', 'pw-body', 'cookie-out', 'rt-value', 'bank-token']) {
      expect(output).not.toContain(leaked);
    }
    expect(output).toContain('localhost');
    expect(output).toContain('u1');
  });
});
