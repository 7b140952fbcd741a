/**
 * Flow benchmark.
 *
 * (a) Planning: a 50-node flow (trigger, 3 sources, 26 allocate/cap/condition nodes, 20
 *     transfers) planned by the generic engine (`validateFlow` + `planFlow`) against the same
 *     postings computed by a hand-written TypeScript function, in the same process; both must
 *     produce identical postings. Median time per plan and the ratio.
 * (b) Committing: runs of a 10-transfer flow through `FlowRunner.run` on a real PostgreSQL
 *     (plan + lock + journals + run record in one transaction); p50/p95/p99 per run, and each run
 *     must have committed exactly 10 journals.
 *
 * Rewrites only its own section of bench/RESULTS.md (between the `flows` markers).
 * `npm run bench:flows`; see bench/README.md for the environment variables.
 */
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
import type { FlowEdge, FlowGraph, FlowNode, FlowSettings } from '../engine/flows/graph.js';
import type { AccountSnapshot, PlanContext, PlannedEffect } from '../engine/flows/node-type.js';
import { FlowService } from '../engine/flows/flow-service.js';
import { planFlow } from '../engine/flows/planner.js';
import { FlowRunner } from '../engine/flows/runner.js';
import { validateFlow } from '../engine/flows/validate.js';
import { EntityService } from '../engine/ledger/entities.js';
import { insertJournals } from '../engine/ledger/journal-store.js';
import type { AccountType, EntityKind } from '../engine/ledger/types.js';
import { dropSchema, machineRows, positiveInt, resultsFile, writeSection } from './bench-support.js';

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

const settings = {
  databaseUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  /** Timed samples per planner variant; each sample is a batch of calls lasting ≥ batchMs. */
  planSamples: positiveInt('BENCH_FLOW_SAMPLES', 300),
  batchMs: 5,
  /** Committed runs measured (after the warm-up runs). */
  runs: positiveInt('BENCH_FLOW_RUNS', 300),
  warmupRuns: 20,
  /**
   * ANALYZE the ledger tables after the warm-up and every this many runs (untimed), as autovacuum
   * would: on never-analyzed tables PostgreSQL checks each posting's foreign key to journals
   * through the (entity_id, date) index, a scan of every journal of that entity and day.
   */
  analyzeEvery: 100,
  /** `plan` or `commit`: run one part only, print it, write nothing (for quick tries and profiling). */
  only: process.env.BENCH_FLOWS_ONLY ?? '',
  goals: { ratio: 3, p95Ms: 20 },
  /** Other balance snapshots on which planner and hand-written postings must agree too. */
  equivalenceSnapshots: 1_000,
  journalsPerRun: 10,
} as const;


function log(message: string): void {
  process.stderr.write(`[bench:flows] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// (a) The 50-node flow, over an in-memory household of 75 accounts
// ---------------------------------------------------------------------------------------------

const PERSONAL = '0b000000-0000-4000-8000-000000000001';
const LLC = '0b000000-0000-4000-8000-000000000002';
let accountCounter = 0;

function snapshotAccount(entityKind: EntityKind, name: string, type: AccountType, subtype: string, balanceMinor = 0n): AccountSnapshot {
  accountCounter += 1;
  return {
    id: `0a000000-0000-4000-8000-${accountCounter.toString(16).padStart(12, '0')}`,
    entityId: entityKind === 'personal' ? PERSONAL : LLC,
    entityKind,
    code: String(1000 + accountCounter),
    name,
    type,
    subtype,
    currency: 'USD',
    allowOverdraft: subtype === 'credit_card',
    balanceMinor,
  };
}

/** The accounts the flow names. */
const A = {
  llcChecking: snapshotAccount('llc', 'Business Checking', 'asset', 'checking', 8_432_155n),
  llcSavings: snapshotAccount('llc', 'Business Savings', 'asset', 'savings', 1_250_000n),
  taxReserve: snapshotAccount('llc', 'Tax Reserve Savings', 'asset', 'savings', 600_000n),
  llcCard: snapshotAccount('llc', 'Business Credit Card', 'liability', 'credit_card', -123_400n),
  checking: snapshotAccount('personal', 'Checking', 'asset', 'checking', 1_234_567n),
  savings: snapshotAccount('personal', 'Savings', 'asset', 'savings', 300_000n),
  emergency: snapshotAccount('personal', 'Emergency Fund', 'asset', 'savings', 750_000n),
  brokerage: snapshotAccount('personal', 'Brokerage', 'asset', 'brokerage', 2_500_000n),
  retirement: snapshotAccount('personal', 'Retirement (IRA)', 'asset', 'retirement', 4_100_000n),
  card: snapshotAccount('personal', 'Credit Card', 'liability', 'credit_card', -210_000n),
  studentLoan: snapshotAccount('personal', 'Student Loan', 'liability', 'loan', -1_850_000n),
  autoLoan: snapshotAccount('personal', 'Auto Loan', 'liability', 'loan', -940_000n),
} as const;

/** A household's worth of accounts (the ledger benchmark's household has 75): the rest are categories. */
export function householdAccounts(): Map<string, AccountSnapshot> {
  const all: AccountSnapshot[] = Object.values(A);
  for (let index = all.length; index < 75; index += 1) {
    const entityKind: EntityKind = index % 2 === 0 ? 'personal' : 'llc';
    all.push(snapshotAccount(entityKind, `Category ${index}`, index % 5 === 0 ? 'income' : 'expense', index % 5 === 0 ? 'income' : 'expense', BigInt(index * 10_007)));
  }
  return new Map(all.map((account) => [account.id, account]));
}

const flowSettings: FlowSettings = { currency: 'USD' };
/** A Friday in May: the weekday and month conditions of the bonus branch hold. */
export const runDate = '2026-05-15';

class GraphBuilder {
  readonly nodes: FlowNode[] = [];
  readonly edges: FlowEdge[] = [];

  /** Adds a node, fed by `from` ("node:handle"; a trigger's start signal when the handle is "start"). */
  add(id: string, type: string, data: Record<string, unknown>, from?: string): this {
    this.nodes.push({ id, type, data, position: { x: 40 * this.nodes.length, y: 0 } });
    if (from) {
      const [source, sourceHandle] = from.split(':') as [string, string];
      this.edges.push({ id: `${source}:${sourceHandle}->${id}`, source, sourceHandle, target: id, targetHandle: sourceHandle === 'start' ? 'start' : 'in' });
    }
    return this;
  }
}

const transfer = (toAccountId: string) => ({ toAccountId });
const allocateOf = (...outputs: string[]) => ({
  outputs: outputs.map((output) => (output === 'rest' ? { mode: 'remainder' } : output.endsWith('%') ? { mode: 'percent', value: output.slice(0, -1) } : { mode: 'fixed', value: output })),
});
const atLeast = (major: number) => ({ logic: { '>=': [{ var: 'amount' }, major] } });

/**
 * Three sources, each the root of a tree of allocates, caps and conditions ending in transfers
 * (or left where the money is). 50 nodes: 1 trigger, 3 sources, 26 logic nodes, 20 transfers.
 */
export function benchFlow(): FlowGraph {
  const g = new GraphBuilder();
  g.add('start', 'trigger.manual', {});

  // Business: profit split, taxes capped, the rest shared between savings and the card.
  g.add('src-llc', 'source.balance', { accountId: A.llcChecking.id, keep: '5000.00' }, 'start:start')
    .add('llc-split', 'allocate', allocateOf('1000.00', '30%', '12.5%', 'rest'), 'src-llc:out')
    .add('llc-t-buffer', 'transfer', transfer(A.llcSavings.id), 'llc-split:out-0')
    .add('llc-tax-cap', 'cap', { max: '20000.00' }, 'llc-split:out-1')
    .add('llc-t-tax', 'transfer', transfer(A.taxReserve.id), 'llc-tax-cap:out')
    .add('llc-tax-over', 'condition', atLeast(1000), 'llc-tax-cap:over')
    .add('llc-t-taxover', 'transfer', transfer(A.llcSavings.id), 'llc-tax-over:true')
    .add('llc-profit-big', 'condition', atLeast(2000), 'llc-split:out-2')
    .add('llc-profit-split', 'allocate', allocateOf('50%', 'rest'), 'llc-profit-big:true')
    .add('llc-t-profit-save', 'transfer', transfer(A.llcSavings.id), 'llc-profit-split:out-0')
    .add('llc-t-profit-card', 'transfer', transfer(A.llcCard.id), 'llc-profit-split:out-1')
    .add('llc-t-profit-small', 'transfer', transfer(A.llcSavings.id), 'llc-profit-big:false')
    .add('llc-rest-split', 'allocate', allocateOf('250.00', '33.33%', 'rest'), 'llc-split:out-3')
    .add('llc-t-rest-card', 'transfer', transfer(A.llcCard.id), 'llc-rest-split:out-0')
    .add('llc-rest-cap', 'cap', { max: '3000.00' }, 'llc-rest-split:out-1')
    .add('llc-t-rest-reserve', 'transfer', transfer(A.taxReserve.id), 'llc-rest-cap:out')
    .add('llc-t-rest-over', 'transfer', transfer(A.llcSavings.id), 'llc-rest-cap:over');

  // Household: pay yourself first, emergency fund until it holds 10,000, IRA capped, debts.
  g.add('src-home', 'source.balance', { accountId: A.checking.id, keep: '1500.00' }, 'start:start')
    .add('home-split', 'allocate', allocateOf('20%', '15%', '400.00', 'rest'), 'src-home:out')
    .add('home-ef-low', 'condition', { logic: { '<': [{ var: `balances.${A.emergency.id}` }, 10000] } }, 'home-split:out-0')
    .add('home-t-emergency', 'transfer', transfer(A.emergency.id), 'home-ef-low:true')
    .add('home-t-savings', 'transfer', transfer(A.savings.id), 'home-ef-low:false')
    .add('home-invest-split', 'allocate', allocateOf('60%', 'rest'), 'home-split:out-1')
    .add('home-ira-cap', 'cap', { max: '583.33' }, 'home-invest-split:out-0')
    .add('home-t-ira', 'transfer', transfer(A.retirement.id), 'home-ira-cap:out')
    .add('home-t-ira-over', 'transfer', transfer(A.brokerage.id), 'home-ira-cap:over')
    .add('home-t-brokerage', 'transfer', transfer(A.brokerage.id), 'home-invest-split:out-1')
    .add('home-t-card', 'transfer', transfer(A.card.id), 'home-split:out-2')
    .add('home-rest-big', 'condition', { logic: { '>': [{ var: 'amount' }, 500] } }, 'home-split:out-3')
    .add('home-rest-split', 'allocate', allocateOf('100.00', '50%', 'rest'), 'home-rest-big:true')
    .add('home-t-loan', 'transfer', transfer(A.studentLoan.id), 'home-rest-split:out-0')
    .add('home-rest-cap', 'cap', { max: '1000.00' }, 'home-rest-split:out-1')
    .add('home-t-auto', 'transfer', transfer(A.autoLoan.id), 'home-rest-cap:out');

  // A fixed bonus sitting in savings: a chain of caps and conditions on amount, date and trigger.
  g.add('src-bonus', 'source.fixed', { amount: '2500.00', accountId: A.savings.id }, 'start:start')
    .add('bonus-cap', 'cap', { max: '2000.00' }, 'src-bonus:out')
    .add('bonus-big', 'condition', atLeast(1500), 'bonus-cap:out')
    .add('bonus-split', 'allocate', allocateOf('50%', '25%', 'rest'), 'bonus-big:true')
    .add('bonus-a-cap', 'cap', { max: '600.00' }, 'bonus-split:out-0')
    .add('bonus-weekday', 'condition', { logic: { in: [{ var: 'date.weekday' }, [1, 2, 3, 4, 5]] } }, 'bonus-a-cap:out')
    .add('bonus-t-brokerage', 'transfer', transfer(A.brokerage.id), 'bonus-weekday:true')
    .add('bonus-over-split', 'allocate', allocateOf('10%', 'rest'), 'bonus-a-cap:over')
    .add('bonus-over-big', 'condition', { logic: { '>': [{ var: 'amount' }, 100] } }, 'bonus-over-split:out-1')
    .add('bonus-t-retirement', 'transfer', transfer(A.retirement.id), 'bonus-over-big:true')
    .add('bonus-b-cap', 'cap', { max: '400.00' }, 'bonus-split:out-1')
    .add('bonus-b-split', 'allocate', allocateOf('50.00', 'rest'), 'bonus-b-cap:out')
    .add('bonus-b-month', 'condition', { logic: { '==': [{ var: 'date.month' }, 5] } }, 'bonus-b-split:out-1')
    .add('bonus-t-emergency', 'transfer', transfer(A.emergency.id), 'bonus-b-month:true')
    .add('bonus-c-manual', 'condition', { logic: { '==': [{ var: 'trigger.type' }, 'manual'] } }, 'bonus-split:out-2')
    .add('bonus-c-cap', 'cap', { max: '100.00' }, 'bonus-c-manual:true');

  return { nodes: g.nodes, edges: g.edges };
}

/** One journal per transfer: debit the receiving account, credit the paying one. */
interface Journal {
  nodeId: string;
  postings: [{ accountId: string; amountMinor: bigint }, { accountId: string; amountMinor: bigint }];
}

function journal(nodeId: string, fromAccountId: string, toAccountId: string, amountMinor: bigint): Journal {
  return { nodeId, postings: [{ accountId: toAccountId, amountMinor }, { accountId: fromAccountId, amountMinor: -amountMinor }] };
}

function journalsOfPlan(effects: readonly PlannedEffect[]): Journal[] {
  const journals: Journal[] = [];
  for (const effect of effects) if (effect.type === 'transfer') journals.push(journal(effect.nodeId, effect.fromAccountId, effect.toAccountId, effect.amountMinor));
  return journals;
}

// --- The hand-written equivalent -------------------------------------------------------------

/** Largest-remainder shares of `total` in proportion to `ratios` (ties: larger ratio, then earlier). */
function shares(total: bigint, ratios: readonly bigint[]): bigint[] {
  let ratioSum = 0n;
  for (const ratio of ratios) ratioSum += ratio;
  const parts = ratios.map((ratio) => (total * ratio) / ratioSum);
  const fractions = ratios.map((ratio) => (total * ratio) % ratioSum);
  let leftover = total;
  for (const part of parts) leftover -= part;
  const order = ratios.map((_, index) => index).sort((i, j) => (fractions[j]! > fractions[i]! ? 1 : fractions[j]! < fractions[i]! ? -1 : ratios[j]! > ratios[i]! ? 1 : ratios[j]! < ratios[i]! ? -1 : i - j));
  for (let index = 0; leftover > 0n; index += 1, leftover -= 1n) parts[order[index]!]! += 1n;
  return parts;
}

/** Fixed amounts first (as far as they go), then percentages (basis points) of the input, then the rest. */
function split(input: bigint, fixedMinor: readonly bigint[], basisPoints: readonly bigint[]): { fixed: bigint[]; percent: bigint[]; rest: bigint } {
  let left = input;
  const fixed = fixedMinor.map((wanted) => {
    const part = wanted < left ? wanted : left;
    left -= part;
    return part;
  });
  let percent: bigint[] = [];
  if (basisPoints.length > 0) {
    let asked = 0n;
    for (const points of basisPoints) asked += points;
    percent = asked < 10_000n ? shares(input, [...basisPoints, 10_000n - asked]).slice(0, -1) : shares(input, basisPoints);
    let askedMinor = 0n;
    for (const part of percent) askedMinor += part;
    if (askedMinor > left) percent = shares(left, basisPoints);
    for (const part of percent) left -= part;
  }
  return { fixed, percent, rest: left };
}

/** mulberry32: reproducible balance snapshots for the equivalence check. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const above = (balance: bigint, keep: bigint) => (balance > keep ? balance - keep : 0n);

/**
 * The same flow, written by hand: what a programmer would code for these rules. Conditions
 * compare cents; the emergency-fund check sees the bonus transfer made before it (the planner
 * evaluates the bonus branch first: its node ids sort first).
 */
function handWritten(balances: ReadonlyMap<string, AccountSnapshot>, date: { weekday: number; month: number }): Journal[] {
  const journals: Journal[] = [];
  const move = (nodeId: string, from: string, to: string, amount: bigint) => {
    if (amount > 0n) journals.push(journal(nodeId, from, to, amount));
  };

  // Bonus: 2,500.00 from savings.
  let emergencyIn = 0n;
  const bonus = min(250_000n, 200_000n);
  if (bonus >= 150_000n) {
    // The rest (25 %) is capped at 100.00 on a manual run and stays in savings either way.
    const { percent: [a = 0n, b = 0n] } = split(bonus, [], [5_000n, 2_500n]);
    const aOut = min(a, 60_000n);
    if (aOut > 0n && date.weekday >= 1 && date.weekday <= 5) move('bonus-t-brokerage', A.savings.id, A.brokerage.id, aOut);
    const { rest: aRest } = split(a - aOut, [], [1_000n]);
    if (aRest > 10_000n) move('bonus-t-retirement', A.savings.id, A.retirement.id, aRest);
    const { rest: bRest } = split(min(b, 40_000n), [5_000n], []);
    if (bRest > 0n && date.month === 5) {
      move('bonus-t-emergency', A.savings.id, A.emergency.id, bRest);
      emergencyIn += bRest;
    }
  }

  // Household: checking above 1,500.00.
  const home = above(balances.get(A.checking.id)!.balanceMinor, 150_000n);
  const { fixed: [toCard = 0n], percent: [toSave = 0n, toInvest = 0n], rest: homeRest } = split(home, [40_000n], [2_000n, 1_500n]);
  if (toSave > 0n) {
    if (balances.get(A.emergency.id)!.balanceMinor + emergencyIn < 1_000_000n) move('home-t-emergency', A.checking.id, A.emergency.id, toSave);
    else move('home-t-savings', A.checking.id, A.savings.id, toSave);
  }
  const { percent: [ira = 0n], rest: toBrokerage } = split(toInvest, [], [6_000n]);
  const iraIn = min(ira, 58_333n);
  move('home-t-ira', A.checking.id, A.retirement.id, iraIn);
  move('home-t-ira-over', A.checking.id, A.brokerage.id, ira - iraIn);
  move('home-t-brokerage', A.checking.id, A.brokerage.id, toBrokerage);
  move('home-t-card', A.checking.id, A.card.id, toCard);
  if (homeRest > 50_000n) {
    const { fixed: [loan = 0n], percent: [auto = 0n] } = split(homeRest, [10_000n], [5_000n]);
    move('home-t-loan', A.checking.id, A.studentLoan.id, loan);
    move('home-t-auto', A.checking.id, A.autoLoan.id, min(auto, 100_000n));
  }

  // Business: checking above 5,000.00.
  const profit = above(balances.get(A.llcChecking.id)!.balanceMinor, 500_000n);
  const { fixed: [buffer = 0n], percent: [tax = 0n, share = 0n], rest: llcRest } = split(profit, [100_000n], [3_000n, 1_250n]);
  move('llc-t-buffer', A.llcChecking.id, A.llcSavings.id, buffer);
  const taxIn = min(tax, 2_000_000n);
  move('llc-t-tax', A.llcChecking.id, A.taxReserve.id, taxIn);
  if (tax - taxIn >= 100_000n) move('llc-t-taxover', A.llcChecking.id, A.llcSavings.id, tax - taxIn);
  if (share >= 200_000n) {
    const { percent: [half = 0n], rest: other } = split(share, [], [5_000n]);
    move('llc-t-profit-save', A.llcChecking.id, A.llcSavings.id, half);
    move('llc-t-profit-card', A.llcChecking.id, A.llcCard.id, other);
  } else {
    move('llc-t-profit-small', A.llcChecking.id, A.llcSavings.id, share);
  }
  const { fixed: [toLlcCard = 0n], percent: [third = 0n] } = split(llcRest, [25_000n], [3_333n]);
  move('llc-t-rest-card', A.llcChecking.id, A.llcCard.id, toLlcCard);
  const reserve = min(third, 300_000n);
  move('llc-t-rest-reserve', A.llcChecking.id, A.taxReserve.id, reserve);
  move('llc-t-rest-over', A.llcChecking.id, A.llcSavings.id, third - reserve);
  return journals;
}

// --- Timing ------------------------------------------------------------------------------------

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function percentile(sorted: readonly number[], p: number): number {
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

let sink = 0;

/** Calls per batch so that one batch lasts about `batchMs` (timer resolution stops mattering). */
function calibrate(fn: () => number): number {
  let calls = 1;
  for (;;) {
    const began = performance.now();
    for (let index = 0; index < calls; index += 1) sink += fn();
    if (performance.now() - began >= settings.batchMs || calls >= 1 << 24) return calls;
    calls *= 2;
  }
}

interface Variant {
  name: string;
  fn: () => number;
  calls: number;
  samplesUs: number[];
}

/** Samples of the variants interleaved, so drift (turbo, GC, neighbours) hits all of them alike. */
function measure(variants: { name: string; fn: () => number }[]): Map<string, { medianUs: number; p95Us: number; calls: number }> {
  const prepared: Variant[] = variants.map((variant) => ({ ...variant, calls: 0, samplesUs: [] }));
  for (const variant of prepared) {
    for (let index = 0; index < 3; index += 1) calibrate(variant.fn); // warm up the JIT
    variant.calls = calibrate(variant.fn);
  }
  for (let sample = 0; sample < settings.planSamples; sample += 1) {
    for (const variant of prepared) {
      const began = performance.now();
      for (let index = 0; index < variant.calls; index += 1) sink += variant.fn();
      variant.samplesUs.push(((performance.now() - began) * 1000) / variant.calls);
    }
  }
  return new Map(prepared.map((variant) => [variant.name, { medianUs: median(variant.samplesUs), p95Us: percentile([...variant.samplesUs].sort((a, b) => a - b), 95), calls: variant.calls }]));
}

interface PlanResults {
  nodes: number;
  edges: number;
  transfers: number;
  logicNodes: number;
  accounts: number;
  journals: number;
  movedMinor: bigint;
  identical: boolean;
  mismatch?: string;
  validateUs: number;
  planUs: number;
  validateAndPlanUs: number;
  handUs: number;
  planP95Us: number;
  handP95Us: number;
  callsPerSample: { plan: number; hand: number };
}

const byNode = (journals: readonly Journal[]) => [...journals].sort((a, b) => a.nodeId.localeCompare(b.nodeId));
const asText = (value: unknown) => JSON.stringify(value, (_key, item) => (typeof item === 'bigint' ? item.toString() : item));

function benchmarkPlanning(): PlanResults {
  const graph = benchFlow();
  const accounts = householdAccounts();
  const context: PlanContext = { currency: 'USD', date: runDate, trigger: { type: 'manual', occurredAt: `${runDate}T13:00:00.000Z` }, accounts };
  const validated = validateFlow(graph, flowSettings, accounts);
  if (validated.problems.length > 0) throw new Error(`the benchmark flow has problems: ${asText(validated.problems)}`);
  const [year, month, day] = runDate.split('-').map(Number) as [number, number, number];
  const date = { weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(), month };

  const plan = planFlow(graph, flowSettings, validated, context);
  if (plan.blockers.length > 0) throw new Error(`the benchmark plan is blocked: ${plan.blockers.join('; ')}`);
  const planned = byNode(journalsOfPlan(plan.effects));
  const direct = byNode(handWritten(accounts, date));
  let mismatch = asText(planned) === asText(direct) ? undefined : `planner ${asText(planned)}\nhand-written ${asText(direct)}`;
  // Not only on the timed balances: other balances take other branches, scale percentages down
  // (too little after the fixed amounts) or leave sources empty. Both must still agree.
  const random = prng(20260515);
  const draw = (max: number) => BigInt(Math.floor(random() ** 2 * max));
  for (let index = 0; index < settings.equivalenceSnapshots && !mismatch; index += 1) {
    const variant = new Map(accounts);
    const set = (account: AccountSnapshot, balanceMinor: bigint) => variant.set(account.id, { ...account, balanceMinor });
    set(A.llcChecking, draw(20_000_000));
    set(A.checking, draw(3_000_000));
    set(A.emergency, draw(2_000_000));
    const variantContext = { ...context, accounts: variant };
    const fromPlanner = byNode(journalsOfPlan(planFlow(graph, flowSettings, validateFlow(graph, flowSettings, variant), variantContext).effects));
    const fromHand = byNode(handWritten(variant, date));
    if (asText(fromPlanner) !== asText(fromHand)) mismatch = `snapshot ${index}: planner ${asText(fromPlanner)}\nhand-written ${asText(fromHand)}`;
  }
  const identical = mismatch === undefined;

  log(`timing: ${settings.planSamples} samples per variant, interleaved`);
  const timings = measure([
    { name: 'hand', fn: () => handWritten(accounts, date).length },
    { name: 'plan', fn: () => journalsOfPlan(planFlow(graph, flowSettings, validated, context).effects).length },
    { name: 'validate', fn: () => validateFlow(graph, flowSettings, accounts).order.length },
    { name: 'validate+plan', fn: () => journalsOfPlan(planFlow(graph, flowSettings, validateFlow(graph, flowSettings, accounts), context).effects).length },
  ]);
  const get = (name: string) => timings.get(name)!;
  return {
    nodes: graph.nodes.length,
    edges: graph.edges.length,
    transfers: graph.nodes.filter((node) => node.type === 'transfer').length,
    logicNodes: graph.nodes.filter((node) => ['allocate', 'cap', 'condition'].includes(node.type)).length,
    accounts: accounts.size,
    journals: planned.length,
    movedMinor: plan.movedMinor,
    identical,
    ...(mismatch ? { mismatch } : {}),
    validateUs: get('validate').medianUs,
    planUs: get('plan').medianUs,
    validateAndPlanUs: get('validate+plan').medianUs,
    handUs: get('hand').medianUs,
    planP95Us: get('plan').p95Us,
    handP95Us: get('hand').p95Us,
    callsPerSample: { plan: get('plan').calls, hand: get('hand').calls },
  };
}

// ---------------------------------------------------------------------------------------------
// (b) Committed runs on PostgreSQL
// ---------------------------------------------------------------------------------------------

interface CommitResults {
  runs: number;
  warmupRuns: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  journalsPerRun: { min: number; max: number };
  /** SQL statements one run sends (BEGIN/COMMIT included), median. */
  statementsPerRun: number;
  /** p50 of the first and the second half of the runs: does a run slow down as the tables grow? */
  halvesP50Ms: [number, number];
  failures: string[];
  postgres: string;
}

/** The 10-transfer flow: a fixed 1,000.00 from checking, checked, split 10 ways. */
function commitFlow(accounts: Record<string, string>): FlowGraph {
  const g = new GraphBuilder();
  const targets = ['savings', 'emergency', 'brokerage', 'retirement', 'card', 'studentLoan', 'autoLoan', 'mortgage', 'savings', 'brokerage'];
  g.add('start', 'trigger.manual', {})
    .add('amount', 'source.fixed', { amount: '1000.00', accountId: accounts.checking }, 'start:start')
    .add('enough', 'condition', atLeast(100), 'amount:out')
    .add('split', 'allocate', { outputs: [...targets.slice(1).map(() => ({ mode: 'percent', value: '10' })), { mode: 'remainder' }] }, 'enough:true');
  targets.forEach((target, index) => g.add(`move-${index}`, 'transfer', { toAccountId: accounts[target], memo: `Bench ${target}` }, `split:out-${index}`));
  return { nodes: g.nodes, edges: g.edges };
}

async function benchmarkCommits(database: Database): Promise<CommitResults> {
  const { knex } = database;
  const config = loadConfig({
    DATABASE_URL: settings.databaseUrl,
    SLUICE_JWT_SECRET: randomBytes(32).toString('hex'),
    SLUICE_DATA_DIR: path.join(os.tmpdir(), 'sluice-bench-unused'),
    LOG_LEVEL: 'silent',
    SLUICE_DEMO: 'false',
    SLUICE_SCHEDULER: 'false',
  });
  const container = buildContainer(config, database, pino({ level: 'silent' }));
  try {
    const flows = container.resolve(FlowService);
    const runner = container.resolve(FlowRunner);
    const entities = container.resolve(EntityService);

    log('creating household, entities, opening balances and the 10-transfer flow');
    const { actor, accounts } = await knex.transaction(async (trx) => {
      const { userId, householdId } = await createUserWithHousehold(trx, `bench-flows-${randomUUID()}@sluice.local`, 'not-a-password-hash', 'Bench household');
      const actor: Actor = { userId, householdId };
      const personal = await entities.create(trx, actor, { kind: 'personal', name: 'Bench Personal' });
      await entities.create(trx, actor, { kind: 'llc', name: 'Bench Studio LLC' });
      const chart: { id: string; code: string }[] = await trx('accounts').where({ entity_id: personal.id }).whereNull('counterparty_entity_id').select('id', 'code');
      const byCode = (code: string) => {
        const found = chart.find((account) => account.code === code);
        if (!found) throw new Error(`the personal chart has no account ${code}`);
        return found.id;
      };
      const accounts = { checking: byCode('1000'), savings: byCode('1010'), emergency: byCode('1020'), brokerage: byCode('1300'), retirement: byCode('1310'), card: byCode('2000'), studentLoan: byCode('2200'), autoLoan: byCode('2210'), mortgage: byCode('2300'), opening: byCode('3900') };
      // Enough in checking for every run, and debts so that paying them down keeps them owed.
      const owed = 100_000_000n;
      const cash = 5_000_000_000n;
      await insertJournals(trx, [
        {
          id: randomUUID(),
          entityId: personal.id,
          date: '2026-01-01',
          memo: 'Opening balances',
          source: 'opening',
          createdBy: userId,
          postings: [
            { accountId: accounts.checking, amountMinor: cash, currency: 'USD' },
            ...[accounts.card, accounts.studentLoan, accounts.autoLoan, accounts.mortgage].map((accountId) => ({ accountId, amountMinor: -owed, currency: 'USD' })),
            { accountId: accounts.opening, amountMinor: -(cash - 4n * owed), currency: 'USD' },
          ],
        },
      ]);
      return { actor, accounts };
    });
    const flow = await knex.transaction((trx) => flows.create(trx, actor, { name: 'Bench: ten transfers', graph: commitFlow(accounts), settings: flowSettings }));
    if (flow.problems.length > 0) throw new Error(`the commit flow has problems: ${asText(flow.problems)}`);
    const checkingBefore = await balanceOf(knex, accounts.checking);

    const failures: string[] = [];
    const journalCounts: number[] = [];
    const durations: number[] = [];
    const statementCounts: number[] = [];
    let statements = 0;
    const countStatement = () => {
      statements += 1;
    };
    knex.on('query', countStatement);
    const total = settings.warmupRuns + settings.runs;
    log(`committing ${settings.warmupRuns} warm-up + ${settings.runs} measured runs`);
    for (let index = 0; index < total; index += 1) {
      if (index >= settings.warmupRuns && (index - settings.warmupRuns) % settings.analyzeEvery === 0) {
        knex.off('query', countStatement);
        await knex.raw('analyze journals, postings, flow_runs, audit_log, accounts');
        knex.on('query', countStatement);
      }
      statements = 0;
      const began = performance.now();
      const run = await runner.run(actor, flow.id, { idempotencyKey: `bench-${index}` });
      const ms = performance.now() - began;
      const runStatements = statements;
      if (run.status !== 'committed') failures.push(`run ${index} is ${run.status}: ${asText(run.error)}`);
      if (run.journalIds.length !== settings.journalsPerRun) failures.push(`run ${index} committed ${run.journalIds.length} journals, not ${settings.journalsPerRun}`);
      if (index >= settings.warmupRuns) {
        durations.push(ms);
        journalCounts.push(run.journalIds.length);
        statementCounts.push(runStatements);
      }
    }
    knex.off('query', countStatement);
    // The books agree: every run's journals are there and checking went down by 1,000.00 a run.
    const [row] = await knex('journals as j').join('flow_runs as r', 'r.id', 'j.flow_run_id').where('r.flow_id', flow.id).count<{ n: bigint }[]>({ n: '*' });
    if (Number(row!.n) !== total * settings.journalsPerRun) failures.push(`${row!.n} journals in the database for ${total} runs`);
    const checkingAfter = await balanceOf(knex, accounts.checking);
    if (checkingBefore - checkingAfter !== BigInt(total) * 100_000n) failures.push(`checking went down by ${checkingBefore - checkingAfter} minor units over ${total} runs`);
    const drift = await knex('accounts as a')
      .join('entities as e', 'e.id', 'a.entity_id')
      .leftJoin('postings as p', 'p.account_id', 'a.id')
      .where('e.household_id', actor.householdId)
      .groupBy('a.id')
      .havingRaw('a.balance_minor <> coalesce(sum(p.amount_minor), 0)')
      .select('a.id');
    if (drift.length > 0) failures.push(`${drift.length} cached balances differ from their postings`);

    const sorted = [...durations].sort((a, b) => a - b);
    const { rows } = await knex.raw<{ rows: { version: string }[] }>('select version()');
    return {
      runs: settings.runs,
      warmupRuns: settings.warmupRuns,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      p99Ms: percentile(sorted, 99),
      meanMs: durations.reduce((sum, value) => sum + value, 0) / durations.length,
      minMs: sorted[0]!,
      maxMs: sorted[sorted.length - 1]!,
      journalsPerRun: { min: Math.min(...journalCounts), max: Math.max(...journalCounts) },
      statementsPerRun: median(statementCounts),
      halvesP50Ms: [median(durations.slice(0, Math.ceil(durations.length / 2))), median(durations.slice(Math.ceil(durations.length / 2)))],
      failures,
      postgres: rows[0]!.version.replace(/ on .*$/, ''),
    };
  } finally {
    await disposeContainer(container);
  }
}

async function balanceOf(knex: Knex, accountId: string): Promise<bigint> {
  return (await knex('accounts').where({ id: accountId }).first('balance_minor')).balance_minor as bigint;
}

async function runCommitBenchmark(): Promise<CommitResults> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  log(`schema ${schema} on ${settings.databaseUrl.replace(/\/\/[^@/]*@/, '//…@')}`);
  let database: Database | undefined;
  try {
    database = await openDatabase({ databaseUrl: settings.databaseUrl, schema, poolMax: 4 });
    return await benchmarkCommits(database);
  } finally {
    await database?.close();
    await dropSchema(settings.databaseUrl, schema, log);
  }
}

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

const us = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} ms` : `${value.toFixed(value < 10 ? 2 : 1)} µs`);
const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
const verdict = (met: boolean) => (met ? 'goal met' : '**goal missed**');

function planTable(results: PlanResults): string {
  const ratio = results.planUs / results.handUs;
  const fullRatio = results.validateAndPlanUs / results.handUs;
  const rows: [string, string, string][] = [
    ['Hand-written TypeScript (same postings)', us(results.handUs), `median of ${settings.planSamples} batches of ${results.callsPerSample.hand.toLocaleString('en-US')} calls; p95 ${us(results.handP95Us)}`],
    ['`planFlow` (flow already validated)', us(results.planUs), `median of ${settings.planSamples} batches of ${results.callsPerSample.plan.toLocaleString('en-US')} calls; p95 ${us(results.planP95Us)}`],
    ['`planFlow` ÷ hand-written', `${ratio.toFixed(1)}×`, `goal ≤ ${settings.goals.ratio}×: ${verdict(ratio <= settings.goals.ratio)}`],
    ['`validateFlow`', us(results.validateUs), 'schema, settings, accounts, wiring, order, money locations'],
    ['`validateFlow` + `planFlow` (what a run does)', us(results.validateAndPlanUs), `${fullRatio.toFixed(1)}× the hand-written function`],
    ['Postings identical', results.identical ? 'yes' : '**NO**', `${results.journals} journals, ${(Number(results.movedMinor) / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })} USD moved; also on ${settings.equivalenceSnapshots.toLocaleString('en-US')} other balance snapshots`],
  ];
  return ['| Measure | Result | Detail |', '|---|---|---|', ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function commitTable(results: CommitResults): string {
  const rows: [string, string, string][] = [
    ['p50 per run', ms(results.p50Ms), `${results.runs} runs after ${results.warmupRuns} warm-up runs; first half ${ms(results.halvesP50Ms[0])}, second half ${ms(results.halvesP50Ms[1])}`],
    ['p95 per run', ms(results.p95Ms), `goal ≤ ${settings.goals.p95Ms} ms: ${verdict(results.p95Ms <= settings.goals.p95Ms)}`],
    ['p99 per run', ms(results.p99Ms), `mean ${ms(results.meanMs)}, min ${ms(results.minMs)}, max ${ms(results.maxMs)}`],
    ['SQL statements per run', String(results.statementsPerRun), 'median; BEGIN and COMMIT included, each a round trip'],
    ['Journals per run', results.journalsPerRun.min === results.journalsPerRun.max ? String(results.journalsPerRun.min) : `${results.journalsPerRun.min}–${results.journalsPerRun.max}`, `every run committed; expected ${settings.journalsPerRun}`],
    ['Books after the runs', results.failures.length === 0 ? 'ok' : `**${results.failures.length} problem(s)**`, 'journal count, checking balance, cached balances = SUM(postings)'],
  ];
  return ['| Measure | Result | Detail |', '|---|---|---|', ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function section(plan: PlanResults, commit: CommitResults, planText: string, commitText: string): string {
  return `## Flow benchmark

Written by \`npm run bench:flows\` (bench/flows.bench.ts); regenerate rather than edit.

### Run

| | |
|---|---|
${machineRows()}
| PostgreSQL | ${commit.postgres} |

### Planning a 50-node flow

${plan.nodes} nodes (1 trigger, 3 sources, ${plan.logicNodes} allocate/cap/condition nodes, ${plan.transfers} transfers), ${plan.edges} edges, over a snapshot of ${plan.accounts} accounts.

${planText}

### Committing runs of a 10-transfer flow (PostgreSQL)

Wall clock of \`FlowRunner.run\` per run: find the flow, claim the idempotency key, load the version,
lock and snapshot the accounts, validate, plan, write 10 journals (20 postings), record the run and
its audit entry, read the run back — one transaction. The ledger tables are analyzed after the
warm-up and every ${settings.analyzeEvery} runs (untimed), as autovacuum would.

${commitText}

### What the figures measure

- **Hand-written TypeScript**: a function written for this one flow that computes the same
  transfers directly (bigint cents, the same largest-remainder rounding, the same order of
  evaluation where a balance read depends on an earlier transfer). It is the floor a generic
  engine is compared with; both must produce identical postings or nothing is written.
- **\`planFlow\`**: the engine's pure planner on the already-validated flow, plus turning its
  transfer effects into postings. Samples of all variants are interleaved; each sample is a batch
  of calls lasting about ${settings.batchMs} ms, timed with \`performance.now()\`; the figure is the median
  time per call.
- **\`validateFlow\` + \`planFlow\`**: what every preview and run does before writing (a run
  validates the stored version against fresh balances each time).
- **Committed runs**: the same database, one run at a time (no concurrency), a fixed 1,000.00 from
  checking split 10 ways (9 × 10 % and the remainder) into savings, investment and debt accounts
  of the same entity. Every run must be \`committed\` with exactly ${settings.journalsPerRun} journals; afterwards the
  journal count, the checking balance and every cached balance are checked against the postings.

### Reproduce

\`\`\`sh
npm run bench:flows
\`\`\`

It needs PostgreSQL (\`BENCH_DATABASE_URL\`, default \`postgres://postgres@127.0.0.1:5432/test\`);
it creates a schema \`bench_<random>\`, migrates it, and drops it at the end. See bench/README.md.`;
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  let plan: PlanResults | undefined;
  let commit: CommitResults | undefined;
  const failures: string[] = [];
  if (settings.only !== 'commit') {
    log('planning: 50-node flow, planFlow vs hand-written');
    plan = benchmarkPlanning();
    const text = planTable(plan);
    process.stdout.write(`${text}\n\n`);
    if (!plan.identical) failures.push(`planner and hand-written postings differ:\n${plan.mismatch}`);
  }
  if (settings.only !== 'plan') {
    commit = await runCommitBenchmark();
    process.stdout.write(`${commitTable(commit)}\n`);
    failures.push(...commit.failures);
  }
  if (failures.length > 0) {
    for (const failure of failures) log(`FAILED: ${failure}`);
    log(`${path.relative(process.cwd(), resultsFile)} not written`);
    process.exitCode = 1;
    return;
  }
  if (!plan || !commit) {
    log(`BENCH_FLOWS_ONLY=${settings.only}: ${path.relative(process.cwd(), resultsFile)} not written`);
    return;
  }
  await writeSection('flows', section(plan, commit, planTable(plan), commitTable(commit)));
  log(`wrote the flows section of ${path.relative(process.cwd(), resultsFile)}`);
  if (sink === -1) log('unreachable'); // keeps the benchmarked calls' results alive
}

// Importable (e.g. by a profiling script) without running the benchmark.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
