/**
 * Money at the edge of the studio: the API sends exact decimal strings; the studio formats them
 * with Intl from the string's digits (never through a float sum) and compares them as bigint
 * minor units.
 */

/** "1234.5" / "-0.07" → minor units of a currency with `exponent` decimals. */
export function toMinor(decimal: string, exponent = 2): bigint {
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(decimal.trim());
  if (!match) throw new Error(`not a decimal amount: ${decimal}`);
  const fraction = (match[3] ?? '').padEnd(exponent, '0').slice(0, exponent);
  const minor = BigInt(match[2]! + fraction);
  return match[1] ? -minor : minor;
}

export function fromMinor(minor: bigint, exponent = 2): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
  const body = exponent === 0 ? digits : `${digits.slice(0, digits.length - exponent)}.${digits.slice(digits.length - exponent)}`;
  return negative ? `-${body}` : body;
}

/** "1234.50" → "$1,234.50" in the user's locale. Intl formats a string exactly (no float rounding). */
export function formatMoney(decimal: string, currency = 'USD', locale?: string): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
  // NumberFormat.format accepts decimal strings exactly (ES2023 Intl.NumberFormat v3).
  return format.format(decimal as unknown as number);
}

/** Balance as the account's owner reads it: a card owing 120.00 (credit, "-120.00") shows 120.00. */
export function naturalBalance(balance: string, normalBalance: 'debit' | 'credit'): string {
  if (normalBalance === 'debit') return balance;
  return balance.startsWith('-') ? balance.slice(1) : balance === '0.00' || /^0(\.0+)?$/.test(balance) ? balance : `-${balance}`;
}

/** Minor-unit digits of a currency (USD 2, JPY 0), from Intl. */
export function currencyExponent(currency = 'USD'): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/**
 * What a person typed as an amount ("1,234.5", "$12", "0.07") → minor units; null when it is not
 * a plain unsigned amount with at most `exponent` decimals. Sign and direction come from the form.
 */
export function parseAmountInput(text: string, exponent = 2): bigint | null {
  const cleaned = text.trim().replace(/^\$/, '').replace(/,/g, '');
  const pattern = exponent === 0 ? /^\d{1,15}$/ : new RegExp(`^\\d{1,15}(\\.\\d{0,${exponent}})?$`);
  if (!pattern.test(cleaned)) return null;
  return toMinor(cleaned.endsWith('.') ? cleaned.slice(0, -1) : cleaned, exponent);
}

/** Sum of decimal strings, exactly (bigint minor units). */
export function sumDecimals(decimals: readonly string[], exponent = 2): string {
  return fromMinor(decimals.reduce((total, decimal) => total + toMinor(decimal, exponent), 0n), exponent);
}

export function negateDecimal(decimal: string): string {
  return decimal.startsWith('-') ? decimal.slice(1) : /^0(\.0+)?$/.test(decimal) ? decimal : `-${decimal}`;
}
