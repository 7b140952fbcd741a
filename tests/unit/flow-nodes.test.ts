/**
 * Node types one by one: evaluate() and validate() are pure, so every test builds a PlanContext
 * over in-memory AccountSnapshot maps and calls the node directly (no database, no planner).
 */
import { describe, expect, it } from 'vitest';
import type { FieldProblem } from '../../engine/errors.js';
import type { AccountType, EntityKind } from '../../engine/ledger/types.js';
import type { AccountSnapshot, EvaluateResult, MoneyValue, PlanContext, PlannedEffect, TriggerData } from '../../engine/flows/node-type.js';
import { nodeTypes } from '../../engine/flows/registry.js';
import { allocate, percentToBasisPoints, type AllocateOutput } from '../../engine/flows/nodes/logic.js';
import { nextOccurrences } from '../../engine/flows/nodes/triggers.js';
import { validateFlow } from '../../engine/flows/validate.js';
import { planFlow } from '../../engine/flows/planner.js';
import type { FlowGraph, FlowNode } from '../../engine/flows/graph.js';

// ---------------------------------------------------------------------------------------------
// Fixtures: two entities (the owner and the LLC) and their accounts, balances in cents
// ---------------------------------------------------------------------------------------------

const PERSONAL = '00000000-0000-4000-8000-0000000000a1';
const LLC = '00000000-0000-4000-8000-0000000000b1';
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

function account(id: string, entityKind: EntityKind, name: string, type: AccountType, subtype: string, balanceMinor = 0n): AccountSnapshot {
  return {
    id,
    entityId: entityKind === 'personal' ? PERSONAL : LLC,
    entityKind,
    code: '0000',
    name,
    type,
    subtype,
    currency: 'USD',
    allowOverdraft: subtype === 'credit_card',
    balanceMinor,
  };
}

const A = {
  checking: account(uuid(1), 'personal', 'Checking', 'asset', 'checking', 1_000_000n),
  savings: account(uuid(2), 'personal', 'Savings', 'asset', 'savings', 250_000n),
  brokerage: account(uuid(3), 'personal', 'Brokerage', 'asset', 'brokerage'),
  retirement: account(uuid(4), 'personal', 'Retirement (IRA)', 'asset', 'retirement'),
  card: account(uuid(5), 'personal', 'Credit Card', 'liability', 'credit_card', -45_000n),
  groceries: account(uuid(6), 'personal', 'Groceries', 'expense', 'expense'),
  receivable: account(uuid(7), 'personal', 'Receivable', 'asset', 'receivable'),
  llcChecking: account(uuid(11), 'llc', 'Business Checking', 'asset', 'checking', 5_000_000n),
  llcSavings: account(uuid(12), 'llc', 'Business Savings', 'asset', 'savings'),
  llcCard: account(uuid(13), 'llc', 'Business Credit Card', 'liability', 'credit_card'),
  llcSoftware: account(uuid(14), 'llc', 'Software', 'expense', 'expense'),
  llcBrokerage: account(uuid(15), 'llc', 'Business Brokerage', 'asset', 'brokerage'),
} as const;

const accounts: ReadonlyMap<string, AccountSnapshot> = new Map(Object.values(A).map((snapshot) => [snapshot.id, snapshot]));

function context(overrides: Partial<PlanContext> = {}): PlanContext {
  return { currency: 'USD', date: '2026-03-15', trigger: { type: 'manual', occurredAt: '2026-03-15T14:00:00.000Z' }, accounts, ...overrides };
}

interface Run {
  /** Money arriving on the "in" handle, cents. */
  money?: bigint;
  /** The account that money sits in. */
  accountId?: string | null;
  context?: Partial<PlanContext>;
  /** Balances as they stand at this point of the plan; defaults to the snapshot's. */
  balances?: Record<string, bigint>;
}

function evaluate(type: string, data: unknown, run: Run = {}): EvaluateResult {
  const nodeType = nodeTypes.get(type);
  if (!nodeType) throw new Error(`no node type ${type}`);
  const money = new Map<string, MoneyValue>();
  if (run.money !== undefined) money.set('in', { amountMinor: run.money, accountId: run.accountId ?? null });
  const ctx = context(run.context);
  const balanceOf = (accountId: string) => run.balances?.[accountId] ?? ctx.accounts.get(accountId)?.balanceMinor ?? 0n;
  return nodeType.evaluate({ nodeId: 'node-under-test', data, money, context: ctx, balanceOf });
}

function validate(type: string, data: unknown, currency = 'USD'): FieldProblem[] {
  return nodeTypes.get(type)!.validate?.(data, { accounts, currency }) ?? [];
}

/** Output amounts by handle, in cents ('fired' for a control handle). */
function outputs(result: EvaluateResult): Record<string, bigint | 'fired'> {
  return Object.fromEntries([...result.outputs].map(([handle, value]) => [handle, value === 'fired' ? 'fired' : value.amountMinor]));
}

const codes = (problems: readonly FieldProblem[]) => problems.map((problem) => problem.code);
const transfers = (result: EvaluateResult) => (result.effects ?? []).filter((effect): effect is Extract<PlannedEffect, { type: 'transfer' }> => effect.type === 'transfer');

// ---------------------------------------------------------------------------------------------
// Sources
// ---------------------------------------------------------------------------------------------

describe('source.balance', () => {
  it('offers the balance above the amount to keep, from that account', () => {
    const result = evaluate('source.balance', { accountId: A.checking.id, keep: '2500.00' });
    expect(result.outputs.get('out')).toEqual({ amountMinor: 750_000n, accountId: A.checking.id });
  });

  it('reads the balance as it stands in the plan, not the snapshot', () => {
    const result = evaluate('source.balance', { accountId: A.checking.id, keep: '100.00' }, { balances: { [A.checking.id]: 20_000n } });
    expect(outputs(result)).toEqual({ out: 10_000n });
  });

  it('never goes below zero: keep above the balance, keep equal to it, an overdrawn account', () => {
    expect(outputs(evaluate('source.balance', { accountId: A.savings.id, keep: '5000.00' }))).toEqual({ out: 0n });
    expect(outputs(evaluate('source.balance', { accountId: A.savings.id, keep: '2500.00' }))).toEqual({ out: 0n });
    expect(outputs(evaluate('source.balance', { accountId: A.checking.id }, { balances: { [A.checking.id]: -1_234n } }))).toEqual({ out: 0n });
    expect(outputs(evaluate('source.balance', { accountId: A.checking.id, keep: '0' }, { balances: { [A.checking.id]: -1n } }))).toEqual({ out: 0n });
  });

  it('without keep offers the whole balance', () => {
    expect(outputs(evaluate('source.balance', { accountId: A.savings.id }))).toEqual({ out: 250_000n });
  });

  it('rejects a keep with more decimals than the currency has', () => {
    expect(validate('source.balance', { accountId: A.checking.id, keep: '10.005' })).toEqual([expect.objectContaining({ field: '/keep', code: 'too_many_decimals' })]);
    expect(validate('source.balance', { accountId: A.checking.id, keep: '10.00' })).toEqual([]);
  });
});

describe('source.transaction', () => {
  const trigger = (amountMinor: bigint): TriggerData => ({ type: 'event', occurredAt: '2026-03-15T14:00:00.000Z', transaction: { accountId: A.llcChecking.id, amountMinor, payee: 'Client Co' } });

  it('is the amount of money that came in, sitting in the transaction account', () => {
    const result = evaluate('source.transaction', {}, { context: { trigger: trigger(123_456n) } });
    expect(result.outputs.get('out')).toEqual({ amountMinor: 123_456n, accountId: A.llcChecking.id });
    expect(result.warnings).toEqual([]);
  });

  it('is zero for money going out', () => {
    expect(outputs(evaluate('source.transaction', {}, { context: { trigger: trigger(-5_000n) } }))).toEqual({ out: 0n });
  });

  it('is zero, with a warning, when no transaction started the run', () => {
    const result = evaluate('source.transaction', {});
    expect(result.outputs.get('out')).toEqual({ amountMinor: 0n, accountId: null });
    expect(result.warnings).toHaveLength(1);
  });
});

describe('source.fixed', () => {
  it('is the amount, in the account when one is given', () => {
    expect(evaluate('source.fixed', { amount: '1234.57', accountId: A.checking.id }).outputs.get('out')).toEqual({ amountMinor: 123_457n, accountId: A.checking.id });
    expect(evaluate('source.fixed', { amount: '0.01' }).outputs.get('out')).toEqual({ amountMinor: 1n, accountId: null });
  });

  it('rejects an amount with too many decimals', () => {
    expect(codes(validate('source.fixed', { amount: '1.001' }))).toEqual(['too_many_decimals']);
    expect(validate('source.fixed', { amount: '1000000.00' })).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Allocate
// ---------------------------------------------------------------------------------------------

const fixed = (value: string): AllocateOutput => ({ mode: 'fixed', value });
const percent = (value: string): AllocateOutput => ({ mode: 'percent', value });
const remainder: AllocateOutput = { mode: 'remainder' };

function split(inputMinor: bigint, outputList: AllocateOutput[]) {
  const result = evaluate('allocate', { outputs: outputList }, { money: inputMinor, accountId: A.checking.id });
  const parts = outputList.map((_, index) => {
    const value = result.outputs.get(`out-${index}`);
    if (value === undefined || value === 'fired') throw new Error(`no out-${index}`);
    expect(value.accountId).toBe(A.checking.id);
    return value.amountMinor;
  });
  return { parts, warnings: result.warnings ?? [], result };
}

const sum = (values: readonly bigint[]) => values.reduce((total, value) => total + value, 0n);

describe('allocate', () => {
  it('splits 1,234.57 into 30% / 50% / remainder to the cent', () => {
    const { parts, warnings } = split(123_457n, [percent('30'), percent('50'), remainder]);
    // 30% = 370.371, 50% = 617.285: the one leftover cent goes to the largest dropped fraction.
    expect(parts).toEqual([37_037n, 61_729n, 24_691n]);
    expect(sum(parts)).toBe(123_457n);
    expect(warnings).toEqual([]);
  });

  it('takes fixed amounts first wherever they are listed, then percentages of the input, then the remainder', () => {
    const { parts } = split(100_000n, [percent('10'), fixed('300.00'), remainder, percent('25')]);
    // Percentages are of the whole 1,000.00, not of what the fixed amount leaves.
    expect(parts).toEqual([10_000n, 30_000n, 35_000n, 25_000n]);
  });

  it('gives fixed amounts in order as far as the money goes; a fixed larger than the input takes it all', () => {
    expect(split(20_000n, [fixed('500.00'), percent('20'), remainder]).parts).toEqual([20_000n, 0n, 0n]);
    expect(split(20_000n, [fixed('150.00'), fixed('100.00'), remainder]).parts).toEqual([15_000n, 5_000n, 0n]);
    expect(split(20_000n, [fixed('150.00'), fixed('100.00')]).parts).toEqual([15_000n, 5_000n]);
  });

  it('scales percentages down, in their proportions, when the fixed amounts leave too little', () => {
    const { parts, warnings } = split(100_000n, [fixed('700.00'), percent('50'), percent('25'), remainder]);
    // Asked 500.00 + 250.00 of the input; only 300.00 is left: shared 2:1.
    expect(parts).toEqual([70_000n, 20_000n, 10_000n, 0n]);
    expect(warnings.some((warning) => warning.includes('shared in their proportions'))).toBe(true);
  });

  it('scales down with exact cents (no cent created or lost)', () => {
    const { parts } = split(100_001n, [fixed('999.99'), percent('33.33'), percent('33.33'), percent('33.34')]);
    expect(parts[0]).toBe(99_999n);
    expect(sum(parts.slice(1))).toBe(2n);
    expect(sum(parts)).toBe(100_001n);
  });

  it('applies "12.5" percent exactly, in basis points', () => {
    expect(percentToBasisPoints('12.5')).toBe(1250);
    expect(percentToBasisPoints('12.50')).toBe(1250);
    expect(percentToBasisPoints('0.05')).toBe(5);
    expect(percentToBasisPoints('100')).toBe(10_000);
    expect(split(100_000n, [percent('12.5'), remainder]).parts).toEqual([12_500n, 87_500n]);
    expect(split(800n, [percent('12.5'), remainder]).parts).toEqual([100n, 700n]);
    // 12.5% of 1,000.01 is 125.00125: 125.00.
    expect(split(100_001n, [percent('12.5'), remainder]).parts).toEqual([12_500n, 87_501n]);
    // 12.5% of 0.08 is exactly one cent.
    expect(split(8n, [percent('12.5'), remainder]).parts).toEqual([1n, 7n]);
  });

  it('without a remainder output leaves the rest unallocated, and says how much', () => {
    const { parts, warnings } = split(100_000n, [percent('30'), fixed('100.00')]);
    expect(parts).toEqual([30_000n, 10_000n]);
    expect(warnings).toEqual(['600.00 stays unallocated (add a remainder output to route it)']);
  });

  it('never allocates more than the input, and sums to it with a remainder (exhaustive small inputs)', () => {
    const layouts: AllocateOutput[][] = [
      [percent('33.33'), percent('33.33'), remainder],
      [fixed('0.07'), percent('12.5'), percent('87.5')],
      [percent('0.01'), fixed('0.03'), percent('99.99')],
      [percent('1'), percent('1'), percent('1')],
    ];
    for (const layout of layouts) {
      for (let input = 0n; input <= 300n; input += 1n) {
        const { parts } = allocate(input, layout, 'USD');
        expect(parts.every((part) => part >= 0n)).toBe(true);
        const total = sum(parts);
        if (layout.some((output) => output.mode === 'remainder')) expect(total).toBe(input);
        else expect(total <= input).toBe(true);
      }
    }
  });

  it('names one money output per setting, out-0 … out-n', () => {
    const handles = nodeTypes.get('allocate')!.outputs({ outputs: [percent('30'), remainder] });
    expect(handles.map((handle) => [handle.id, handle.kind])).toEqual([
      ['out-0', 'money'],
      ['out-1', 'money'],
    ]);
  });

  describe('validation', () => {
    it('rejects percentages over 100%', () => {
      expect(validate('allocate', { outputs: [percent('60'), percent('50')] })).toEqual([expect.objectContaining({ field: '/outputs', code: 'over_allocated' })]);
      expect(validate('allocate', { outputs: [percent('60'), percent('40.01'), fixed('10.00')] })).toEqual([expect.objectContaining({ code: 'over_allocated' })]);
    });

    it('accepts exactly 100% without a remainder, and up to 2 decimals', () => {
      expect(validate('allocate', { outputs: [percent('87.5'), percent('12.50')] })).toEqual([]);
      expect(validate('allocate', { outputs: [percent('100')] })).toEqual([]);
    });

    it('rejects a remainder that could only ever be empty, and two remainders', () => {
      expect(codes(validate('allocate', { outputs: [percent('100'), remainder] }))).toEqual(['empty_remainder']);
      expect(codes(validate('allocate', { outputs: [percent('10'), remainder, remainder] }))).toEqual(['several_remainders']);
    });

    it('checks every value, each at its own field', () => {
      const problems = validate('allocate', { outputs: [percent('12.345'), fixed('1.234'), { mode: 'fixed' }, { mode: 'remainder', value: '5' }, percent('101')] });
      expect(problems.map((problem) => [problem.field, problem.code])).toEqual([
        ['/outputs/0/value', 'invalid_percent'],
        ['/outputs/1/value', 'too_many_decimals'],
        ['/outputs/2/value', 'required'],
        ['/outputs/3/value', 'unexpected_value'],
        ['/outputs/4/value', 'invalid_percent'],
      ]);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Cap
// ---------------------------------------------------------------------------------------------

describe('cap', () => {
  it('lets the cap through and sends the excess to "over"', () => {
    const result = evaluate('cap', { max: '1000.00' }, { money: 150_001n, accountId: A.checking.id });
    expect(result.outputs.get('out')).toEqual({ amountMinor: 100_000n, accountId: A.checking.id });
    expect(result.outputs.get('over')).toEqual({ amountMinor: 50_001n, accountId: A.checking.id });
  });

  it('lets everything through under the cap, exactly at it, and nothing with a zero cap', () => {
    expect(outputs(evaluate('cap', { max: '1000.00' }, { money: 80_000n }))).toEqual({ out: 80_000n, over: 0n });
    expect(outputs(evaluate('cap', { max: '1000.00' }, { money: 100_000n }))).toEqual({ out: 100_000n, over: 0n });
    expect(outputs(evaluate('cap', { max: '0' }, { money: 100_000n }))).toEqual({ out: 0n, over: 100_000n });
  });

  it('rejects a malformed max', () => {
    expect(validate('cap', { max: '1.001' })).toEqual([expect.objectContaining({ field: '/max', code: 'too_many_decimals' })]);
  });
});

// ---------------------------------------------------------------------------------------------
// Condition
// ---------------------------------------------------------------------------------------------

describe('condition', () => {
  const decide = (logic: unknown, run: Run = {}) => {
    const result = evaluate('condition', { logic }, { money: 150_000n, accountId: A.checking.id, ...run });
    const { true: whenTrue, false: whenFalse } = outputs(result) as Record<'true' | 'false', bigint>;
    expect(whenTrue + whenFalse).toBe(run.money ?? 150_000n);
    expect(whenTrue === 0n || whenFalse === 0n).toBe(true);
    return whenTrue > 0n;
  };

  it('sends the whole amount down one branch by a rule over the amount (major units)', () => {
    expect(decide({ '>=': [{ var: 'amount' }, 1000] })).toBe(true);
    expect(decide({ '>=': [{ var: 'amount' }, 1500.01] })).toBe(false);
    expect(decide({ '==': [{ var: 'amountMinor' }, 150_000] })).toBe(true);
    const result = evaluate('condition', { logic: { '<': [{ var: 'amount' }, 1] } }, { money: 150_000n, accountId: A.checking.id });
    expect(result.outputs.get('false')).toEqual({ amountMinor: 150_000n, accountId: A.checking.id });
    expect(result.outputs.get('true')).toEqual({ amountMinor: 0n, accountId: A.checking.id });
  });

  it('reads balances as they stand in the plan', () => {
    const rule = { '<': [{ var: `balances.${A.savings.id}` }, 10_000] };
    expect(decide(rule)).toBe(true); // snapshot: 2,500.00
    expect(decide(rule, { balances: { [A.savings.id]: 1_000_000n } })).toBe(false); // after earlier transfers: 10,000.00
  });

  it('reads date parts of the run date', () => {
    const on = (date: string, logic: unknown) => decide(logic, { context: { date } });
    expect(on('2026-03-15', { '==': [{ var: 'date.month' }, 3] })).toBe(true);
    expect(on('2026-03-15', { '==': [{ var: 'date.day' }, 15] })).toBe(true);
    expect(on('2026-03-15', { '==': [{ var: 'date.year' }, 2026] })).toBe(true);
    expect(on('2026-03-15', { '==': [{ var: 'date.weekday' }, 0] })).toBe(true); // a Sunday
    expect(on('2026-03-16', { in: [{ var: 'date.weekday' }, [1, 2, 3, 4, 5]] })).toBe(true); // a Monday
    expect(on('2026-03-16', { '==': [{ var: 'date.iso' }, '2026-03-16'] })).toBe(true);
  });

  it('reads trigger data', () => {
    const trigger: TriggerData = { type: 'event', occurredAt: '2026-03-15T14:00:00.000Z', transaction: { accountId: A.llcChecking.id, amountMinor: 480_050n, payee: 'Client Co' } };
    expect(decide({ '==': [{ var: 'trigger.type' }, 'event'] }, { context: { trigger } })).toBe(true);
    expect(decide({ '==': [{ var: 'trigger.transaction.payee' }, 'Client Co'] }, { context: { trigger } })).toBe(true);
    expect(decide({ '>': [{ var: 'trigger.transaction.amount' }, 4800.49] }, { context: { trigger } })).toBe(true);
    expect(decide({ '==': [{ var: 'trigger.transaction.amountMinor' }, 480_050] }, { context: { trigger } })).toBe(true);
    expect(decide({ '==': [{ var: 'trigger.type' }, 'event'] })).toBe(false);
  });

  it('reads amounts in major units of the flow currency (JPY has no decimals, KWD three)', () => {
    // ¥1,500 is 1500 minor units; KWD 1.500 is 1500 minor units (fils).
    expect(decide({ '>=': [{ var: 'amount' }, 1000] }, { money: 1_500n, context: { currency: 'JPY' } })).toBe(true);
    expect(decide({ '==': [{ var: 'amount' }, 1500] }, { money: 1_500n, context: { currency: 'JPY' } })).toBe(true);
    expect(decide({ '==': [{ var: 'amount' }, 1.5] }, { money: 1_500n, context: { currency: 'KWD' } })).toBe(true);
    expect(decide({ '<': [{ var: `balances.${A.savings.id}` }, 300_000] }, { money: 1_500n, context: { currency: 'JPY' } })).toBe(true); // ¥250,000
  });

  it('reports invalid json-logic as a problem of the logic field', () => {
    expect(validate('condition', { logic: { nope: [1, 2] } })).toEqual([expect.objectContaining({ field: '/logic', code: 'invalid_logic' })]);
    expect(validate('condition', { logic: { and: [true, { frobnicate: 1 }] } })).toEqual([expect.objectContaining({ field: '/logic', code: 'invalid_logic' })]);
    expect(validate('condition', { logic: { '>=': [{ var: 'amount' }, 1000] } })).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Transfer-like actions
// ---------------------------------------------------------------------------------------------

describe('transfer', () => {
  it('moves the incoming amount out of the account it sits in when no from-account is set', () => {
    const result = evaluate('transfer', { toAccountId: A.savings.id }, { money: 12_345n, accountId: A.checking.id });
    expect(transfers(result)).toEqual([{ type: 'transfer', nodeId: 'node-under-test', fromAccountId: A.checking.id, toAccountId: A.savings.id, amountMinor: 12_345n, memo: 'Transfer' }]);
    expect(result.outputs.get('out')).toEqual({ amountMinor: 12_345n, accountId: A.savings.id });
  });

  it('an explicit from-account wins', () => {
    const result = evaluate('transfer', { fromAccountId: A.savings.id, toAccountId: A.brokerage.id, memo: 'Invest' }, { money: 100n, accountId: A.checking.id });
    expect(transfers(result)[0]).toMatchObject({ fromAccountId: A.savings.id, toAccountId: A.brokerage.id, memo: 'Invest' });
  });

  it('moves nothing when nothing arrives', () => {
    const result = evaluate('transfer', { toAccountId: A.savings.id }, { money: 0n, accountId: A.checking.id });
    expect(result.effects ?? []).toEqual([]);
    expect(outputs(result)).toEqual({ out: 0n });
  });

  it('infers the from-account from where the money sits (validateFlow + planFlow)', () => {
    const graph: FlowGraph = {
      nodes: [node('go', 'trigger.manual', {}), node('surplus', 'source.balance', { accountId: A.checking.id, keep: '9000.00' }), node('move', 'transfer', { toAccountId: A.savings.id })],
      edges: [edge('go', 'start', 'surplus', 'start'), edge('surplus', 'out', 'move', 'in')],
    };
    const validated = validateFlow(graph, { currency: 'USD' }, accounts);
    expect(validated.problems).toEqual([]);
    expect(validated.moneyLocation.get('move')).toBe(A.checking.id);
    const plan = planFlow(graph, { currency: 'USD' }, validated, context());
    expect(plan.effects).toEqual([{ type: 'transfer', nodeId: 'move', fromAccountId: A.checking.id, toAccountId: A.savings.id, amountMinor: 100_000n, memo: 'Transfer' }]);
  });

  it('asks for a from-account when the money is not in a known account', () => {
    const graph: FlowGraph = {
      nodes: [node('go', 'trigger.manual', {}), node('amount', 'source.fixed', { amount: '10.00' }), node('move', 'transfer', { toAccountId: A.savings.id })],
      edges: [edge('go', 'start', 'amount', 'start'), edge('amount', 'out', 'move', 'in')],
    };
    expect(validateFlow(graph, { currency: 'USD' }, accounts).problems).toEqual([{ nodeId: 'move', field: '/nodes/2/data/fromAccountId', message: expect.any(String), code: 'source_account_unknown' }]);
  });

  describe('between entities', () => {
    it('requires a kind and a purpose', () => {
      const problems = validate('transfer', { fromAccountId: A.llcChecking.id, toAccountId: A.checking.id });
      expect(problems.map((problem) => [problem.field, problem.code])).toEqual([
        ['/kind', 'inter_entity_kind_required'],
        ['/purpose', 'inter_entity_purpose_required'],
      ]);
      expect(codes(validate('transfer', { fromAccountId: A.llcChecking.id, toAccountId: A.checking.id, kind: 'owner_draw', purpose: 'x' }))).toEqual(['inter_entity_purpose_required']);
    });

    it('accepts a documented owner draw from the LLC to the owner', () => {
      expect(validate('transfer', { fromAccountId: A.llcChecking.id, toAccountId: A.checking.id, kind: 'owner_draw', purpose: 'Monthly draw' })).toEqual([]);
    });

    it('checks the direction: an owner draw never goes from the owner to the LLC', () => {
      expect(validate('transfer', { fromAccountId: A.checking.id, toAccountId: A.llcChecking.id, kind: 'owner_draw', purpose: 'Monthly draw' })).toEqual([expect.objectContaining({ field: '/kind', code: 'wrong_direction' })]);
      expect(validate('transfer', { fromAccountId: A.llcChecking.id, toAccountId: A.checking.id, kind: 'capital_contribution', purpose: 'Seed money' })).toEqual([expect.objectContaining({ field: '/kind', code: 'wrong_direction' })]);
      expect(validate('transfer', { fromAccountId: A.checking.id, toAccountId: A.llcChecking.id, kind: 'capital_contribution', purpose: 'Seed money' })).toEqual([]);
    });

    it('checks the accounts can pay and receive', () => {
      expect(codes(validate('transfer', { fromAccountId: A.receivable.id, toAccountId: A.llcCard.id, kind: 'member_loan', purpose: 'Bridge loan' }))).toEqual(['not_a_paying_account', 'not_a_receiving_account']);
    });

    it('infers the from-account before checking (a cross-entity transfer without kind is a problem)', () => {
      const graph: FlowGraph = {
        nodes: [node('go', 'trigger.manual', {}), node('profit', 'source.balance', { accountId: A.llcChecking.id }), node('draw', 'transfer', { toAccountId: A.checking.id })],
        edges: [edge('go', 'start', 'profit', 'start'), edge('profit', 'out', 'draw', 'in')],
      };
      const problems = validateFlow(graph, { currency: 'USD' }, accounts).problems;
      expect(problems.map((problem) => [problem.nodeId, problem.field, problem.code])).toEqual([
        ['draw', '/nodes/2/data/kind', 'inter_entity_kind_required'],
        ['draw', '/nodes/2/data/purpose', 'inter_entity_purpose_required'],
      ]);
    });

    it('carries kind, purpose and document on the effect, and only between entities', () => {
      const data = { toAccountId: A.checking.id, kind: 'owner_draw', purpose: 'Monthly draw', documentRef: 'minutes-2026-03' };
      expect(transfers(evaluate('transfer', data, { money: 500_000n, accountId: A.llcChecking.id }))[0]).toMatchObject({ kind: 'owner_draw', purpose: 'Monthly draw', documentRef: 'minutes-2026-03' });
      const sameEntity = transfers(evaluate('transfer', { toAccountId: A.savings.id }, { money: 500n, accountId: A.checking.id }))[0]!;
      expect('kind' in sameEntity || 'purpose' in sameEntity).toBe(false);
    });

    it('refuses a kind within one entity, and a transfer to the account it comes from', () => {
      expect(codes(validate('transfer', { fromAccountId: A.checking.id, toAccountId: A.savings.id, kind: 'owner_draw' }))).toEqual(['kind_not_applicable']);
      expect(codes(validate('transfer', { fromAccountId: A.checking.id, toAccountId: A.checking.id }))).toEqual(['same_account']);
    });
  });
});

describe('pay_bill', () => {
  it('pays the payee from the account the money sits in', () => {
    const result = evaluate('pay_bill', { toAccountId: A.card.id, payee: 'Big Bank Card' }, { money: 45_000n, accountId: A.checking.id });
    expect(transfers(result)).toEqual([{ type: 'transfer', nodeId: 'node-under-test', fromAccountId: A.checking.id, toAccountId: A.card.id, amountMinor: 45_000n, memo: 'Bill: Big Bank Card', payee: 'Big Bank Card' }]);
  });

  it('pays an expense or a liability of the same entity only', () => {
    expect(validate('pay_bill', { fromAccountId: A.checking.id, toAccountId: A.groceries.id, payee: 'Market' })).toEqual([]);
    expect(codes(validate('pay_bill', { fromAccountId: A.checking.id, toAccountId: A.savings.id, payee: 'Me' }))).toEqual(['not_a_bill']);
    expect(codes(validate('pay_bill', { fromAccountId: A.checking.id, toAccountId: A.llcSoftware.id, payee: 'SaaS' }))).toEqual(['cross_entity_bill']);
  });
});

describe('invest', () => {
  it('moves money into a brokerage or retirement account', () => {
    const result = evaluate('invest', { toAccountId: A.retirement.id }, { money: 650_000n, accountId: A.savings.id });
    expect(transfers(result)).toEqual([{ type: 'transfer', nodeId: 'node-under-test', fromAccountId: A.savings.id, toAccountId: A.retirement.id, amountMinor: 650_000n, memo: 'Investment contribution' }]);
    expect(validate('invest', { fromAccountId: A.savings.id, toAccountId: A.brokerage.id })).toEqual([]);
  });

  it('refuses a non-investment account and another entity', () => {
    expect(codes(validate('invest', { fromAccountId: A.checking.id, toAccountId: A.savings.id }))).toEqual(['not_an_investment_account']);
    expect(codes(validate('invest', { fromAccountId: A.checking.id, toAccountId: A.llcBrokerage.id }))).toEqual(['cross_entity_investment']);
  });
});

// ---------------------------------------------------------------------------------------------
// Non-moving actions
// ---------------------------------------------------------------------------------------------

describe('assign_envelope', () => {
  it("assigns the amount to the category for the run date's month; no money moves", () => {
    const result = evaluate('assign_envelope', { categoryId: A.groceries.id }, { money: 60_000n, accountId: A.checking.id, context: { date: '2026-12-31' } });
    expect(result.effects).toEqual([{ type: 'assign_envelope', nodeId: 'node-under-test', categoryId: A.groceries.id, amountMinor: 60_000n, month: '2026-12' }]);
    expect(result.outputs.size).toBe(0);
    expect(evaluate('assign_envelope', { categoryId: A.groceries.id }, { money: 1n, context: { date: '2027-01-01' } }).effects?.[0]).toMatchObject({ month: '2027-01' });
  });

  it('assigns nothing when nothing arrives', () => {
    expect(evaluate('assign_envelope', { categoryId: A.groceries.id }, { money: 0n }).effects ?? []).toEqual([]);
  });
});

describe('alert', () => {
  it('replaces every {amount} with the amount and passes the money on', () => {
    const result = evaluate('alert', { message: 'Moved {amount} to savings ({amount} total)', level: 'warning' }, { money: 123_457n, accountId: A.checking.id });
    expect(result.effects).toEqual([{ type: 'alert', nodeId: 'node-under-test', level: 'warning', message: 'Moved 1234.57 to savings (1234.57 total)' }]);
    expect(result.outputs.get('out')).toEqual({ amountMinor: 123_457n, accountId: A.checking.id });
  });

  it('defaults to info, and stays silent when nothing arrives', () => {
    expect(evaluate('alert', { message: 'hi' }, { money: 5n }).effects).toEqual([expect.objectContaining({ level: 'info', message: 'hi' })]);
    expect(evaluate('alert', { message: 'hi' }, { money: 0n }).effects).toEqual([]);
  });
});

describe('approval', () => {
  it('asks for approval of the amount and passes it on', () => {
    const result = evaluate('approval', { note: 'Big one' }, { money: 1_000_000n, accountId: A.savings.id });
    expect(result.effects).toEqual([{ type: 'approval', nodeId: 'node-under-test', note: 'Big one', amountMinor: 1_000_000n }]);
    expect(result.outputs.get('out')).toEqual({ amountMinor: 1_000_000n, accountId: A.savings.id });
    expect(evaluate('approval', {}, { money: 1n }).effects).toEqual([expect.objectContaining({ note: 'Approve this run' })]);
  });

  it('makes the plan need approval', () => {
    const graph: FlowGraph = {
      nodes: [node('go', 'trigger.manual', {}), node('amount', 'source.fixed', { amount: '50.00', accountId: A.checking.id }), node('ok', 'approval', {}), node('move', 'transfer', { toAccountId: A.savings.id })],
      edges: [edge('go', 'start', 'amount', 'start'), edge('amount', 'out', 'ok', 'in'), edge('ok', 'out', 'move', 'in')],
    };
    const validated = validateFlow(graph, { currency: 'USD' }, accounts);
    expect(validated.problems).toEqual([]);
    const plan = planFlow(graph, { currency: 'USD' }, validated, context());
    expect(plan.needsApproval).toBe(true);
    expect(plan.effects.map((effect) => effect.type)).toEqual(['approval', 'transfer']);
  });
});

// ---------------------------------------------------------------------------------------------
// Triggers
// ---------------------------------------------------------------------------------------------

describe('trigger.schedule', () => {
  it('accepts a five-field cron in an IANA time zone', () => {
    expect(validate('trigger.schedule', { cron: '0 9 1 * *', timezone: 'America/New_York' })).toEqual([]);
    expect(validate('trigger.schedule', { cron: '30 2 * * 1-5', timezone: 'Europe/Paris', missed: 'skip' })).toEqual([]);
  });

  it('rejects an unknown time zone', () => {
    expect(validate('trigger.schedule', { cron: '0 9 1 * *', timezone: 'Mars/Olympus_Mons' })).toEqual([expect.objectContaining({ field: '/timezone', code: 'unknown_time_zone' })]);
  });

  it('rejects an invalid cron, and six fields (seconds)', () => {
    expect(validate('trigger.schedule', { cron: '61 9 * * *', timezone: 'UTC' })).toEqual([expect.objectContaining({ field: '/cron', code: 'invalid_cron' })]);
    expect(validate('trigger.schedule', { cron: '0 0 9 1 * *', timezone: 'UTC' })).toEqual([expect.objectContaining({ field: '/cron', code: 'invalid_cron' })]);
  });

  it('reports a bad cron and a bad time zone together', () => {
    expect(codes(validate('trigger.schedule', { cron: 'every day at 9', timezone: 'Nowhere/Land' })).sort()).toEqual(['invalid_cron', 'unknown_time_zone']);
  });

  it('fires its start handle', () => {
    expect(outputs(evaluate('trigger.schedule', { cron: '0 9 1 * *', timezone: 'UTC' }))).toEqual({ start: 'fired' });
  });

  describe('nextOccurrences across daylight-saving changes (daily 02:30 America/New_York)', () => {
    const zone = 'America/New_York';
    const localDate = (instant: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
    const localTime = (instant: Date) => new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(instant);

    function occurrencesAround(day: string) {
      const occurrences = nextOccurrences('30 2 * * *', zone, new Date(`${day}T00:00:00Z`), 8);
      // Strictly increasing, at least 20 h apart: never twice in one day.
      for (let index = 1; index < occurrences.length; index += 1) expect(occurrences[index]!.getTime() - occurrences[index - 1]!.getTime()).toBeGreaterThanOrEqual(20 * 3_600_000);
      return occurrences;
    }

    it('runs exactly once on the spring-forward day 2026-03-08 (02:30 does not exist: 03:30 EDT)', () => {
      const occurrences = occurrencesAround('2026-03-05');
      const onTheDay = occurrences.filter((instant) => localDate(instant) === '2026-03-08');
      expect(onTheDay).toHaveLength(1);
      expect(localTime(onTheDay[0]!)).toBe('03:30');
      expect(onTheDay[0]!.toISOString()).toBe('2026-03-08T07:30:00.000Z');
      expect(occurrences.map(localDate)).toEqual(['2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12']);
      expect(occurrences.filter((instant) => localDate(instant) !== '2026-03-08').every((instant) => localTime(instant) === '02:30')).toBe(true);
    });

    it('runs exactly once on the fall-back day 2026-11-01', () => {
      const occurrences = occurrencesAround('2026-10-29');
      const onTheDay = occurrences.filter((instant) => localDate(instant) === '2026-11-01');
      expect(onTheDay).toHaveLength(1);
      expect(onTheDay[0]!.toISOString()).toBe('2026-11-01T07:30:00.000Z'); // 02:30 EST
      expect(occurrences.every((instant) => localTime(instant) === '02:30')).toBe(true);
      expect(new Set(occurrences.map(localDate)).size).toBe(occurrences.length);
    });

    it('offers the shifted 03:30 EDT occurrence also when asked from inside the skipped hour', () => {
      // The same schedule, asked at 03:00 or 03:29 EDT on 2026-03-08 (after the jump, before the
      // shifted occurrence), must still offer that day's 03:30 EDT run; else a scheduler that
      // restarts then (or asks "next after now") silently skips the day.
      for (const from of ['2026-03-08T07:00:00Z', '2026-03-08T07:29:00Z']) {
        expect(nextOccurrences('30 2 * * *', zone, new Date(from), 1)[0]!.toISOString(), `from ${from}`).toBe('2026-03-08T07:30:00.000Z');
      }
    });

    it('runs a 01:30 schedule once on the fall-back day, although 01:30 happens twice', () => {
      const occurrences = nextOccurrences('30 1 * * *', zone, new Date('2026-10-31T12:00:00Z'), 3);
      expect(occurrences.map((instant) => instant.toISOString())).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z', '2026-11-03T06:30:00.000Z']);
      // Asked from between the two 01:30s, the repeated one is not offered again.
      expect(nextOccurrences('30 1 * * *', zone, new Date('2026-11-01T05:45:00Z'), 1)[0]!.toISOString()).toBe('2026-11-02T06:30:00.000Z');
    });
  });
});

describe('trigger.event', () => {
  it('needs a threshold and an account for balance events', () => {
    expect(codes(validate('trigger.event', { event: 'balance.below' }))).toEqual(['required', 'required']);
    expect(validate('trigger.event', { event: 'balance.below', accountId: A.checking.id, threshold: '500.00' })).toEqual([]);
    expect(validate('trigger.event', { event: 'transaction.posted' })).toEqual([]);
  });

  it('reports an invalid filter', () => {
    expect(validate('trigger.event', { event: 'transaction.posted', filter: { nope: [] } })).toEqual([expect.objectContaining({ field: '/filter', code: 'invalid_logic' })]);
  });
});

describe('trigger.manual and note', () => {
  it('manual fires; a note does nothing', () => {
    expect(outputs(evaluate('trigger.manual', {}))).toEqual({ start: 'fired' });
    expect(evaluate('note', { text: 'remember' }).outputs.size).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------

function node(id: string, type: string, data: Record<string, unknown>): FlowNode {
  return { id, type, data, position: { x: 0, y: 0 } };
}

function edge(source: string, sourceHandle: string, target: string, targetHandle: string) {
  return { id: `${source}.${sourceHandle}->${target}`, source, sourceHandle, target, targetHandle };
}
