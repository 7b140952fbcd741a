import type { IsoDate } from '../ledger/types.js';

/**
 * Calendar arithmetic for reports, on 'YYYY-MM-DD' strings in UTC (dates in the books carry no
 * time zone). Pure: no clock, no database.
 */

/** The earliest date a journal can carry: "since the beginning of the books". */
export const beginningOfBooks: IsoDate = '1900-01-01';

const dayMs = 86_400_000;
const toUtc = (date: IsoDate): number => Date.parse(`${date}T00:00:00Z`);
const fromUtc = (time: number): IsoDate => new Date(time).toISOString().slice(0, 10);

export function addDays(date: IsoDate, days: number): IsoDate {
  return fromUtc(toUtc(date) + days * dayMs);
}

export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((toUtc(to) - toUtc(from)) / dayMs);
}

export function monthStart(date: IsoDate): IsoDate {
  return `${date.slice(0, 7)}-01`;
}

function daysInMonth(year: number, month1: number): number {
  return new Date(Date.UTC(year, month1, 0)).getUTCDate();
}

export function monthEnd(date: IsoDate): IsoDate {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  return `${date.slice(0, 7)}-${String(daysInMonth(year, month)).padStart(2, '0')}`;
}

/** The same day `months` later (negative: earlier), clamped to the month's length. */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const year = Number(date.slice(0, 4));
  const month0 = Number(date.slice(5, 7)) - 1 + months;
  const targetYear = year + Math.floor(month0 / 12);
  const targetMonth1 = (((month0 % 12) + 12) % 12) + 1;
  const day = Math.min(Number(date.slice(8, 10)), daysInMonth(targetYear, targetMonth1));
  return `${String(targetYear).padStart(4, '0')}-${String(targetMonth1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export const isMonthStart = (date: IsoDate): boolean => date.endsWith('-01');
export const isMonthEnd = (date: IsoDate): boolean => monthEnd(date) === date;

/** Whole months between two dates (from a month start to a month end), or undefined. */
function wholeMonths(from: IsoDate, to: IsoDate): number | undefined {
  if (!isMonthStart(from) || !isMonthEnd(to)) return undefined;
  return (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7)) + 1;
}

export interface Period {
  from: IsoDate;
  to: IsoDate;
}

export type Comparison = 'previous' | 'last_year';

/**
 * The period a report is compared with. "previous" is the same length immediately before: whole
 * months shift by months (Q2 → Q1, March → February), anything else by days.
 */
export function comparisonPeriod(period: Period, comparison: Comparison): Period {
  if (comparison === 'last_year') return { from: addMonths(period.from, -12), to: isMonthEnd(period.to) ? monthEnd(addMonths(period.to, -12)) : addMonths(period.to, -12) };
  const months = wholeMonths(period.from, period.to);
  if (months !== undefined) {
    const from = addMonths(period.from, -months);
    return { from, to: addDays(period.from, -1) };
  }
  const length = daysBetween(period.from, period.to) + 1;
  return { from: addDays(period.from, -length), to: addDays(period.from, -1) };
}

/**
 * A date range cut into what the monthly summary can answer (whole months) and what must be
 * read from postings (the partial months at either end). `from` undefined means since the
 * beginning of the books. Segments never overlap and cover the range exactly.
 */
export type Segment = { kind: 'months'; firstMonth: IsoDate; lastMonth: IsoDate } | { kind: 'days'; from: IsoDate; to: IsoDate };

export function segmentsOf(from: IsoDate | undefined, to: IsoDate): Segment[] {
  const start = from ?? beginningOfBooks;
  if (start > to) return [];
  const firstWhole = isMonthStart(start) ? start : addDays(monthEnd(start), 1);
  const lastWholeEnd = isMonthEnd(to) ? to : addDays(monthStart(to), -1);
  if (firstWhole > lastWholeEnd) return [{ kind: 'days', from: start, to }];
  const segments: Segment[] = [];
  if (start < firstWhole) segments.push({ kind: 'days', from: start, to: addDays(firstWhole, -1) });
  segments.push({ kind: 'months', firstMonth: firstWhole, lastMonth: monthStart(lastWholeEnd) });
  if (lastWholeEnd < to) segments.push({ kind: 'days', from: addDays(lastWholeEnd, 1), to });
  return segments;
}

export const intervals = ['day', 'week', 'month', 'quarter', 'year'] as const;
export type Interval = (typeof intervals)[number];

/** Upper bound on points in a history: a chart of more is unreadable and a request for more is a mistake. */
export const maxHistoryPoints = 400;

/**
 * Consecutive buckets from `from` to `to`, each ending on the interval's calendar boundary
 * (weeks end on Sunday) or on `to`. Buckets cover the range exactly and in order.
 */
export function intervalBuckets(from: IsoDate, to: IsoDate, interval: Interval): Period[] {
  const buckets: Period[] = [];
  let start = from;
  while (start <= to) {
    let end: IsoDate;
    switch (interval) {
      case 'day':
        end = start;
        break;
      case 'week': {
        const weekday = new Date(toUtc(start)).getUTCDay(); // 0 = Sunday
        end = addDays(start, (7 - weekday) % 7);
        break;
      }
      case 'month':
        end = monthEnd(start);
        break;
      case 'quarter': {
        const month = Number(start.slice(5, 7));
        const quarterLastMonth = Math.ceil(month / 3) * 3;
        end = monthEnd(`${start.slice(0, 4)}-${String(quarterLastMonth).padStart(2, '0')}-01`);
        break;
      }
      case 'year':
        end = `${start.slice(0, 4)}-12-31`;
        break;
    }
    if (end > to) end = to;
    buckets.push({ from: start, to: end });
    if (buckets.length > maxHistoryPoints) break;
    start = addDays(end, 1);
  }
  return buckets;
}

/** The default report period: the calendar year to date of `today`. */
export function yearToDate(today: IsoDate): Period {
  return { from: `${today.slice(0, 4)}-01-01`, to: today };
}
