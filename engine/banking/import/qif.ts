/**
 * QIF (Quicken Interchange Format) bank and card registers: `!Type:Bank|CCard|Cash|Oth A|Oth L`
 * sections of records ended by `^`, with D(ate), T/U (amount), P(ayee), M(emo), L (category),
 * N (number). Dates are M/D/YY, M/D'YY (Quicken's 2000s), M/D/YYYY, or D/M/YYYY when the file
 * says so by a day above 12. Investment sections and account lists are skipped.
 *
 * The packages on npm for QIF are unmaintained, so this small parser is ours.
 */
import { cleanText, parseAmountText, parseDateText, StatementFileError, statementRowsMax, type DateFormat, type InvalidRow, type ParsedStatement, type StatementRow } from './statement-file.js';

const registerTypes = new Set(['bank', 'ccard', 'cash', 'oth a', 'oth l']);

interface RawRecord {
  line: number;
  fields: Map<string, string>;
}

export function parseQif(text: string, currency: string, options: { dateOrder?: 'mdy' | 'dmy' } = {}): ParsedStatement {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const records: RawRecord[] = [];
  let section: string | null = null;
  let current: RawRecord | null = null;
  let sawHeader = false;
  lines.forEach((rawLine, index) => {
    const lineNumber = index + 1;
    const line = rawLine.trimEnd();
    if (line.trim() === '') return;
    if (line.startsWith('!')) {
      const header = line.slice(1).trim().toLowerCase();
      if (header.startsWith('type:')) {
        section = header.slice(5).trim();
        sawHeader = true;
      } else if (header === 'account') section = 'account';
      else if (header.startsWith('option') || header.startsWith('clear')) {
        // Options change nothing we read.
      } else throw new StatementFileError(lineNumber, `unknown QIF header "${line.slice(0, 40)}"`);
      current = null;
      return;
    }
    if (!sawHeader && section === null) throw new StatementFileError(lineNumber, 'this is not a QIF file: it must start with a !Type: line');
    if (line.startsWith('^')) {
      if (current && section !== null && registerTypes.has(section)) records.push(current);
      current = null;
      return;
    }
    const code = line[0]!.toUpperCase();
    const value = line.slice(1);
    current ??= { line: lineNumber, fields: new Map() };
    // Split lines (S, E, $) belong to the record; the record's own total is what posts.
    if (!current.fields.has(code)) current.fields.set(code, value);
  });
  // A last record without its ^ is common; keep it.
  const last = current as RawRecord | null;
  if (last && section !== null && registerTypes.has(section as string)) records.push(last);
  if (!sawHeader) throw new StatementFileError(1, 'this is not a QIF file: it must start with a !Type: line');
  if (records.length > statementRowsMax) throw new StatementFileError(records[statementRowsMax]!.line, `more than ${statementRowsMax} transactions; split the file`);

  const order = options.dateOrder ?? guessDateOrder(records.map((record) => record.fields.get('D') ?? ''));
  const format: DateFormat = order === 'dmy' ? 'DD/MM/YYYY' : 'MM/DD/YYYY';
  const rows: StatementRow[] = [];
  const invalid: InvalidRow[] = [];
  for (const record of records) {
    const dateText = record.fields.get('D');
    if (!dateText) {
      invalid.push({ line: record.line, message: 'the record has no D (date) line' });
      continue;
    }
    const date = parseDateText(dateText.replace(/'\s*/, '/'), format);
    if (date.startsWith('"')) {
      invalid.push({ line: record.line, message: date });
      continue;
    }
    const amountText = record.fields.get('T') ?? record.fields.get('U');
    if (amountText === undefined) {
      invalid.push({ line: record.line, message: 'the record has no T (amount) line' });
      continue;
    }
    const amount = parseAmountText(amountText, /^[-+]?[\d.]*\d,\d{1,2}$/.test(amountText.trim()) ? ',' : '.', currency);
    if (typeof amount === 'string') {
      invalid.push({ line: record.line, message: amount });
      continue;
    }
    if (amount === 0n) {
      invalid.push({ line: record.line, message: 'the amount is zero' });
      continue;
    }
    const category = cleanText(record.fields.get('L'), 200);
    const memo = cleanText(record.fields.get('M'), 500);
    rows.push({
      line: record.line,
      date,
      amountMinor: amount,
      payee: cleanText(record.fields.get('P'), 200),
      memo,
      externalId: null,
      category,
    });
  }
  return { format: 'qif', rows, invalid };
}

function guessDateOrder(dates: readonly string[]): 'mdy' | 'dmy' {
  for (const date of dates) {
    const match = date.trim().match(/^(\d{1,2})[/.-](\d{1,2})/);
    if (match && Number(match[1]) > 12) return 'dmy';
  }
  return 'mdy';
}
