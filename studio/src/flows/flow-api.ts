/**
 * The flow API as the editor sees it: the JSON shapes of /node-types, /flows, previews, runs and
 * templates (mirrors of the engine's serialised views, money as decimal strings), and the
 * TanStack Query hooks that read them. Every call goes through the shared `api()` client.
 */
import { useQuery } from '@tanstack/react-query';
import { api, type Page } from '../api/client';
import type { AccountType, EntityKind } from '../api/types';

export type HandleKind = 'control' | 'money';

export interface HandleSpec {
  id: string;
  kind: HandleKind;
  label: string;
}

export interface AccountField {
  field: string;
  label: string;
  required: boolean;
  types: AccountType[];
}

export type NodeCategory = 'trigger' | 'source' | 'logic' | 'action' | 'annotation';

/** One entry of GET /node-types. */
export interface NodeTypeInfo {
  type: string;
  category: NodeCategory;
  label: string;
  description: string;
  schema: JsonSchema;
  accountFields: AccountField[];
  inputs: HandleSpec[];
  outputs: HandleSpec[];
}

/** The subset of JSON Schema the node settings use. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  description?: string;
  additionalProperties?: boolean;
}

export interface GraphNode {
  id: string;
  type: string;
  data: Record<string, unknown>;
  position: { x: number; y: number };
}

export interface GraphEdge {
  id: string;
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
}

export interface FlowGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface FlowSettings {
  currency: string;
  maxPerRun?: string;
}

/** A problem of a flow: the node (or edge) it belongs to and a JSON pointer into the graph. */
export interface FlowProblem {
  field: string;
  message: string;
  code?: string;
  nodeId?: string;
  edgeId?: string;
}

export interface FlowView {
  id: string;
  name: string;
  description: string | null;
  version: number;
  enabled: boolean;
  templateId: string | null;
  graph: FlowGraph;
  settings: FlowSettings;
  problems: FlowProblem[];
  createdAt: string;
  updatedAt: string;
}

export interface FlowSummary {
  id: string;
  name: string;
  description: string | null;
  version: number;
  enabled: boolean;
  templateId: string | null;
  updatedAt: string;
}

export interface FlowVersion {
  version: number;
  createdAt: string;
  createdBy: string | null;
  nodeCount: number;
  current: boolean;
}

export interface NodeTrace {
  nodeId: string;
  type: string;
  status: 'ran' | 'skipped' | 'error';
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  decision?: string;
  warnings: string[];
}

export type PlanEffect =
  | { type: 'transfer'; nodeId: string; fromAccountId: string; toAccountId: string; amount: string; memo: string; payee?: string; kind?: string; purpose?: string; documentRef?: string }
  | { type: 'assign_envelope'; nodeId: string; categoryId: string; amount: string; month: string }
  | { type: 'alert'; nodeId: string; level: string; message: string }
  | { type: 'approval'; nodeId: string; note: string; amount: string };

export interface Plan {
  currency: string;
  date: string;
  effects: PlanEffect[];
  edges: { edgeId: string; amount: string }[];
  trace: NodeTrace[];
  balances: { accountId: string; name: string; before: string; after: string }[];
  moved: string;
  blockers: string[];
  nodeErrors: { nodeId: string; message: string }[];
  needsApproval: boolean;
}

export interface PreviewAnswer {
  problems: FlowProblem[];
  plan: Plan | null;
}

export type RunStatus = 'planned' | 'awaiting_approval' | 'committed' | 'failed' | 'rejected' | 'reverted' | 'skipped';

export interface RunView {
  id: string;
  flowId: string;
  version: number;
  status: RunStatus;
  idempotencyKey: string;
  trigger: unknown;
  plan: Plan | null;
  error: { message: string; reasons?: string[]; problems?: FlowProblem[]; permanent?: boolean } | null;
  attempts: number;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  approvedBy: string | null;
  approvedAt: string | null;
  revertedAt: string | null;
  journalIds: string[];
  transferIds: string[];
}

export interface TemplateRole {
  role: string;
  label: string;
  entityKind: EntityKind;
  types: AccountType[];
  suggestedCode?: string;
}

export interface FlowTemplate {
  id: string;
  name: string;
  description: string;
  category: string;
  roles: TemplateRole[];
  settings: FlowSettings;
  graph: FlowGraph;
  suggestedMapping: Record<string, string>;
}

export interface ScheduleAnswer {
  cron?: string;
  timezone: string | null;
  occurrences: string[];
}

/** What the preview and a run are told about the occurrence (event flows need a transaction). */
export interface TriggerInput {
  type: 'manual' | 'event';
  transaction?: { accountId: string; amount: string; payee?: string; memo?: string };
}

export const flowKeys = {
  nodeTypes: ['node-types'] as const,
  flows: ['flows'] as const,
  flow: (flowId: string) => ['flows', flowId] as const,
  versions: (flowId: string) => ['flows', flowId, 'versions'] as const,
  runs: (flowId: string) => ['flows', flowId, 'runs'] as const,
  schedule: (flowId: string) => ['flows', flowId, 'schedule'] as const,
  templates: ['templates'] as const,
};

/** The catalogue query (shared with the editor route's prefetch). */
export const nodeTypesQuery = {
  queryKey: flowKeys.nodeTypes,
  staleTime: Infinity,
  queryFn: async () => (await api<{ data: NodeTypeInfo[] }>('/node-types')).data,
};

export function useNodeTypes() {
  return useQuery(nodeTypesQuery);
}

export function useFlows() {
  return useQuery({ queryKey: flowKeys.flows, queryFn: async () => (await api<{ data: FlowSummary[] }>('/flows')).data });
}

export function flowQuery(flowId: string | null) {
  return { queryKey: flowKeys.flow(flowId ?? 'new'), enabled: Boolean(flowId), queryFn: () => api<FlowView>(`/flows/${flowId}`) };
}

export function useFlow(flowId: string | null) {
  return useQuery(flowQuery(flowId));
}

export function useVersions(flowId: string | null) {
  return useQuery({ queryKey: flowKeys.versions(flowId ?? 'new'), enabled: Boolean(flowId), queryFn: async () => (await api<{ data: FlowVersion[] }>(`/flows/${flowId}/versions`)).data });
}

export function useRuns(flowId: string | null) {
  return useQuery({ queryKey: flowKeys.runs(flowId ?? 'new'), enabled: Boolean(flowId), queryFn: async () => (await api<Page<RunView>>(`/flows/${flowId}/runs`, { query: { limit: 50 } })).data });
}

export function useSchedule(flowId: string | null, enabled: boolean) {
  return useQuery({ queryKey: flowKeys.schedule(flowId ?? 'new'), enabled: Boolean(flowId) && enabled, queryFn: () => api<ScheduleAnswer>(`/flows/${flowId}/schedule`) });
}

export function useTemplates() {
  return useQuery({ queryKey: flowKeys.templates, queryFn: async () => (await api<{ data: FlowTemplate[] }>('/templates')).data });
}
