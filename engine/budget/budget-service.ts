import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';
import { isUuid } from '../auth/actor.js';
import { AuditLog } from '../audit/audit-log.js';
import { NotFound, RuleViolation, type FieldProblem } from '../errors.js';
import { findEntity } from '../ledger/scope.js';
import type { EntityRow } from '../ledger/types.js';
import { formatMinor, MAX_AMOUNT_MINOR, MoneyError, parseMoney } from '../money/index.js';
import { BoardCache, type BoardData } from './board-cache.js';
import { budgetMonths, needOf, nextMonthState, quickAssign, type BudgetFacts, type CategoryKind, type MonthState, type PlannedCategory, type QuickStrategy } from './board.js';
import { budgetAccounts, categoryGroups, categorySettings, lockEntityBudget, type BudgetAccount, type CategorySettings, type GroupRow } from './budget-store.js';
import { addMonths, compareMonths, maxMonth, minMonth, type Month } from './month.js';
import { sankeyOf, type SankeyLine } from './sankey.js';
import type { Target, TargetKind } from './targets.js';

/** How far the board reaches: back before the first data, and ahead of today or the last data. */
export const budgetBounds = { monthsBefore: 3, monthsAhead: 24 } as const;
/** Most groups and categories one layout may hold. */
export const layoutLimits = { groups: 100, categoriesPerGroup: 500 } as const;

export interface TargetView {
  kind: TargetKind;
  amount: string;
  byMonth: Month | null;
}

export interface BoardCategoryView {
  id: string;
  code: string;
  name: string;
  kind: CategoryKind;
  hidden: boolean;
  assigned: string;
  activity: string;
  available: string;
  carriedIn: string;
  overspent: boolean;
  target: TargetView | null;
  /** This month's goal and what is still needed to meet it (null without a target). */
  targetGoal: string | null;
  needed: string | null;
  targetStatus: 'funded' | 'underfunded' | 'past' | null;
  underfunded: boolean;
}

export interface BoardGroupView {
  /** Null for a group the board made up (no layout saved yet, or categories not placed in one). */
  id: string | null;
  name: string;
  hidden: boolean;
  assigned: string;
  activity: string;
  available: string;
  categories: BoardCategoryView[];
}

export interface BoardView {
  entityId: string;
  entityName: string;
  month: Month;
  currency: string;
  bounds: { firstMonth: Month; lastMonth: Month; currentMonth: Month; previousMonth: Month | null; nextMonth: Month | null };
  toBeAssigned: string;
  toBeAssignedStatus: 'positive' | 'zero' | 'negative';
  /** Said in words when To be assigned is negative. */
  toBeAssignedNote: string | null;
  summary: {
    income: string;
    fromLastMonth: string;
    overspentLastMonth: string;
    assigned: string;
    activity: string;
    available: string;
    held: string;
  };
  /** To be assigned + held + Σ available, and the on-budget cash it must equal at month end. */
  reconciliation: { budgeted: string; onBudgetCash: string; balanced: boolean };
  groups: BoardGroupView[];
}

export interface SankeyView {
  entityId: string;
  month: Month;
  currency: string;
  nodes: { id: string; name: string; kind: string }[];
  links: { source: string; target: string; amount: string }[];
  inflow: string;
  outflow: string;
}

export interface LayoutRequest {
  groups: { id?: string; name: string; hidden?: boolean; categories: { id: string; hidden?: boolean }[] }[];
}

export interface TargetRequest {
  kind: TargetKind;
  amount: string;
  byMonth?: Month;
}

interface Loaded {
  entity: EntityRow;
  accounts: BudgetAccount[];
  categories: BudgetAccount[];
  settings: Map<string, CategorySettings>;
  groups: GroupRow[];
  bounds: BoardView['bounds'];
  /** The board's data as of this read (from this service's cache when nothing changed). */
  board: BoardData;
}

/** The chain through a month, and the facts it was computed from (what a write starts from). */
type StatesOf = MonthState[] & { facts: BudgetFacts };

function currentMonthUtc(): Month {
  return new Date().toISOString().slice(0, 7);
}

function parseAmount(text: string, currency: string, field: string): bigint {
  try {
    return parseMoney(text, currency).amountMinor;
  } catch (error) {
    if (error instanceof MoneyError) throw new RuleViolation(error.message, [{ field, message: error.message, code: error.code }]);
    throw error;
  }
}

const isCategory = (account: BudgetAccount) => account.role === 'expense' || account.role === 'card';

export class BudgetService {
  /** Per container, so two containers on one database behave like two API processes. */
  private readonly boards = new BoardCache();

  constructor(private readonly audit: AuditLog) {}

  // --- reads -------------------------------------------------------------------------------

  async board(db: Knex, actor: Actor, entityId: string, month: Month): Promise<BoardView> {
    const loaded = await this.load(db, actor, entityId, month);
    // The view depends on the month, today's month (the bounds) and the board's data: built once per change.
    return loaded.board.memo(`board|${month}|${loaded.bounds.currentMonth}`, () => {
      const states = loaded.board.statesThrough(month);
      return boardView(loaded, states[states.length - 1]!);
    });
  }

  async sankey(db: Knex, actor: Actor, entityId: string, month: Month): Promise<SankeyView> {
    const loaded = await this.load(db, actor, entityId, month);
    return loaded.board.memo(`sankey|${month}`, () => sankeyView(loaded, month));
  }

  // --- writes (each in the caller's transaction, audited, serialised per entity) --------------

  async setAssigned(trx: Knex.Transaction, actor: Actor, entityId: string, month: Month, categoryId: string, amount: string): Promise<BoardView> {
    const loaded = await this.loadForWrite(trx, actor, entityId, month);
    const category = categoryOf(loaded, categoryId);
    if (!category) throw new NotFound('category', categoryId);
    const wanted = parseAmount(amount, loaded.entity.base_currency, '/assigned');
    const states = this.states(loaded, month);
    const before = states[states.length - 1]!.categories.get(category.id)!.assignedMinor;
    const changes = new Map([[category.id, wanted]]);
    await this.writeAssignments(trx, actor, loaded, month, changes, states, 'board');
    await this.record(trx, actor, loaded, 'budget.assign', `${category.id}:${month}`, { assigned: this.money(loaded, before) }, { assigned: this.money(loaded, wanted) });
    return this.after(loaded, month, states, { assigned: changes });
  }

  async move(trx: Knex.Transaction, actor: Actor, entityId: string, month: Month, request: { fromCategoryId: string; toCategoryId: string; amount: string }): Promise<BoardView> {
    const loaded = await this.loadForWrite(trx, actor, entityId, month);
    const problems: FieldProblem[] = [];
    const from = categoryOf(loaded, request.fromCategoryId);
    const to = categoryOf(loaded, request.toCategoryId);
    if (!from) problems.push({ field: '/fromCategoryId', message: 'no such category in this entity', code: 'unknown_category' });
    if (!to) problems.push({ field: '/toCategoryId', message: 'no such category in this entity', code: 'unknown_category' });
    if (from && to && from.id === to.id) problems.push({ field: '/toCategoryId', message: 'money cannot move to the category it comes from', code: 'same_category' });
    let amountMinor = 0n;
    try {
      amountMinor = parseMoney(request.amount, loaded.entity.base_currency).amountMinor;
      if (amountMinor <= 0n) problems.push({ field: '/amount', message: 'must be more than zero', code: 'not_positive' });
    } catch (error) {
      if (!(error instanceof MoneyError)) throw error;
      problems.push({ field: '/amount', message: error.message, code: error.code });
    }
    if (problems.length > 0) throw new RuleViolation('the move is invalid', problems);
    const states = this.states(loaded, month);
    const current = states[states.length - 1]!;
    const fromFigures = current.categories.get(from!.id)!;
    if (amountMinor > fromFigures.availableMinor) {
      throw new RuleViolation(`${from!.name} holds ${this.money(loaded, fromFigures.availableMinor)} in ${month}; it cannot give ${request.amount}`, [
        { field: '/amount', message: `at most ${this.money(loaded, fromFigures.availableMinor > 0n ? fromFigures.availableMinor : 0n)}`, code: 'more_than_available' },
      ]);
    }
    const next = new Map([
      [from!.id, fromFigures.assignedMinor - amountMinor],
      [to!.id, current.categories.get(to!.id)!.assignedMinor + amountMinor],
    ]);
    await this.writeAssignments(trx, actor, loaded, month, next, states, 'move', `Moved ${this.money(loaded, amountMinor)} from ${from!.name} to ${to!.name}`.slice(0, 200));
    await this.record(trx, actor, loaded, 'budget.move', month, undefined, { fromCategoryId: from!.id, toCategoryId: to!.id, amount: this.money(loaded, amountMinor) });
    return this.after(loaded, month, states, { assigned: next });
  }

  async quickAssign(trx: Knex.Transaction, actor: Actor, entityId: string, month: Month, request: { strategy: QuickStrategy; categoryIds?: string[] }): Promise<BoardView> {
    const loaded = await this.loadForWrite(trx, actor, entityId, month);
    const ordered = orderedCategories(loaded);
    let chosen = ordered.filter((category) => !category.hidden);
    if (request.categoryIds) {
      const problems = request.categoryIds.flatMap((id, index) => (categoryOf(loaded, id) ? [] : [{ field: `/categoryIds/${index}`, message: 'no such category in this entity', code: 'unknown_category' }]));
      if (problems.length > 0) throw new RuleViolation('some categories are unknown', problems);
      const wanted = new Set(request.categoryIds.map((id) => id.toLowerCase()));
      chosen = ordered.filter((category) => wanted.has(category.id));
    }
    const states = this.states(loaded, month);
    const changes = quickAssign(states, chosen, request.strategy);
    await this.writeAssignments(trx, actor, loaded, month, changes, states, 'quick', `Quick assign: ${request.strategy}`);
    await this.record(trx, actor, loaded, 'budget.quick_assign', month, undefined, {
      strategy: request.strategy,
      changes: [...changes].map(([categoryId, assigned]) => ({ categoryId, assigned: this.money(loaded, assigned) })),
    });
    return this.after(loaded, month, states, { assigned: changes });
  }

  /** Holds money for next month: it leaves this month's To be assigned and arrives in the next one's. */
  async hold(trx: Knex.Transaction, actor: Actor, entityId: string, month: Month, amount: string): Promise<BoardView> {
    const loaded = await this.loadForWrite(trx, actor, entityId, month);
    const heldMinor = parseAmount(amount, loaded.entity.base_currency, '/amount');
    if (heldMinor < 0n) throw new RuleViolation('a hold cannot be negative', [{ field: '/amount', message: 'must be zero or more', code: 'negative_hold' }]);
    const states = this.states(loaded, month);
    const current = states[states.length - 1]!;
    const canHold = current.toBeAssignedMinor + current.heldMinor;
    if (heldMinor > current.heldMinor && heldMinor > canHold) {
      throw new RuleViolation(`only ${this.money(loaded, canHold > 0n ? canHold : 0n)} is unassigned in ${month}`, [
        { field: '/amount', message: `at most ${this.money(loaded, canHold > 0n ? canHold : 0n)}`, code: 'more_than_unassigned' },
      ]);
    }
    await trx('budget_months')
      .insert({ entity_id: loaded.entity.id, month, held_minor: heldMinor.toString(), updated_by: actor.userId, updated_at: new Date() })
      .onConflict(['entity_id', 'month'])
      .merge(['held_minor', 'updated_by', 'updated_at']);
    await this.record(trx, actor, loaded, 'budget.hold', month, { held: this.money(loaded, current.heldMinor) }, { held: this.money(loaded, heldMinor) });
    return this.after(loaded, month, states, { heldMinor });
  }

  /** Sets every category's assignment of the month back to zero and releases the hold. */
  async reset(trx: Knex.Transaction, actor: Actor, entityId: string, month: Month): Promise<BoardView> {
    const loaded = await this.loadForWrite(trx, actor, entityId, month);
    const states = this.states(loaded, month);
    const current = states[states.length - 1]!;
    const zeroes = new Map([...current.categories].filter(([, figures]) => figures.assignedMinor !== 0n).map(([id]) => [id, 0n]));
    await this.writeAssignments(trx, actor, loaded, month, zeroes, states, 'reset', `Reset of ${month}`);
    if (current.heldMinor !== 0n) await trx('budget_months').where({ entity_id: loaded.entity.id, month }).update({ held_minor: 0, updated_by: actor.userId, updated_at: new Date() });
    await this.record(trx, actor, loaded, 'budget.reset', month, {
      assigned: [...zeroes.keys()].map((categoryId) => ({ categoryId, assigned: this.money(loaded, current.categories.get(categoryId)!.assignedMinor) })),
      held: this.money(loaded, current.heldMinor),
    });
    return this.after(loaded, month, states, { assigned: zeroes, heldMinor: 0n });
  }

  /**
   * Plans several months of one entity in one go, oldest first: `plan` sees each month as the
   * months before it were planned (this month with its current assignments) and answers the
   * assigned amount wanted per category. Meant for writers that post journals in the same
   * transaction (the demo seed): the facts are read inside the transaction, so they include its
   * own uncommitted rows and never pass through the shared cache. Audited once per month.
   */
  async assignMonths(
    trx: Knex.Transaction,
    actor: Actor,
    entityId: string,
    months: readonly Month[],
    plan: (input: { month: Month; state: MonthState; categories: readonly BudgetAccount[]; activityOf: (categoryId: string, month: Month) => bigint }) => ReadonlyMap<string, bigint>,
    memo: string,
  ): Promise<{ months: number; assignments: number }> {
    if (months.length === 0) return { months: 0, assignments: 0 };
    const ordered = [...months].sort(compareMonths);
    const loaded = await this.loadForWrite(trx, actor, entityId, ordered[ordered.length - 1]!);
    if (compareMonths(ordered[0]!, loaded.bounds.firstMonth) < 0) {
      throw new RuleViolation(`${ordered[0]} is outside this budget (from ${loaded.bounds.firstMonth})`, [{ field: '/month', message: `must be ${loaded.bounds.firstMonth} or later`, code: 'month_out_of_range' }]);
    }
    // Read in the transaction: a caller's own journals written before the plan (the demo seed)
    // are in these facts (such reads are never cached).
    const facts = loaded.board.facts;
    const assigned = new Map([...facts.assigned].map(([id, perMonth]) => [id, new Map(perMonth)]));
    const planned: BudgetFacts = { ...facts, assigned };
    const activityOf = (categoryId: string, month: Month) => facts.activity.get(categoryId)?.get(month) ?? 0n;
    const events = [];
    let written = 0;
    for (const month of ordered) {
      const states = budgetMonths(planned, month);
      const state = states[states.length - 1]!;
      const wanted = plan({ month, state, categories: loaded.categories, activityOf });
      const problems = [...wanted.keys()].flatMap((id) => (categoryOf(loaded, id) ? [] : [{ field: '/categoryId', message: `no such category in this entity: ${id}`, code: 'unknown_category' }]));
      if (problems.length > 0) throw new RuleViolation('some categories are unknown', problems);
      const changes = new Map([...wanted].map(([id, amountMinor]) => [id.toLowerCase(), amountMinor]));
      const changed = [...changes].filter(([id, amountMinor]) => state.categories.get(id)!.assignedMinor !== amountMinor).length;
      await this.writeAssignments(trx, actor, loaded, month, changes, [state], 'board', memo.slice(0, 200));
      written += changed;
      for (const [id, amountMinor] of changes) {
        const perMonth = assigned.get(id) ?? new Map<Month, bigint>();
        perMonth.set(month, amountMinor);
        assigned.set(id, perMonth);
      }
      events.push({
        householdId: actor.householdId,
        actorUserId: actor.userId,
        action: 'budget.assign_month',
        resourceType: 'budget',
        resourceId: `${loaded.entity.id}:${month}`,
        after: { memo, assigned: [...changes].map(([categoryId, amountMinor]) => ({ categoryId, assigned: this.money(loaded, amountMinor) })) },
      });
    }
    await this.audit.record(trx, events);
    return { months: ordered.length, assignments: written };
  }

  async setTarget(trx: Knex.Transaction, actor: Actor, categoryId: string, request: TargetRequest): Promise<{ categoryId: string; target: TargetView }> {
    const { entity, account } = await findCategory(trx, actor, categoryId);
    await lockEntityBudget(trx, entity.id);
    const amountMinor = parseAmount(request.amount, entity.base_currency, '/amount');
    const problems: FieldProblem[] = [];
    if (amountMinor <= 0n) problems.push({ field: '/amount', message: 'must be more than zero', code: 'not_positive' });
    if (request.kind === 'by_date' && !request.byMonth) problems.push({ field: '/byMonth', message: 'a balance by a date needs the month', code: 'required' });
    if (request.kind !== 'by_date' && request.byMonth) problems.push({ field: '/byMonth', message: 'only a by_date target has a month', code: 'not_applicable' });
    if (problems.length > 0) throw new RuleViolation('the target is invalid', problems);
    const before = (await categorySettings(trx, entity.id)).get(account.id)?.target ?? null;
    const target: Target = { kind: request.kind, amountMinor, ...(request.byMonth ? { byMonth: request.byMonth } : {}) };
    await trx('budget_categories')
      .insert({ account_id: account.id, entity_id: entity.id, target_kind: target.kind, target_amount_minor: amountMinor.toString(), target_month: target.byMonth ?? null, updated_at: new Date() })
      .onConflict('account_id')
      .merge(['target_kind', 'target_amount_minor', 'target_month', 'updated_at']);
    const view = targetView(target, entity.base_currency);
    await this.audit.record(trx, [
      { householdId: actor.householdId, actorUserId: actor.userId, action: 'budget.target.set', resourceType: 'budget_category', resourceId: account.id, before: before ? targetView(before, entity.base_currency) : null, after: view },
    ]);
    return { categoryId: account.id, target: view };
  }

  async clearTarget(trx: Knex.Transaction, actor: Actor, categoryId: string): Promise<void> {
    const { entity, account } = await findCategory(trx, actor, categoryId);
    await lockEntityBudget(trx, entity.id);
    const before = (await categorySettings(trx, entity.id)).get(account.id)?.target ?? null;
    await trx('budget_categories').where({ account_id: account.id }).update({ target_kind: null, target_amount_minor: null, target_month: null, updated_at: new Date() });
    await this.audit.record(trx, [
      { householdId: actor.householdId, actorUserId: actor.userId, action: 'budget.target.clear', resourceType: 'budget_category', resourceId: account.id, before: before ? targetView(before, entity.base_currency) : null },
    ]);
  }

  /**
   * Replaces the board's layout: the groups in order, each with its categories in order.
   * Groups left out are removed (their categories become ungrouped); categories left out keep
   * their hidden flag and show in the made-up group at the end.
   */
  async setLayout(trx: Knex.Transaction, actor: Actor, entityId: string, request: LayoutRequest): Promise<{ groups: { id: string; name: string; hidden: boolean; categoryIds: string[] }[] }> {
    const entity = await findEntity(trx, actor, entityId);
    await lockEntityBudget(trx, entity.id);
    const accounts = await budgetAccounts(trx, entity);
    const categories = new Map(accounts.filter(isCategory).map((account) => [account.id, account]));
    const existing = await categoryGroups(trx, entity.id);
    const existingIds = new Set(existing.map((group) => group.id));
    const problems: FieldProblem[] = [];
    const placed = new Set<string>();
    request.groups.forEach((group, groupIndex) => {
      if (group.id && !existingIds.has(group.id.toLowerCase())) problems.push({ field: `/groups/${groupIndex}/id`, message: 'no such group in this entity', code: 'unknown_group' });
      group.categories.forEach((category, index) => {
        const field = `/groups/${groupIndex}/categories/${index}/id`;
        const id = category.id.toLowerCase();
        if (!categories.has(id)) problems.push({ field, message: 'no such category in this entity', code: 'unknown_category' });
        else if (placed.has(id)) problems.push({ field, message: 'a category belongs to one group only', code: 'duplicate_category' });
        placed.add(id);
      });
    });
    const groupIds = request.groups.map((group) => group.id?.toLowerCase()).filter(Boolean);
    if (new Set(groupIds).size !== groupIds.length) problems.push({ field: '/groups', message: 'a group is listed twice', code: 'duplicate_group' });
    if (problems.length > 0) throw new RuleViolation('the layout is invalid', problems);
    const before = await this.layoutOf(trx, entity.id);
    await trx('budget_categories').where({ entity_id: entity.id }).update({ group_id: null });
    const keep = new Set<string>();
    const saved: { id: string; name: string; hidden: boolean; categoryIds: string[] }[] = [];
    for (const [sortOrder, group] of request.groups.entries()) {
      let id = group.id?.toLowerCase();
      if (id) {
        await trx('budget_category_groups').where({ id, entity_id: entity.id }).update({ name: group.name.trim(), sort_order: sortOrder, hidden: group.hidden ?? false });
      } else {
        [{ id }] = await trx('budget_category_groups').insert({ entity_id: entity.id, name: group.name.trim(), sort_order: sortOrder, hidden: group.hidden ?? false }).returning('id');
      }
      keep.add(id!);
      const rows = group.categories.map((category, order) => ({ account_id: category.id.toLowerCase(), entity_id: entity.id, group_id: id!, sort_order: order, hidden: category.hidden ?? false, updated_at: new Date() }));
      if (rows.length > 0) await trx('budget_categories').insert(rows).onConflict('account_id').merge(['group_id', 'sort_order', 'hidden', 'updated_at']);
      saved.push({ id: id!, name: group.name.trim(), hidden: group.hidden ?? false, categoryIds: rows.map((row) => row.account_id) });
    }
    const drop = existing.filter((group) => !keep.has(group.id)).map((group) => group.id);
    if (drop.length > 0) await trx('budget_category_groups').whereIn('id', drop).delete();
    await this.audit.record(trx, [{ householdId: actor.householdId, actorUserId: actor.userId, action: 'budget.layout', resourceType: 'budget', resourceId: entity.id, before, after: saved }]);
    return { groups: saved };
  }

  // --- internals ---------------------------------------------------------------------------

  private async layoutOf(db: Knex, entityId: string) {
    const groups = await categoryGroups(db, entityId);
    const settings = await categorySettings(db, entityId);
    return groups.map((group) => ({
      id: group.id,
      name: group.name,
      hidden: group.hidden,
      categoryIds: [...settings.values()].filter((setting) => setting.groupId === group.id).sort((a, b) => a.sortOrder - b.sortOrder).map((setting) => setting.accountId),
    }));
  }

  private money(loaded: Loaded, amountMinor: bigint): string {
    return formatMinor(amountMinor, loaded.entity.base_currency);
  }

  private async load(db: Knex, actor: Actor, entityId: string, month: Month): Promise<Loaded> {
    const board = await this.boards.read(db, actor.householdId, entityId);
    const { entity, span } = board;
    const { accounts, settings, groups } = board.rows;
    const current = currentMonthUtc();
    const firstMonth = addMonths(minMonth(span.first ?? current, current), -budgetBounds.monthsBefore);
    const lastMonth = addMonths(maxMonth(span.last ?? current, current), budgetBounds.monthsAhead);
    if (compareMonths(month, firstMonth) < 0 || compareMonths(month, lastMonth) > 0) {
      throw new RuleViolation(`${month} is outside this budget (${firstMonth} to ${lastMonth})`, [
        { field: '/params/month', message: `must be between ${firstMonth} and ${lastMonth}`, code: 'month_out_of_range' },
      ]);
    }
    return {
      entity,
      accounts,
      categories: accounts.filter((account) => isCategory(account) && (!account.archived_at || settings.has(account.id))),
      settings,
      groups,
      board,
      bounds: {
        firstMonth,
        lastMonth,
        currentMonth: current,
        previousMonth: month === firstMonth ? null : addMonths(month, -1),
        nextMonth: month === lastMonth ? null : addMonths(month, 1),
      },
    };
  }

  private async loadForWrite(trx: Knex.Transaction, actor: Actor, entityId: string, month: Month): Promise<Loaded> {
    const entity = await findEntity(trx, actor, entityId);
    await lockEntityBudget(trx, entity.id);
    return this.load(trx, actor, entityId, month);
  }

  /**
   * The chain a write starts from, read under the entity's lock before the write writes anything
   * (so the cache may serve it: it sees exactly what is committed).
   */
  private states(loaded: Loaded, month: Month): StatesOf {
    return Object.assign(loaded.board.statesThrough(month), { facts: loaded.board.facts });
  }

  /**
   * The board after a write, from the facts the write read (under the entity's lock) plus what it
   * changed: new assigned amounts and/or this month's hold. No second read of the history.
   */
  private after(loaded: Loaded, month: Month, states: StatesOf, change: { assigned?: ReadonlyMap<string, bigint>; heldMinor?: bigint }): BoardView {
    const assigned = new Map(states.facts.assigned);
    for (const [categoryId, amountMinor] of change.assigned ?? []) {
      const perMonth = new Map(assigned.get(categoryId) ?? []);
      perMonth.set(month, amountMinor);
      assigned.set(categoryId, perMonth);
    }
    const held = new Map(states.facts.held);
    if (change.heldMinor !== undefined) held.set(month, change.heldMinor);
    // The change is in this month only: the months before it stand, this one follows from the last of them.
    const previous = states.length > 1 ? states[states.length - 2] : undefined;
    return boardView(loaded, nextMonthState({ ...states.facts, assigned, held }, previous, month));
  }

  /** Writes the difference between the wanted and the current assignment of each category. */
  private async writeAssignments(trx: Knex.Transaction, actor: Actor, loaded: Loaded, month: Month, wanted: ReadonlyMap<string, bigint>, states: readonly MonthState[], source: 'board' | 'move' | 'quick' | 'reset', memo?: string) {
    const current = states[states.length - 1]!;
    const rows = [];
    for (const [categoryId, amountMinor] of wanted) {
      if (amountMinor > MAX_AMOUNT_MINOR || amountMinor < -MAX_AMOUNT_MINOR) {
        throw new RuleViolation('the amount is too large', [{ field: '/assigned', message: `at most ${MAX_AMOUNT_MINOR} minor units`, code: 'too_large' }]);
      }
      const delta = amountMinor - (current.categories.get(categoryId)?.assignedMinor ?? 0n);
      if (delta === 0n) continue;
      rows.push({ entity_id: loaded.entity.id, category_account_id: categoryId, month, amount_minor: delta.toString(), currency: loaded.entity.base_currency, source, memo: memo ?? null, created_by: actor.userId });
    }
    if (rows.length > 0) await trx('envelope_assignments').insert(rows);
  }

  private async record(trx: Knex.Transaction, actor: Actor, loaded: Loaded, action: string, resourceId: string, before: unknown, after?: unknown) {
    await this.audit.record(trx, [{ householdId: actor.householdId, actorUserId: actor.userId, action, resourceType: 'budget', resourceId: `${loaded.entity.id}:${resourceId}`, before, after }]);
  }
}

/** The month's money flow: income sources → budget → categories. */
function sankeyView(loaded: Loaded, month: Month): SankeyView {
  const facts = loaded.board.facts;
  const lines: SankeyLine[] = [];
  for (const account of loaded.accounts) {
    if (account.role === 'to_be_assigned') {
      const amountMinor = facts.incomeByAccount.get(account.id)?.get(month) ?? 0n;
      if (amountMinor !== 0n) lines.push({ id: account.id, name: account.name, amountMinor, kind: 'income' });
    } else if (account.role === 'expense') {
      const amountMinor = facts.activity.get(account.id)?.get(month) ?? 0n;
      if (amountMinor !== 0n) lines.push({ id: account.id, name: account.name, amountMinor, kind: 'category' });
    }
  }
  const currency = loaded.entity.base_currency;
  const diagram = sankeyOf(lines, `${loaded.entity.name} budget`);
  return {
    entityId: loaded.entity.id,
    month,
    currency,
    nodes: diagram.nodes,
    links: diagram.links.map((link) => ({ source: link.source, target: link.target, amount: formatMinor(link.amountMinor, currency) })),
    inflow: formatMinor(diagram.inflowMinor, currency),
    outflow: formatMinor(diagram.outflowMinor, currency),
  };
}

function categoryOf(loaded: Loaded, id: string): BudgetAccount | undefined {
  if (!isUuid(id)) return undefined;
  return loaded.categories.find((category) => category.id === id.toLowerCase());
}

/** A category by id, in the actor's household: an expense account or a credit card. */
async function findCategory(db: Knex, actor: Actor, categoryId: string): Promise<{ entity: EntityRow; account: BudgetAccount }> {
  const row = isUuid(categoryId)
    ? await db('accounts as a')
        .join('entities as e', 'e.id', 'a.entity_id')
        .where({ 'a.id': categoryId, 'e.household_id': actor.householdId })
        .first('a.id', 'a.entity_id')
    : undefined;
  if (!row) throw new NotFound('category', categoryId);
  const entity = await findEntity(db, actor, row.entity_id);
  const account = (await budgetAccounts(db, entity)).find((candidate) => candidate.id === row.id);
  if (!account || !isCategory(account)) throw new NotFound('category', categoryId);
  return { entity, account };
}

function targetView(target: Target, currency: string): TargetView {
  return { kind: target.kind, amount: formatMinor(target.amountMinor, currency), byMonth: target.byMonth ?? null };
}

/** The categories in board order (groups, then order within a group, then the made-up groups by code). */
function orderedCategories(loaded: Loaded): (PlannedCategory & { account: BudgetAccount })[] {
  return layoutGroups(loaded).flatMap((group) => group.categories.map((account) => ({ id: account.id, hidden: group.hidden || (loaded.settings.get(account.id)?.hidden ?? false), target: loaded.settings.get(account.id)?.target ?? null, account })));
}

function layoutGroups(loaded: Loaded): { id: string | null; name: string; hidden: boolean; categories: BudgetAccount[] }[] {
  const byGroup = new Map<string, BudgetAccount[]>();
  const loose: BudgetAccount[] = [];
  const cards: BudgetAccount[] = [];
  const known = new Set(loaded.groups.map((group) => group.id));
  for (const account of loaded.categories) {
    const groupId = loaded.settings.get(account.id)?.groupId;
    if (groupId && known.has(groupId)) byGroup.set(groupId, [...(byGroup.get(groupId) ?? []), account]);
    else if (account.role === 'card') cards.push(account);
    else loose.push(account);
  }
  const order = (account: BudgetAccount) => loaded.settings.get(account.id)?.sortOrder ?? 0;
  const groups: { id: string | null; name: string; hidden: boolean; categories: BudgetAccount[] }[] = loaded.groups.map((group) => ({
    id: group.id,
    name: group.name,
    hidden: group.hidden,
    categories: (byGroup.get(group.id) ?? []).sort((a, b) => order(a) - order(b) || a.code.localeCompare(b.code)),
  }));
  if (loose.length > 0) groups.push({ id: null, name: loaded.groups.length > 0 ? 'Other categories' : 'Spending', hidden: false, categories: loose });
  if (cards.length > 0) groups.push({ id: null, name: 'Credit card payments', hidden: false, categories: cards });
  return groups;
}

function boardView(loaded: Loaded, state: MonthState): BoardView {
  const currency = loaded.entity.base_currency;
  const money = (amountMinor: bigint) => formatMinor(amountMinor, currency);
  const groups: BoardGroupView[] = layoutGroups(loaded).map((group) => {
    let assigned = 0n;
    let activity = 0n;
    let available = 0n;
    const categories = group.categories.map((account): BoardCategoryView => {
      const figures = state.categories.get(account.id) ?? { assignedMinor: 0n, activityMinor: 0n, carryInMinor: 0n, availableMinor: 0n };
      assigned += figures.assignedMinor;
      activity += figures.activityMinor;
      available += figures.availableMinor;
      const settings = loaded.settings.get(account.id);
      const target = settings?.target ?? null;
      const need = needOf({ id: account.id, hidden: false, target }, state);
      return {
        id: account.id,
        code: account.code,
        name: account.role === 'card' ? `${account.name} payment` : account.name,
        kind: account.role === 'card' ? 'card_payment' : 'expense',
        hidden: settings?.hidden ?? false,
        assigned: money(figures.assignedMinor),
        activity: money(figures.activityMinor),
        available: money(figures.availableMinor),
        carriedIn: money(figures.carryInMinor),
        overspent: figures.availableMinor < 0n,
        target: target ? targetView(target, currency) : null,
        targetGoal: need ? money(need.goalMinor) : null,
        needed: need ? money(need.neededMinor) : null,
        targetStatus: need?.status ?? null,
        underfunded: need?.status === 'underfunded',
      };
    });
    return { id: group.id, name: group.name, hidden: group.hidden, assigned: money(assigned), activity: money(activity), available: money(available), categories };
  });
  const tba = state.toBeAssignedMinor;
  const budgeted = tba + state.heldMinor + state.availableMinor;
  return {
    entityId: loaded.entity.id,
    entityName: loaded.entity.name,
    month: state.month,
    currency,
    bounds: loaded.bounds,
    toBeAssigned: money(tba),
    toBeAssignedStatus: tba > 0n ? 'positive' : tba < 0n ? 'negative' : 'zero',
    toBeAssignedNote: tba < 0n ? `Over-assigned by ${money(-tba)}: more is assigned than you have. Take ${money(-tba)} back from a category.` : null,
    summary: {
      income: money(state.incomeMinor),
      fromLastMonth: money(state.fromLastMonthMinor),
      overspentLastMonth: money(state.overspentLastMonthMinor),
      assigned: money(state.assignedMinor),
      activity: money(state.activityMinor),
      available: money(state.availableMinor),
      held: money(state.heldMinor),
    },
    reconciliation: { budgeted: money(budgeted), onBudgetCash: money(state.cashMinor), balanced: budgeted === state.cashMinor },
    groups,
  };
}

