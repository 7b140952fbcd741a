import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { AuditLog } from '../audit/audit-log.js';
import type { AppConfig } from '../config.js';
import { Tokens } from '../container.js';
import { AccountService } from '../ledger/accounts.js';
import type { AgendaHandle } from '../scheduler/agenda-factory.js';
import { FieldCipher } from '../security/field-encryption.js';
import { BankSyncJobs } from './bank-sync-job.js';
import { ImportService } from './import/import-service.js';
import { BankItemService } from './items.js';
import { PlaidGateway } from './plaid-gateway.js';
import { BankSyncService } from './sync.js';
import { WebhookVerifier } from './webhook-verification.js';

export const BankingTokens = {
  Cipher: Symbol('BankingCipher') as InjectionToken<FieldCipher>,
} as const;

type Singleton = <T>(token: InjectionToken<T>, build: (c: DependencyContainer) => T) => void;

/** Bank data's registrations, called from buildContainer. */
export function registerBanking(container: DependencyContainer, config: AppConfig, singleton: Singleton): void {
  // Tokens is read at resolve time, after container.ts (which imports this file) has loaded.
  const knex = (c: DependencyContainer) => c.resolve<Knex>(Tokens.Knex);
  const logger = (c: DependencyContainer) => c.resolve<Logger>(Tokens.Logger);
  singleton(PlaidGateway, () => new PlaidGateway(config.banking.plaid));
  singleton(BankingTokens.Cipher, () => new FieldCipher(config.banking.encryptionKeys, config.banking.encryptionKeys[0]!.id));
  singleton(BankSyncService, (c) => new BankSyncService(knex(c), c.resolve(PlaidGateway), c.resolve(BankingTokens.Cipher), c.resolve(AuditLog), logger(c)));
  singleton(BankItemService, (c) => new BankItemService(knex(c), c.resolve(PlaidGateway), c.resolve(BankingTokens.Cipher), c.resolve(AuditLog), c.resolve(AccountService), c.resolve(BankSyncService), logger(c)));
  singleton(WebhookVerifier, (c) => new WebhookVerifier(c.resolve(PlaidGateway)));
  singleton(ImportService, (c) => new ImportService(knex(c), c.resolve(AuditLog)));
  singleton(BankSyncJobs, (c) => new BankSyncJobs(() => c.resolve<AgendaHandle>(Tokens.Agenda).agenda, c.resolve(BankSyncService), logger(c), config.banking.dailySyncCron));
}

