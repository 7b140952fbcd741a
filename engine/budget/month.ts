/**
 * Budget months, 'YYYY-MM'. Arithmetic is on a month index (year × 12 + month − 1), so months
 * roll over across year boundaries without calendar code.
 */
export type Month = string;

const monthPattern = /^([0-9]{4})-(0[1-9]|1[0-2])$/;

/** The pattern the API validates with (the database checks the same one). */
export const monthPatternSource = '^[0-9]{4}-(0[1-9]|1[0-2])$';

export function isMonth(value: unknown): value is Month {
  return typeof value === 'string' && monthPattern.test(value);
}

export function monthIndex(month: Month): number {
  const match = monthPattern.exec(month);
  if (!match) throw new Error(`not a month: ${month}`);
  return Number(match[1]) * 12 + Number(match[2]) - 1;
}

export function monthFromIndex(index: number): Month {
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

export function addMonths(month: Month, count: number): Month {
  return monthFromIndex(monthIndex(month) + count);
}

/** Months from `from` to `to`, both included; negative when `to` is before `from`. */
export function monthsBetween(from: Month, to: Month): number {
  return monthIndex(to) - monthIndex(from);
}

export function compareMonths(a: Month, b: Month): number {
  return monthIndex(a) - monthIndex(b);
}

export function minMonth(a: Month, b: Month): Month {
  return compareMonths(a, b) <= 0 ? a : b;
}

export function maxMonth(a: Month, b: Month): Month {
  return compareMonths(a, b) >= 0 ? a : b;
}

/** First and last calendar day of a month, 'YYYY-MM-DD'. */
export function monthStart(month: Month): string {
  return `${month}-01`;
}

export function monthEnd(month: Month): string {
  const index = monthIndex(month);
  const year = Math.floor(index / 12);
  const monthNumber = index - year * 12 + 1;
  const days = new Date(Date.UTC(year, monthNumber, 0)).getUTCDate();
  return `${month}-${String(days).padStart(2, '0')}`;
}

export function monthOfDate(date: string): Month {
  return date.slice(0, 7);
}
