import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer, type InjectionToken } from 'tsyringe';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { AuditLog } from './audit/audit-log.js';
import { AuthService } from './auth/auth-service.js';
import { BudgetService } from './budget/budget-service.js';
import type { AppConfig } from './config.js';
import type { Database } from './db/database.js';
import { AccountService } from './ledger/accounts.js';
import { EntityService } from './ledger/entities.js';
import { InterEntityTransferService } from './ledger/inter-entity.js';
import { JournalService } from './ledger/journals.js';
import { TokenService } from './security/index.js';
import { FlowService } from './flows/flow-service.js';
import { FlowRunner } from './flows/runner.js';
import { createAgenda, type AgendaHandle } from './scheduler/agenda-factory.js';
import { defaultSchedulerOptions, FlowScheduler } from './scheduler/flow-scheduler.js';
import { registerBanking } from './banking/banking-container.js';

/** Injection tokens for what is not a class of ours (or needs configuration to build). */
export const Tokens = {
  Config: Symbol('Config') as InjectionToken<AppConfig>,
  Database: Symbol('Database') as InjectionToken<Database>,
  Knex: Symbol('Knex') as InjectionToken<Knex>,
  Logger: Symbol('Logger') as InjectionToken<Logger>,
  Agenda: Symbol('Agenda') as InjectionToken<AgendaHandle>,
} as const;

/** Closes what the container opened lazily (Agenda's pool). */
export async function disposeContainer(container: DependencyContainer): Promise<void> {
  const close = container.resolve<() => Promise<void>>(disposeToken);
  await close();
}
const disposeToken = Symbol('Dispose') as InjectionToken<() => Promise<void>>;

/**
 * The one place where implementations are chosen. Factories (rather than decorator metadata)
 * wire constructors, so the code runs the same under tsc, tsx and Vitest.
 */
export function buildContainer(config: AppConfig, database: Database, logger: Logger): DependencyContainer {
  const container = rootContainer.createChildContainer();
  container.register(Tokens.Config, { useValue: config });
  container.register(Tokens.Database, { useValue: database });
  container.register(Tokens.Knex, { useValue: database.knex });
  container.register(Tokens.Logger, { useValue: logger });
  const singleton = <T>(token: InjectionToken<T>, build: (c: DependencyContainer) => T) => {
    let instance: T | undefined;
    container.register(token, { useFactory: (c) => (instance ??= build(c)) });
  };
  singleton(AuditLog, () => new AuditLog());
  singleton(TokenService, () => new TokenService({ secret: config.jwtSecret, issuer: 'sluice', accessTtlSeconds: config.accessTokenTtlSeconds }));
  singleton(AuthService, (c) => new AuthService(c.resolve(Tokens.Knex), c.resolve(TokenService), c.resolve(AuditLog), { refreshTtlDays: config.refreshTokenTtlDays }));
  singleton(EntityService, (c) => new EntityService(c.resolve(AuditLog)));
  singleton(AccountService, (c) => new AccountService(c.resolve(AuditLog)));
  singleton(JournalService, (c) => new JournalService(c.resolve(Tokens.Knex), c.resolve(AuditLog)));
  singleton(InterEntityTransferService, (c) => new InterEntityTransferService(c.resolve(AuditLog)));
  singleton(FlowService, (c) => new FlowService(c.resolve(AuditLog)));
  singleton(BudgetService, (c) => new BudgetService(c.resolve(AuditLog)));
  singleton(FlowRunner, (c) => new FlowRunner(c.resolve(Tokens.Knex), c.resolve(AuditLog), c.resolve(InterEntityTransferService), c.resolve(Tokens.Logger)));
  // Agenda connects as soon as it is built, so it is built only when something needs it.
  let agenda: AgendaHandle | undefined;
  container.register(Tokens.Agenda, { useFactory: () => (agenda ??= createAgenda(database, { name: config.schedulerName, processEveryMs: config.schedulerPollMs })) });
  singleton(FlowScheduler, (c) => {
    const options = { ...defaultSchedulerOptions, ...(config.schedulerLockMs ? { lockLifetimeMs: config.schedulerLockMs } : {}) };
    const scheduler = new FlowScheduler(c.resolve(Tokens.Knex), c.resolve(Tokens.Agenda).agenda, c.resolve(FlowRunner), c.resolve(Tokens.Logger), options);
    scheduler.define();
    return scheduler;
  });
  registerBanking(container, config, singleton);
  container.register(disposeToken, { useValue: async () => agenda?.close() });
  return container;
}
