import { formatMinor } from '../money/index.js';
import type { FlowGraph, FlowSettings } from './graph.js';
import type { AccountSnapshot, EvaluateResult, MoneyValue, PlanContext, PlannedEffect } from './node-type.js';
import { nodeTypes } from './registry.js';
import { withInferredSource, type ValidatedFlow } from './validate.js';
import { settingMinor } from './nodes/money-fields.js';

export interface NodeTrace {
  nodeId: string;
  type: string;
  status: 'ran' | 'skipped' | 'error';
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  decision?: string;
  warnings: string[];
}

export interface BalanceChange {
  accountId: string;
  name: string;
  beforeMinor: bigint;
  afterMinor: bigint;
}

/** What a run would do. Pure data; amounts in minor units. */
export interface Plan {
  currency: string;
  date: string;
  effects: PlannedEffect[];
  /** Amount carried by each edge. */
  edges: { edgeId: string; amountMinor: bigint }[];
  trace: NodeTrace[];
  balances: BalanceChange[];
  movedMinor: bigint;
  /** Nodes whose evaluation threw on this data (e.g. a json-logic rule that breaks on a live amount). */
  nodeErrors: { nodeId: string; message: string }[];
  /** Reasons the plan cannot be committed (insufficient funds, cap exceeded, node errors). */
  blockers: string[];
  needsApproval: boolean;
}

const zero: MoneyValue = { amountMinor: 0n, accountId: null };

/**
 * Plans a validated flow: evaluates nodes in topological order over a balance snapshot and
 * returns the effects, the amount on every edge and a per-node trace. Pure and deterministic:
 * the same (flow version, context) always gives the same plan; nothing is read or written.
 */
export function planFlow(graph: FlowGraph, settings: FlowSettings, validated: ValidatedFlow, context: PlanContext): Plan {
  if (validated.problems.length > 0) throw new Error('planFlow needs a valid flow; validate it first');
  const nodesById = new Map(graph.nodes.map((node) => [node.id, node]));
  const incomingEdges = edgesByTarget(graph);
  // Only balances a transfer changed are kept here; the rest are read from the snapshot.
  const balances = new Map<string, bigint>();
  const handleValues = new Map<string, MoneyValue | 'fired'>();
  const edgeAmounts: Plan['edges'] = [];
  const effects: PlannedEffect[] = [];
  const trace: NodeTrace[] = [];
  const nodeErrors: Plan['nodeErrors'] = [];
  const balanceOf = (accountId: string) => balances.get(accountId) ?? context.accounts.get(accountId)?.balanceMinor ?? 0n;

  for (const nodeId of validated.order) {
    const node = nodesById.get(nodeId)!;
    const nodeType = nodeTypes.get(node.type)!;
    const incoming = incomingEdges.get(nodeId) ?? noEdges;
    const money = new Map<string, MoneyValue>();
    let fired = false;
    for (const edge of incoming) {
      const value = handleValues.get(`${edge.source}:${edge.sourceHandle}`);
      if (value === 'fired') fired = true;
      else if (value) money.set(edge.targetHandle, addMoney(money.get(edge.targetHandle), value));
    }
    const isTrigger = nodeType.category === 'trigger';
    const reached = isTrigger || fired || [...money.values()].some((value) => value.amountMinor > 0n);
    if (!reached || node.type === 'note') {
      trace.push({ nodeId, type: node.type, status: 'skipped', inputs: {}, outputs: {}, decision: node.type === 'note' ? undefined : 'nothing reached this node', warnings: [] });
      continue;
    }
    let result: EvaluateResult;
    try {
      result = nodeType.evaluate({ nodeId, data: withInferredSource(node, validated.moneyLocation), money, context, balanceOf });
    } catch (error) {
      // A rule that only breaks on real data (json-logic on a live amount): the plan cannot be
      // trusted, so it is blocked, and the trace says where.
      const message = `${nodeType.label} "${nodeId}" could not be evaluated: ${(error as Error).message}`;
      nodeErrors.push({ nodeId, message });
      trace.push({ nodeId, type: node.type, status: 'error', inputs: {}, outputs: {}, decision: message, warnings: [] });
      continue;
    }
    for (const [handle, value] of result.outputs) handleValues.set(`${nodeId}:${handle}`, value);
    for (const effect of result.effects ?? []) {
      effects.push(effect);
      if (effect.type === 'transfer') {
        balances.set(effect.fromAccountId, balanceOf(effect.fromAccountId) - effect.amountMinor);
        balances.set(effect.toAccountId, balanceOf(effect.toAccountId) + effect.amountMinor);
      }
    }
    trace.push({
      nodeId,
      type: node.type,
      status: 'ran',
      inputs: Object.fromEntries([...money].map(([handle, value]) => [handle, formatMinor(value.amountMinor, context.currency)])),
      outputs: Object.fromEntries([...result.outputs].map(([handle, value]) => [handle, value === 'fired' ? 'fired' : formatMinor(value.amountMinor, context.currency)])),
      ...(result.decision ? { decision: result.decision } : {}),
      warnings: result.warnings ?? [],
    });
  }
  for (const edge of graph.edges) {
    const value = handleValues.get(`${edge.source}:${edge.sourceHandle}`);
    if (value !== 'fired') edgeAmounts.push({ edgeId: edge.id, amountMinor: (value ?? zero).amountMinor });
  }
  const balanceChanges = changedBalances(context.accounts, balances);
  const movedMinor = effects.reduce((total, effect) => (effect.type === 'transfer' ? total + effect.amountMinor : total), 0n);
  return {
    currency: context.currency,
    date: context.date,
    effects,
    edges: edgeAmounts,
    trace,
    balances: balanceChanges,
    movedMinor,
    nodeErrors,
    blockers: [...nodeErrors.map((error) => error.message), ...fundsBlockers(context.accounts, balanceChanges, context.currency), ...capBlockers(settings, movedMinor, context.currency)],
    needsApproval: effects.some((effect) => effect.type === 'approval'),
  };
}

const noEdges: FlowGraph['edges'] = [];

function edgesByTarget(graph: FlowGraph): Map<string, FlowGraph['edges']> {
  const byTarget = new Map<string, FlowGraph['edges']>();
  for (const edge of graph.edges) {
    const list = byTarget.get(edge.target);
    if (list) list.push(edge);
    else byTarget.set(edge.target, [edge]);
  }
  return byTarget;
}

function addMoney(current: MoneyValue | undefined, value: MoneyValue): MoneyValue {
  if (!current) return value;
  return { amountMinor: current.amountMinor + value.amountMinor, accountId: current.accountId === value.accountId ? current.accountId : null };
}

function changedBalances(accounts: ReadonlyMap<string, AccountSnapshot>, after: Map<string, bigint>): BalanceChange[] {
  return [...after]
    .filter(([accountId, balance]) => balance !== (accounts.get(accountId)?.balanceMinor ?? 0n))
    .map(([accountId, balance]) => ({ accountId, name: accounts.get(accountId)?.name ?? accountId, beforeMinor: accounts.get(accountId)?.balanceMinor ?? 0n, afterMinor: balance }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A cash account that does not allow overdraft cannot end the run below zero because of it. */
function fundsBlockers(accounts: ReadonlyMap<string, AccountSnapshot>, changes: BalanceChange[], currency: string): string[] {
  return changes.flatMap((change) => {
    const account = accounts.get(change.accountId);
    if (!account || account.type !== 'asset' || account.allowOverdraft) return [];
    if (change.afterMinor >= 0n || change.afterMinor >= change.beforeMinor) return [];
    const takenMinor = change.beforeMinor - change.afterMinor;
    const available = change.beforeMinor > 0n ? change.beforeMinor : 0n;
    return [`Insufficient funds in ${account.name}: the run takes ${formatMinor(takenMinor, currency)} but only ${formatMinor(available, currency)} is there`];
  });
}

function capBlockers(settings: FlowSettings, movedMinor: bigint, currency: string): string[] {
  if (!settings.maxPerRun) return [];
  const capMinor = settingMinor(settings.maxPerRun, currency);
  return movedMinor > capMinor ? [`The run would move ${formatMinor(movedMinor, currency)}, over this flow's limit of ${formatMinor(capMinor, currency)} per run`] : [];
}

/** JSON form of a plan: money as decimal strings. */
export function serialisePlan(plan: Plan) {
  const money = (minor: bigint) => formatMinor(minor, plan.currency);
  return {
    currency: plan.currency,
    date: plan.date,
    effects: plan.effects.map((effect) => ('amountMinor' in effect ? { ...withoutMinor(effect), amount: money(effect.amountMinor) } : effect)),
    edges: plan.edges.map((edge) => ({ edgeId: edge.edgeId, amount: money(edge.amountMinor) })),
    trace: plan.trace,
    balances: plan.balances.map((change) => ({ accountId: change.accountId, name: change.name, before: money(change.beforeMinor), after: money(change.afterMinor) })),
    moved: money(plan.movedMinor),
    blockers: plan.blockers,
    nodeErrors: plan.nodeErrors,
    needsApproval: plan.needsApproval,
  };
}

function withoutMinor<T extends { amountMinor: bigint }>(effect: T): Omit<T, 'amountMinor'> {
  const { amountMinor: _ignored, ...rest } = effect;
  return rest;
}

export type SerialisedPlan = ReturnType<typeof serialisePlan>;
