import type { DependencyContainer } from 'tsyringe';
import { JournalService, type JournalListQuery, type JournalRequest } from '../../engine/ledger/journals.js';
import type { RouteRegistry } from '../route.js';
import { dateRangeQuery, journalBody, pageQuery, reverseBody, uuid } from '../schemas.js';

export function journalRoutes(routes: RouteRegistry, container: DependencyContainer): void {
  const journals = container.resolve(JournalService);

  routes.add<unknown, JournalListQuery>({
    method: 'get',
    path: '/entities/:entityId/journals',
    tag: 'Journals',
    summary: "An entity's journals, newest first",
    auth: true,
    query: { ...dateRangeQuery, accountId: uuid, ...pageQuery },
    success: { status: 200, description: 'Journals page' },
    handler: async ({ actor, params, query }) => {
      const { data, total } = await journals.list(actor, params.entityId!, query);
      return { body: { data, page: { limit: query.limit, offset: query.offset, total } } };
    },
  });
  routes.add<JournalRequest, unknown>({
    method: 'post',
    path: '/entities/:entityId/journals',
    tag: 'Journals',
    summary: 'Post a journal (a transaction, possibly split) in one entity',
    description: 'Debits are positive, credits negative; postings must sum to zero per currency. Send an Idempotency-Key header to make retries safe.',
    auth: true,
    idempotent: true,
    body: journalBody,
    success: { status: 201, description: 'Posted journal' },
    handler: ({ write, actor, params, body }) => write(async (trx) => ({ status: 201, body: await journals.post(actor, params.entityId!, body, trx) })),
  });
  routes.add({
    method: 'get',
    path: '/journals/:journalId',
    tag: 'Journals',
    summary: 'One journal with its postings',
    auth: true,
    success: { status: 200, description: 'Journal' },
    handler: async ({ actor, params }) => ({ body: await journals.get(actor, params.journalId!) }),
  });
  routes.add<{ date?: string; memo?: string } | undefined, unknown>({
    method: 'post',
    path: '/journals/:journalId/reverse',
    tag: 'Journals',
    summary: 'Reverse a journal with its mirror image (journals are never edited)',
    auth: true,
    idempotent: true,
    body: reverseBody,
    success: { status: 201, description: 'The reversal journal' },
    handler: ({ write, actor, params, body }) => write(async (trx) => ({ status: 201, body: await journals.reverse(actor, params.journalId!, body ?? {}, trx) })),
  });
}
