/**
 * Sluice money module.
 *
 * Money is always an exact integer count of minor units (cents, fils, yen…)
 * held in a bigint, tagged with an ISO 4217 currency code. Floats never touch
 * an amount: parsing, formatting and arithmetic are done on strings and
 * bigints, with dinero.js (bigint calculator) used for scaled multiplication
 * and rounding, and as the interchange type via toDinero/fromDinero.
 */
import {
  AUD,
  BHD,
  CAD,
  CHF,
  EUR,
  GBP,
  JPY,
  KWD,
  USD,
  add,
  dinero,
  halfEven,
  multiply,
  subtract,
  toSnapshot,
  transformScale,
} from 'dinero.js/bigint';
import type { Dinero, DineroCurrency } from 'dinero.js/bigint';

// ---------------------------------------------------------------------------
// Currencies
// ---------------------------------------------------------------------------

/** ISO 4217 codes Sluice accepts. Extend here (and only here) to add one. */
export const SUPPORTED_CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'AUD', 'CHF', 'JPY', 'KWD', 'BHD'] as const;

export type CurrencyCode = (typeof SUPPORTED_CURRENCIES)[number];

/**
 * dinero.js ships the ISO 4217 exponents; reusing its currency objects keeps a
 * single source of truth for "how many minor units per major unit".
 */
const DINERO_CURRENCIES: Readonly<Record<CurrencyCode, DineroCurrency<bigint>>> = {
  USD,
  EUR,
  GBP,
  CAD,
  AUD,
  CHF,
  JPY,
  KWD,
  BHD,
};

/**
 * Exact type guard. Codes are case-sensitive ("usd" is rejected) so that the
 * stored code is always canonical; normalise at the API edge if needed.
 * Object.hasOwn avoids matching prototype keys such as "constructor".
 */
export function isSupportedCurrency(code: unknown): code is CurrencyCode {
  return typeof code === 'string' && Object.hasOwn(DINERO_CURRENCIES, code);
}

/** Validates and narrows a currency code, or throws unsupported_currency. */
function requireCurrency(code: unknown): CurrencyCode {
  if (isSupportedCurrency(code)) return code;
  throw new MoneyError('unsupported_currency', `Unsupported currency: ${preview(code)}`);
}

/** Number of decimal digits in the currency's minor unit: USD 2, JPY 0, KWD 3. */
export function currencyExponent(code: string): number {
  return Number(DINERO_CURRENCIES[requireCurrency(code)].exponent);
}

// ---------------------------------------------------------------------------
// Types, errors, limits
// ---------------------------------------------------------------------------

export interface Money {
  readonly amountMinor: bigint;
  readonly currency: CurrencyCode;
}

export type MoneyErrorCode =
  | 'invalid_format'
  | 'too_many_decimals'
  | 'out_of_range'
  | 'unsupported_currency'
  | 'currency_mismatch'
  | 'invalid_ratios';

/** Error with a stable machine-readable `code` so the API can map it to a 4xx. */
export class MoneyError extends Error {
  override readonly name = 'MoneyError';
  readonly code: MoneyErrorCode;

  constructor(code: MoneyErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Largest accepted |amountMinor| at the input boundary (parseMoney /
 * parseMoneyMinor). 10^15 minor units is ~10 trillion USD: anything larger is
 * a typo or an attack. Arithmetic itself is exact bigint and not clamped.
 */
export const MAX_AMOUNT_MINOR = 10n ** 15n;

/** Short, safe rendering of a bad input for error messages (never echo megabytes). */
function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** Money values are frozen so a shared instance can never be mutated in place. */
function makeMoney(amountMinor: bigint, currency: CurrencyCode): Money {
  return Object.freeze({ amountMinor, currency });
}

function assertInRange(amountMinor: bigint): bigint {
  const magnitude = amountMinor < 0n ? -amountMinor : amountMinor;
  if (magnitude > MAX_AMOUNT_MINOR) {
    throw new MoneyError('out_of_range', `Amount exceeds ${MAX_AMOUNT_MINOR} minor units in magnitude`);
  }
  return amountMinor;
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

/**
 * Canonical decimal: optional sign, integer part without leading zeros (like
 * JSON numbers), optional "." followed by at least one digit. `[0-9]` rather
 * than `\d` documents that only ASCII digits are allowed. This shape rejects
 * whitespace, separators, exponents, hex, NaN/Infinity, ".5" and "5.".
 */
const DECIMAL_PATTERN = /^([+-]?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/**
 * An integer part longer than this is ≥ 10^16 > MAX_AMOUNT_MINOR for every
 * exponent, so we can reject it before paying for a BigInt conversion.
 */
const MAX_INTEGER_DIGITS = 16;

/**
 * Parses a decimal string in major units ("12.34") into exact minor units.
 * Rejects more fractional digits than the currency has (even trailing zeros:
 * "1.230" USD signals a client bug), so no rounding ever happens here.
 */
export function parseMoney(text: string, currency: string): Money {
  const code = requireCurrency(currency);
  const exponent = currencyExponent(code);
  const match = typeof text === 'string' ? DECIMAL_PATTERN.exec(text) : null;
  if (!match) throw new MoneyError('invalid_format', `Not a decimal amount: ${preview(text)}`);

  const [, sign = '', integerPart = '', fraction = ''] = match;
  if (fraction.length > exponent) {
    throw new MoneyError('too_many_decimals', `${code} allows at most ${exponent} decimals: ${preview(text)}`);
  }
  if (integerPart.length > MAX_INTEGER_DIGITS) {
    throw new MoneyError('out_of_range', `Amount too large: ${preview(text)}`);
  }
  const magnitude = BigInt(integerPart + fraction.padEnd(exponent, '0'));
  return makeMoney(assertInRange(sign === '-' ? -magnitude : magnitude), code);
}

/**
 * Builds Money from a minor-unit count (e.g. a DB integer column). Numbers are
 * accepted only when they are exact integers; any unsafe integer is far above
 * MAX_AMOUNT_MINOR and so lands in out_of_range.
 */
export function parseMoneyMinor(minor: bigint | number, currency: string): Money {
  const code = requireCurrency(currency);
  if (typeof minor === 'bigint') return makeMoney(assertInRange(minor), code);
  if (typeof minor === 'number' && Number.isInteger(minor)) {
    // BigInt(-0) is 0n, so negative zero needs no special case.
    return makeMoney(assertInRange(BigInt(minor)), code);
  }
  throw new MoneyError('invalid_format', `Minor units must be an integer: ${preview(minor)}`);
}

// ---------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------

/**
 * Plain decimal string for JSON/storage: "1234.56", "-0.05", "0.00", JPY
 * "1234". Pure string work on the bigint so no precision is lost, and the
 * output is exactly what parseMoney accepts (round-trips).
 */
export function formatMoney(m: Money): string {
  const exponent = currencyExponent(m.currency);
  const negative = m.amountMinor < 0n;
  const digits = (negative ? -m.amountMinor : m.amountMinor).toString().padStart(exponent + 1, '0');
  const split = digits.length - exponent;
  const body = exponent === 0 ? digits : `${digits.slice(0, split)}.${digits.slice(split)}`;
  return negative ? `-${body}` : body;
}

/**
 * formatMoney for amounts read back from the database, whose currency column is a plain
 * string (the database only ever stores codes this module accepted).
 */
export function formatMinor(amountMinor: bigint, currency: string): string {
  if (!isSupportedCurrency(currency)) throw new MoneyError('unsupported_currency', `unsupported currency ${currency}`);
  return formatMoney({ amountMinor, currency });
}

/**
 * Minor units as a JS number in major units (¥1,500 → 1500, KWD 1.500 → 1.5), for json-logic
 * rules that compare amounts — never for arithmetic or booking. Division by a power of ten is
 * correctly rounded, so the number is the nearest double to the exact decimal.
 */
export function majorUnitsForRules(amountMinor: bigint, currency: string): number {
  return Number(amountMinor) / 10 ** currencyExponent(currency);
}

/**
 * Human display ("$1,234.56"). Intl.NumberFormat formats a numeric *string*
 * as an exact decimal (ES2023 / Node ≥ 20), so large amounts never pass
 * through a float. Fraction digits are pinned to the currency exponent so the
 * display never rounds. Throws RangeError for an invalid locale tag.
 */
export function formatMoneyDisplay(m: Money, locale: string = 'en-US'): string {
  const exponent = currencyExponent(m.currency);
  const formatter = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: m.currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
  return formatter.format(formatMoney(m) as `${number}`);
}

// ---------------------------------------------------------------------------
// dinero.js interop
// ---------------------------------------------------------------------------

/** Converts to a bigint dinero object at the currency's natural scale. */
export function toDinero(m: Money): Dinero<bigint> {
  return dinero({ amount: m.amountMinor, currency: DINERO_CURRENCIES[requireCurrency(m.currency)] });
}

/**
 * Converts back to Money. dinero operations can raise the scale (e.g. when
 * multiplying by a scaled factor); we only accept that if it is exactly
 * representable in minor units, never silently rounding.
 */
export function fromDinero(d: Dinero<bigint>): Money {
  const { amount, currency, scale } = toSnapshot(d);
  const code = requireCurrency(currency.code);
  const exponent = DINERO_CURRENCIES[code].exponent;
  if (currency.exponent !== exponent || currency.base !== 10n) {
    throw new MoneyError('unsupported_currency', `Non-ISO definition of ${code} in dinero object`);
  }
  if (scale <= exponent) return makeMoney(amount * 10n ** (exponent - scale), code);
  const factor = 10n ** (scale - exponent);
  if (amount % factor !== 0n) {
    throw new MoneyError('too_many_decimals', `Amount has sub-minor-unit precision at scale ${scale}`);
  }
  return makeMoney(amount / factor, code);
}

// ---------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------

/** Throws currency_mismatch; mixing currencies is always a bug in a ledger. */
function assertSameCurrency(a: Money, b: Money): CurrencyCode {
  if (a.currency !== b.currency) {
    throw new MoneyError('currency_mismatch', `Currency mismatch: ${a.currency} vs ${b.currency}`);
  }
  return a.currency;
}

export function zeroMoney(currency: string): Money {
  return makeMoney(0n, requireCurrency(currency));
}

export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return fromDinero(add(toDinero(a), toDinero(b)));
}

export function subtractMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return fromDinero(subtract(toDinero(a), toDinero(b)));
}

export function negateMoney(m: Money): Money {
  return makeMoney(-m.amountMinor, m.currency);
}

/**
 * Sums a list that must all be in `currency`. The currency is explicit so an
 * empty list still has a well-defined zero, and a stray entry is caught.
 */
export function sumMoney(list: readonly Money[], currency: string): Money {
  const start = zeroMoney(currency);
  return list.reduce((total, item) => addMoney(total, item), start);
}

export function isZero(m: Money): boolean {
  return m.amountMinor === 0n;
}

export function isNegative(m: Money): boolean {
  return m.amountMinor < 0n;
}

export function isPositive(m: Money): boolean {
  return m.amountMinor > 0n;
}

/** -1, 0 or 1, usable directly as an Array.prototype.sort comparator. */
export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  if (a.amountMinor < b.amountMinor) return -1;
  return a.amountMinor > b.amountMinor ? 1 : 0;
}

export function equalsMoney(a: Money, b: Money): boolean {
  return compareMoney(a, b) === 0;
}

/** Smallest of one or more amounts (first wins on ties); returns an input instance. */
export function minMoney(first: Money, ...rest: readonly Money[]): Money {
  return rest.reduce((best, m) => (compareMoney(m, best) < 0 ? m : best), first);
}

/** Largest of one or more amounts (first wins on ties); returns an input instance. */
export function maxMoney(first: Money, ...rest: readonly Money[]): Money {
  return rest.reduce((best, m) => (compareMoney(m, best) > 0 ? m : best), first);
}

/** Basis points per whole: 10000 bp = 100%. */
const BASIS_POINTS_PER_WHOLE = 10_000;

/**
 * m × bp / 10000, rounded half-to-even (banker's rounding, unbiased over many
 * postings) to whole minor units. bp may be negative or exceed 10000. dinero
 * multiplies exactly at scale exponent+4, then transformScale rounds back.
 */
export function multiplyByBasisPoints(m: Money, bp: number): Money {
  if (!Number.isSafeInteger(bp)) {
    throw new MoneyError('invalid_ratios', `Basis points must be an integer: ${preview(bp)}`);
  }
  const exponent = DINERO_CURRENCIES[requireCurrency(m.currency)].exponent;
  const exact = multiply(toDinero(m), { amount: BigInt(bp), scale: 4n });
  const rounded = transformScale(exact, exponent, halfEven);
  // Invariant: the result must be back at the currency's scale before leaving dinero.
  if (toSnapshot(rounded).scale !== exponent) throw new Error('multiplyByBasisPoints: unexpected dinero scale');
  return fromDinero(rounded);
}

// ---------------------------------------------------------------------------
// Allocation
// ---------------------------------------------------------------------------

function toRatio(ratio: number | bigint): bigint {
  if (typeof ratio === 'bigint' && ratio >= 0n) return ratio;
  if (typeof ratio === 'number' && Number.isSafeInteger(ratio) && ratio >= 0) return BigInt(ratio);
  throw new MoneyError('invalid_ratios', `Ratios must be non-negative integers: ${preview(ratio)}`);
}

function validateRatios(ratios: readonly (number | bigint)[]): bigint[] {
  if (!Array.isArray(ratios) || ratios.length === 0) {
    throw new MoneyError('invalid_ratios', 'At least one ratio is required');
  }
  const parsed = ratios.map(toRatio);
  if (!parsed.some((r) => r > 0n)) throw new MoneyError('invalid_ratios', 'At least one ratio must be > 0');
  return parsed;
}

/** Descending bigint comparison for sort(). */
function descending(a: bigint, b: bigint): number {
  if (a === b) return 0;
  return a > b ? -1 : 1;
}

/**
 * Largest-remainder (Hamilton) apportionment of a non-negative total.
 * Each part starts at floor(total·rᵢ/Σr); the few leftover units go to the
 * parts with the largest dropped fractions (ties: larger ratio, then earlier
 * index). Since leftover < number of parts with a non-zero fraction, every
 * part ends within strictly less than one unit of its exact share.
 *
 * dinero's allocate is deliberately NOT used here: it hands leftovers to the
 * largest *ratios* regardless of fractions, so e.g. 2¢ split [2,1,1] becomes
 * [2,0,0] — a full unit away from the exact [1, 0.5, 0.5].
 */
function apportion(total: bigint, ratios: readonly bigint[]): bigint[] {
  const ratioSum = ratios.reduce((acc, r) => acc + r, 0n);
  const parts = ratios.map((r) => (total * r) / ratioSum);
  const fractions = ratios.map((r) => (total * r) % ratioSum);
  const leftover = Number(total - parts.reduce((acc, p) => acc + p, 0n));
  const order = ratios
    .map((_, index) => index)
    .sort((i, j) => descending(fractions[i]!, fractions[j]!) || descending(ratios[i]!, ratios[j]!) || i - j);
  for (const index of order.slice(0, leftover)) parts[index]! += 1n;
  return parts;
}

/**
 * Splits m proportionally to non-negative integer ratios. Parts always sum
 * exactly to m and each is within < 1 minor unit of its exact share. Negative
 * amounts are split by magnitude and negated, so allocate(-m) = -allocate(m).
 */
export function allocateByRatios(m: Money, ratios: readonly (number | bigint)[]): Money[] {
  const parsed = validateRatios(ratios);
  const negative = m.amountMinor < 0n;
  const parts = apportion(negative ? -m.amountMinor : m.amountMinor, parsed);
  return parts.map((p) => makeMoney(negative ? -p : p, m.currency));
}

function toBasisPoints(bp: number): number {
  if (Number.isInteger(bp) && bp >= 0 && bp <= BASIS_POINTS_PER_WHOLE) return bp;
  throw new MoneyError('invalid_ratios', `Basis points must be integers in 0..10000: ${preview(bp)}`);
}

/**
 * Splits m by percentages expressed as integer basis points (0..10000 each,
 * total ≤ 10000).
 *
 * Return shape:
 *  - sum(bps) === 10000 → exactly bps.length parts;
 *  - sum(bps) <  10000 → bps.length + 1 parts, the LAST one being the
 *    unallocated remainder (the share of the missing 10000 − sum bps).
 * Either way the parts sum exactly to m and each (remainder included) is
 * within < 1 minor unit of its exact share. Integer bps keep every result at
 * the currency's own scale, so no rounding outside apportionment happens.
 */
export function allocateByBasisPoints(m: Money, bps: readonly number[]): Money[] {
  if (!Array.isArray(bps) || bps.length === 0) {
    throw new MoneyError('invalid_ratios', 'At least one basis-point share is required');
  }
  const shares = bps.map(toBasisPoints);
  const total = shares.reduce((acc, bp) => acc + bp, 0);
  if (total > BASIS_POINTS_PER_WHOLE) {
    throw new MoneyError('invalid_ratios', `Basis points total ${total} exceeds 10000`);
  }
  const unallocated = BASIS_POINTS_PER_WHOLE - total;
  return allocateByRatios(m, unallocated > 0 ? [...shares, unallocated] : shares);
}
