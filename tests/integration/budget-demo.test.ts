/**
 * The budget over the demo household's year of realistic books (owner draws, a member loan and
 * its repayments, card spending, LLC income): every month of both entities answers, reconciles
 * with the on-budget cash of the trial balance, keeps to its own entity, and its Sankey balances.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoEmail, demoPassword, seedDemoIfEmpty } from '../../engine/demo/demo-household.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
let auth: { Authorization: string };
let entities: { id: string; kind: string; name: string }[];

const cents = (text: string) => {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const value = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return negative ? -value : value;
};

beforeAll(async () => {
  t = await startTestApp();
  expect((await seedDemoIfEmpty(t.container)).created).toBe(true);
  const login = await request(t.app).post('/api/v1/auth/login').send({ email: demoEmail, password: demoPassword });
  auth = { Authorization: `Bearer ${login.body.accessToken}` };
  entities = (await request(t.app).get('/api/v1/entities').set(auth)).body.data;
}, 120_000);

afterAll(async () => {
  await t?.close();
});

const lastMonths = (count: number) => {
  const now = new Date();
  return Array.from({ length: count }, (_, index) => {
    const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (count - 1 - index), 1));
    return date.toISOString().slice(0, 7);
  });
};

describe('the demo household', () => {
  it('every month of both entities reconciles with the on-budget cash of the trial balance', async () => {
    for (const entity of entities) {
      const accounts: { id: string; type: string; subtype: string }[] = (await request(t.app).get(`/api/v1/entities/${entity.id}/accounts`).set(auth)).body.data;
      const cashIds = new Set(accounts.filter((account) => account.type === 'asset' && ['checking', 'savings', 'money_market', 'cash'].includes(account.subtype)).map((account) => account.id));
      const ownIds = new Set(accounts.map((account) => account.id));
      for (const month of lastMonths(14)) {
        const board = await request(t.app).get(`/api/v1/entities/${entity.id}/budget/${month}`).set(auth);
        expect(board.status, `${entity.name} ${month}: ${board.text.slice(0, 300)}`).toBe(200);
        const [year, number] = month.split('-').map(Number) as [number, number];
        const asOf = new Date(Date.UTC(year, number, 0)).toISOString().slice(0, 10);
        const trial = (await request(t.app).get(`/api/v1/entities/${entity.id}/trial-balance`).query({ asOf }).set(auth)).body;
        const cash = (trial.lines as { accountId: string; balance: string }[]).filter((line) => cashIds.has(line.accountId)).reduce((sum, line) => sum + cents(line.balance), 0);
        const categories = (board.body.groups as { categories: { id: string; available: string }[] }[]).flatMap((group) => group.categories);
        const budgeted = cents(board.body.toBeAssigned) + cents(board.body.summary.held) + categories.reduce((sum, item) => sum + cents(item.available), 0);
        expect(budgeted, `${entity.name} ${month}`).toBe(cash);
        expect(board.body.reconciliation.balanced).toBe(true);
        for (const item of categories) expect(ownIds.has(item.id), `${entity.name}: ${item.id}`).toBe(true);

        const sankey = await request(t.app).get(`/api/v1/entities/${entity.id}/budget/${month}/sankey`).set(auth);
        expect(sankey.status).toBe(200);
        const links = sankey.body.links as { source: string; target: string; amount: string }[];
        const into = links.filter((link) => link.target === 'budget').reduce((sum, link) => sum + cents(link.amount), 0);
        const out = links.filter((link) => link.source === 'budget').reduce((sum, link) => sum + cents(link.amount), 0);
        expect(into, `${entity.name} ${month} sankey`).toBe(out);
        for (const link of links) expect(cents(link.amount)).toBeGreaterThan(0);
      }
    }
  });

  it("an LLC's owner draw leaves its To be assigned and arrives in the owner's", async () => {
    const llc = entities.find((entity) => entity.kind === 'llc')!;
    const person = entities.find((entity) => entity.kind === 'personal')!;
    const month = lastMonths(2)[0]!;
    const llcSankey = (await request(t.app).get(`/api/v1/entities/${llc.id}/budget/${month}/sankey`).set(auth)).body;
    const personalSankey = (await request(t.app).get(`/api/v1/entities/${person.id}/budget/${month}/sankey`).set(auth)).body;
    const draws = llcSankey.nodes.find((node: { name: string }) => /Draws/i.test(node.name));
    const distributions = personalSankey.nodes.find((node: { name: string }) => /Distributions/i.test(node.name));
    expect(draws?.kind).toBe('outflow');
    expect(distributions?.kind).toBe('source');
  });
});
