import { createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Actor } from '../auth/actor.js';
import { isUuid } from '../auth/actor.js';
import { AuditLog } from '../audit/audit-log.js';
import { canonicalJson } from '../audit/canonical-json.js';
import { Conflict, NotFound, RuleViolation, type FieldProblem } from '../errors.js';
import { InterEntityTransferService } from '../ledger/inter-entity.js';
import { insertJournals, type JournalDraft } from '../ledger/journal-store.js';
import { assertBookDate, reverseJournals } from '../ledger/journals.js';
import { formatMinor, MoneyError, parseMoney } from '../money/index.js';
import { accountSnapshots, referencedAccountIds } from './context.js';
import { findFlow, loadVersion } from './flow-service.js';
import type { FlowGraph, FlowSettings } from './graph.js';
import type { AccountSnapshot, PlanContext, PlannedEffect, TriggerData } from './node-type.js';
import { planFlow, serialisePlan, type Plan, type SerialisedPlan } from './planner.js';
import { validateFlow, type FlowProblem } from './validate.js';
import { inTransaction } from '../db/transaction.js';

/** What a caller may say about the occurrence that starts a run (amounts as decimal strings). */
export interface TriggerInput {
  type?: 'manual' | 'schedule' | 'event';
  occurredAt?: string;
  /** How many flow runs led to this one through events (0: a person or a schedule). */
  depth?: number;
  transaction?: { accountId: string; amount: string; payee?: string; memo?: string; categoryId?: string; journalId?: string };
}

export interface PlanOptions {
  trigger?: TriggerInput;
  /** Book date of the run, YYYY-MM-DD; default today in the flow's time zone. */
  date?: string;
  /** Preview only: pretend these balances (decimal strings by account id). */
  balances?: Record<string, string>;
}

export type RunStatus = 'planned' | 'awaiting_approval' | 'committed' | 'failed' | 'rejected' | 'reverted' | 'skipped';

export interface RunView {
  id: string;
  flowId: string;
  version: number;
  status: RunStatus;
  idempotencyKey: string;
  trigger: unknown;
  plan: SerialisedPlan | null;
  error: { message: string; reasons?: string[]; problems?: FieldProblem[]; permanent?: boolean } | null;
  attempts: number;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  approvedBy: string | null;
  approvedAt: string | null;
  revertedAt: string | null;
  journalIds: string[];
  transferIds: string[];
}

/** A run that cannot commit: the flow is invalid, funds are short, or a cap is exceeded. */
export class RunRefused extends RuleViolation {
  constructor(message: string, readonly reasons: string[], problems: FieldProblem[] = []) {
    super(message, problems, 'run_refused');
  }
}

/** Time zone of a flow: its schedule trigger's, else UTC. */
function flowTimeZone(graph: FlowGraph): string {
  const schedule = graph.nodes.find((node) => node.type === 'trigger.schedule');
  return (schedule?.data.timezone as string | undefined) ?? 'UTC';
}

export function dateInZone(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

function triggerData(input: TriggerInput | undefined, settings: FlowSettings, accounts: ReadonlyMap<string, AccountSnapshot>): TriggerData {
  const type = input?.type ?? 'manual';
  const occurredAt = input?.occurredAt ?? new Date().toISOString();
  if (!input?.transaction) return { type, occurredAt };
  const account = accounts.get(input.transaction.accountId);
  if (!account) throw new RuleViolation('the trigger names an unknown account', [{ field: '/trigger/transaction/accountId', message: 'no such account in your household', code: 'unknown_account' }]);
  let amountMinor: bigint;
  try {
    amountMinor = parseMoney(input.transaction.amount, settings.currency).amountMinor;
  } catch (error) {
    if (error instanceof MoneyError) throw new RuleViolation(error.message, [{ field: '/trigger/transaction/amount', message: error.message, code: error.code }]);
    throw error;
  }
  return { type, occurredAt, transaction: { ...input.transaction, accountId: account.id, amountMinor } };
}

function withPretendBalances(accounts: Map<string, AccountSnapshot>, balances: Record<string, string> | undefined, currency: string): Map<string, AccountSnapshot> {
  for (const [accountId, amount] of Object.entries(balances ?? {})) {
    const account = accounts.get(accountId);
    const field = `/balances/${accountId}`;
    if (!account) throw new RuleViolation('a pretend balance names an unknown account', [{ field, message: 'no such account in your household', code: 'unknown_account' }]);
    try {
      accounts.set(accountId, { ...account, balanceMinor: parseMoney(amount, currency).amountMinor });
    } catch (error) {
      if (error instanceof MoneyError) throw new RuleViolation(error.message, [{ field, message: error.message, code: error.code }]);
      throw error;
    }
  }
  return accounts;
}

/**
 * Plans a flow version against a snapshot. With `lock`, the accounts it mentions are locked
 * first so the commit that follows in the same transaction sees exactly these balances.
 */
async function planVersion(db: Knex, actor: Actor, graph: FlowGraph, settings: FlowSettings, options: PlanOptions, lock: boolean): Promise<Plan> {
  const accounts = withPretendBalances(await accountSnapshots(db, actor.householdId, lock ? referencedAccountIds(graph) : []), options.balances, settings.currency);
  const validated = validateFlow(graph, settings, accounts);
  if (validated.problems.length > 0) {
    throw new RunRefused(`the flow has ${validated.problems.length} problem(s) to fix first`, validated.problems.map((problem) => problem.message), validated.problems);
  }
  const trigger = triggerData(options.trigger, settings, accounts);
  const date = options.date ?? dateInZone(new Date(trigger.occurredAt), flowTimeZone(graph));
  assertBookDate(date, '/date');
  const context: PlanContext = { currency: settings.currency, date, trigger, accounts };
  return planFlow(graph, settings, validated, context);
}

function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

export class FlowRunner {
  constructor(
    private readonly db: Knex,
    private readonly audit: AuditLog,
    private readonly transfers: InterEntityTransferService,
    private readonly logger: Logger,
  ) {}

  /** Dry run of a saved flow: the exact effects, edge amounts and trace. Nothing is written. */
  async preview(actor: Actor, flowId: string, options: PlanOptions & { version?: number }) {
    const flow = await findFlow(this.db, actor, flowId);
    const version = options.version ?? flow.current_version;
    const { graph, settings } = await loadVersion(this.db, flow.id, version);
    return { flowId: flow.id, version, ...(await this.previewGraph(actor, graph, settings, options)) };
  }

  /** Dry run of an unsaved graph (the studio's editor state). */
  async previewGraph(actor: Actor, graph: FlowGraph, settings: FlowSettings, options: PlanOptions) {
    try {
      const plan = await planVersion(this.db, actor, graph, settings, options, false);
      // Nodes that broke on this data are problems of the flow too, located on the node.
      const problems: FlowProblem[] = plan.nodeErrors.map((error) => ({ nodeId: error.nodeId, field: `/nodes/${graph.nodes.findIndex((node) => node.id === error.nodeId)}/data`, message: error.message, code: 'evaluation_failed' }));
      return { problems, plan: serialisePlan(plan) };
    } catch (error) {
      if (error instanceof RunRefused) return { problems: error.problems as FlowProblem[], plan: null };
      throw error;
    }
  }

  /**
   * Runs the current version once per idempotency key: plan and commit in one transaction, or
   * a failed run with nothing written. The same key again (even concurrently) returns that run.
   */
  async run(actor: Actor, flowId: string, options: PlanOptions & { idempotencyKey?: string; createdBy?: string | null }): Promise<RunView> {
    const flow = await findFlow(this.db, actor, flowId);
    const key = options.idempotencyKey ?? `manual:${randomUUID()}`;
    const requestHash = fingerprint({ trigger: options.trigger ?? null, date: options.date ?? null });
    const started = Date.now();
    const claim = { id: randomUUID(), flowId: flow.id, householdId: actor.householdId, version: flow.current_version, key, requestHash, trigger: options.trigger ?? { type: 'manual' }, createdBy: options.createdBy ?? actor.userId };
    try {
      return await inTransaction(this.db, async (trx) => {
        const claimed = await claimRun(trx, claim);
        if (typeof claimed === 'string') return this.view(trx, claimed);
        const runId = claimed?.reclaimed ?? claim.id;
        const { graph, settings } = await loadVersion(trx, flow.id, flow.current_version);
        const plan = await planVersion(trx, actor, graph, settings, options, true);
        if (plan.blockers.length > 0) throw new RunRefused(plan.blockers.join('; '), plan.blockers);
        if (plan.needsApproval) {
          await trx('flow_runs').where({ id: runId }).update({ status: 'awaiting_approval', plan: JSON.stringify(serialisePlan(plan)), duration_ms: Date.now() - started });
          await trx('alerts').insert({ household_id: actor.householdId, kind: 'awaiting_approval', level: 'info', message: `${flow.name} is waiting for your approval`, flow_id: flow.id, flow_run_id: runId });
          return this.view(trx, runId);
        }
        await this.commit(trx, actor, runId, plan, null);
        await trx('flow_runs').where({ id: runId }).update({ status: 'committed', plan: JSON.stringify(serialisePlan(plan)), finished_at: new Date(), duration_ms: Date.now() - started });
        await this.audit.record(trx, [{ householdId: actor.householdId, actorUserId: actor.userId, action: 'flow_run.commit', resourceType: 'flow_run', resourceId: runId, after: { flowId: flow.id, version: flow.current_version, moved: formatMinor(plan.movedMinor, plan.currency) } }]);
        return this.view(trx, runId);
      });
    } catch (error) {
      if (error instanceof Conflict) throw error;
      return this.recordFailure(actor, claim, flow.name, error, started);
    }
  }

  /** Records an occurrence that was deliberately not run (missed while down, policy "skip"). */
  async recordSkipped(actor: Actor, flowId: string, idempotencyKey: string, trigger: TriggerInput, reason: string): Promise<RunView> {
    const flow = await findFlow(this.db, actor, flowId);
    return inTransaction(this.db, async (trx) => {
      const claim = { id: randomUUID(), flowId: flow.id, householdId: actor.householdId, version: flow.current_version, key: idempotencyKey, requestHash: fingerprint({ trigger, date: null }), trigger, createdBy: null };
      const existing = await claimRun(trx, { ...claim, status: 'skipped', error: { message: reason, permanent: true }, durationMs: 0 });
      return this.view(trx, typeof existing === 'string' ? existing : claim.id);
    });
  }

  /** Re-plans against current balances; commits if nothing changed, else shows the new plan. */
  async approve(actor: Actor, runId: string): Promise<{ run: RunView; changed: boolean; previousPlan?: SerialisedPlan }> {
    return inTransaction(this.db, async (trx) => {
      const run = await lockRun(trx, actor, runId);
      if (run.status !== 'awaiting_approval') throw new Conflict(`run ${run.id} is ${run.status}, not awaiting approval`, 'not_awaiting_approval');
      const { graph, settings } = await loadVersion(trx, run.flow_id, run.version);
      const plan = await planVersion(trx, actor, graph, settings, { trigger: run.trigger, date: run.plan.date }, true);
      const replanned = serialisePlan(plan);
      if (canonicalJson(replanned.effects) !== canonicalJson(run.plan.effects) || plan.blockers.length > 0) {
        await trx('flow_runs').where({ id: run.id }).update({ plan: JSON.stringify(replanned) });
        return { run: await this.view(trx, run.id), changed: true, previousPlan: run.plan };
      }
      await this.commit(trx, actor, run.id, plan, actor.userId);
      await trx('flow_runs').where({ id: run.id }).update({ status: 'committed', approved_by: actor.userId, approved_at: new Date(), finished_at: new Date() });
      await this.audit.record(trx, [{ householdId: actor.householdId, actorUserId: actor.userId, action: 'flow_run.approve', resourceType: 'flow_run', resourceId: run.id }]);
      return { run: await this.view(trx, run.id), changed: false };
    });
  }

  async reject(actor: Actor, runId: string): Promise<RunView> {
    return inTransaction(this.db, async (trx) => {
      const run = await lockRun(trx, actor, runId);
      if (run.status !== 'awaiting_approval') throw new Conflict(`run ${run.id} is ${run.status}, not awaiting approval`, 'not_awaiting_approval');
      await trx('flow_runs').where({ id: run.id }).update({ status: 'rejected', finished_at: new Date() });
      await this.audit.record(trx, [{ householdId: actor.householdId, actorUserId: actor.userId, action: 'flow_run.reject', resourceType: 'flow_run', resourceId: run.id }]);
      return this.view(trx, run.id);
    });
  }

  /** Reversal journals for everything the run posted (transfers as pairs); once only. */
  async revert(actor: Actor, runId: string): Promise<RunView> {
    return inTransaction(this.db, async (trx) => {
      const run = await lockRun(trx, actor, runId);
      if (run.status === 'reverted') throw new Conflict(`run ${run.id} was already reverted`, 'already_reverted');
      if (run.status !== 'committed') throw new Conflict(`run ${run.id} is ${run.status}: only a committed run can be reverted`, 'not_committed');
      const memo = `Revert of flow run ${run.id}`;
      // Anything the user already reversed by hand stays reversed once: skip it.
      const notReversed = (query: Knex.QueryBuilder, journalColumn: string) =>
        query.whereNotExists((sub) => sub.select(1).from('journals as r').whereRaw(`r.reverses_journal_id = ${journalColumn}`));
      const transferIds: string[] = await notReversed(trx('inter_entity_transfers as t').where('t.flow_run_id', run.id), 't.from_journal_id').orderBy('t.created_at').pluck('t.id');
      for (const transferId of transferIds) await this.transfers.reverse(trx, actor, transferId, { memo });
      const journalIds: string[] = await notReversed(trx('journals as j').where('j.flow_run_id', run.id).whereNull('j.inter_entity_transfer_id'), 'j.id').orderBy('j.seq').pluck('j.id');
      await reverseJournals(trx, actor, journalIds, 'reversal', { memo });
      const assignments = await trx('envelope_assignments').where({ flow_run_id: run.id }).whereNull('reverses_assignment_id');
      if (assignments.length > 0) {
        await trx('envelope_assignments').insert(
          assignments.map((row) => ({ entity_id: row.entity_id, category_account_id: row.category_account_id, month: row.month, amount_minor: (-row.amount_minor).toString(), currency: row.currency, reverses_assignment_id: row.id, created_by: actor.userId })),
        );
      }
      await trx('flow_runs').where({ id: run.id }).update({ status: 'reverted', reverted_by: actor.userId, reverted_at: new Date() });
      await this.audit.record(trx, [{ householdId: actor.householdId, actorUserId: actor.userId, action: 'flow_run.revert', resourceType: 'flow_run', resourceId: run.id }]);
      return this.view(trx, run.id);
    });
  }

  async get(actor: Actor, runId: string): Promise<RunView> {
    const run = isUuid(runId) ? await this.db('flow_runs').where({ id: runId, household_id: actor.householdId }).first('id') : undefined;
    if (!run) throw new NotFound('run', runId);
    return this.view(this.db, run.id);
  }

  async list(actor: Actor, flowId: string, page: { limit: number; offset: number }) {
    const flow = await findFlow(this.db, actor, flowId);
    const ids: string[] = await this.db('flow_runs').where({ flow_id: flow.id }).orderBy('started_at', 'desc').limit(page.limit).offset(page.offset).pluck('id');
    const total = (await this.db('flow_runs').where({ flow_id: flow.id }).count<{ n: bigint }[]>({ n: '*' }))[0]?.n ?? 0n;
    return { data: await Promise.all(ids.map((id) => this.view(this.db, id))), total: Number(total) };
  }

  /** Writes a plan's effects inside the run's transaction. */
  private async commit(trx: Knex.Transaction, actor: Actor, runId: string, plan: Plan, approvedBy: string | null): Promise<void> {
    const accounts = await accountSnapshots(trx, actor.householdId);
    const drafts: JournalDraft[] = [];
    for (const effect of plan.effects) {
      if (effect.type === 'transfer' && effect.kind) {
        await this.transfers.record(
          trx,
          actor,
          { kind: effect.kind, date: plan.date, amount: formatMinor(effect.amountMinor, plan.currency), fromAccountId: effect.fromAccountId, toAccountId: effect.toAccountId, purpose: effect.purpose ?? effect.memo, memo: effect.memo, ...(effect.documentRef ? { documentRef: effect.documentRef } : {}) },
          { flowRunId: runId, ...(approvedBy ? { approvedBy } : {}) },
        );
      } else if (effect.type === 'transfer') {
        drafts.push(journalForTransfer(effect, accounts, plan, runId, actor));
      } else if (effect.type === 'assign_envelope') {
        const category = accounts.get(effect.categoryId)!;
        await trx('envelope_assignments').insert({ entity_id: category.entityId, category_account_id: category.id, month: effect.month, amount_minor: effect.amountMinor.toString(), currency: category.currency, flow_run_id: runId, created_by: actor.userId });
      } else if (effect.type === 'alert') {
        await trx('alerts').insert({ household_id: actor.householdId, kind: 'flow_alert', level: effect.level, message: effect.message, flow_id: await flowOfRun(trx, runId), flow_run_id: runId });
      }
    }
    await insertJournals(trx, drafts);
  }

  private async recordFailure(actor: Actor, claim: RunClaim, flowName: string, error: unknown, started: number): Promise<RunView> {
    const refused = error instanceof RunRefused ? error : error instanceof RuleViolation ? new RunRefused(error.message, [error.message], [...error.problems]) : undefined;
    if (!refused) this.logger.error({ err: error, runId: claim.id }, 'flow run failed');
    const failure = refused
      ? { message: refused.message, reasons: refused.reasons, problems: refused.problems, permanent: true }
      : { message: 'the run failed while writing and was rolled back; nothing was posted', reasons: [(error as Error).message ?? String(error)], permanent: false };
    return inTransaction(this.db, async (trx) => {
      const existing = await claimRun(trx, { ...claim, status: 'failed', error: failure, durationMs: Date.now() - started, startedAt: new Date(started) });
      if (typeof existing === 'string') {
        // A retry of a transient failure failed again (its reclaim rolled back): count the attempt.
        await trx('flow_runs')
          .where({ id: existing, status: 'failed' })
          .whereRaw("error->>'permanent' = 'false'")
          .update({ error: JSON.stringify(failure), finished_at: new Date(), duration_ms: Date.now() - started, attempts: trx.raw('attempts + 1') });
        return this.view(trx, existing);
      }
      await trx('alerts').insert({ household_id: actor.householdId, kind: 'run_failed', level: 'warning', message: `${flowName} failed: ${failure.message}`.slice(0, 1000), flow_id: claim.flowId, flow_run_id: claim.id });
      return this.view(trx, claim.id);
    });
  }

  private async view(db: Knex, runId: string): Promise<RunView> {
    const row = await db('flow_runs').where({ id: runId }).first();
    const journalIds: string[] = await db('journals').where({ flow_run_id: runId }).orderBy('seq').pluck('id');
    const transferIds: string[] = await db('inter_entity_transfers').where({ flow_run_id: runId }).orderBy('created_at').pluck('id');
    return {
      id: row.id,
      flowId: row.flow_id,
      version: row.version,
      status: row.status,
      idempotencyKey: row.idempotency_key,
      trigger: row.trigger,
      plan: row.plan,
      error: row.error,
      startedAt: row.started_at.toISOString(),
      finishedAt: row.finished_at?.toISOString() ?? null,
      durationMs: row.duration_ms,
      attempts: row.attempts,
      approvedBy: row.approved_by,
      approvedAt: row.approved_at?.toISOString() ?? null,
      revertedAt: row.reverted_at?.toISOString() ?? null,
      journalIds,
      transferIds,
    };
  }
}

interface RunClaim {
  id: string;
  flowId: string;
  householdId: string;
  version: number;
  key: string;
  requestHash: string;
  trigger: unknown;
  createdBy: string | null;
  status?: RunStatus;
  error?: unknown;
  durationMs?: number;
  /** When the attempt began (a failure is recorded after its rollback). */
  startedAt?: Date;
}

/**
 * Inserts the run row, or returns the id of the run that already holds the key. A concurrent claim of the
 * same key waits on the unique index until the first transaction ends.
 */
async function claimRun(trx: Knex.Transaction, claim: RunClaim): Promise<string | { reclaimed: string } | undefined> {
  const inserted = await trx('flow_runs')
    .insert({
      id: claim.id,
      flow_id: claim.flowId,
      household_id: claim.householdId,
      version: claim.version,
      idempotency_key: claim.key,
      request_hash: claim.requestHash,
      status: claim.status ?? 'planned',
      trigger: JSON.stringify(claim.trigger),
      error: claim.error === undefined ? null : JSON.stringify(claim.error),
      created_by: claim.createdBy,
      ...(claim.startedAt ? { started_at: claim.startedAt } : {}),
      ...(claim.status === 'failed' || claim.status === 'skipped' ? { finished_at: new Date(), duration_ms: claim.durationMs ?? null } : {}),
    })
    .onConflict(['flow_id', 'idempotency_key'])
    .ignore()
    .returning('id');
  if (inserted.length > 0) return undefined;
  const existing = await trx('flow_runs').where({ flow_id: claim.flowId, idempotency_key: claim.key }).forUpdate().first('id', 'request_hash', 'status', 'error');
  if (existing.request_hash !== claim.requestHash) throw new Conflict(`idempotency key "${claim.key}" was already used for a different run request`, 'idempotency_key_reused');
  // A transient failure (the database hiccuped) may be attempted again under the same key;
  // a permanent one (invalid flow, short funds) stays the answer for that key.
  const retryable = existing.status === 'failed' && existing.error?.permanent === false && claim.status === undefined;
  if (!retryable) return existing.id;
  await trx('flow_runs')
    .where({ id: existing.id })
    .update({ status: 'planned', error: null, finished_at: null, attempts: trx.raw('attempts + 1'), started_at: trx.fn.now() });
  return { reclaimed: existing.id };
}

async function lockRun(trx: Knex.Transaction, actor: Actor, runId: string) {
  const run = isUuid(runId) ? await trx('flow_runs').where({ id: runId, household_id: actor.householdId }).forUpdate().first() : undefined;
  if (!run) throw new NotFound('run', runId);
  return run;
}

async function flowOfRun(trx: Knex.Transaction, runId: string): Promise<string> {
  return (await trx('flow_runs').where({ id: runId }).first('flow_id')).flow_id;
}

function journalForTransfer(effect: Extract<PlannedEffect, { type: 'transfer' }>, accounts: ReadonlyMap<string, AccountSnapshot>, plan: Plan, runId: string, actor: Actor): JournalDraft {
  const from = accounts.get(effect.fromAccountId)!;
  const to = accounts.get(effect.toAccountId)!;
  return {
    id: randomUUID(),
    entityId: from.entityId,
    date: plan.date,
    memo: effect.memo,
    payee: effect.payee ?? null,
    source: 'flow',
    flowRunId: runId,
    createdBy: actor.userId,
    postings: [
      { accountId: to.id, amountMinor: effect.amountMinor, currency: to.currency },
      { accountId: from.id, amountMinor: -effect.amountMinor, currency: from.currency },
    ],
  };
}
