import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { canonicalJson, normalise } from './canonical-json.js';
import { redactSecrets } from '../security/redact.js';
import { deferUntilCommit } from '../db/transaction.js';

/** Something that changed, by whom. Snapshots are redacted of secrets before they are stored. */
export interface AuditEvent {
  householdId: string;
  actorUserId: string | null;
  action: string;
  resourceType: string;
  resourceId: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditVerification {
  ok: boolean;
  rowsChecked: number;
  /** The first row whose content or link does not match the chain. */
  brokenAtId?: string;
  reason?: string;
}

interface AuditRow {
  id: bigint;
  household_id: string;
  actor_user_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string;
  before: unknown;
  after: unknown;
  occurred_at: Date;
  prev_hash: string | null;
  hash: string;
}

const genesis = 'sluice-audit-genesis';

/** Rows per INSERT statement (PostgreSQL allows 65,535 bind parameters; a row has 10). */
const auditInsertChunk = 1000;

function rowHash(prevHash: string | null, row: Omit<AuditRow, 'id' | 'hash' | 'prev_hash'>): string {
  const body = canonicalJson({
    householdId: row.household_id,
    actorUserId: row.actor_user_id,
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    before: row.before,
    after: row.after,
    occurredAt: row.occurred_at,
  });
  return createHash('sha256').update(`${prevHash ?? genesis}\n${body}`).digest('hex');
}

/**
 * Append-only audit trail, one hash chain per household: each row's hash covers its content
 * and the previous row's hash, so editing or deleting any row breaks verification from there on.
 * Appending takes the household's chain lock so concurrent writers extend the chain one at a
 * time. It is the last lock a write takes (README, "Locks"), held from the append to commit.
 */
export class AuditLog {
  private readonly pending = new WeakMap<Knex.Transaction, AuditEvent[]>();

  /**
   * Records events in the transaction's chain. In a transaction opened by `inTransaction` the
   * events are appended together right before COMMIT (the chain lock is the last lock a write
   * takes); in any other transaction, at once.
   */
  async record(trx: Knex.Transaction, events: readonly AuditEvent[]): Promise<void> {
    const queued = this.pending.get(trx);
    if (queued) {
      queued.push(...events);
      return;
    }
    const batch = [...events];
    if (deferUntilCommit(trx, () => this.append(trx, this.takePending(trx)))) {
      this.pending.set(trx, batch);
      return;
    }
    await this.append(trx, batch);
  }

  private takePending(trx: Knex.Transaction): AuditEvent[] {
    const events = this.pending.get(trx) ?? [];
    this.pending.delete(trx);
    return events;
  }

  private async append(trx: Knex.Transaction, events: readonly AuditEvent[]): Promise<void> {
    for (const householdId of [...new Set(events.map((event) => event.householdId))].sort()) {
      await this.appendChain(trx, householdId, events.filter((event) => event.householdId === householdId));
    }
  }

  private async appendChain(trx: Knex.Transaction, householdId: string, events: readonly AuditEvent[]) {
    let prevHash = await lockChain(trx, householdId);
    const occurredAt = new Date();
    const rows = events.map((event) => {
      const content = {
        household_id: householdId,
        actor_user_id: event.actorUserId,
        action: event.action,
        resource_type: event.resourceType,
        resource_id: event.resourceId,
        before: event.before === undefined ? null : normalise(redactSecrets(event.before)),
        after: event.after === undefined ? null : normalise(redactSecrets(event.after)),
        occurred_at: occurredAt,
      };
      const hash = rowHash(prevHash, content);
      const row = { ...content, prev_hash: prevHash, hash };
      prevHash = hash;
      return row;
    });
    // A plain insert per chunk: knex's batchInsert would wrap it in a savepoint (two more round trips).
    const serialised = rows.map(serialiseJsonColumns);
    for (let start = 0; start < serialised.length; start += auditInsertChunk) await trx('audit_log').insert(serialised.slice(start, start + auditInsertChunk));
  }

  /** Walks a household's chain from the start; any edited, deleted or reordered row fails it. */
  async verify(knex: Knex, householdId: string): Promise<AuditVerification> {
    let prevHash: string | null = null;
    let rowsChecked = 0;
    let afterId = 0n;
    for (;;) {
      const page: AuditRow[] = await knex('audit_log')
        .where({ household_id: householdId })
        .andWhere('id', '>', afterId.toString())
        .orderBy('id')
        .limit(1000);
      if (page.length === 0) return { ok: true, rowsChecked };
      for (const row of page) {
        if (row.prev_hash !== prevHash) {
          return { ok: false, rowsChecked, brokenAtId: String(row.id), reason: 'link to the previous row does not match (a row was removed or reordered)' };
        }
        if (rowHash(prevHash, row) !== row.hash) {
          return { ok: false, rowsChecked, brokenAtId: String(row.id), reason: 'row content does not match its hash (the row was edited)' };
        }
        prevHash = row.hash;
        rowsChecked += 1;
        afterId = BigInt(row.id);
      }
    }
  }
}

/**
 * Takes the household's chain lock and returns the chain's last hash (migration 009's
 * `sluice_audit_chain_head`: lock, then read with a fresh snapshot, in one round trip). The
 * lock is a transaction-scoped advisory lock, not a row lock: locking the household row (as
 * before) conflicted with the KEY SHARE locks every foreign key to households takes, and
 * writers that held one waited for each other's in a cycle.
 */
async function lockChain(trx: Knex.Transaction, householdId: string): Promise<string | null> {
  const result = await trx.raw('select sluice_audit_chain_head(?) as hash', [householdId]);
  return result.rows[0].hash ?? null;
}

function serialiseJsonColumns<T extends { before: unknown; after: unknown }>(row: T) {
  // pg would send a JS array as a PostgreSQL array literal; jsonb needs JSON text.
  return { ...row, before: row.before === null ? null : JSON.stringify(row.before), after: row.after === null ? null : JSON.stringify(row.after) };
}
