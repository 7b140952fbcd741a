import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';
import { isUuid } from '../auth/actor.js';
import { AuditLog } from '../audit/audit-log.js';
import { NotFound } from '../errors.js';
import { accountSnapshots } from './context.js';
import type { FlowGraph, FlowSettings } from './graph.js';
import { validateFlow, type FlowProblem } from './validate.js';

export interface FlowRequest {
  name: string;
  description?: string;
  graph: FlowGraph;
  settings?: FlowSettings;
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
  /** Problems of the current version; a flow with problems can be saved but not run. */
  problems: FlowProblem[];
  createdAt: string;
  updatedAt: string;
}

export const defaultSettings: FlowSettings = { currency: 'USD' };

/** The kind of trigger a graph starts from (the scheduler and the event outbox key on it). */
export function triggerType(graph: FlowGraph): string | null {
  return graph.nodes.find((node) => node.type.startsWith('trigger.'))?.type ?? null;
}

interface FlowRow {
  id: string;
  household_id: string;
  name: string;
  description: string | null;
  current_version: number;
  enabled: boolean;
  template_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export async function findFlow(db: Knex, actor: Actor, flowId: string): Promise<FlowRow> {
  const flow = isUuid(flowId) ? await db<FlowRow>('flows').where({ id: flowId, household_id: actor.householdId }).whereNull('archived_at').first() : undefined;
  if (!flow) throw new NotFound('flow', flowId);
  return flow;
}

export async function loadVersion(db: Knex, flowId: string, version: number): Promise<{ graph: FlowGraph; settings: FlowSettings }> {
  const row = await db('flow_versions').where({ flow_id: flowId, version }).first('graph', 'settings');
  if (!row) throw new NotFound('flow version', `${flowId}@${version}`);
  return { graph: row.graph, settings: row.settings };
}

/** Flows and their immutable versions. Saving never fails on flow problems: drafts are allowed. */
export class FlowService {
  constructor(private readonly audit: AuditLog) {}

  async validate(db: Knex, actor: Actor, graph: unknown, settings: unknown): Promise<FlowProblem[]> {
    return validateFlow(graph, settings ?? defaultSettings, await accountSnapshots(db, actor.householdId)).problems;
  }

  async create(trx: Knex.Transaction, actor: Actor, request: FlowRequest, templateId?: string): Promise<FlowView> {
    const id = randomUUID();
    await trx('flows').insert({ id, household_id: actor.householdId, name: request.name.trim(), description: request.description ?? null, template_id: templateId ?? null, trigger_type: triggerType(request.graph), created_by: actor.userId });
    await this.insertVersion(trx, actor, id, 1, request);
    const view = await this.get(trx, actor, id);
    await this.audit.record(trx, [{ householdId: actor.householdId, actorUserId: actor.userId, action: 'flow.create', resourceType: 'flow', resourceId: id, after: view }]);
    return view;
  }

  /** Saves a new version; the previous ones stay as they were. */
  async update(trx: Knex.Transaction, actor: Actor, flowId: string, request: FlowRequest): Promise<FlowView> {
    const flow = await findFlow(trx, actor, flowId);
    const before = await this.get(trx, actor, flowId);
    const version = flow.current_version + 1;
    await this.insertVersion(trx, actor, flow.id, version, request);
    await trx('flows').where({ id: flow.id }).update({ name: request.name.trim(), description: request.description ?? null, current_version: version, trigger_type: triggerType(request.graph), updated_at: new Date() });
    const view = await this.get(trx, actor, flowId);
    await this.audit.record(trx, [{ householdId: actor.householdId, actorUserId: actor.userId, action: 'flow.update', resourceType: 'flow', resourceId: flow.id, before, after: view }]);
    return view;
  }

  /** Archives a flow: it disappears from lists and cannot run; its runs and journals stay. */
  async archive(trx: Knex.Transaction, actor: Actor, flowId: string): Promise<void> {
    const flow = await findFlow(trx, actor, flowId);
    await trx('flows').where({ id: flow.id }).update({ archived_at: new Date(), enabled: false, updated_at: new Date() });
    await this.audit.record(trx, [{ householdId: actor.householdId, actorUserId: actor.userId, action: 'flow.archive', resourceType: 'flow', resourceId: flow.id }]);
  }

  async get(db: Knex, actor: Actor, flowId: string, version?: number): Promise<FlowView> {
    const flow = await findFlow(db, actor, flowId);
    const { graph, settings } = await loadVersion(db, flow.id, version ?? flow.current_version);
    const problems = validateFlow(graph, settings, await accountSnapshots(db, actor.householdId)).problems;
    return {
      id: flow.id,
      name: flow.name,
      description: flow.description,
      version: version ?? flow.current_version,
      enabled: flow.enabled,
      templateId: flow.template_id,
      graph,
      settings,
      problems,
      createdAt: flow.created_at.toISOString(),
      updatedAt: flow.updated_at.toISOString(),
    };
  }

  async list(db: Knex, actor: Actor) {
    const rows = await db<FlowRow>('flows').where({ household_id: actor.householdId }).whereNull('archived_at').orderBy('name');
    return rows.map((flow) => ({ id: flow.id, name: flow.name, description: flow.description, version: flow.current_version, enabled: flow.enabled, templateId: flow.template_id, updatedAt: flow.updated_at.toISOString() }));
  }

  async versions(db: Knex, actor: Actor, flowId: string) {
    const flow = await findFlow(db, actor, flowId);
    const rows = await db('flow_versions').where({ flow_id: flow.id }).orderBy('version', 'desc').select('version', 'created_at', 'created_by', 'graph');
    return rows.map((row) => ({ version: row.version, createdAt: row.created_at.toISOString(), createdBy: row.created_by, nodeCount: row.graph.nodes.length, current: row.version === flow.current_version }));
  }

  private async insertVersion(trx: Knex.Transaction, actor: Actor, flowId: string, version: number, request: FlowRequest): Promise<void> {
    await trx('flow_versions').insert({
      flow_id: flowId,
      version,
      graph: JSON.stringify(request.graph),
      settings: JSON.stringify(request.settings ?? defaultSettings),
      created_by: actor.userId,
    });
  }
}
