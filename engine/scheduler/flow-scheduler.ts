import type { Agenda, Job } from 'agenda';
import { exponential } from 'agenda';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Actor } from '../auth/actor.js';
import { Conflict, RuleViolation } from '../errors.js';
import { findFlow, loadVersion } from '../flows/flow-service.js';
import type { FlowGraph } from '../flows/graph.js';
import { nextOccurrences, type EventData, type ScheduleData } from '../flows/nodes/triggers.js';
import { FlowRunner, type RunView } from '../flows/runner.js';
import { agendaTable, ensureOccurrenceIndex, lockNextWhenDone } from './agenda-factory.js';
import { eventFires, type LedgerEvent } from './event-matching.js';
import { accountSnapshots } from '../flows/context.js';
import { validateFlow } from '../flows/validate.js';
import { formatMinor } from '../money/index.js';
import { inTransaction } from '../db/transaction.js';

export const jobNames = {
  occurrence: 'flow-occurrence',
  ledgerEvents: 'ledger-events',
  scheduleRepair: 'flow-schedule-repair',
} as const;

export interface SchedulerOptions {
  /** An occurrence processed later than this after its time counts as missed. */
  missedAfterMs: number;
  /** Runs triggered by runs triggered by runs... stop here (a loop guard). */
  maxChainDepth: number;
  /** Outbox rows handled per dispatcher pass. */
  eventBatchSize: number;
  /** How often the dispatcher looks at the outbox. */
  eventPollMs: number;
  /** An event whose runs keep failing for passing reasons is given up (with an alert) after this many tries. */
  maxEventAttempts: number;
  /**
   * How long an occurrence job's lock lasts without news from its worker, which touches it
   * every `lockTouchesPerLifetime`-th of this while it works: only a dead (or frozen) worker's
   * lock runs out, and another worker takes its job over this long after, whatever the cron period.
   */
  lockLifetimeMs: number;
  /** Occurrence jobs one worker runs at once (it locks one more), leaving other due jobs to other workers. */
  occurrenceConcurrency: number;
  /** Most occurrences one job handles: a longer backlog (a long outage) continues in the next job. */
  maxOccurrencesPerJob: number;
  /** How often a worker looks for enabled schedules whose chain of occurrence jobs broke off. */
  repairEveryMs: number;
}

export const defaultSchedulerOptions: SchedulerOptions = {
  missedAfterMs: 10 * 60_000,
  maxChainDepth: 5,
  eventBatchSize: 200,
  eventPollMs: 2_000,
  maxEventAttempts: 10,
  lockLifetimeMs: 10_000,
  occurrenceConcurrency: 4,
  maxOccurrencesPerJob: 50,
  repairEveryMs: 5 * 60_000,
};

/** Jobs a worker locks beyond the ones it runs (see define()). */
export const lockedAheadPerWorker = 1;

/** Touches per lock lifetime: two may be late (a slow database, a busy event loop) before the lock runs out. */
const lockTouchesPerLifetime = 3;

/** Schedule triggers kept per process (flow versions are immutable, so an entry never goes stale). */
const triggerCacheSize = 10_000;

interface OccurrenceData {
  flowId: string;
  /** The scheduled instant, ISO-8601 UTC: with the flow id, the run's idempotency key. */
  occurrence: string;
}

/** A run failed for a reason that may pass (the database went away): Agenda retries it. */
class TransientRunFailure extends Error {}

function scheduleTrigger(graph: FlowGraph): ScheduleData | undefined {
  return graph.nodes.find((node) => node.type === 'trigger.schedule')?.data as ScheduleData | undefined;
}

function eventTrigger(graph: FlowGraph): EventData | undefined {
  return graph.nodes.find((node) => node.type === 'trigger.event')?.data as EventData | undefined;
}

export const occurrenceKey = (occurrence: string) => `schedule:${occurrence}`;

/** An enabled flow's schedule, as the occurrence handler needs it. */
interface ActiveSchedule {
  flowId: string;
  actor: Actor;
  trigger: ScheduleData;
  /** Owed occurrences lie after this (flows.schedule_from); undefined for flows enabled before it was kept. */
  from: Date | undefined;
}

const later = (a: Date, b: Date | undefined) => (b && b.getTime() > a.getTime() ? b : a);

/**
 * The occurrence that follows `after` on the flow's schedule: the cron occurrence after it, or,
 * for an instant before the schedule took effect, the first one after that.
 */
function successor(schedule: ActiveSchedule, after: Date): Date {
  return nextOccurrences(schedule.trigger.cron, schedule.trigger.timezone, later(after, schedule.from), 1)[0]!;
}

const failedTransiently = (run: RunView) => run.status === 'failed' && run.error?.permanent === false;

/**
 * Touches the job's lock every `lifetimeMs / lockTouchesPerLifetime` until the returned stop is
 * awaited; a tick while a touch is still in flight is left out (one at a time). Stop waits for
 * the touch in flight: landing after Agenda marked the job done, it would lock the finished job
 * again, and the job would run again when that lock ran out.
 */
function keepLockAlive(job: Job<OccurrenceData>, lifetimeMs: number, logger: Logger): () => Promise<void> {
  // A job handed in directly (tests, tools) was never locked.
  if (!job.attrs._id) return async () => undefined;
  let inFlight: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = job
      .touch()
      .catch((error: unknown) => logger.warn({ err: error, jobId: String(job.attrs._id) }, 'could not extend an occurrence job lock'))
      .finally(() => {
        inFlight = undefined;
      });
  }, lifetimeMs / lockTouchesPerLifetime);
  return async () => {
    clearInterval(timer);
    await inFlight;
  };
}

/**
 * Owns time: cron occurrences as Agenda jobs and the ledger-event dispatcher. An occurrence job
 * handles its occurrence, then the ones after it that are already due (a backlog), at most
 * `maxOccurrencesPerJob`, and leaves the next one as a job — so every occurrence after the
 * schedule took effect gets exactly one run (committed, failed or skipped with its reason),
 * whoever dies when. Exactly-once comes from the run's idempotency key (flow id, occurrence),
 * not from Agenda's locks alone: a job redelivered after its worker died finds the runs it made.
 */
export class FlowScheduler {
  /** `${flowId}:${version}` → its schedule trigger (null: the version has none). */
  private readonly triggers = new Map<string, ScheduleData | null>();

  constructor(
    private readonly db: Knex,
    private readonly agenda: Agenda,
    private readonly runner: FlowRunner,
    private readonly logger: Logger,
    private readonly options: SchedulerOptions = defaultSchedulerOptions,
  ) {}

  /** Registers the job handlers. Call before start(); API-only processes define but never start. */
  define(): void {
    const concurrency = this.options.occurrenceConcurrency;
    this.agenda.define<OccurrenceData>(jobNames.occurrence, (job) => this.handleOccurrence(job), {
      concurrency,
      // Lock one job more than can run: when a slot frees, the waiting job starts without a lock
      // query in between. No more: the other due jobs stay free for other workers, a worker that
      // dies strands only these few (until their short locks run out), and a job waiting longer
      // than its lock lifetime would expire in the queue (Agenda touches only running jobs, and
      // drops an expired one without giving back its slot).
      lockLimit: concurrency + lockedAheadPerWorker,
      lockLifetime: this.options.lockLifetimeMs,
      backoff: exponential({ delay: 1_000, maxRetries: 5, factor: 2 }),
    });
    lockNextWhenDone(this.agenda, jobNames.occurrence);
    this.agenda.define(jobNames.ledgerEvents, () => this.dispatchLedgerEvents().then(() => undefined), { concurrency: 1 });
    this.agenda.define(jobNames.scheduleRepair, () => this.repairSchedules().then(() => undefined), { concurrency: 1 });
  }

  async start(): Promise<void> {
    await this.agenda.start();
    await ensureOccurrenceIndex(this.db, jobNames.occurrence);
    await this.agenda.every(this.options.eventPollMs, jobNames.ledgerEvents, {}, { skipImmediate: false });
    await this.repairSchedules();
    await this.agenda.every(this.options.repairEveryMs, jobNames.scheduleRepair, {}, { skipImmediate: true });
  }

  /** Turns a flow on: a schedule gets its next occurrence job; an event flow starts listening. */
  async enable(actor: Actor, flowId: string): Promise<{ enabled: true; nextOccurrence: string | null }> {
    const flow = await findFlow(this.db, actor, flowId);
    const { graph, settings } = await loadVersion(this.db, flow.id, flow.current_version);
    const { problems } = validateFlow(graph, settings, await accountSnapshots(this.db, actor.householdId));
    if (problems.length > 0) throw new RuleViolation(`fix the flow's ${problems.length} problem(s) before enabling it`, problems, 'flow_invalid');
    if (graph.nodes.some((node) => node.type === 'trigger.manual')) {
      throw new RuleViolation('a flow with a manual trigger runs when you press Run; give it a schedule or an event trigger to enable it', [], 'manual_trigger');
    }
    const now = new Date();
    // Enabling an enabled flow again keeps what it still owes (a backlog is not written off).
    const scheduleFrom = this.db.raw('case when enabled and schedule_from is not null then schedule_from else ?::timestamptz end', [now]);
    await this.db('flows').where({ id: flow.id }).update({ enabled: true, enabled_by: actor.userId, enabled_at: now, schedule_from: scheduleFrom });
    const trigger = scheduleTrigger(graph);
    if (!trigger) return { enabled: true, nextOccurrence: null };
    const [next] = nextOccurrences(trigger.cron, trigger.timezone, now, 1);
    await this.scheduleOccurrence(flow.id, next!);
    return { enabled: true, nextOccurrence: next!.toISOString() };
  }

  async disable(actor: Actor, flowId: string): Promise<{ enabled: false }> {
    const flow = await findFlow(this.db, actor, flowId);
    await this.db('flows').where({ id: flow.id }).update({ enabled: false });
    await this.agenda.cancel({ name: jobNames.occurrence, data: { flowId: flow.id } });
    return { enabled: false };
  }

  /** After an edit: pending occurrences follow the new schedule, which takes effect now. */
  async reschedule(flowId: string): Promise<void> {
    await this.agenda.cancel({ name: jobNames.occurrence, data: { flowId } });
    const flow = await this.db('flows').where({ id: flowId }).first('enabled', 'current_version', 'archived_at');
    if (!flow?.enabled || flow.archived_at) return;
    const now = new Date();
    await this.db('flows').where({ id: flowId }).update({ schedule_from: now });
    const trigger = await this.triggerOf(flowId, flow.current_version);
    if (!trigger) return;
    await this.scheduleOccurrence(flowId, nextOccurrences(trigger.cron, trigger.timezone, now, 1)[0]!);
  }

  /**
   * Enabled schedules without a live occurrence job (none pending, none locked) get one again,
   * resumed from the runs table: the occurrence after the last one that has a run (or after the
   * schedule took effect). A chain breaks off only if a job fails for good before it scheduled
   * its successor (say, a database that refused every retry); nothing owed is skipped.
   */
  async repairSchedules(): Promise<number> {
    const broken: { id: string }[] = await this.db('flows as f')
      .where({ 'f.enabled': true, 'f.trigger_type': 'trigger.schedule' })
      .whereNull('f.archived_at')
      .whereNotExists((live) =>
        live
          .select(1)
          .from(`${agendaTable} as j`)
          .where('j.name', jobNames.occurrence)
          .whereRaw(`j.data->>'flowId' = f.id::text`)
          .andWhere((state) => state.whereNotNull('j.next_run_at').orWhereNotNull('j.locked_at')),
      )
      .select('f.id');
    for (const { id } of broken) {
      const schedule = await this.loadSchedule(id);
      if (!schedule) continue;
      const resumeAt = successor(schedule, (await this.lastOccurrenceRun(id)) ?? schedule.from ?? new Date());
      // A dead job of that occurrence (its retries ran out) would make the insert-only save a no-op.
      await this.agenda.cancel({ name: jobNames.occurrence, data: { flowId: id, occurrence: resumeAt.toISOString() } });
      await this.scheduleOccurrence(id, resumeAt);
      this.logger.warn({ flowId: id, resumeAt: resumeAt.toISOString() }, 'resumed a scheduled flow whose occurrence jobs had stopped');
    }
    return broken.length;
  }

  /** The latest occurrence of the flow that has a run (keys are `schedule:<ISO instant>`, which sort by time). */
  private async lastOccurrenceRun(flowId: string): Promise<Date | undefined> {
    const row = await this.db('flow_runs')
      .where({ flow_id: flowId })
      .andWhere('idempotency_key', 'like', 'schedule:%')
      .andWhereRaw(`trigger->>'type' = 'schedule'`)
      .orderBy('idempotency_key', 'desc')
      .first('idempotency_key');
    const instant = row ? Date.parse((row.idempotency_key as string).slice('schedule:'.length)) : Number.NaN;
    return Number.isNaN(instant) ? undefined : new Date(instant);
  }

  /** Saves the job for one occurrence unless it exists (a redelivered job, a second worker). */
  private async scheduleOccurrence(flowId: string, occurrence: Date): Promise<void> {
    const data: OccurrenceData = { flowId, occurrence: occurrence.toISOString() };
    const job = this.agenda.create(jobNames.occurrence, data);
    job.schedule(occurrence);
    job.unique({ 'data.flowId': flowId, 'data.occurrence': data.occurrence }, { insertOnly: true });
    await job.save();
  }

  /** The flow, if it is enabled with a schedule; its trigger from the per-process version cache. */
  private async loadSchedule(flowId: string): Promise<ActiveSchedule | undefined> {
    const flow = await this.db('flows').where({ id: flowId }).first('household_id', 'enabled', 'enabled_by', 'archived_at', 'current_version', 'schedule_from');
    if (!flow || !flow.enabled || flow.archived_at) return undefined;
    const trigger = await this.triggerOf(flowId, flow.current_version);
    if (!trigger) return undefined;
    return { flowId, actor: { userId: flow.enabled_by, householdId: flow.household_id }, trigger, from: flow.schedule_from ? new Date(flow.schedule_from) : undefined };
  }

  private async triggerOf(flowId: string, version: number): Promise<ScheduleData | undefined> {
    const key = `${flowId}:${version}`;
    if (!this.triggers.has(key)) {
      const { graph } = await loadVersion(this.db, flowId, version);
      // Oldest first out: Map iteration follows insertion order.
      if (this.triggers.size >= triggerCacheSize) this.triggers.delete(this.triggers.keys().next().value!);
      this.triggers.set(key, scheduleTrigger(graph) ?? null);
    }
    return this.triggers.get(key) ?? undefined;
  }

  /**
   * One occurrence job: its occurrence, then — while the next occurrence is already due and
   * fewer than `maxOccurrencesPerJob` are done — the next; then the next occurrence as a job
   * (due now if the backlog goes on). A retry handles only its own occurrence: the rest of its
   * backlog went to the job scheduled when it first failed.
   */
  async handleOccurrence(job: Job<OccurrenceData>): Promise<void> {
    const schedule = await this.loadSchedule(job.attrs.data.flowId);
    if (!schedule) return;
    const limit = job.attrs.failCount ? 1 : this.options.maxOccurrencesPerJob;
    const stopTouching = keepLockAlive(job, this.options.lockLifetimeMs, this.logger);
    let failure: string | undefined;
    try {
      failure = await this.handleBacklog(schedule, new Date(job.attrs.data.occurrence), limit);
    } finally {
      await stopTouching();
    }
    if (failure) throw new TransientRunFailure(failure);
  }

  /** Handles occurrences from `first` on; returns the message of a passing failure of `first` (Agenda retries the job). */
  private async handleBacklog(schedule: ActiveSchedule, first: Date, limit: number): Promise<string | undefined> {
    let occurrence = first;
    for (let handled = 1; ; handled += 1) {
      const run = await this.handleOne(schedule, occurrence);
      if (failedTransiently(run) && handled > 1) {
        // A later occurrence of the backlog failed for a passing reason: it becomes the next job,
        // whose own retries go through Agenda's backoff.
        await this.scheduleOccurrence(schedule.flowId, occurrence);
        return undefined;
      }
      const next = successor(schedule, occurrence);
      if (failedTransiently(run) || handled >= limit || next.getTime() > Date.now()) {
        await this.scheduleOccurrence(schedule.flowId, next);
        return failedTransiently(run) ? run.error!.message : undefined;
      }
      occurrence = next;
    }
  }

  /** Runs one occurrence under its key, or records it skipped if it was missed and the flow says so. */
  private async handleOne(schedule: ActiveSchedule, occurrence: Date): Promise<RunView> {
    const iso = occurrence.toISOString();
    const trigger = { type: 'schedule' as const, occurredAt: iso };
    const lateMs = Date.now() - occurrence.getTime();
    if (lateMs > this.options.missedAfterMs && (schedule.trigger.missed ?? 'catch_up') === 'skip') {
      const reason = `missed while Sluice was not running (${Math.round(lateMs / 60_000)} min late); this flow skips missed occurrences`;
      return this.runner.recordSkipped(schedule.actor, schedule.flowId, occurrenceKey(iso), trigger, reason);
    }
    return this.runner.run(schedule.actor, schedule.flowId, { idempotencyKey: occurrenceKey(iso), trigger, createdBy: null });
  }

  /**
   * Reads the ledger-event outbox and fires matching event flows, once per (flow, posting) —
   * never a flow for its own postings, and never deeper than maxChainDepth.
   */
  async dispatchLedgerEvents(): Promise<number> {
    let handled = 0;
    // Versions are immutable: a pass reads each flow version's graph once, not once per posting.
    const graphs = new Map<string, Promise<FlowGraph>>();
    for (;;) {
      const events = await claimPendingEvents(this.db, this.options.eventBatchSize);
      let retryLater = false;
      for (const event of events) {
        const outcome = await this.fireEvent(event, graphs);
        if (outcome === 'transient' && event.attempts + 1 < this.options.maxEventAttempts) {
          // Hand the event back: the next dispatcher pass fires it again under the same run key,
          // and the runner re-attempts the failed run instead of starting a second one.
          await this.db('ledger_events').where({ id: event.id.toString() }).update({ claimed_at: null, attempts: event.attempts + 1 });
          retryLater = true;
          continue;
        }
        if (outcome === 'transient') await this.raiseGaveUp(event);
        await this.db('ledger_events').where({ id: event.id.toString() }).update({ processed_at: new Date(), attempts: event.attempts + 1 });
        handled += 1;
      }
      // After a passing failure the database is likely unwell: leave the rest for the next pass.
      if (retryLater || events.length < this.options.eventBatchSize) return handled;
    }
  }

  private async raiseGaveUp(event: LedgerEvent): Promise<void> {
    await this.db('alerts').insert({
      household_id: event.householdId,
      kind: 'system',
      level: 'error',
      message: `a posting to an account of yours could not start its event flows after ${event.attempts + 1} attempts; run them by hand if they are still needed`,
    });
  }

  /** Fires every matching flow for one posting; 'transient' if a run failed for a passing reason. */
  private async fireEvent(event: LedgerEvent, graphs: Map<string, Promise<FlowGraph>>): Promise<'done' | 'transient'> {
    const flows = await this.db('flows').where({ household_id: event.householdId, enabled: true, trigger_type: 'trigger.event' }).whereNull('archived_at').select('id', 'current_version', 'enabled_by', 'name');
    if (flows.length === 0) return 'done';
    const origin = event.flowRunId ? await this.db('flow_runs').where({ id: event.flowRunId }).first('flow_id', 'trigger') : undefined;
    const depth = origin ? Number(origin.trigger?.depth ?? 0) + 1 : 0;
    let outcome: 'done' | 'transient' = 'done';
    for (const flow of flows) {
      if (origin?.flow_id === flow.id) continue; // a flow never re-triggers itself
      const versionKey = `${flow.id}:${flow.current_version}`;
      if (!graphs.has(versionKey)) graphs.set(versionKey, loadVersion(this.db, flow.id, flow.current_version).then((version) => version.graph));
      const graph = await graphs.get(versionKey)!;
      const trigger = eventTrigger(graph);
      if (!trigger || !eventFires(trigger, event)) continue;
      if (depth >= this.options.maxChainDepth) {
        if (event.attempts === 0) await this.db('alerts').insert({ household_id: event.householdId, kind: 'system', level: 'warning', message: `${flow.name} was not started: ${depth} flows in a row triggered each other (limit ${this.options.maxChainDepth})`, flow_id: flow.id });
        continue;
      }
      const key = trigger.event === 'transaction.posted' ? `event:${event.postingId}` : `event:${event.journalId}:${event.accountId}`;
      try {
        const run = await this.runner.run({ userId: flow.enabled_by, householdId: event.householdId }, flow.id, {
          idempotencyKey: key,
          createdBy: null,
          trigger: {
            type: 'event',
            // The posting's time, not the dispatch time: a redelivered event is the same request.
            occurredAt: event.createdAt,
            depth,
            transaction: { accountId: event.accountId, amount: formatMinor(event.amountMinor, event.currency), journalId: event.journalId, ...(event.payee ? { payee: event.payee } : {}), memo: event.memo, ...(event.categoryId ? { categoryId: event.categoryId } : {}) },
          },
        });
        if (run.status === 'failed' && run.error?.permanent === false) outcome = 'transient';
      } catch (error) {
        if (!(error instanceof Conflict)) throw error;
      }
    }
    return outcome;
  }

  /** Upcoming occurrence jobs of a household's enabled flows, soonest first. */
  async upcoming(householdId: string, limit: number) {
    const flows = await this.db('flows').where({ household_id: householdId, enabled: true }).whereNull('archived_at').select('id', 'name');
    const upcoming = [];
    for (const flow of flows) {
      const { jobs } = await this.agenda.queryJobs({ name: jobNames.occurrence, data: { flowId: flow.id }, limit: 10 });
      for (const job of jobs) {
        if (!job.nextRunAt) continue;
        upcoming.push({ flowId: flow.id, flowName: flow.name as string, occurrence: (job.data as OccurrenceData).occurrence, nextRunAt: new Date(job.nextRunAt).toISOString(), lastFailure: job.failReason ?? null });
      }
    }
    return upcoming.sort((a, b) => a.nextRunAt.localeCompare(b.nextRunAt)).slice(0, limit);
  }
}

/** A claim older than this belongs to a dispatcher that died; its events are fired again (idempotently). */
const claimTimeoutMs = 5 * 60_000;

/**
 * Claims a batch of outbox rows in a short transaction of its own. Runs happen outside it: on
 * embedded PGlite one open transaction would block every other connection.
 */
async function claimPendingEvents(db: Knex, limit: number): Promise<LedgerEvent[]> {
  const claimed = await inTransaction(db, async (trx) => {
    const ids = await trx('ledger_events')
      .whereNull('processed_at')
      .andWhere((where) => where.whereNull('claimed_at').orWhere('claimed_at', '<', new Date(Date.now() - claimTimeoutMs)))
      .orderBy('id')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .pluck('id');
    if (ids.length > 0) await trx('ledger_events').whereIn('id', ids.map(String)).update({ claimed_at: new Date() });
    return ids.map(String);
  });
  if (claimed.length === 0) return [];
  const rows = await db('ledger_events as e')
    .join('journals as j', 'j.id', 'e.journal_id')
    .whereIn('e.id', claimed)
    .orderBy('e.id')
    .select('e.*', 'j.payee', 'j.memo', db.raw(`(select case when count(*) = 1 then min(o.account_id::text) end from postings o where o.journal_id = e.journal_id and o.account_id <> e.account_id) as category_id`));
  return rows.map((row) => ({
    id: BigInt(row.id),
    householdId: row.household_id,
    postingId: BigInt(row.posting_id),
    journalId: row.journal_id,
    entityId: row.entity_id,
    accountId: row.account_id,
    amountMinor: row.amount_minor,
    currency: row.currency,
    balanceBeforeMinor: row.balance_before_minor,
    balanceAfterMinor: row.balance_after_minor,
    flowRunId: row.flow_run_id,
    payee: row.payee,
    memo: row.memo,
    categoryId: row.category_id,
    createdAt: new Date(row.created_at).toISOString(),
    attempts: Number(row.attempts),
  }));
}
