import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertJournals, type JournalDraft } from '../../engine/ledger/journal-store.js';
import { hledgerAccountNames } from '../../engine/reports/hledger-export.js';
import { addDays } from '../../engine/reports/period.js';
import { createHousehold, registerUser, startTestApp, type Household, type TestApp } from '../support/test-app.js';

const run = promisify(execFile);

let t: TestApp;
let h: Household;
let dir: string;
let journalFile: string;
/** hledger account name per Sluice account id (the export's own naming). */
let names: Map<string, string>;
let slugs: Record<'personal' | 'llc', string>;

const cents = (text: string) => BigInt(text.replace(/ USD$/, '').replace(/,/g, '').replace('.', ''));
/** hledger prints 0 for zero; Sluice prints 0.00. */
const hledgerCents = (text: string | undefined) => (text === undefined || text === '' || text === '0' ? 0n : BigInt(Math.round(Number(text.replace(/ USD$/, '').replace(/,/g, '')) * 100)));

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** ~4,000 journals over two years in both entities: income, split expenses, card spending, card payments, loans. */
async function generateBooks(): Promise<number> {
  const random = prng(8);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const id = (side: 'personal' | 'llc', code: string) => h.account(side, code).id;
  const drafts: JournalDraft[] = [];
  const journal = (side: 'personal' | 'llc', date: string, payee: string, lines: [string, bigint][]) =>
    drafts.push({ id: randomUUID(), entityId: h[side].id, date, memo: `${payee} ${drafts.length}`, payee, source: 'import', createdBy: h.userId, postings: lines.map(([code, amountMinor]) => ({ accountId: id(side, code), amountMinor, currency: 'USD' })) });
  journal('personal', '2025-01-01', 'Opening', [['1000', 500_000n], ['1010', 2_000_000n], ['2200', -1_200_000n], ['3900', -1_300_000n]]);
  journal('llc', '2025-01-01', 'Opening', [['1000', 300_000n], ['3900', -300_000n]]);
  const llcExpenses = ['6000', '6030', '6050', '6080', '6110', '6130', '6140', '6150', '6170', '6180'];
  const personalExpenses = ['5000', '5010', '5020', '5030', '5040', '5050', '5080', '5110', '5120'];
  for (let day = 0; day < 730; day += 1) {
    const date = addDays('2025-01-01', day);
    for (let n = 0; n < 5; n += 1) {
      const amount = BigInt(100 + Math.floor(random() * 40_000));
      const roll = random();
      if (roll < 0.12) journal('llc', date, 'Client', [['1000', amount * 5n], ['4000', -amount * 5n]]);
      else if (roll < 0.3) {
        const fee = amount / 10n + 1n;
        journal('llc', date, 'Vendor', [[pick(llcExpenses), amount], ['6180', fee], [pick(['1000', '2000']), -(amount + fee)]]);
      } else if (roll < 0.36) journal('personal', date, 'Employer', [['1000', amount * 6n], ['4000', -amount * 6n]]);
      else if (roll < 0.38) journal('llc', date, 'Refund', [['4010', amount], ['1000', -amount]]);
      else if (roll < 0.4) journal('personal', date, 'Loan servicer', [['2200', amount / 2n], ['5150', amount / 10n + 1n], ['1000', -(amount / 2n + amount / 10n + 1n)]]);
      else journal('personal', date, 'Shop', [[pick(personalExpenses), amount], [pick(['1000', '2000']), -amount]]);
    }
    if (date.endsWith('-20')) {
      journal('personal', date, 'Card payment', [['2000', 50_000n], ['1000', -50_000n]]);
      journal('llc', date, 'Card payment', [['2000', 30_000n], ['1000', -30_000n]]);
    }
  }
  await t.database.knex.transaction((trx) => insertJournals(trx, drafts));
  return drafts.length;
}

async function transfer(body: Record<string, unknown>) {
  const response = await request(t.app).post('/api/v1/inter-entity-transfers').set(h.auth).send(body);
  expect(response.status, response.text).toBe(201);
  return response.body;
}

beforeAll(async () => {
  // Debian's hledger is the reference: without it these tests fail (never skip). .ci/run installs it.
  await run('hledger', ['--version']).catch((error) => {
    throw new Error(`hledger is required for the report tests (apt-get install hledger): ${(error as Error).message}`);
  });
  t = await startTestApp();
  h = await createHousehold(t.app);
  const generated = await generateBooks();
  expect(generated).toBeGreaterThan(3000);
  const p = (code: string) => h.account('personal', code).id;
  const l = (code: string) => h.account('llc', code).id;
  await transfer({ kind: 'capital_contribution', date: '2025-01-02', amount: '5000.00', purpose: 'Initial capital', documentRef: 'Operating agreement 4.1', fromAccountId: p('1010'), toAccountId: l('1000') });
  await transfer({ kind: 'member_loan', date: '2025-03-10', amount: '4000.00', purpose: 'Bridge loan for equipment', documentRef: 'Note 1', fromAccountId: p('1010'), toAccountId: l('1000') });
  await transfer({ kind: 'loan_repayment', date: '2025-09-10', amount: '2100.00', interest: '100.00', purpose: 'Loan repayment 1 of 2', documentRef: 'Note 1', fromAccountId: l('1000'), toAccountId: p('1010') });
  await transfer({ kind: 'expense_paid_for', date: '2025-04-04', amount: '276.00', purpose: 'Webflow plan on personal card', documentRef: 'WF-1', fromAccountId: p('2000'), toAccountId: l('6170') });
  await transfer({ kind: 'reimbursement', date: '2025-05-01', amount: '276.00', purpose: 'Reimburse Webflow plan', documentRef: 'WF-1', fromAccountId: l('1000'), toAccountId: p('1000') });
  for (let month = 1; month <= 24; month += 1) {
    const date = `${2025 + Math.floor((month - 1) / 12)}-${String(((month - 1) % 12) + 1).padStart(2, '0')}-28`;
    await transfer({ kind: 'owner_draw', date, amount: '1500.00', purpose: 'Monthly owner draw', documentRef: `Resolution ${month}`, fromAccountId: l('1000'), toAccountId: p('1000') });
  }
  const household = await request(t.app).get('/api/v1/export/hledger').set(h.auth);
  dir = await mkdtemp(path.join(tmpdir(), 'sluice-reports-'));
  journalFile = path.join(dir, 'household.journal');
  await writeFile(journalFile, household.text);
  const accounts = await t.database.knex('accounts as a').join('entities as e', 'e.id', 'a.entity_id').where('e.household_id', h.householdId).select('a.id', 'a.entity_id', 'e.slug', 'a.code', 'a.name', 'a.type');
  names = hledgerAccountNames(accounts);
  const entities = await t.database.knex('entities').where('household_id', h.householdId).select('id', 'slug');
  slugs = { personal: entities.find((e) => e.id === h.personal.id)!.slug, llc: entities.find((e) => e.id === h.llc.id)!.slug };
}, 120_000);
afterAll(async () => {
  await t.close();
});

async function hledger(args: string[]): Promise<string[][]> {
  const { stdout } = await run('hledger', ['-f', journalFile, ...args, '-O', 'csv'], { maxBuffer: 64 * 1024 * 1024 });
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.replace(/^"|"$/g, '').split('","'));
}

/** `hledger bal --flat -N`: account → amount. */
async function hledgerBalances(args: string[]): Promise<Map<string, bigint>> {
  const rows = await hledger(['bal', '--flat', '-N', ...args]);
  return new Map(rows.slice(1).map(([account, amount]) => [account!, hledgerCents(amount)]));
}

/** `hledger bs` / `is`: section totals and the net line. */
async function hledgerStatement(command: 'bs' | 'is', args: string[]): Promise<Record<string, bigint>> {
  const rows = await hledger([command, ...args]);
  const totals: Record<string, bigint> = {};
  let section = '';
  for (const [label, amount] of rows) {
    if (label && ['Assets', 'Liabilities', 'Revenues', 'Expenses'].includes(label)) section = label;
    else if (label === 'total') totals[section] = hledgerCents(amount);
    else if (label === 'Net:') totals.Net = hledgerCents(amount);
  }
  return totals;
}

const report = async (side: 'personal' | 'llc', name: string, query: Record<string, string>) => {
  const response = await request(t.app).get(`/api/v1/entities/${h[side].id}/reports/${name}`).query(query).set(h.auth);
  expect(response.status, response.text).toBe(200);
  return response.body;
};

const periods = [
  { from: '2025-01-01', to: '2025-12-31' },
  { from: '2025-02-10', to: '2026-08-17' },
  { from: '2026-03-03', to: '2026-03-19' },
];

describe('statements equal hledger on the hledger export, to the cent', () => {
  for (const side of ['personal', 'llc'] as const) {
    for (const period of periods) {
      it(`${side} ${period.from}..${period.to}: trial balance = hledger bal`, async () => {
        const tb = await report(side, 'trial-balance', period);
        expect(tb.balanced).toBe(true);
        expect(tb.totals.debits).toBe(tb.totals.credits);
        const closing = await hledgerBalances(['-e', addDays(period.to, 1), `^${slugs[side]}:`]);
        const activity = await hledgerBalances(['-b', period.from, '-e', addDays(period.to, 1), `^${slugs[side]}:`]);
        expect(tb.lines.length).toBeGreaterThan(10);
        for (const line of tb.lines) {
          const name = names.get(line.accountId)!;
          expect(cents(line.closing), name).toBe(closing.get(name) ?? 0n);
          expect(cents(line.debits) - cents(line.credits), name).toBe(activity.get(name) ?? 0n);
        }
        // Nothing hledger has is missing from the trial balance.
        const listed = new Set(tb.lines.map((line: { accountId: string }) => names.get(line.accountId)));
        for (const [name, amount] of closing) if (amount !== 0n) expect(listed.has(name), name).toBe(true);
      });

      it(`${side} ${period.from}..${period.to}: balance sheet = hledger bs, income statement = hledger is`, async () => {
        const bs = await report(side, 'balance-sheet', period);
        expect(bs.balanced).toBe(true);
        const hbs = await hledgerStatement('bs', ['-e', addDays(period.to, 1), `^${slugs[side]}:`]);
        expect(cents(bs.totals.assets)).toBe(hbs.Assets ?? 0n);
        expect(cents(bs.totals.liabilities)).toBe(hbs.Liabilities ?? 0n);
        expect(cents(bs.totals.netWorth)).toBe(hbs.Net ?? 0n);
        const is = await report(side, 'income-statement', period);
        const his = await hledgerStatement('is', ['-b', period.from, '-e', addDays(period.to, 1), `^${slugs[side]}:`]);
        expect(cents(is.totals.income)).toBe(his.Revenues ?? 0n);
        expect(cents(is.totals.expenses)).toBe(his.Expenses ?? 0n);
        expect(cents(is.totals.netIncome)).toBe(his.Net ?? 0n);
      });
    }
  }

  it('household: Σ entity figures = hledger bs over the whole export; consolidated nets out the intercompany balances', async () => {
    const asOf = '2026-06-30';
    const response = await request(t.app).get('/api/v1/reports/net-worth').query({ asOf }).set(h.auth);
    const hbs = await hledgerStatement('bs', ['-e', addDays(asOf, 1)]);
    const assets = response.body.entities.reduce((total: bigint, entity: { assets: string }) => total + cents(entity.assets), 0n);
    const liabilities = response.body.entities.reduce((total: bigint, entity: { liabilities: string }) => total + cents(entity.liabilities), 0n);
    expect(assets).toBe(hbs.Assets);
    expect(liabilities).toBe(hbs.Liabilities);
    expect(cents(response.body.consolidated.entitiesNetWorth)).toBe(hbs.Net);
    // 2,000 of principal is still owed: in both entities' books, in neither consolidated total.
    expect(cents(response.body.consolidated.assets)).toBe(assets - 200_000n);
    expect(cents(response.body.consolidated.liabilities)).toBe(liabilities - 200_000n);
    expect(response.body.consolidated.netWorth).toBe(response.body.consolidated.entitiesNetWorth);
  });

  it('cash flow: sections add up to the change in cash, which equals hledger on the cash accounts', async () => {
    for (const side of ['personal', 'llc'] as const) {
      const period = periods[1]!;
      const flow = await report(side, 'cash-flow', { ...period, compare: 'last_year' });
      expect(flow.reconciled).toBe(true);
      const sections = flow.sections.reduce((total: bigint, section: { total: string }) => total + cents(section.total), 0n);
      expect(sections).toBe(cents(flow.netChange));
      expect(cents(flow.closingCash) - cents(flow.openingCash)).toBe(cents(flow.netChange));
      const cashNames = [...h[side].accounts].filter((account) => ['checking', 'savings'].includes(account.subtype)).map((account) => names.get(account.id)!);
      const at = async (date: string) => [...(await hledgerBalances(['-e', addDays(date, 1), `^${slugs[side]}:assets`])).entries()].filter(([name]) => cashNames.includes(name)).reduce((total, [, amount]) => total + amount, 0n);
      expect(cents(flow.openingCash)).toBe(await at(addDays(period.from, -1)));
      expect(cents(flow.closingCash)).toBe(await at(period.to));
      expect(cents(flow.sections[0].lines[0].amount)).toBe(cents((await report(side, 'income-statement', period)).totals.netIncome));
      expect(flow.comparison.from).toBe('2024-02-10');
    }
  });

  it('the monthly summary equals SUM(postings) per account and month, and cannot be written directly', async () => {
    const { rows } = await t.database.knex.raw(`
      select count(*)::int as mismatches from (
        select account_id, date_trunc('month', date)::date as month, sum(amount_minor) as total, count(*) as n from postings group by 1, 2
      ) p full join account_monthly_totals m using (account_id, month)
      where m.net_minor is distinct from p.total or m.posting_count is distinct from p.n`);
    expect(rows[0].mismatches).toBe(0);
    await expect(t.database.knex('account_monthly_totals').update({ net_minor: 0, debit_minor: 0, credit_minor: 0 })).rejects.toThrow(/derived from postings/);
  });
});

describe('statements', () => {
  it('compare with the previous period and the same period last year', async () => {
    const current = await report('llc', 'income-statement', { from: '2026-04-01', to: '2026-06-30', compare: 'previous' });
    expect(current.comparisonPeriod).toEqual({ from: '2026-01-01', to: '2026-03-31' });
    const previous = await report('llc', 'income-statement', { from: '2026-01-01', to: '2026-03-31' });
    expect(current.comparisonTotals).toEqual(previous.totals);
    const lastYear = await report('llc', 'balance-sheet', { from: '2026-01-01', to: '2026-06-30', compare: 'last_year' });
    expect(lastYear.comparisonAsOf).toBe('2025-06-30');
    expect(lastYear.comparisonTotals).toEqual((await report('llc', 'balance-sheet', { to: '2025-06-30', from: '2025-01-01' })).totals);
  });

  it('owner draws are equity, never income or expense, and Schedule C is the LLC income statement on IRS lines', async () => {
    const is = await report('llc', 'income-statement', { from: '2025-01-01', to: '2025-12-31' });
    const lineNames = is.sections.flatMap((section: { lines: { name: string }[] }) => section.lines.map((line) => line.name));
    expect(lineNames.some((name: string) => /draw|capital|distribution/i.test(name))).toBe(false);
    const sc = await report('llc', 'schedule-c', { year: '2025' });
    expect(sc.totals.line31).toBe(is.totals.netIncome);
    expect(cents(sc.totals.line7)).toBe(cents(is.totals.income));
    expect(sc.totals.line28).toBe(is.totals.expenses);
    expect(sc.lines.find((line: { line: string }) => line.line === '2').amount).not.toBe('0.00');
    expect(sc.lines.find((line: { line: string }) => line.line === '16b').amount).toBe('100.00'); // member-loan interest
    expect(sc.drawsAndContributions).toMatchObject({ contributions: '5000.00', draws: '18000.00', net: '-13000.00' });
    expect(sc.drawsAndContributions.transfers).toHaveLength(13);
    const personal = await request(t.app).get(`/api/v1/entities/${h.personal.id}/reports/schedule-c`).query({ year: 2025 }).set(h.auth);
    expect(personal.status).toBe(422);
  });

  it('general ledger: opening + postings = closing per account; too many postings is refused with a hint', async () => {
    const gl = await report('llc', 'general-ledger', { from: '2026-03-01', to: '2026-03-31' });
    const tb = await report('llc', 'trial-balance', { from: '2026-03-01', to: '2026-03-31' });
    for (const account of gl.accounts) {
      const sum = account.postings.reduce((total: bigint, posting: { amount: string }) => total + cents(posting.amount), cents(account.opening));
      expect(sum).toBe(cents(account.closing));
      expect(account.postings.at(-1)?.runningBalance ?? account.opening).toBe(account.closing);
      expect(tb.lines.find((line: { accountId: string }) => line.accountId === account.accountId).closing).toBe(account.closing);
    }
    const one = await report('llc', 'general-ledger', { from: '2026-03-01', to: '2026-03-31', accountId: h.account('llc', '1000').id });
    expect(one.accounts).toHaveLength(1);
    const all = await request(t.app).get(`/api/v1/entities/${h.personal.id}/reports/general-ledger`).query({ from: '2000-01-01', to: '2026-12-31' }).set(h.auth);
    expect(all.status).toBe(200); // ~8,000 postings: within the bound
  });
});

describe('downloads', () => {
  const binary = (req: request.Test) =>
    req.buffer(true).parse((res, callback) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => callback(null, Buffer.concat(chunks)));
    });

  async function pdfText(data: Buffer): Promise<{ pages: number; text: string }> {
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const document = await pdfjs.getDocument({ data: new Uint8Array(data), disableFontFace: true, useSystemFonts: false, verbosity: 0 }).promise;
    let text = '';
    for (let index = 1; index <= document.numPages; index += 1) {
      const content = await (await document.getPage(index)).getTextContent();
      text += `${content.items.map((item) => ('str' in item ? item.str : '')).join(' ')}\n`;
    }
    return { pages: document.numPages, text };
  }

  it('every report as a PDF that opens and shows the entity, period, totals and page numbers', async () => {
    const query = { from: '2025-01-01', to: '2025-12-31' };
    const checks: [string, string, (body: any) => string[]][] = [
      ['llc', 'trial-balance', (body) => [body.totals.debits, body.totals.credits]],
      ['llc', 'balance-sheet', (body) => [body.totals.assets, body.totals.liabilities, body.totals.equity]],
      ['llc', 'income-statement', (body) => [body.totals.income, body.totals.expenses, body.totals.netIncome]],
      ['personal', 'cash-flow', (body) => [body.openingCash, body.closingCash, body.netChange]],
      ['llc', 'inter-entity-audit', (body) => [body.capital.closing, body.subtotals[0].amount]],
      ['llc', 'general-ledger', (body) => [body.totals.debits]],
    ];
    for (const [side, name, totals] of checks) {
      const json = await report(side as 'llc', name, query);
      const response = await binary(request(t.app).get(`/api/v1/entities/${h[side as 'llc'].id}/reports/${name}`).query({ ...query, format: 'pdf' }).set(h.auth));
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/pdf');
      expect(response.headers['content-disposition']).toMatch(new RegExp(`attachment; filename="${name}-.*\\.pdf"`));
      const body = response.body as Buffer;
      expect(body.subarray(0, 5).toString()).toBe('%PDF-');
      const { pages, text } = await pdfText(body);
      expect(text).toContain(json.entity.name);
      expect(text).toContain(name === 'balance-sheet' ? 'as of 2025-12-31' : '2025-01-01 to 2025-12-31');
      expect(text).toContain(`Page 1 of ${pages}`);
      for (const total of totals(json)) expect(text, `${name}: ${total}`).toContain(total);
    }
    const sc = await report('llc', 'schedule-c', { year: '2025' });
    const pdf = await pdfText((await binary(request(t.app).get(`/api/v1/entities/${h.llc.id}/reports/schedule-c`).query({ year: 2025, format: 'pdf' }).set(h.auth))).body);
    expect(pdf.text).toContain(sc.totals.line31);
    const gl = await pdfText((await binary(request(t.app).get(`/api/v1/entities/${h.llc.id}/reports/general-ledger`).query({ ...query, format: 'pdf' }).set(h.auth))).body);
    expect(gl.pages).toBeGreaterThan(5);
    expect(gl.text).toContain(`Page ${gl.pages} of ${gl.pages}`);
  }, 60_000);

  it('CSV is RFC 4180 with the same figures', async () => {
    const json = await report('llc', 'balance-sheet', { from: '2025-01-01', to: '2025-12-31' });
    const response = await request(t.app).get(`/api/v1/entities/${h.llc.id}/reports/balance-sheet`).query({ from: '2025-01-01', to: '2025-12-31', format: 'csv' }).set(h.auth);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.text).toMatch(/\r\n$/);
    expect(response.text.split('\r\n').every((line) => line === '' || /^"([^"]|"")*"(,"([^"]|"")*")*$/.test(line))).toBe(true);
    expect(response.text).toContain(`"Total assets","${json.totals.assets}"`);
    expect(response.text).toContain('"Subject","Rivera Design LLC"');
  });
});

describe('scoping and validation', () => {
  it("another household's entity is a 404, for every report", async () => {
    const stranger = await registerUser(t.app);
    for (const name of ['trial-balance', 'balance-sheet', 'income-statement', 'cash-flow', 'general-ledger', 'inter-entity-audit', 'schedule-c']) {
      const response = await request(t.app).get(`/api/v1/entities/${h.llc.id}/reports/${name}`).set(stranger.auth);
      expect(response.status, name).toBe(404);
      expect(response.headers['content-type']).toMatch(/problem\+json/);
    }
    const netWorth = await request(t.app).get('/api/v1/reports/net-worth').set(stranger.auth);
    expect(netWorth.body.consolidated.netWorth).toBe('0.00');
    const foreignAccount = await request(t.app).get(`/api/v1/entities/${h.llc.id}/reports/general-ledger`).query({ accountId: h.account('personal', '1000').id }).set(h.auth);
    expect(foreignAccount.status).toBe(404);
  });

  it('bad parameters are 4xx problem+json, never 500', async () => {
    const cases: [string, Record<string, string>][] = [
      ['balance-sheet', { from: '2026-02-30' }],
      ['income-statement', { format: 'xlsx' }],
      ['trial-balance', { from: '2026-03-01', to: '2026-02-01' }],
      ['cash-flow', { compare: 'yesterday' }],
      ['trial-balance', { compare: 'previous' }],
      ['general-ledger', { accountId: 'not-a-uuid' }],
      ['inter-entity-audit', { dormantLoanMonths: '0' }],
      ['schedule-c', { year: 'twenty' }],
      ['balance-sheet', { currency: 'XXX' }],
    ];
    for (const [name, query] of cases) {
      const response = await request(t.app).get(`/api/v1/entities/${h.llc.id}/reports/${name}`).query(query).set(h.auth);
      expect(response.status, `${name} ${JSON.stringify(query)}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${name} ${JSON.stringify(query)}`).toBeLessThan(500);
      expect(response.headers['content-type']).toMatch(/problem\+json/);
    }
    expect((await request(t.app).get('/api/v1/entities/not-an-id/reports/balance-sheet').set(h.auth)).status).toBe(404);
  });
});
