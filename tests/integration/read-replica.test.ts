import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Express } from 'express';
import type { Knex } from 'knex';
import pg from 'pg';
import { pino } from 'pino';
import request from 'supertest';
import type { DependencyContainer } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { buildContainer, disposeContainer } from '../../engine/container.js';
import { openDatabase, type Database } from '../../engine/db/database.js';
import { closeReadReplica, reportReader } from '../../engine/db/read-replica.js';
import { createHousehold, registerUser, testConfig, type Household, type SignedIn } from '../support/test-app.js';

/**
 * Reports on a real streaming replica. The machine's PostgreSQL (127.0.0.1:5432) accepts no
 * replication connections (its pg_hba.conf has no `replication` line, and CI must not depend on
 * editing it), so this file starts its own primary with initdb — whose pg_hba allows them — and a
 * hot standby of it made by `pg_basebackup -R -X stream`, both on free ports in a temporary
 * directory, removed at the end.
 */

const run = promisify(execFile);
const pgBin = process.env.SLUICE_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

/** PostgreSQL's programs refuse to run as root: as root (this machine's CI), they run as postgres. */
async function pgTool(program: string, args: string[]): Promise<void> {
  const file = path.join(pgBin, program);
  const [command, commandArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  await run(command, commandArgs, { timeout: 60_000 });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Cluster {
  dataDir: string;
  url: string;
}

interface ReplicatedPair {
  primary: Cluster;
  replica: Cluster;
  stop(): Promise<void>;
}

/**
 * Both servers get the same settings on the command line (a standby needs at least the primary's
 * max_connections); fsync is off because the clusters are thrown away.
 */
function serverOptions(port: number, socketDir: string): string {
  return `-c port=${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${socketDir} -c fsync=off -c shared_buffers=16MB -c max_connections=40`;
}

async function startServer(root: string, name: string, port: number): Promise<Cluster> {
  const dataDir = path.join(root, name);
  await pgTool('pg_ctl', ['-D', dataDir, '-l', path.join(root, `${name}.log`), '-o', serverOptions(port, root), '-w', 'start']);
  return { dataDir, url: `postgres://postgres@127.0.0.1:${port}/postgres` };
}

async function startReplicatedPair(): Promise<ReplicatedPair> {
  const root = await mkdtemp(path.join(tmpdir(), 'sluice-replica-'));
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    await chown(root, uid, gid);
  }
  const started: Cluster[] = [];
  const stop = async () => {
    // The standby first, so it does not spend its last moments retrying a vanished primary.
    for (const cluster of started.reverse()) await pgTool('pg_ctl', ['-D', cluster.dataDir, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  };
  try {
    const [primaryPort, replicaPort] = [await freePort(), await freePort()];
    await pgTool('initdb', ['-D', path.join(root, 'primary'), '-U', 'postgres', '-A', 'trust', '-N']);
    started.push(await startServer(root, 'primary', primaryPort));
    await pgTool('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', path.join(root, 'replica'), '-R', '-X', 'stream', '-c', 'fast', '-N']);
    started.push(await startServer(root, 'replica', replicaPort));
    const [primary, replica] = started as [Cluster, Cluster];
    await waitFor(async () => (await scalar<boolean>(replica.url, 'select pg_is_in_recovery() as value')) === true, 'the replica to enter recovery');
    return { primary, replica, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function scalar<T>(url: string, sql: string, values: unknown[] = []): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ value: T }>(sql, values)).rows[0]!.value;
  } finally {
    await client.end();
  }
}

async function waitFor(done: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The primary's current WAL position, replayed by the replica: every write so far is readable there. */
async function waitForReplay(pair: ReplicatedPair): Promise<void> {
  const lsn = await scalar<string>(pair.primary.url, 'select pg_current_wal_lsn()::text as value');
  await waitFor(async () => scalar<boolean>(pair.replica.url, 'select pg_wal_lsn_diff(pg_last_wal_replay_lsn(), $1::pg_lsn) >= 0 as value', [lsn]), `the replica to replay ${lsn}`);
}

/** SQL each pool ran, from knex's query events. */
function recordQueries(knex: Knex): string[] {
  const seen: string[] = [];
  knex.on('query', (query: { sql: string }) => seen.push(query.sql));
  return seen;
}

/** Queries that read the books (the authentication lookup of each request is not one). */
const readsBooks = (sql: string) => /\b(postings|journals|accounts|entities|inter_entity_transfers|audit_log|households)\b/.test(sql);

let pair: ReplicatedPair;
let database: Database;
let container: DependencyContainer;
let app: Express;
let h: Household;
let stranger: SignedIn;
let replicaKnex: Knex;
let primaryQueries: string[];
let replicaQueries: string[];

const period = { from: '2026-01-01', to: '2026-12-31' };

async function postIncome(amount: string): Promise<void> {
  const response = await request(app)
    .post(`/api/v1/entities/${h.llc.id}/journals`)
    .set(h.auth)
    .send({ date: '2026-05-01', memo: 'Client payment', payee: 'Replica Client', postings: [{ accountId: h.account('llc', '1000').id, amount }, { accountId: h.account('llc', '4000').id, amount: `-${amount}` }] });
  expect(response.status, response.text).toBe(201);
}

/** The LLC checking account's closing balance on the trial balance, read as the route reads it. */
async function checkingOnTrialBalance(query: Record<string, string> = {}): Promise<string | undefined> {
  const response = await request(app).get(`/api/v1/entities/${h.llc.id}/reports/trial-balance`).query({ ...period, ...query }).set(h.auth);
  expect(response.status, response.text).toBe(200);
  return (response.body.lines as { code: string; closing: string }[]).find((line) => line.code === '1000')?.closing;
}

beforeAll(async () => {
  pair = await startReplicatedPair();
  const schema = `t_${randomBytes(6).toString('hex')}`;
  database = await openDatabase({ databaseUrl: pair.primary.url, schema, poolMax: 8 });
  container = buildContainer(testConfig({ databaseUrl: pair.primary.url, databaseReadUrl: pair.replica.url }), database, pino({ level: 'silent' }));
  app = createApp(container);
  // The reader the routes were mounted with: one replica pool per primary database.
  replicaKnex = reportReader(database, pair.replica.url)('replica');
  primaryQueries = recordQueries(database.knex);
  replicaQueries = recordQueries(replicaKnex);
  h = await createHousehold(app);
  stranger = await registerUser(app);
  await postIncome('1234.56');
}, 60_000);

afterAll(async () => {
  if (container) await disposeContainer(container);
  if (database) {
    await closeReadReplica(database);
    await database.close();
  }
  await pair?.stop();
});

describe('reports on a read replica (DATABASE_READ_URL)', () => {
  it('reads reports from the hot standby once it has replayed the write, which went to the primary', async () => {
    expect((await replicaKnex.raw('select pg_is_in_recovery() as standby')).rows[0].standby).toBe(true);
    expect((await database.knex.raw('select pg_is_in_recovery() as standby')).rows[0].standby).toBe(false);
    await waitForReplay(pair);
    const before = { primary: primaryQueries.length, replica: replicaQueries.length };
    expect(await checkingOnTrialBalance()).toBe('1234.56');
    expect(replicaQueries.slice(before.replica).filter(readsBooks).length).toBeGreaterThan(0);
    expect(primaryQueries.slice(before.primary).filter(readsBooks)).toEqual([]);
  });

  it('shows the lag: with replay paused a report misses the newest write, readFrom=primary sees it', async () => {
    await scalar(pair.replica.url, 'select pg_wal_replay_pause()::text as value');
    await waitFor(async () => (await scalar<string>(pair.replica.url, 'select pg_get_wal_replay_pause_state() as value')) === 'paused', 'replay to pause');
    try {
      await postIncome('100.00');
      expect(await checkingOnTrialBalance()).toBe('1234.56');
      expect(await checkingOnTrialBalance({ readFrom: 'primary' })).toBe('1334.56');
    } finally {
      await scalar(pair.replica.url, 'select pg_wal_replay_resume()::text as value');
    }
    await waitForReplay(pair);
    expect(await checkingOnTrialBalance()).toBe('1334.56');
  });

  it('answers every report and export route from the replica, each scoped to the household', async () => {
    await waitForReplay(pair);
    const llc = `/api/v1/entities/${h.llc.id}`;
    const routes: [string, Record<string, string | number>][] = [
      ['/api/v1/reports/net-worth', { asOf: '2026-12-31' }],
      ['/api/v1/reports/net-worth/history', period],
      ...['trial-balance', 'balance-sheet', 'income-statement', 'cash-flow', 'general-ledger', 'inter-entity-audit'].map((name): [string, Record<string, string>] => [`${llc}/reports/${name}`, period]),
      [`${llc}/reports/schedule-c`, { year: 2026 }],
      [`${llc}/export/hledger`, {}],
      ['/api/v1/export/hledger', {}],
      ['/api/v1/audit-log', {}],
      ['/api/v1/audit-log/verify', {}],
    ];
    for (const [route, query] of routes) {
      const before = { primary: primaryQueries.length, replica: replicaQueries.length };
      const response = await request(app).get(route).query(query).set(h.auth);
      expect(response.status, `${route}: ${response.text}`).toBe(200);
      expect(replicaQueries.slice(before.replica).filter(readsBooks).length, route).toBeGreaterThan(0);
      expect(primaryQueries.slice(before.primary).filter(readsBooks), route).toEqual([]);
    }
    const household = await request(app).get('/api/v1/export/hledger').set(h.auth);
    expect(household.text).toContain('Replica Client');
    // The replica changes where reports read, not whose books they may read.
    for (const [route, query] of routes.filter(([route]) => route.startsWith(llc))) {
      expect((await request(app).get(route).query(query).set(stranger.auth)).status, route).toBe(404);
    }
    expect((await request(app).get('/api/v1/export/hledger').set(stranger.auth)).text).not.toContain('Replica Client');
  });

  it('never writes through the read pool, even when the read URL points at a writable server', async () => {
    await expect(replicaKnex.raw('create temporary table probe (id int)')).rejects.toThrow(/read-only/);
    // Another Database object gets its own read pool: here one whose "replica" is the primary.
    const sameServer: Database = { ...database };
    try {
      const reads = reportReader(sameServer, pair.primary.url)('replica');
      expect((await reads.raw('select pg_is_in_recovery() as standby')).rows[0].standby).toBe(false);
      await expect(reads.raw('create temporary table probe (id int)')).rejects.toThrow(/read-only transaction/);
    } finally {
      await closeReadReplica(sameServer);
    }
  });
});
