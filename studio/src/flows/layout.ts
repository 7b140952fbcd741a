/**
 * Auto-layout with elkjs (layered, left to right, edges between the right handles), loaded on
 * first use so the editor's first paint does not wait for it.
 */
import type { GraphEdge, GraphNode } from './flow-api';

export const defaultNodeSize = { width: 240, height: 96 };

export async function layoutGraph(nodes: readonly GraphNode[], edges: readonly GraphEdge[], sizes: ReadonlyMap<string, { width: number; height: number }>): Promise<Map<string, { x: number; y: number }>> {
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const result = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.spacing.nodeNode': '70',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children: nodes.map((node) => ({ id: node.id, ...(sizes.get(node.id) ?? defaultNodeSize) })),
    edges: edges.filter((edge) => nodes.some((node) => node.id === edge.source) && nodes.some((node) => node.id === edge.target)).map((edge) => ({ id: edge.id, sources: [edge.source], targets: [edge.target] })),
  });
  return new Map((result.children ?? []).map((child) => [child.id, { x: Math.round(child.x ?? 0), y: Math.round(child.y ?? 0) }]));
}
