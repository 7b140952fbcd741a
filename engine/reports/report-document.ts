/**
 * What a report looks like on paper: title, whose books, which period, then tables. Every
 * report turns its data into one of these (pure), and the CSV writer and the PDF typesetter
 * render any of them, so a download always shows the same figures as the JSON.
 */
export interface ReportColumn {
  label: string;
  align?: 'left' | 'right';
  /** Relative width on the page (default 1). */
  weight?: number;
}

export interface ReportRow {
  cells: string[];
  /** `total` rows are set in bold with a rule above; `group` rows are sub-headings. */
  style?: 'total' | 'group';
}

export interface ReportTable {
  heading?: string;
  columns: ReportColumn[];
  rows: ReportRow[];
}

export interface ReportDocument {
  /** e.g. "Balance sheet". */
  title: string;
  /** Whose books: "Lee Studio LLC" or "Lee household". */
  subject: string;
  /** Human period: "2026-01-01 to 2026-06-30" or "as of 2026-06-30". */
  period: string;
  currency: string;
  /** Headline figures under the title: [label, value]. */
  summary?: [string, string][];
  tables: ReportTable[];
  notes?: string[];
}

/** Short file name stem: "balance-sheet-lee-studio-llc-2026-06-30". */
export function fileStem(...parts: string[]): string {
  return parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120);
}
