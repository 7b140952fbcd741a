import type { DependencyContainer } from 'tsyringe';
import { quickStrategies, type QuickStrategy } from '../../engine/budget/board.js';
import { BudgetService, layoutLimits, type LayoutRequest, type TargetRequest } from '../../engine/budget/budget-service.js';
import { monthPatternSource, type Month } from '../../engine/budget/month.js';
import { targetKinds } from '../../engine/budget/targets.js';
import { RequestInvalid } from '../problem.js';
import type { RouteRegistry } from '../route.js';
import { moneyString, nameText, uuid } from '../schemas.js';
import { bodyValidator, type JsonSchema } from '../validation.js';

const month = { type: 'string', pattern: monthPatternSource, maxLength: 7, description: 'Budget month, YYYY-MM', examples: ['2026-12'] } as const;

/** Path parameters are text too: the month is checked by ajv like any field, and reported under /params. */
const validateMonthParam = bodyValidator({ type: 'object', required: ['month'], properties: { month } });
function monthParam(params: Record<string, string>): Month {
  try {
    validateMonthParam({ month: params.month });
  } catch (error) {
    if (error instanceof RequestInvalid) throw new RequestInvalid(error.problems.map((problem) => ({ ...problem, field: `/params${problem.field}` })));
    throw error;
  }
  return params.month!;
}

const assignedBody: JsonSchema = { type: 'object', additionalProperties: false, required: ['assigned'], properties: { assigned: moneyString } };
const moveBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['fromCategoryId', 'toCategoryId', 'amount'],
  properties: { fromCategoryId: uuid, toCategoryId: uuid, amount: moneyString },
};
const quickAssignBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['strategy'],
  properties: {
    strategy: { type: 'string', enum: [...quickStrategies], description: 'last_month, average_3_months (of spending), up_to_target, fund_underfunded (as far as To be assigned goes)' },
    categoryIds: { type: 'array', maxItems: layoutLimits.categoriesPerGroup, uniqueItems: true, items: uuid, description: 'Default: every visible category' },
  },
};
const holdBody: JsonSchema = { type: 'object', additionalProperties: false, required: ['amount'], properties: { amount: moneyString } };
const resetBody: JsonSchema = { type: 'object', additionalProperties: false, properties: {} };
const targetBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'amount'],
  properties: { kind: { type: 'string', enum: [...targetKinds] }, amount: moneyString, byMonth: month },
};
const layoutBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['groups'],
  properties: {
    groups: {
      type: 'array',
      maxItems: layoutLimits.groups,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'categories'],
        properties: {
          id: uuid,
          name: nameText(80),
          hidden: { type: 'boolean' },
          categories: {
            type: 'array',
            maxItems: layoutLimits.categoriesPerGroup,
            items: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: uuid, hidden: { type: 'boolean' } } },
          },
        },
      },
    },
  },
};

export function budgetRoutes(routes: RouteRegistry, container: DependencyContainer): void {
  const budget = container.resolve(BudgetService);

  routes.add({
    method: 'get',
    path: '/entities/:entityId/budget/:month',
    tag: 'Budget',
    summary: "One month of an entity's zero-based budget: To be assigned, groups and categories",
    description: 'Assigned, activity and available per category, targets and what they still need, overspending, the months the board reaches, and the reconciliation with on-budget cash.',
    auth: true,
    success: { status: 200, description: 'The board' },
    handler: async ({ db, actor, params }) => ({ body: await budget.board(db, actor, params.entityId!, monthParam(params)) }),
  });
  routes.add({
    method: 'get',
    path: '/entities/:entityId/budget/:month/sankey',
    tag: 'Budget',
    summary: 'Money flow of a month: income sources → budget → categories, for a Sankey diagram',
    auth: true,
    success: { status: 200, description: 'Nodes and links (amounts as decimal strings)' },
    handler: async ({ db, actor, params }) => ({ body: await budget.sankey(db, actor, params.entityId!, monthParam(params)) }),
  });
  routes.add<{ assigned: string }, unknown>({
    method: 'put',
    path: '/entities/:entityId/budget/:month/categories/:categoryId',
    tag: 'Budget',
    summary: "Set a category's assigned amount for the month",
    auth: true,
    idempotent: true,
    body: assignedBody,
    success: { status: 200, description: 'The board after the change' },
    handler: ({ write, actor, params, body }) => {
      const at = monthParam(params);
      return write(async (trx) => ({ status: 200, body: await budget.setAssigned(trx, actor, params.entityId!, at, params.categoryId!, body.assigned) }));
    },
  });
  routes.add<{ fromCategoryId: string; toCategoryId: string; amount: string }, unknown>({
    method: 'post',
    path: '/entities/:entityId/budget/:month/move',
    tag: 'Budget',
    summary: 'Move money between two categories in the month',
    description: 'At most what the source category holds. Send an Idempotency-Key header to make retries safe.',
    auth: true,
    idempotent: true,
    body: moveBody,
    success: { status: 200, description: 'The board after the move' },
    handler: ({ write, actor, params, body }) => {
      const at = monthParam(params);
      return write(async (trx) => ({ status: 200, body: await budget.move(trx, actor, params.entityId!, at, body) }));
    },
  });
  routes.add<{ strategy: QuickStrategy; categoryIds?: string[] }, unknown>({
    method: 'post',
    path: '/entities/:entityId/budget/:month/quick-assign',
    tag: 'Budget',
    summary: 'Assign from last month, the 3-month average, up to targets, or fund all underfunded targets',
    auth: true,
    idempotent: true,
    body: quickAssignBody,
    success: { status: 200, description: 'The board after the change' },
    handler: ({ write, actor, params, body }) => {
      const at = monthParam(params);
      return write(async (trx) => ({ status: 200, body: await budget.quickAssign(trx, actor, params.entityId!, at, body) }));
    },
  });
  routes.add<{ amount: string }, unknown>({
    method: 'put',
    path: '/entities/:entityId/budget/:month/hold',
    tag: 'Budget',
    summary: 'Hold money for next month (at most what is unassigned; "0.00" releases it)',
    auth: true,
    idempotent: true,
    body: holdBody,
    success: { status: 200, description: 'The board after the change' },
    handler: ({ write, actor, params, body }) => {
      const at = monthParam(params);
      return write(async (trx) => ({ status: 200, body: await budget.hold(trx, actor, params.entityId!, at, body.amount) }));
    },
  });
  routes.add<Record<string, never>, unknown>({
    method: 'post',
    path: '/entities/:entityId/budget/:month/reset',
    tag: 'Budget',
    summary: "Reset a month: every category's assignment back to zero, the hold released",
    auth: true,
    idempotent: true,
    body: resetBody,
    success: { status: 200, description: 'The board after the reset' },
    handler: ({ write, actor, params }) => {
      const at = monthParam(params);
      return write(async (trx) => ({ status: 200, body: await budget.reset(trx, actor, params.entityId!, at) }));
    },
  });
  routes.add<LayoutRequest, unknown>({
    method: 'put',
    path: '/entities/:entityId/budget/layout',
    tag: 'Budget',
    summary: "The board's layout: category groups in order, categories in order, hidden flags",
    auth: true,
    body: layoutBody,
    success: { status: 200, description: 'The saved layout' },
    handler: ({ write, actor, params, body }) => write(async (trx) => ({ status: 200, body: await budget.setLayout(trx, actor, params.entityId!, body) })),
  });
  routes.add<TargetRequest, unknown>({
    method: 'put',
    path: '/categories/:categoryId/target',
    tag: 'Budget',
    summary: "Set a category's target: a monthly amount, a balance by a month, or a savings goal",
    auth: true,
    body: targetBody,
    success: { status: 200, description: 'The target' },
    handler: ({ write, actor, params, body }) => write(async (trx) => ({ status: 200, body: await budget.setTarget(trx, actor, params.categoryId!, body) })),
  });
  routes.add({
    method: 'delete',
    path: '/categories/:categoryId/target',
    tag: 'Budget',
    summary: "Remove a category's target",
    auth: true,
    success: { status: 204, description: 'Removed' },
    handler: ({ write, actor, params }) =>
      write(async (trx) => {
        await budget.clearTarget(trx, actor, params.categoryId!);
        return { status: 204, body: undefined };
      }),
  });
}
