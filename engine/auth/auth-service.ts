import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { AuditLog } from '../audit/audit-log.js';
import { Conflict, RuleViolation, Unauthenticated } from '../errors.js';
import { hashPassword, hashRefreshToken, InvalidTokenError, newRefreshToken, passwordProblems, TokenService, verifyPassword } from '../security/index.js';
import type { Actor } from './actor.js';
import { inTransaction } from '../db/transaction.js';

export interface SessionTokens {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  user: { id: string; email: string };
  household: { id: string; name: string };
}

export interface AuthOptions {
  refreshTtlDays: number;
}

/** Verifying against this keeps a login for an unknown email as slow as a wrong password. */
let dummyHash: Promise<string> | undefined;

const invalidCredentials = () => new Unauthenticated('invalid email or password');

export class AuthService {
  constructor(
    private readonly db: Knex,
    private readonly tokens: TokenService,
    private readonly audit: AuditLog,
    private readonly options: AuthOptions,
  ) {}

  /** Creates a user who owns a new household, and signs them in. */
  async register(email: string, password: string, householdName?: string): Promise<SessionTokens> {
    const problems = passwordProblems(password);
    if (problems.length > 0) {
      throw new RuleViolation('the password is too weak', problems.map((message) => ({ field: '/password', message, code: 'weak_password' })));
    }
    const passwordHash = await hashPassword(password);
    return inTransaction(this.db, async (trx) => {
      const taken = await trx('users').whereRaw('lower(email) = lower(?)', [email]).first('id');
      if (taken) throw new Conflict('an account with this email already exists', 'email_taken');
      const { userId, householdId } = await createUserWithHousehold(trx, email, passwordHash, householdName ?? `${email.split('@')[0]}'s household`);
      await this.audit.record(trx, [
        { householdId, actorUserId: userId, action: 'user.register', resourceType: 'user', resourceId: userId, after: { email } },
      ]);
      return this.openSession(trx, userId, householdId);
    });
  }

  async login(email: string, password: string): Promise<SessionTokens> {
    const user = await this.db('users').whereRaw('lower(email) = lower(?)', [email]).first('id', 'password_hash');
    if (!user) {
      dummyHash ??= hashPassword('not-a-real-password-for-timing');
      await verifyPassword(await dummyHash, password);
      throw invalidCredentials();
    }
    if (!(await verifyPassword(user.password_hash, password))) throw invalidCredentials();
    const membership = await this.db('household_members').where({ user_id: user.id }).orderBy('created_at').first('household_id');
    if (!membership) throw invalidCredentials();
    return inTransaction(this.db, (trx) => this.openSession(trx, user.id, membership.household_id));
  }

  /**
   * Rotates a refresh token: the old one is spent and a new one issued in the same session.
   * Presenting a spent token again means it leaked: the whole session is revoked.
   */
  async refresh(refreshToken: string): Promise<SessionTokens> {
    const tokenHash = hashRefreshToken(refreshToken);
    const outcome = await inTransaction(this.db, async (trx) => {
      const row = await trx('refresh_tokens as r')
        .join('auth_sessions as s', 's.id', 'r.session_id')
        .where('r.token_hash', tokenHash)
        .forUpdate()
        .first('r.session_id', 'r.used_at', 'r.expires_at', 's.revoked_at', 's.user_id', 's.household_id');
      if (!row || row.revoked_at || row.expires_at < new Date()) return { error: invalidSession() };
      if (row.used_at) {
        await trx('auth_sessions').where({ id: row.session_id }).update({ revoked_at: new Date(), revoke_reason: 'refresh token reused' });
        return { error: new Unauthenticated('this refresh token was already used; the session has been revoked, sign in again') };
      }
      await trx('refresh_tokens').where({ token_hash: tokenHash }).update({ used_at: new Date() });
      return { session: await this.issueTokens(trx, row.session_id, row.user_id, row.household_id) };
    });
    // The revocation must commit even though the caller gets an error.
    if ('error' in outcome) throw outcome.error;
    return outcome.session;
  }

  /** Revokes the session the refresh token belongs to. Unknown tokens are ignored (idempotent). */
  async logout(refreshToken: string): Promise<void> {
    const row = await this.db('refresh_tokens').where({ token_hash: hashRefreshToken(refreshToken) }).first('session_id');
    if (row) await this.db('auth_sessions').where({ id: row.session_id }).whereNull('revoked_at').update({ revoked_at: new Date(), revoke_reason: 'logout' });
  }

  /** Checks an access token and that its session is still open (logout takes effect at once). */
  async authenticate(accessToken: string): Promise<Actor> {
    try {
      const claims = await this.tokens.verifyAccessToken(accessToken);
      const session = await this.db('auth_sessions').where({ id: claims.sessionId }).first('revoked_at', 'user_id', 'household_id');
      if (!session || session.revoked_at || session.user_id !== claims.userId || session.household_id !== claims.householdId) throw invalidSession();
      return { userId: claims.userId, householdId: claims.householdId };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new Unauthenticated('the access token is invalid or expired');
      throw error;
    }
  }

  private async openSession(trx: Knex.Transaction, userId: string, householdId: string): Promise<SessionTokens> {
    const sessionId = randomUUID();
    await trx('auth_sessions').insert({ id: sessionId, user_id: userId, household_id: householdId, expires_at: this.refreshExpiry() });
    return this.issueTokens(trx, sessionId, userId, householdId);
  }

  private async issueTokens(trx: Knex.Transaction, sessionId: string, userId: string, householdId: string): Promise<SessionTokens> {
    const refresh = newRefreshToken();
    const refreshExpiresAt = this.refreshExpiry();
    await trx('refresh_tokens').insert({ token_hash: refresh.tokenHash, session_id: sessionId, expires_at: refreshExpiresAt });
    const access = await this.tokens.issueAccessToken({ userId, householdId, sessionId });
    const user = await trx('users').where({ id: userId }).first('id', 'email');
    const household = await trx('households').where({ id: householdId }).first('id', 'name');
    return {
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt.toISOString(),
      refreshToken: refresh.token,
      refreshTokenExpiresAt: refreshExpiresAt.toISOString(),
      user: { id: user.id, email: user.email },
      household: { id: household.id, name: household.name },
    };
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.options.refreshTtlDays * 86_400_000);
  }
}

const invalidSession = () => new Unauthenticated('the session has ended; sign in again');

export async function createUserWithHousehold(trx: Knex.Transaction, email: string, passwordHash: string, householdName: string) {
  const userId = randomUUID();
  const householdId = randomUUID();
  await trx('users').insert({ id: userId, email, password_hash: passwordHash });
  await trx('households').insert({ id: householdId, name: householdName.slice(0, 200) });
  await trx('household_members').insert({ household_id: householdId, user_id: userId, role: 'owner' });
  return { userId, householdId };
}
