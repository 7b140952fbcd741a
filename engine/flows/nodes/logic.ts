import jsonLogic from 'json-logic-js';
import { allocateByBasisPoints, allocateByRatios, majorUnitsForRules, type CurrencyCode } from '../../money/index.js';
import { moneyIn, moneyOut, type EvaluateInput, type HandleSpec, type MoneyValue, type NodeType } from '../node-type.js';
import { display, moneySetting, moneySettingProblems, settingMinor } from './money-fields.js';
import { logicProblems } from './triggers.js';

const incoming = (input: EvaluateInput<unknown>): MoneyValue => input.money.get('in') ?? { amountMinor: 0n, accountId: null };


/** The variables a condition can read. Amounts are major units (numbers) for readable rules. */
export function conditionVariables(input: EvaluateInput<unknown>): Record<string, unknown> {
  const money = incoming(input);
  // Rules are written in the flow currency's major units: ¥1,500 is 1500, KWD 1.500 is 1.5.
  const major = (amountMinor: bigint) => majorUnitsForRules(amountMinor, input.context.currency);
  const [year, month, day] = input.context.date.split('-').map(Number) as [number, number, number];
  // Read on demand: a rule names one or two accounts, the household may have hundreds.
  const balances = new Proxy({} as Record<string, number>, {
    get: (_target, key) => (typeof key === 'string' && input.context.accounts.has(key) ? major(input.balanceOf(key)) : undefined),
    has: (_target, key) => typeof key === 'string' && input.context.accounts.has(key),
    ownKeys: () => [...input.context.accounts.keys()],
    getOwnPropertyDescriptor: (_target, key) =>
      typeof key === 'string' && input.context.accounts.has(key) ? { enumerable: true, configurable: true, writable: false, value: major(input.balanceOf(key)) } : undefined,
  });
  const transaction = input.context.trigger.transaction;
  return {
    amount: major(money.amountMinor),
    amountMinor: Number(money.amountMinor),
    balances,
    date: { iso: input.context.date, year, month, day, weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() },
    trigger: {
      type: input.context.trigger.type,
      occurredAt: input.context.trigger.occurredAt,
      ...(transaction ? { transaction: { ...transaction, amount: major(transaction.amountMinor), amountMinor: Number(transaction.amountMinor) } } : {}),
    },
  };
}

export interface ConditionData {
  logic: unknown;
  label?: string;
}

export const conditionNode: NodeType<ConditionData> = {
  type: 'condition',
  category: 'logic',
  label: 'Condition',
  description: 'Sends the amount down "true" or "false" by a json-logic rule over amount, balances, date and trigger.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['logic'],
    properties: { logic: { description: 'json-logic rule, e.g. {">=": [{"var": "amount"}, 1000]}' }, label: { type: 'string', maxLength: 120 } },
  },
  inputs: () => [moneyIn],
  outputs: () => [
    { id: 'true', kind: 'money', label: 'True' },
    { id: 'false', kind: 'money', label: 'False' },
  ],
  validate: (data) =>
    logicProblems(data.logic, '/logic', { amount: 0, amountMinor: 0, balances: {}, date: { iso: '2026-01-01', year: 2026, month: 1, day: 1, weekday: 4 }, trigger: { type: 'manual' } }),
  evaluate(input) {
    const money = incoming(input);
    const result = Boolean(jsonLogic.apply(input.data.logic as jsonLogic.RulesLogic, conditionVariables(input)));
    const zero = { amountMinor: 0n, accountId: money.accountId };
    return {
      outputs: new Map([
        ['true', result ? money : zero],
        ['false', result ? zero : money],
      ]),
      decision: `${result ? 'true' : 'false'} for ${display(money.amountMinor, input.context.currency)}`,
    };
  },
};

export interface AllocateOutput {
  mode: 'fixed' | 'percent' | 'remainder';
  /** fixed: a money string; percent: "30" or "12.5" (basis-point precision); remainder: omitted. */
  value?: string;
  label?: string;
}

export interface AllocateData {
  outputs: AllocateOutput[];
}

const percentPattern = /^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$/;

/** "12.5" percent -> 1250 basis points, exactly (no floats). */
export function percentToBasisPoints(percent: string): number {
  const [whole, fraction = ''] = percent.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/**
 * Fixed amounts first (in order, as far as the money goes), then percentages *of the input*,
 * then the remainder. Percentages are allocated in basis points so cents are exact; when fixed
 * amounts leave less than the percentages ask for, what is left is shared in their proportions.
 * The parts never exceed the input and, with a remainder output, sum to it exactly.
 */
export function allocate(inputMinor: bigint, outputs: readonly AllocateOutput[], currency: string): { parts: bigint[]; scaledDown: boolean } {
  const parts = outputs.map(() => 0n);
  let leftMinor = inputMinor;
  outputs.forEach((output, index) => {
    if (output.mode !== 'fixed') return;
    const wanted = settingMinor(output.value, currency);
    parts[index] = wanted < leftMinor ? wanted : leftMinor;
    leftMinor -= parts[index]!;
  });
  const percentIndexes = outputs.flatMap((output, index) => (output.mode === 'percent' ? [index] : []));
  let scaledDown = false;
  if (percentIndexes.length > 0) {
    const basisPoints = percentIndexes.map((index) => percentToBasisPoints(outputs[index]!.value ?? '0'));
    const asked = allocateByBasisPoints({ amountMinor: inputMinor, currency: currency as CurrencyCode }, basisPoints).slice(0, basisPoints.length);
    const askedMinor = asked.reduce((total, share) => total + share.amountMinor, 0n);
    scaledDown = askedMinor > leftMinor;
    const shares = !scaledDown
      ? asked
      : basisPoints.some((points) => points > 0)
        ? allocateByRatios({ amountMinor: leftMinor, currency: currency as CurrencyCode }, basisPoints)
        : asked;
    percentIndexes.forEach((index, position) => {
      parts[index] = shares[position]!.amountMinor;
      leftMinor -= parts[index]!;
    });
  }
  const remainderIndex = outputs.findIndex((output) => output.mode === 'remainder');
  if (remainderIndex >= 0) parts[remainderIndex] = leftMinor;
  return { parts, scaledDown };
}

export const allocateNode: NodeType<AllocateData> = {
  type: 'allocate',
  category: 'logic',
  label: 'Allocate',
  description: 'Splits an amount: fixed amounts first, then percentages, then the remainder. Cents are distributed exactly.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['outputs'],
    properties: {
      outputs: {
        type: 'array',
        minItems: 1,
        maxItems: 20,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['mode'],
          properties: {
            mode: { type: 'string', enum: ['fixed', 'percent', 'remainder'] },
            value: { type: 'string', maxLength: 24 },
            label: { type: 'string', maxLength: 60 },
          },
        },
      },
    },
  },
  inputs: () => [moneyIn],
  outputs: (data) => (data.outputs ?? []).map((output, index): HandleSpec => ({ id: `out-${index}`, kind: 'money', label: output.label ?? describeOutput(output) })),
  validate(data, context) {
    const problems = data.outputs.flatMap((output, index) => {
      const field = `/outputs/${index}/value`;
      if (output.mode === 'remainder') return output.value === undefined ? [] : [{ field, message: 'a remainder output takes no value', code: 'unexpected_value' }];
      if (output.value === undefined) return [{ field, message: `a ${output.mode} output needs a value`, code: 'required' }];
      if (output.mode === 'percent') return percentPattern.test(output.value) ? [] : [{ field, message: 'a percentage between 0 and 100 with at most 2 decimals, e.g. "30" or "12.5"', code: 'invalid_percent' }];
      return moneySettingProblems(output.value, context.currency, field);
    });
    if (problems.length > 0) return problems;
    const percentTotal = data.outputs.filter((output) => output.mode === 'percent').reduce((total, output) => total + percentToBasisPoints(output.value!), 0);
    if (percentTotal > 10_000) problems.push({ field: '/outputs', message: `percentages add up to ${percentTotal / 100}%, more than 100%`, code: 'over_allocated' });
    const remainders = data.outputs.filter((output) => output.mode === 'remainder').length;
    if (remainders > 1) problems.push({ field: '/outputs', message: 'at most one remainder output', code: 'several_remainders' });
    if (percentTotal === 10_000 && remainders === 1) problems.push({ field: '/outputs', message: 'percentages already take 100%: the remainder output would always be empty', code: 'empty_remainder' });
    return problems;
  },
  evaluate({ data, money, context }) {
    const input = money.get('in') ?? { amountMinor: 0n, accountId: null };
    const { parts, scaledDown } = allocate(input.amountMinor, data.outputs, context.currency);
    const outputs = new Map<string, MoneyValue>();
    parts.forEach((amountMinor, index) => outputs.set(`out-${index}`, { amountMinor, accountId: input.accountId }));
    const allocatedMinor = parts.reduce((total, part) => total + part, 0n);
    const warnings = allocatedMinor < input.amountMinor ? [`${display(input.amountMinor - allocatedMinor, context.currency)} stays unallocated (add a remainder output to route it)`] : [];
    if (scaledDown) warnings.push('fixed amounts left less than the percentages ask for; the rest was shared in their proportions');
    return { outputs, decision: parts.map((part) => display(part, context.currency)).join(' / '), warnings };
  },
};

function describeOutput(output: AllocateOutput): string {
  if (output.mode === 'remainder') return 'Remainder';
  return output.mode === 'percent' ? `${output.value}%` : `${output.value}`;
}

export interface CapData {
  max: string;
}

export const capNode: NodeType<CapData> = {
  type: 'cap',
  category: 'logic',
  label: 'Cap',
  description: 'Lets at most an amount through; anything above goes to "over".',
  schema: { type: 'object', additionalProperties: false, required: ['max'], properties: { max: moneySetting } },
  inputs: () => [moneyIn],
  outputs: () => [moneyOut, { id: 'over', kind: 'money', label: 'Over the cap' }],
  validate: (data, context) => moneySettingProblems(data.max, context.currency, '/max'),
  evaluate({ data, money, context }) {
    const input = money.get('in') ?? { amountMinor: 0n, accountId: null };
    const maxMinor = settingMinor(data.max, context.currency);
    const passedMinor = input.amountMinor < maxMinor ? input.amountMinor : maxMinor;
    return {
      outputs: new Map([
        ['out', { amountMinor: passedMinor, accountId: input.accountId }],
        ['over', { amountMinor: input.amountMinor - passedMinor, accountId: input.accountId }],
      ]),
      decision: `${display(passedMinor, context.currency)} through, ${display(input.amountMinor - passedMinor, context.currency)} over`,
    };
  },
};

export { incoming };
