import type { DependencyContainer } from 'tsyringe';
import { AuditLog } from '../../engine/audit/audit-log.js';
import { findEntity } from '../../engine/ledger/scope.js';
import { hledgerJournal } from '../../engine/reports/hledger-export.js';
import type { ReadFrom } from '../../engine/db/read-replica.js';
import type { RouteRegistry } from '../route.js';
import { pageQuery } from '../schemas.js';
import { readFromQuery, reportReaderOf } from './reports.js';

const hledgerType = 'text/plain; charset=utf-8';

export function exportRoutes(routes: RouteRegistry, container: DependencyContainer): void {
  const audit = container.resolve(AuditLog);
  // Exports and the audit trail only read, like reports: the replica when there is one.
  const reader = reportReaderOf(container);

  routes.add<unknown, { readFrom: ReadFrom }>({
    method: 'get',
    path: '/entities/:entityId/export/hledger',
    tag: 'Exports',
    summary: "One entity's ledger as an hledger journal",
    auth: true,
    query: readFromQuery,
    success: { status: 200, description: 'hledger journal', contentType: hledgerType },
    handler: async ({ actor, params, query }) => {
      const db = reader(query.readFrom);
      const entity = await findEntity(db, actor, params.entityId!);
      return {
        contentType: hledgerType,
        headers: { 'Content-Disposition': `attachment; filename="${entity.slug}.journal"` },
        body: hledgerJournal(db, actor.householdId, entity.id),
      };
    },
  });
  routes.add<unknown, { readFrom: ReadFrom }>({
    method: 'get',
    path: '/export/hledger',
    tag: 'Exports',
    summary: "The whole household's ledger as one hledger journal (accounts prefixed by entity)",
    auth: true,
    query: readFromQuery,
    success: { status: 200, description: 'hledger journal', contentType: hledgerType },
    handler: async ({ actor, query }) => ({
      contentType: hledgerType,
      headers: { 'Content-Disposition': 'attachment; filename="household.journal"' },
      body: hledgerJournal(reader(query.readFrom), actor.householdId),
    }),
  });
  routes.add<unknown, { limit: number; offset: number; readFrom: ReadFrom }>({
    method: 'get',
    path: '/audit-log',
    tag: 'Audit',
    summary: "The household's audit trail, newest first",
    auth: true,
    query: { ...pageQuery, ...readFromQuery },
    success: { status: 200, description: 'Audit entries' },
    handler: async ({ actor, query }) => {
      const db = reader(query.readFrom);
      const rows = await db('audit_log').where({ household_id: actor.householdId }).orderBy('id', 'desc').limit(query.limit).offset(query.offset);
      const total = (await db('audit_log').where({ household_id: actor.householdId }).count<{ n: bigint }[]>({ n: '*' }))[0]?.n ?? 0n;
      return {
        body: {
          data: rows.map((row) => ({
            id: String(row.id),
            actorUserId: row.actor_user_id,
            action: row.action,
            resourceType: row.resource_type,
            resourceId: row.resource_id,
            before: row.before,
            after: row.after,
            occurredAt: row.occurred_at,
            hash: row.hash,
          })),
          page: { limit: query.limit, offset: query.offset, total: Number(total) },
        },
      };
    },
  });
  routes.add<unknown, { readFrom: ReadFrom }>({
    method: 'get',
    path: '/audit-log/verify',
    tag: 'Audit',
    summary: 'Verify the hash chain of the audit trail',
    auth: true,
    query: readFromQuery,
    success: { status: 200, description: 'Verification result' },
    handler: async ({ actor, query }) => ({ body: await audit.verify(reader(query.readFrom), actor.householdId) }),
  });
}
