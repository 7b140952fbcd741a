/**
 * Deterministic JSON: object keys sorted, bigint as decimal strings, dates as ISO strings.
 * PostgreSQL's jsonb reorders keys, so the audit chain hashes this form, never raw JSON.stringify.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalise(value));
}

/** The plain-JSON value that canonicalJson serialises (what is stored in jsonb). */
export function normalise(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) sorted[key] = normalise(item);
    }
    return sorted;
  }
  return value;
}
