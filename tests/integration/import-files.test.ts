import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHousehold, startTestApp, type Household, type TestApp } from '../support/test-app.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/banking');
const file = (name: string) => readFileSync(path.join(fixtures, name));

let t: TestApp;
let h: Household;
beforeAll(async () => {
  t = await startTestApp();
  h = await createHousehold(t.app);
});
afterAll(async () => {
  await t.close();
});

const api = () => request(t.app);
const upload = (accountId: string, name: string, bytes: Buffer = file(name), contentType = 'application/octet-stream') =>
  api().post('/api/v1/banking/imports/files').query({ accountId, fileName: name }).set(h.auth).set('content-type', contentType).send(bytes);
const counts = async () => ({
  journals: Number((await t.database.knex('journals').count<{ n: bigint }[]>({ n: '*' }))[0]!.n),
  rows: Number((await t.database.knex('bank_transactions').count<{ n: bigint }[]>({ n: '*' }))[0]!.n),
});

/** Upload, preview, import; returns all three answers. */
async function importFile(accountId: string, name: string, options: { mapping?: Record<string, unknown>; skipInvalid?: boolean } = {}) {
  const uploaded = await upload(accountId, name);
  expect(uploaded.status).toBe(201);
  const mapping = options.mapping ?? uploaded.body.csv?.suggested;
  const preview = await api().post('/api/v1/banking/imports/preview').set(h.auth).send({ fileId: uploaded.body.fileId, ...(mapping ? { mapping } : {}) });
  const committed = await api().post('/api/v1/banking/imports').set(h.auth).send({ fileId: uploaded.body.fileId, ...(mapping ? { mapping } : {}), ...(options.skipInvalid ? { skipInvalid: true } : {}) });
  return { uploaded, preview, committed };
}

describe('file import', () => {
  it('imports an OFX statement once; re-importing the same file adds nothing', async () => {
    const checking = h.account('personal', '1000').id;
    const first = await importFile(checking, 'data-payee-memo.ofx');
    expect(first.uploaded.body.format).toBe('ofx');
    expect(first.preview.body.counts).toEqual({ total: 4, new: 4, duplicate: 0, invalid: 0 });
    expect(first.preview.body.statement).toEqual({ currency: 'USD', closingBalance: '1000.00', closingDate: '2019-01-24' });
    expect(first.committed.status).toBe(201);
    expect(first.committed.body.counts).toEqual({ total: 4, added: 4, duplicate: 0, invalid: 0 });
    expect((await h.balances('personal')).get('1000')).toBe('-100.00');
    expect((await h.balances('personal')).get('5999')).toBe('100.00');

    const before = await counts();
    const again = await importFile(checking, 'data-payee-memo.ofx');
    expect(again.preview.body.counts).toMatchObject({ new: 0, duplicate: 4 });
    expect(again.preview.body.rows[0]).toMatchObject({ status: 'duplicate', reason: expect.stringMatching(/FITID/) });
    expect(again.committed.body.counts).toMatchObject({ added: 0, duplicate: 4 });
    const after = await counts();
    expect(after.journals).toBe(before.journals);
    expect(after.rows).toBe(before.rows);
  });

  it('books QIF categories to the account of that name, the rest to Uncategorized', async () => {
    const card = h.account('personal', '2000').id;
    const result = await importFile(card, 'data-with-categories.qif');
    expect(result.committed.body.counts).toMatchObject({ added: 3 });
    const balances = await h.balances('personal');
    expect(balances.get('5020')).toBe('20.15'); // Groceries
    expect(balances.get('2000')).toBe('-161.33');
    const again = await importFile(card, 'data-with-categories.qif');
    expect(again.committed.body.counts).toMatchObject({ added: 0, duplicate: 3 });
  });

  it('remembers the CSV mapping per account and offers it next time', async () => {
    const llcChecking = h.account('llc', '1000').id;
    const mapping = { delimiter: ';', hasHeader: true, dateColumn: 0, dateFormat: 'DD.MM.YYYY', debitColumn: 3, creditColumn: 4, payeeColumn: 1, memoColumn: 2, decimalSeparator: ',' };
    // A euro file into a dollar account is refused up front? No: CSV carries no currency; amounts read in the account's.
    const result = await importFile(llcChecking, 'eu-debit-credit.csv', { mapping });
    expect(result.preview.body.counts).toEqual({ total: 5, new: 5, duplicate: 0, invalid: 0 });
    expect(result.committed.body.counts.added).toBe(5);
    const next = await upload(llcChecking, 'eu-debit-credit.csv');
    expect(next.body.csv).toMatchObject({ remembered: true, suggested: mapping });
    const preview = await api().post('/api/v1/banking/imports/preview').set(h.auth).send({ fileId: next.body.fileId });
    // Two identical train tickets the same day stay two, and both are recognised on re-import.
    expect(preview.body.counts).toMatchObject({ new: 0, duplicate: 5 });
  });

  it('finds duplicates within a file and across overlapping exports without bank ids', async () => {
    const savings = h.account('personal', '1010').id;
    const first = await importFile(savings, 'duplicate-laden.csv');
    // Identical rows without ids are separate transactions (two shops, same amount): all six post.
    expect(first.committed.body.counts).toMatchObject({ total: 6, added: 6 });
    const overlap = await importFile(savings, 'overlapping-export.csv');
    expect(overlap.preview.body.rows.map((row: { status: string; payee: string }) => [row.payee, row.status])).toEqual([
      ['NETFLIX.COM', 'duplicate'],
      ['STRIPE TRANSFER ST-4Y7K', 'duplicate'],
      ['Uber *Trip', 'duplicate'],
      ['Blue Bottle Coffee', 'new'],
    ]);
    expect(overlap.committed.body.counts).toMatchObject({ added: 1, duplicate: 3 });
  });

  it('shows invalid rows in the preview and refuses to import them unless skipped', async () => {
    const card = h.account('llc', '2000').id;
    const uploaded = await upload(card, 'invalid-rows.csv');
    const mapping = uploaded.body.csv.suggested;
    const preview = await api().post('/api/v1/banking/imports/preview').set(h.auth).send({ fileId: uploaded.body.fileId, mapping });
    expect(preview.body.counts).toEqual({ total: 4, new: 2, duplicate: 0, invalid: 2 });
    expect(preview.body.rows.filter((row: { status: string }) => row.status === 'invalid').map((row: { line: number }) => row.line)).toEqual([3, 4]);
    const before = await counts();
    const refused = await api().post('/api/v1/banking/imports').set(h.auth).send({ fileId: uploaded.body.fileId, mapping });
    expect(refused.status).toBe(422);
    expect(refused.body.errors.map((error: { message: string }) => error.message)).toEqual([expect.stringMatching(/^line 3: /), expect.stringMatching(/^line 4: /)]);
    expect(await counts()).toEqual(before);
    const skipped = await api().post('/api/v1/banking/imports').set(h.auth).send({ fileId: uploaded.body.fileId, mapping, skipInvalid: true });
    expect(skipped.body.counts).toMatchObject({ added: 2, invalid: 2 });
  });

  it('refuses malformed files with a 4xx naming the line, writing nothing', async () => {
    const checking = h.account('personal', '1000').id;
    const before = await counts();
    const ofx = await upload(checking, 'truncated.ofx');
    expect(ofx.status).toBe(422);
    expect(ofx.headers['content-type']).toMatch(/problem\+json/);
    expect(ofx.body).toMatchObject({ code: 'malformed_file', errors: [{ field: '/file/line/34', code: 'malformed_file' }] });
    expect(ofx.body.detail).toMatch(/line 34: <\/BANKTRANLIST> found where <\/STMTTRN>/);
    const qif = await upload(checking, 'not-qif.qif');
    expect(qif.status).toBe(422);
    expect(qif.body.detail).toMatch(/line 1: this is not a QIF file/);
    const csv = await upload(checking, 'malformed-quote.csv');
    expect(csv.status).toBe(422);
    expect(csv.body.detail).toMatch(/line \d+: the CSV cannot be read/);
    const binary = await upload(checking, 'garbage.ofx', Buffer.from([0x00, 0xff, 0x3c, 0x4f, 0x46, 0x58, 0x3e, 0x00]));
    expect(binary.status).toBe(422);
    const empty = await upload(checking, 'empty.csv', Buffer.alloc(0));
    expect(empty.status).toBe(422);
    const json = await upload(checking, 'x.json', Buffer.from('{"a":1}'), 'application/json');
    expect(json.status).toBe(422);
    expect(json.body.errors[0]).toMatchObject({ field: '/content' });
    // The studio's JSON form of an upload.
    const viaJson = await api().post('/api/v1/banking/imports/files').query({ accountId: checking, fileName: 'x.csv' }).set(h.auth).send({ content: 'date,amount\n2026-01-01,1.00\n' });
    expect(viaJson.status).toBe(201);
    const currency = await upload(checking, 'utf-8.qfx');
    expect(currency.status).toBe(201);
    const preview = await api().post('/api/v1/banking/imports/preview').set(h.auth).send({ fileId: currency.body.fileId });
    expect(preview.status).toBe(422);
    expect(preview.body.code).toBe('currency_mismatch');
    expect(await counts()).toEqual(before);
  });

  it('undoes a batch by reversal journals, after which the file can be imported again', async () => {
    const card = h.account('llc', '2000').id;
    const balanceBefore = (await h.balances('llc')).get('2000');
    const result = await importFile(card, 'card-statement-v2.ofx');
    expect(result.committed.body.counts.added).toBe(4);
    expect((await h.balances('llc')).get('2000')).not.toBe(balanceBefore);
    const undo = await api().post(`/api/v1/banking/imports/${result.committed.body.id}/undo`).set(h.auth);
    expect(undo.status).toBe(200);
    expect(undo.body).toMatchObject({ reversed: 4, undoneAt: expect.any(String) });
    expect((await h.balances('llc')).get('2000')).toBe(balanceBefore);
    const twice = await api().post(`/api/v1/banking/imports/${result.committed.body.id}/undo`).set(h.auth);
    expect(twice.status).toBe(409);
    const again = await importFile(card, 'card-statement-v2.ofx');
    expect(again.committed.body.counts.added).toBe(4);
    const batches = await api().get('/api/v1/banking/imports').query({ accountId: card }).set(h.auth);
    expect(batches.body.data.map((batch: { undoneAt: string | null }) => batch.undoneAt === null)).toEqual([true, false, true]);
  });

  it('matches a planned transfer already in the books instead of posting it twice', async () => {
    const llcChecking = h.account('llc', '1000');
    const personalChecking = h.account('personal', '1000');
    const draw = await api().post('/api/v1/inter-entity-transfers').set(h.auth).send({ kind: 'owner_draw', date: '2026-11-25', amount: '3000.00', fromAccountId: llcChecking.id, toAccountId: personalChecking.id, purpose: 'Monthly owner draw' });
    expect(draw.status).toBe(201);
    const before = (await h.balances('llc')).get('1000');
    const csv = 'date,payee,amount\n2026-11-26,OWNER DRAW TO ALEX RIVERA,-3000.00\n2026-11-26,Coffee,-4.00\n';
    const uploaded = await upload(llcChecking.id, 'draw.csv', Buffer.from(csv));
    const committed = await api().post('/api/v1/banking/imports').set(h.auth).send({ fileId: uploaded.body.fileId, mapping: uploaded.body.csv.suggested });
    expect(committed.body).toMatchObject({ counts: { added: 2 } });
    const rows = await t.database.knex('bank_transactions').where({ batch_id: committed.body.id }).orderBy('amount_minor').select('status', 'journal_id');
    expect(rows[0]).toMatchObject({ status: 'matched' });
    expect(rows[1]).toMatchObject({ status: 'posted' });
    // Only the coffee moved the balance: the draw was already counted.
    const after = (await h.balances('llc')).get('1000');
    expect(Math.round((Number(after) - Number(before)) * 100)).toBe(-400);
  });

  it('reconciles an account to a statement balance', async () => {
    const card = h.account('llc', '2000').id;
    const ledger = -Number((await h.balances('llc')).get('2000'));
    const wrong = await api().post(`/api/v1/banking/accounts/${card}/reconcile`).set(h.auth).send({ statementDate: '2026-11-30', statementBalance: (ledger + 1).toFixed(2) });
    expect(wrong.status).toBe(201);
    expect(wrong.body).toMatchObject({ balanced: false, difference: '1.00', transactionsReconciled: 0 });
    const right = await api().post(`/api/v1/banking/accounts/${card}/reconcile`).set(h.auth).send({ statementDate: '2026-11-30', statementBalance: ledger.toFixed(2) });
    expect(right.body).toMatchObject({ balanced: true, difference: '0.00' });
    expect(right.body.transactionsReconciled).toBeGreaterThan(0);
  });

  it('categorises an imported transaction by reversing and re-posting its journal', async () => {
    const list = await api().get('/api/v1/banking/transactions').query({ accountId: h.account('personal', '1000').id, uncategorized: true }).set(h.auth);
    const target = list.body.data[0];
    const groceries = h.account('personal', '5020').id;
    const before = await h.balances('personal');
    const categorised = await api().post(`/api/v1/banking/transactions/${target.id}/categorize`).set(h.auth).send({ categoryAccountId: groceries });
    expect(categorised.status).toBe(200);
    expect(categorised.body.categoryAccountId).toBe(groceries);
    const after = await h.balances('personal');
    expect(after.get('1000')).toBe(before.get('1000'));
    const moved = Math.round((Number(after.get('5020')) - Number(before.get('5020'))) * 100);
    expect(moved).toBe(-Math.round(Number(target.amount) * 100));
    const revision = await t.database.knex('bank_transaction_revisions').where({ bank_transaction_id: target.id }).first();
    expect(revision).toMatchObject({ change: 'categorised' });
  });
});
