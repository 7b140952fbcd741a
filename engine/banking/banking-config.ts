import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FieldCipher, parseEncryptionKeys, type FieldKey } from '../security/field-encryption.js';

export interface PlaidSettings {
  /** Unset (with secret): no Plaid account; `npm start` then runs the local sandbox. */
  clientId: string | undefined;
  secret: string | undefined;
  /** 'sandbox' | 'production' (Plaid's hosts); ignored when basePath is set. */
  environment: string;
  /** Overrides Plaid's host, e.g. the local sandbox (no trailing slash). */
  basePath: string | undefined;
  /** True when basePath is Sluice's own sandbox: its consent page stands in for Plaid Link. */
  localSandbox: boolean;
  /** Where Plaid sends webhooks (…/api/v1/banking/webhook); unset = no webhooks. */
  webhookUrl: string | undefined;
  /** OAuth redirect URI registered with Plaid, for Link's redirect flow. */
  redirectUri: string | undefined;
  /** Per HTTP call to Plaid. */
  timeoutMs: number;
}

export interface BankingConfig {
  plaid: PlaidSettings;
  /** AES-256-GCM keys for access tokens; the first encrypts, all decrypt. */
  encryptionKeys: FieldKey[];
  /** Cron (UTC) of the daily sync of every linked item. */
  dailySyncCron: string;
}

/**
 * Keys come from SLUICE_ENCRYPTION_KEYS (`id:base64,id2:base64`); without it one key is
 * generated once into the data directory (mode 0600), as the JWT secret is.
 */
function encryptionKeys(env: NodeJS.ProcessEnv, dataDir: string): FieldKey[] {
  if (env.SLUICE_ENCRYPTION_KEYS?.trim()) return parseEncryptionKeys(env.SLUICE_ENCRYPTION_KEYS);
  const file = path.join(dataDir, 'field-encryption-key');
  if (existsSync(file)) return [{ id: 'local', key: Buffer.from(readFileSync(file, 'utf8').trim(), 'base64') }];
  mkdirSync(dataDir, { recursive: true });
  const key = FieldCipher.generateKey();
  writeFileSync(file, key.toString('base64'), { mode: 0o600 });
  return [{ id: 'local', key }];
}

export function loadBankingConfig(env: NodeJS.ProcessEnv, dataDir: string, port: number): BankingConfig {
  const publicUrl = (env.SLUICE_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  return {
    plaid: {
      clientId: env.PLAID_CLIENT_ID || undefined,
      secret: env.PLAID_SECRET || undefined,
      environment: env.PLAID_ENV || 'sandbox',
      basePath: env.PLAID_BASE_PATH?.replace(/\/+$/, '') || undefined,
      localSandbox: false,
      webhookUrl: env.PLAID_WEBHOOK_URL || `${publicUrl}/api/v1/banking/webhook`,
      redirectUri: env.PLAID_REDIRECT_URI || undefined,
      timeoutMs: 30_000,
    },
    encryptionKeys: encryptionKeys(env, dataDir),
    dailySyncCron: env.SLUICE_BANK_SYNC_CRON || '0 6 * * *',
  };
}
