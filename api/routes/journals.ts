import type { DependencyContainer } from 'tsyringe';
import { JournalService, maxJournalsPerBatch, type JournalListQuery, type JournalRequest } from '../../engine/ledger/journals.js';
import type { RouteRegistry } from '../route.js';
import { dateRangeQuery, journalBatchBody, journalBody, pageQuery, reverseBody, uuid } from '../schemas.js';

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
  routes.add<{ journals: JournalRequest[] }, unknown>({
    method: 'post',
    path: '/entities/:entityId/journals/batch',
    tag: 'Journals',
    summary: `Post up to ${maxJournalsPerBatch} journals in one entity, all or nothing`,
    description:
      'Every journal is checked before anything is written: if any is invalid, nothing is posted and the problem names each bad journal by its index (`/journals/17/postings/0/amount`). Send an Idempotency-Key header: a retry with the same key and body gets the first answer and posts nothing again. Bodies up to 16 MiB.',
    auth: true,
    idempotent: true,
    body: journalBatchBody,
    success: { status: 201, description: 'The posted journals: their ids in the order sent, and the debits per currency' },
    handler: ({ write, actor, params, body }) => write(async (trx) => ({ status: 201, body: await journals.postBatch(actor, params.entityId!, body.journals, trx) })),
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
