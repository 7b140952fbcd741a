/**
 * Password hashing and password policy.
 *
 * Pure functions: no HTTP, no database. Callers store the returned hash
 * string (it embeds algorithm, parameters and salt) and pass it back to
 * `verifyPassword`.
 */
import { argon2id, hash, verify } from 'argon2';

/**
 * OWASP's minimum recommended argon2id configuration (19 MiB, t=2, p=1).
 * Stronger settings cost more per login and slow the test suite; this is
 * the documented floor, not a guess.
 */
export const ARGON2_OPTIONS = {
  type: argon2id,
  memoryCost: 19_456, // KiB
  timeCost: 2,
  parallelism: 1,
} as const;

export const PASSWORD_MIN_LENGTH = 10;

/**
 * Upper bound so a client cannot make us hash megabytes per request.
 * Enforced by the policy, by `hashPassword` (throws) and by `verifyPassword`
 * (returns false) so the three can never disagree.
 */
export const PASSWORD_MAX_LENGTH = 256;

/**
 * NIST SP 800-63B asks for Unicode normalisation before hashing so that the
 * same visible password typed on different platforms (composed vs.
 * decomposed accents) yields the same hash. Every entry point goes through
 * this so hash, verify and the length rules all see the same string.
 */
function normalizePassword(plain: string): string {
  return plain.normalize('NFKC');
}

/** Length in user-visible code points, not UTF-16 units (emoji count once). */
function codePointLength(text: string): number {
  return [...text].length;
}

function isSingleRepeatedCharacter(text: string): boolean {
  const chars = [...text];
  const first = chars[0];
  return first !== undefined && chars.every((c) => c === first);
}

/**
 * Human-readable reasons why `plain` is not acceptable as a new password.
 * Empty array means the password is acceptable.
 */
export function passwordProblems(plain: string): string[] {
  const normalized = normalizePassword(plain);
  const length = codePointLength(normalized);
  const problems: string[] = [];
  if (length < PASSWORD_MIN_LENGTH) {
    problems.push(`Password must be at least ${PASSWORD_MIN_LENGTH} characters long.`);
  }
  if (length > PASSWORD_MAX_LENGTH) {
    problems.push(`Password must be at most ${PASSWORD_MAX_LENGTH} characters long.`);
  }
  if (isSingleRepeatedCharacter(normalized)) {
    problems.push('Password must not be a single character repeated.');
  }
  return problems;
}

function exceedsMaxLength(normalized: string): boolean {
  return codePointLength(normalized) > PASSWORD_MAX_LENGTH;
}

/**
 * Hash a password with argon2id. Returns the PHC string
 * (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
 *
 * Policy (`passwordProblems`) is the caller's job; only the DoS bound is
 * enforced here because it protects this function itself.
 */
export async function hashPassword(plain: string): Promise<string> {
  const normalized = normalizePassword(plain);
  if (exceedsMaxLength(normalized)) {
    throw new RangeError(`Password exceeds ${PASSWORD_MAX_LENGTH} characters.`);
  }
  return hash(normalized, ARGON2_OPTIONS);
}

/**
 * Check `plain` against a stored hash. Never throws: a malformed or
 * unsupported hash (corrupted row, legacy format) simply fails verification,
 * so a login endpoint cannot be turned into a 500 by bad data.
 */
export async function verifyPassword(storedHash: string, plain: string): Promise<boolean> {
  try {
    const normalized = normalizePassword(plain);
    if (exceedsMaxLength(normalized)) return false;
    return await verify(storedHash, normalized);
  } catch {
    return false;
  }
}
