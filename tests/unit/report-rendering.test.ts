import { describe, expect, it } from 'vitest';
import { csvField, reportCsv } from '../../engine/reports/csv.js';
import { pdfText, reportPdf } from '../../engine/reports/pdf.js';
import { fileStem, type ReportDocument } from '../../engine/reports/report-document.js';

const document: ReportDocument = {
  title: 'Balance sheet',
  subject: 'Lee Studio LLC',
  period: 'as of 2026-06-30',
  currency: 'USD',
  summary: [['Total assets', '1234.56']],
  tables: [
    {
      heading: 'Assets',
      columns: [{ label: 'Account' }, { label: 'Amount', align: 'right' }],
      rows: [
        { cells: ['Checking, "main"', '1000.00'] },
        { cells: ['=HYPERLINK("http://evil")', '-12.34'] },
        { cells: ['Total', '1234.56'], style: 'total' },
      ],
    },
  ],
  notes: ['multi\nline'],
};

describe('CSV', () => {
  it('quotes every field, doubles quotes, ends lines with CRLF', () => {
    expect(csvField('a "b", c')).toBe('"a ""b"", c"');
    const text = reportCsv(document);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text).toContain('"Checking, ""main""","1000.00"\r\n');
    expect(text).toContain('"Note","multi\nline"\r\n');
  });

  it('guards against formula injection but keeps negative numbers numeric', () => {
    for (const dangerous of ['=1+1', '+cmd', '-2+3', '@SUM(A1)', '\tx']) expect(csvField(dangerous).startsWith(`"'`)).toBe(true);
    expect(csvField('-12.34')).toBe('"-12.34"');
    expect(reportCsv(document)).toContain(`"'=HYPERLINK(""http://evil"")","-12.34"`);
  });

  it('makes safe file names', () => {
    expect(fileStem('balance-sheet', 'Lee Studio LLC', '2026-06-30')).toBe('balance-sheet-lee-studio-llc-2026-06-30');
    expect(fileStem('x', '../../etc/"passwd"')).toBe('x-etc-passwd');
  });
});

describe('PDF', () => {
  it('writes only what the standard fonts can show', () => {
    expect(pdfText('Zoë’s Café — €12 · 50%')).toBe('Zoë’s Café — €12 · 50%');
    expect(pdfText('Łódź − 日本')).toBe('?ódz - ??');
    expect(pdfText('line\nbreak')).toBe('line break');
  });

  it('typesets a long report over several pages, numbered, with the title on each page', async () => {
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const long: ReportDocument = { ...document, tables: [{ ...document.tables[0]!, rows: Array.from({ length: 200 }, (_, index) => ({ cells: [`Account ${index}`, `${index}.00`] })) }] };
    const data = await reportPdf(long, new Date('2026-12-01T10:00:00Z'));
    expect(data.subarray(0, 5).toString()).toBe('%PDF-');
    const pdf = await pdfjs.getDocument({ data: new Uint8Array(data), disableFontFace: true, verbosity: 0 }).promise;
    expect(pdf.numPages).toBeGreaterThan(2);
    for (let index = 1; index <= pdf.numPages; index += 1) {
      const text = (await (await pdf.getPage(index)).getTextContent()).items.map((item) => ('str' in item ? item.str : '')).join(' ');
      expect(text).toContain('Balance sheet');
      expect(text).toContain('Lee Studio LLC');
      expect(text).toContain(`Page ${index} of ${pdf.numPages}`);
    }
    const last = (await (await pdf.getPage(pdf.numPages)).getTextContent()).items.map((item) => ('str' in item ? item.str : '')).join(' ');
    expect(last).toContain('199.00');
  });
});
