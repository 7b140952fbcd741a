import { fromMinor, parseAmountInput } from '../../shell/money';

/**
 * What a person typed into an assigned cell → the decimal string the API takes, or an error in
 * words. A leading minus is allowed (taking money back out of a category); "1,234.5" and "$12" are.
 */
export function parseAssigned(text: string, exponent = 2): { value: string } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { value: fromMinor(0n, exponent) };
  const negative = trimmed.startsWith('-');
  const minor = parseAmountInput(negative ? trimmed.slice(1) : trimmed, exponent);
  if (minor === null) return { error: `Enter an amount such as 125.00: digits, at most ${exponent} decimals` };
  return { value: fromMinor(negative ? -minor : minor, exponent) };
}

/** A positive amount for a form field (moves, holds, targets). */
export function parsePositive(text: string, exponent = 2, allowZero = false): { value: string } | { error: string } {
  const minor = parseAmountInput(text, exponent);
  if (minor === null) return { error: `Enter an amount such as 125.00: digits, at most ${exponent} decimals, no sign` };
  if (minor === 0n && !allowZero) return { error: 'Enter more than zero' };
  return { value: fromMinor(minor, exponent) };
}
