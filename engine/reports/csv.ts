import type { ReportDocument } from './report-document.js';

/**
 * RFC 4180 CSV: CRLF line ends, every field quoted, quotes doubled. A cell that a spreadsheet
 * would read as a formula (starting with = + - @, or a tab/CR) is prefixed with an apostrophe —
 * except plain numbers such as "-12.34", which stay numbers.
 */
const formulaStart = /^[=+\-@\t\r]/;
const plainNumber = /^-?\d+(\.\d+)?$/;

export function csvField(value: string): string {
  const safe = formulaStart.test(value) && !plainNumber.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

/**
 * One CSV per report: a header block (report, subject, period, currency), then each table with
 * its heading row and column labels, tables separated by an empty line.
 */
export function reportCsv(document: ReportDocument): string {
  let text = csvLine(['Report', document.title]);
  text += csvLine(['Subject', document.subject]);
  text += csvLine(['Period', document.period]);
  text += csvLine(['Currency', document.currency]);
  for (const [label, value] of document.summary ?? []) text += csvLine([label, value]);
  for (const table of document.tables) {
    text += '\r\n';
    if (table.heading) text += csvLine([table.heading]);
    text += csvLine(table.columns.map((column) => column.label));
    for (const row of table.rows) text += csvLine(row.cells);
  }
  for (const note of document.notes ?? []) text += csvLine(['Note', note]);
  return text;
}
