import type { Knex } from 'knex';
import { isUuid } from '../auth/actor.js';
import { NotFound } from '../errors.js';
import type { EntityRow } from '../ledger/types.js';
import { budgetFacts, budgetMonths, continueMonths, factsWithChanges, firstFactMonth, type AccountBudgetRole, type AssignmentSum, type BudgetFacts, type MonthState, type PostingSum } from './board.js';
import { journalDeltaLimit, readBoardAll, readBoardChanges, readBoardHead, type BoardHead, type BoardRead, type BoardVersions, type BudgetRows, type KnownBoard } from './budget-store.js';
import { addMonths, compareMonths, monthsBetween, type Month } from './month.js';

/**
 * The boards of one API process (one per container), kept between requests: per entity the
 * budget rows, the facts, the month chain (computed once per change — and after a change only
 * from the first month it touched — and extended when a later month is asked) and the finished
 * views of recent months.
 *
 * Correct across processes sharing one PostgreSQL: every read first reads the entity's versions
 * (migration 011, raised by every commit that changes what the board is computed from — budget
 * writes, assignments by flows, journals however written); when they moved, one statement brings
 * what changed (the budget rows and the assignments committed since the snapshot the entry was
 * last complete in, and/or the journals committed since), in the same snapshot as the versions
 * it keys them with. So a read never answers from data older than the last commit before it.
 */

/**
 * Bounds of one process's cache: entities kept (least recently read go first; an entity with five
 * years of books and 100 categories takes about 1.5 MB), and finished views kept per entity (one
 * per month asked, about 45 KB each for such an entity).
 */
export const boardCacheLimits = { entities: 200, viewsPerEntity: 12 } as const;

/** What a board read gets: the entity as it is now, and its budget as of the versions read. */
export interface BoardData {
  entity: EntityRow;
  rows: BudgetRows;
  facts: BudgetFacts;
  /** First and last month with anything in the books (on-budget accounts) or the budget. */
  span: Span;
  /** The chain of months through `month` (from the first fact; just `month` before it). */
  statesThrough(month: Month): MonthState[];
  /** A value computed once per change of the board and `key` (the finished view of a month). */
  memo<T>(key: string, build: () => T): T;
}

type Span = { first?: Month; last?: Month };
type Roles = ReadonlyMap<string, AccountBudgetRole>;

const rolesOf = (rows: BudgetRows): Roles => new Map(rows.accounts.map((account) => [account.id, account.role]));
const onBudgetOf = (roles: Roles) => [...roles].filter(([, role]) => role === 'cash' || role === 'card').map(([id]) => id).sort();
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((item, index) => item === b[index]);
/** Accounts are never deleted: the budget's view of the old ones must stand, new ones may come. */
const onlyAdded = (before: Roles, after: Roles) => [...before].every(([id, role]) => after.get(id) === role);

// Months here come from the database as 'YYYY-MM' (fixed width): text order is calendar order.
function earliest(months: Iterable<Month>): Month | undefined {
  let first: Month | undefined;
  for (const month of months) if (first === undefined || month < first) first = month;
  return first;
}

function widened(span: Span, months: Iterable<Month>): Span {
  let { first, last } = span;
  for (const month of months) {
    if (first === undefined || month < first) first = month;
    if (last === undefined || month > last) last = month;
  }
  return first === undefined ? {} : { first, last: last! };
}

/** The months in which the data span counts: postings to on-budget accounts, and assignments. */
function spanMonths(postings: readonly PostingSum[], assignments: readonly AssignmentSum[], onBudget: readonly string[]): Month[] {
  const counted = new Set(onBudget);
  return [...postings.filter((sum) => counted.has(sum.accountId)).map((sum) => sum.month), ...assignments.map((sum) => sum.month)];
}

function changedHolds(before: ReadonlyMap<Month, bigint>, after: ReadonlyMap<Month, bigint>): Month[] {
  const months = new Set([...before.keys(), ...after.keys()]);
  return [...months].filter((month) => before.get(month) !== after.get(month));
}

/** One entity's board as of its versions. */
class Entry {
  private readonly views = new Map<string, unknown>();

  private constructor(
    readonly versions: BoardVersions,
    /** Advanced by reads that find the versions unchanged (nothing of this entity committed since). */
    public snapshot: string,
    readonly currency: string,
    readonly rows: BudgetRows,
    readonly roles: Roles,
    readonly onBudget: readonly string[],
    readonly facts: BudgetFacts,
    /** The first month of the chain (firstFactMonth of the facts). */
    private readonly first: Month | undefined,
    readonly span: Span,
    /** Months from the first fact on, computed so far (extended on demand). */
    private readonly chain: MonthState[],
  ) {}

  /** From a read of the whole history. */
  static full(read: BoardRead): Entry {
    if (!read.budget || read.budget.assignments.kind !== 'full' || read.postings?.kind !== 'full') throw new Error('a full board read returns every part');
    const { rows, assignments } = read.budget;
    const roles = rolesOf(rows);
    const onBudget = onBudgetOf(roles);
    const facts = budgetFacts(roles, read.postings.sums, assignments.sums, rows.held);
    const span = widened({}, spanMonths(read.postings.sums, assignments.sums, onBudget));
    return new Entry(read.versions, read.snapshot, read.entity.base_currency, rows, roles, onBudget, facts, firstFactMonth(facts), span, []);
  }

  /** Still what the database holds, by the versions in `head`. */
  holds(head: BoardHead): boolean {
    return head.versions.ledger === this.versions.ledger && head.versions.budget === this.versions.budget && head.entity.base_currency === this.currency;
  }

  known(): KnownBoard {
    return { versions: this.versions, snapshot: this.snapshot, onBudget: this.onBudget };
  }

  /**
   * This entry with what the read brought folded in, or undefined when only the whole history
   * will do: the entity's currency, its set of on-budget accounts (which journals count) or what
   * an existing account is to the budget changed, or more journals came than a delta folds.
   */
  advancedBy(read: BoardRead): Entry | undefined {
    const rows = read.budget?.rows ?? this.rows;
    const roles = read.budget ? rolesOf(rows) : this.roles;
    const onBudget = read.budget ? onBudgetOf(roles) : this.onBudget;
    if (read.entity.base_currency !== this.currency || !sameList(onBudget, this.onBudget) || !onlyAdded(this.roles, roles)) return undefined;
    if (read.postings && read.postings.journals > journalDeltaLimit) return undefined;
    const postings = read.postings?.sums ?? [];
    const assignments = read.budget?.assignments.sums ?? [];
    const facts = factsWithChanges(this.facts, roles, postings, assignments, read.budget ? rows.held : undefined);
    const changedFrom = earliest([...postings.map((sum) => sum.month), ...assignments.map((sum) => sum.month), ...changedHolds(this.facts.held, facts.held)]);
    const first = firstFactMonth(facts);
    // New categories are in every month, a new first month moves the chain's start: all again.
    const chainStands = sameList(facts.categoryIds, this.facts.categoryIds) && first === this.first;
    const chain = chainStands ? this.chainBefore(changedFrom) : [];
    const span = widened(this.span, spanMonths(postings, assignments, onBudget));
    return new Entry(read.versions, read.snapshot, this.currency, rows, roles, onBudget, facts, first, span, chain);
  }

  data(entity: EntityRow): BoardData {
    return {
      entity,
      rows: this.rows,
      facts: this.facts,
      span: this.span,
      statesThrough: (month) => this.statesThrough(month),
      // The entity's name is read with every request (no version covers it): part of the key.
      memo: (key, build) => this.memo(`${entity.name}|${key}`, build),
    };
  }

  /** The months of the chain before `month` (they do not depend on anything from it on). */
  private chainBefore(month: Month | undefined): MonthState[] {
    if (month === undefined || this.first === undefined) return [...this.chain];
    return this.chain.slice(0, Math.max(0, monthsBetween(this.first, month)));
  }

  private statesThrough(month: Month): MonthState[] {
    // Before the first fact the chain is that one empty month (as budgetMonths answers it).
    if (this.first === undefined || compareMonths(month, this.first) < 0) return budgetMonths(this.facts, month);
    const last = this.chain[this.chain.length - 1];
    if (!last) this.chain.push(...continueMonths(this.facts, undefined, this.first, month));
    else if (compareMonths(last.month, month) < 0) this.chain.push(...continueMonths(this.facts, last, addMonths(last.month, 1), month));
    return this.chain.slice(0, monthsBetween(this.first, month) + 1);
  }

  private memo<T>(key: string, build: () => T): T {
    if (this.views.has(key)) return this.views.get(key) as T;
    const value = build();
    if (this.views.size >= boardCacheLimits.viewsPerEntity) this.views.delete(this.views.keys().next().value!);
    this.views.set(key, value);
    return value;
  }
}

function found<T>(read: T | undefined, entityId: string): T {
  if (!read) throw new NotFound('entity', entityId);
  return read;
}

export class BoardCache {
  private readonly entries = new Map<string, Entry>();

  /**
   * The board data of an entity of the household, as of this moment (NotFound when the entity is
   * not the household's). Inside a transaction that has written journals or budget rows itself,
   * the data includes them and is not kept.
   */
  async read(db: Knex, householdId: string, entityId: string): Promise<BoardData> {
    if (!isUuid(entityId)) throw new NotFound('entity', entityId);
    const id = entityId.toLowerCase();
    const cached = this.entries.get(id);
    if (cached) {
      const head = found(await readBoardHead(db, householdId, id), entityId);
      if (!head.ownWrites && cached.holds(head)) {
        cached.snapshot = head.snapshot;
        this.keep(id, cached);
        return cached.data(head.entity);
      }
      if (!head.ownWrites) {
        const changes = found(await readBoardChanges(db, householdId, id, cached.known()), entityId);
        const advanced = changes.ownWrites ? undefined : cached.advancedBy(changes);
        if (advanced) {
          this.keep(id, advanced);
          return advanced.data(changes.entity);
        }
      }
    }
    const all = found(await readBoardAll(db, householdId, id), entityId);
    const entry = Entry.full(all);
    // Its own uncommitted rows are in it: right for this transaction, wrong for anyone else.
    if (!all.ownWrites) this.keep(id, entry);
    return entry.data(all.entity);
  }

  private keep(id: string, entry: Entry): void {
    this.entries.delete(id);
    this.entries.set(id, entry); // most recently used last
    while (this.entries.size > boardCacheLimits.entities) this.entries.delete(this.entries.keys().next().value!);
  }
}
