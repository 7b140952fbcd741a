/**
 * Which connections the editor accepts, as a pure function: the same rules the engine's
 * validator applies (engine/flows/validate.ts), checked while the user drags so a wrong wire is
 * refused on the spot with the reason, instead of showing up later as a problem.
 *
 * - a handle must exist on its node (outputs on the source, inputs on the target);
 * - kinds match: a trigger's start signal goes to a Start input, money goes to a money input;
 * - each money output feeds one input (the engine refuses reuse: the same dollars would be spent twice);
 * - no node feeds itself, and no connection closes a cycle.
 */
import { inputsOf, outputsOf, type Catalogue } from './handles';

export interface RuleNode {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

export interface RuleEdge {
  id: string;
  source: string;
  sourceHandle?: string | null;
  target: string;
  targetHandle?: string | null;
}

export interface ConnectionAttempt {
  source: string | null;
  sourceHandle?: string | null;
  target: string | null;
  targetHandle?: string | null;
}

export interface RuleGraph {
  nodes: readonly RuleNode[];
  edges: readonly RuleEdge[];
}

const labelOf = (node: RuleNode, catalogue: Catalogue) => catalogue.get(node.type)?.label ?? node.type;

/** Why this connection is refused, or null when it is fine. `replacing` is an edge being reconnected (it does not count). */
export function connectionRefusal(attempt: ConnectionAttempt, graph: RuleGraph, catalogue: Catalogue, replacing?: string): string | null {
  const source = graph.nodes.find((node) => node.id === attempt.source);
  const target = graph.nodes.find((node) => node.id === attempt.target);
  if (!source || !target) return 'Connect two nodes of this flow.';
  if (source.id === target.id) return 'A node cannot feed itself.';
  const output = outputsOf(source.type, source.data, catalogue).find((handle) => handle.id === attempt.sourceHandle);
  const input = inputsOf(target.type, catalogue).find((handle) => handle.id === attempt.targetHandle);
  if (!output) return `${labelOf(source, catalogue)} has no output “${attempt.sourceHandle ?? ''}”: start a connection from an output (right side).`;
  if (!input) {
    return inputsOf(target.type, catalogue).length === 0
      ? `${labelOf(target, catalogue)} takes no input.`
      : `${labelOf(target, catalogue)} has no input “${attempt.targetHandle ?? ''}”: end the connection on an input (left side).`;
  }
  if (output.kind !== input.kind) {
    return output.kind === 'money'
      ? `Money cannot go into ${labelOf(target, catalogue)}’s Start input: it takes a trigger’s start signal. Connect money to an Amount input.`
      : `A trigger’s start signal goes to a source’s Start input, not into ${labelOf(target, catalogue)}’s money input.`;
  }
  const others = graph.edges.filter((edge) => edge.id !== replacing);
  if (others.some((edge) => edge.source === source.id && edge.sourceHandle === output.id && edge.target === target.id && edge.targetHandle === input.id)) {
    return 'These two handles are already connected.';
  }
  if (output.kind === 'money') {
    const used = others.find((edge) => edge.source === source.id && edge.sourceHandle === output.id);
    if (used) {
      const fed = graph.nodes.find((node) => node.id === used.target);
      return `This output already sends its money to ${fed ? labelOf(fed, catalogue) : used.target}: each amount goes one way. Use Allocate to split money.`;
    }
  }
  if (reaches(target.id, source.id, others)) return 'This connection would close a cycle: money would go round forever.';
  return null;
}

/** Is `to` reachable from `from` along the edges? (Depth-first, each node once.) */
export function reaches(from: string, to: string, edges: readonly RuleEdge[]): boolean {
  const next = new Map<string, string[]>();
  for (const edge of edges) next.set(edge.source, [...(next.get(edge.source) ?? []), edge.target]);
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return false;
}

/** Every input of the graph this output could be connected to now, with the reason for the ones it cannot. */
export function connectionOptions(sourceId: string, sourceHandle: string, graph: RuleGraph, catalogue: Catalogue) {
  return graph.nodes.flatMap((node) =>
    inputsOf(node.type, catalogue).map((handle) => ({
      target: node.id,
      targetHandle: handle.id,
      label: `${labelOf(node, catalogue)} (${node.id}) · ${handle.label}`,
      refusal: connectionRefusal({ source: sourceId, sourceHandle, target: node.id, targetHandle: handle.id }, graph, catalogue),
    })),
  );
}
