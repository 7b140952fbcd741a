import type { DependencyContainer } from 'tsyringe';
import { accountSnapshots } from '../../engine/flows/context.js';
import { FlowService, type FlowRequest } from '../../engine/flows/flow-service.js';
import { flowGraphSchema, flowSettingsSchema, type FlowGraph, type FlowSettings } from '../../engine/flows/graph.js';
import { nodeTypeCatalogue } from '../../engine/flows/registry.js';
import { FlowRunner, type PlanOptions, type RunView, type TriggerInput } from '../../engine/flows/runner.js';
import { assertMapping, fillRoles, findTemplate, loadTemplates, suggestMapping } from '../../engine/flows/templates.js';
import { nextOccurrences } from '../../engine/flows/nodes/triggers.js';
import { listHouseholdEntities } from '../../engine/ledger/scope.js';
import { FlowScheduler } from '../../engine/scheduler/flow-scheduler.js';
import { problem } from '../problem.js';
import { idempotencyKeyOf, type RouteRegistry, type RouteResult } from '../route.js';
import { isoDate, moneyString, nameText, pageQuery, shortText, uuid } from '../schemas.js';

const signedMoney = { ...moneyString };

const triggerSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    type: { type: 'string', enum: ['manual', 'event'] },
    transaction: {
      type: 'object',
      additionalProperties: false,
      required: ['accountId', 'amount'],
      properties: { accountId: uuid, amount: signedMoney, payee: shortText(200), memo: shortText(500), categoryId: uuid, journalId: uuid },
    },
  },
} as const;

const planOptionsProperties = {
  trigger: triggerSchema,
  date: isoDate,
  balances: { type: 'object', maxProperties: 500, propertyNames: { format: 'uuid' }, additionalProperties: moneyString, description: 'Pretend balances for the preview, by account id' },
} as const;

const flowBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'graph'],
  properties: { name: nameText(120), description: shortText(1000), graph: flowGraphSchema, settings: flowSettingsSchema },
};

/** A failed run is still a run (kept, with its reason): answer 422 with the run attached. */
function runAnswer(run: RunView, successStatus: number): RouteResult {
  if (run.status !== 'failed') return { status: successStatus, body: run };
  const detail = run.error?.message ?? 'the run failed';
  return { status: 422, contentType: 'application/problem+json', body: JSON.stringify({ ...problem(422, 'run_failed', 'The run failed; nothing was posted', detail, run.error?.problems), run }) };
}

export function flowRoutes(routes: RouteRegistry, container: DependencyContainer): void {
  const flows = container.resolve(FlowService);
  const runner = container.resolve(FlowRunner);
  // Resolved on first use: building the scheduler connects Agenda.
  const scheduler = () => container.resolve(FlowScheduler);
  const tag = 'Flows';

  routes.add({ method: 'get', path: '/node-types', tag, summary: 'Every node type: settings schema, handles, account fields', auth: true, success: { status: 200, description: 'Node catalogue' }, handler: async () => ({ body: { data: nodeTypeCatalogue() } }) });
  routes.add({ method: 'get', path: '/flows', tag, summary: "The household's flows", auth: true, success: { status: 200, description: 'Flows' }, handler: async ({ db, actor }) => ({ body: { data: await flows.list(db, actor) } }) });
  routes.add<FlowRequest, unknown>({
    method: 'post',
    path: '/flows',
    tag,
    summary: 'Save a new flow (version 1); problems are returned, drafts are allowed',
    auth: true,
    body: flowBody,
    success: { status: 201, description: 'The flow with its problems' },
    handler: ({ write, actor, body }) => write(async (trx) => ({ status: 201, body: await flows.create(trx, actor, body) })),
  });
  routes.add<{ graph: FlowGraph; settings?: FlowSettings }, unknown>({
    method: 'post',
    path: '/flows/validate',
    tag,
    summary: 'Every problem of a graph at once, each naming its node and field',
    auth: true,
    body: { type: 'object', additionalProperties: false, required: ['graph'], properties: { graph: flowGraphSchema, settings: flowSettingsSchema } },
    success: { status: 200, description: 'Problems (empty when valid)' },
    handler: async ({ db, actor, body }) => ({ body: { problems: await flows.validate(db, actor, body.graph, body.settings) } }),
  });
  routes.add<{ graph: FlowGraph; settings?: FlowSettings } & PlanOptions, unknown>({
    method: 'post',
    path: '/flows/preview',
    tag,
    summary: 'Dry run of an unsaved graph (the editor state); nothing is written',
    auth: true,
    body: { type: 'object', additionalProperties: false, required: ['graph'], properties: { graph: flowGraphSchema, settings: flowSettingsSchema, ...planOptionsProperties } },
    success: { status: 200, description: 'Plan or problems' },
    handler: async ({ actor, body }) => ({ body: await runner.previewGraph(actor, body.graph, body.settings ?? { currency: 'USD' }, body) }),
  });
  routes.add<unknown, { version?: number }>({
    method: 'get',
    path: '/flows/:flowId',
    tag,
    summary: 'A flow (current or given version) with its problems',
    auth: true,
    query: { version: { type: 'integer', minimum: 1, maximum: 1_000_000 } },
    success: { status: 200, description: 'Flow' },
    handler: async ({ db, actor, params, query }) => ({ body: await flows.get(db, actor, params.flowId!, query.version) }),
  });
  routes.add<FlowRequest, unknown>({
    method: 'put',
    path: '/flows/:flowId',
    tag,
    summary: 'Save a new version of a flow (earlier versions stay)',
    auth: true,
    body: flowBody,
    success: { status: 200, description: 'The flow at its new version' },
    handler: async ({ write, actor, params, body }) => {
      const result = await write(async (trx) => ({ status: 200, body: await flows.update(trx, actor, params.flowId!, body) }));
      // An enabled schedule follows the edit: pending occurrences move to the new cron.
      if ((result.body as { enabled?: boolean }).enabled) await scheduler().reschedule(params.flowId!);
      return result;
    },
  });
  routes.add({
    method: 'post',
    path: '/flows/:flowId/enable',
    tag,
    summary: 'Turn on a scheduled or event-triggered flow',
    auth: true,
    success: { status: 200, description: '{enabled, nextOccurrence}' },
    handler: async ({ actor, params }) => ({ body: await scheduler().enable(actor, params.flowId!) }),
  });
  routes.add({
    method: 'post',
    path: '/flows/:flowId/disable',
    tag,
    summary: 'Turn a flow off; pending occurrences are cancelled',
    auth: true,
    success: { status: 200, description: '{enabled: false}' },
    handler: async ({ actor, params }) => ({ body: await scheduler().disable(actor, params.flowId!) }),
  });
  routes.add({
    method: 'delete',
    path: '/flows/:flowId',
    tag,
    summary: 'Archive a flow (its runs and journals stay)',
    auth: true,
    success: { status: 204, description: 'Archived' },
    handler: ({ write, actor, params }) => write(async (trx) => (await flows.archive(trx, actor, params.flowId!), { status: 204, body: undefined })),
  });
  routes.add({ method: 'get', path: '/flows/:flowId/versions', tag, summary: 'Every saved version of a flow', auth: true, success: { status: 200, description: 'Versions' }, handler: async ({ db, actor, params }) => ({ body: { data: await flows.versions(db, actor, params.flowId!) } }) });
  routes.add<unknown, { count: number }>({
    method: 'get',
    path: '/flows/:flowId/schedule',
    tag,
    summary: "Next occurrences of a scheduled flow, in its time zone",
    auth: true,
    query: { count: { type: 'integer', minimum: 1, maximum: 50, default: 5 } },
    success: { status: 200, description: 'Occurrences' },
    handler: async ({ db, actor, params, query }) => {
      const flow = await flows.get(db, actor, params.flowId!);
      const trigger = flow.graph.nodes.find((node) => node.type === 'trigger.schedule');
      if (!trigger || flow.problems.some((item) => item.nodeId === trigger.id)) return { body: { timezone: null, occurrences: [] } };
      const { cron, timezone } = trigger.data as { cron: string; timezone: string };
      return { body: { cron, timezone, occurrences: nextOccurrences(cron, timezone, new Date(), query.count).map((date) => date.toISOString()) } };
    },
  });
  routes.add<PlanOptions & { version?: number }, unknown>({
    method: 'post',
    path: '/flows/:flowId/preview',
    tag,
    summary: 'Dry run: the journals and transfers a run would post, edge amounts and per-node trace',
    auth: true,
    body: { type: 'object', additionalProperties: false, properties: { ...planOptionsProperties, version: { type: 'integer', minimum: 1 } } },
    success: { status: 200, description: 'Plan or problems' },
    handler: async ({ actor, params, body }) => ({ body: await runner.preview(actor, params.flowId!, body) }),
  });
  routes.add<{ trigger?: TriggerInput; date?: string }, unknown>({
    method: 'post',
    path: '/flows/:flowId/runs',
    tag,
    summary: 'Run the current version: all or nothing, once per Idempotency-Key',
    description: 'A run that reaches an approval node waits (status awaiting_approval). A failed run (insufficient funds, cap, invalid flow) answers 422 with the run; nothing is posted.',
    auth: true,
    idempotent: true,
    body: { type: 'object', additionalProperties: false, properties: { trigger: triggerSchema, date: isoDate } },
    success: { status: 201, description: 'The run' },
    handler: async ({ req, actor, params, body }) => {
      const key = idempotencyKeyOf(req);
      const run = await runner.run(actor, params.flowId!, { ...body, ...(key ? { idempotencyKey: `client:${key}` } : {}) });
      return runAnswer(run, 201);
    },
  });
  routes.add<unknown, { limit: number; offset: number }>({
    method: 'get',
    path: '/flows/:flowId/runs',
    tag,
    summary: "A flow's runs, newest first",
    auth: true,
    query: pageQuery,
    success: { status: 200, description: 'Runs page' },
    handler: async ({ actor, params, query }) => {
      const { data, total } = await runner.list(actor, params.flowId!, query);
      return { body: { data, page: { limit: query.limit, offset: query.offset, total } } };
    },
  });
  routes.add({ method: 'get', path: '/runs/:runId', tag: 'Runs', summary: 'One run with its plan and per-node trace', auth: true, success: { status: 200, description: 'Run' }, handler: async ({ actor, params }) => ({ body: await runner.get(actor, params.runId!) }) });
  routes.add({
    method: 'post',
    path: '/runs/:runId/approve',
    tag: 'Runs',
    summary: 'Approve a waiting run: re-planned on current balances; if the plan changed it is shown again',
    auth: true,
    success: { status: 200, description: '{run, changed, previousPlan?}' },
    handler: async ({ actor, params }) => ({ body: await runner.approve(actor, params.runId!) }),
  });
  routes.add({ method: 'post', path: '/runs/:runId/reject', tag: 'Runs', summary: 'Reject a waiting run', auth: true, success: { status: 200, description: 'The run' }, handler: async ({ actor, params }) => ({ body: await runner.reject(actor, params.runId!) }) });
  routes.add({ method: 'post', path: '/runs/:runId/revert', tag: 'Runs', summary: 'Revert a committed run with reversal journals (once)', auth: true, success: { status: 200, description: 'The reverted run' }, handler: async ({ actor, params }) => ({ body: await runner.revert(actor, params.runId!) }) });

  routes.add({
    method: 'get',
    path: '/templates',
    tag: 'Templates',
    summary: 'Flow templates, with the account roles to map and suggestions from your accounts',
    auth: true,
    success: { status: 200, description: 'Templates' },
    handler: async ({ db, actor }) => {
      const accounts = await accountSnapshots(db, actor.householdId);
      const entityOrder = (await listHouseholdEntities(db, actor.householdId)).map((entity) => entity.id);
      return { body: { data: loadTemplates().map((template) => ({ ...template, suggestedMapping: suggestMapping(template, accounts, entityOrder) })) } };
    },
  });
  routes.add<{ name?: string; roles: Record<string, string> }, unknown>({
    method: 'post',
    path: '/templates/:templateId/instantiate',
    tag: 'Templates',
    summary: "Create a flow from a template, mapping its account roles to your accounts",
    auth: true,
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['roles'],
      properties: { name: nameText(120), roles: { type: 'object', maxProperties: 50, propertyNames: { pattern: '^[a-z_]{1,40}$' }, additionalProperties: uuid } },
    },
    success: { status: 201, description: 'The new flow' },
    handler: ({ write, actor, params, body }) =>
      write(async (trx) => {
        const template = findTemplate(params.templateId!);
        assertMapping(template, body.roles, await accountSnapshots(trx, actor.householdId));
        const flow = await flows.create(trx, actor, { name: body.name ?? template.name, description: template.description, graph: fillRoles(template, body.roles), settings: template.settings }, template.id);
        return { status: 201, body: flow };
      }),
  });
}
