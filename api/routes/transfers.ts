import type { DependencyContainer } from 'tsyringe';
import { InterEntityTransferService, type TransferListQuery, type TransferRequest } from '../../engine/ledger/inter-entity.js';
import { transferKinds } from '../../engine/ledger/types.js';
import type { RouteRegistry } from '../route.js';
import { dateRangeQuery, pageQuery, reverseBody, transferBody, uuid } from '../schemas.js';

export function transferRoutes(routes: RouteRegistry, container: DependencyContainer): void {
  const transfers = container.resolve(InterEntityTransferService);

  routes.add<unknown, TransferListQuery>({
    method: 'get',
    path: '/inter-entity-transfers',
    tag: 'Inter-entity transfers',
    summary: 'Transfers between the LLC and its owner, newest first',
    auth: true,
    query: { entityId: uuid, kind: { type: 'string', enum: [...transferKinds] }, ...dateRangeQuery, ...pageQuery },
    success: { status: 200, description: 'Transfers page' },
    handler: async ({ db, actor, query }) => {
      const { data, total } = await transfers.list(db, actor, query);
      return { body: { data, page: { limit: query.limit, offset: query.offset, total } } };
    },
  });
  routes.add<TransferRequest, unknown>({
    method: 'post',
    path: '/inter-entity-transfers',
    tag: 'Inter-entity transfers',
    summary: 'Record a documented transfer: one record and one journal in each entity, atomically',
    description:
      'Kinds: owner_draw (LLC to owner), capital_contribution (owner to LLC), member_loan, loan_repayment (amount includes `interest`), expense_paid_for (toAccountId is the expense category of the entity that owed the expense), reimbursement. The purpose is required.',
    auth: true,
    idempotent: true,
    body: transferBody,
    success: { status: 201, description: 'The transfer, both journals and the resulting intercompany balances' },
    handler: ({ write, actor, body }) => write(async (trx) => ({ status: 201, body: await transfers.record(trx, actor, body) })),
  });
  routes.add<TransferRequest, unknown>({
    method: 'post',
    path: '/inter-entity-transfers/preview',
    tag: 'Inter-entity transfers',
    summary: 'Dry run of a transfer: both journals and the resulting intercompany balances, nothing written',
    description: 'Same body and the same checks as POST /inter-entity-transfers; runs the real booking in a transaction that is rolled back, so what it shows is what recording would write.',
    auth: true,
    body: transferBody,
    success: { status: 200, description: 'The transfer as it would be recorded (`preview: true`; ids are not kept)' },
    handler: async ({ db, actor, body }) => ({ body: await transfers.preview(db, actor, body) }),
  });
  routes.add({
    method: 'get',
    path: '/inter-entity-transfers/:transferId',
    tag: 'Inter-entity transfers',
    summary: 'One transfer with both journals',
    auth: true,
    success: { status: 200, description: 'Transfer' },
    handler: async ({ db, actor, params }) => ({ body: await transfers.detail(db, actor, params.transferId!) }),
  });
  routes.add<{ date?: string; memo?: string } | undefined, unknown>({
    method: 'post',
    path: '/inter-entity-transfers/:transferId/reverse',
    tag: 'Inter-entity transfers',
    summary: 'Reverse both journals of a transfer together',
    auth: true,
    idempotent: true,
    body: reverseBody,
    success: { status: 201, description: 'The reversed transfer' },
    handler: ({ write, actor, params, body }) => write(async (trx) => ({ status: 201, body: await transfers.reverse(trx, actor, params.transferId!, body ?? {}) })),
  });
}
