/**
 * The flow model: a graph of typed nodes joined by edges between typed handles. Pure data,
 * shared by the validator, the planner, the API and the studio (React Flow's own shape).
 */
export interface FlowNode {
  id: string;
  type: string;
  data: Record<string, unknown>;
  position: { x: number; y: number };
}

export interface FlowEdge {
  id: string;
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
}

export interface FlowGraph {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

/** Flow-wide settings, versioned with the graph. */
export interface FlowSettings {
  currency: string;
  /** Most money a single run may move in total (sum of transfers), minor units as a string. */
  maxPerRun?: string;
}

/** Bounds that keep a flow reviewable and a plan cheap (TigerStyle: everything has a limit). */
export const flowLimits = {
  maxNodes: 200,
  maxEdges: 400,
  maxAllocateOutputs: 20,
  maxIdLength: 64,
} as const;

export const flowGraphSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['nodes', 'edges'],
  properties: {
    nodes: {
      type: 'array',
      maxItems: flowLimits.maxNodes,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'type', 'data', 'position'],
        properties: {
          id: { type: 'string', minLength: 1, maxLength: flowLimits.maxIdLength, pattern: '^[A-Za-z0-9_.:-]+$' },
          type: { type: 'string', minLength: 1, maxLength: 40 },
          data: { type: 'object' },
          position: {
            type: 'object',
            additionalProperties: false,
            required: ['x', 'y'],
            properties: { x: { type: 'number', minimum: -1e6, maximum: 1e6 }, y: { type: 'number', minimum: -1e6, maximum: 1e6 } },
          },
        },
      },
    },
    edges: {
      type: 'array',
      maxItems: flowLimits.maxEdges,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'source', 'sourceHandle', 'target', 'targetHandle'],
        properties: {
          id: { type: 'string', minLength: 1, maxLength: 140 },
          source: { type: 'string', minLength: 1, maxLength: flowLimits.maxIdLength },
          sourceHandle: { type: 'string', minLength: 1, maxLength: 40 },
          target: { type: 'string', minLength: 1, maxLength: flowLimits.maxIdLength },
          targetHandle: { type: 'string', minLength: 1, maxLength: 40 },
        },
      },
    },
  },
} as const;

export const flowSettingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['currency'],
  properties: {
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    maxPerRun: { type: 'string', pattern: '^(0|[1-9][0-9]{0,17})(\\.[0-9]{1,3})?$', maxLength: 24 },
  },
} as const;
