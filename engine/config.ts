import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadBankingConfig, type BankingConfig } from './banking/banking-config.js';

export interface AppConfig {
  port: number;
  /** Unset: the embedded PostgreSQL server, its cluster under dataDir. */
  databaseUrl: string | undefined;
  /**
   * A read-only PostgreSQL (a streaming replica of databaseUrl) the report and export routes read
   * from. Unset: they read from databaseUrl like everything else.
   */
  databaseReadUrl?: string | undefined;
  dataDir: string;
  jwtSecret: Uint8Array;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  /** Requests per window per client on /auth routes (brute-force bound). */
  authRateLimit: { windowMs: number; limit: number };
  /** Largest JSON body accepted, bytes. */
  bodyLimitBytes: number;
  logLevel: string;
  seedDemo: boolean;
  /** Run Agenda's job processing in this process (API processes may leave it to workers). */
  runScheduler: boolean;
  schedulerName: string;
  /** How often Agenda polls for due jobs (notifications wake it sooner on PostgreSQL). */
  schedulerPollMs: number;
  /**
   * How long an occurrence job's lock survives without its worker touching it: the time before
   * another worker takes over the job of a worker that died. Unset: the scheduler's default.
   */
  schedulerLockMs?: number;
  /** Plaid (or the local sandbox), access-token encryption keys, the daily bank sync. */
  banking: BankingConfig;
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return parsed;
}

/**
 * The signing secret comes from SLUICE_JWT_SECRET; without it a random one is created once and
 * kept (mode 0600) in the data directory, so a newcomer's sessions survive restarts.
 */
function jwtSecret(env: NodeJS.ProcessEnv, dataDir: string): Uint8Array {
  if (env.SLUICE_JWT_SECRET) {
    const secret = Buffer.from(env.SLUICE_JWT_SECRET, 'utf8');
    if (secret.length < 32) throw new Error('SLUICE_JWT_SECRET must be at least 32 bytes');
    return secret;
  }
  const file = path.join(dataDir, 'jwt-secret');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48);
  writeFileSync(file, secret.toString('base64'), { mode: 0o600 });
  return secret;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const dataDir = path.resolve(env.SLUICE_DATA_DIR ?? 'data');
  return {
    port: positiveInt(env.PORT, 3000, 'PORT'),
    databaseUrl: env.DATABASE_URL || undefined,
    databaseReadUrl: env.DATABASE_READ_URL || undefined,
    dataDir,
    jwtSecret: jwtSecret(env, dataDir),
    accessTokenTtlSeconds: positiveInt(env.SLUICE_ACCESS_TTL_SECONDS, 900, 'SLUICE_ACCESS_TTL_SECONDS'),
    refreshTokenTtlDays: positiveInt(env.SLUICE_REFRESH_TTL_DAYS, 30, 'SLUICE_REFRESH_TTL_DAYS'),
    authRateLimit: { windowMs: 60_000, limit: positiveInt(env.SLUICE_AUTH_RATE_LIMIT, 20, 'SLUICE_AUTH_RATE_LIMIT') },
    bodyLimitBytes: 256 * 1024,
    logLevel: env.LOG_LEVEL ?? 'info',
    seedDemo: env.SLUICE_DEMO !== 'false',
    runScheduler: env.SLUICE_SCHEDULER !== 'false',
    schedulerName: env.SLUICE_WORKER_NAME ?? `sluice-${process.pid}`,
    schedulerPollMs: positiveInt(env.SLUICE_SCHEDULER_POLL_MS, 1_000, 'SLUICE_SCHEDULER_POLL_MS'),
    // Unset: the scheduler's own default (defaultSchedulerOptions), kept in one place.
    ...(env.SLUICE_SCHEDULER_LOCK_MS ? { schedulerLockMs: positiveInt(env.SLUICE_SCHEDULER_LOCK_MS, 0, 'SLUICE_SCHEDULER_LOCK_MS') } : {}),
    banking: loadBankingConfig(env, dataDir, positiveInt(env.PORT, 3000, 'PORT')),
  };
}
