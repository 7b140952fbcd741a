import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import pg from 'pg';
import { pino } from 'pino';
import request from 'supertest';
import type { DependencyContainer } from 'tsyringe';
import { createApp } from '../../api/app.js';
import type { AppConfig } from '../../engine/config.js';
import { buildContainer, disposeContainer } from '../../engine/container.js';
import { openDatabase, type Database } from '../../engine/db/database.js';

/** Integration tests use the real PostgreSQL; TEST_DATABASE_URL overrides. Unreachable = failure. */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestApp {
  app: Express;
  database: Database;
  container: DependencyContainer;
  schema: string;
  /** A raw pg client on the same schema, for SQL that bypasses the application. */
  rawClient(): Promise<pg.Client>;
  close(): Promise<void>;
}

export function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    port: 0,
    databaseUrl: testDatabaseUrl,
    dataDir: '/tmp/sluice-test-unused',
    jwtSecret: randomBytes(32),
    accessTokenTtlSeconds: 900,
    refreshTokenTtlDays: 30,
    authRateLimit: { windowMs: 60_000, limit: 10_000 },
    bodyLimitBytes: 256 * 1024,
    logLevel: 'silent',
    seedDemo: false,
    runScheduler: false,
    schedulerName: 'test',
    schedulerPollMs: 200,
    banking: {
      plaid: { clientId: undefined, secret: undefined, environment: 'sandbox', basePath: undefined, localSandbox: false, webhookUrl: undefined, redirectUri: undefined, timeoutMs: 10_000 },
      encryptionKeys: [{ id: 'test', key: randomBytes(32) }],
      dailySyncCron: '0 6 * * *',
    },
    ...overrides,
  };
}

/** Each test file gets its own schema, migrated from scratch, dropped at the end. */
export async function startTestApp(overrides: Partial<AppConfig> = {}): Promise<TestApp> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const database = await openDatabase({ databaseUrl: testDatabaseUrl, schema, poolMax: 8 });
  return assembleTestApp(database, overrides, async () => {
    await database.knex.raw(`drop schema if exists ${schema} cascade`);
  });
}

/**
 * The embedded default (no DATABASE_URL): its own PostgreSQL server and cluster in a temporary
 * directory, exactly what `npm start` runs; the directory is removed at the end.
 */
export async function startEmbeddedTestApp(overrides: Partial<AppConfig> = {}): Promise<TestApp> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'sluice-embedded-'));
  const database = await openDatabase({ dataDir });
  return assembleTestApp(database, { databaseUrl: undefined, dataDir, ...overrides }, async () => {
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }, { closesDatabase: true });
}

async function assembleTestApp(database: Database, overrides: Partial<AppConfig>, cleanup: () => Promise<void>, options: { closesDatabase?: boolean } = {}): Promise<TestApp> {
  const config = testConfig(overrides);
  const container = buildContainer(config, database, pino({ level: 'silent' }));
  const app = createApp(container);
  const clients: pg.Client[] = [];
  const schema = database.schema ?? 'public';
  return {
    app,
    database,
    container,
    schema,
    async rawClient() {
      const client = new pg.Client({ connectionString: database.connectionString });
      await client.connect();
      await client.query(`set search_path to ${schema}, public`);
      clients.push(client);
      return client;
    },
    async close() {
      await disposeContainer(container);
      await Promise.all(clients.map((client) => client.end()));
      await cleanup();
      if (!options.closesDatabase) await database.close();
    },
  };
}

/** The app on a real port (concurrent clients over keep-alive HTTP, as browsers and scripts are). */
export async function listen(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export interface SignedIn {
  token: string;
  refreshToken: string;
  userId: string;
  householdId: string;
  auth: { Authorization: string };
}

let userCounter = 0;

export async function registerUser(app: Express, email = `user${++userCounter}-${randomBytes(3).toString('hex')}@example.com`): Promise<SignedIn> {
  const response = await request(app).post('/api/v1/auth/register').send({ email, password: 'correct horse battery staple' });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${response.text}`);
  return {
    token: response.body.accessToken,
    refreshToken: response.body.refreshToken,
    userId: response.body.user.id,
    householdId: response.body.household.id,
    auth: { Authorization: `Bearer ${response.body.accessToken}` },
  };
}

export interface AccountSummary {
  id: string;
  code: string;
  name: string;
  role: string | null;
  type: string;
  subtype: string;
  balance: string;
}

export interface Household extends SignedIn {
  personal: { id: string; accounts: AccountSummary[] };
  llc: { id: string; accounts: AccountSummary[] };
  /** Account of an entity by code ("1000") or role ("owners_draws"). */
  account(entity: 'personal' | 'llc', codeOrRole: string): AccountSummary;
  balances(entity: 'personal' | 'llc'): Promise<Map<string, string>>;
}

/** A signed-in user with one personal entity and one LLC, charts seeded. */
export async function createHousehold(app: Express): Promise<Household> {
  const user = await registerUser(app);
  const createEntity = async (kind: string, name: string) => {
    const response = await request(app).post('/api/v1/entities').set(user.auth).send({ kind, name });
    if (response.status !== 201) throw new Error(`entity failed: ${response.status} ${response.text}`);
    return response.body.id as string;
  };
  const personalId = await createEntity('personal', 'Alex Rivera');
  const llcId = await createEntity('llc', 'Rivera Design LLC');
  const accountsOf = async (entityId: string) => (await request(app).get(`/api/v1/entities/${entityId}/accounts`).set(user.auth)).body.data as AccountSummary[];
  const household: Household = {
    ...user,
    personal: { id: personalId, accounts: await accountsOf(personalId) },
    llc: { id: llcId, accounts: await accountsOf(llcId) },
    account(entity, codeOrRole) {
      const found = household[entity].accounts.find((account) => account.code === codeOrRole || account.role === codeOrRole);
      if (!found) throw new Error(`no account ${codeOrRole} in ${entity}`);
      return found;
    },
    async balances(entity) {
      const accounts = await accountsOf(household[entity].id);
      return new Map(accounts.map((account) => [account.code, account.balance]));
    },
  };
  return household;
}
