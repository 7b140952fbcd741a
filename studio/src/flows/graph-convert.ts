/** Between the API's graph JSON and React Flow's nodes and edges (the same shape, plus view state). */
import type { Edge, Node } from '@xyflow/react';
import type { FlowGraph, FlowProblem, GraphNode, NodeTrace, Plan } from './flow-api';
import type { Overlay } from './editor-context';

export type CanvasNode = Node<Record<string, unknown>>;
export type CanvasEdge = Edge;

export function toGraph(nodes: readonly CanvasNode[], edges: readonly CanvasEdge[]): FlowGraph {
  return {
    nodes: nodes.map((node) => ({ id: node.id, type: node.type ?? 'note', data: node.data, position: { x: Math.round(node.position.x), y: Math.round(node.position.y) } })),
    edges: edges.map((edge) => ({ id: edge.id, source: edge.source, sourceHandle: edge.sourceHandle ?? '', target: edge.target, targetHandle: edge.targetHandle ?? '' })),
  };
}

export function fromGraph(graph: FlowGraph): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  return {
    nodes: graph.nodes.map((node) => ({ id: node.id, type: node.type, data: node.data, position: node.position })),
    edges: graph.edges.map((edge) => ({ id: edge.id, source: edge.source, sourceHandle: edge.sourceHandle, target: edge.target, targetHandle: edge.targetHandle, type: 'amount' })),
  };
}

/** A node id that is free in the graph: "transfer-3". */
export function freshNodeId(type: string, taken: ReadonlySet<string>): string {
  const base = type.replace(/^trigger\./, 'trigger-').replace(/^source\./, '').replace(/[^A-Za-z0-9_-]/g, '-');
  for (let n = 1; ; n += 1) {
    const id = `${base}-${n}`;
    if (!taken.has(id)) return id;
  }
}

export function freshEdgeId(taken: ReadonlySet<string>): string {
  for (let n = taken.size + 1; ; n += 1) {
    const id = `e${n}`;
    if (!taken.has(id)) return id;
  }
}

/** Problems by node; a problem's pointer relative to the node's data ("/toAccountId"), for the form. */
export function problemsByNode(problems: readonly FlowProblem[]): Map<string, FlowProblem[]> {
  const map = new Map<string, FlowProblem[]>();
  for (const problem of problems) {
    if (!problem.nodeId) continue;
    map.set(problem.nodeId, [...(map.get(problem.nodeId) ?? []), problem]);
  }
  return map;
}

export function fieldErrorsOf(problems: readonly FlowProblem[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const problem of problems) {
    const match = /^\/nodes\/\d+\/data(\/.*)$/.exec(problem.field);
    if (match && errors[match[1]!] === undefined) errors[match[1]!] = problem.message;
  }
  return errors;
}

export function overlayOf(plan: Plan, source: string): Overlay {
  return {
    source,
    edgeAmounts: new Map(plan.edges.map((edge) => [edge.edgeId, edge.amount])),
    trace: new Map<string, NodeTrace>(plan.trace.map((entry) => [entry.nodeId, entry])),
  };
}

/** Copies of nodes (and the edges among them) with fresh ids, shifted so they do not cover the originals. */
export function pasteCopies(copied: { nodes: GraphNode[]; edges: FlowGraph['edges'] }, taken: Set<string>, takenEdges: Set<string>, offset = 40): FlowGraph {
  const ids = new Map<string, string>();
  const nodes = copied.nodes.map((node) => {
    const id = freshNodeId(node.type, taken);
    taken.add(id);
    ids.set(node.id, id);
    return { ...node, id, data: structuredClone(node.data), position: { x: node.position.x + offset, y: node.position.y + offset } };
  });
  const edges = copied.edges
    .filter((edge) => ids.has(edge.source) && ids.has(edge.target))
    .map((edge) => {
      const id = freshEdgeId(takenEdges);
      takenEdges.add(id);
      return { ...edge, id, source: ids.get(edge.source)!, target: ids.get(edge.target)! };
    });
  return { nodes, edges };
}
