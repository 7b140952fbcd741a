import type { DependencyContainer } from 'tsyringe';
import { isUuid } from '../../engine/auth/actor.js';
import { NotFound } from '../../engine/errors.js';
import { FlowScheduler } from '../../engine/scheduler/flow-scheduler.js';
import type { RouteRegistry } from '../route.js';
import { pageQuery } from '../schemas.js';

export function alertRoutes(routes: RouteRegistry, container: DependencyContainer): void {
  routes.add<unknown, { unread?: boolean; limit: number; offset: number }>({
    method: 'get',
    path: '/alerts',
    tag: 'Alerts',
    summary: 'In-app alerts, newest first: failed runs, runs awaiting approval, alert nodes',
    auth: true,
    query: { unread: { type: 'boolean' }, ...pageQuery },
    success: { status: 200, description: 'Alerts page' },
    handler: async ({ db, actor, query }) => {
      const base = db('alerts').where({ household_id: actor.householdId });
      if (query.unread) base.whereNull('read_at');
      const total = (await base.clone().count<{ n: bigint }[]>({ n: '*' }))[0]?.n ?? 0n;
      const unread = (await db('alerts').where({ household_id: actor.householdId }).whereNull('read_at').count<{ n: bigint }[]>({ n: '*' }))[0]?.n ?? 0n;
      const rows = await base.orderBy('created_at', 'desc').limit(query.limit).offset(query.offset);
      return {
        body: {
          data: rows.map((row) => ({ id: row.id, kind: row.kind, level: row.level, message: row.message, flowId: row.flow_id, runId: row.flow_run_id, createdAt: row.created_at.toISOString(), readAt: row.read_at?.toISOString() ?? null })),
          unread: Number(unread),
          page: { limit: query.limit, offset: query.offset, total: Number(total) },
        },
      };
    },
  });
  routes.add({
    method: 'post',
    path: '/alerts/:alertId/read',
    tag: 'Alerts',
    summary: 'Mark an alert read',
    auth: true,
    success: { status: 204, description: 'Marked' },
    handler: async ({ db, actor, params }) => {
      const updated = isUuid(params.alertId) ? await db('alerts').where({ id: params.alertId, household_id: actor.householdId }).update({ read_at: db.raw('coalesce(read_at, now())') }) : 0;
      if (updated === 0) throw new NotFound('alert', params.alertId!);
      return { status: 204 };
    },
  });
  routes.add<unknown, { limit: number }>({
    method: 'get',
    path: '/jobs',
    tag: 'Alerts',
    summary: 'Upcoming scheduled occurrences and recent runs of your flows',
    auth: true,
    query: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 20 } },
    success: { status: 200, description: '{upcoming, recent}' },
    handler: async ({ db, actor, query }) => {
      const upcoming = await container.resolve(FlowScheduler).upcoming(actor.householdId, query.limit);
      const recent = await db('flow_runs as r')
        .join('flows as f', 'f.id', 'r.flow_id')
        .where('r.household_id', actor.householdId)
        .orderBy('r.started_at', 'desc')
        .limit(query.limit)
        .select('r.id', 'r.flow_id', 'f.name', 'r.status', 'r.started_at', 'r.finished_at', 'r.duration_ms', 'r.idempotency_key', 'r.error');
      return {
        body: {
          upcoming,
          recent: recent.map((row) => ({ runId: row.id, flowId: row.flow_id, flowName: row.name, status: row.status, startedAt: row.started_at.toISOString(), finishedAt: row.finished_at?.toISOString() ?? null, durationMs: row.duration_ms, key: row.idempotency_key, error: row.error?.message ?? null })),
        },
      };
    },
  });
}
