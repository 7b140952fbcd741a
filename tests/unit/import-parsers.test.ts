import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCsv, sampleCsv, type CsvMapping } from '../../engine/banking/import/csv.js';
import { parseOfx } from '../../engine/banking/import/ofx.js';
import { parseQif } from '../../engine/banking/import/qif.js';
import { decodeStatementBytes, detectFormat, parseAmountText, parseDateText, StatementFileError } from '../../engine/banking/import/statement-file.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/banking');
const fixture = (name: string) => decodeStatementBytes(readFileSync(path.join(fixtures, name)));

const simple = (rows: { line: number; date: string; amountMinor: bigint; payee: string | null; memo: string | null; externalId: string | null }[]) =>
  rows.map((row) => [row.line, row.date, row.amountMinor, row.payee, row.memo, row.externalId]);

describe('amounts and dates as banks print them', () => {
  it('reads signs, separators, parentheses and currency marks', () => {
    expect(parseAmountText('1,234.56', '.', 'USD')).toBe(123456n);
    expect(parseAmountText('1.234,56', ',', 'EUR')).toBe(123456n);
    expect(parseAmountText('(12.34)', '.', 'USD')).toBe(-1234n);
    expect(parseAmountText('12.34-', '.', 'USD')).toBe(-1234n);
    expect(parseAmountText('$ -5.00', '.', 'USD')).toBe(-500n);
    expect(parseAmountText('\u22125.00', '.', 'USD')).toBe(-500n);
    expect(parseAmountText('+7', '.', 'USD')).toBe(700n);
    expect(parseAmountText('.5', '.', 'USD')).toBe(50n);
    expect(parseAmountText('1.234', '.', 'USD')).toMatch(/decimals|minor/);
    expect(parseAmountText('forty', '.', 'USD')).toMatch(/not an amount/);
    expect(parseAmountText('', '.', 'USD')).toMatch(/empty/);
  });

  it('reads each date format and refuses impossible dates', () => {
    expect(parseDateText('2026-11-03', 'YYYY-MM-DD')).toBe('2026-11-03');
    expect(parseDateText('2026-11-03T10:00:00', 'YYYY-MM-DD')).toBe('2026-11-03');
    expect(parseDateText('11/03/2026', 'MM/DD/YYYY')).toBe('2026-11-03');
    expect(parseDateText('12/19/18', 'MM/DD/YYYY')).toBe('2018-12-19');
    expect(parseDateText('03/11/2026', 'DD/MM/YYYY')).toBe('2026-11-03');
    expect(parseDateText('03.11.2026', 'DD.MM.YYYY')).toBe('2026-11-03');
    expect(parseDateText('20261103', 'YYYYMMDD')).toBe('2026-11-03');
    expect(parseDateText('2026-02-30', 'YYYY-MM-DD')).toMatch(/not a date/);
    expect(parseDateText('13/13/2026', 'MM/DD/YYYY')).toMatch(/not a date/);
  });

  it('detects the format from content first, then the file name', () => {
    expect(detectFormat(fixture('data-payee-memo.ofx'))).toBe('ofx');
    expect(detectFormat(fixture('card-statement-v2.ofx'))).toBe('ofx');
    expect(detectFormat(fixture('data-with-categories.qif'))).toBe('qif');
    expect(detectFormat(fixture('data-payee-memo.csv'))).toBe('csv');
    expect(detectFormat('whatever', 'export.QFX')).toBe('ofx');
  });

  it('decodes Windows-1252 files that are not UTF-8', () => {
    expect(decodeStatementBytes(Buffer.from([0x43, 0x61, 0x66, 0xe9]))).toBe('Café');
    expect(decodeStatementBytes(Buffer.from('\uFEFFCafé', 'utf8'))).toBe('Café');
  });
});

describe('CSV', () => {
  it("reads Actual's fixture with empty payee and notes fields", () => {
    const text = fixture('data-payee-memo.csv');
    const sample = sampleCsv(text);
    expect(sample.headers).toEqual(['date', 'amount', 'payee', 'notes']);
    expect(sample.suggested).toMatchObject({ delimiter: ',', hasHeader: true, dateColumn: 0, amountColumn: 1, payeeColumn: 2, memoColumn: 3, dateFormat: 'YYYY-MM-DD' });
    const parsed = parseCsv(text, sample.suggested, 'USD');
    expect(simple(parsed.rows)).toEqual([
      [2, '2019-01-23', -1000n, 'Payee Name', 'Note Text', null],
      [3, '2019-01-23', -2000n, 'Payee Name Only', null, null],
      [4, '2019-01-23', -3000n, null, 'Note Only Text', null],
      [5, '2019-01-23', -4000n, null, null, null],
    ]);
    expect(parsed.invalid).toEqual([]);
  });

  it('reads a European export: semicolons, debit/credit columns, decimal commas, DD.MM.YYYY', () => {
    const text = fixture('eu-debit-credit.csv');
    const sample = sampleCsv(text);
    expect(sample.suggested).toMatchObject({ delimiter: ';', dateFormat: 'DD.MM.YYYY', decimalSeparator: ',', debitColumn: 3, creditColumn: 4 });
    const mapping: CsvMapping = { delimiter: ';', hasHeader: true, dateColumn: 0, dateFormat: 'DD.MM.YYYY', debitColumn: 3, creditColumn: 4, payeeColumn: 1, memoColumn: 2, decimalSeparator: ',' };
    const parsed = parseCsv(text, mapping, 'EUR');
    expect(parsed.rows.map((row) => [row.date, row.amountMinor, row.payee])).toEqual([
      ['2026-11-03', -123456n, 'Müller GmbH'],
      ['2026-11-04', 480000n, 'Kunde Weber'],
      ['2026-11-05', -8990n, 'Deutsche Bahn'],
      ['2026-11-05', -8990n, 'Deutsche Bahn'],
      ['2026-11-10', -495n, 'Bank'],
    ]);
    expect(parsed.rows[0]!.memo).toBe('Rechnung 2026-114; Büromaterial');
  });

  it('reads quoted thousands, US dates and an id column', () => {
    const text = fixture('us-checking.csv');
    const sample = sampleCsv(text);
    expect(sample.suggested).toMatchObject({ dateFormat: 'MM/DD/YYYY', amountColumn: 2, payeeColumn: 1, idColumn: 3 });
    const parsed = parseCsv(text, sample.suggested, 'USD');
    expect(parsed.rows.map((row) => [row.date, row.amountMinor, row.externalId])).toContainEqual(['2026-11-02', 315000n, 'TX-1002']);
    expect(parsed.rows.find((row) => row.externalId === 'TX-1005')!.payee).toBe("TRADER JOE'S #552, SAN FRANCISCO");
  });

  it('lists unreadable rows with their line and keeps the rest', () => {
    const parsed = parseCsv(fixture('invalid-rows.csv'), { delimiter: ',', hasHeader: true, dateColumn: 0, dateFormat: 'YYYY-MM-DD', amountColumn: 2, payeeColumn: 1, decimalSeparator: '.' }, 'USD');
    expect(parsed.rows.map((row) => row.line)).toEqual([2, 5]);
    expect(parsed.invalid).toEqual([
      { line: 3, message: expect.stringMatching(/2026-13-45.*not a date/) },
      { line: 4, message: expect.stringMatching(/forty.*not an amount/) },
    ]);
  });

  it('refuses a file with an unclosed quote, naming the line', () => {
    const error = (() => {
      try {
        parseCsv(fixture('malformed-quote.csv'), { delimiter: ',', hasHeader: true, dateColumn: 0, dateFormat: 'YYYY-MM-DD', amountColumn: 2, decimalSeparator: '.' }, 'USD');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(StatementFileError);
    expect((error as StatementFileError).line).toBeGreaterThanOrEqual(3);
    expect((error as Error).message).toMatch(/^line \d+: the CSV cannot be read: Quote Not Closed/);
  });

  it('refuses a mapping with both an amount and debit/credit columns', () => {
    expect(() => parseCsv('a,b\n1,2', { delimiter: ',', hasHeader: true, dateColumn: 0, dateFormat: 'YYYY-MM-DD', amountColumn: 1, debitColumn: 1, decimalSeparator: '.' }, 'USD')).toThrow(/either one amount column/);
  });
});

describe('OFX', () => {
  it("reads Actual's SGML 1.02 fixture (leaves without closing tags)", () => {
    const parsed = parseOfx(fixture('data-payee-memo.ofx'), 'USD');
    expect(parsed.currency).toBe('USD');
    expect(parsed.accountId).toBe('123456789123');
    expect(parsed.closingBalance).toEqual({ amountMinor: 100000n, date: '2019-01-24' });
    expect(parsed.rows.map((row) => [row.date, row.amountMinor, row.payee, row.memo, row.externalId])).toEqual([
      ['2019-01-23', -1000n, 'Payee Name', 'Memo Text', 'test-name-and-memo'],
      ['2019-01-23', -2000n, 'Payee Name Only', null, 'test-name-only'],
      ['2019-01-23', -3000n, null, 'Memo Only Text', 'test-memo-only'],
      ['2019-01-23', -4000n, null, null, 'test-neither'],
    ]);
    expect(parsed.rows[0]!.line).toBe(39);
  });

  it('reads a UTF-8 QFX with accents and the euro sign, in CAD', () => {
    const parsed = parseOfx(fixture('utf-8.qfx'), 'USD');
    expect(parsed.currency).toBe('CAD');
    expect(parsed.rows).toEqual([{ line: 43, date: '2022-10-19', amountMinor: -2000n, payee: 'Café Métro €uro', memo: 'Paiement 5€ — débit', externalId: 'cafeUtf8xx' }]);
  });

  it('reads an OFX 2.x XML credit-card statement, entities decoded', () => {
    const parsed = parseOfx(fixture('card-statement-v2.ofx'), 'USD');
    expect(parsed.accountId).toBe('4111111111118080');
    expect(parsed.rows.map((row) => [row.date, row.amountMinor, row.externalId])).toEqual([
      ['2026-11-03', -1500n, '2026110301'],
      ['2026-11-06', -400n, '2026110601'],
      ['2026-11-11', -5999n, '2026111101'],
      ['2026-11-19', 35000n, '2026111901'],
    ]);
    expect(parsed.rows[2]!.memo).toBe("Tom & Jerry's plan");
    expect(parsed.closingBalance?.amountMinor).toBe(-27101n);
  });

  it('refuses a cut-short statement, naming the line of the element left open', () => {
    expect(() => parseOfx(fixture('truncated.ofx'), 'USD')).toThrow(/^line 34: <\/BANKTRANLIST> found where <\/STMTTRN> \(opened on line 21\) was expected/);
  });

  it('refuses what is not OFX', () => {
    expect(() => parseOfx('date,amount\n2026-01-01,1', 'USD')).toThrow(/not an OFX file/);
    expect(() => parseOfx('<OFX><SIGNONMSGSRSV1></SIGNONMSGSRSV1></OFX>', 'USD')).toThrow(/no bank or credit-card statement/);
  });
});

describe('QIF', () => {
  it("reads Actual's bank register with categories and M/D/YY dates", () => {
    const parsed = parseQif(fixture('data-with-categories.qif'), 'USD');
    expect(parsed.rows.map((row) => [row.line, row.date, row.amountMinor, row.payee, row.category])).toEqual([
      [2, '2018-12-19', -10058n, 'Outlet', 'Usual Expenses:Shopping'],
      [7, '2018-12-19', -2015n, 'GroceriesYou', 'Groceries'],
      [12, '2018-12-19', -4060n, 'RestaurantExample', 'Food'],
    ]);
  });

  it("reads day-first dates, Quicken's apostrophe years, thousands and a last record without ^", () => {
    const parsed = parseQif(fixture('quicken-dmy.qif'), 'GBP');
    expect(parsed.rows.map((row) => [row.date, row.amountMinor, row.payee])).toEqual([
      ['2026-10-25', -480n, 'Café Olé'],
      ['2026-10-31', -120450n, 'Tesco Metro'],
      ['2026-11-02', 1500n, 'Refund — Tesco'],
      ['2026-11-03', -1200n, 'Cinema'],
    ]);
  });

  it('refuses a file without a !Type header', () => {
    expect(() => parseQif(fixture('not-qif.qif'), 'USD')).toThrow(/^line 1: this is not a QIF file/);
  });

  it('lists a record without an amount as invalid, with its line', () => {
    const parsed = parseQif('!Type:Bank\nD01/02/2026\nPNo amount\n^\nD01/03/2026\nT-1.00\n^\n', 'USD');
    expect(parsed.invalid).toEqual([{ line: 2, message: 'the record has no T (amount) line' }]);
    expect(parsed.rows).toHaveLength(1);
  });
});
