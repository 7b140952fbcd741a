/**
 * Scheduler benchmark.
 *
 * 1,000 due occurrence jobs of small scheduled flows (a fixed amount from checking → one
 * transfer into savings) are inserted at once into `agenda_jobs` and processed by real worker
 * processes (`engine/scheduler/worker.ts`, what `npm run worker` starts): by one worker, then (a
 * fresh set of 1,000) by two. The same phases run with the scheduler as it was at the baseline
 * commit (BENCH_SCHED_BASELINE_REF: this tree, with the scheduler's files taken from that commit),
 * alternating with the current scheduler for BENCH_SCHED_ROUNDS rounds, so both meet the same
 * machine. Reported: committed runs per minute (median over the rounds), how the two workers
 * shared the work, the CPU each run cost (the workers and their own PostgreSQL backends) and how
 * busy the machine was, and the number of doubles (a second run for an occurrence, a second
 * journal for a run, a run too many) — which must be 0. For comparison, the same 1,000 jobs with
 * an empty handler are processed by one and two processes running bare Agenda with the current
 * scheduler's settings: Agenda's own ceiling on this machine.
 *
 * Rewrites only its own section of bench/RESULTS.md (between the `scheduler` markers).
 * `npx tsx bench/scheduler.bench.ts`; see bench/README.md for the environment variables.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { pino } from 'pino';
import type { Actor } from '../engine/auth/actor.js';
import { createUserWithHousehold } from '../engine/auth/auth-service.js';
import { loadConfig } from '../engine/config.js';
import { buildContainer, disposeContainer } from '../engine/container.js';
import { openDatabase, type Database } from '../engine/db/database.js';
import type { FlowGraph } from '../engine/flows/graph.js';
import { FlowService } from '../engine/flows/flow-service.js';
import { FlowRunner } from '../engine/flows/runner.js';
import { EntityService } from '../engine/ledger/entities.js';
import { insertJournals } from '../engine/ledger/journal-store.js';
import { agendaTable, createAgenda, lockNextWhenDone } from '../engine/scheduler/agenda-factory.js';
import { defaultSchedulerOptions, FlowScheduler, jobNames, lockedAheadPerWorker } from '../engine/scheduler/flow-scheduler.js';
import { dropSchema, machineRows, positiveInt, resultsFile, writeSection } from './bench-support.js';

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

const settings = {
  databaseUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  /** Due occurrences per measured phase. */
  runs: positiveInt('BENCH_SCHED_RUNS', 1_000),
  /** Households the flows are spread over (runs of one household lock the same accounts). */
  households: positiveInt('BENCH_SCHED_HOUSEHOLDS', 10),
  flowsPerHousehold: positiveInt('BENCH_SCHED_FLOWS', 10),
  /** SLUICE_SCHEDULER_POLL_MS of every worker (Agenda's processEvery). */
  pollMs: positiveInt('BENCH_SCHED_POLL_MS', 100),
  /** Baseline and current phases alternate this many times; the tables show the median. */
  rounds: positiveInt('BENCH_SCHED_ROUNDS', 3),
  /** The commit whose scheduler the "before" phases run (the one measured in issue 13). */
  baselineRef: process.env.BENCH_SCHED_BASELINE_REF ?? '0074699',
  phaseTimeoutMs: positiveInt('BENCH_SCHED_TIMEOUT_MS', 300_000),
  /** Print the section, do not write RESULTS.md (quick tries). */
  dryRun: process.env.BENCH_SCHED_DRY_RUN === '1',
  cron: '0 9 * * *',
  timezone: 'America/New_York',
  amount: '1.00',
} as const;

/**
 * The scheduler's own files: the baseline tree takes these from the baseline commit and all the
 * rest (worker entry point, container, ledger, flows, migrations) from this tree, so the
 * comparison is the scheduler's alone.
 */
const schedulerFiles = ['engine/scheduler/agenda-factory.ts', 'engine/scheduler/flow-scheduler.ts'];

/** How often the bench looks whether a phase is done (its own queries cost the machine too). */
const phasePollMs = 100;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rawJobName = 'bench-empty';

function log(message: string): void {
  process.stderr.write(`[bench:scheduler] ${message}\n`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const count = async (query: Knex.QueryBuilder): Promise<number> => Number((await query.count<{ n: bigint }[]>({ n: '*' }))[0]!.n);

// ---------------------------------------------------------------------------------------------
// Worker processes
// ---------------------------------------------------------------------------------------------

type Variant = 'raw' | 'baseline' | 'current';

interface Worker {
  name: string;
  child: ChildProcess;
  ready: Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/** Preloaded into every worker: counts its SQL statements (bench/count-statements.cjs). */
const statementCounter = path.join(path.dirname(fileURLToPath(import.meta.url)), 'count-statements.cjs');
const statementsFile = (workerName: string) => path.join(os.tmpdir(), `sluice-bench-statements-${process.pid}-${workerName}`);

/** SQL statements a stopped worker sent over its life (start-up and idle polls included: a few dozen). */
function statementsOf(workerName: string): number {
  try {
    return Number(readFileSync(statementsFile(workerName), 'utf8'));
  } catch {
    return 0;
  } finally {
    rmSync(statementsFile(workerName), { force: true });
  }
}

/** The worker's connections carry its name, so its PostgreSQL backends can be found (and their CPU read). */
function urlNamed(url: string, applicationName: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', applicationName);
  return parsed.toString();
}

/**
 * `current`: engine/scheduler/worker.ts. `baseline`: the same file in the baseline tree.
 * `raw`: this file in --raw-worker mode (bare Agenda, empty job).
 */
function startWorker(variant: Variant, name: string, schema: string, baselineDir: string | undefined): Worker {
  const script = variant === 'raw' ? path.relative(repoRoot, fileURLToPath(import.meta.url)) : 'engine/scheduler/worker.ts';
  const child = spawn(process.execPath, ['--require', statementCounter, '--import', 'tsx', script, ...(variant === 'raw' ? ['--raw-worker'] : [])], {
    cwd: variant === 'baseline' ? baselineDir! : repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: urlNamed(settings.databaseUrl, name),
      SLUICE_DB_SCHEMA: schema,
      SLUICE_WORKER_NAME: name,
      SLUICE_SCHEDULER_POLL_MS: String(settings.pollMs),
      SLUICE_DEMO: 'false',
      LOG_LEVEL: 'info',
      SLUICE_JWT_SECRET: randomBytes(32).toString('hex'),
      SLUICE_DATA_DIR: path.join(os.tmpdir(), 'sluice-bench-unused'),
      BENCH_STATEMENTS_FILE: statementsFile(name),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let resolveReady!: () => void;
  let rejectReady!: (error: Error) => void;
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
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => rejectReady(new Error(`worker ${name} exited before it started:\n${text}`)));
  return {
    name,
    child,
    ready,
    output: () => text,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * --raw-worker: bare Agenda on the same table, pool and occurrence-job settings as the current
 * scheduler (concurrency, lock limit, lock lifetime, locking the next job when one completes),
 * with an empty job.
 */
async function rawWorker(): Promise<void> {
  const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL!, schema: process.env.SLUICE_DB_SCHEMA!, migrate: false, poolMax: 2 });
  const handle = createAgenda(database, { name: process.env.SLUICE_WORKER_NAME!, processEveryMs: Number(process.env.SLUICE_SCHEDULER_POLL_MS) });
  const concurrency = defaultSchedulerOptions.occurrenceConcurrency;
  handle.agenda.define(rawJobName, async () => undefined, { concurrency, lockLimit: concurrency + lockedAheadPerWorker, lockLifetime: defaultSchedulerOptions.lockLifetimeMs });
  lockNextWhenDone(handle.agenda, rawJobName);
  await handle.agenda.start();
  process.stdout.write('raw worker started\n');
  const shutdown = async () => {
    await handle.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

/**
 * This tree with the scheduler's files as of the baseline commit, in a temporary directory
 * (node_modules, package.json and tsconfig.json linked). Undefined when git cannot show that
 * commit (a shallow clone): the "before" phases are then left out.
 */
function prepareBaseline(ref: string): { dir: string; commit: string } | undefined {
  let commit: string;
  const sources = new Map<string, Buffer>();
  try {
    commit = execFileSync('git', ['rev-parse', '--short', `${ref}^{commit}`], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    for (const file of schedulerFiles) sources.set(file, execFileSync('git', ['show', `${commit}:${file}`], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return undefined;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-baseline-'));
  for (const folder of ['engine', 'migrations']) cpSync(path.join(repoRoot, folder), path.join(dir, folder), { recursive: true });
  for (const [file, source] of sources) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), source);
  }
  for (const link of ['node_modules', 'package.json', 'tsconfig.json']) symlinkSync(path.join(repoRoot, link), path.join(dir, link));
  return { dir, commit };
}

// ---------------------------------------------------------------------------------------------
// CPU: the workers' processes and their PostgreSQL backends (same machine), and the whole machine
// ---------------------------------------------------------------------------------------------

/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
const ticksPerSecond = 100;

/** utime + stime of a process in ms; 0 when /proc does not have it (gone, or not Linux). */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return 0;
  }
}

function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const ticks = values.slice(0, 8).map(Number);
    const total = ticks.reduce((sum, value) => sum + value, 0);
    return { busy: total - ticks[3]! - ticks[4]!, total };
  } catch {
    return undefined;
  }
}

interface CpuSnapshot {
  at: number;
  workers: Map<number, number>;
  /** This process and its own backends (it watches the phase): not the scheduler's cost, but not foreign load either. */
  bench: Map<number, number>;
  backends: Map<number, number>;
  machine: ReturnType<typeof machineTicks>;
}

async function cpuSnapshot(knex: Knex, workers: Worker[]): Promise<CpuSnapshot> {
  const pids: number[] = await knex('pg_stat_activity').whereIn('application_name', workers.map((worker) => worker.name)).pluck('pid');
  const benchPids: number[] = await knex('pg_stat_activity').where({ application_name: benchName }).pluck('pid');
  return {
    at: performance.now(),
    workers: new Map(workers.map((worker) => [worker.child.pid!, processCpuMs(worker.child.pid!)])),
    bench: new Map([process.pid, ...benchPids].map((pid) => [pid, processCpuMs(pid)])),
    backends: new Map(pids.map((pid) => [pid, processCpuMs(pid)])),
    machine: machineTicks(),
  };
}

interface CpuUse {
  workerMs: number;
  postgresMs: number;
  /** Share of all cores busy during the phase (anything running on the machine), 0..1. */
  machineBusy: number | undefined;
  /** Share of all cores the phase's workers, their backends and this process used, 0..1: the rest of machineBusy was the kernel or someone else. */
  ownShare: number;
}

function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuUse {
  const delta = (start: Map<number, number>, end: Map<number, number>) => [...end].reduce((sum, [pid, ms]) => sum + ms - (start.get(pid) ?? 0), 0);
  const machineBusy = before.machine && after.machine ? (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total) : undefined;
  const workerMs = delta(before.workers, after.workers);
  const postgresMs = delta(before.backends, after.backends);
  const ownShare = (workerMs + postgresMs + delta(before.bench, after.bench)) / ((after.at - before.at) * os.cpus().length);
  return { workerMs, postgresMs, machineBusy, ownShare };
}

// ---------------------------------------------------------------------------------------------
// Setup: households, flows, enabled (each with its pending next occurrence)
// ---------------------------------------------------------------------------------------------

interface BenchFlow {
  id: string;
  householdId: string;
  actor: Actor;
}

function smallFlow(checking: string, savings: string): FlowGraph {
  return {
    nodes: [
      { id: 'when', type: 'trigger.schedule', position: { x: 0, y: 0 }, data: { cron: settings.cron, timezone: settings.timezone } },
      { id: 'amount', type: 'source.fixed', position: { x: 200, y: 0 }, data: { amount: settings.amount, accountId: checking } },
      { id: 'move', type: 'transfer', position: { x: 400, y: 0 }, data: { toAccountId: savings, memo: 'Bench scheduled transfer' } },
    ],
    edges: [
      { id: 'e1', source: 'when', sourceHandle: 'start', target: 'amount', targetHandle: 'start' },
      { id: 'e2', source: 'amount', sourceHandle: 'out', target: 'move', targetHandle: 'in' },
    ],
  };
}

async function setUp(database: Database): Promise<{ flows: BenchFlow[]; householdIds: string[]; runner: FlowRunner; close(): Promise<void> }> {
  const config = loadConfig({
    DATABASE_URL: settings.databaseUrl,
    SLUICE_JWT_SECRET: randomBytes(32).toString('hex'),
    SLUICE_DATA_DIR: path.join(os.tmpdir(), 'sluice-bench-unused'),
    LOG_LEVEL: 'silent',
    SLUICE_DEMO: 'false',
    SLUICE_SCHEDULER: 'false',
    SLUICE_WORKER_NAME: 'bench-setup',
  });
  const container = buildContainer(config, database, pino({ level: 'silent' }));
  const flowService = container.resolve(FlowService);
  const entities = container.resolve(EntityService);
  // Defined, never started: enable() only writes the flow and its next occurrence job.
  const scheduler = container.resolve(FlowScheduler);
  const flows: BenchFlow[] = [];
  const householdIds: string[] = [];
  for (let index = 0; index < settings.households; index += 1) {
    const { actor, checking, savings } = await database.knex.transaction(async (trx) => {
      const { userId, householdId } = await createUserWithHousehold(trx, `bench-scheduler-${randomUUID()}@sluice.local`, 'not-a-password-hash', `Bench household ${index}`);
      const actor: Actor = { userId, householdId };
      const personal = await entities.create(trx, actor, { kind: 'personal', name: `Bench Personal ${index}` });
      const chart: { id: string; code: string }[] = await trx('accounts').where({ entity_id: personal.id }).whereNull('counterparty_entity_id').select('id', 'code');
      const byCode = (code: string) => chart.find((account) => account.code === code)!.id;
      const cash = 10_000_000n; // 100,000.00: far more than every run can take
      await insertJournals(trx, [
        {
          id: randomUUID(),
          entityId: personal.id,
          date: '2026-01-01',
          memo: 'Opening balance',
          source: 'opening',
          createdBy: userId,
          postings: [
            { accountId: byCode('1000'), amountMinor: cash, currency: 'USD' },
            { accountId: byCode('3900'), amountMinor: -cash, currency: 'USD' },
          ],
        },
      ]);
      return { actor, checking: byCode('1000'), savings: byCode('1010') };
    });
    householdIds.push(actor.householdId);
    for (let flowIndex = 0; flowIndex < settings.flowsPerHousehold; flowIndex += 1) {
      const flow = await database.knex.transaction((trx) => flowService.create(trx, actor, { name: `Bench small flow ${flowIndex}`, graph: smallFlow(checking, savings) }));
      if (flow.problems.length > 0) throw new Error(`the bench flow has problems: ${JSON.stringify(flow.problems)}`);
      await scheduler.enable(actor, flow.id);
      flows.push({ id: flow.id, householdId: actor.householdId, actor });
    }
  }
  return { flows, householdIds, runner: container.resolve(FlowRunner), close: () => disposeContainer(container) };
}

// ---------------------------------------------------------------------------------------------
// Phases
// ---------------------------------------------------------------------------------------------

interface PhaseResult {
  label: string;
  variant: Variant;
  workers: number;
  jobs: number;
  elapsedMs: number;
  perMinute: number;
  byWorker: Record<string, number>;
  cpu: CpuUse;
  /** SQL statements the workers sent per job (their whole life: start-up and idle polls included). */
  statementsPerJob: number;
  doubles: number;
  doubleDetail: string;
  failures: string[];
}

const variantLabels: Record<Variant, string> = { raw: 'Agenda, empty job', baseline: 'Sluice flow runs, before', current: 'Sluice flow runs, now' };
const phaseLabel = (variant: Variant, workers: number) => `${variantLabels[variant]}, ${workers} worker${workers > 1 ? 's' : ''}`;

let phaseCounter = 0;

/** Inserts `settings.runs` due jobs in one statement and waits until `workers` processes have done them all. */
async function runPhase(knex: Knex, schema: string, variant: Variant, workerCount: number, flows: BenchFlow[], baselineDir: string | undefined): Promise<PhaseResult> {
  phaseCounter += 1;
  const flowRuns = variant !== 'raw';
  const label = phaseLabel(variant, workerCount);
  if (variant === 'baseline') {
    // The baseline scheduler met Agenda's table without the occurrence index the current one adds.
    await knex.raw(`drop index if exists ${agendaTable}_occurrence_idx`);
  }
  const names = Array.from({ length: workerCount }, (_unused, index) => `${variant}-p${phaseCounter}-w${index + 1}`);
  const workers: Worker[] = [];
  const failures: string[] = [];
  try {
    // One after the other: the baseline's Agenda wiring lets two workers starting at the same
    // moment collide on Agenda's schema (one dies). The jobs are inserted once all are polling.
    for (const name of names) {
      workers.push(startWorker(variant, name, schema, baselineDir));
      await workers.at(-1)!.ready;
    }
    const base = Date.now() - 5 * 60_000;
    const jobName = flowRuns ? jobNames.occurrence : rawJobName;
    // Distinct occurrences: each flow gets runs / flows of them, a phase's all before the next's.
    const rows = Array.from({ length: settings.runs }, (_unused, index) => {
      const flow = flows[index % flows.length]!;
      const occurrence = new Date(base - phaseCounter * 86_400_000 - index * 1_000).toISOString();
      const data = flowRuns ? { flowId: flow.id, occurrence } : { index, phase: phaseCounter };
      return { name: jobName, data: JSON.stringify(data), next_run_at: new Date(occurrence), type: 'normal', priority: 0, last_modified_by: 'bench' };
    });
    const occurrences = flowRuns ? rows.map((row) => JSON.parse(row.data).occurrence as string) : [];
    const keys = occurrences.map((occurrence) => `schedule:${occurrence}`);
    const runsBefore = await count(knex('flow_runs'));
    const cpuBefore = await cpuSnapshot(knex, workers);
    const insertedAt = new Date();
    await knex(agendaTable).insert(rows);
    const phaseJobs = () => (flowRuns ? knex(agendaTable).where({ name: jobName }).whereIn(knex.raw(`data->>'occurrence'`) as never, occurrences) : knex(agendaTable).where({ name: jobName }).whereRaw(`(data->>'phase')::int = ?`, [phaseCounter]));
    const deadline = Date.now() + settings.phaseTimeoutMs;
    // Unfinished = due by the insert (the flows' next 09:00 jobs are not) and not finished: a
    // cheap query, unlike matching the phase's 1,000 occurrences on every look.
    const unfinishedJobs = () => count(knex(agendaTable).where({ name: jobName }).whereNull('last_finished_at').andWhere((due) => due.whereNull('next_run_at').orWhere('next_run_at', '<=', insertedAt)));
    for (;;) {
      const unfinished = await unfinishedJobs();
      const runs = unfinished > 0 ? 0 : flowRuns ? (await count(knex('flow_runs'))) - runsBefore : settings.runs;
      if (unfinished === 0 && runs >= settings.runs) break;
      if (Date.now() > deadline) throw new Error(`${label}: ${unfinished} jobs unfinished and ${runs} runs after ${settings.phaseTimeoutMs} ms`);
      await sleep(phasePollMs);
    }
    const cpu = cpuBetween(cpuBefore, await cpuSnapshot(knex, workers));
    // Let a late second delivery (if any) land before counting doubles.
    await sleep(1_000);
    let lastMs: number;
    let doubles = 0;
    let doubleDetail = 'n/a (no runs)';
    if (flowRuns) {
      const phaseRuns = () => knex('flow_runs').whereIn('idempotency_key', keys);
      const runs = await count(phaseRuns());
      const committed = await count(phaseRuns().where({ status: 'committed' }));
      const extraRuns = (await count(knex('flow_runs'))) - runsBefore - settings.runs;
      const sameKey = await count(knex.from(phaseRuns().groupBy('flow_id', 'idempotency_key').havingRaw('count(*) > 1').select('flow_id').as('d')));
      const journals = await count(knex('journals as j').join('flow_runs as r', 'r.id', 'j.flow_run_id').whereIn('r.idempotency_key', keys));
      const extraJournals = journals - committed;
      doubles = sameKey + Math.max(0, extraRuns) + Math.max(0, extraJournals);
      doubleDetail = `${sameKey} occurrences with 2+ runs, ${Math.max(0, extraRuns)} runs beyond ${settings.runs}, ${Math.max(0, extraJournals)} journals beyond 1 per run`;
      if (runs !== settings.runs) failures.push(`${label}: ${runs} runs for ${settings.runs} occurrences`);
      if (committed !== settings.runs) failures.push(`${label}: ${committed} of ${settings.runs} runs committed`);
      if (journals !== settings.runs) failures.push(`${label}: ${journals} journals for ${settings.runs} runs`);
      const [row] = await phaseRuns().max<{ last: Date }[]>({ last: 'finished_at' });
      lastMs = row!.last.getTime();
    } else {
      const [row] = await phaseJobs().max<{ last: Date }[]>({ last: 'last_finished_at' });
      lastMs = row!.last.getTime();
    }
    if (doubles > 0) failures.push(`${label}: ${doubles} doubles (${doubleDetail})`);
    const byWorkerRows: { last_modified_by: string | null; n: bigint }[] = await phaseJobs().groupBy('last_modified_by').select('last_modified_by', knex.raw('count(*) as n'));
    const byWorker = Object.fromEntries(byWorkerRows.map((row) => [row.last_modified_by ?? 'none', Number(row.n)]));
    for (const name of Object.keys(byWorker)) if (!names.includes(name)) failures.push(`${label}: ${byWorker[name]} jobs last modified by ${name}`);
    if (workerCount > 1 && Object.keys(byWorker).length < workerCount) failures.push(`${label}: only ${Object.keys(byWorker).join(', ')} processed jobs`);
    const elapsedMs = lastMs - insertedAt.getTime();
    await stopWorkers(workers, failures);
    const statementsPerJob = workers.reduce((sum, worker) => sum + statementsOf(worker.name), 0) / settings.runs;
    const result = { label, variant, workers: workerCount, jobs: settings.runs, elapsedMs, perMinute: (settings.runs / elapsedMs) * 60_000, byWorker, cpu, statementsPerJob, doubles, doubleDetail, failures };
    const busy = cpu.machineBusy === undefined ? 'n/a' : `${Math.round(cpu.machineBusy * 100)}% (own ${Math.round(cpu.ownShare * 100)}%)`;
    log(`${label}: ${settings.runs} in ${(elapsedMs / 1000).toFixed(2)} s = ${Math.round(result.perMinute).toLocaleString('en-US')}/min; by worker ${JSON.stringify(byWorker)}; CPU per job ${(cpu.workerMs / settings.runs).toFixed(2)} ms worker + ${(cpu.postgresMs / settings.runs).toFixed(2)} ms PostgreSQL; ${statementsPerJob.toFixed(1)} statements per job; machine busy ${busy}; doubles ${doubles}`);
    return result;
  } finally {
    // Already stopped on the way out, unless something above threw.
    await stopWorkers(workers, failures);
  }
}

/** Stops the phase's workers (once) and fails the phase if one logged an error. */
async function stopWorkers(workers: Worker[], failures: string[]): Promise<void> {
  if (workers.every((worker) => worker.child.exitCode !== null || worker.child.signalCode !== null)) return;
  await Promise.all(workers.map((worker) => worker.stop()));
  for (const worker of workers) {
    if (/"level":(50|60)/.test(worker.output())) failures.push(`worker ${worker.name} logged errors:\n${worker.output().slice(-2000)}`);
  }
}

interface Reference {
  runs: number;
  msPerRun: number;
  statementsPerRun: number;
  /** CPU per run of this process (Node) and of its PostgreSQL backends. */
  cpuPerRunMs: { node: number; postgres: number };
}

/** The application_name of this process's own connections. */
const benchName = 'bench-main';

async function ownBackendsCpuMs(knex: Knex): Promise<Map<number, number>> {
  const pids: number[] = await knex('pg_stat_activity').where({ application_name: benchName }).pluck('pid');
  return new Map(pids.map((pid) => [pid, processCpuMs(pid)]));
}

/** FlowRunner.run of one bench flow, in-process, one run at a time: what a run costs without Agenda. */
async function sequentialReference(knex: Knex, runner: FlowRunner, flow: BenchFlow): Promise<Reference> {
  const runs = 100;
  let statements = 0;
  const countStatement = () => {
    statements += 1;
  };
  for (let index = 0; index < 10; index += 1) await runner.run(flow.actor, flow.id, { idempotencyKey: `bench-warmup-${index}`, createdBy: null });
  const backendsBefore = await ownBackendsCpuMs(knex);
  const nodeBefore = process.cpuUsage();
  knex.on('query', countStatement);
  const began = performance.now();
  for (let index = 0; index < runs; index += 1) {
    const run = await runner.run(flow.actor, flow.id, { idempotencyKey: `bench-reference-${index}`, createdBy: null });
    if (run.status !== 'committed') throw new Error(`reference run ${index} is ${run.status}`);
  }
  const msPerRun = (performance.now() - began) / runs;
  knex.off('query', countStatement);
  const node = process.cpuUsage(nodeBefore);
  const backendsAfter = await ownBackendsCpuMs(knex);
  const postgresMs = [...backendsAfter].reduce((sum, [pid, ms]) => sum + ms - (backendsBefore.get(pid) ?? 0), 0);
  return { runs, msPerRun, statementsPerRun: Math.round(statements / runs), cpuPerRunMs: { node: (node.user + node.system) / 1000 / runs, postgres: postgresMs / runs } };
}

async function booksAgree(knex: Knex, householdIds: string[]): Promise<string[]> {
  const drift = await knex('accounts as a')
    .join('entities as e', 'e.id', 'a.entity_id')
    .leftJoin('postings as p', 'p.account_id', 'a.id')
    .whereIn('e.household_id', householdIds)
    .groupBy('a.id')
    .havingRaw('a.balance_minor <> coalesce(sum(p.amount_minor), 0)')
    .select('a.id');
  return drift.length > 0 ? [`${drift.length} cached balances differ from their postings`] : [];
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const perMinute = (value: number) => Math.round(value).toLocaleString('en-US');
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const shares = (byWorker: Record<string, number>) =>
  Object.entries(byWorker)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name.replace(/^.*-(w\d+)$/, '$1')} ${n}`)
    .join(', ');
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** One table row: the rounds of one (variant, workers), summarised by their median. */
interface Summary {
  label: string;
  variant: Variant;
  workers: number;
  perMinute: number;
  rounds: number[];
  /** The round whose rate is the median's (or next above it): its split and timing are shown. */
  typical: PhaseResult;
  cpuPerRunMs: { worker: number; postgres: number };
  statementsPerJob: number;
  machineBusy: number | undefined;
  ownShare: number;
  doubles: number;
}

function summarise(results: PhaseResult[]): Summary[] {
  const groups = new Map<string, PhaseResult[]>();
  for (const result of results) groups.set(result.label, [...(groups.get(result.label) ?? []), result]);
  return [...groups.values()].map((group) => {
    const rate = median(group.map((result) => result.perMinute));
    const typical = [...group].sort((a, b) => a.perMinute - b.perMinute).find((result) => result.perMinute >= rate)!;
    const busy = group.map((result) => result.cpu.machineBusy).filter((value): value is number => value !== undefined);
    return {
      label: typical.label,
      variant: typical.variant,
      workers: typical.workers,
      perMinute: rate,
      rounds: group.map((result) => result.perMinute),
      typical,
      cpuPerRunMs: { worker: median(group.map((result) => result.cpu.workerMs / result.jobs)), postgres: median(group.map((result) => result.cpu.postgresMs / result.jobs)) },
      statementsPerJob: median(group.map((result) => result.statementsPerJob)),
      machineBusy: busy.length > 0 ? median(busy) : undefined,
      ownShare: median(group.map((result) => result.cpu.ownShare)),
      doubles: group.reduce((sum, result) => sum + result.doubles, 0),
    };
  });
}

function section(results: PhaseResult[], postgres: string, reference: Reference, baselineCommit: string | undefined): string {
  const cpus = os.cpus();
  const summaries = summarise(results);
  const find = (variant: Variant, workers: number) => summaries.find((summary) => summary.variant === variant && summary.workers === workers);
  const cpuCell = (summary: Summary) => `${summary.cpuPerRunMs.worker.toFixed(1)} + ${summary.cpuPerRunMs.postgres.toFixed(1)} ms`;
  const rows = summaries.map(
    (summary) =>
      `| ${summary.label} | ${perMinute(summary.perMinute)} | ${summary.rounds.map(perMinute).join(' / ')} | ${seconds(summary.typical.elapsedMs)} | ${shares(summary.typical.byWorker)} | ${cpuCell(summary)} | ${summary.statementsPerJob.toFixed(1)} | ${summary.machineBusy === undefined ? 'n/a' : `${Math.round(summary.machineBusy * 100)}% (${Math.round(summary.ownShare * 100)}%)`} | ${summary.variant === 'raw' ? '—' : summary.doubles} |`,
  );
  const ratio = (variant: Variant) => {
    const one = find(variant, 1);
    const two = find(variant, 2);
    return one && two ? `${(two.perMinute / one.perMinute).toFixed(2)}×` : 'n/a';
  };
  const gain = (workers: number) => {
    const before = find('baseline', workers);
    const now = find('current', workers);
    return before && now ? `${(now.perMinute / before.perMinute).toFixed(2)}×` : 'n/a';
  };
  /** now ÷ before of each round: the two phases ran minutes apart, under the same load. */
  const perRound = (workers: number) => {
    const of = (variant: Variant) => results.filter((result) => result.variant === variant && result.workers === workers);
    const before = of('baseline');
    return of('current')
      .map((now, round) => (before[round] ? `${(now.perMinute / before[round]!.perMinute).toFixed(2)}×` : undefined))
      .filter(Boolean)
      .join(', ');
  };
  const now1 = find('current', 1)!;
  const now2 = find('current', 2)!;
  const cpuPerRun = now2.cpuPerRunMs.worker + now2.cpuPerRunMs.postgres;
  const ceiling = (cpus.length * 60_000) / cpuPerRun;
  const baselineLine = baselineCommit
    ? `"before" is this tree with the scheduler's files (${schedulerFiles.map((file) => `\`${file.replace(/^engine\//, '')}\``).join(', ')}) as of commit \`${baselineCommit}\`, "now" the working tree; they alternate, ${settings.rounds} round${settings.rounds > 1 ? 's' : ''}`
    : `no baseline: git could not show \`${settings.baselineRef}\``;
  return `## Scheduler benchmark

Written by \`npx tsx bench/scheduler.bench.ts\` (bench/scheduler.bench.ts); regenerate rather than edit.

### Run

| | |
|---|---|
${machineRows()}
| PostgreSQL | ${postgres} |
| Data | ${settings.runs.toLocaleString('en-US')} due jobs per phase; ${settings.households} households × ${settings.flowsPerHousehold} flows (trigger.schedule → source.fixed ${settings.amount} from checking → transfer to savings), ${settings.runs / (settings.households * settings.flowsPerHousehold)} occurrences per flow |
| Workers | separate processes; Agenda processEvery ${settings.pollMs} ms; before: concurrency 4, no lock limit, lock lifetime 60 s; now: concurrency ${defaultSchedulerOptions.occurrenceConcurrency} and lock limit ${defaultSchedulerOptions.occurrenceConcurrency + lockedAheadPerWorker} per process, lock lifetime ${defaultSchedulerOptions.lockLifetimeMs / 1000} s touched while a job works |
| Compared | ${baselineLine} |

### Results

| Phase | Per minute (median) | Rounds | ${settings.runs.toLocaleString('en-US')} jobs in | Jobs finished by | CPU per run: worker + PostgreSQL | SQL statements per job | Machine busy (the phase's own share) | Doubles |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

- Two workers vs one: now ${ratio('current')}, before ${ratio('baseline')}; bare Agenda ${ratio('raw')}.
- Now vs before: ${gain(1)} with one worker, ${gain(2)} with two (medians); round by round ${perRound(1) || 'n/a'} with one, ${perRound(2) || 'n/a'} with two.
- The ceiling on this ${cpus.length}-core machine: one worker and its PostgreSQL backends already keep ${Math.round(now1.ownShare * 100)}% of all cores busy
  (${cpuCell(now1)} of CPU per run). With two workers a run costs ${cpuPerRun.toFixed(1)} ms, so all cores together could do at most
  ${perMinute(ceiling)} runs/min — ${(ceiling / now1.perMinute).toFixed(2)}× one worker's rate. Two workers can double one only where one worker
  leaves the machine (or the database server) half idle: more cores, or PostgreSQL on its own host.
- Each phase waited for a quiet machine; ${phasesRepeated === 0 ? 'none had' : `${phasesRepeated} had`} to be run again because other processes used more than ${Math.round(foreignShareLimit * 100)}% of the cores meanwhile.
- Doubles: ${now1.typical.doubleDetail} (one worker, typical round); ${now2.typical.doubleDetail} (two workers). Over every round and phase: ${summaries.reduce((sum, summary) => sum + summary.doubles, 0)}.
- Reference: the same flow run in-process by \`FlowRunner.run\`, one run at a time (${reference.runs} runs, no Agenda):
  ${reference.msPerRun.toFixed(1)} ms per run (${perMinute(60_000 / reference.msPerRun)}/min), ${reference.statementsPerRun} SQL statements, CPU ${reference.cpuPerRunMs.node.toFixed(1)} ms in Node + ${reference.cpuPerRunMs.postgres.toFixed(1)} ms in
  PostgreSQL per run. So of a scheduled run's CPU (one worker, now: ${cpuCell(now1)}), the run itself is about
  ${(reference.cpuPerRunMs.node + reference.cpuPerRunMs.postgres).toFixed(1)} ms; Agenda and the occurrence handler (lock, start, finish, the flow's row, the next occurrence) the rest.

### What the figures measure

- **Per minute**: jobs (for Sluice: committed runs) from the moment the ${settings.runs.toLocaleString('en-US')} due jobs were inserted
  (one \`INSERT\` into \`agenda_jobs\`, workers already polling) to the last one finished
  (\`max(flow_runs.finished_at)\`, or \`max(last_finished_at)\` for the empty job), scaled to a minute; the median of
  the rounds (each round's figure under **Rounds**). **${settings.runs.toLocaleString('en-US')} jobs in** and **Jobs finished by** are of the median round.
- **Sluice flow runs**: \`engine/scheduler/worker.ts\` processes, each running \`FlowScheduler.handleOccurrence\`:
  load the flow, run it under the key \`schedule:<occurrence>\` (claim, lock the two accounts,
  validate, plan, one journal with two postings, audit entry, commit), then schedule the flow's next
  occurrence (already pending: an insert-only no-op). The flows live in ${settings.households} households, so runs of one
  household contend for the same two account rows, as a household's flows would.
- **Agenda, empty job**: this file in \`--raw-worker\` mode: \`createAgenda\` (the scheduler's own pool,
  table and notification channel) with a job that does nothing, with the occurrence jobs' current concurrency,
  lock limit and lock lifetime — the floor set by Agenda's locking and bookkeeping (a lock query, two state updates per job).
- **CPU per run**: user + system CPU (from \`/proc\`) of the phase's worker processes and of their own PostgreSQL
  backends (found in \`pg_stat_activity\` by the workers' \`application_name\`), from the insert to the last
  job finished, divided by the jobs. **Machine busy**: all cores, anything running, over the same time; in brackets
  the share the phase's own processes used (workers, their backends, this script watching) — the rest is the
  kernel's loopback networking and anything else running (another session's tests). A phase in which more than
  ${Math.round(foreignShareLimit * 100)}% of the cores went elsewhere is run again, up to ${phaseAttempts} times.
- **SQL statements per job**: every statement the phase's workers sent through \`pg\` (knex and Agenda both; counted by
  \`bench/count-statements.cjs\`, preloaded into each worker), over their whole life — start-up and idle polls add a few dozen —
  divided by the jobs.
- **Jobs finished by**: \`agenda_jobs.last_modified_by\` of the phase's jobs (Agenda writes its name
  there when it locks and when it finishes a job).
- **Doubles**: occurrences with more than one run, runs beyond the ${settings.runs.toLocaleString('en-US')} occurrences, journals beyond one
  per committed run. Any double, a run not committed, a two-worker phase that one worker did alone, or cached
  balances that disagree with the postings afterwards make the script exit 1 without writing this section.

### Reproduce

\`\`\`sh
npx tsx bench/scheduler.bench.ts     # or: npm run bench:scheduler
\`\`\`

It needs PostgreSQL (\`BENCH_DATABASE_URL\`, default \`postgres://postgres@127.0.0.1:5432/test\`) on this machine (for
the CPU figures) and git (for the baseline); it creates a schema \`bench_<random>\`, migrates it, and drops it at
the end. See bench/README.md.`;
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

/**
 * Other sessions share the machine (a parallel test suite): a phase they slowed down says little
 * about the scheduler. Each phase waits for a quiet machine first, and one in which processes
 * other than its own used more than `foreignShareLimit` of the cores is run again (fresh jobs),
 * at most `phaseAttempts` times; the last attempt counts whatever happened (its busy figures show it).
 */
const foreignShareLimit = 0.15;
const phaseAttempts = 3;
/** Busy share below which the machine counts as quiet, and how long a phase waits for that at most. */
const quietShare = 0.15;
const quietWaitMs = 120_000;
/** Phases run again because of foreign load (reported with the figures). */
let phasesRepeated = 0;

async function awaitQuietMachine(): Promise<void> {
  const deadline = Date.now() + quietWaitMs;
  for (;;) {
    const before = machineTicks();
    await sleep(1_000);
    const after = machineTicks();
    if (!before || !after) return;
    const busy = (after.busy - before.busy) / (after.total - before.total);
    if (busy < quietShare) return;
    if (Date.now() > deadline) {
      log(`the machine stayed busy (${Math.round(busy * 100)}%); going on`);
      return;
    }
  }
}

async function undisturbedPhase(run: () => Promise<PhaseResult>, label: string): Promise<PhaseResult> {
  for (let attempt = 1; ; attempt += 1) {
    await awaitQuietMachine();
    log(`phase: ${label}, ${settings.runs} due jobs${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
    const result = await run();
    const foreign = result.cpu.machineBusy === undefined ? 0 : result.cpu.machineBusy - result.cpu.ownShare;
    if (foreign <= foreignShareLimit || attempt >= phaseAttempts || result.failures.length > 0) return result;
    log(`${label}: other processes used ${Math.round(foreign * 100)}% of the machine meanwhile; running it again`);
    phasesRepeated += 1;
  }
}

/** Bare Agenda once; then before/now alternating, one worker and two, for every round. */
function phasePlan(withBaseline: boolean): [Variant, number][] {
  const plan: [Variant, number][] = [['raw', 1], ['raw', 2]];
  for (let round = 0; round < settings.rounds; round += 1) {
    for (const workers of [1, 2]) {
      if (withBaseline) plan.push(['baseline', workers]);
      plan.push(['current', workers]);
    }
  }
  return plan;
}

async function main(): Promise<void> {
  if (settings.runs % (settings.households * settings.flowsPerHousehold) !== 0) throw new Error('BENCH_SCHED_RUNS must be a multiple of households × flows');
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  log(`schema ${schema} on ${settings.databaseUrl.replace(/\/\/[^@/]*@/, '//…@')}`);
  const baseline = prepareBaseline(settings.baselineRef);
  log(baseline ? `baseline: the scheduler of ${baseline.commit} in ${baseline.dir}` : `baseline ${settings.baselineRef} not available: "before" phases left out`);
  let database: Database | undefined;
  const results: PhaseResult[] = [];
  const failures: string[] = [];
  let postgres = 'unknown';
  let reference: Reference | undefined;
  try {
    database = await openDatabase({ databaseUrl: urlNamed(settings.databaseUrl, benchName), schema, poolMax: 4 });
    const { rows } = await database.knex.raw<{ rows: { version: string }[] }>('select version()');
    postgres = rows[0]!.version.replace(/ on .*$/, '');
    log(`setting up ${settings.households} households × ${settings.flowsPerHousehold} enabled flows`);
    const setup = await setUp(database);
    try {
      await database.knex.raw('analyze');
      reference = await sequentialReference(database.knex, setup.runner, setup.flows[0]!);
      log(`reference: FlowRunner.run in-process, one at a time: ${reference.msPerRun.toFixed(1)} ms per run, ${reference.statementsPerRun} SQL statements, CPU ${reference.cpuPerRunMs.node.toFixed(1)} ms Node + ${reference.cpuPerRunMs.postgres.toFixed(1)} ms PostgreSQL`);
      for (const [variant, workers] of phasePlan(baseline !== undefined)) {
        const result = await undisturbedPhase(() => runPhase(database!.knex, schema, variant, workers, setup.flows, baseline?.dir), phaseLabel(variant, workers));
        results.push(result);
        failures.push(...result.failures);
      }
      failures.push(...(await booksAgree(database.knex, setup.householdIds)));
    } finally {
      await setup.close();
    }
  } finally {
    await database?.close();
    await dropSchema(settings.databaseUrl, schema, log);
    if (baseline) rmSync(baseline.dir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    for (const failure of failures) log(`FAILED: ${failure}`);
    log(`${path.relative(process.cwd(), resultsFile)} not written`);
    process.exitCode = 1;
    return;
  }
  const body = section(results, postgres, reference!, baseline?.commit);
  process.stdout.write(`${body}\n`);
  if (settings.dryRun) {
    log(`BENCH_SCHED_DRY_RUN=1: ${path.relative(process.cwd(), resultsFile)} not written`);
    return;
  }
  await writeSection('scheduler', body);
  log(`wrote the scheduler section of ${path.relative(process.cwd(), resultsFile)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  if (process.argv.includes('--raw-worker')) await rawWorker();
  else await main();
}
