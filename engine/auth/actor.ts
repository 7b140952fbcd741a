/** Who is acting, and in which household. Every engine query that reads user data takes one. */
export interface Actor {
  readonly userId: string;
  readonly householdId: string;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids arrive from URLs; anything that is not a UUID cannot name a row (and must not reach SQL). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && uuidPattern.test(value);
}
