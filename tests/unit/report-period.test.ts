import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, addMonths, comparisonPeriod, intervalBuckets, maxHistoryPoints, monthEnd, segmentsOf, yearToDate, type Segment } from '../../engine/reports/period.js';

const isoDate = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2040-12-31T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10));

/** Every day a segment list covers, in order. */
function days(segments: Segment[]): string[] {
  const out: string[] = [];
  for (const segment of segments) {
    const [from, to] = segment.kind === 'days' ? [segment.from, segment.to] : [segment.firstMonth, monthEnd(segment.lastMonth)];
    for (let day = from; day <= to; day = addDays(day, 1)) out.push(day);
  }
  return out;
}

describe('calendar arithmetic', () => {
  it('clamps month arithmetic to the month length', () => {
    expect(addMonths('2024-03-31', -1)).toBe('2024-02-29');
    expect(addMonths('2025-03-31', -1)).toBe('2025-02-28');
    expect(addMonths('2026-01-15', -13)).toBe('2024-12-15');
    expect(addMonths('2026-11-30', 14)).toBe('2028-01-30');
    expect(monthEnd('2024-02-10')).toBe('2024-02-29');
  });

  it('compares with the previous period of the same length, or the same period last year', () => {
    expect(comparisonPeriod({ from: '2026-04-01', to: '2026-06-30' }, 'previous')).toEqual({ from: '2026-01-01', to: '2026-03-31' });
    expect(comparisonPeriod({ from: '2026-03-01', to: '2026-03-31' }, 'previous')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(comparisonPeriod({ from: '2026-03-10', to: '2026-03-19' }, 'previous')).toEqual({ from: '2026-02-28', to: '2026-03-09' });
    expect(comparisonPeriod({ from: '2024-02-01', to: '2024-02-29' }, 'last_year')).toEqual({ from: '2023-02-01', to: '2023-02-28' });
    expect(comparisonPeriod({ from: '2025-02-01', to: '2025-02-28' }, 'last_year')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(yearToDate('2026-11-30')).toEqual({ from: '2026-01-01', to: '2026-11-30' });
  });
});

describe('segments: whole months from the summary, partial months from postings', () => {
  it('cuts a range at month boundaries', () => {
    expect(segmentsOf('2026-02-10', '2026-08-17')).toEqual([
      { kind: 'days', from: '2026-02-10', to: '2026-02-28' },
      { kind: 'months', firstMonth: '2026-03-01', lastMonth: '2026-07-01' },
      { kind: 'days', from: '2026-08-01', to: '2026-08-17' },
    ]);
    expect(segmentsOf('2026-03-03', '2026-03-19')).toEqual([{ kind: 'days', from: '2026-03-03', to: '2026-03-19' }]);
    expect(segmentsOf('2026-01-01', '2026-12-31')).toEqual([{ kind: 'months', firstMonth: '2026-01-01', lastMonth: '2026-12-01' }]);
    expect(segmentsOf(undefined, '2026-06-15')).toEqual([
      { kind: 'months', firstMonth: '1900-01-01', lastMonth: '2026-05-01' },
      { kind: 'days', from: '2026-06-01', to: '2026-06-15' },
    ]);
    expect(segmentsOf('2026-02-01', '2026-01-31')).toEqual([]);
  });

  it('covers every day of any range exactly once, in order', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: 0, max: 800 }), (from, length) => {
        const to = addDays(from, length);
        const covered = days(segmentsOf(from, to));
        expect(covered[0]).toBe(from);
        expect(covered.at(-1)).toBe(to);
        expect(covered).toHaveLength(length + 1);
      }),
      { numRuns: 200 },
    );
  });
});

describe('interval buckets', () => {
  it('end on calendar boundaries and on the last day', () => {
    expect(intervalBuckets('2026-01-15', '2026-04-10', 'month').map((bucket) => bucket.to)).toEqual(['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-10']);
    expect(intervalBuckets('2026-02-01', '2026-02-14', 'week').map((bucket) => bucket.to)).toEqual(['2026-02-01', '2026-02-08', '2026-02-14']);
    expect(intervalBuckets('2025-11-15', '2026-08-01', 'quarter').map((bucket) => bucket.to)).toEqual(['2025-12-31', '2026-03-31', '2026-06-30', '2026-08-01']);
    expect(intervalBuckets('2024-06-01', '2026-02-01', 'year').map((bucket) => bucket.to)).toEqual(['2024-12-31', '2025-12-31', '2026-02-01']);
  });

  it('tile the range with no gap or overlap, and stop just past the bound', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: 0, max: 1500 }), fc.constantFrom('day', 'week', 'month', 'quarter', 'year' as const), (from, length, interval) => {
        const to = addDays(from, length);
        const buckets = intervalBuckets(from, to, interval);
        expect(buckets[0]!.from).toBe(from);
        if (buckets.length <= maxHistoryPoints) expect(buckets.at(-1)!.to).toBe(to);
        else expect(buckets).toHaveLength(maxHistoryPoints + 1);
        for (let index = 1; index < buckets.length; index += 1) expect(buckets[index]!.from).toBe(addDays(buckets[index - 1]!.to, 1));
      }),
      { numRuns: 200 },
    );
  });
});
