import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHousehold, startTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

describe('smoke', () => {
  it('posts a journal and an owner draw', async () => {
    const h = await createHousehold(t.app);
    const checking = h.account('llc', '1000');
    const income = h.account('llc', '4000');
    const post = await request(t.app).post(`/api/v1/entities/${h.llc.id}/journals`).set(h.auth).send({
      date: '2026-01-15', memo: 'Client payment', payee: 'Acme', postings: [{ accountId: checking.id, amount: '5000.00' }, { accountId: income.id, amount: '-5000.00' }],
    });
    console.log(post.status, JSON.stringify(post.body).slice(0, 500));
    const draw = await request(t.app).post('/api/v1/inter-entity-transfers').set(h.auth).send({
      kind: 'owner_draw', date: '2026-01-20', amount: '1500.00', fromAccountId: checking.id, toAccountId: h.account('personal', '1000').id, purpose: 'Monthly owner draw',
    });
    console.log(draw.status, JSON.stringify(draw.body, null, 1).slice(0, 3000));
    const tb = await request(t.app).get(`/api/v1/entities/${h.llc.id}/trial-balance`).set(h.auth);
    console.log(JSON.stringify(tb.body.totals));
    const exp = await request(t.app).get(`/api/v1/export/hledger`).set(h.auth);
    console.log(exp.status, exp.text.slice(-1500));
    const reg = await request(t.app).get(`/api/v1/accounts/${checking.id}/register`).set(h.auth);
    console.log(reg.status, JSON.stringify(reg.body).slice(0, 800));
    const bad = await request(t.app).post(`/api/v1/entities/${h.llc.id}/journals`).set(h.auth).send({ date: '2026-02-30', postings: [{ accountId: 'x', amount: 12.5 }] });
    console.log(bad.status, bad.text);
    expect(post.status).toBe(201);
  });
});
