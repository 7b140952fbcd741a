import type { Request } from 'express';
import type { DependencyContainer } from 'tsyringe';
import type { Knex } from 'knex';
import { AuditLog } from '../../engine/audit/audit-log.js';
import { RuleViolation, Unauthenticated } from '../../engine/errors.js';
import { BankSyncJobs } from '../../engine/banking/bank-sync-job.js';
import { csvDelimiters, type CsvMapping } from '../../engine/banking/import/csv.js';
import { ImportService, importFileBytesMax } from '../../engine/banking/import/import-service.js';
import { dateFormats } from '../../engine/banking/import/statement-file.js';
import { BankItemService, type AccountAssignment } from '../../engine/banking/items.js';
import { reconcileToStatement } from '../../engine/banking/reconcile.js';
import { BankSyncService } from '../../engine/banking/sync.js';
import { categorizeBankTransaction, listBankTransactions } from '../../engine/banking/transactions.js';
import { WebhookRejected, WebhookVerifier } from '../../engine/banking/webhook-verification.js';
import { subtypesByType } from '../../engine/ledger/types.js';
import { UnsupportedMediaType } from '../problem.js';
import type { RouteRegistry } from '../route.js';
import { isoDate, moneyString, nameText, pageQuery, shortText, uuid } from '../schemas.js';

const column = { type: 'integer', minimum: 0, maximum: 200 } as const;

export const csvMappingSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['delimiter', 'hasHeader', 'dateColumn', 'dateFormat', 'decimalSeparator'],
  properties: {
    delimiter: { type: 'string', enum: [...csvDelimiters] },
    hasHeader: { type: 'boolean' },
    dateColumn: column,
    dateFormat: { type: 'string', enum: [...dateFormats] },
    amountColumn: column,
    debitColumn: column,
    creditColumn: column,
    payeeColumn: column,
    memoColumn: column,
    idColumn: column,
    decimalSeparator: { type: 'string', enum: ['.', ','] },
    invertSign: { type: 'boolean' },
  },
} as const;

const bankSubtypes = [...subtypesByType.asset, ...subtypesByType.liability];

/** The raw request body, read here (express.json leaves non-JSON bodies untouched). */
async function readRawBody(req: Request, limit: number): Promise<Buffer> {
  if (req.is('application/json')) throw new UnsupportedMediaType();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new RuleViolation(`the file is larger than ${limit} bytes; split it`, [{ field: '/file', message: 'too large', code: 'file_too_large' }], 'file_too_large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function bankingRoutes(routes: RouteRegistry, container: DependencyContainer): void {
  const items = container.resolve(BankItemService);
  const sync = container.resolve(BankSyncService);
  const jobs = container.resolve(BankSyncJobs);
  const imports = container.resolve(ImportService);
  const verifier = container.resolve(WebhookVerifier);
  const audit = container.resolve(AuditLog);

  routes.add({
    method: 'get',
    path: '/banking/items',
    tag: 'Bank data',
    summary: 'Linked banks with their accounts, status, last sync and errors',
    auth: true,
    success: { status: 200, description: 'Linked banks' },
    handler: async ({ actor }) => ({ body: { data: await items.list(actor) } }),
  });
  routes.add<{ itemId?: string; redirectUri?: string }, unknown>({
    method: 'post',
    path: '/banking/link-token',
    tag: 'Bank data',
    summary: 'Start connecting a bank (or re-authenticating one, with itemId): a Link token, and the sandbox consent page in demo mode',
    auth: true,
    body: { type: 'object', additionalProperties: false, properties: { itemId: uuid, redirectUri: { type: 'string', format: 'uri', maxLength: 500 } } },
    success: { status: 201, description: '{linkToken, expiration, mode, consentUrl}' },
    handler: async ({ actor, body }) => ({ status: 201, body: await items.createLinkToken(actor, body ?? {}) }),
  });
  routes.add<{ publicToken: string }, unknown>({
    method: 'post',
    path: '/banking/items',
    tag: 'Bank data',
    summary: "Exchange Link's public token: the bank is linked, its accounts listed for assignment",
    auth: true,
    body: { type: 'object', additionalProperties: false, required: ['publicToken'], properties: { publicToken: { type: 'string', minLength: 10, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' } } },
    success: { status: 201, description: 'The linked bank' },
    handler: async ({ actor, body }) => ({ status: 201, body: await items.exchange(actor, body.publicToken) }),
  });
  routes.add({
    method: 'get',
    path: '/banking/items/:itemId',
    tag: 'Bank data',
    summary: 'One linked bank',
    auth: true,
    success: { status: 200, description: 'Linked bank' },
    handler: async ({ actor, params }) => ({ body: await items.get(actor, params.itemId!) }),
  });
  routes.add<{ accounts: AccountAssignment[] }, unknown>({
    method: 'post',
    path: '/banking/items/:itemId/accounts',
    tag: 'Bank data',
    summary: 'Assign bank accounts to entities (required) and ledger accounts (new or existing), then sync',
    auth: true,
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['accounts'],
      properties: {
        accounts: {
          type: 'array',
          minItems: 1,
          maxItems: 50,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['accountId', 'entityId'],
            properties: { accountId: uuid, entityId: uuid, ledgerAccountId: uuid, subtype: { type: 'string', enum: bankSubtypes }, name: nameText(120) },
          },
        },
      },
    },
    success: { status: 200, description: 'The linked bank, synced' },
    handler: async ({ actor, params, body }) => {
      const item = await items.assignAccounts(actor, params.itemId!, body.accounts);
      const outcome = await sync.syncItem(item.id, 'link');
      return { body: { ...(await items.get(actor, item.id)), sync: outcome } };
    },
  });
  routes.add({
    method: 'post',
    path: '/banking/items/:itemId/sync',
    tag: 'Bank data',
    summary: 'Sync now: balances and transactions since the last sync, applied whole or not at all',
    auth: true,
    success: { status: 200, description: 'What the sync did' },
    handler: async ({ actor, params }) => {
      const item = await items.get(actor, params.itemId!);
      const outcome = await sync.syncItem(item.id, 'manual');
      return { body: { ...outcome, item: await items.get(actor, item.id) } };
    },
  });
  routes.add({
    method: 'post',
    path: '/banking/items/:itemId/repair',
    tag: 'Bank data',
    summary: 'After re-authenticating in update mode: check the bank is healthy again and sync',
    auth: true,
    success: { status: 200, description: 'The linked bank' },
    handler: async ({ actor, params }) => ({ body: await items.repair(actor, params.itemId!) }),
  });
  routes.add({
    method: 'delete',
    path: '/banking/items/:itemId',
    tag: 'Bank data',
    summary: 'Unlink a bank (its transactions and journals stay in the books)',
    auth: true,
    success: { status: 204, description: 'Unlinked' },
    handler: async ({ actor, params }) => {
      await items.remove(actor, params.itemId!);
      return { status: 204 };
    },
  });
  routes.add({
    method: 'post',
    path: '/banking/webhook',
    tag: 'Bank data',
    summary: "Plaid's webhooks, verified (Plaid-Verification ES256 JWT, body SHA-256, at most 5 minutes old)",
    auth: false,
    success: { status: 200, description: 'Accepted' },
    handler: async ({ req }) => {
      // app.ts keeps the raw bytes of this one route: the hash covers them, not a re-serialisation.
      const raw = (req as Request & { rawBody?: Buffer }).rawBody;
      if (!raw) throw new Unauthenticated('webhook refused: send the JSON body as Plaid does');
      try {
        await verifier.verify(raw, req.get('plaid-verification'));
      } catch (error) {
        if (error instanceof WebhookRejected) throw new Unauthenticated(`webhook refused: ${error.message}`);
        throw error;
      }
      const payload = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      const { syncItemId } = await items.onWebhook(payload);
      if (syncItemId) await jobs.request(syncItemId, 'webhook');
      return { body: { received: true, syncQueued: Boolean(syncItemId) } };
    },
  });

  routes.add<unknown, { accountId?: string; status?: string; uncategorized?: boolean; limit: number; offset: number }>({
    method: 'get',
    path: '/banking/transactions',
    tag: 'Bank data',
    summary: 'Bank and imported transactions, newest first',
    auth: true,
    query: { accountId: uuid, status: { type: 'string', enum: ['pending', 'posted', 'matched', 'removed', 'undone'] }, uncategorized: { type: 'boolean' }, ...pageQuery },
    success: { status: 200, description: 'Transactions page' },
    handler: async ({ db, actor, query }) => {
      const { data, total } = await listBankTransactions(db, actor, query);
      return { body: { data, page: { limit: query.limit, offset: query.offset, total } } };
    },
  });
  routes.add<{ categoryAccountId: string }, unknown>({
    method: 'post',
    path: '/banking/transactions/:transactionId/categorize',
    tag: 'Bank data',
    summary: 'Categorise a bank transaction (its journal is reversed and posted again against the category)',
    auth: true,
    idempotent: true,
    body: { type: 'object', additionalProperties: false, required: ['categoryAccountId'], properties: { categoryAccountId: uuid } },
    success: { status: 200, description: 'The transaction' },
    handler: ({ write, actor, params, body }) => write(async (trx) => ({ status: 200, body: await categorizeBankTransaction(trx, audit, actor, params.transactionId!, body.categoryAccountId) })),
  });
  routes.add<{ statementDate: string; statementBalance: string }, unknown>({
    method: 'post',
    path: '/banking/accounts/:accountId/reconcile',
    tag: 'Bank data',
    summary: "Reconcile an account to a statement's closing balance (as printed: owed on a card is positive)",
    auth: true,
    body: { type: 'object', additionalProperties: false, required: ['statementDate', 'statementBalance'], properties: { statementDate: isoDate, statementBalance: moneyString } },
    success: { status: 201, description: 'The reconciliation, balanced or with its difference' },
    handler: ({ write, actor, params, body }) => write(async (trx: Knex.Transaction) => ({ status: 201, body: await reconcileToStatement(trx, actor, params.accountId!, body) })),
  });

  routes.add<unknown, { accountId: string; fileName?: string }>({
    method: 'post',
    path: '/banking/imports/files',
    tag: 'Bank data',
    summary: 'Upload a statement file (CSV, OFX/QFX, QIF) as the raw request body; CSV answers its first rows and a suggested mapping',
    description: `Send the file bytes with a non-JSON content type (text/csv, application/x-ofx, application/octet-stream), at most ${importFileBytesMax} bytes; or, within the JSON body limit, {"content": "<the file as text>"}.`,
    auth: true,
    query: { accountId: uuid, fileName: shortText(255) },
    success: { status: 201, description: '{fileId, format, csv?}' },
    handler: async ({ req, actor, query }) => {
      if (!query.accountId) throw new RuleViolation('say which account the file is for', [{ field: '/query/accountId', message: 'is required', code: 'required' }]);
      // The raw file, or (for the studio's JSON client, small files) {"content": "<text>"}.
      const json = req.is('application/json') ? (req.body as { content?: unknown } | undefined) : undefined;
      if (json !== undefined && (typeof json?.content !== 'string' || Object.keys(json).some((key) => key !== 'content'))) {
        throw new RuleViolation('send the file as the raw body, or as {"content": "<the file as text>"}', [{ field: '/content', message: 'must be the file as text', code: 'required' }]);
      }
      const bytes = json ? Buffer.from(json.content as string, 'utf8') : await readRawBody(req, importFileBytesMax);
      return { status: 201, body: await imports.upload(actor, query.accountId, query.fileName ?? null, bytes) };
    },
  });
  routes.add<{ fileId: string; mapping?: CsvMapping }, unknown>({
    method: 'post',
    path: '/banking/imports/preview',
    tag: 'Bank data',
    summary: 'Preview an uploaded file: new, duplicate and invalid rows (nothing is written)',
    auth: true,
    body: { type: 'object', additionalProperties: false, required: ['fileId'], properties: { fileId: uuid, mapping: csvMappingSchema } },
    success: { status: 200, description: 'Preview' },
    handler: async ({ actor, body }) => ({ body: await imports.previewFile(actor, body.fileId, body.mapping) }),
  });
  routes.add<{ fileId: string; mapping?: CsvMapping; skipInvalid?: boolean }, unknown>({
    method: 'post',
    path: '/banking/imports',
    tag: 'Bank data',
    summary: 'Import an uploaded file as one batch: new rows post, duplicates are skipped; the CSV mapping is remembered for the account',
    auth: true,
    idempotent: true,
    body: { type: 'object', additionalProperties: false, required: ['fileId'], properties: { fileId: uuid, mapping: csvMappingSchema, skipInvalid: { type: 'boolean' } } },
    success: { status: 201, description: 'The import batch' },
    handler: ({ write, actor, body }) => write(async (trx) => ({ status: 201, body: await imports.commitFile(actor, body.fileId, { ...(body.mapping ? { mapping: body.mapping } : {}), ...(body.skipInvalid ? { skipInvalid: true } : {}) }, trx) })),
  });
  routes.add<unknown, { accountId?: string; limit: number; offset: number }>({
    method: 'get',
    path: '/banking/imports',
    tag: 'Bank data',
    summary: 'Import batches, newest first',
    auth: true,
    query: { accountId: uuid, ...pageQuery },
    success: { status: 200, description: 'Batches page' },
    handler: async ({ actor, query }) => {
      const { data, total } = await imports.listBatches(actor, query.accountId, query.limit, query.offset);
      return { body: { data, page: { limit: query.limit, offset: query.offset, total } } };
    },
  });
  routes.add({
    method: 'post',
    path: '/banking/imports/:batchId/undo',
    tag: 'Bank data',
    summary: 'Undo an import batch: reversal journals for everything it posted',
    auth: true,
    idempotent: true,
    success: { status: 200, description: 'The undone batch' },
    handler: ({ write, actor, params }) => write(async (trx) => ({ status: 200, body: await imports.undo(actor, params.batchId!, trx) })),
  });
}
