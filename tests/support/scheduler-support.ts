/**
 * Helpers for the scheduler and event-flow tests: graph builders, funding, flows over HTTP,
 * occurrence jobs, a "restarted process" (fresh database handle + container on the same schema),
 * worker child processes, and polling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { pino } from 'pino';
import request from 'supertest';
import type { DependencyContainer } from 'tsyringe';
import type { Job } from 'agenda';
import type { AppConfig } from '../../engine/config.js';
import { buildContainer, disposeContainer, Tokens } from '../../engine/container.js';
import { openDatabase, type Database } from '../../engine/db/database.js';
import { FlowScheduler, jobNames } from '../../engine/scheduler/flow-scheduler.js';
import { testConfig, testDatabaseUrl, type Household, type TestApp } from './test-app.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// ---------------------------------------------------------------------------------------------
// Graphs
// ---------------------------------------------------------------------------------------------

export interface GraphNode {
  id: string;
  type: string;
  data: Record<string, unknown>;
  position: { x: number; y: number };
}
export interface GraphEdge {
  id: string;
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
}
export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

let column = 0;
export const node = (id: string, type: string, data: Record<string, unknown> = {}): GraphNode => ({ id, type, data, position: { x: (column += 220) % 2200, y: 80 } });
export const wire = (id: string, source: string, target: string, sourceHandle = 'out', targetHandle = 'in'): GraphEdge => ({ id, source, sourceHandle, target, targetHandle });
export const signal = (id: string, source: string, target: string): GraphEdge => wire(id, source, target, 'start', 'start');

/** trigger → fixed amount sitting in `from` → transfer to `to` (the "small flow"). */
export function fixedTransferGraph(trigger: GraphNode, amount: string, from: string, to: string, memo = 'Scheduled transfer'): Graph {
  return {
    nodes: [trigger, node('amount', 'source.fixed', { amount, accountId: from }), node('move', 'transfer', { toAccountId: to, memo })],
    edges: [signal('e1', trigger.id, 'amount'), wire('e2', 'amount', 'move')],
  };
}

export const scheduleTrigger = (cron: string, timezone = 'America/New_York', missed?: 'catch_up' | 'skip') =>
  node('when', 'trigger.schedule', { cron, timezone, ...(missed ? { missed } : {}) });

export const eventTrigger = (data: Record<string, unknown>) => node('when', 'trigger.event', data);

// ---------------------------------------------------------------------------------------------
// Ledger and flows over HTTP
// ---------------------------------------------------------------------------------------------

type Side = 'personal' | 'llc';

/** A manual journal moving `amount` into `accountId` from `counterId` (default: opening balance equity). */
export async function postJournal(t: TestApp, h: Household, side: Side, accountId: string, amount: string, options: { counterId?: string; payee?: string; memo?: string; date?: string } = {}) {
  const counter = options.counterId ?? h.account(side, 'opening_balance').id;
  const negated = amount.startsWith('-') ? amount.slice(1) : `-${amount}`;
  const response = await request(t.app)
    .post(`/api/v1/entities/${h[side].id}/journals`)
    .set(h.auth)
    .send({ date: options.date ?? '2026-01-02', memo: options.memo ?? 'Test journal', ...(options.payee ? { payee: options.payee } : {}), postings: [{ accountId, amount }, { accountId: counter, amount: negated }] });
  if (response.status !== 201) throw new Error(`journal failed: ${response.status} ${response.text}`);
  return response.body as { id: string };
}

export async function fund(t: TestApp, h: Household, side: Side, amount: string, code = '1000') {
  return postJournal(t, h, side, h.account(side, code).id, amount, { memo: 'Opening balance', date: '2026-01-01' });
}

export async function createFlow(t: TestApp, h: Household, name: string, graph: Graph): Promise<string> {
  const response = await request(t.app).post('/api/v1/flows').set(h.auth).send({ name, graph });
  if (response.status !== 201) throw new Error(`create flow failed: ${response.status} ${response.text}`);
  if (response.body.problems.length > 0) throw new Error(`flow ${name} has problems: ${JSON.stringify(response.body.problems)}`);
  return response.body.id as string;
}

export async function enableFlow(t: TestApp, h: Household, flowId: string) {
  const response = await request(t.app).post(`/api/v1/flows/${flowId}/enable`).set(h.auth).send();
  if (response.status !== 200) throw new Error(`enable failed: ${response.status} ${response.text}`);
  return response.body as { enabled: true; nextOccurrence: string | null };
}

export async function createEnabledFlow(t: TestApp, h: Household, name: string, graph: Graph): Promise<string> {
  const id = await createFlow(t, h, name, graph);
  await enableFlow(t, h, id);
  return id;
}

export async function balance(knex: Knex, accountId: string): Promise<bigint> {
  return (await knex('accounts').where({ id: accountId }).first('balance_minor')).balance_minor as bigint;
}

export interface RunRow {
  id: string;
  flow_id: string;
  status: string;
  idempotency_key: string;
  trigger: { type?: string; occurredAt?: string; depth?: number; transaction?: { accountId: string; amount: string; journalId?: string } };
  plan: { date: string; moved: string } | null;
  error: { message: string; permanent?: boolean } | null;
  attempts: number;
}

export async function runsOf(knex: Knex, flowId: string): Promise<RunRow[]> {
  return knex('flow_runs').where({ flow_id: flowId }).orderBy('started_at');
}

export async function journalCountOfFlow(knex: Knex, flowId: string): Promise<number> {
  const [row] = await knex('journals as j').join('flow_runs as r', 'r.id', 'j.flow_run_id').where('r.flow_id', flowId).count<{ n: bigint }[]>({ n: '*' });
  return Number(row!.n);
}

// ---------------------------------------------------------------------------------------------
// Occurrence jobs
// ---------------------------------------------------------------------------------------------

export interface OccurrenceData {
  flowId: string;
  occurrence: string;
}

export function agendaOf(container: DependencyContainer) {
  return container.resolve(Tokens.Agenda).agenda;
}

/** An unsaved occurrence job, for calling FlowScheduler.handleOccurrence directly. */
export function occurrenceJob(container: DependencyContainer, flowId: string, occurrence: Date | string): Job<OccurrenceData> {
  const iso = typeof occurrence === 'string' ? occurrence : occurrence.toISOString();
  return agendaOf(container).create<OccurrenceData>(jobNames.occurrence, { flowId, occurrence: iso });
}

/** Saves an occurrence job due at `runAt` (default: its occurrence) as the scheduler would. */
export async function saveOccurrenceJob(container: DependencyContainer, flowId: string, occurrence: Date, runAt: Date = occurrence): Promise<string> {
  const job = occurrenceJob(container, flowId, occurrence);
  job.schedule(runAt);
  await job.save();
  return String(job.attrs._id);
}

export interface AgendaJobRow {
  id: string;
  name: string;
  data: OccurrenceData;
  next_run_at: Date | null;
  locked_at: Date | null;
  last_run_at: Date | null;
  last_finished_at: Date | null;
  fail_count: number | null;
  fail_reason: string | null;
  last_modified_by: string | null;
}

export async function occurrenceJobsOf(knex: Knex, flowId: string): Promise<AgendaJobRow[]> {
  return knex('agenda_jobs').where({ name: jobNames.occurrence }).whereRaw(`data->>'flowId' = ?`, [flowId]).orderBy('next_run_at');
}

/** Pending = not yet run (next_run_at set, never finished). */
export async function pendingOccurrenceJobs(knex: Knex, flowId: string): Promise<AgendaJobRow[]> {
  return (await occurrenceJobsOf(knex, flowId)).filter((job) => job.next_run_at !== null && job.last_finished_at === null);
}

// ---------------------------------------------------------------------------------------------
// A restarted process: its own database handle and container on the same schema
// ---------------------------------------------------------------------------------------------

export interface Process {
  /** Its Agenda name (agenda_jobs.last_modified_by). */
  name: string;
  database: Database;
  container: DependencyContainer;
  scheduler: FlowScheduler;
  stop(): Promise<void>;
}

export async function freshProcess(schema: string, overrides: Partial<AppConfig> = {}): Promise<Process> {
  const database = await openDatabase({ databaseUrl: testDatabaseUrl, schema, poolMax: 4 });
  const config = testConfig({ schedulerName: `process-${randomBytes(3).toString('hex')}`, schedulerPollMs: 100, ...overrides });
  const container = buildContainer(config, database, pino({ level: 'silent' }));
  const scheduler = container.resolve(FlowScheduler);
  let stopped = false;
  return {
    name: config.schedulerName,
    database,
    container,
    scheduler,
    async stop() {
      if (stopped) return;
      stopped = true;
      await disposeContainer(container);
      await database.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Worker child processes (`npm run worker`)
// ---------------------------------------------------------------------------------------------

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves once the worker logged "worker started". */
  ready: Promise<void>;
  stop(): Promise<number | null>;
  /** SIGKILL: the process dies at once, mid-statement, with its locks and transactions as they are. */
  kill(): Promise<void>;
}

/**
 * Starts engine/scheduler/worker.ts as a real process (node --import tsx: what `npx tsx` runs,
 * without the extra wrapper process, so the pid we signal is the worker itself).
 */
export function startWorker(name: string, schema: string, env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'engine/scheduler/worker.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: testDatabaseUrl,
      SLUICE_DB_SCHEMA: schema,
      SLUICE_WORKER_NAME: name,
      SLUICE_SCHEDULER_POLL_MS: '100',
      SLUICE_DEMO: 'false',
      // info, not warn: the "worker started" line tells the test the worker is polling.
      LOG_LEVEL: 'info',
      SLUICE_JWT_SECRET: 'scheduler-worker-test-secret-0123456789abcdef',
      SLUICE_DATA_DIR: path.join('/tmp', `sluice-worker-${name}`),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let resolveReady: () => void;
  let rejectReady: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    if (text.includes('worker started')) resolveReady();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then((code) => rejectReady(new Error(`worker ${name} exited (${code}) before it started:\n${text}`)));
  // A worker the test kills on purpose before it is ready rejects `ready` with nobody waiting on
  // it; that is not an error of the run (whoever awaits `ready` still sees the rejection).
  ready.catch(() => undefined);
  return {
    name,
    child,
    output: () => text,
    ready,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Polling
// ---------------------------------------------------------------------------------------------

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns a truthy value; throws (with the last value) at the deadline. */
export async function waitFor<T>(check: () => Promise<T>, options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let last: T;
  for (;;) {
    last = await check();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'a condition'} (last: ${JSON.stringify(last, (_key, value) => (typeof value === 'bigint' ? value.toString() : value))})`);
    await sleep(options.intervalMs ?? 100);
  }
}

/** Runs the ledger-event dispatcher until the outbox is empty; returns the events handled. */
export async function drainEvents(scheduler: FlowScheduler, maxPasses = 20): Promise<number> {
  let total = 0;
  for (let pass = 0; pass < maxPasses; pass += 1) {
    const handled = await scheduler.dispatchLedgerEvents();
    total += handled;
    if (handled === 0) return total;
  }
  throw new Error(`the outbox was not empty after ${maxPasses} dispatcher passes`);
}

/** YYYY-MM-DD of an instant in a time zone. */
export function localDate(instant: Date | string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));
}

/**
 * Makes inserts into `table` fail (a database error: a transient failure for the runner) while
 * `condition` (plpgsql over `new`) holds. Returns the function that removes it again.
 */
export async function injectFailure(t: TestApp, table: string, condition: string): Promise<() => Promise<void>> {
  const client = await t.rawClient();
  const name = `inject_failure_${randomBytes(3).toString('hex')}`;
  await client.query(`create or replace function ${name}() returns trigger language plpgsql as $fn$ begin if ${condition} then raise exception 'injected failure on ${table}'; end if; return new; end $fn$`);
  await client.query(`create trigger ${name} before insert on ${table} for each row execute function ${name}()`);
  return async () => {
    await client.query(`drop trigger if exists ${name} on ${table}`);
    await client.query(`drop function if exists ${name}()`);
  };
}

/**
 * Makes `event`s (insert or update) on `table` sleep `seconds` inside the statement while
 * `condition` (plpgsql over `old`/`new`) holds: a window in which the worker that sent the
 * statement is caught at that exact moment (a test then sees it waiting, in pg_stat_activity,
 * under the worker's application_name). Returns the function that removes it again.
 */
export async function injectDelay(t: TestApp, table: string, event: 'insert' | 'update', condition: string, seconds: number): Promise<() => Promise<void>> {
  const client = await t.rawClient();
  const name = `inject_delay_${randomBytes(3).toString('hex')}`;
  await client.query(`create or replace function ${name}() returns trigger language plpgsql as $fn$ begin if ${condition} then perform pg_sleep(${seconds}); end if; return new; end $fn$`);
  await client.query(`create trigger ${name} before ${event} on ${table} for each row execute function ${name}()`);
  return async () => {
    await client.query(`drop trigger if exists ${name} on ${table}`);
    await client.query(`drop function if exists ${name}()`);
  };
}

/** The test database URL with an application_name, so a process's backends can be told apart in pg_stat_activity. */
export function databaseUrlNamed(applicationName: string): string {
  const url = new URL(testDatabaseUrl);
  url.searchParams.set('application_name', applicationName);
  return url.toString();
}

/** Every minute boundary after `after` up to and including `until` (an every-minute cron's occurrences). */
export function minutesBetween(after: Date, until: Date): string[] {
  const minutes: string[] = [];
  for (let minute = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000; minute <= until.getTime(); minute += 60_000) minutes.push(new Date(minute).toISOString());
  return minutes;
}

/**
 * Makes a flow owe its occurrences from `from` on, as if it had been enabled then and nothing
 * had run since: its schedule start moves back and its chain of jobs restarts at the first
 * occurrence after `from` (`first`).
 */
export async function backdateSchedule(t: TestApp, flowId: string, from: Date, first: Date): Promise<void> {
  const knex = t.database.knex;
  await knex('flows').where({ id: flowId }).update({ schedule_from: from, enabled_at: from });
  await knex('agenda_jobs').where({ name: jobNames.occurrence }).whereRaw(`data->>'flowId' = ?`, [flowId]).delete();
  await saveOccurrenceJob(t.container, flowId, first);
}

/** The live occurrence jobs of a flow: pending (next_run_at set) or held by a worker (locked). */
export async function liveOccurrenceJobs(knex: Knex, flowId: string): Promise<AgendaJobRow[]> {
  return (await occurrenceJobsOf(knex, flowId)).filter((job) => job.next_run_at !== null || job.locked_at !== null);
}
