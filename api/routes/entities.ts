import type { DependencyContainer } from 'tsyringe';
import { AccountService, type AccountRequest } from '../../engine/ledger/accounts.js';
import { accountRegister, trialBalance, type RegisterQuery } from '../../engine/ledger/balances.js';
import { EntityService, entityView, type EntityRequest } from '../../engine/ledger/entities.js';
import { findAccount, findEntity } from '../../engine/ledger/scope.js';
import { accountView } from '../../engine/ledger/accounts.js';
import type { RouteRegistry } from '../route.js';
import { accountBody, dateRangeQuery, entityBody, isoDate, moneyString, pageQuery, shortText, uuid } from '../schemas.js';

/** A size to compare against, either direction: no sign. */
const unsignedMoneyString = { ...moneyString, pattern: '^(0|[1-9][0-9]{0,17})(\\.[0-9]{1,3})?$', examples: ['50.00'] } as const;

export function todayIso(): string {
  return new Date().toISOString().slice(0, 10);
}

export function entityRoutes(routes: RouteRegistry, container: DependencyContainer): void {
  const entities = container.resolve(EntityService);
  const accounts = container.resolve(AccountService);

  routes.add({
    method: 'get',
    path: '/entities',
    tag: 'Entities',
    summary: "List the household's entities",
    auth: true,
    success: { status: 200, description: 'Entities' },
    handler: async ({ db, actor }) => ({ body: { data: await entities.list(db, actor) } }),
  });
  routes.add<EntityRequest, unknown>({
    method: 'post',
    path: '/entities',
    tag: 'Entities',
    summary: 'Create a personal entity or an LLC, with its chart of accounts',
    auth: true,
    body: entityBody,
    success: { status: 201, description: 'Created entity' },
    handler: ({ write, actor, body }) => write(async (trx) => ({ status: 201, body: await entities.create(trx, actor, body) })),
  });
  routes.add({
    method: 'get',
    path: '/entities/:entityId',
    tag: 'Entities',
    summary: 'One entity',
    auth: true,
    success: { status: 200, description: 'Entity' },
    handler: async ({ db, actor, params }) => ({ body: entityView(await findEntity(db, actor, params.entityId!)) }),
  });
  routes.add({
    method: 'get',
    path: '/entities/:entityId/accounts',
    tag: 'Accounts',
    summary: "An entity's chart of accounts with balances",
    auth: true,
    success: { status: 200, description: 'Accounts' },
    handler: async ({ db, actor, params }) => ({ body: { data: await accounts.list(db, actor, params.entityId!) } }),
  });
  routes.add<AccountRequest, unknown>({
    method: 'post',
    path: '/entities/:entityId/accounts',
    tag: 'Accounts',
    summary: 'Add an account (bank, card, loan, category...) to an entity',
    auth: true,
    body: accountBody,
    success: { status: 201, description: 'Created account' },
    handler: ({ write, actor, params, body }) => write(async (trx) => ({ status: 201, body: await accounts.create(trx, actor, params.entityId!, body) })),
  });
  routes.add({
    method: 'get',
    path: '/accounts/:accountId',
    tag: 'Accounts',
    summary: 'One account with its balance',
    auth: true,
    success: { status: 200, description: 'Account' },
    handler: async ({ db, actor, params }) => ({ body: accountView(await findAccount(db, actor, params.accountId!)) }),
  });
  routes.add<unknown, RegisterQuery>({
    method: 'get',
    path: '/accounts/:accountId/register',
    tag: 'Accounts',
    summary: "An account's register, newest first, with running balance",
    auth: true,
    description: 'Filters combine (AND): dates inclusive; `search` in memo, payee or posting memo; `payee` in the payee; `categoryId` keeps journals that also post to that account; `minAmount`/`maxAmount` bound the size of the posting in either direction. The running balance is always over the whole history.',
    query: {
      ...dateRangeQuery,
      search: { ...shortText(100), minLength: 1 },
      payee: { ...shortText(200), minLength: 1 },
      categoryId: uuid,
      minAmount: unsignedMoneyString,
      maxAmount: unsignedMoneyString,
      ...pageQuery,
    },
    success: { status: 200, description: 'Register page' },
    handler: async ({ db, actor, params, query }) => ({ body: await accountRegister(db, actor, params.accountId!, query) }),
  });
  routes.add<unknown, { asOf?: string }>({
    method: 'get',
    path: '/entities/:entityId/trial-balance',
    tag: 'Reports',
    summary: 'Trial balance of an entity as of a date (default today)',
    auth: true,
    query: { asOf: isoDate },
    success: { status: 200, description: 'Trial balance' },
    handler: async ({ db, actor, params, query }) => ({ body: await trialBalance(db, actor, params.entityId!, query.asOf ?? todayIso()) }),
  });
}
