/**
 * Is this row already in the books? Pure and set-based (one pass with hash maps, no query per
 * row), in the order Actual Budget's reconciler taught us, with our own rules:
 *
 *  1. bank id: the file's FITID equals one imported before into the same account;
 *  2. repeated id: the same FITID twice in one file (the second is the duplicate);
 *  3. same row: files without ids: (date, amount, payee, n-th identical row of the file) was
 *     imported before — re-importing the same file is exact, two identical coffees stay two;
 *  4. fuzzy: same amount, dates at most `windowDays` apart, similar payee (or a payee missing on
 *     either side), closest date first; each existing transaction matches once. A row that has
 *     a bank id only fuzzy-matches transactions without a file id (e.g. synced from Plaid).
 */
import { createHash } from 'node:crypto';
import type { IsoDate } from '../../ledger/types.js';

export interface IncomingRow {
  date: IsoDate;
  amountMinor: bigint;
  payee: string | null;
  externalId: string | null;
}

export interface ExistingTransaction {
  id: string;
  date: IsoDate;
  amountMinor: bigint;
  payee: string | null;
  /** A file's bank id (Plaid ids are another namespace and never compared with FITIDs). */
  fileExternalId: string | null;
  contentHash: string | null;
}

export type DedupeVerdict =
  | { status: 'new'; contentHash: string | null }
  | { status: 'duplicate'; reason: 'bank_id' | 'repeated_in_file' | 'same_row' | 'fuzzy'; matchedId: string | null };

export const fuzzyWindowDays = 3;

const normalizedCache = new Map<string, string>();
/** Bound on remembered normalisations (a file repeats a few hundred payees; memory stays flat). */
const normalizedCacheMax = 20_000;

/** Lower-case letters and digits only, runs of digits dropped (card numbers, store numbers). */
export function normalizePayee(payee: string | null): string {
  if (payee === null) return '';
  const cached = normalizedCache.get(payee);
  if (cached !== undefined) return cached;
  const normalized = normalizeUncached(payee);
  if (normalizedCache.size >= normalizedCacheMax) normalizedCache.clear();
  normalizedCache.set(payee, normalized);
  return normalized;
}

function normalizeUncached(payee: string): string {
  return payee
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\d{3,}/g, ' ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

function bigrams(text: string): Map<string, number> {
  const grams = new Map<string, number>();
  const compact = text.replace(/ /g, '');
  for (let index = 0; index < compact.length - 1; index += 1) {
    const gram = compact.slice(index, index + 2);
    grams.set(gram, (grams.get(gram) ?? 0) + 1);
  }
  return grams;
}

/** Similar payees: one contains the other, or a Dice coefficient of character pairs ≥ 0.5. */
export function similarPayees(a: string | null, b: string | null): boolean {
  const left = normalizePayee(a);
  const right = normalizePayee(b);
  if (left === '' || right === '') return true;
  if (left === right || left.includes(right) || right.includes(left)) return true;
  const x = bigrams(left);
  const y = bigrams(right);
  let shared = 0;
  let total = 0;
  for (const [gram, count] of x) {
    shared += Math.min(count, y.get(gram) ?? 0);
    total += count;
  }
  for (const count of y.values()) total += count;
  return total > 0 && (2 * shared) / total >= 0.5;
}

/** Identity of an id-less row: its content and which of the file's identical rows it is. */
export function contentHash(row: IncomingRow, occurrence: number): string {
  return contentHashOfKey(`${row.date}|${row.amountMinor}|${normalizePayee(row.payee)}`, occurrence);
}

function contentHashOfKey(key: string, occurrence: number): string {
  return createHash('sha256').update(`${key}|${occurrence}`).digest('base64url').slice(0, 32);
}

const dayNumber = (iso: IsoDate) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

export function dedupe(incoming: readonly IncomingRow[], existing: readonly ExistingTransaction[], windowDays = fuzzyWindowDays): DedupeVerdict[] {
  const byFileId = new Map<string, string>();
  const byHash = new Map<string, string>();
  const byAmount = new Map<bigint, ExistingTransaction[]>();
  for (const transaction of existing) {
    if (transaction.fileExternalId) byFileId.set(transaction.fileExternalId, transaction.id);
    if (transaction.contentHash) byHash.set(transaction.contentHash, transaction.id);
    const list = byAmount.get(transaction.amountMinor) ?? [];
    list.push(transaction);
    byAmount.set(transaction.amountMinor, list);
  }
  const verdicts: (DedupeVerdict | undefined)[] = new Array(incoming.length);
  const idsInFile = new Set<string>();
  const occurrences = new Map<string, number>();
  const hashes: (string | null)[] = new Array(incoming.length).fill(null);
  const claimed = new Set<string>();

  incoming.forEach((row, index) => {
    if (row.externalId) {
      const match = byFileId.get(row.externalId);
      if (match) {
        verdicts[index] = { status: 'duplicate', reason: 'bank_id', matchedId: match };
        claimed.add(match);
      } else if (idsInFile.has(row.externalId)) verdicts[index] = { status: 'duplicate', reason: 'repeated_in_file', matchedId: null };
      idsInFile.add(row.externalId);
      return;
    }
    const key = `${row.date}|${row.amountMinor}|${normalizePayee(row.payee)}`;
    const occurrence = occurrences.get(key) ?? 0;
    occurrences.set(key, occurrence + 1);
    const hash = contentHashOfKey(key, occurrence);
    hashes[index] = hash;
    const match = byHash.get(hash);
    if (match) {
      verdicts[index] = { status: 'duplicate', reason: 'same_row', matchedId: match };
      claimed.add(match);
    }
  });

  // Fuzzy: every (row, candidate) pair within the window, closest first, each side used once.
  const pairs: { index: number; id: string; distance: number }[] = [];
  incoming.forEach((row, index) => {
    if (verdicts[index]) return;
    const day = dayNumber(row.date);
    for (const candidate of byAmount.get(row.amountMinor) ?? []) {
      if (row.externalId && candidate.fileExternalId) continue;
      const distance = Math.abs(dayNumber(candidate.date) - day);
      if (distance > windowDays || !similarPayees(row.payee, candidate.payee)) continue;
      pairs.push({ index, id: candidate.id, distance });
    }
  });
  pairs.sort((a, b) => a.distance - b.distance || a.index - b.index);
  for (const pair of pairs) {
    if (verdicts[pair.index] || claimed.has(pair.id)) continue;
    verdicts[pair.index] = { status: 'duplicate', reason: 'fuzzy', matchedId: pair.id };
    claimed.add(pair.id);
  }
  return incoming.map((_, index) => verdicts[index] ?? { status: 'new', contentHash: hashes[index] ?? null });
}
