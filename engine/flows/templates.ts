import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotFound, RuleViolation, type FieldProblem } from '../errors.js';
import type { AccountType, EntityKind } from '../ledger/types.js';
import type { FlowGraph, FlowSettings } from './graph.js';
import type { AccountSnapshot } from './node-type.js';

/** A slot of a template that the user maps to one of their own accounts. */
export interface TemplateRole {
  role: string;
  label: string;
  entityKind: EntityKind;
  types: AccountType[];
  /** Account code a new household's chart uses for this role, to pre-fill the wizard. */
  suggestedCode?: string;
}

export interface FlowTemplate {
  id: string;
  name: string;
  description: string;
  category: string;
  roles: TemplateRole[];
  settings: FlowSettings;
  /** Node data refers to accounts as "{{role:name}}". */
  graph: FlowGraph;
}

const templatesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');
const rolePattern = /\{\{role:([a-z_]+)\}\}/g;

let cache: FlowTemplate[] | undefined;

/** Templates ship as JSON files in templates/, read once. */
export function loadTemplates(): FlowTemplate[] {
  cache ??= readdirSync(templatesDir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(path.join(templatesDir, file), 'utf8')) as FlowTemplate);
  return cache;
}

export function findTemplate(templateId: string): FlowTemplate {
  const template = loadTemplates().find((candidate) => candidate.id === templateId);
  if (!template) throw new NotFound('template', templateId);
  return template;
}

/** Replaces every "{{role:x}}" in node data with the mapped account id. */
export function fillRoles(template: FlowTemplate, mapping: Record<string, string>): FlowGraph {
  const fill = (value: unknown): unknown => {
    // Whole values ("{{role:x}}") and embedded ones (json-logic "balances.{{role:x}}").
    if (typeof value === 'string') return value.replace(rolePattern, (_placeholder, role: string) => mapping[role] ?? `{{role:${role}}}`);
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item)]));
    return value;
  };
  return { nodes: template.graph.nodes.map((node) => ({ ...node, data: fill(node.data) as Record<string, unknown> })), edges: template.graph.edges };
}

/** Checks a role mapping against the household's accounts: every role filled, right entity kind and type. */
export function mappingProblems(template: FlowTemplate, mapping: Record<string, string>, accounts: ReadonlyMap<string, AccountSnapshot>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const role of template.roles) {
    const field = `/roles/${role.role}`;
    const account = accounts.get(mapping[role.role] ?? '');
    if (!mapping[role.role]) problems.push({ field, message: `choose an account for "${role.label}"`, code: 'required' });
    else if (!account) problems.push({ field, message: 'no such account in your household', code: 'unknown_account' });
    else if (account.entityKind !== role.entityKind) problems.push({ field, message: `"${role.label}" must be an account of your ${role.entityKind === 'llc' ? 'LLC' : 'personal entity'}`, code: 'wrong_entity_kind' });
    else if (!role.types.includes(account.type)) problems.push({ field, message: `"${role.label}" must be a ${role.types.join(' or ')} account`, code: 'wrong_account_type' });
  }
  const unknown = Object.keys(mapping).filter((role) => !template.roles.some((candidate) => candidate.role === role));
  for (const role of unknown) problems.push({ field: `/roles/${role}`, message: 'this template has no such role', code: 'unknown_role' });
  return problems;
}

/** Pre-fills a mapping from the suggested codes, in the first entity of the right kind. */
export function suggestMapping(template: FlowTemplate, accounts: ReadonlyMap<string, AccountSnapshot>, entityOrder: readonly string[]): Record<string, string> {
  const mapping: Record<string, string> = {};
  for (const role of template.roles) {
    const candidates = [...accounts.values()]
      .filter((account) => account.entityKind === role.entityKind && role.types.includes(account.type) && account.code === role.suggestedCode)
      .sort((a, b) => entityOrder.indexOf(a.entityId) - entityOrder.indexOf(b.entityId));
    if (candidates[0]) mapping[role.role] = candidates[0].id;
  }
  return mapping;
}

export function assertMapping(template: FlowTemplate, mapping: Record<string, string>, accounts: ReadonlyMap<string, AccountSnapshot>): void {
  const problems = mappingProblems(template, mapping, accounts);
  if (problems.length > 0) throw new RuleViolation('the account mapping is incomplete or wrong', problems);
}
