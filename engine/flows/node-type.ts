import type { FieldProblem } from '../errors.js';
import type { AccountType, EntityKind, TransferKind } from '../ledger/types.js';

/** What travels on an edge: a start signal from a trigger, or an amount of money. */
export type HandleKind = 'control' | 'money';

export interface HandleSpec {
  id: string;
  kind: HandleKind;
  label: string;
}

/** What the planner knows about an account: a snapshot, never a live row. */
export interface AccountSnapshot {
  id: string;
  entityId: string;
  entityKind: EntityKind;
  code: string;
  name: string;
  type: AccountType;
  subtype: string;
  currency: string;
  allowOverdraft: boolean;
  /** Debit-positive balance at the snapshot, minor units. */
  balanceMinor: bigint;
}

/** Money on an edge: an amount, and the account it sits in when known. */
export interface MoneyValue {
  amountMinor: bigint;
  accountId: string | null;
}

/** Data of the occurrence that started the run. */
export interface TriggerData {
  type: 'manual' | 'schedule' | 'event';
  /** When the occurrence happened (schedule: the scheduled time), ISO-8601 UTC. */
  occurredAt: string;
  /** event: the posting that fired it. */
  transaction?: {
    journalId?: string;
    accountId: string;
    amountMinor: bigint;
    payee?: string | null;
    memo?: string | null;
    categoryId?: string | null;
  };
  [key: string]: unknown;
}

/** Everything a plan may depend on. Planning is a pure function of this and the flow version. */
export interface PlanContext {
  currency: string;
  /** The run's book date (YYYY-MM-DD) in the flow's time zone. */
  date: string;
  trigger: TriggerData;
  accounts: ReadonlyMap<string, AccountSnapshot>;
}

/** Intended effects; the runner turns them into journals, transfers and records. */
export type PlannedEffect =
  | {
      type: 'transfer';
      nodeId: string;
      fromAccountId: string;
      toAccountId: string;
      amountMinor: bigint;
      memo: string;
      payee?: string;
      /** Present exactly when the two accounts belong to different entities. */
      kind?: TransferKind;
      purpose?: string;
      documentRef?: string;
    }
  | { type: 'assign_envelope'; nodeId: string; categoryId: string; amountMinor: bigint; month: string }
  | { type: 'alert'; nodeId: string; level: 'info' | 'warning' | 'critical'; message: string }
  | { type: 'approval'; nodeId: string; note: string; amountMinor: bigint };

export interface EvaluateInput<Data> {
  nodeId: string;
  data: Data;
  /** Sum of money arriving per input handle (only money handles appear). */
  money: ReadonlyMap<string, MoneyValue>;
  context: PlanContext;
  /** Balances as they stand at this point of the plan (after earlier transfers). */
  balanceOf(accountId: string): bigint;
}

export interface EvaluateResult {
  /** Money per output handle; a control handle is present when it fires. */
  outputs: Map<string, MoneyValue | 'fired'>;
  effects?: PlannedEffect[];
  /** A short human statement of what the node decided ("true: 1,500.00 ≥ 1,000.00"). */
  decision?: string;
  warnings?: string[];
}

export interface AccountField {
  /** Key of `data` that holds an account id. */
  field: string;
  label: string;
  required: boolean;
  /** Account types a picker should offer and validation accepts. */
  types: readonly AccountType[];
}

export interface ValidationContext {
  accounts: ReadonlyMap<string, AccountSnapshot>;
  currency: string;
}

/**
 * One node type: a description (schema, handles, account fields) the editor renders from,
 * and a pure evaluation the planner calls. Adding a node type = one file + its registration.
 */
export interface NodeType<Data = any> {
  type: string;
  category: 'trigger' | 'source' | 'logic' | 'action' | 'annotation';
  label: string;
  description: string;
  /** JSON Schema of `data`, checked by ajv. */
  schema: Record<string, unknown>;
  inputs(data: Data): HandleSpec[];
  outputs(data: Data): HandleSpec[];
  accountFields?: readonly AccountField[];
  /** Checks beyond the schema (accounts, logic, amounts). Fields are relative to the node. */
  validate?(data: Data, context: ValidationContext): FieldProblem[];
  evaluate(input: EvaluateInput<Data>): EvaluateResult;
}

export const controlIn: HandleSpec = { id: 'start', kind: 'control', label: 'Start' };
export const moneyIn: HandleSpec = { id: 'in', kind: 'money', label: 'Amount' };
export const moneyOut: HandleSpec = { id: 'out', kind: 'money', label: 'Amount' };
