/**
 * OFX/QFX statements, both dialects: OFX 1.x is SGML (leaf elements have no closing tag, a
 * key:value header precedes <OFX>) and OFX 2.x is XML (every element closes, an <?OFX ...?>
 * processing instruction). One tokenizer reads both: an element with text is a leaf whether or
 * not it closes; an element without text opens an aggregate that must close in order.
 *
 * No maintained OFX library exists on npm that handles both dialects with line numbers, so this
 * small parser is ours (bank and credit-card statements: STMTTRN, LEDGERBAL, CURDEF, ACCTID).
 */
import { cleanText, parseAmountText, StatementFileError, statementRowsMax, type InvalidRow, type ParsedStatement, type StatementRow } from './statement-file.js';
import { isSupportedCurrency } from '../../money/index.js';

interface OfxNode {
  name: string;
  line: number;
  values: Map<string, string>;
  children: OfxNode[];
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
    }
    return entities[entity.toLowerCase()] ?? whole;
  });
}

/**
 * Leaf elements that SGML files sometimes leave empty (`<NAME>` then a newline): without this
 * list an empty leaf would look like an aggregate that never closes.
 */
const emptyLeaves = new Set(['NAME', 'MEMO', 'PAYEEID', 'CHECKNUM', 'REFNUM', 'SIC', 'MESSAGE', 'TRNTYPE', 'DTUSER', 'DTAVAIL', 'SRVRTID', 'CORRECTFITID', 'CORRECTACTION', 'EXTDNAME', 'BRANCHID', 'ACCTKEY', 'USERKEY', 'INTU.BID', 'INTU.USERID']);

/** The element tree under <OFX>. */
export function parseOfxTree(text: string): OfxNode {
  const start = text.search(/<OFX>/i);
  if (start < 0) throw new StatementFileError(1, 'this is not an OFX file: there is no <OFX> element');
  let line = 1;
  for (let index = text.indexOf('\n'); index !== -1 && index < start; index = text.indexOf('\n', index + 1)) line += 1;
  const root: OfxNode = { name: 'ROOT', line: 1, values: new Map(), children: [] };
  const stack: OfxNode[] = [root];
  let lastLeaf: string | null = null;
  const tag = /<(\/?)([A-Za-z0-9._-]+)\s*>([^<]*)/g;
  tag.lastIndex = start;
  let position = start;
  for (let match = tag.exec(text); match; match = tag.exec(text)) {
    for (let index = text.indexOf('\n', position); index !== -1 && index < match.index; index = text.indexOf('\n', index + 1)) line += 1;
    position = match.index;
    const [, closing, rawName, rawText] = match;
    const name = rawName!.toUpperCase();
    const value = rawText!.trim();
    const top = stack.at(-1)!;
    if (closing) {
      if (name === lastLeaf) {
        // XML closes leaves: </NAME> after <NAME>value.
        lastLeaf = null;
        continue;
      }
      if (top.name !== name) {
        throw new StatementFileError(line, top.name === 'ROOT' ? `</${name}> closes nothing` : `</${name}> found where </${top.name}> (opened on line ${top.line}) was expected`);
      }
      stack.pop();
      lastLeaf = null;
      continue;
    }
    if (value !== '' || emptyLeaves.has(name)) {
      top.values.set(name, decodeEntities(value));
      lastLeaf = name;
    } else {
      const node: OfxNode = { name, line, values: new Map(), children: [] };
      top.children.push(node);
      stack.push(node);
      lastLeaf = null;
    }
  }
  if (stack.length > 1) {
    const unclosed = stack.at(-1)!;
    throw new StatementFileError(unclosed.line, `<${unclosed.name}> is never closed (the file may be cut short)`);
  }
  const ofx = root.children.find((node) => node.name === 'OFX');
  if (!ofx) throw new StatementFileError(line, 'no <OFX> element');
  return ofx;
}

function* walk(node: OfxNode): Generator<OfxNode> {
  yield node;
  for (const child of node.children) yield* walk(child);
}

/** OFX dates: YYYYMMDD[HHMMSS[.XXX]][[+-]H[H][.MM]:TZ]; the calendar day as the bank wrote it. */
function ofxDate(text: string | undefined): string | undefined {
  const match = text?.trim().match(/^(\d{4})(\d{2})(\d{2})/);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || day < 1 || year < 1900) return undefined;
  return `${match[1]}-${match[2]}-${match[3]}`;
}

export function parseOfx(text: string, fallbackCurrency: string): ParsedStatement {
  const ofx = parseOfxTree(text);
  const rows: StatementRow[] = [];
  const invalid: InvalidRow[] = [];
  let currency: string | undefined;
  let accountId: string | undefined;
  let closingBalance: ParsedStatement['closingBalance'];
  let statements = 0;
  for (const node of walk(ofx)) {
    if (node.name === 'STMTRS' || node.name === 'CCSTMTRS') {
      statements += 1;
      currency ??= node.values.get('CURDEF');
    }
    if ((node.name === 'BANKACCTFROM' || node.name === 'CCACCTFROM') && !accountId) accountId = node.values.get('ACCTID');
    if (node.name === 'LEDGERBAL' && !closingBalance) {
      const amount = parseAmountText(node.values.get('BALAMT') ?? '', '.', currency && isSupportedCurrency(currency) ? currency : fallbackCurrency);
      if (typeof amount !== 'string') closingBalance = { amountMinor: amount, date: ofxDate(node.values.get('DTASOF')) ?? null };
    }
  }
  if (statements === 0) throw new StatementFileError(ofx.line, 'no bank or credit-card statement (STMTRS or CCSTMTRS) in the file');
  const rowCurrency = currency && isSupportedCurrency(currency) ? currency : fallbackCurrency;
  for (const node of walk(ofx)) {
    if (node.name !== 'STMTTRN') continue;
    if (rows.length + invalid.length >= statementRowsMax) throw new StatementFileError(node.line, `more than ${statementRowsMax} transactions; split the file`);
    const values = node.values;
    const date = ofxDate(values.get('DTPOSTED')) ?? ofxDate(values.get('DTUSER'));
    if (!date) {
      invalid.push({ line: node.line, message: values.has('DTPOSTED') ? `DTPOSTED "${values.get('DTPOSTED')}" is not a date` : 'the transaction has no DTPOSTED' });
      continue;
    }
    // Some banks write decimal commas even in OFX.
    const amountText = values.get('TRNAMT') ?? '';
    const amount = parseAmountText(amountText, /^[-+]?\d+,\d+$/.test(amountText.trim()) ? ',' : '.', rowCurrency);
    if (typeof amount === 'string') {
      invalid.push({ line: node.line, message: values.has('TRNAMT') ? `TRNAMT: ${amount}` : 'the transaction has no TRNAMT' });
      continue;
    }
    if (amount === 0n) {
      invalid.push({ line: node.line, message: 'TRNAMT is zero' });
      continue;
    }
    const payeeNode = node.children.find((child) => child.name === 'PAYEE');
    rows.push({
      line: node.line,
      date,
      amountMinor: amount,
      payee: cleanText(values.get('NAME') ?? payeeNode?.values.get('NAME'), 200),
      memo: cleanText(values.get('MEMO'), 500),
      externalId: cleanText(values.get('FITID'), 200),
    });
  }
  return { format: 'ofx', rows, invalid, ...(currency ? { currency } : {}), ...(accountId ? { accountId } : {}), ...(closingBalance ? { closingBalance } : {}) };
}
