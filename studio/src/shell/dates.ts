/** Today as a calendar date in the user's time zone (books carry dates, not instants). */
export function todayIso(now = new Date()): string {
  const month = String(now.getMonth() + 1).padStart(2, '0');
  const day = String(now.getDate()).padStart(2, '0');
  return `${now.getFullYear()}-${month}-${day}`;
}

/** "2026-03-31" → "Mar 31, 2026" in the user's locale, without shifting through UTC. */
export function formatDate(iso: string, locale?: string): string {
  const [year, month, day] = iso.split('-').map(Number) as [number, number, number];
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(year, month - 1, day));
}

export function formatDateTime(iso: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** The last day of each of the `count` months ending with the month of `today`, oldest first (the last is today). */
export function monthEnds(today: string, count: number): string[] {
  const [year, month] = today.split('-').map(Number) as [number, number];
  const ends: string[] = [];
  for (let back = count - 1; back >= 1; back -= 1) {
    const end = new Date(Date.UTC(year, month - back, 0));
    ends.push(end.toISOString().slice(0, 10));
  }
  ends.push(today);
  return ends;
}
