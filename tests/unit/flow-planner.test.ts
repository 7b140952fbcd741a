/**
 * The planner as a pure function: determinism (also under reordered node/edge arrays), every
 * validation problem at once, and property tests over random valid flows: money is conserved to
 * the cent at every node and overall, and the plan's balances are exactly its transfers applied.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlowEdge, FlowGraph, FlowNode, FlowSettings } from '../../engine/flows/graph.js';
import type { AccountSnapshot, PlanContext, PlannedEffect } from '../../engine/flows/node-type.js';
import { planFlow, serialisePlan, type Plan } from '../../engine/flows/planner.js';
import { validateFlow } from '../../engine/flows/validate.js';
import type { AccountType, EntityKind } from '../../engine/ledger/types.js';
import { formatMinor, parseMoney } from '../../engine/money/index.js';

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const PERSONAL = '00000000-0000-4000-8000-0000000000a1';
const LLC = '00000000-0000-4000-8000-0000000000b1';
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

function account(n: number, entityKind: EntityKind, name: string, type: AccountType, subtype: string, balanceMinor = 0n): AccountSnapshot {
  return { id: uuid(n), entityId: entityKind === 'personal' ? PERSONAL : LLC, entityKind, code: String(1000 + n), name, type, subtype, currency: 'USD', allowOverdraft: subtype === 'credit_card', balanceMinor };
}

/** The owner's accounts the random flows move money between (one entity), then categories, then the LLC. */
const personalAssets = [
  account(1, 'personal', 'Checking', 'asset', 'checking'),
  account(2, 'personal', 'Savings', 'asset', 'savings'),
  account(3, 'personal', 'Emergency Fund', 'asset', 'savings'),
  account(4, 'personal', 'Brokerage', 'asset', 'brokerage'),
  account(5, 'personal', 'Retirement (IRA)', 'asset', 'retirement'),
  account(6, 'personal', 'Cash', 'asset', 'cash'),
];
const personalLiabilities = [account(7, 'personal', 'Credit Card', 'liability', 'credit_card'), account(8, 'personal', 'Student Loan', 'liability', 'loan')];
const categories = [account(9, 'personal', 'Groceries', 'expense', 'expense'), account(10, 'personal', 'Rent', 'expense', 'expense'), account(11, 'personal', 'Fun Money', 'expense', 'expense')];
const llcAccounts = [
  account(21, 'llc', 'Business Checking', 'asset', 'checking'),
  account(22, 'llc', 'Tax Reserve', 'asset', 'savings'),
  account(23, 'llc', 'Business Card', 'liability', 'credit_card'),
  account(24, 'llc', 'Software', 'expense', 'expense'),
];
const allAccounts = [...personalAssets, ...personalLiabilities, ...categories, ...llcAccounts];
const transferTargets = [...personalAssets, ...personalLiabilities];

function snapshot(balances: readonly bigint[] = []): Map<string, AccountSnapshot> {
  return new Map(allAccounts.map((item, index) => [item.id, { ...item, balanceMinor: balances[index] ?? item.balanceMinor }]));
}

const settings: FlowSettings = { currency: 'USD' };

function context(accounts: ReadonlyMap<string, AccountSnapshot>, overrides: Partial<PlanContext> = {}): PlanContext {
  return { currency: 'USD', date: '2026-05-01', trigger: { type: 'manual', occurredAt: '2026-05-01T13:00:00.000Z' }, accounts, ...overrides };
}

const node = (id: string, type: string, data: Record<string, unknown>): FlowNode => ({ id, type, data, position: { x: 0, y: 0 } });
const edge = (source: string, sourceHandle: string, target: string, targetHandle = 'in'): FlowEdge => ({ id: `${source}:${sourceHandle}`, source, sourceHandle, target, targetHandle });
const [checking, savings, , brokerage] = personalAssets as [AccountSnapshot, AccountSnapshot, AccountSnapshot, AccountSnapshot];
const [card] = personalLiabilities as [AccountSnapshot, AccountSnapshot];
const [groceries] = categories as [AccountSnapshot, ...AccountSnapshot[]];
const [llcChecking, taxReserve] = llcAccounts as [AccountSnapshot, AccountSnapshot, AccountSnapshot, AccountSnapshot];

/** A realistic flow touching every kind of node that plans money: two entities, owner draw included. */
function profitFlow(): FlowGraph {
  return {
    nodes: [
      node('start', 'trigger.manual', {}),
      node('profit', 'source.balance', { accountId: llcChecking.id, keep: '5000.00' }),
      node('split', 'allocate', { outputs: [{ mode: 'percent', value: '30', label: 'Tax' }, { mode: 'fixed', value: '250.00', label: 'Card' }, { mode: 'percent', value: '12.5' }, { mode: 'remainder' }] }),
      node('tax', 'transfer', { toAccountId: taxReserve.id, memo: 'Tax reserve' }),
      node('card', 'pay_bill', { toAccountId: llcAccounts[2]!.id, payee: 'Business Card' }),
      node('draw-cap', 'cap', { max: '4000.00' }),
      node('draw', 'transfer', { toAccountId: checking.id, kind: 'owner_draw', purpose: 'Monthly owner draw' }),
      node('big', 'condition', { logic: { '>=': [{ var: 'amount' }, 1000] } }),
      node('notify', 'alert', { message: 'Drew {amount} this month', level: 'info' }),
      node('home', 'allocate', { outputs: [{ mode: 'percent', value: '50' }, { mode: 'remainder' }] }),
      node('save', 'transfer', { toAccountId: savings.id }),
      node('invest', 'invest', { toAccountId: brokerage.id }),
      node('food', 'assign_envelope', { categoryId: groceries.id }),
      node('memo', 'note', { text: 'Profit First, roughly' }),
    ],
    edges: [
      edge('start', 'start', 'profit', 'start'),
      edge('profit', 'out', 'split'),
      edge('split', 'out-0', 'tax'),
      edge('split', 'out-1', 'card'),
      edge('split', 'out-2', 'draw-cap'),
      edge('draw-cap', 'out', 'draw'),
      edge('draw', 'out', 'big'),
      edge('big', 'true', 'notify'),
      edge('notify', 'out', 'home'),
      edge('home', 'out-0', 'save'),
      edge('home', 'out-1', 'invest'),
      edge('big', 'false', 'food'),
    ],
  };
}

function profitAccounts(): Map<string, AccountSnapshot> {
  const accounts = snapshot();
  accounts.set(llcChecking.id, { ...llcChecking, balanceMinor: 4_321_987n });
  return accounts;
}

function plan(graph: FlowGraph, accounts: ReadonlyMap<string, AccountSnapshot>, overrides: Partial<PlanContext> = {}): Plan {
  const validated = validateFlow(graph, settings, accounts);
  expect(validated.problems).toEqual([]);
  return planFlow(graph, settings, validated, context(accounts, overrides));
}

/** mulberry32, so a shuffle is reproducible from a fast-check integer. */
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

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

/** The plan with the edge list in a canonical order (it follows the graph's edge array). */
const canonical = (value: Plan) => ({ ...value, edges: [...value.edges].sort((a, b) => a.edgeId.localeCompare(b.edgeId)) });

// ---------------------------------------------------------------------------------------------
// Purity and determinism
// ---------------------------------------------------------------------------------------------

describe('planFlow is a pure, deterministic function', () => {
  it('plans the profit flow as expected', () => {
    const result = plan(profitFlow(), profitAccounts());
    // 43,219.87 − 5,000.00 kept = 38,219.87: 30% = 11,465.96; fixed 250.00; 12.5% = 4,777.48 → capped at 4,000.00.
    expect(result.effects.map((effect) => [effect.type, effect.nodeId, 'amountMinor' in effect ? effect.amountMinor : null])).toEqual([
      ['transfer', 'card', 25_000n],
      ['transfer', 'draw', 400_000n],
      ['alert', 'notify', null],
      ['transfer', 'invest', 200_000n],
      ['transfer', 'save', 200_000n],
      ['transfer', 'tax', 1_146_596n],
    ]);
    expect(result.effects.find((effect) => effect.nodeId === 'draw')).toMatchObject({ fromAccountId: llcChecking.id, toAccountId: checking.id, kind: 'owner_draw', purpose: 'Monthly owner draw' });
    expect(result.effects.find((effect) => effect.nodeId === 'invest')).toMatchObject({ fromAccountId: checking.id, toAccountId: brokerage.id });
    expect(result.trace.find((entry) => entry.nodeId === 'split')!.warnings).toEqual([]);
    expect(result.trace.find((entry) => entry.nodeId === 'food')).toMatchObject({ status: 'skipped' });
    expect(result.trace.find((entry) => entry.nodeId === 'memo')).toMatchObject({ status: 'skipped' });
    expect(result.movedMinor).toBe(1_971_596n);
    expect(result.blockers).toEqual([]);
    expect(result.needsApproval).toBe(false);
  });

  it('gives a deep-equal plan for the same inputs, every time', () => {
    const first = plan(profitFlow(), profitAccounts());
    const second = plan(profitFlow(), profitAccounts());
    expect(second).toEqual(first);
    expect(JSON.stringify(serialisePlan(second))).toBe(JSON.stringify(serialisePlan(first)));
  });

  it('does not depend on the order of the nodes and edges arrays', () => {
    const reference = canonical(plan(profitFlow(), profitAccounts()));
    for (let seed = 1; seed <= 25; seed += 1) {
      const random = prng(seed);
      const graph = profitFlow();
      const reordered = { nodes: shuffled(graph.nodes, random), edges: shuffled(graph.edges, random) };
      expect(canonical(plan(reordered, profitAccounts()))).toEqual(reference);
    }
  });

  it('reads nothing but its arguments and changes none of them', () => {
    const graph = profitFlow();
    const accounts = profitAccounts();
    const validated = validateFlow(graph, settings, accounts);
    const before = JSON.stringify({ graph, accounts: [...accounts.values()], order: validated.order, location: [...validated.moneyLocation] }, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
    const ctx = context(accounts);
    const first = planFlow(graph, settings, validated, ctx);
    const after = JSON.stringify({ graph, accounts: [...accounts.values()], order: validated.order, location: [...validated.moneyLocation] }, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
    expect(after).toBe(before);
    expect(planFlow(graph, settings, validated, ctx)).toEqual(first);
  });

  it('depends on the context: other balances or another date give another plan', () => {
    const base = plan(profitFlow(), profitAccounts());
    const richer = profitAccounts();
    richer.set(llcChecking.id, { ...llcChecking, balanceMinor: 10_000_000n });
    expect(plan(profitFlow(), richer).effects).not.toEqual(base.effects);
    expect(plan(profitFlow(), profitAccounts(), { date: '2026-06-01' }).date).toBe('2026-06-01');
  });

  it('refuses a flow with problems', () => {
    const graph = profitFlow();
    const validated = validateFlow({ ...graph, nodes: graph.nodes.slice(1) }, settings, profitAccounts());
    expect(() => planFlow(graph, settings, validated, context(profitAccounts()))).toThrow(/valid flow/);
  });
});

// ---------------------------------------------------------------------------------------------
// Validation: all problems at once, located
// ---------------------------------------------------------------------------------------------

describe('validateFlow reports every problem at once, each with its node and field', () => {
  it('collects node settings, accounts, wiring, reachability and inter-entity problems together', () => {
    const unknownAccount = uuid(999);
    const graph: FlowGraph = {
      nodes: [
        node('go', 'trigger.manual', {}),
        node('src', 'source.balance', { accountId: unknownAccount }),
        node('split', 'allocate', { outputs: [{ mode: 'percent', value: '60' }, { mode: 'percent', value: '50' }] }),
        node('check', 'condition', { logic: { nope: [1] } }),
        node('limit', 'cap', { max: '12.345' }),
        node('draw', 'transfer', { fromAccountId: llcChecking.id, toAccountId: checking.id }),
        node('orphan', 'alert', { message: 'never' }),
        node('teleport', 'teleport', {}),
        node('bill', 'pay_bill', { toAccountId: card.id }),
        node('food', 'assign_envelope', { categoryId: checking.id }),
      ],
      edges: [
        edge('go', 'start', 'src', 'start'),
        edge('src', 'out', 'split'),
        { id: 'bad-kind', source: 'go', sourceHandle: 'start', target: 'limit', targetHandle: 'in' },
        edge('split', 'out-0', 'check'),
        { id: 'reused', source: 'split', sourceHandle: 'out-0', target: 'limit', targetHandle: 'in' },
        edge('check', 'true', 'draw'),
        edge('split', 'out-1', 'food'),
        { id: 'no-handle', source: 'check', sourceHandle: 'maybe', target: 'orphan', targetHandle: 'in' },
      ],
    };
    const { problems } = validateFlow(graph, { currency: 'USD', maxPerRun: '1.2345' }, snapshot());
    const located = problems.map((problem) => [problem.edgeId ?? problem.nodeId ?? null, problem.field, problem.code]);
    expect(located).toEqual(
      expect.arrayContaining([
        [null, '/settings/maxPerRun', 'pattern'],
        ['src', '/nodes/1/data/accountId', 'unknown_account'],
        ['split', '/nodes/2/data/outputs', 'over_allocated'],
        ['check', '/nodes/3/data/logic', 'invalid_logic'],
        ['limit', '/nodes/4/data/max', 'too_many_decimals'],
        ['draw', '/nodes/5/data/kind', 'inter_entity_kind_required'],
        ['draw', '/nodes/5/data/purpose', 'inter_entity_purpose_required'],
        ['orphan', '/nodes/6', 'not_connected'],
        ['teleport', '/nodes/7/type', 'unknown_node_type'],
        ['bill', '/nodes/8/data/payee', 'required'],
        ['food', '/nodes/9/data/categoryId', 'wrong_account_type'],
        ['bad-kind', '/edges/2/targetHandle', 'handle_kind_mismatch'],
        ['reused', '/edges/4/sourceHandle', 'money_output_reused'],
        ['no-handle', '/edges/7/sourceHandle', 'unknown_handle'],
      ]),
    );
    // Every problem is located: a field always, and a node or edge unless it is flow-wide.
    for (const problem of problems) {
      expect(problem.field).toMatch(/^\//);
      expect(problem.message.length).toBeGreaterThan(0);
      if (problem.field.startsWith('/nodes/') && problem.field !== '/nodes') expect(problem.nodeId).toBeDefined();
      if (problem.field.startsWith('/edges/')) expect(problem.edgeId).toBeDefined();
    }
  });

  it('reports trigger count and cycles with the rest', () => {
    const graph: FlowGraph = {
      nodes: [node('a', 'cap', { max: '1.00' }), node('b', 'cap', { max: '2.00' }), node('c', 'transfer', { toAccountId: savings.id, fromAccountId: 'not-a-uuid' })],
      edges: [edge('a', 'out', 'b'), edge('b', 'out', 'a')],
    };
    const { problems, order } = validateFlow(graph, settings, snapshot());
    expect(order).toEqual([]);
    expect(problems.map((problem) => problem.code)).toEqual(expect.arrayContaining(['trigger_count', 'cycle', 'format']));
    expect(problems.find((problem) => problem.code === 'cycle')!.nodeId).toMatch(/^[ab]$/);
    expect(problems.find((problem) => problem.code === 'format')).toMatchObject({ nodeId: 'c', field: '/nodes/2/data/fromAccountId' });
  });

  it('gives the same problems, order and locations for the same flow', () => {
    const graph = profitFlow();
    graph.nodes.push(node('stray', 'transfer', { toAccountId: savings.id }));
    const first = validateFlow(graph, settings, profitAccounts());
    expect(first.problems).toHaveLength(1);
    expect(validateFlow(graph, settings, profitAccounts())).toEqual(first);
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests over random valid flows
// ---------------------------------------------------------------------------------------------

/** What hangs below a money output. */
type Shape =
  | { kind: 'open' }
  | { kind: 'transfer'; to: number; from: number }
  | { kind: 'envelope'; category: number }
  | { kind: 'cap'; maxMinor: bigint; out: Shape; over: Shape }
  | { kind: 'condition'; op: '>=' | '<'; thresholdMinor: bigint; whenTrue: Shape; whenFalse: Shape }
  | { kind: 'allocate'; outputs: RawOutput[]; children: Shape[] };

type RawOutput = { mode: 'fixed'; minor: bigint } | { mode: 'percent'; basisPoints: number; short: boolean } | { mode: 'remainder' };

interface SourceSpec {
  kind: 'fixed' | 'balance';
  amountMinor: bigint;
  keepMinor: bigint | null;
  account: number;
  /** source.fixed only: whether the amount sits in the account (else transfers name their own). */
  located: boolean;
  child: Shape;
}

const upTo = (max: bigint) => fc.bigInt({ min: 0n, max });
const millionDollars = 100_000_000n;

const leaf: fc.Arbitrary<Shape> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('transfer' as const), to: fc.nat(50), from: fc.nat(50) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('envelope' as const), category: fc.nat(10) }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'open' as const }), weight: 1 },
);

const rawOutput: fc.Arbitrary<RawOutput> = fc.oneof(
  fc.record({ mode: fc.constant('fixed' as const), minor: fc.oneof(upTo(100_000n), upTo(millionDollars)) }),
  fc.record({ mode: fc.constant('percent' as const), basisPoints: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(1250, 3333, 5000, 10_000)), short: fc.boolean() }),
  fc.constant({ mode: 'remainder' as const }),
);

const shape: fc.Memo<Shape> = fc.memo((depth) => {
  if (depth <= 1) return leaf;
  return fc.oneof(
    { arbitrary: leaf, weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('cap' as const), maxMinor: fc.oneof(upTo(100_000n), upTo(millionDollars)), out: shape(depth - 1), over: shape(depth - 1) }), weight: 1 },
    {
      arbitrary: fc.record({ kind: fc.constant('condition' as const), op: fc.constantFrom('>=' as const, '<' as const), thresholdMinor: fc.oneof(upTo(100_000n), upTo(millionDollars)), whenTrue: shape(depth - 1), whenFalse: shape(depth - 1) }),
      weight: 1,
    },
    {
      arbitrary: fc
        .array(fc.tuple(rawOutput, shape(depth - 1)), { minLength: 1, maxLength: 4 })
        .map((pairs): Shape => ({ kind: 'allocate', outputs: pairs.map(([output]) => output), children: pairs.map(([, child]) => child) })),
      weight: 2,
    },
  );
});

const sourceSpec: fc.Arbitrary<SourceSpec> = fc.record({
  kind: fc.constantFrom('fixed' as const, 'balance' as const),
  amountMinor: fc.oneof(upTo(100_000n), upTo(millionDollars)),
  keepMinor: fc.option(fc.oneof(upTo(100_000n), upTo(millionDollars)), { nil: null }),
  account: fc.nat(personalAssets.length - 1),
  located: fc.boolean(),
  child: shape(4),
});

const balances = fc.array(fc.oneof(fc.bigInt({ min: -100_000n, max: 100_000n }), fc.bigInt({ min: 0n, max: 2n * millionDollars })), { minLength: allAccounts.length, maxLength: allAccounts.length });

/** The role each built node plays in the conservation checks. */
interface Built {
  graph: FlowGraph;
  sources: string[];
  logic: Map<string, { type: string; hasRemainder: boolean }>;
  terminals: Map<string, { type: 'transfer' | 'assign_envelope'; from: string; to: string }>;
}

/** Percentages summing to at most 100% (below 100% when there is a remainder), as "12.5"-style strings. */
function allocateOutputs(raw: readonly RawOutput[]): { mode: string; value?: string }[] {
  let seenRemainder = false;
  const deduped = raw.map((output): RawOutput => {
    if (output.mode !== 'remainder') return output;
    if (seenRemainder) return { mode: 'fixed', minor: 0n };
    seenRemainder = true;
    return output;
  });
  const ceiling = seenRemainder ? 9_999 : 10_000;
  let total = 0;
  return deduped.map((output) => {
    if (output.mode === 'remainder') return { mode: 'remainder' };
    if (output.mode === 'fixed') return { mode: 'fixed', value: formatMinor(output.minor, 'USD') };
    const basisPoints = Math.min(output.basisPoints, ceiling - total);
    total += basisPoints;
    const whole = Math.floor(basisPoints / 100);
    const fraction = basisPoints % 100;
    const value = fraction === 0 ? String(whole) : fraction % 10 === 0 && output.short ? `${whole}.${fraction / 10}` : `${whole}.${String(fraction).padStart(2, '0')}`;
    return { mode: 'percent', value };
  });
}

const maxBuiltNodes = 190;

function build(sources: readonly SourceSpec[], idSeed: number): Built {
  const nodes: FlowNode[] = [];
  const edges: FlowEdge[] = [];
  const built: Built = { graph: { nodes, edges }, sources: [], logic: new Map(), terminals: new Map() };
  // Ids in a random order, so the id tie-break of the topological order is exercised too.
  const ids = shuffled(Array.from({ length: maxBuiltNodes + 10 }, (_, index) => `n${String(index).padStart(3, '0')}`), prng(idSeed));
  const nextId = () => ids[nodes.length]!;
  const add = (type: string, data: Record<string, unknown>): string => {
    const id = nextId();
    nodes.push(node(id, type, data));
    return id;
  };
  const wire = (source: string, handle: string, target: string, targetHandle = 'in'): void => void edges.push({ id: `e-${source}-${handle}-${target}`, source, sourceHandle: handle, target, targetHandle });

  /** Builds what hangs below `parent:handle`; `from` is where the money sits (null: unknown). */
  const grow = (item: Shape, parent: string, handle: string, from: string | null): void => {
    if (item.kind === 'open' || nodes.length >= maxBuiltNodes) return;
    switch (item.kind) {
      case 'transfer': {
        const fromAccountId = from ?? personalAssets[item.from % personalAssets.length]!.id;
        const targets = transferTargets.filter((target) => target.id !== fromAccountId);
        const toAccountId = targets[item.to % targets.length]!.id;
        const id = add('transfer', { ...(from ? {} : { fromAccountId }), toAccountId });
        built.terminals.set(id, { type: 'transfer', from: fromAccountId, to: toAccountId });
        return wire(parent, handle, id);
      }
      case 'envelope': {
        const categoryId = categories[item.category % categories.length]!.id;
        const id = add('assign_envelope', { categoryId });
        built.terminals.set(id, { type: 'assign_envelope', from: '', to: categoryId });
        return wire(parent, handle, id);
      }
      case 'cap': {
        const id = add('cap', { max: formatMinor(item.maxMinor, 'USD') });
        built.logic.set(id, { type: 'cap', hasRemainder: true });
        wire(parent, handle, id);
        grow(item.out, id, 'out', from);
        return grow(item.over, id, 'over', from);
      }
      case 'condition': {
        const id = add('condition', { logic: { [item.op]: [{ var: 'amount' }, Number(item.thresholdMinor) / 100] } });
        built.logic.set(id, { type: 'condition', hasRemainder: true });
        wire(parent, handle, id);
        grow(item.whenTrue, id, 'true', from);
        return grow(item.whenFalse, id, 'false', from);
      }
      case 'allocate': {
        const outputs = allocateOutputs(item.outputs);
        const id = add('allocate', { outputs });
        built.logic.set(id, { type: 'allocate', hasRemainder: outputs.some((output) => output.mode === 'remainder') });
        wire(parent, handle, id);
        item.children.forEach((child, index) => grow(child, id, `out-${index}`, from));
      }
    }
  };

  const trigger = add('trigger.manual', {});
  for (const source of sources) {
    const accountId = personalAssets[source.account]!.id;
    const id =
      source.kind === 'fixed'
        ? add('source.fixed', { amount: formatMinor(source.amountMinor, 'USD'), ...(source.located ? { accountId } : {}) })
        : add('source.balance', { accountId, ...(source.keepMinor === null ? {} : { keep: formatMinor(source.keepMinor, 'USD') }) });
    built.sources.push(id);
    wire(trigger, 'start', id, 'start');
    grow(source.child, id, 'out', source.kind === 'fixed' && !source.located ? null : accountId);
  }
  return built;
}

const minor = (text: string) => parseMoney(text, 'USD').amountMinor;
const total = (values: Iterable<bigint>) => [...values].reduce((sum, value) => sum + value, 0n);

interface Flows {
  sourceTotal: bigint;
  terminalTotal: bigint;
  openTotal: bigint;
  shortfallTotal: bigint;
}

/** Checks one plan node by node, and returns the totals the overall identity needs. */
function checkConservation(built: Built, result: Plan): Flows {
  const edgeAmount = new Map(result.edges.map((entry) => [entry.edgeId, entry.amountMinor]));
  const trace = new Map(result.trace.map((entry) => [entry.nodeId, entry]));
  const inputOf = (id: string) => total(built.graph.edges.filter((item) => item.target === id && item.targetHandle === 'in').map((item) => edgeAmount.get(item.id)!));
  const outputsOf = (id: string): Map<string, bigint> => {
    const entry = trace.get(id)!;
    return new Map(Object.entries(entry.outputs).map(([handle, value]) => [handle, minor(value)]));
  };
  const connected = new Set(built.graph.edges.map((item) => `${item.source}:${item.sourceHandle}`));

  // The amount on every money edge is what its source node put on that handle.
  for (const item of built.graph.edges) {
    if (item.sourceHandle === 'start') continue;
    expect(edgeAmount.get(item.id), `edge ${item.id}`).toBe(outputsOf(item.source).get(item.sourceHandle) ?? 0n);
  }

  let sourceTotal = 0n;
  let openTotal = 0n;
  let shortfallTotal = 0n;
  let terminalTotal = 0n;
  for (const id of built.sources) {
    const out = outputsOf(id).get('out')!;
    expect(out >= 0n).toBe(true);
    sourceTotal += out;
    if (!connected.has(`${id}:out`)) openTotal += out;
  }
  for (const [id, info] of built.logic) {
    const entry = trace.get(id)!;
    const input = inputOf(id);
    if (entry.status === 'skipped') {
      expect(input, `skipped ${id} received money`).toBe(0n);
      continue;
    }
    expect(minor(entry.inputs.in!), `trace input of ${id}`).toBe(input);
    const outs = outputsOf(id);
    for (const [handle, amount] of outs) {
      expect(amount >= 0n, `${id}:${handle} negative`).toBe(true);
      if (!connected.has(`${id}:${handle}`)) openTotal += amount;
    }
    const outSum = total(outs.values());
    const unallocated = entry.warnings.map((warning) => /^(\S+) stays unallocated/.exec(warning)?.[1]).filter((value): value is string => value !== undefined);
    if (info.hasRemainder) {
      expect(outSum, `${info.type} ${id} outputs vs input`).toBe(input);
      expect(unallocated).toEqual([]);
    } else {
      // allocate without a remainder: never more than the input; the shortfall is reported exactly.
      expect(outSum <= input, `allocate ${id} allocates ${outSum} of ${input}`).toBe(true);
      const shortfall = input - outSum;
      expect(unallocated.map(minor)).toEqual(shortfall > 0n ? [shortfall] : []);
      shortfallTotal += shortfall;
    }
  }
  for (const [id, info] of built.terminals) {
    const input = inputOf(id);
    terminalTotal += input;
    const effects = result.effects.filter((effect) => effect.nodeId === id);
    if (input === 0n) {
      expect(trace.get(id)!.status).toBe('skipped');
      expect(effects).toEqual([]);
    } else if (info.type === 'transfer') {
      expect(effects).toEqual([{ type: 'transfer', nodeId: id, fromAccountId: info.from, toAccountId: info.to, amountMinor: input, memo: 'Transfer' }]);
    } else {
      expect(effects).toEqual([{ type: 'assign_envelope', nodeId: id, categoryId: info.to, amountMinor: input, month: '2026-05' }]);
    }
  }
  return { sourceTotal, terminalTotal, openTotal, shortfallTotal };
}

type Transfer = Extract<PlannedEffect, { type: 'transfer' }>;

function checkBalances(accounts: ReadonlyMap<string, AccountSnapshot>, result: Plan): void {
  const transfersMade = result.effects.filter((effect): effect is Transfer => effect.type === 'transfer');
  for (const transfer of transfersMade) {
    expect(transfer.amountMinor > 0n, `transfer ${transfer.nodeId} of ${transfer.amountMinor}`).toBe(true);
    expect(transfer.fromAccountId).not.toBe(transfer.toAccountId);
  }
  const after = new Map([...accounts].map(([id, item]) => [id, item.balanceMinor]));
  for (const transfer of transfersMade) {
    // The journal: debit the receiving account, credit the paying one; it sums to zero.
    const postings = [
      { accountId: transfer.toAccountId, amountMinor: transfer.amountMinor },
      { accountId: transfer.fromAccountId, amountMinor: -transfer.amountMinor },
    ];
    expect(total(postings.map((posting) => posting.amountMinor))).toBe(0n);
    for (const posting of postings) after.set(posting.accountId, after.get(posting.accountId)! + posting.amountMinor);
  }
  const expected = [...after]
    .filter(([id, balance]) => balance !== accounts.get(id)!.balanceMinor)
    .map(([id, balance]) => ({ accountId: id, beforeMinor: accounts.get(id)!.balanceMinor, afterMinor: balance }))
    .sort((a, b) => a.accountId.localeCompare(b.accountId));
  const actual = result.balances.map(({ accountId, beforeMinor, afterMinor }) => ({ accountId, beforeMinor, afterMinor })).sort((a, b) => a.accountId.localeCompare(b.accountId));
  expect(actual).toEqual(expected);
  expect(total(result.balances.map((change) => change.afterMinor - change.beforeMinor))).toBe(0n);
  expect(result.movedMinor).toBe(total(transfersMade.map((transfer) => transfer.amountMinor)));
}

/** Same as `shape` but without open outputs or envelopes: every cent ends in a transfer. */
const closedShape: fc.Memo<Shape> = fc.memo((depth) => {
  const transfer = fc.record({ kind: fc.constant('transfer' as const), to: fc.nat(50), from: fc.nat(50) });
  if (depth <= 1) return transfer;
  return fc.oneof(
    transfer,
    fc.record({ kind: fc.constant('cap' as const), maxMinor: upTo(millionDollars), out: closedShape(depth - 1), over: closedShape(depth - 1) }),
    fc.record({ kind: fc.constant('condition' as const), op: fc.constantFrom('>=' as const, '<' as const), thresholdMinor: upTo(millionDollars), whenTrue: closedShape(depth - 1), whenFalse: closedShape(depth - 1) }),
    fc
      .tuple(fc.array(fc.tuple(rawOutput.filter((output) => output.mode !== 'remainder'), closedShape(depth - 1)), { maxLength: 3 }), closedShape(depth - 1))
      .map(([pairs, last]): Shape => ({ kind: 'allocate', outputs: [...pairs.map(([output]) => output), { mode: 'remainder' }], children: [...pairs.map(([, child]) => child), last] })),
  );
});

describe('planFlow properties over random valid flows', () => {
  const flows = fc.record({ sources: fc.array(sourceSpec, { minLength: 1, maxLength: 4 }), balances, idSeed: fc.integer(), shuffleSeed: fc.integer() });

  it('conserves money to the cent at every node and overall, and its balances are its transfers applied', () => {
    let nonTrivial = 0;
    fc.assert(
      fc.property(flows, ({ sources, balances: startBalances, idSeed, shuffleSeed }) => {
        const built = build(sources, idSeed);
        const accounts = snapshot(startBalances);
        const validated = validateFlow(built.graph, settings, accounts);
        expect(validated.problems).toEqual([]);
        const result = planFlow(built.graph, settings, validated, context(accounts));
        expect(result.trace.filter((entry) => entry.status !== 'ran' && entry.status !== 'skipped')).toEqual([]);

        const { sourceTotal, terminalTotal, openTotal, shortfallTotal } = checkConservation(built, result);
        expect(sourceTotal).toBe(terminalTotal + openTotal + shortfallTotal);
        checkBalances(accounts, result);
        if (result.effects.length > 2) nonTrivial += 1;

        // Deterministic: again, and with the node and edge arrays in another order.
        expect(planFlow(built.graph, settings, validateFlow(built.graph, settings, accounts), context(accounts))).toEqual(result);
        const random = prng(shuffleSeed);
        const reordered: FlowGraph = { nodes: shuffled(built.graph.nodes, random), edges: shuffled(built.graph.edges, random) };
        const revalidated = validateFlow(reordered, settings, accounts);
        expect(revalidated.problems).toEqual([]);
        expect(revalidated.order).toEqual(validated.order);
        expect(canonical(planFlow(reordered, settings, revalidated, context(accounts)))).toEqual(canonical(result));
      }),
      { numRuns: 400 },
    );
    // The generator must produce flows that actually move money, not only empty ones.
    expect(nonTrivial).toBeGreaterThan(100);
  });

  it('sends every cent of a single source somewhere when every allocate has a remainder and nothing is left open', () => {
    const closed = closedShape(3);
    fc.assert(
      fc.property(upTo(millionDollars), closed, fc.integer(), (amountMinor, child, idSeed) => {
        const built = build([{ kind: 'fixed', amountMinor, keepMinor: null, account: 0, located: true, child }], idSeed);
        const accounts = snapshot();
        const validated = validateFlow(built.graph, settings, accounts);
        expect(validated.problems).toEqual([]);
        const result = planFlow(built.graph, settings, validated, context(accounts));
        const moved = result.effects.filter((effect): effect is Transfer => effect.type === 'transfer');
        expect(total(moved.map((transfer) => transfer.amountMinor))).toBe(amountMinor);
        checkBalances(accounts, result);
      }),
      { numRuns: 300 },
    );
  });
});

