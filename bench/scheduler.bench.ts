/**
 * Scheduler benchmark.
 *
 * 1,000 due occurrence jobs of small scheduled flows (a fixed amount from checking → one
 * transfer into savings) are inserted at once into `agenda_jobs` and processed by real worker
 * processes (`engine/scheduler/worker.ts`, what `npm run worker` starts): first by one worker,
 * then (a fresh set of 1,000) by two. Reported: committed runs per minute, how the two workers
 * shared the work, and the number of doubles (a second run for an occurrence, a second journal
 * for a run, a run too many) — which must be 0. For comparison, the same 1,000 jobs with an empty
 * handler are processed by one and two processes running bare Agenda with the same settings
 * (poll interval, concurrency, lock lifetime): Agenda's own ceiling on this machine.
 *
 * Rewrites only its own section of bench/RESULTS.md (between the `scheduler` markers).
 * `npx tsx bench/scheduler.bench.ts`; see bench/README.md for the environment variables.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
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
import { createAgenda } from '../engine/scheduler/agenda-factory.js';
import { FlowScheduler, jobNames } from '../engine/scheduler/flow-scheduler.js';
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
  /** Agenda's concurrency for flow-occurrence jobs (engine/scheduler/flow-scheduler.ts). */
  concurrency: 4,
  phaseTimeoutMs: positiveInt('BENCH_SCHED_TIMEOUT_MS', 300_000),
  /** Print the section, do not write RESULTS.md (quick tries). */
  dryRun: process.env.BENCH_SCHED_DRY_RUN === '1',
  cron: '0 9 * * *',
  timezone: 'America/New_York',
  amount: '1.00',
} as const;

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

interface Worker {
  name: string;
  child: ChildProcess;
  ready: Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/** `sluice`: engine/scheduler/worker.ts. `raw`: this file in --raw-worker mode (bare Agenda, empty job). */
function startWorker(kind: 'sluice' | 'raw', name: string, schema: string): Worker {
  const script = kind === 'sluice' ? 'engine/scheduler/worker.ts' : path.relative(repoRoot, fileURLToPath(import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...(kind === 'raw' ? ['--raw-worker'] : [])], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: settings.databaseUrl,
      SLUICE_DB_SCHEMA: schema,
      SLUICE_WORKER_NAME: name,
      SLUICE_SCHEDULER_POLL_MS: String(settings.pollMs),
      SLUICE_DEMO: 'false',
      LOG_LEVEL: 'info',
      SLUICE_JWT_SECRET: randomBytes(32).toString('hex'),
      SLUICE_DATA_DIR: path.join(os.tmpdir(), 'sluice-bench-unused'),
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

/** --raw-worker: bare Agenda on the same table, pool and settings as the scheduler, an empty job. */
async function rawWorker(): Promise<void> {
  const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL!, schema: process.env.SLUICE_DB_SCHEMA!, migrate: false, poolMax: 2 });
  const handle = createAgenda(database, { name: process.env.SLUICE_WORKER_NAME!, processEveryMs: Number(process.env.SLUICE_SCHEDULER_POLL_MS) });
  handle.agenda.define(rawJobName, async () => undefined, { concurrency: settings.concurrency });
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
  kind: 'sluice' | 'raw';
  workers: number;
  jobs: number;
  elapsedMs: number;
  perMinute: number;
  byWorker: Record<string, number>;
  doubles: number;
  doubleDetail: string;
  failures: string[];
}

let phaseCounter = 0;

/** Inserts `settings.runs` due jobs in one statement and waits until `workers` processes have done them all. */
async function runPhase(knex: Knex, schema: string, kind: 'sluice' | 'raw', workerCount: number, flows: BenchFlow[]): Promise<PhaseResult> {
  phaseCounter += 1;
  const label = `${kind === 'sluice' ? 'Sluice flow runs' : 'Agenda, empty job'}, ${workerCount} worker${workerCount > 1 ? 's' : ''}`;
  const names = Array.from({ length: workerCount }, (_unused, index) => `${kind}-p${phaseCounter}-w${index + 1}`);
  const workers = names.map((name) => startWorker(kind, name, schema));
  const failures: string[] = [];
  try {
    await Promise.all(workers.map((worker) => worker.ready));
    const base = Date.now() - 5 * 60_000;
    const jobName = kind === 'sluice' ? jobNames.occurrence : rawJobName;
    // Distinct occurrences: each flow gets runs / flows of them, a phase's all before the next's.
    const rows = Array.from({ length: settings.runs }, (_unused, index) => {
      const flow = flows[index % flows.length]!;
      const occurrence = new Date(base - phaseCounter * 86_400_000 - index * 1_000).toISOString();
      const data = kind === 'sluice' ? { flowId: flow.id, occurrence } : { index, phase: phaseCounter };
      return { name: jobName, data: JSON.stringify(data), next_run_at: new Date(occurrence), type: 'normal', priority: 0, last_modified_by: 'bench' };
    });
    const occurrences = kind === 'sluice' ? rows.map((row) => JSON.parse(row.data).occurrence as string) : [];
    const keys = occurrences.map((occurrence) => `schedule:${occurrence}`);
    const runsBefore = await count(knex('flow_runs'));
    const insertedAt = new Date();
    await knex('agenda_jobs').insert(rows);
    const phaseJobs = () => (kind === 'sluice' ? knex('agenda_jobs').where({ name: jobName }).whereIn(knex.raw(`data->>'occurrence'`) as never, occurrences) : knex('agenda_jobs').where({ name: jobName }).whereRaw(`(data->>'phase')::int = ?`, [phaseCounter]));
    const deadline = Date.now() + settings.phaseTimeoutMs;
    for (;;) {
      const unfinished = await count(phaseJobs().whereNull('last_finished_at'));
      const runs = kind === 'sluice' ? (await count(knex('flow_runs'))) - runsBefore : settings.runs;
      if (unfinished === 0 && runs >= settings.runs) break;
      if (Date.now() > deadline) throw new Error(`${label}: ${unfinished} jobs unfinished and ${runs} runs after ${settings.phaseTimeoutMs} ms`);
      await sleep(50);
    }
    // Let a late second delivery (if any) land before counting doubles.
    await sleep(1_000);
    let lastMs: number;
    let doubles = 0;
    let doubleDetail = 'n/a (no runs)';
    if (kind === 'sluice') {
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
    const elapsedMs = lastMs - insertedAt.getTime();
    const result = { label, kind, workers: workerCount, jobs: settings.runs, elapsedMs, perMinute: (settings.runs / elapsedMs) * 60_000, byWorker, doubles, doubleDetail, failures };
    log(`${label}: ${settings.runs} in ${(elapsedMs / 1000).toFixed(2)} s = ${Math.round(result.perMinute).toLocaleString('en-US')}/min; by worker ${JSON.stringify(byWorker)}; doubles ${doubles}`);
    return result;
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    for (const worker of workers) {
      if (/"level":(50|60)/.test(worker.output())) failures.push(`worker ${worker.name} logged errors:\n${worker.output().slice(-2000)}`);
    }
  }
}

interface Reference {
  runs: number;
  msPerRun: number;
  statementsPerRun: number;
}

/** FlowRunner.run of one bench flow, in-process, one run at a time: what a run costs without Agenda. */
async function sequentialReference(knex: Knex, runner: FlowRunner, flow: BenchFlow): Promise<Reference> {
  const runs = 100;
  let statements = 0;
  const countStatement = () => {
    statements += 1;
  };
  for (let index = 0; index < 10; index += 1) await runner.run(flow.actor, flow.id, { idempotencyKey: `bench-warmup-${index}`, createdBy: null });
  knex.on('query', countStatement);
  const began = performance.now();
  for (let index = 0; index < runs; index += 1) {
    const run = await runner.run(flow.actor, flow.id, { idempotencyKey: `bench-reference-${index}`, createdBy: null });
    if (run.status !== 'committed') throw new Error(`reference run ${index} is ${run.status}`);
  }
  const msPerRun = (performance.now() - began) / runs;
  knex.off('query', countStatement);
  return { runs, msPerRun, statementsPerRun: Math.round(statements / runs) };
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

function section(results: PhaseResult[], postgres: string, reference: Reference): string {
  const cpus = os.cpus();
  const find = (kind: 'sluice' | 'raw', workers: number) => results.find((result) => result.kind === kind && result.workers === workers)!;
  const rows = results.map((result) => `| ${result.label} | ${perMinute(result.perMinute)} | ${seconds(result.elapsedMs)} | ${shares(result.byWorker)} | ${result.kind === 'sluice' ? result.doubles : '—'} |`);
  const ratio = (kind: 'sluice' | 'raw') => find(kind, 2).perMinute / find(kind, 1).perMinute;
  return `## Scheduler benchmark

Written by \`npx tsx bench/scheduler.bench.ts\` (bench/scheduler.bench.ts); regenerate rather than edit.

### Run

| | |
|---|---|
${machineRows()}
| PostgreSQL | ${postgres} |
| Data | ${settings.runs.toLocaleString('en-US')} due jobs per phase; ${settings.households} households × ${settings.flowsPerHousehold} flows (trigger.schedule → source.fixed ${settings.amount} from checking → transfer to savings), ${settings.runs / (settings.households * settings.flowsPerHousehold)} occurrences per flow |
| Workers | separate processes; Agenda processEvery ${settings.pollMs} ms, concurrency ${settings.concurrency} per process, lock lifetime 60 s |

### Results

| Phase | Per minute | ${settings.runs.toLocaleString('en-US')} jobs in | Jobs finished by | Doubles |
|---|---|---|---|---|
${rows.join('\n')}

- Sluice, two workers vs one: ${ratio('sluice').toFixed(2)}×; bare Agenda, two vs one: ${ratio('raw').toFixed(2)}×.
- A committed flow run costs ${(find('raw', 1).perMinute / find('sluice', 1).perMinute).toFixed(1)}× an empty Agenda job with one worker, ${(find('raw', 2).perMinute / find('sluice', 2).perMinute).toFixed(1)}× with two.
- Doubles: ${find('sluice', 1).doubleDetail} (one worker); ${find('sluice', 2).doubleDetail} (two workers).
- Reference: the same flow run in-process by \`FlowRunner.run\`, one run at a time (${reference.runs} runs, no Agenda):
  ${reference.msPerRun.toFixed(1)} ms per run (${perMinute(60_000 / reference.msPerRun)}/min), ${reference.statementsPerRun} SQL statements per run. The run itself, not
  Agenda, is the cost; on this ${cpus.length}-core machine the worker processes and PostgreSQL share the CPUs, so a
  second worker adds little.

### What the figures measure

- **Per minute**: jobs (for Sluice: committed runs) from the moment the ${settings.runs.toLocaleString('en-US')} due jobs were inserted
  (one \`INSERT\` into \`agenda_jobs\`, workers already polling) to the last one finished
  (\`max(flow_runs.finished_at)\`, or \`max(last_finished_at)\` for the empty job), scaled to a minute.
- **Sluice flow runs**: \`engine/scheduler/worker.ts\` processes, each running \`FlowScheduler.handleOccurrence\`:
  load the flow, run it under the key \`schedule:<occurrence>\` (claim, lock the two accounts,
  validate, plan, one journal with two postings, audit entry, commit), then schedule the flow's next
  occurrence (already pending: an insert-only no-op). The flows live in ${settings.households} households, so runs of one
  household contend for the same two account rows, as a household's flows would.
- **Agenda, empty job**: this file in \`--raw-worker\` mode: \`createAgenda\` (the scheduler's own pool,
  table and options) with a job that does nothing, at the same concurrency — the floor set by
  Agenda's locking and bookkeeping (a lock query, two state updates per job).
- **Jobs finished by**: \`agenda_jobs.last_modified_by\` of the phase's jobs (Agenda writes its name
  there when it locks and when it finishes a job).
- **Doubles**: occurrences with more than one run, runs beyond the ${settings.runs.toLocaleString('en-US')} occurrences, journals beyond one
  per committed run. Any double, a run not committed, or cached balances that disagree with the
  postings afterwards make the script exit 1 without writing this section.

### Reproduce

\`\`\`sh
npx tsx bench/scheduler.bench.ts     # or: npm run bench:scheduler
\`\`\`

It needs PostgreSQL (\`BENCH_DATABASE_URL\`, default \`postgres://postgres@127.0.0.1:5432/test\`);
it creates a schema \`bench_<random>\`, migrates it, and drops it at the end. See bench/README.md.`;
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (settings.runs % (settings.households * settings.flowsPerHousehold) !== 0) throw new Error('BENCH_SCHED_RUNS must be a multiple of households × flows');
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  log(`schema ${schema} on ${settings.databaseUrl.replace(/\/\/[^@/]*@/, '//…@')}`);
  let database: Database | undefined;
  const results: PhaseResult[] = [];
  const failures: string[] = [];
  let postgres = 'unknown';
  let reference: Reference | undefined;
  try {
    database = await openDatabase({ databaseUrl: settings.databaseUrl, schema, poolMax: 4 });
    const { rows } = await database.knex.raw<{ rows: { version: string }[] }>('select version()');
    postgres = rows[0]!.version.replace(/ on .*$/, '');
    log(`setting up ${settings.households} households × ${settings.flowsPerHousehold} enabled flows`);
    const setup = await setUp(database);
    try {
      await database.knex.raw('analyze');
      reference = await sequentialReference(database.knex, setup.runner, setup.flows[0]!);
      log(`reference: FlowRunner.run in-process, one at a time: ${reference.msPerRun.toFixed(1)} ms per run, ${reference.statementsPerRun} SQL statements`);
      for (const [kind, workers] of [['raw', 1], ['raw', 2], ['sluice', 1], ['sluice', 2]] as const) {
        log(`phase: ${kind}, ${workers} worker(s), ${settings.runs} due jobs`);
        const result = await runPhase(database.knex, schema, kind, workers, setup.flows);
        results.push(result);
        failures.push(...result.failures);
        if (kind === 'sluice' && workers === 2 && Object.keys(result.byWorker).length < 2) failures.push(`${result.label}: only ${Object.keys(result.byWorker).join(', ')} processed jobs`);
      }
      failures.push(...(await booksAgree(database.knex, setup.householdIds)));
    } finally {
      await setup.close();
    }
  } finally {
    await database?.close();
    await dropSchema(settings.databaseUrl, schema, log);
  }
  if (failures.length > 0) {
    for (const failure of failures) log(`FAILED: ${failure}`);
    log(`${path.relative(process.cwd(), resultsFile)} not written`);
    process.exitCode = 1;
    return;
  }
  const body = section(results, postgres, reference!);
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
