import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FieldProblem } from '../errors.js';
import { isSupportedCurrency, MoneyError, parseMoney } from '../money/index.js';
import { flowGraphSchema, flowSettingsSchema, type FlowGraph, type FlowNode, type FlowSettings } from './graph.js';
import type { AccountSnapshot, HandleSpec, NodeType, ValidationContext } from './node-type.js';
import { nodeTypes } from './registry.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
const graphValidator = ajv.compile(flowGraphSchema);
const settingsValidator = ajv.compile(flowSettingsSchema);
const dataValidators = new Map<string, ValidateFunction>();

function dataValidator(nodeType: NodeType): ValidateFunction {
  let validate = dataValidators.get(nodeType.type);
  if (!validate) {
    validate = ajv.compile(nodeType.schema);
    dataValidators.set(nodeType.type, validate);
  }
  return validate;
}

/** A problem located in the flow: the node or edge it belongs to, and a JSON pointer into the graph. */
export interface FlowProblem extends FieldProblem {
  nodeId?: string;
  edgeId?: string;
}

function ajvProblems(validate: ValidateFunction, base: string, nodeId?: string): FlowProblem[] {
  return (validate.errors ?? []).map((error) => {
    const extra =
      error.keyword === 'required'
        ? `/${(error.params as { missingProperty: string }).missingProperty}`
        : error.keyword === 'additionalProperties'
          ? `/${(error.params as { additionalProperty: string }).additionalProperty}`
          : '';
    const message = error.keyword === 'required' ? 'is required' : error.keyword === 'additionalProperties' ? 'is not a setting of this node' : (error.message ?? 'is invalid');
    return { ...(nodeId ? { nodeId } : {}), field: `${base}${error.instancePath}${extra}`, message, code: error.keyword };
  });
}

export interface ValidatedFlow {
  problems: FlowProblem[];
  /** Topological order of node ids (empty when the graph has a cycle). */
  order: string[];
  /** For each node, the account the money arriving there sits in, when the graph tells. */
  moneyLocation: Map<string, string | null>;
}

interface Port {
  node: FlowNode;
  handle: HandleSpec;
}

/**
 * Every problem of a flow at once, each naming its node (or edge) and field: structure, node
 * settings, accounts, wiring, cycles, triggers and inter-entity documentation.
 */
export function validateFlow(graph: unknown, settings: unknown, accounts: ReadonlyMap<string, AccountSnapshot>): ValidatedFlow {
  const empty = { order: [], moneyLocation: new Map() };
  if (!graphValidator(graph)) return { problems: ajvProblems(graphValidator, ''), ...empty };
  const flow = graph as FlowGraph;
  const problems: FlowProblem[] = [];
  if (!settingsValidator(settings)) problems.push(...ajvProblems(settingsValidator, '/settings'));
  const currency = (settings as FlowSettings | undefined)?.currency ?? 'USD';
  if (!isSupportedCurrency(currency)) problems.push({ field: '/settings/currency', message: `unsupported currency ${currency}`, code: 'unsupported_currency' });
  else if ((settings as FlowSettings | undefined)?.maxPerRun) {
    try {
      parseMoney((settings as FlowSettings).maxPerRun!, currency);
    } catch (error) {
      if (error instanceof MoneyError) problems.push({ field: '/settings/maxPerRun', message: error.message, code: error.code });
    }
  }
  const context: ValidationContext = { accounts, currency };
  const nodesById = new Map<string, FlowNode>();
  flow.nodes.forEach((node, index) => {
    if (nodesById.has(node.id)) problems.push({ nodeId: node.id, field: `/nodes/${index}/id`, message: `another node already has the id "${node.id}"`, code: 'duplicate_id' });
    nodesById.set(node.id, node);
  });
  const validData = new Set<string>();
  flow.nodes.forEach((node, index) => {
    const nodeType = nodeTypes.get(node.type);
    if (!nodeType) {
      problems.push({ nodeId: node.id, field: `/nodes/${index}/type`, message: `unknown node type "${node.type}"`, code: 'unknown_node_type' });
      return;
    }
    const validate = dataValidator(nodeType);
    if (!validate(node.data)) {
      problems.push(...ajvProblems(validate, `/nodes/${index}/data`, node.id));
      return;
    }
    validData.add(node.id);
    problems.push(...accountProblems(node, index, nodeType, context));
  });
  const triggers = flow.nodes.filter((node) => nodeTypes.get(node.type)?.category === 'trigger');
  if (triggers.length !== 1) {
    problems.push({ field: '/nodes', message: triggers.length === 0 ? 'add a trigger: a flow starts from exactly one' : `a flow has exactly one trigger; this one has ${triggers.length}`, code: 'trigger_count' });
  }
  const wiring = wiringProblems(flow, nodesById, validData);
  problems.push(...wiring.problems);
  const order = topologicalOrder(flow, nodesById);
  if (!order) {
    const onCycle = nodeOnCycle(flow, nodesById);
    problems.push({ field: '/edges', message: 'the flow has a cycle: money would go round forever', code: 'cycle', ...(onCycle ? { nodeId: onCycle } : {}) });
  }
  // With a cycle there is no order to follow money by; every other check still runs.
  const moneyLocation = order ? locateMoney(flow, order, nodesById, validData) : new Map<string, string | null>();
  problems.push(...reachabilityProblems(flow, validData, wiring.connectedInputs));
  flow.nodes.forEach((node, index) => {
    if (!validData.has(node.id)) return;
    const nodeType = nodeTypes.get(node.type)!;
    const data = withInferredSource(node, moneyLocation);
    if (order && needsSource(node) && !data.fromAccountId && wiring.connectedInputs.has(`${node.id}:in`)) {
      problems.push({ nodeId: node.id, field: `/nodes/${index}/data/fromAccountId`, message: 'choose the account to pay from: the incoming money is not in a known account', code: 'source_account_unknown' });
    }
    for (const problem of nodeType.validate?.(data, context) ?? []) problems.push({ ...problem, nodeId: node.id, field: `/nodes/${index}/data${problem.field}` });
  });
  return { problems, order: order ?? [], moneyLocation };
}

const movesMoney = new Set(['transfer', 'pay_bill', 'invest']);
const needsSource = (node: FlowNode) => movesMoney.has(node.type);

/** Transfer-like nodes without a from-account take the account the money sits in. */
export function withInferredSource(node: FlowNode, moneyLocation: ReadonlyMap<string, string | null>): Record<string, any> {
  if (!needsSource(node) || node.data.fromAccountId) return node.data;
  const location = moneyLocation.get(node.id);
  return location ? { ...node.data, fromAccountId: location } : node.data;
}

function accountProblems(node: FlowNode, index: number, nodeType: NodeType, context: ValidationContext): FlowProblem[] {
  return (nodeType.accountFields ?? []).flatMap((accountField) => {
    const accountId = node.data[accountField.field];
    const field = `/nodes/${index}/data/${accountField.field}`;
    if (accountId === undefined) return [];
    const account = context.accounts.get(accountId as string);
    if (!account) return [{ nodeId: node.id, field, message: 'no such account in your household', code: 'unknown_account' }];
    if (!accountField.types.includes(account.type)) {
      return [{ nodeId: node.id, field, message: `${account.name} is a ${account.type} account; ${accountField.label.toLowerCase()} must be ${accountField.types.join(' or ')}`, code: 'wrong_account_type' }];
    }
    if (account.currency !== context.currency) return [{ nodeId: node.id, field, message: `${account.name} holds ${account.currency}; this flow works in ${context.currency}`, code: 'currency_mismatch' }];
    return [];
  });
}

function handlesOf(node: FlowNode, side: 'inputs' | 'outputs'): HandleSpec[] {
  const nodeType = nodeTypes.get(node.type);
  if (!nodeType) return [];
  try {
    return nodeType[side](node.data as never);
  } catch {
    return [];
  }
}

function wiringProblems(flow: FlowGraph, nodesById: Map<string, FlowNode>, validData: Set<string>) {
  const problems: FlowProblem[] = [];
  const connectedInputs = new Set<string>();
  const usedMoneyOutputs = new Map<string, string>();
  const edgeIds = new Set<string>();
  flow.edges.forEach((edge, index) => {
    const base = `/edges/${index}`;
    const nodeId = nodesById.has(edge.target) ? edge.target : nodesById.has(edge.source) ? edge.source : undefined;
    const fail = (field: string, message: string, code: string) => problems.push({ edgeId: edge.id, ...(nodeId ? { nodeId } : {}), field: `${base}/${field}`, message, code });
    if (edgeIds.has(edge.id)) fail('id', `another edge already has the id "${edge.id}"`, 'duplicate_id');
    edgeIds.add(edge.id);
    const source = nodesById.get(edge.source);
    const target = nodesById.get(edge.target);
    if (!source) return fail('source', `no node "${edge.source}"`, 'unknown_node');
    if (!target) return fail('target', `no node "${edge.target}"`, 'unknown_node');
    if (edge.source === edge.target) return fail('target', 'a node cannot feed itself', 'self_loop');
    if (!validData.has(source.id) || !validData.has(target.id)) return;
    const from: Port | undefined = handlesOf(source, 'outputs').filter((handle) => handle.id === edge.sourceHandle).map((handle) => ({ node: source, handle }))[0];
    const to: Port | undefined = handlesOf(target, 'inputs').filter((handle) => handle.id === edge.targetHandle).map((handle) => ({ node: target, handle }))[0];
    if (!from) return fail('sourceHandle', `${source.type} has no output "${edge.sourceHandle}"`, 'unknown_handle');
    if (!to) return fail('targetHandle', `${target.type} has no input "${edge.targetHandle}"`, 'unknown_handle');
    if (from.handle.kind !== to.handle.kind) {
      return fail('targetHandle', from.handle.kind === 'money' ? `money cannot go into ${target.type}'s ${to.handle.label} input (it takes a start signal)` : `a start signal cannot go into ${target.type}'s money input`, 'handle_kind_mismatch');
    }
    if (from.handle.kind === 'money') {
      const key = `${edge.source}:${edge.sourceHandle}`;
      const other = usedMoneyOutputs.get(key);
      // One output, one destination: otherwise the same dollars would be spent twice.
      if (other) return fail('sourceHandle', `this output already feeds edge "${other}"; use Allocate to split money`, 'money_output_reused');
      usedMoneyOutputs.set(key, edge.id);
    }
    connectedInputs.add(`${edge.target}:${edge.targetHandle}`);
  });
  return { problems, connectedInputs };
}

/** Kahn's algorithm with ids as tie-break: a deterministic order, or undefined on a cycle. */
export function topologicalOrder(flow: FlowGraph, nodesById: Map<string, FlowNode>): string[] | undefined {
  const order = kahnOrder(flow, nodesById);
  return order.length === nodesById.size ? order : undefined;
}

/** The nodes Kahn's algorithm can order, in order (all of them when there is no cycle). */
function kahnOrder(flow: FlowGraph, nodesById: Map<string, FlowNode>): string[] {
  const indegree = new Map<string, number>([...nodesById.keys()].map((id) => [id, 0]));
  const next = new Map<string, string[]>();
  for (const edge of flow.edges) {
    if (!nodesById.has(edge.source) || !nodesById.has(edge.target)) continue;
    indegree.set(edge.target, indegree.get(edge.target)! + 1);
    next.set(edge.source, [...(next.get(edge.source) ?? []), edge.target]);
  }
  const ready = [...indegree].filter(([, degree]) => degree === 0).map(([id]) => id).sort();
  const order: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(id);
    for (const target of next.get(id) ?? []) {
      indegree.set(target, indegree.get(target)! - 1);
      if (indegree.get(target) === 0) {
        ready.push(target);
        ready.sort();
      }
    }
  }
  return order;
}

/**
 * A node that is really on a cycle: Kahn's algorithm leaves cycle members and what hangs below
 * them; walking edges among the leftovers must revisit a node, and that node is on a cycle.
 */
function nodeOnCycle(flow: FlowGraph, nodesById: Map<string, FlowNode>): string | undefined {
  const ordered = new Set(kahnOrder(flow, nodesById));
  const leftover = [...nodesById.keys()].filter((id) => !ordered.has(id)).sort();
  const next = (id: string) => flow.edges.filter((edge) => edge.source === id && !ordered.has(edge.target)).map((edge) => edge.target).sort()[0];
  const seen = new Set<string>();
  for (let current: string | undefined = leftover[0]; current !== undefined; current = next(current)) {
    if (seen.has(current)) return current;
    seen.add(current);
  }
  return undefined;
}

/** The account money sits in when it arrives at each node, when the graph says so statically. */
function locateMoney(flow: FlowGraph, order: string[], nodesById: Map<string, FlowNode>, validData: Set<string>): Map<string, string | null> {
  const outputLocation = new Map<string, string | null>();
  const arriving = new Map<string, string | null>();
  for (const id of order) {
    const node = nodesById.get(id)!;
    const incoming = flow.edges.filter((edge) => edge.target === id && edge.targetHandle === 'in').map((edge) => outputLocation.get(edge.source) ?? null);
    const location = incoming.length > 0 && incoming.every((value) => value && value === incoming[0]) ? incoming[0]! : null;
    arriving.set(id, location);
    if (!validData.has(id)) continue;
    const data = node.data as Record<string, string | undefined>;
    switch (node.type) {
      case 'source.balance':
      case 'source.fixed':
        outputLocation.set(id, data.accountId ?? null);
        break;
      case 'source.transaction': {
        const trigger = flow.nodes.find((candidate) => candidate.type === 'trigger.event');
        outputLocation.set(id, (trigger?.data.accountId as string | undefined) ?? null);
        break;
      }
      case 'transfer':
      case 'pay_bill':
      case 'invest':
        outputLocation.set(id, data.toAccountId ?? null);
        break;
      default:
        outputLocation.set(id, location);
    }
  }
  return arriving;
}

/** Nodes none of whose inputs is wired: they could never run. */
function reachabilityProblems(flow: FlowGraph, validData: Set<string>, connectedInputs: Set<string>): FlowProblem[] {
  const problems: FlowProblem[] = [];
  flow.nodes.forEach((node, index) => {
    if (!validData.has(node.id)) return;
    const inputs = handlesOf(node, 'inputs');
    const unconnected = inputs.filter((handle) => !connectedInputs.has(`${node.id}:${handle.id}`));
    if (inputs.length > 0 && unconnected.length === inputs.length) {
      const what = inputs[0]!.kind === 'control' ? 'connect it to the trigger' : 'nothing flows into it';
      problems.push({ nodeId: node.id, field: `/nodes/${index}`, message: `${nodeTypes.get(node.type)!.label} is not connected: ${what}`, code: 'not_connected' });
    }
  });
  return problems;
}
