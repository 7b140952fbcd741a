/**
 * CSV statements through csv-parse (quotes, embedded newlines, BOM), mapped by the user's
 * column choices: a date column and its format, one signed amount column or separate
 * debit/credit columns, payee, memo and an optional bank-id column, the decimal separator.
 */
import { CsvError, parse } from 'csv-parse/sync';
import { cleanText, dateFormats, parseAmountText, parseDateText, StatementFileError, statementRowsMax, type DateFormat, type DecimalSeparator, type ParsedStatement, type StatementRow, type InvalidRow } from './statement-file.js';

export const csvDelimiters = [',', ';', '\t', '|'] as const;
export type CsvDelimiter = (typeof csvDelimiters)[number];

/** Column numbers are 0-based positions in the row. */
export interface CsvMapping {
  delimiter: CsvDelimiter;
  hasHeader: boolean;
  dateColumn: number;
  dateFormat: DateFormat;
  /** One signed column (+ = money in, unless invertSign) ... */
  amountColumn?: number;
  /** ... or money out and money in in two columns (both shown positive by most banks). */
  debitColumn?: number;
  creditColumn?: number;
  payeeColumn?: number;
  memoColumn?: number;
  idColumn?: number;
  decimalSeparator: DecimalSeparator;
  /** For files where a positive amount is money out (some card exports). */
  invertSign?: boolean;
}

/** Delimiter by counting candidates outside quotes in the first lines. */
export function detectDelimiter(text: string): CsvDelimiter {
  const sample = text.split(/\r?\n/, 5).join('\n').replace(/"[^"]*"/g, '');
  let best: CsvDelimiter = ',';
  let bestCount = 0;
  for (const delimiter of csvDelimiters) {
    const count = sample.split(delimiter).length - 1;
    if (count > bestCount) {
      best = delimiter;
      bestCount = count;
    }
  }
  return best;
}

export interface CsvSample {
  delimiter: CsvDelimiter;
  headers: string[];
  rows: string[][];
  suggested: CsvMapping;
}

const headerPatterns: [keyof CsvMapping, RegExp][] = [
  ['dateColumn', /^(date|posted|posting date|transaction date|booking date|datum|buchungstag|fecha|value date|date opération)$/i],
  ['amountColumn', /^(amount|montant|betrag|importe|value|sum)$/i],
  ['debitColumn', /^(debit|débit|soll|withdrawal|withdrawals|money out|paid out|out)$/i],
  ['creditColumn', /^(credit|crédit|haben|deposit|deposits|money in|paid in|in)$/i],
  ['payeeColumn', /^(payee|description|name|merchant|counterparty|beneficiary|details|empfänger|bénéficiaire|libellé)$/i],
  ['memoColumn', /^(memo|notes?|reference|narrative|comment|verwendungszweck)$/i],
  ['idColumn', /^(id|transaction id|fitid|reference number|ref)$/i],
];

/** First rows, and a mapping guessed from header names and values (the wizard's starting point). */
export function sampleCsv(text: string, sampleRows = 8): CsvSample {
  const delimiter = detectDelimiter(text);
  const records = readRecords(text, delimiter, sampleRows + 1);
  const first = records[0]?.record ?? [];
  const looksLikeHeader = first.length > 0 && first.every((cell) => !/^[-+(]?[$€£]?\d[\d.,/ -]*\)?$/.test(cell.trim()));
  const headers = looksLikeHeader ? first.map((cell) => cell.trim()) : first.map((_, index) => `Column ${index + 1}`);
  const rows = records.slice(looksLikeHeader ? 1 : 0).map((entry) => entry.record);
  const suggested: CsvMapping = { delimiter, hasHeader: looksLikeHeader, dateColumn: 0, dateFormat: 'YYYY-MM-DD', decimalSeparator: '.' };
  headers.forEach((header, index) => {
    for (const [field, pattern] of headerPatterns) {
      if (pattern.test(header) && (suggested as unknown as Record<string, unknown>)[field] === undefined) (suggested as unknown as Record<string, number>)[field] = index;
    }
  });
  if (headers.length > 0 && !headers.some((header) => headerPatterns[0]![1].test(header))) suggested.dateColumn = 0;
  if (suggested.amountColumn === undefined && (suggested.debitColumn === undefined || suggested.creditColumn === undefined)) {
    suggested.amountColumn = rows[0]?.findIndex((cell, index) => index !== suggested.dateColumn && /^[-+(]?[$€£]?\s?-?\d[\d.,]*\)?$/.test(cell.trim()));
    if (suggested.amountColumn === -1) suggested.amountColumn = undefined;
  }
  const dates = rows.map((row) => row[suggested.dateColumn] ?? '').filter(Boolean);
  // Dotted dates are day-first wherever they are written; otherwise month-first wins a tie (US banks).
  const candidates = dates.some((date) => /^\d{1,2}\.\d{1,2}\./.test(date.trim())) ? (['DD.MM.YYYY', ...dateFormats] as const) : dateFormats;
  suggested.dateFormat = candidates.find((format) => dates.length > 0 && dates.every((date) => !parseDateText(date, format).startsWith('"'))) ?? 'YYYY-MM-DD';
  const amounts = rows.map((row) => row[suggested.amountColumn ?? suggested.debitColumn ?? -1] ?? '').filter(Boolean);
  if (amounts.some((amount) => /\d,\d{2}$/.test(amount.trim())) && !amounts.some((amount) => /\d\.\d{2}$/.test(amount.trim()))) suggested.decimalSeparator = ',';
  return { delimiter, headers, rows, suggested };
}

function readRecords(text: string, delimiter: CsvDelimiter, toLine?: number): { record: string[]; info: { lines: number } }[] {
  try {
    return parse(text, { delimiter, bom: true, relax_column_count: true, skip_empty_lines: true, info: true, ...(toLine ? { to: toLine } : {}) }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines ?? 1;
      throw new StatementFileError(line, `the CSV cannot be read: ${error.message.replace(/ at line \d+$/, '')}`);
    }
    throw error;
  }
}

export function validateCsvMapping(mapping: CsvMapping): string | undefined {
  const single = mapping.amountColumn !== undefined;
  const split = mapping.debitColumn !== undefined || mapping.creditColumn !== undefined;
  if (single === split) return 'map either one amount column, or debit and/or credit columns';
  return undefined;
}

/** Rows of a mapped CSV; rows that do not read are listed as invalid with their line. */
export function parseCsv(text: string, mapping: CsvMapping, currency: string): ParsedStatement {
  const problem = validateCsvMapping(mapping);
  if (problem) throw new StatementFileError(1, problem);
  const records = readRecords(text, mapping.delimiter);
  if (records.length - (mapping.hasHeader ? 1 : 0) > statementRowsMax) throw new StatementFileError(statementRowsMax + 1, `more than ${statementRowsMax} rows; split the file`);
  const rows: StatementRow[] = [];
  const invalid: InvalidRow[] = [];
  const cell = (record: string[], column: number | undefined) => (column === undefined ? undefined : record[column]);
  for (let index = mapping.hasHeader ? 1 : 0; index < records.length; index += 1) {
    const { record, info } = records[index]!;
    const line = info.lines;
    if (record.every((value) => value.trim() === '')) continue;
    const dateText = cell(record, mapping.dateColumn);
    if (dateText === undefined) {
      invalid.push({ line, message: `no column ${mapping.dateColumn + 1} (the row has ${record.length})` });
      continue;
    }
    const date = parseDateText(dateText, mapping.dateFormat);
    if (date.startsWith('"')) {
      invalid.push({ line, message: date });
      continue;
    }
    let amount: bigint | string;
    if (mapping.amountColumn !== undefined) {
      amount = parseAmountText(cell(record, mapping.amountColumn) ?? '', mapping.decimalSeparator, currency);
    } else {
      const debit = cell(record, mapping.debitColumn)?.trim() ?? '';
      const credit = cell(record, mapping.creditColumn)?.trim() ?? '';
      if (debit === '' && credit === '') amount = 'neither debit nor credit has an amount';
      else {
        const out = debit === '' ? 0n : parseAmountText(debit, mapping.decimalSeparator, currency);
        const into = credit === '' ? 0n : parseAmountText(credit, mapping.decimalSeparator, currency);
        amount = typeof out === 'string' ? out : typeof into === 'string' ? into : (into < 0n ? -into : into) - (out < 0n ? -out : out);
      }
    }
    if (typeof amount === 'string') {
      invalid.push({ line, message: amount });
      continue;
    }
    if (amount === 0n) {
      invalid.push({ line, message: 'the amount is zero' });
      continue;
    }
    rows.push({
      line,
      date,
      amountMinor: mapping.invertSign ? -amount : amount,
      payee: cleanText(cell(record, mapping.payeeColumn), 200),
      memo: cleanText(cell(record, mapping.memoColumn), 500),
      externalId: cleanText(cell(record, mapping.idColumn), 200),
    });
  }
  return { format: 'csv', rows, invalid };
}
