/**
 * The shipped templates, on the demo household: each lists its roles with a complete suggested
 * mapping, instantiates without problems, previews a plan and runs without failing; a wrong
 * mapping is refused by role.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoEmail, demoPassword, seedDemoIfEmpty } from '../../engine/demo/demo-household.js';
import { loadTemplates } from '../../engine/flows/templates.js';
import { createHousehold, startTestApp, type TestApp } from '../support/test-app.js';

interface Role {
  role: string;
  label: string;
  entityKind: 'personal' | 'llc';
  types: string[];
  suggestedCode?: string;
}
interface TemplateView {
  id: string;
  name: string;
  description: string;
  category: string;
  roles: Role[];
  settings: { currency: string; maxPerRun?: string };
  graph: { nodes: { id: string; type: string; data: Record<string, unknown> }[]; edges: unknown[] };
  suggestedMapping: Record<string, string>;
}
interface AccountInfo {
  id: string;
  code: string;
  name: string;
  type: string;
  entityId: string;
  entityKind: 'personal' | 'llc';
}

/** Template ids, known when the tests are collected (the same files the API serves). */
const shippedIds = loadTemplates().map((template) => template.id);

let t: TestApp;
let auth: { Authorization: string };
let templates: TemplateView[];
const accounts = new Map<string, AccountInfo>();

const get = (path: string) => request(t.app).get(`/api/v1${path}`).set(auth);
const post = (path: string, body: object, key?: string) => {
  const req = request(t.app).post(`/api/v1${path}`).set(auth);
  return (key ? req.set('Idempotency-Key', key) : req).send(body);
};

async function expectStatus(response: request.Response | Promise<request.Response> | request.Test, status: number): Promise<any> {
  const answer = await response;
  expect(answer.status, answer.text.slice(0, 1500)).toBe(status);
  return answer.headers['content-type']?.startsWith('application/problem+json') ? JSON.parse(answer.text) : answer.body;
}

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['flows', 'flow_versions', 'flow_runs', 'journals', 'inter_entity_transfers', 'audit_log']) {
    counts[table] = Number((await t.database.knex(table).count<{ n: bigint }[]>({ n: '*' }))[0]!.n);
  }
  return counts;
}

const template = (id: string) => templates.find((candidate) => candidate.id === id)!;
const accountBy = (kind: 'personal' | 'llc', code: string) => [...accounts.values()].find((account) => account.entityKind === kind && account.code === code)!;

/** The trigger occurrence a template's preview and run need: a client payment for event triggers. */
function triggerFor(view: TemplateView, mapping: Record<string, string>): object | undefined {
  const event = view.graph.nodes.find((node) => node.type === 'trigger.event');
  if (!event) return undefined;
  const role = String(event.data.accountId).match(/\{\{role:([a-z_]+)\}\}/)?.[1];
  expect(role, `${view.id}: the event trigger names no account role`).toBeDefined();
  return { type: 'event', transaction: { accountId: mapping[role!], amount: '5000.00', payee: 'Client', memo: 'Invoice paid' } };
}

beforeAll(async () => {
  t = await startTestApp();
  expect((await seedDemoIfEmpty(t.container)).created).toBe(true);
  const login = await request(t.app).post('/api/v1/auth/login').send({ email: demoEmail, password: demoPassword });
  expect(login.status, login.text).toBe(200);
  auth = { Authorization: `Bearer ${login.body.accessToken}` };
  const entities = (await expectStatus(get('/entities'), 200)).data as { id: string; kind: 'personal' | 'llc' }[];
  for (const entity of entities) {
    const list = (await expectStatus(get(`/entities/${entity.id}/accounts`), 200)).data as Omit<AccountInfo, 'entityKind'>[];
    for (const account of list) accounts.set(account.id, { ...account, entityId: entity.id, entityKind: entity.kind });
  }
  templates = (await expectStatus(get('/templates'), 200)).data;
});

afterAll(async () => {
  await t?.close();
});

describe('GET /templates', () => {
  it('lists at least seven templates', () => {
    expect(shippedIds.length).toBeGreaterThanOrEqual(7);
    expect(templates.map((view) => view.id).sort()).toEqual([...shippedIds].sort());
  });

  it.each(shippedIds)('%s: describes its roles and suggests an account of the right kind for every one', (id) => {
    const view = template(id);
    expect(view).toMatchObject({ id, name: expect.any(String), description: expect.any(String), category: expect.any(String), settings: { currency: 'USD' } });
    expect(view.roles.length).toBeGreaterThan(0);
    expect(Object.keys(view.suggestedMapping).sort()).toEqual(view.roles.map((role) => role.role).sort());
    for (const role of view.roles) {
      expect(role).toMatchObject({ role: expect.stringMatching(/^[a-z_]+$/), label: expect.any(String), entityKind: expect.stringMatching(/^(personal|llc)$/) });
      const account = accounts.get(view.suggestedMapping[role.role]!);
      expect(account, `${id}: ${role.role} → ${view.suggestedMapping[role.role]}`).toBeDefined();
      expect(account!.entityKind).toBe(role.entityKind);
      expect(role.types).toContain(account!.type);
      if (role.suggestedCode) expect(account!.code).toBe(role.suggestedCode);
    }
    // Every role the graph mentions is declared.
    const mentioned = new Set([...JSON.stringify(view.graph).matchAll(/\{\{role:([a-z_]+)\}\}/g)].map((match) => match[1]));
    expect([...mentioned].sort()).toEqual(view.roles.map((role) => role.role).sort());
  });
});

describe.each(shippedIds)('template %s with the suggested mapping', (id) => {
  let flow: any;
  let preview: any;

  it('instantiates: 201, version 1, zero problems, no role placeholder left', async () => {
    const view = template(id);
    flow = await expectStatus(post(`/templates/${id}/instantiate`, { roles: view.suggestedMapping }), 201);
    expect(flow).toMatchObject({ name: view.name, version: 1, templateId: id, problems: [], settings: view.settings });
    expect(JSON.stringify(flow.graph)).not.toContain('{{role:');
    for (const accountId of Object.values(view.suggestedMapping)) expect(JSON.stringify(flow.graph)).toContain(accountId);
    expect((await expectStatus(get(`/flows/${flow.id}`), 200)).problems).toEqual([]);
  });

  it('previews a plan (event templates with a triggering transaction)', async () => {
    const view = template(id);
    const trigger = triggerFor(view, view.suggestedMapping);
    preview = await expectStatus(post(`/flows/${flow.id}/preview`, trigger ? { trigger } : {}), 200);
    expect(preview).toMatchObject({ flowId: flow.id, version: 1, problems: [] });
    expect(preview.plan).toMatchObject({ currency: 'USD', blockers: [] });
    expect(preview.plan.trace.map((entry: { nodeId: string }) => entry.nodeId).sort()).toEqual(view.graph.nodes.map((node) => node.id).sort());
  });

  it('runs: commits or waits for approval, never fails', async () => {
    const view = template(id);
    const trigger = triggerFor(view, view.suggestedMapping);
    const answer = await post(`/flows/${flow.id}/runs`, trigger ? { trigger } : {}, `template-${id}-${randomUUID()}`);
    expect(answer.status, answer.text.slice(0, 1500)).toBe(201);
    expect(['committed', 'awaiting_approval']).toContain(answer.body.status);
    expect(answer.body).toMatchObject({ flowId: flow.id, version: 1, error: null });
    expect(answer.body.plan).toEqual(preview.plan);
    if (answer.body.status === 'awaiting_approval') expect(answer.body.plan.needsApproval).toBe(true);
    const transfers = answer.body.plan.effects.filter((effect: { type: string }) => effect.type === 'transfer');
    if (answer.body.status === 'committed') expect(answer.body.journalIds.length).toBeGreaterThanOrEqual(transfers.length);
  });
});

describe('Profit First on a 5,000.00 client payment', () => {
  it('sets aside 250.00 profit, pays 2,500.00 as a documented owner draw, 750.00 tax, and leaves 1,500.00', async () => {
    const view = template('profit-first');
    const flow = await expectStatus(post('/templates/profit-first/instantiate', { name: 'My Profit First', roles: view.suggestedMapping }), 201);
    expect(flow.name).toBe('My Profit First');
    const trigger = triggerFor(view, view.suggestedMapping);
    const { plan } = await expectStatus(post(`/flows/${flow.id}/preview`, { trigger, date: '2026-02-10' }), 200);
    const byNode = Object.fromEntries(plan.effects.map((effect: { nodeId: string }) => [effect.nodeId, effect]));
    expect(byNode.profit).toMatchObject({ type: 'transfer', fromAccountId: view.suggestedMapping.llc_checking, toAccountId: view.suggestedMapping.llc_profit, amount: '250.00' });
    expect(byNode['owner-pay']).toMatchObject({ type: 'transfer', kind: 'owner_draw', fromAccountId: view.suggestedMapping.llc_checking, toAccountId: view.suggestedMapping.owner_checking, amount: '2500.00' });
    expect(byNode.tax).toMatchObject({ type: 'transfer', toAccountId: view.suggestedMapping.llc_tax, amount: '750.00' });
    expect(plan.trace.find((entry: { nodeId: string }) => entry.nodeId === 'split').outputs).toEqual({ 'out-0': '250.00', 'out-1': '2500.00', 'out-2': '750.00', 'out-3': '1500.00' });
    expect(plan.moved).toBe('3500.00');
    const run = await expectStatus(post(`/flows/${flow.id}/runs`, { trigger, date: '2026-02-10' }, `profit-${randomUUID()}`), 201);
    expect(run.status).toBe('committed');
    expect(run.transferIds).toHaveLength(1);
    expect((await expectStatus(get(`/inter-entity-transfers/${run.transferIds[0]}`), 200)).flowRunId).toBe(run.id);
  });
});

describe('instantiating with a wrong mapping is refused, naming /roles/<role>, and writes nothing', () => {
  let before: Record<string, number>;
  let stranger: Awaited<ReturnType<typeof createHousehold>>;
  beforeAll(async () => {
    stranger = await createHousehold(t.app);
    before = await rowCounts();
  });
  const mapping = () => ({ ...template('pay-yourself-first').suggestedMapping });

  const cases: { name: string; roles: () => Record<string, string>; errors: () => { field: string; code: string }[] }[] = [
    { name: 'a role left out', roles: () => ({ checking: mapping().checking! }), errors: () => [{ field: '/roles/savings', code: 'required' }] },
    { name: 'no roles at all', roles: () => ({}), errors: () => [{ field: '/roles/checking', code: 'required' }, { field: '/roles/savings', code: 'required' }] },
    { name: 'an account of the wrong entity kind (the LLC’s savings)', roles: () => ({ ...mapping(), savings: accountBy('llc', '1010').id }), errors: () => [{ field: '/roles/savings', code: 'wrong_entity_kind' }] },
    { name: 'an account that does not exist', roles: () => ({ ...mapping(), savings: randomUUID() }), errors: () => [{ field: '/roles/savings', code: 'unknown_account' }] },
    { name: 'an account of the wrong type (an expense category)', roles: () => ({ ...mapping(), savings: accountBy('personal', '5000').id }), errors: () => [{ field: '/roles/savings', code: 'wrong_account_type' }] },
    { name: 'a role the template does not have', roles: () => ({ ...mapping(), piggy_bank: accountBy('personal', '1020').id }), errors: () => [{ field: '/roles/piggy_bank', code: 'unknown_role' }] },
  ];

  it.each(cases.map((c) => [c.name, c] as const))('%s → 422', async (_name, c) => {
    const answer = await post('/templates/pay-yourself-first/instantiate', { roles: c.roles() });
    const body = await expectStatus(answer, 422);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(body.errors.map((error: { field: string; code: string }) => ({ field: error.field, code: error.code }))).toEqual(c.errors());
  });

  it('every problem of a larger mapping at once', async () => {
    const roles = { ...template('owner-draw-envelopes').suggestedMapping };
    delete roles.rent;
    roles.savings = accountBy('llc', '1010').id;
    roles.fun = randomUUID();
    const body = await expectStatus(post('/templates/owner-draw-envelopes/instantiate', { roles }), 422);
    expect(body.errors.map((error: { field: string; code: string }) => [error.field, error.code]).sort()).toEqual(
      [
        ['/roles/fun', 'unknown_account'],
        ['/roles/rent', 'required'],
        ['/roles/savings', 'wrong_entity_kind'],
      ].sort(),
    );
  });

  it("another household's accounts are unknown accounts", async () => {
    const roles = { checking: stranger.account('personal', '1000').id, savings: stranger.account('personal', '1010').id };
    const body = await expectStatus(post('/templates/pay-yourself-first/instantiate', { roles }), 422);
    expect(body.errors).toEqual([
      expect.objectContaining({ field: '/roles/checking', code: 'unknown_account' }),
      expect.objectContaining({ field: '/roles/savings', code: 'unknown_account' }),
    ]);
    expect(JSON.stringify(body)).not.toContain('Checking');
  });

  it('an unknown template is 404', async () => {
    expect((await expectStatus(post('/templates/no-such-template/instantiate', { roles: mapping() }), 404)).code).toBe('not_found');
  });

  it('nothing was written', async () => {
    expect(await rowCounts()).toEqual(before);
  });
});
