/**
 * The vocabulary every importer speaks: a statement file becomes rows (line, date, amount in
 * minor units with the statement's sign: + = money into the account), rows that could not be
 * read (invalid, with their line), or — when the file itself is broken — a StatementFileError
 * naming the line. Nothing here touches the database.
 */
import { MoneyError, parseMoney } from '../../money/index.js';
import type { IsoDate } from '../../ledger/types.js';

export type ImportFormat = 'csv' | 'ofx' | 'qif';

export interface StatementRow {
  /** 1-based line in the file where the row starts. */
  line: number;
  date: IsoDate;
  amountMinor: bigint;
  payee: string | null;
  memo: string | null;
  /** The bank's own id (OFX FITID, a CSV id column); null when the file has none. */
  externalId: string | null;
  /** A category the file names (QIF L lines); booked to the entity's account of that name if any. */
  category?: string | null;
}

export interface InvalidRow {
  line: number;
  message: string;
}

export interface ParsedStatement {
  format: ImportFormat;
  rows: StatementRow[];
  invalid: InvalidRow[];
  /** What the file says about itself, when it says it. */
  currency?: string;
  accountId?: string;
  closingBalance?: { amountMinor: bigint; date: IsoDate | null };
}

/** The file as a whole cannot be read: nothing is imported. */
export class StatementFileError extends Error {
  override name = 'StatementFileError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Rows in one file are bounded: beyond this, split the file. */
export const statementRowsMax = 250_000;

/** Bytes to text: UTF-8 when it is valid UTF-8 (BOM dropped), else Windows-1252 (old bank exports). */
export function decodeStatementBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

export function detectFormat(text: string, fileName?: string | null): ImportFormat {
  const head = text.slice(0, 2048).trimStart();
  if (/^OFXHEADER\s*:/i.test(head) || /<OFX>/i.test(head) || /<\?OFX/i.test(head)) return 'ofx';
  if (/^!(Type|Account|Option|Clear)/i.test(head)) return 'qif';
  const extension = fileName?.toLowerCase().match(/\.([a-z]+)$/)?.[1];
  if (extension === 'ofx' || extension === 'qfx') return 'ofx';
  if (extension === 'qif') return 'qif';
  return 'csv';
}

export type DecimalSeparator = '.' | ',';

/**
 * An amount as banks print it: "1,234.56", "1.234,56" (with ','), "(12.34)", "12.34-",
 * "$ -5.00", "−5.00" (Unicode minus), "+5". Returns minor units or a message.
 */
export function parseAmountText(raw: string, decimalSeparator: DecimalSeparator, currency: string): bigint | string {
  let text = raw.trim().replace(/[\u2212\u2012\u2013]/g, '-');
  if (text === '') return 'the amount is empty';
  let negative = false;
  if (/^\(.*\)$/.test(text)) {
    negative = true;
    text = text.slice(1, -1).trim();
  }
  if (/-$/.test(text)) {
    negative = !negative;
    text = text.slice(0, -1).trim();
  }
  // Currency symbols and codes around the number.
  text = text.replace(/^[A-Z]{3}\s*|\s*[A-Z]{3}$/g, '').replace(/[$€£¥₣₹\s\u00a0\u202f']/g, '');
  if (text.startsWith('-')) {
    negative = !negative;
    text = text.slice(1);
  } else if (text.startsWith('+')) text = text.slice(1);
  const thousands = decimalSeparator === '.' ? ',' : '.';
  if (!new RegExp(`^[0-9${thousands === '.' ? '.' : ','}]*(\\${decimalSeparator}[0-9]+)?$`).test(text) || !/[0-9]/.test(text)) {
    return `"${raw.trim().slice(0, 40)}" is not an amount (decimal separator "${decimalSeparator}")`;
  }
  const normalized = text.split(thousands).join('').replace(decimalSeparator, '.');
  try {
    const minor = parseMoney(normalized.startsWith('.') ? `0${normalized}` : normalized, currency).amountMinor;
    return negative ? -minor : minor;
  } catch (error) {
    if (error instanceof MoneyError) return `"${raw.trim().slice(0, 40)}": ${error.message}`;
    throw error;
  }
}

export const dateFormats = ['YYYY-MM-DD', 'MM/DD/YYYY', 'DD/MM/YYYY', 'DD.MM.YYYY', 'YYYYMMDD'] as const;
export type DateFormat = (typeof dateFormats)[number];

function validDate(year: number, month: number, day: number): IsoDate | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31 || year < 1900 || year > 2999) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Two-digit years: 70-99 are 19xx, 00-69 are 20xx (as Quicken and most banks mean them). */
function fullYear(text: string): number {
  const year = Number(text);
  return text.length <= 2 ? (year >= 70 ? 1900 + year : 2000 + year) : year;
}

/** A date in the given order; separators may be / - . or space; years may have 2 digits (except ISO). */
export function parseDateText(raw: string, format: DateFormat): IsoDate | string {
  // A time after the date ("2026-11-03T10:00", "11/03/2026 10:00") is dropped.
  const text = raw.trim().replace(/[T ]\d{1,2}:\d{2}.*$/, '');
  let parts: RegExpMatchArray | null;
  let result: IsoDate | undefined;
  if (format === 'YYYYMMDD') {
    parts = text.match(/^(\d{4})(\d{2})(\d{2})/);
    if (parts) result = validDate(Number(parts[1]), Number(parts[2]), Number(parts[3]));
  } else if (format === 'YYYY-MM-DD') {
    parts = text.match(/^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/);
    if (parts) result = validDate(Number(parts[1]), Number(parts[2]), Number(parts[3]));
  } else {
    parts = text.trim().match(/^(\d{1,2})[-/.' ](\d{1,2})[-/.' ]+(\d{2}|\d{4})$/);
    if (parts) {
      const [first, second] = [Number(parts[1]), Number(parts[2])];
      result = format === 'MM/DD/YYYY' ? validDate(fullYear(parts[3]!), first, second) : validDate(fullYear(parts[3]!), second, first);
    }
  }
  return result ?? `"${raw.trim().slice(0, 40)}" is not a date in the format ${format}`;
}

export function cleanText(value: string | undefined | null, maxLength: number): string | null {
  if (value === undefined || value === null) return null;
  // NUL and other control characters never reach the database.
  const text = value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/\s+/g, ' ').trim();
  return text === '' ? null : text.slice(0, maxLength);
}
