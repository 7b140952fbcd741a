import type { FieldProblem } from '../../errors.js';
import { directionFor } from '../../ledger/inter-entity-rules.js';
import { transferKinds, type TransferKind } from '../../ledger/types.js';
import { moneyIn, moneyOut, type AccountSnapshot, type EvaluateInput, type EvaluateResult, type NodeType, type ValidationContext } from '../node-type.js';
import { incoming } from './logic.js';
import { display } from './money-fields.js';

export interface TransferData {
  /** Omitted: the account the incoming money sits in (e.g. the balance source's account). */
  fromAccountId?: string;
  toAccountId: string;
  memo?: string;
  /** Required when the two accounts belong to different entities. */
  kind?: TransferKind;
  purpose?: string;
  documentRef?: string;
}

const uuidField = { type: 'string', format: 'uuid' } as const;
const memoField = { type: 'string', maxLength: 200 } as const;

/** Where the money leaves from: the node's setting, else where the incoming money sits. */
function sourceAccount(input: EvaluateInput<{ fromAccountId?: string }>): string | null {
  return input.data.fromAccountId ?? incoming(input).accountId;
}

/** The shared core of every node that moves money between two accounts. */
function moveMoney(input: EvaluateInput<TransferData>, memo: string, payee?: string): EvaluateResult {
  const money = incoming(input);
  const fromAccountId = sourceAccount(input);
  const { currency } = input.context;
  if (money.amountMinor <= 0n) {
    return { outputs: new Map([['out', { amountMinor: 0n, accountId: input.data.toAccountId }]]), decision: 'nothing to move' };
  }
  if (!fromAccountId) {
    // Validation requires a source for every reachable transfer; this is the last line of defence.
    throw new Error(`node ${input.nodeId} has no account to move money from`);
  }
  const from = input.context.accounts.get(fromAccountId);
  const to = input.context.accounts.get(input.data.toAccountId);
  const crossEntity = from !== undefined && to !== undefined && from.entityId !== to.entityId;
  return {
    outputs: new Map([['out', { amountMinor: money.amountMinor, accountId: input.data.toAccountId }]]),
    effects: [
      {
        type: 'transfer',
        nodeId: input.nodeId,
        fromAccountId,
        toAccountId: input.data.toAccountId,
        amountMinor: money.amountMinor,
        memo,
        ...(payee ? { payee } : {}),
        ...(crossEntity ? { kind: input.data.kind, purpose: input.data.purpose, documentRef: input.data.documentRef } : {}),
      },
    ],
    decision: `${display(money.amountMinor, currency)} from ${from?.name ?? fromAccountId} to ${to?.name ?? input.data.toAccountId}`,
  };
}

/** Checks shared by transfer-like nodes: currency, and inter-entity documentation. */
function movementProblems(data: TransferData, context: ValidationContext, rule: (from: AccountSnapshot | undefined, to: AccountSnapshot) => FieldProblem[]): FieldProblem[] {
  const to = context.accounts.get(data.toAccountId);
  const from = data.fromAccountId ? context.accounts.get(data.fromAccountId) : undefined;
  if (!to) return [];
  const problems = rule(from, to);
  if (from && from.id === to.id) problems.push({ field: '/toAccountId', message: 'money cannot move to the account it comes from', code: 'same_account' });
  return problems;
}

function interEntityProblems(data: TransferData, from: AccountSnapshot | undefined, to: AccountSnapshot): FieldProblem[] {
  if (!from) return []; // where the money comes from is reported on its own
  if (from.entityId === to.entityId) {
    return data.kind ? [{ field: '/kind', message: 'a kind is only for transfers between entities', code: 'kind_not_applicable' }] : [];
  }
  const problems: FieldProblem[] = [];
  if (!data.kind) problems.push({ field: '/kind', message: `${from.name} and ${to.name} belong to different entities: choose the kind of inter-entity transfer (owner draw, contribution, loan...)`, code: 'inter_entity_kind_required' });
  if (!data.purpose || data.purpose.trim().length < 3) problems.push({ field: '/purpose', message: 'a transfer between entities needs a purpose for the audit trail', code: 'inter_entity_purpose_required' });
  if (data.kind) {
    try {
      directionFor(data.kind, from.entityKind, to.entityKind, from as never, to as never);
    } catch (error) {
      const rule = error as { problems?: FieldProblem[]; message: string };
      problems.push(...(rule.problems ?? [{ field: '/kind', message: rule.message }]));
    }
  }
  return problems;
}

export const transferNode: NodeType<TransferData> = {
  type: 'transfer',
  category: 'action',
  label: 'Transfer',
  description: 'Moves the amount from one account to another. Between entities it becomes a documented inter-entity transfer.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['toAccountId'],
    properties: {
      fromAccountId: uuidField,
      toAccountId: uuidField,
      memo: memoField,
      kind: { type: 'string', enum: [...transferKinds] },
      purpose: { type: 'string', maxLength: 500 },
      documentRef: { type: 'string', maxLength: 500 },
    },
  },
  accountFields: [
    { field: 'fromAccountId', label: 'From', required: false, types: ['asset', 'liability'] },
    { field: 'toAccountId', label: 'To', required: true, types: ['asset', 'liability'] },
  ],
  inputs: () => [moneyIn],
  outputs: () => [moneyOut],
  validate: (data, context) => movementProblems(data, context, (from, to) => interEntityProblems(data, from, to)),
  evaluate: (input) => moveMoney(input, input.data.memo ?? 'Transfer'),
};

export interface PayBillData {
  fromAccountId?: string;
  toAccountId: string;
  payee: string;
  memo?: string;
}

export const payBillNode: NodeType<PayBillData> = {
  type: 'pay_bill',
  category: 'action',
  label: 'Pay bill',
  description: 'Pays a bill from a cash account: to an expense category, or down a credit card or loan.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['toAccountId', 'payee'],
    properties: { fromAccountId: uuidField, toAccountId: uuidField, payee: { type: 'string', minLength: 1, maxLength: 200 }, memo: memoField },
  },
  accountFields: [
    { field: 'fromAccountId', label: 'Pay from', required: false, types: ['asset'] },
    { field: 'toAccountId', label: 'Bill (expense, card or loan)', required: true, types: ['expense', 'liability'] },
  ],
  inputs: () => [moneyIn],
  outputs: () => [moneyOut],
  validate: (data, context) =>
    movementProblems(data, context, (from, to) => {
      const problems: FieldProblem[] = [];
      if (!['expense', 'liability'].includes(to.type)) problems.push({ field: '/toAccountId', message: `${to.name} is not a bill: choose an expense category, a card or a loan`, code: 'not_a_bill' });
      if (from && from.entityId !== to.entityId) problems.push({ field: '/toAccountId', message: 'pay a bill from the entity that owes it (use an expense_paid_for transfer otherwise)', code: 'cross_entity_bill' });
      return problems;
    }),
  evaluate: (input) => moveMoney(input as EvaluateInput<TransferData>, input.data.memo ?? `Bill: ${input.data.payee}`, input.data.payee),
};

export interface InvestData {
  fromAccountId?: string;
  toAccountId: string;
  memo?: string;
}

export const investNode: NodeType<InvestData> = {
  type: 'invest',
  category: 'action',
  label: 'Invest',
  description: 'Moves the amount into a brokerage or retirement account of the same entity.',
  schema: { type: 'object', additionalProperties: false, required: ['toAccountId'], properties: { fromAccountId: uuidField, toAccountId: uuidField, memo: memoField } },
  accountFields: [
    { field: 'fromAccountId', label: 'From', required: false, types: ['asset'] },
    { field: 'toAccountId', label: 'Investment account', required: true, types: ['asset'] },
  ],
  inputs: () => [moneyIn],
  outputs: () => [moneyOut],
  validate: (data, context) =>
    movementProblems(data, context, (from, to) => {
      const problems: FieldProblem[] = [];
      if (!['brokerage', 'retirement'].includes(to.subtype)) problems.push({ field: '/toAccountId', message: `${to.name} is not a brokerage or retirement account`, code: 'not_an_investment_account' });
      if (from && from.entityId !== to.entityId) problems.push({ field: '/toAccountId', message: 'invest within one entity; move money between entities with a transfer first', code: 'cross_entity_investment' });
      return problems;
    }),
  evaluate: (input) => moveMoney(input as EvaluateInput<TransferData>, input.data.memo ?? 'Investment contribution'),
};

export interface AssignEnvelopeData {
  categoryId: string;
}

export const assignEnvelopeNode: NodeType<AssignEnvelopeData> = {
  type: 'assign_envelope',
  category: 'action',
  label: 'Assign to envelope',
  description: "Assigns the amount to a budget category for the run's month (no money moves).",
  schema: { type: 'object', additionalProperties: false, required: ['categoryId'], properties: { categoryId: uuidField } },
  accountFields: [{ field: 'categoryId', label: 'Category', required: true, types: ['expense'] }],
  inputs: () => [moneyIn],
  outputs: () => [],
  evaluate(input) {
    const money = incoming(input);
    const month = input.context.date.slice(0, 7);
    if (money.amountMinor <= 0n) return { outputs: new Map(), decision: 'nothing to assign' };
    return {
      outputs: new Map(),
      effects: [{ type: 'assign_envelope', nodeId: input.nodeId, categoryId: input.data.categoryId, amountMinor: money.amountMinor, month }],
      decision: `assign ${display(money.amountMinor, input.context.currency)} for ${month}`,
    };
  },
};

export interface AlertData {
  message: string;
  level?: 'info' | 'warning' | 'critical';
}

export const alertNode: NodeType<AlertData> = {
  type: 'alert',
  category: 'action',
  label: 'Alert',
  description: 'Raises an in-app alert when money reaches it ({amount} is replaced by the amount).',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['message'],
    properties: { message: { type: 'string', minLength: 1, maxLength: 500 }, level: { type: 'string', enum: ['info', 'warning', 'critical'] } },
  },
  inputs: () => [moneyIn],
  outputs: () => [moneyOut],
  evaluate(input) {
    const money = incoming(input);
    const reached = money.amountMinor > 0n;
    const message = input.data.message.replaceAll('{amount}', display(money.amountMinor, input.context.currency));
    return {
      outputs: new Map([['out', money]]),
      effects: reached ? [{ type: 'alert', nodeId: input.nodeId, level: input.data.level ?? 'info', message }] : [],
      decision: reached ? `alert: ${message}` : 'not reached',
    };
  },
};

export interface ApprovalData {
  note?: string;
}

export const approvalNode: NodeType<ApprovalData> = {
  type: 'approval',
  category: 'action',
  label: 'Approval',
  description: 'Pauses the run until you approve it; on approval the plan is recomputed and shown again if it changed.',
  schema: { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: 500 } } },
  inputs: () => [moneyIn],
  outputs: () => [moneyOut],
  evaluate(input) {
    const money = incoming(input);
    const reached = money.amountMinor > 0n;
    return {
      outputs: new Map([['out', money]]),
      effects: reached ? [{ type: 'approval', nodeId: input.nodeId, note: input.data.note ?? 'Approve this run', amountMinor: money.amountMinor }] : [],
      decision: reached ? `needs approval for ${display(money.amountMinor, input.context.currency)}` : 'not reached',
    };
  },
};

export interface NoteData {
  text: string;
}

export const noteNode: NodeType<NoteData> = {
  type: 'note',
  category: 'annotation',
  label: 'Note',
  description: 'A comment on the canvas; it does nothing.',
  schema: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string', maxLength: 2000 } } },
  inputs: () => [],
  outputs: () => [],
  evaluate: () => ({ outputs: new Map() }),
};
