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
import { eventFires, type LedgerEvent } from './event-matching.js';
import { accountSnapshots } from '../flows/context.js';
import { validateFlow } from '../flows/validate.js';
import { formatMinor } from '../money/index.js';

export const jobNames = {
  occurrence: 'flow-occurrence',
  ledgerEvents: 'ledger-events',
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
}

export const defaultSchedulerOptions: SchedulerOptions = { missedAfterMs: 10 * 60_000, maxChainDepth: 5, eventBatchSize: 200, eventPollMs: 2_000, maxEventAttempts: 10 };

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

/**
 * Owns time: cron occurrences as Agenda jobs (one job per next occurrence, so a restart or a
 * second worker finds exactly the due ones) and the ledger-event dispatcher. Exactly-once comes
 * from the run's idempotency key (flow id, occurrence), not from Agenda's locks alone.
 */
export class FlowScheduler {
  constructor(
    private readonly db: Knex,
    private readonly agenda: Agenda,
    private readonly runner: FlowRunner,
    private readonly logger: Logger,
    private readonly options: SchedulerOptions = defaultSchedulerOptions,
  ) {}

  /** Registers the job handlers. Call before start(); API-only processes define but never start. */
  define(): void {
    this.agenda.define<OccurrenceData>(jobNames.occurrence, (job) => this.handleOccurrence(job), {
      concurrency: 4,
      backoff: exponential({ delay: 1_000, maxRetries: 5, factor: 2 }),
    });
    this.agenda.define(jobNames.ledgerEvents, () => this.dispatchLedgerEvents().then(() => undefined), { concurrency: 1 });
  }

  async start(): Promise<void> {
    await this.agenda.start();
    await this.agenda.every(this.options.eventPollMs, jobNames.ledgerEvents, {}, { skipImmediate: false });
    await this.ensureOccurrenceJobs();
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
    await this.db('flows').where({ id: flow.id }).update({ enabled: true, enabled_by: actor.userId, enabled_at: new Date() });
    const next = await this.scheduleNext(flow.id, graph, new Date());
    return { enabled: true, nextOccurrence: next?.toISOString() ?? null };
  }

  async disable(actor: Actor, flowId: string): Promise<{ enabled: false }> {
    const flow = await findFlow(this.db, actor, flowId);
    await this.db('flows').where({ id: flow.id }).update({ enabled: false });
    await this.agenda.cancel({ name: jobNames.occurrence, data: { flowId: flow.id } });
    return { enabled: false };
  }

  /** After an edit: pending occurrences follow the new schedule. */
  async reschedule(flowId: string): Promise<void> {
    await this.agenda.cancel({ name: jobNames.occurrence, data: { flowId } });
    const flow = await this.db('flows').where({ id: flowId }).first('enabled', 'current_version', 'archived_at');
    if (!flow?.enabled || flow.archived_at) return;
    const { graph } = await loadVersion(this.db, flowId, flow.current_version);
    await this.scheduleNext(flowId, graph, new Date());
  }

  /** Enabled schedule flows without a pending job get one (first start, or after a crash). */
  private async ensureOccurrenceJobs(): Promise<void> {
    const flows = await this.db('flows').where({ enabled: true, trigger_type: 'trigger.schedule' }).whereNull('archived_at').select('id', 'current_version');
    for (const flow of flows) {
      const pending = await this.agenda.queryJobs({ name: jobNames.occurrence, data: { flowId: flow.id }, limit: 1 });
      if (pending.jobs.length > 0) continue;
      const { graph } = await loadVersion(this.db, flow.id, flow.current_version);
      await this.scheduleNext(flow.id, graph, new Date());
    }
  }

  private async scheduleNext(flowId: string, graph: FlowGraph, after: Date): Promise<Date | undefined> {
    const trigger = scheduleTrigger(graph);
    if (!trigger) return undefined;
    const [next] = nextOccurrences(trigger.cron, trigger.timezone, after, 1);
    const data: OccurrenceData = { flowId, occurrence: next!.toISOString() };
    const job = this.agenda.create(jobNames.occurrence, data);
    job.schedule(next!);
    job.unique({ 'data.flowId': flowId, 'data.occurrence': data.occurrence }, { insertOnly: true });
    await job.save();
    return next;
  }

  /**
   * One occurrence: run it (or skip it, if it was missed and the flow says so), then schedule
   * the next occurrence after *now* — so a long outage yields one catch-up run, not a burst.
   */
  async handleOccurrence(job: Job<OccurrenceData>): Promise<void> {
    const { flowId, occurrence } = job.attrs.data;
    const flow = await this.db('flows').where({ id: flowId }).first();
    if (!flow || !flow.enabled || flow.archived_at) return;
    const { graph } = await loadVersion(this.db, flowId, flow.current_version);
    const trigger = scheduleTrigger(graph);
    if (!trigger) return;
    const actor: Actor = { userId: flow.enabled_by, householdId: flow.household_id };
    const lateMs = Date.now() - Date.parse(occurrence);
    let run: RunView;
    if (lateMs > this.options.missedAfterMs && (trigger.missed ?? 'catch_up') === 'skip') {
      run = await this.runner.recordSkipped(actor, flowId, occurrenceKey(occurrence), { type: 'schedule', occurredAt: occurrence }, `missed while Sluice was not running (${Math.round(lateMs / 60_000)} min late); this flow skips missed occurrences`);
    } else {
      run = await this.runner.run(actor, flowId, { idempotencyKey: occurrenceKey(occurrence), trigger: { type: 'schedule', occurredAt: occurrence }, createdBy: null });
    }
    await this.scheduleNext(flowId, graph, new Date(Math.max(Date.now(), Date.parse(occurrence))));
    if (run.status === 'failed' && run.error?.permanent === false) throw new TransientRunFailure(run.error.message);
  }

  /**
   * Reads the ledger-event outbox and fires matching event flows, once per (flow, posting) —
   * never a flow for its own postings, and never deeper than maxChainDepth.
   */
  async dispatchLedgerEvents(): Promise<number> {
    let handled = 0;
    for (;;) {
      const events = await claimPendingEvents(this.db, this.options.eventBatchSize);
      let retryLater = false;
      for (const event of events) {
        const outcome = await this.fireEvent(event);
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
  private async fireEvent(event: LedgerEvent): Promise<'done' | 'transient'> {
    const flows = await this.db('flows').where({ household_id: event.householdId, enabled: true, trigger_type: 'trigger.event' }).whereNull('archived_at').select('id', 'current_version', 'enabled_by', 'name');
    if (flows.length === 0) return 'done';
    const origin = event.flowRunId ? await this.db('flow_runs').where({ id: event.flowRunId }).first('flow_id', 'trigger') : undefined;
    const depth = origin ? Number(origin.trigger?.depth ?? 0) + 1 : 0;
    let outcome: 'done' | 'transient' = 'done';
    for (const flow of flows) {
      if (origin?.flow_id === flow.id) continue; // a flow never re-triggers itself
      const { graph } = await loadVersion(this.db, flow.id, flow.current_version);
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
  const claimed = await db.transaction(async (trx) => {
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
