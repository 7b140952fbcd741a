import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { DependencyContainer } from 'tsyringe';
import { AuditLog } from '../audit/audit-log.js';
import type { Actor } from '../auth/actor.js';
import type { MonthState } from '../budget/board.js';
import { BudgetService, type TargetRequest } from '../budget/budget-service.js';
import type { BudgetAccount } from '../budget/budget-store.js';
import { addMonths, compareMonths, type Month } from '../budget/month.js';
import { ceilDiv, targetNeed, type Target } from '../budget/targets.js';
import { createUserWithHousehold } from '../auth/auth-service.js';
import { Tokens } from '../container.js';
import { AccountService } from '../ledger/accounts.js';
import { EntityService } from '../ledger/entities.js';
import { InterEntityTransferService, type TransferRequest } from '../ledger/inter-entity.js';
import { insertJournals, type JournalDraft } from '../ledger/journal-store.js';
import type { AccountRow, IsoDate, TransferKind } from '../ledger/types.js';
import { formatMinor } from '../money/index.js';
import { hashPassword } from '../security/index.js';
import { inTransaction } from '../db/transaction.js';

/**
 * The demo household a fresh install starts with: Jordan Lee, a designer, and Lee Studio LLC.
 * A year of books ending today: client payments, Schedule C expenses, monthly owner draws, a
 * member loan repaid with interest, an LLC bill paid on the personal card and reimbursed, and
 * the everyday personal spending around it. Generated from a seeded PRNG, so every run has the
 * same shape; cash accounts never go below zero on any day (the planner refuses otherwise).
 */

export const demoEmail = 'demo@sluice.local';
export const demoPassword = 'sluice-demo-2026';
export const demoPersonalName = 'Jordan Lee';
export const demoLlcName = 'Lee Studio LLC';

const currency = 'USD';
/** Serialises two processes seeding the same empty database at once. */
const seedLockKey = 0x51_1ce_de0;

export interface DemoSeedResult {
  created: boolean;
  email: string;
}

/**
 * Creates the demo household when the database has no users at all; otherwise does nothing.
 * Everything happens in one transaction: a failed seed leaves the database empty.
 */
export async function seedDemoIfEmpty(container: DependencyContainer, options: { today?: IsoDate } = {}): Promise<DemoSeedResult> {
  const knex = container.resolve(Tokens.Knex);
  if (await hasUsers(knex)) return { created: false, email: demoEmail };
  const audit = container.resolve(AuditLog);
  const entities = container.resolve(EntityService);
  const transfers = container.resolve(InterEntityTransferService);
  const accounts = container.resolve(AccountService);
  const budget = container.resolve(BudgetService);
  const passwordHash = await hashPassword(demoPassword);
  const today = options.today ?? new Date().toISOString().slice(0, 10);

  const created = await inTransaction(knex, async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(?::bigint)', [seedLockKey]);
    if (await hasUsers(trx)) return false;
    const { userId, householdId } = await createUserWithHousehold(trx, demoEmail, passwordHash, 'Lee household');
    const actor: Actor = { userId, householdId };
    const personal = await entities.create(trx, actor, { kind: 'personal', name: demoPersonalName });
    const llc = await entities.create(trx, actor, { kind: 'llc', name: demoLlcName });
    // Budget-only categories for money put aside (nothing is booked to them): see demoReserves.
    for (const [side, entity] of [['personal', personal], ['llc', llc]] as const) {
      const reserve = demoReserves[side];
      await accounts.create(trx, actor, entity.id, { name: reserve.name, type: 'expense', code: reserve.code, description: 'Budget category for money set aside; nothing is booked to it' });
    }
    const chart = await loadChart(trx, { personal: personal.id, llc: llc.id });
    const plan = planDemoYear(today, chart, userId);
    for (const step of plan.steps) {
      if (step.type === 'journals') await insertJournals(trx, step.drafts);
      else await transfers.record(trx, actor, step.request);
    }
    const budgetSeed = await seedDemoBudget(trx, budget, actor, chart, today);
    await audit.record(trx, [
      {
        householdId,
        actorUserId: userId,
        action: 'demo.seed',
        resourceType: 'household',
        resourceId: householdId,
        after: {
          email: demoEmail,
          entities: [personal, llc].map((entity) => ({ id: entity.id, kind: entity.kind, name: entity.name })),
          from: plan.from,
          to: plan.to,
          journals: plan.journalCount,
          transfers: plan.transferCount,
          budget: budgetSeed,
        },
      },
    ]);
    return true;
  });
  return { created, email: demoEmail };
}

async function hasUsers(db: Knex): Promise<boolean> {
  return (await db('users').first('id')) !== undefined;
}

async function loadChart(trx: Knex.Transaction, entityIds: Record<DemoSide, string>): Promise<DemoChart> {
  const rows: AccountRow[] = await trx('accounts').whereIn('entity_id', Object.values(entityIds));
  const byKey = new Map<string, string>();
  for (const row of rows) {
    const side: DemoSide = row.entity_id === entityIds.llc ? 'llc' : 'personal';
    byKey.set(`${side}:${row.code}`, row.id);
    if (row.role) byKey.set(`${side}:${row.role}`, row.id);
  }
  return {
    entityId: (side) => entityIds[side],
    accountId(side, codeOrRole) {
      const id = byKey.get(`${side}:${codeOrRole}`);
      if (!id) throw new Error(`demo seed: the ${side} chart has no account ${codeOrRole}`);
      return id;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The budget: a year of assignments on both boards, written through the budget service after
// the journals (in the same transaction), so each month is planned from the real activity.
// ---------------------------------------------------------------------------------------------

/**
 * Each board's reserve: what a month leaves over, less a small buffer kept in To be assigned
 * (between the buffer and $100 more), goes here, and a month that needs more takes it back.
 */
const demoReserves: Record<DemoSide, { code: string; name: string; goal: string; bufferMinor: bigint }> = {
  personal: { code: '5900', name: 'Rainy Day Fund', goal: '40000.00', bufferMinor: 40_000n },
  llc: { code: '6900', name: 'Operating Reserve', goal: '25000.00', bufferMinor: 100_000n },
};

interface DemoBudgetRules {
  targets: { code: string; target: TargetRequest }[];
  /** Categories assigned their typical month and no more, so they sometimes end a little overspent. */
  loose: readonly string[];
}

function demoBudgetRules(side: DemoSide, currentMonth: Month): DemoBudgetRules {
  if (side === 'personal') {
    return {
      targets: [
        { code: '5000', target: { kind: 'monthly', amount: '1950.00' } },
        { code: '5110', target: { kind: 'savings_goal', amount: '2000.00' } },
        { code: demoReserves.personal.code, target: { kind: 'savings_goal', amount: demoReserves.personal.goal } },
      ],
      loose: ['5030', '5120'],
    };
  }
  // The California LLC tax is due in April: save it up by the next one.
  const april = Number(currentMonth.slice(5, 7)) < 4 ? `${currentMonth.slice(0, 4)}-04` : `${Number(currentMonth.slice(0, 4)) + 1}-04`;
  return {
    targets: [
      { code: '6120', target: { kind: 'by_date', amount: '800.00', byMonth: april } },
      { code: '6170', target: { kind: 'monthly', amount: '127.00' } },
      { code: demoReserves.llc.code, target: { kind: 'savings_goal', amount: demoReserves.llc.goal } },
    ],
    loose: ['6140'],
  };
}

const wholeDollarsUp = (minor: bigint): bigint => (minor > 0n ? ceilDiv(minor, 100n) * 100n : 0n);
const fiftiesUp = (minor: bigint): bigint => (minor > 0n ? ceilDiv(minor, 5_000n) * 5_000n : 0n);

/**
 * One month of a demo board: every category that spends gets its typical month (the year's
 * average, in whole dollars) or what it needs to cover this month's spending, whichever is more;
 * a target's goal when that is more still; the loose categories get their typical month only.
 * On the personal board the rest, less a small buffer, goes to the rainy-day fund.
 */
export function demoMonthAssignments(input: {
  state: MonthState;
  categories: readonly { id: string; code: string; role: string }[];
  typical: (categoryId: string) => bigint;
  targets: ReadonlyMap<string, Target>;
  loose: ReadonlySet<string>;
  reserve: { id: string; bufferMinor: bigint };
  /** The month under way: its income has not all arrived, so it is funded as spending happens. */
  underWay?: boolean;
}): Map<string, bigint> {
  const { state } = input;
  const wanted = new Map<string, bigint>();
  let total = 0n;
  for (const category of input.categories) {
    if (category.role !== 'expense' || category.id === input.reserve.id) continue;
    const figures = state.categories.get(category.id);
    if (!figures) continue;
    const typical = input.typical(category.id);
    const spent = figures.activityMinor < 0n ? -figures.activityMinor : 0n;
    const uncovered = spent - figures.carryInMinor;
    // A month under way is funded for what it has spent so far (and its targets), as people do
    // while waiting for the next paycheck; a full month gets its typical amount.
    const usual = input.underWay ? 0n : typical;
    let amount = input.loose.has(category.code) && !input.underWay ? fiftiesUp(typical) : wholeDollarsUp(usual > uncovered ? usual : uncovered > 0n ? uncovered : 0n);
    const target = input.targets.get(category.id);
    if (target && target.kind !== 'savings_goal') {
      const need = targetNeed(target, { month: state.month, carryInMinor: figures.carryInMinor, assignedMinor: 0n, activityMinor: figures.activityMinor });
      if (need.goalMinor > amount) amount = wholeDollarsUp(need.goalMinor);
    }
    if (amount === 0n) continue;
    wanted.set(category.id, amount);
    total += amount;
  }
  // What is left after the categories (assignments already on the board aside), to the reserve;
  // when the month is short, out of what the reserve holds. In whole hundreds, rounded down.
  const { id, bufferMinor } = input.reserve;
  const left = state.toBeAssignedMinor + state.assignedMinor - (state.categories.get(id)?.assignedMinor ?? 0n) - total - bufferMinor;
  const hundreds = left >= 0n ? (left / 10_000n) * 10_000n : -ceilDiv(-left, 10_000n) * 10_000n;
  const held = state.categories.get(id)?.carryInMinor ?? 0n;
  // Under way, nothing is taken back out of the reserve unless the month cannot be covered otherwise.
  const floor = input.underWay && left >= 0n ? 0n : -held;
  const sweep = hundreds < floor ? floor : hundreds;
  if (sweep !== 0n) wanted.set(id, sweep);
  return wanted;
}

async function seedDemoBudget(trx: Knex.Transaction, budget: BudgetService, actor: Actor, chart: DemoChart, today: IsoDate) {
  const currentMonth = today.slice(0, 7);
  const firstMonth = monthsBefore(today, 12).slice(0, 7);
  const months: Month[] = [];
  for (let month = firstMonth; compareMonths(month, currentMonth) <= 0; month = addMonths(month, 1)) months.push(month);
  let targets = 0;
  let assignments = 0;
  for (const side of ['personal', 'llc'] as const) {
    const rules = demoBudgetRules(side, currentMonth);
    const targetById = new Map<string, Target>();
    for (const { code, target } of rules.targets) {
      const categoryId = chart.accountId(side, code);
      await budget.setTarget(trx, actor, categoryId, target);
      targetById.set(categoryId, { kind: target.kind, amountMinor: dollars(Number(target.amount)), ...(target.byMonth ? { byMonth: target.byMonth } : {}) });
      targets += 1;
    }
    const reserve = { id: chart.accountId(side, demoReserves[side].code), bufferMinor: demoReserves[side].bufferMinor };
    const loose = new Set(rules.loose);
    const typicalById = new Map<string, bigint>();
    const fullMonths = months.slice(0, -1);
    const written = await budget.assignMonths(
      trx,
      actor,
      chart.entityId(side),
      months,
      ({ state, categories, activityOf }) => {
        const typical = (categoryId: string) => {
          let value = typicalById.get(categoryId);
          if (value === undefined) {
            const spent = fullMonths.reduce((sum, month) => sum - activityOf(categoryId, month), 0n);
            value = spent > 0n ? wholeDollarsUp(spent / BigInt(fullMonths.length)) : 0n;
            typicalById.set(categoryId, value);
          }
          return value;
        };
        return demoMonthAssignments({ state, categories: categories as readonly BudgetAccount[], typical, targets: targetById, loose, reserve, underWay: state.month === currentMonth });
      },
      'Demo household budget',
    );
    assignments += written.assignments;
  }
  return { months: months.length, targets, assignments };
}

// ---------------------------------------------------------------------------------------------
// The plan: pure, no database. Account ids come from `chart`, so it can be checked offline.
// ---------------------------------------------------------------------------------------------

export type DemoSide = 'personal' | 'llc';

export interface DemoChart {
  entityId(side: DemoSide): string;
  /** Account id by code ('1000') or role ('opening_balance'). */
  accountId(side: DemoSide, codeOrRole: string): string;
}

/** Ordinary journals are written in bulk; a transfer goes through the transfer service. */
export type DemoStep = { type: 'journals'; drafts: JournalDraft[] } | { type: 'transfer'; request: TransferRequest };

export interface DemoPlan {
  from: IsoDate;
  to: IsoDate;
  steps: DemoStep[];
  /** Journals including the two of each transfer. */
  journalCount: number;
  transferCount: number;
  transfersByKind: Partial<Record<TransferKind, number>>;
  /** Lowest end-of-day and closing balances of the cash accounts, minor units. */
  lowest: Record<CashAccount, bigint>;
  closing: Record<CashAccount, bigint>;
}

type CashAccount = 'personalChecking' | 'personalSavings' | 'llcChecking';
type Line = readonly [side: DemoSide, codeOrRole: string, amountMinor: bigint];
type AccountRef = readonly [side: DemoSide, codeOrRole: string];

/** mulberry32: small, fast, and the same sequence everywhere. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const dayMs = 86_400_000;
const toUtc = (iso: IsoDate): Date => new Date(`${iso}T00:00:00Z`);
const isoOf = (date: Date): IsoDate => date.toISOString().slice(0, 10);
const daysInMonth = (year: number, month0: number): number => new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
const daysBetween = (from: IsoDate, to: IsoDate): number => Math.round((toUtc(to).getTime() - toUtc(from).getTime()) / dayMs);

/** The same day `months` earlier, clamped to the month's length (Mar 31 - 1 month = Feb 28/29). */
export function monthsBefore(iso: IsoDate, months: number): IsoDate {
  const date = toUtc(iso);
  const first = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - months, 1));
  const day = Math.min(date.getUTCDate(), daysInMonth(first.getUTCFullYear(), first.getUTCMonth()));
  return isoOf(new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), day)));
}

const dollars = (amount: number): bigint => BigInt(Math.round(amount * 100));
const money = (minor: bigint): string => formatMinor(minor, currency);

/** Floors that trigger a top-up from savings (personal) or cap the owner draw (LLC). */
const personalCheckingFloor = dollars(300);
const llcCheckingFloor = dollars(3_000);
const ownerDrawTarget = dollars(8_000);

const clients = [
  { name: 'Northwind Traders', rate: 150, hours: [20, 40], card: false },
  { name: 'Globex Corp', rate: 165, hours: [16, 36], card: false },
  { name: 'Initech', rate: 140, hours: [12, 28], card: true },
  { name: 'Umbrella Health', rate: 155, hours: [14, 32], card: false },
  { name: 'Blue Harbor Coffee Co.', rate: 130, hours: [8, 18], card: true },
  { name: 'Contoso Analytics', rate: 160, hours: [18, 36], card: false },
] as const;
const services = ['brand identity', 'product design sprint', 'marketing site refresh', 'UX research', 'design system work', 'onboarding flow redesign', 'pitch deck design'];

const llcSoftware = [
  { day: 1, payee: 'Google Workspace', memo: 'Business Starter, 1 user', amount: dollars(14.0) },
  { day: 3, payee: 'Adobe', memo: 'Creative Cloud All Apps', amount: dollars(59.99) },
  { day: 5, payee: 'GitHub', memo: 'Team plan', amount: dollars(4.0) },
  { day: 9, payee: '1Password', memo: 'Teams Starter', amount: dollars(7.99) },
  { day: 12, payee: 'Figma', memo: 'Professional, 1 editor', amount: dollars(15.0) },
  { day: 18, payee: 'Notion', memo: 'Plus plan', amount: dollars(10.0) },
  { day: 22, payee: 'Zoom', memo: 'Pro plan', amount: dollars(15.99) },
];
const personalSubscriptions = [
  { day: 5, payee: 'Netflix', amount: dollars(15.49) },
  { day: 11, payee: 'Spotify', amount: dollars(11.99) },
  { day: 16, payee: 'Apple iCloud+', amount: dollars(2.99) },
  { day: 21, payee: 'The New York Times', amount: dollars(4.0) },
];
const grocers = ["Trader Joe's", 'Safeway', 'Whole Foods Market', 'Rainbow Grocery'];
const cafes = ['Blue Bottle Coffee', 'Philz Coffee', 'Sightglass Coffee', 'Ritual Coffee Roasters'];
const restaurants = ['Tartine Bakery', 'Nopalito', 'Burma Superstar', 'Zuni Cafe', 'Souvla', 'Delfina Pizzeria', 'Chipotle', 'Pho Huynh Hiep', 'Mission Chinese Food', 'Shake Shack'];
const lunchSpots = ['Sweetgreen', 'Mixt', 'The Sandwich Spot', 'El Farolito', 'Deli Board'];
const funPlaces = [
  { payee: 'AMC Theatres', memo: 'Movie night' },
  { payee: 'Green Apple Books', memo: 'Books' },
  { payee: 'Mission Cliffs', memo: 'Climbing day pass' },
  { payee: 'Steam', memo: 'Video game' },
  { payee: 'Eventbrite', memo: 'Concert tickets' },
  { payee: 'Golden Gate Park Bowl', memo: 'Bowling with friends' },
];
const clothingStores = ['Uniqlo', 'REI', 'Everlane', "Levi's"];

class DemoPlanner {
  readonly steps: DemoStep[] = [];
  journalCount = 0;
  transferCount = 0;
  readonly transfersByKind: Partial<Record<TransferKind, number>> = {};
  private pending: JournalDraft[] = [];
  private readonly balances = new Map<string, bigint>();
  private readonly cash: Record<CashAccount, string>;
  /** Lowest balance of each cash account after any posting to it (from its first posting on). */
  private readonly lowestSeen = new Map<string, bigint>();

  constructor(
    private readonly chart: DemoChart,
    private readonly createdBy: string | null,
  ) {
    this.cash = {
      personalChecking: chart.accountId('personal', 'checking'),
      personalSavings: chart.accountId('personal', 'savings'),
      llcChecking: chart.accountId('llc', 'checking'),
    };
  }

  balance(side: DemoSide, codeOrRole: string): bigint {
    return this.balances.get(this.chart.accountId(side, codeOrRole)) ?? 0n;
  }

  journal(date: IsoDate, side: DemoSide, payee: string | null, memo: string, lines: readonly Line[]): void {
    const postings = lines.map(([lineSide, codeOrRole, amountMinor]) => {
      if (lineSide !== side) throw new Error('demo plan: a journal stays within one entity');
      return { accountId: this.chart.accountId(side, codeOrRole), amountMinor, currency };
    });
    this.pending.push({ id: randomUUID(), entityId: this.chart.entityId(side), date, memo, payee, source: 'demo', createdBy: this.createdBy, postings });
    this.journalCount += 1;
    this.apply(date, postings);
  }

  /** A purchase: Dr expense, Cr the account that paid. */
  spend(date: IsoDate, side: DemoSide, payee: string, memo: string, expense: string, amountMinor: bigint, paidWith: string): void {
    if (side === 'personal' && paidWith === 'checking') this.ensurePersonalChecking(date, amountMinor);
    this.journal(date, side, payee, memo, [
      [side, expense, amountMinor],
      [side, paidWith, -amountMinor],
    ]);
  }

  /** Moves savings to checking before a personal payment would leave checking under its floor. */
  ensurePersonalChecking(date: IsoDate, outgoingMinor: bigint): void {
    const short = personalCheckingFloor + outgoingMinor - this.balance('personal', 'checking');
    if (short <= 0n) return;
    const step = dollars(500);
    const topUp = ((short + step - 1n) / step) * step;
    this.journal(date, 'personal', null, 'Transfer from savings to cover bills', [
      ['personal', 'checking', topUp],
      ['personal', 'savings', -topUp],
    ]);
  }

  transfer(request: {
    kind: TransferKind;
    date: IsoDate;
    from: AccountRef;
    to: AccountRef;
    amountMinor: bigint;
    interestMinor?: bigint;
    purpose: string;
    documentRef?: string;
  }): void {
    const [fromSide, fromAccount] = request.from;
    const [toSide, toAccount] = request.to;
    const { amountMinor } = request;
    if (this.pending.length > 0) this.steps.push({ type: 'journals', drafts: this.pending });
    this.pending = [];
    const fromAccountId = this.chart.accountId(fromSide, fromAccount);
    const toAccountId = this.chart.accountId(toSide, toAccount);
    this.steps.push({
      type: 'transfer',
      request: {
        kind: request.kind,
        date: request.date,
        amount: money(amountMinor),
        ...(request.interestMinor !== undefined ? { interest: money(request.interestMinor) } : {}),
        fromAccountId,
        toAccountId,
        purpose: request.purpose,
        ...(request.documentRef ? { documentRef: request.documentRef } : {}),
      },
    });
    this.transferCount += 1;
    this.journalCount += 2;
    this.transfersByKind[request.kind] = (this.transfersByKind[request.kind] ?? 0) + 1;
    // Only the cash side matters to the plan: the paying account falls, the receiving one rises.
    this.apply(request.date, [
      { accountId: fromAccountId, amountMinor: -amountMinor },
      { accountId: toAccountId, amountMinor },
    ]);
  }

  finish(): DemoStep[] {
    if (this.pending.length > 0) this.steps.push({ type: 'journals', drafts: this.pending });
    this.pending = [];
    return this.steps;
  }

  lowest(): Record<CashAccount, bigint> {
    return {
      personalChecking: this.lowestSeen.get(this.cash.personalChecking) ?? 0n,
      personalSavings: this.lowestSeen.get(this.cash.personalSavings) ?? 0n,
      llcChecking: this.lowestSeen.get(this.cash.llcChecking) ?? 0n,
    };
  }

  closing(): Record<CashAccount, bigint> {
    return {
      personalChecking: this.balances.get(this.cash.personalChecking) ?? 0n,
      personalSavings: this.balances.get(this.cash.personalSavings) ?? 0n,
      llcChecking: this.balances.get(this.cash.llcChecking) ?? 0n,
    };
  }

  /** Every intermediate balance counts, so end-of-day balances are never negative either. */
  private apply(date: IsoDate, postings: readonly { accountId: string; amountMinor: bigint }[]): void {
    for (const posting of postings) this.balances.set(posting.accountId, (this.balances.get(posting.accountId) ?? 0n) + posting.amountMinor);
    for (const [name, accountId] of Object.entries(this.cash) as [CashAccount, string][]) {
      if (!postings.some((posting) => posting.accountId === accountId)) continue;
      const balance = this.balances.get(accountId)!;
      if (balance < 0n) throw new Error(`demo plan overdraws ${name} on ${date} (${money(balance)})`);
      const lowest = this.lowestSeen.get(accountId);
      if (lowest === undefined || balance < lowest) this.lowestSeen.set(accountId, balance);
    }
  }
}

/**
 * A year of books for the demo household, from the same day twelve months before `today` to
 * `today` inclusive. Deterministic for a given `today` (seeded PRNG).
 */
export function planDemoYear(today: IsoDate, chart: DemoChart, createdBy: string | null): DemoPlan {
  const rng = seededRandom(0x5eed_2026);
  const chance = (p: number) => rng() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
  const intBetween = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
  const amountBetween = (lo: number, hi: number): bigint => {
    const low = Math.round(lo * 100);
    return BigInt(low + Math.floor(rng() * (Math.round(hi * 100) - low + 1)));
  };

  const from = monthsBefore(today, 12);
  const plan = new DemoPlanner(chart, createdBy);
  const start = toUtc(from);
  const startMonth = start.getUTCFullYear() * 12 + start.getUTCMonth();
  let invoiceNumber = 1040;

  // State for events that refer back to earlier ones.
  let loan: { date: IsoDate; principal: bigint; outstanding: bigint; lastInterestDate: IsoDate } | undefined;
  let paidForAmount = 0n;

  // Per-month schedules, drawn when the month is first reached.
  interface Scheduled {
    day: number;
    run: (date: IsoDate) => void;
  }
  let monthIncome: Scheduled[] = [];
  let monthOutgoing: Scheduled[] = [];

  const planMonth = (dim: number) => {
    monthIncome = [];
    monthOutgoing = [];
    // Client payments: 2-4 a month, the first two early and mid-month so the LLC stays funded.
    const windows: [number, number][] = [
      [2, 8],
      [10, 16],
      [18, 23],
      [24, Math.min(28, dim)],
    ];
    const roll = rng();
    const count = roll < 0.2 ? 2 : roll < 0.7 ? 3 : 4;
    for (const [lo, hi] of windows.slice(0, count)) {
      const client = pick(clients);
      const hours = intBetween(client.hours[0], client.hours[1]);
      const service = pick(services);
      const gross = BigInt(hours * client.rate * 100);
      const invoice = `LS-${invoiceNumber++}`;
      monthIncome.push({
        day: intBetween(lo, hi),
        run: (date) => {
          if (client.card) {
            const fee = (gross * 29n) / 1000n + 30n;
            plan.journal(date, 'llc', client.name, `Invoice ${invoice}: ${hours} h ${service} (card payment via Stripe)`, [
              ['llc', 'checking', gross - fee],
              ['llc', '6180', fee],
              ['llc', '4000', -gross],
            ]);
          } else {
            plan.journal(date, 'llc', client.name, `Invoice ${invoice}: ${hours} h ${service}`, [
              ['llc', 'checking', gross],
              ['llc', '4000', -gross],
            ]);
          }
        },
      });
    }
    // Office supplies, client meals and ads go on the business card.
    for (let i = intBetween(0, 2); i > 0; i -= 1) {
      const store = pick(['Staples', 'Amazon', 'Blick Art Materials', 'Office Depot']);
      const amount = amountBetween(18, 140);
      monthOutgoing.push({ day: intBetween(1, dim), run: (date) => plan.spend(date, 'llc', store, 'Office supplies', '6080', amount, 'credit_card') });
    }
    for (let i = intBetween(0, 2); i > 0; i -= 1) {
      const client = pick(clients);
      const place = pick(restaurants);
      const amount = amountBetween(28, 96);
      monthOutgoing.push({ day: intBetween(1, dim), run: (date) => plan.spend(date, 'llc', place, `Working lunch with ${client.name}`, '6140', amount, 'credit_card') });
    }
    if (chance(0.3)) {
      const amount = amountBetween(50, 200);
      monthOutgoing.push({ day: intBetween(1, dim), run: (date) => plan.spend(date, 'llc', 'LinkedIn Ads', 'Sponsored post campaign', '6000', amount, 'credit_card') });
    }
    // Contractors are paid by ACH late in the month, after most receipts are in.
    if (chance(0.75)) {
      const amount = dollars(intBetween(12, 26) * 100);
      monthOutgoing.push({ day: intBetween(21, Math.min(26, dim)), run: (date) => plan.spend(date, 'llc', 'Sam Ortiz', 'Front-end development (contractor invoice)', '6030', amount, 'checking') });
    }
    if (chance(0.35)) {
      const amount = dollars(intBetween(7, 18) * 50);
      monthOutgoing.push({ day: intBetween(15, 25), run: (date) => plan.spend(date, 'llc', 'Priya Nair', 'Copywriting (contractor invoice)', '6030', amount, 'checking') });
    }
  };

  for (let time = start.getTime(), end = toUtc(today).getTime(); time <= end; time += dayMs) {
    const now = new Date(time);
    const date = isoOf(now);
    const year = now.getUTCFullYear();
    const month0 = now.getUTCMonth();
    const day = now.getUTCDate();
    const dow = now.getUTCDay();
    const dim = daysInMonth(year, month0);
    const monthIndex = year * 12 + month0 - startMonth;
    const isFirstDay = date === from;
    const on = (index: number, wanted: number) => monthIndex === index && day === Math.min(wanted, dim);
    const monthly = (wanted: number) => day === Math.min(wanted, dim);

    if (isFirstDay || day === 1) planMonth(dim);

    if (isFirstDay) {
      // Savings opens at 20,000: 8,000 of it funds the LLC the same day, leaving 12,000.
      const opening: Line[] = [
        ['personal', 'checking', dollars(4_200)],
        ['personal', 'savings', dollars(20_000)],
        ['personal', 'credit_card', -dollars(850)],
        ['personal', '2200', -dollars(18_400)],
      ];
      const net = opening.reduce((sum, [, , amountMinor]) => sum + amountMinor, 0n);
      plan.journal(date, 'personal', null, 'Opening balances', [...opening, ['personal', 'opening_balance', -net]]);
      plan.transfer({
        kind: 'capital_contribution',
        date,
        from: ['personal', 'savings'],
        to: ['llc', 'checking'],
        amountMinor: dollars(8_000),
        purpose: 'Initial capital to fund the business checking account',
        documentRef: 'Operating agreement, section 4.1',
      });
    }

    // ---- Money in -------------------------------------------------------------------------
    for (const event of monthIncome) if (event.day === day) event.run(date);

    // The draw comes after the month's receipts; it pays next month's rent on the 1st.
    if (monthly(28)) {
      const available = plan.balance('llc', 'checking') - llcCheckingFloor;
      const capped = available < ownerDrawTarget ? (available / dollars(50)) * dollars(50) : ownerDrawTarget;
      const amount = capped < dollars(250) ? dollars(250) : capped;
      plan.transfer({
        kind: 'owner_draw',
        date,
        from: ['llc', 'checking'],
        to: ['personal', 'checking'],
        amountMinor: amount,
        purpose: 'Monthly owner draw',
      });
    }

    // Member loan, owner to LLC, mid-year; repaid in two instalments with 5% simple interest.
    if (on(5, 10)) {
      loan = { date, principal: dollars(5_000), outstanding: dollars(5_000), lastInterestDate: date };
      plan.transfer({
        kind: 'member_loan',
        date,
        from: ['personal', 'savings'],
        to: ['llc', 'checking'],
        amountMinor: loan.principal,
        purpose: 'Bridge loan to pay contractors while a large client invoice is outstanding',
        documentRef: 'Promissory note 2 (5% simple interest)',
      });
    }
    for (const repaymentMonth of [8, 10]) {
      if (loan && on(repaymentMonth, 25)) {
        const principal = repaymentMonth === 10 ? loan.outstanding : loan.principal / 2n;
        const interest = (loan.outstanding * 5n * BigInt(daysBetween(loan.lastInterestDate, date))) / (100n * 365n);
        plan.transfer({
          kind: 'loan_repayment',
          date,
          from: ['llc', 'checking'],
          to: ['personal', 'savings'],
          amountMinor: principal + interest,
          interestMinor: interest,
          purpose: `Member loan repayment ${repaymentMonth === 8 ? '1 of 2' : '2 of 2'}`,
          documentRef: 'Promissory note 2',
        });
        loan.outstanding -= principal;
        loan.lastInterestDate = date;
      }
    }

    // The owner paid an LLC software bill on the personal card; the LLC pays it back.
    if (on(2, 9)) {
      paidForAmount = dollars(276);
      plan.transfer({
        kind: 'expense_paid_for',
        date,
        from: ['personal', 'credit_card'],
        to: ['llc', '6170'],
        amountMinor: paidForAmount,
        purpose: 'Webflow annual site plan paid with the personal card',
        documentRef: 'Webflow receipt WF-88213',
      });
    }
    if (on(3, 2) && paidForAmount > 0n) {
      plan.transfer({
        kind: 'reimbursement',
        date,
        from: ['llc', 'checking'],
        to: ['personal', 'checking'],
        amountMinor: paidForAmount,
        purpose: 'Reimburse the Webflow annual plan paid with the personal card',
        documentRef: 'Webflow receipt WF-88213',
      });
    }

    if (day === dim) {
      const interest = (plan.balance('personal', 'savings') * 400n) / 120_000n;
      if (interest > 0n) {
        plan.journal(date, 'personal', 'Ally Bank', 'Savings interest (4.00% APY)', [
          ['personal', 'savings', interest],
          ['personal', '4100', -interest],
        ]);
      }
    }

    // ---- LLC money out --------------------------------------------------------------------
    for (const software of llcSoftware) {
      if (monthly(software.day)) plan.spend(date, 'llc', software.payee, software.memo, '6170', software.amount, 'credit_card');
    }
    if (monthly(6)) plan.spend(date, 'llc', 'Comcast Business', 'Studio internet', '6150', dollars(89.99), 'checking');
    if (monthly(14)) plan.spend(date, 'llc', 'Verizon Wireless', 'Business phone line', '6150', amountBetween(64, 71.5), 'checking');
    if (monthly(10)) plan.spend(date, 'llc', 'Hiscox', 'Professional liability insurance', '6050', dollars(42.5), 'checking');
    if (day === dim) plan.spend(date, 'llc', 'First Harbor Bank', 'Monthly account service fee', '6180', dollars(15), 'checking');
    for (const event of monthOutgoing) if (event.day === day) event.run(date);
    if (monthly(20)) {
      const owed = -plan.balance('llc', 'credit_card');
      if (owed > 0n) {
        plan.journal(date, 'llc', 'First Harbor Bank Card', 'Business card payment, statement balance in full', [
          ['llc', 'credit_card', owed],
          ['llc', 'checking', -owed],
        ]);
      }
    }
    if (month0 === 2 && day === 20) plan.spend(date, 'llc', 'Chen & Ortiz CPAs', 'Annual tax preparation and bookkeeping review', '6070', dollars(650), 'checking');
    if (month0 === 3 && day === 15) plan.spend(date, 'llc', 'California Franchise Tax Board', 'LLC annual tax', '6120', dollars(800), 'checking');
    // A conference trip: registration, flights, hotel, meals and rides, all on the business card.
    if (on(7, 12)) plan.spend(date, 'llc', 'DesignOps Summit', 'Conference registration', '6190', dollars(695), 'credit_card');
    if (on(7, 20)) plan.spend(date, 'llc', 'Alaska Airlines', 'Flights to DesignOps Summit (Seattle)', '6130', dollars(412.6), 'credit_card');
    if (monthIndex === 8 && day >= 14 && day <= 17) {
      if (day === 14 || day === 17) plan.spend(date, 'llc', 'Lyft', 'Airport ride, DesignOps Summit', '6130', amountBetween(32, 48), 'credit_card');
      if (day < 17) plan.spend(date, 'llc', pick(['Din Tai Fung', 'Pike Place Chowder', "Ludi's", 'Tilikum Place Cafe']), 'Meal while travelling, DesignOps Summit', '6140', amountBetween(18, 64), 'credit_card');
      if (day === 17) plan.spend(date, 'llc', 'Hotel Zephyr Seattle', 'Hotel, 3 nights, DesignOps Summit', '6130', dollars(687.45), 'credit_card');
    }

    // ---- Personal money out ---------------------------------------------------------------
    if (monthly(1)) plan.spend(date, 'personal', 'Maple Court Apartments', 'Rent', '5000', dollars(1_950), 'checking');
    if (monthly(2)) plan.spend(date, 'personal', 'Blue Shield of California', 'Health insurance premium', '5060', dollars(412), 'checking');
    if (monthly(3)) {
      // Pay yourself first: at least 250, and anything above a 3,000 cushion once rent is paid.
      const surplus = ((plan.balance('personal', 'checking') - dollars(3_000)) / dollars(50)) * dollars(50);
      const amount = surplus > dollars(250) ? surplus : dollars(250);
      plan.ensurePersonalChecking(date, amount);
      plan.journal(date, 'personal', null, 'Monthly transfer to savings', [
        ['personal', 'savings', amount],
        ['personal', 'checking', -amount],
      ]);
    }
    if (monthly(4)) plan.spend(date, 'personal', 'Clipper', 'Transit pass', '5040', dollars(86), 'credit_card');
    if (monthly(7)) plan.spend(date, 'personal', 'Lemonade', 'Renters insurance', '5060', dollars(14.25), 'credit_card');
    if (monthly(8)) plan.spend(date, 'personal', 'T-Mobile', 'Phone plan', '5070', dollars(65), 'credit_card');
    if (monthly(12)) {
      const winter = Math.cos((2 * Math.PI * month0) / 12);
      plan.spend(date, 'personal', 'PG&E', 'Electricity and gas', '5010', dollars(Math.round((80 + 40 * winter + rng() * 20) * 100) / 100), 'checking');
    }
    if (month0 % 2 === 0 && monthly(19)) plan.spend(date, 'personal', 'SF Water Power Sewer', 'Water and sewer (two months)', '5010', amountBetween(48, 72), 'checking');
    if (monthly(26)) plan.spend(date, 'personal', 'Sonic', 'Home internet', '5070', dollars(50), 'checking');
    for (const subscription of personalSubscriptions) {
      if (monthly(subscription.day)) plan.spend(date, 'personal', subscription.payee, 'Subscription', '5080', subscription.amount, 'credit_card');
    }
    if (monthly(17)) {
      const debt = -plan.balance('personal', '2200');
      if (debt > 0n) {
        const interest = (debt * 550n) / 120_000n;
        const payment = debt + interest < dollars(310) ? debt + interest : dollars(310);
        plan.ensurePersonalChecking(date, payment);
        plan.journal(date, 'personal', 'Nelnet', 'Student loan payment', [
          ['personal', '2200', payment - interest],
          ['personal', '5150', interest],
          ['personal', 'checking', -payment],
        ]);
      }
    }
    if (day === 15 && [0, 3, 5, 8].includes(month0)) plan.spend(date, 'personal', 'IRS', 'Federal estimated tax (Form 1040-ES)', '5130', dollars(3_000), 'checking');
    if (month0 === 11 && day === 15) plan.spend(date, 'personal', 'SF-Marin Food Bank', 'Year-end donation', '5100', dollars(250), 'checking');
    if (dow === 6 && day <= 7) plan.spend(date, 'personal', 'ATM withdrawal', 'Cash for the month', '5120', dollars(100), 'checking');

    // Everyday spending, mostly on the card.
    if (dow === 6) plan.spend(date, 'personal', pick(grocers), 'Weekly groceries', '5020', amountBetween(68, 165), 'credit_card');
    if (dow === 0 && chance(0.5)) plan.spend(date, 'personal', 'Ferry Plaza Farmers Market', 'Produce', '5020', amountBetween(12, 35), 'credit_card');
    if (dow >= 2 && dow <= 4 && chance(0.35)) plan.spend(date, 'personal', 'Corner Market', 'Groceries top-up', '5020', amountBetween(9, 38), 'checking');
    if (chance(dow === 0 || dow === 6 ? 0.3 : 0.6)) plan.spend(date, 'personal', pick(cafes), 'Coffee', '5030', amountBetween(4.5, 9.75), 'credit_card');
    if (dow >= 1 && dow <= 5 && chance(0.2)) plan.spend(date, 'personal', pick(lunchSpots), 'Lunch', '5030', amountBetween(11, 19), 'credit_card');
    if (chance(dow === 5 || dow === 6 ? 0.45 : 0.2)) plan.spend(date, 'personal', pick(restaurants), 'Dinner', '5030', amountBetween(16, 70), 'credit_card');
    if (chance(0.12)) plan.spend(date, 'personal', pick(['Lyft', 'Uber']), 'Ride', '5040', amountBetween(9, 38), 'credit_card');
    if (chance(0.1)) plan.spend(date, 'personal', pick(['Shell', 'Chevron']), 'Gas', '5040', amountBetween(38, 64), 'credit_card');
    if (chance(dow === 5 || dow === 6 ? 0.6 : dow === 0 ? 0.3 : 0)) {
      const fun = pick(funPlaces);
      plan.spend(date, 'personal', fun.payee, fun.memo, '5120', amountBetween(10, 60), 'credit_card');
    }
    if (chance(0.03)) plan.spend(date, 'personal', 'CVS Pharmacy', 'Pharmacy', '5050', amountBetween(8, 45), 'credit_card');
    if (chance(0.035)) plan.spend(date, 'personal', pick(clothingStores), 'Clothes', '5090', amountBetween(25, 160), 'credit_card');
    if (chance(0.015)) plan.spend(date, 'personal', 'Etsy', 'Birthday gift', '5100', amountBetween(20, 90), 'credit_card');
    // A week's holiday in month 4.
    if (on(4, 6)) {
      plan.spend(date, 'personal', 'Alaska Airlines', 'Flights to Portland', '5110', dollars(486.2), 'credit_card');
      plan.spend(date, 'personal', 'Airbnb', 'Cabin near Mount Hood, 5 nights', '5110', dollars(742), 'credit_card');
    }
    if (monthIndex === 4 && day >= 20 && day <= 24) plan.spend(date, 'personal', pick(['Pine State Biscuits', 'Pok Pok', "Powell's Books", 'Timberline Lodge']), 'Holiday', '5110', amountBetween(22, 110), 'credit_card');

    if (monthly(24)) {
      const owed = -plan.balance('personal', 'credit_card');
      if (owed > 0n) {
        plan.ensurePersonalChecking(date, owed);
        plan.journal(date, 'personal', 'Chase Card Services', 'Credit card payment, statement balance in full', [
          ['personal', 'credit_card', owed],
          ['personal', 'checking', -owed],
        ]);
      }
    }
  }

  const steps = plan.finish();
  return {
    from,
    to: today,
    steps,
    journalCount: plan.journalCount,
    transferCount: plan.transferCount,
    transfersByKind: plan.transfersByKind,
    lowest: plan.lowest(),
    closing: plan.closing(),
  };
}
