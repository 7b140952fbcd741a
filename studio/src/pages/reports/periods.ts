/** Report periods the pickers offer, computed from today's date (pure). */
export type PeriodPreset = 'this_year' | 'last_year' | 'this_quarter' | 'last_quarter' | 'this_month' | 'last_month' | 'custom';

export const periodPresets: { value: PeriodPreset; label: string }[] = [
  { value: 'this_year', label: 'This year to date' },
  { value: 'last_year', label: 'Last year' },
  { value: 'this_quarter', label: 'This quarter to date' },
  { value: 'last_quarter', label: 'Last quarter' },
  { value: 'this_month', label: 'This month to date' },
  { value: 'last_month', label: 'Last month' },
  { value: 'custom', label: 'Custom dates' },
];

const pad = (value: number) => String(value).padStart(2, '0');
const lastDay = (year: number, month1: number) => new Date(Date.UTC(year, month1, 0)).getUTCDate();
const iso = (year: number, month1: number, day: number) => `${year}-${pad(month1)}-${pad(day)}`;

export function presetPeriod(preset: Exclude<PeriodPreset, 'custom'>, today: string): { from: string; to: string } {
  const year = Number(today.slice(0, 4));
  const month = Number(today.slice(5, 7));
  const quarterStart = Math.floor((month - 1) / 3) * 3 + 1;
  switch (preset) {
    case 'this_year':
      return { from: iso(year, 1, 1), to: today };
    case 'last_year':
      return { from: iso(year - 1, 1, 1), to: iso(year - 1, 12, 31) };
    case 'this_quarter':
      return { from: iso(year, quarterStart, 1), to: today };
    case 'last_quarter': {
      const startYear = quarterStart === 1 ? year - 1 : year;
      const start = quarterStart === 1 ? 10 : quarterStart - 3;
      return { from: iso(startYear, start, 1), to: iso(startYear, start + 2, lastDay(startYear, start + 2)) };
    }
    case 'this_month':
      return { from: iso(year, month, 1), to: today };
    case 'last_month': {
      const previousYear = month === 1 ? year - 1 : year;
      const previous = month === 1 ? 12 : month - 1;
      return { from: iso(previousYear, previous, 1), to: iso(previousYear, previous, lastDay(previousYear, previous)) };
    }
  }
}

export const isIsoDate = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
