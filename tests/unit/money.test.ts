import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { allocate, toDecimal, toSnapshot } from 'dinero.js/bigint';
import {
  MAX_AMOUNT_MINOR,
  MoneyError,
  SUPPORTED_CURRENCIES,
  addMoney,
  allocateByBasisPoints,
  allocateByRatios,
  compareMoney,
  currencyExponent,
  equalsMoney,
  formatMoney,
  formatMoneyDisplay,
  fromDinero,
  isNegative,
  isPositive,
  isSupportedCurrency,
  isZero,
  maxMoney,
  minMoney,
  multiplyByBasisPoints,
  negateMoney,
  parseMoney,
  parseMoneyMinor,
  subtractMoney,
  sumMoney,
  toDinero,
  zeroMoney,
} from '../../engine/money/index.js';
import type { CurrencyCode, Money, MoneyErrorCode } from '../../engine/money/index.js';

const RUNS = { numRuns: 500 } as const;

/** Runs fn and returns the MoneyError code it threw (rethrows anything else). */
function errorCode(fn: () => unknown): MoneyErrorCode | 'no_error' {
  try {
    fn();
  } catch (error) {
    if (error instanceof MoneyError) return error.code;
    throw error;
  }
  return 'no_error';
}

const usd = (minor: bigint): Money => parseMoneyMinor(minor, 'USD');
const sum = (parts: readonly Money[]): bigint => parts.reduce((acc, p) => acc + p.amountMinor, 0n);
const minors = (parts: readonly Money[]): bigint[] => parts.map((p) => p.amountMinor);
const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** |part·Σr − amount·r| < Σr  ⇔  part is strictly within one unit of amount·r/Σr. */
function withinOneUnit(part: bigint, amount: bigint, ratio: bigint, ratioSum: bigint): boolean {
  return abs(part * ratioSum - amount * ratio) < ratioSum;
}

/** Reference half-even rounding of n/d in plain bigint, to check dinero's path. */
function divideHalfEven(n: bigint, d: bigint): bigint {
  const q = n / d; // truncates toward zero
  const twiceRem = abs(n % d) * 2n;
  const step = n < 0n ? -1n : 1n;
  if (twiceRem > d || (twiceRem === d && q % 2n !== 0n)) return q + step;
  return q;
}

const currencyArb = fc.constantFrom(...SUPPORTED_CURRENCIES);
const amountArb = fc.bigInt({ min: -MAX_AMOUNT_MINOR, max: MAX_AMOUNT_MINOR });
// Allocation edge cases (ties, zero fractions) mostly show up with small
// amounts and small ratios, so mix those in alongside the full range.
const allocAmountArb = fc.oneof(fc.bigInt({ min: -100n, max: 100n }), amountArb);
const ratioArb = fc.oneof(
  fc.integer({ min: 0, max: 6 }),
  fc.integer({ min: 0, max: 1_000_000 }),
  fc.bigInt({ min: 0n, max: 10n ** 12n }),
);
const ratiosArb = fc
  .array(ratioArb, { minLength: 1, maxLength: 25 })
  .filter((rs) => rs.some((r) => BigInt(r) > 0n));

describe('currencies', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['GBP', 2],
    ['CAD', 2],
    ['AUD', 2],
    ['CHF', 2],
    ['JPY', 0],
    ['KWD', 3],
    ['BHD', 3],
  ] as const)('%s has exponent %i', (code, exponent) => {
    expect(isSupportedCurrency(code)).toBe(true);
    expect(currencyExponent(code)).toBe(exponent);
  });

  it.each(['usd', 'XXX', '', 'constructor', '__proto__', 'toString', ' USD'])('rejects %j', (code) => {
    expect(isSupportedCurrency(code)).toBe(false);
    expect(errorCode(() => currencyExponent(code))).toBe('unsupported_currency');
    expect(errorCode(() => parseMoney('1', code))).toBe('unsupported_currency');
    expect(errorCode(() => zeroMoney(code))).toBe('unsupported_currency');
  });
});

describe('parseMoney', () => {
  it.each([
    ['12', 'USD', 1200n],
    ['-12.3', 'USD', -1230n],
    ['12.34', 'USD', 1234n],
    ['0.05', 'USD', 5n],
    ['-0.05', 'USD', -5n],
    ['+7.5', 'EUR', 750n],
    ['0', 'USD', 0n],
    ['-0', 'USD', 0n],
    ['-0.00', 'USD', 0n],
    ['1.50', 'GBP', 150n],
    ['1234', 'JPY', 1234n],
    ['-1234', 'JPY', -1234n],
    ['1.234', 'KWD', 1234n],
    ['1.2', 'KWD', 1200n],
    ['-0.001', 'BHD', -1n],
    ['10000000000000.00', 'USD', MAX_AMOUNT_MINOR],
    ['-10000000000000', 'USD', -MAX_AMOUNT_MINOR],
    ['1000000000000000', 'JPY', MAX_AMOUNT_MINOR],
    ['1000000000000.000', 'KWD', MAX_AMOUNT_MINOR],
  ] as const)('parses %j %s as %s minor units', (text, currency, expected) => {
    const m = parseMoney(text, currency);
    expect(m.amountMinor).toBe(expected);
    expect(m.currency).toBe(currency);
  });

  it.each([
    // [input, currency, expected error]
    ['', 'USD', 'invalid_format'],
    [' 1', 'USD', 'invalid_format'],
    ['1 ', 'USD', 'invalid_format'],
    ['\t1', 'USD', 'invalid_format'],
    ['1\n', 'USD', 'invalid_format'],
    ['1,000.00', 'USD', 'invalid_format'],
    ['1_000', 'USD', 'invalid_format'],
    ['1e3', 'USD', 'invalid_format'],
    ['1E3', 'USD', 'invalid_format'],
    ['1.5e2', 'USD', 'invalid_format'],
    ['0x10', 'USD', 'invalid_format'],
    ['0b1', 'USD', 'invalid_format'],
    ['NaN', 'USD', 'invalid_format'],
    ['Infinity', 'USD', 'invalid_format'],
    ['-Infinity', 'USD', 'invalid_format'],
    ['--1', 'USD', 'invalid_format'],
    ['+-1', 'USD', 'invalid_format'],
    ['-', 'USD', 'invalid_format'],
    ['+', 'USD', 'invalid_format'],
    ['.5', 'USD', 'invalid_format'],
    ['-.5', 'USD', 'invalid_format'],
    ['5.', 'USD', 'invalid_format'],
    ['1.2.3', 'USD', 'invalid_format'],
    ['01', 'USD', 'invalid_format'],
    ['00.50', 'USD', 'invalid_format'],
    ['\u22121', 'USD', 'invalid_format'], // unicode minus sign
    ['\uFF11', 'USD', 'invalid_format'], // full-width digit one
    ['\u0661', 'USD', 'invalid_format'], // arabic-indic digit one
    ['$1', 'USD', 'invalid_format'],
    ['1.234', 'USD', 'too_many_decimals'],
    ['1.230', 'USD', 'too_many_decimals'],
    ['1.5', 'JPY', 'too_many_decimals'],
    ['1.0', 'JPY', 'too_many_decimals'],
    ['1.2345', 'KWD', 'too_many_decimals'],
    ['10000000000000.01', 'USD', 'out_of_range'],
    ['-10000000000000.01', 'USD', 'out_of_range'],
    ['1000000000000001', 'JPY', 'out_of_range'],
    ['1000000000000.001', 'KWD', 'out_of_range'],
    ['123456789012345678901234567890', 'USD', 'out_of_range'],
    ['-123456789012345678901234567890', 'JPY', 'out_of_range'],
    ['999999999999999999999999999999.99', 'USD', 'out_of_range'],
    ['000000000000000000000000000001', 'USD', 'invalid_format'], // 30 digits, leading zeros
  ] as const)('rejects %j (%s) with %s', (text, currency, code) => {
    expect(errorCode(() => parseMoney(text, currency))).toBe(code);
  });

  it('rejects non-string input from untyped callers', () => {
    expect(errorCode(() => parseMoney(12 as unknown as string, 'USD'))).toBe('invalid_format');
    expect(errorCode(() => parseMoney(null as unknown as string, 'USD'))).toBe('invalid_format');
  });

  it('rejects a huge input quickly without echoing it back', () => {
    const huge = '9'.repeat(1_000_000);
    let message = '';
    try {
      parseMoney(huge, 'USD');
    } catch (error) {
      expect(error).toBeInstanceOf(MoneyError);
      message = (error as MoneyError).message;
    }
    expect(message.length).toBeLessThan(200);
  });

  it('returns frozen values and MoneyError carries name and code', () => {
    expect(Object.isFrozen(parseMoney('1', 'USD'))).toBe(true);
    try {
      parseMoney('abc', 'USD');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MoneyError);
      expect(error).toBeInstanceOf(Error);
      expect((error as MoneyError).name).toBe('MoneyError');
      expect((error as MoneyError).code).toBe('invalid_format');
    }
  });
});

describe('parseMoneyMinor', () => {
  it.each([
    [0, 0n],
    [-0, 0n],
    [1234, 1234n],
    [-5, -5n],
    [1_000_000_000_000_000, MAX_AMOUNT_MINOR],
    [MAX_AMOUNT_MINOR, MAX_AMOUNT_MINOR],
    [-MAX_AMOUNT_MINOR, -MAX_AMOUNT_MINOR],
  ] as const)('accepts %s', (minor, expected) => {
    expect(parseMoneyMinor(minor, 'USD').amountMinor).toBe(expected);
  });

  it.each([
    [1.5, 'invalid_format'],
    [Number.NaN, 'invalid_format'],
    [Number.POSITIVE_INFINITY, 'invalid_format'],
    [Number.NEGATIVE_INFINITY, 'invalid_format'],
    [MAX_AMOUNT_MINOR + 1n, 'out_of_range'],
    [-MAX_AMOUNT_MINOR - 1n, 'out_of_range'],
    [1_000_000_000_000_001, 'out_of_range'],
    [2 ** 53, 'out_of_range'],
    [1e300, 'out_of_range'],
    [10n ** 30n, 'out_of_range'],
  ] as const)('rejects %s with %s', (minor, code) => {
    expect(errorCode(() => parseMoneyMinor(minor, 'USD'))).toBe(code);
  });

  it('rejects non-numeric input from untyped callers', () => {
    expect(errorCode(() => parseMoneyMinor('12' as unknown as number, 'USD'))).toBe('invalid_format');
  });
});

describe('formatMoney', () => {
  it.each([
    [123456n, 'USD', '1234.56'],
    [-5n, 'USD', '-0.05'],
    [0n, 'USD', '0.00'],
    [7n, 'EUR', '0.07'],
    [-100n, 'GBP', '-1.00'],
    [1234n, 'JPY', '1234'],
    [-1n, 'JPY', '-1'],
    [0n, 'JPY', '0'],
    [1234n, 'KWD', '1.234'],
    [-1n, 'BHD', '-0.001'],
    [0n, 'KWD', '0.000'],
    [MAX_AMOUNT_MINOR, 'USD', '10000000000000.00'],
    [10n ** 25n + 1n, 'USD', '100000000000000000000000.01'], // arithmetic results may exceed the input bound
  ] as const)('formats %s %s as %j', (minor, currency, expected) => {
    expect(formatMoney({ amountMinor: minor, currency })).toBe(expected);
  });

  it.each([
    ['0.00', 'USD'],
    ['-0.05', 'USD'],
    ['1234.56', 'USD'],
    ['10000000000000.00', 'USD'],
    ['-10000000000000.00', 'CHF'],
    ['0', 'JPY'],
    ['-987654', 'JPY'],
    ['1000000000000000', 'JPY'],
    ['0.001', 'KWD'],
    ['-1000000000000.000', 'BHD'],
  ] as const)('round-trips canonical %j %s', (text, currency) => {
    expect(formatMoney(parseMoney(text, currency))).toBe(text);
  });

  it('round-trips every in-range amount: parse(format(m)) = m', () => {
    fc.assert(
      fc.property(amountArb, currencyArb, (minor, currency) => {
        const m = parseMoneyMinor(minor, currency);
        const back = parseMoney(formatMoney(m), currency);
        expect(back).toEqual(m);
      }),
      RUNS,
    );
  });

  it('agrees with dinero toDecimal', () => {
    fc.assert(
      fc.property(amountArb, currencyArb, (minor, currency) => {
        const m = parseMoneyMinor(minor, currency);
        expect(formatMoney(m)).toBe(toDecimal(toDinero(m)));
      }),
      RUNS,
    );
  });
});

describe('formatMoneyDisplay', () => {
  // ICU may use (narrow) no-break spaces between code and number.
  const display = (m: Money, locale?: string): string => formatMoneyDisplay(m, locale).replace(/[\u00a0\u202f]/g, ' ');

  it.each([
    [123456n, 'USD', '$1,234.56'],
    [-5n, 'USD', '-$0.05'],
    [0n, 'USD', '$0.00'],
    [1234n, 'JPY', '¥1,234'],
    [1234567n, 'KWD', 'KWD 1,234.567'],
    [150n, 'EUR', '€1.50'],
    [150n, 'GBP', '£1.50'],
  ] as const)('en-US %s %s → %j', (minor, currency, expected) => {
    expect(display({ amountMinor: minor, currency })).toBe(expected);
  });

  it('formats huge amounts exactly, without float rounding', () => {
    // Input is capped at MAX_AMOUNT_MINOR, but sums can legitimately exceed it.
    const thousandMax = sumMoney(Array.from({ length: 1000 }, () => usd(MAX_AMOUNT_MINOR)), 'USD');
    const big = subtractMoney(thousandMax, usd(1n)); // 999_999_999_999_999_999 minor
    expect(big.amountMinor).toBe(999_999_999_999_999_999n);
    expect(display(big)).toBe('$9,999,999,999,999,999.99');
    expect(display(usd(MAX_AMOUNT_MINOR - 1n))).toBe('$9,999,999,999,999.99');
  });

  it('honours the locale', () => {
    expect(display(parseMoney('1234.56', 'EUR'), 'de-DE')).toBe('1.234,56 €');
  });
});

describe('arithmetic', () => {
  const a = usd(1050n);
  const b = usd(-250n);
  const eur = parseMoneyMinor(100n, 'EUR');

  it('adds, subtracts, negates', () => {
    expect(addMoney(a, b)).toEqual(usd(800n));
    expect(subtractMoney(a, b)).toEqual(usd(1300n));
    expect(negateMoney(b)).toEqual(usd(250n));
    expect(negateMoney(zeroMoney('USD')).amountMinor).toBe(0n);
  });

  it('sums lists, including the empty list', () => {
    expect(sumMoney([a, b, a], 'USD')).toEqual(usd(1850n));
    expect(sumMoney([], 'JPY')).toEqual(parseMoneyMinor(0n, 'JPY'));
    expect(errorCode(() => sumMoney([a, eur], 'USD'))).toBe('currency_mismatch');
    expect(errorCode(() => sumMoney([eur], 'USD'))).toBe('currency_mismatch');
    expect(errorCode(() => sumMoney([], 'XXX'))).toBe('unsupported_currency');
  });

  it('predicates and comparisons', () => {
    expect(isZero(zeroMoney('USD'))).toBe(true);
    expect(isZero(a)).toBe(false);
    expect(isNegative(b)).toBe(true);
    expect(isNegative(a)).toBe(false);
    expect(isPositive(a)).toBe(true);
    expect(compareMoney(a, b)).toBe(1);
    expect(compareMoney(b, a)).toBe(-1);
    expect(compareMoney(a, usd(1050n))).toBe(0);
    expect(equalsMoney(a, usd(1050n))).toBe(true);
    expect(minMoney(a, b)).toBe(b);
    expect(maxMoney(a, b)).toBe(a);
    expect(minMoney(a)).toBe(a);
    expect(maxMoney(b, a, usd(5n))).toBe(a);
    expect([a, b, usd(0n)].sort(compareMoney).map(formatMoney)).toEqual(['-2.50', '0.00', '10.50']);
  });

  it('throws currency_mismatch on mixed currencies everywhere', () => {
    const mixed: Array<() => unknown> = [
      () => addMoney(a, eur),
      () => subtractMoney(a, eur),
      () => compareMoney(a, eur),
      () => equalsMoney(a, eur),
      () => minMoney(a, eur),
      () => maxMoney(a, b, eur),
    ];
    for (const fn of mixed) expect(errorCode(fn)).toBe('currency_mismatch');
  });

  it('add/subtract match plain bigint arithmetic', () => {
    fc.assert(
      fc.property(amountArb, amountArb, currencyArb, (x, y, currency) => {
        const mx = parseMoneyMinor(x, currency);
        const my = parseMoneyMinor(y, currency);
        expect(addMoney(mx, my).amountMinor).toBe(x + y);
        expect(subtractMoney(mx, my).amountMinor).toBe(x - y);
      }),
      RUNS,
    );
  });
});

describe('multiplyByBasisPoints', () => {
  it.each([
    // [minor, bp, expected] — half-even: ties go to the even neighbour
    [10000n, 2500, 2500n], // 25% of $100.00
    [5n, 5000, 2n], // 2.5 → 2
    [15n, 5000, 8n], // 7.5 → 8
    [25n, 5000, 12n], // 12.5 → 12
    [-5n, 5000, -2n],
    [-15n, 5000, -8n],
    [14n, 5000, 7n],
    [1n, 4999, 0n], // 0.4999 → 0
    [1n, 5001, 1n], // 0.5001 → 1
    [999n, 825, 82n], // 8.25% of $9.99 = 82.4175
    [100n, 0, 0n],
    [100n, -1000, -10n],
    [100n, 15000, 150n],
  ] as const)('%s × %i bp = %s', (minor, bp, expected) => {
    const result = multiplyByBasisPoints(usd(minor), bp);
    expect(result.amountMinor).toBe(expected);
    expect(result.currency).toBe('USD');
  });

  it('keeps JPY and KWD at their own exponent', () => {
    expect(multiplyByBasisPoints(parseMoney('101', 'JPY'), 5000)).toEqual(parseMoney('50', 'JPY')); // 50.5 → 50
    expect(multiplyByBasisPoints(parseMoney('1.001', 'KWD'), 5000)).toEqual(parseMoney('0.500', 'KWD'));
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60])('rejects bp %s', (bp) => {
    expect(errorCode(() => multiplyByBasisPoints(usd(100n), bp))).toBe('invalid_ratios');
  });

  it('matches a reference half-even implementation', () => {
    fc.assert(
      fc.property(amountArb, fc.integer({ min: -20_000, max: 20_000 }), currencyArb, (minor, bp, currency) => {
        const result = multiplyByBasisPoints(parseMoneyMinor(minor, currency), bp);
        expect(result.amountMinor).toBe(divideHalfEven(minor * BigInt(bp), 10_000n));
      }),
      RUNS,
    );
  });
});

describe('dinero interop', () => {
  it('round-trips through dinero at the currency scale', () => {
    for (const currency of SUPPORTED_CURRENCIES) {
      const m = parseMoneyMinor(-123456n, currency);
      const d = toDinero(m);
      expect(toSnapshot(d).scale).toBe(BigInt(currencyExponent(currency)));
      expect(fromDinero(d)).toEqual(m);
    }
  });

  it('fromDinero accepts exact higher scales but never rounds', () => {
    const d = toDinero(usd(1n));
    const [exact] = allocate(d, [{ amount: 10000n, scale: 4n }]); // scale raised to 6
    expect(toSnapshot(exact!).scale).toBe(6n);
    expect(fromDinero(exact!)).toEqual(usd(1n));
    const [half] = allocate(d, [{ amount: 5000n, scale: 4n }, { amount: 5000n, scale: 4n }]);
    expect(toSnapshot(half!).amount).toBe(5000n); // 0.005000 USD: sub-cent
    expect(errorCode(() => fromDinero(half!))).toBe('too_many_decimals');
  });
});

describe('allocateByRatios', () => {
  it('$100 split [1,1,1] gives 33.34 / 33.33 / 33.33', () => {
    const parts = allocateByRatios(parseMoney('100', 'USD'), [1, 1, 1]);
    expect(parts.map(formatMoney)).toEqual(['33.34', '33.33', '33.33']);
  });

  it('-$100 split [1,1,1] mirrors the positive split', () => {
    expect(allocateByRatios(parseMoney('-100', 'USD'), [1, 1, 1]).map(formatMoney)).toEqual([
      '-33.34',
      '-33.33',
      '-33.33',
    ]);
  });

  it('gives leftovers to the largest dropped fractions (unlike dinero allocate)', () => {
    // Exact shares are [1, 0.5, 0.5]; dinero would return [2, 0, 0].
    expect(minors(allocateByRatios(usd(2n), [2, 1, 1]))).toEqual([1n, 1n, 0n]);
    expect(minors(allocateByRatios(usd(-2n), [2n, 1n, 1n]))).toEqual([-1n, -1n, 0n]);
  });

  it('handles zero ratios, zero amounts, bigint ratios and JPY/KWD', () => {
    expect(minors(allocateByRatios(usd(1000n), [0, 1, 0, 3]))).toEqual([0n, 250n, 0n, 750n]);
    expect(minors(allocateByRatios(usd(0n), [1, 2]))).toEqual([0n, 0n]);
    expect(minors(allocateByRatios(parseMoney('100', 'JPY'), [1n, 2n]))).toEqual([33n, 67n]);
    expect(allocateByRatios(parseMoney('1', 'KWD'), [1, 1, 1]).map(formatMoney)).toEqual(['0.334', '0.333', '0.333']);
  });

  it.each<[string, readonly (number | bigint)[]]>([
    ['empty', []],
    ['all zero', [0, 0]],
    ['negative number', [1, -1]],
    ['negative bigint', [1n, -1n]],
    ['fraction', [1.5]],
    ['NaN', [Number.NaN]],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['unsafe integer', [2 ** 53]],
  ])('rejects %s ratios', (_label, ratios) => {
    expect(errorCode(() => allocateByRatios(usd(100n), ratios))).toBe('invalid_ratios');
  });

  it('parts always sum exactly to the whole', () => {
    fc.assert(
      fc.property(allocAmountArb, ratiosArb, currencyArb, (minor, ratios, currency) => {
        const m = parseMoneyMinor(minor, currency);
        const parts = allocateByRatios(m, ratios);
        expect(parts).toHaveLength(ratios.length);
        expect(sum(parts)).toBe(minor);
        expect(parts.every((p) => p.currency === currency)).toBe(true);
      }),
      RUNS,
    );
  });

  it('each part is within less than one minor unit of its exact share', () => {
    fc.assert(
      fc.property(allocAmountArb, ratiosArb, (minor, ratios) => {
        const big = ratios.map(BigInt);
        const ratioSum = big.reduce((x, y) => x + y, 0n);
        const parts = allocateByRatios(usd(minor), ratios);
        parts.forEach((p, i) => expect(withinOneUnit(p.amountMinor, minor, big[i]!, ratioSum)).toBe(true));
      }),
      RUNS,
    );
  });

  it('is sign-symmetric: allocate(-m) = -allocate(m)', () => {
    fc.assert(
      fc.property(allocAmountArb, ratiosArb, (minor, ratios) => {
        const pos = minors(allocateByRatios(usd(minor), ratios));
        const neg = minors(allocateByRatios(usd(-minor), ratios));
        expect(neg).toEqual(pos.map((p) => -p));
      }),
      RUNS,
    );
  });
});

describe('allocateByBasisPoints', () => {
  it('returns exactly bps.length parts when bps sum to 10000', () => {
    const parts = allocateByBasisPoints(parseMoney('100', 'USD'), [5000, 3000, 2000]);
    expect(parts.map(formatMoney)).toEqual(['50.00', '30.00', '20.00']);
  });

  it('appends the unallocated remainder as the last part when bps sum < 10000', () => {
    const parts = allocateByBasisPoints(parseMoney('100', 'USD'), [2500, 2500]);
    expect(parts.map(formatMoney)).toEqual(['25.00', '25.00', '50.00']);
    expect(minors(allocateByBasisPoints(usd(100n), [0]))).toEqual([0n, 100n]);
  });

  it('rounds $0.01 × 33.33% × 3 fairly and keeps the remainder', () => {
    const parts = allocateByBasisPoints(usd(100n), [3333, 3333, 3333]); // exact 33.33 each + 0.01
    expect(minors(parts)).toEqual([34n, 33n, 33n, 0n]);
  });

  it.each<[string, readonly number[]]>([
    ['empty', []],
    ['over 100%', [10001]],
    ['total over 10000', [6000, 5000]],
    ['negative', [-1, 5000]],
    ['fraction', [33.5]],
    ['NaN', [Number.NaN]],
  ])('rejects %s basis points', (_label, bps) => {
    expect(errorCode(() => allocateByBasisPoints(usd(100n), bps))).toBe('invalid_ratios');
  });

  const bpsArb = fc
    .array(fc.oneof(fc.constantFrom(0, 2500, 5000, 10_000), fc.integer({ min: 0, max: 10_000 })), {
      minLength: 1,
      maxLength: 12,
    })
    .filter((bps) => bps.reduce((x, y) => x + y, 0) <= 10_000);

  it('parts sum to the whole, with the documented length', () => {
    fc.assert(
      fc.property(allocAmountArb, bpsArb, currencyArb, (minor, bps, currency) => {
        const parts = allocateByBasisPoints(parseMoneyMinor(minor, currency), bps);
        const total = bps.reduce((x, y) => x + y, 0);
        expect(parts).toHaveLength(total === 10_000 ? bps.length : bps.length + 1);
        expect(sum(parts)).toBe(minor);
      }),
      RUNS,
    );
  });

  it('each part (remainder included) is within one minor unit of its exact share', () => {
    fc.assert(
      fc.property(allocAmountArb, bpsArb, (minor, bps) => {
        const total = bps.reduce((x, y) => x + y, 0);
        const shares = total < 10_000 ? [...bps, 10_000 - total] : bps;
        const parts = allocateByBasisPoints(usd(minor), bps);
        parts.forEach((p, i) => expect(withinOneUnit(p.amountMinor, minor, BigInt(shares[i]!), 10_000n)).toBe(true));
      }),
      RUNS,
    );
  });
});

// Compile-time check: CurrencyCode is a closed union, not an open string.
const _typeCheck: CurrencyCode = 'USD';
// @ts-expect-error -- 'XYZ' is not a supported currency code
const _typeCheckBad: CurrencyCode = 'XYZ';
void _typeCheck;
void _typeCheckBad;
