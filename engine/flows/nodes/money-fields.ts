import type { FieldProblem } from '../../errors.js';
import { formatMinor, MoneyError, parseMoney } from '../../money/index.js';

/** Schema of a money setting in node data: a decimal string, never a JSON number. */
export const moneySetting = {
  type: 'string',
  pattern: '^(0|[1-9][0-9]{0,17})(\\.[0-9]{1,3})?$',
  maxLength: 24,
  description: 'Amount as a decimal string, e.g. "500.00"',
} as const;

/** Parses a validated money setting; validation has already reported malformed ones. */
export function settingMinor(value: string | undefined, currency: string): bigint {
  if (value === undefined) return 0n;
  return parseMoney(value, currency).amountMinor;
}

export function moneySettingProblems(value: string | undefined, currency: string, field: string): FieldProblem[] {
  if (value === undefined) return [];
  try {
    parseMoney(value, currency);
    return [];
  } catch (error) {
    if (error instanceof MoneyError) return [{ field, message: error.message, code: error.code }];
    throw error;
  }
}

export function display(amountMinor: bigint, currency: string): string {
  return formatMinor(amountMinor, currency);
}
