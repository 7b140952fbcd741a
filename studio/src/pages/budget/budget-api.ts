/** The budget board as the API answers it (money as decimal strings), and the calls that change it. */
import { api, idempotencyKey } from '../../api/client';

export type TargetKind = 'monthly' | 'by_date' | 'savings_goal';
export type QuickStrategy = 'last_month' | 'average_3_months' | 'up_to_target' | 'fund_underfunded';

export interface BoardCategory {
  id: string;
  code: string;
  name: string;
  kind: 'expense' | 'card_payment';
  hidden: boolean;
  assigned: string;
  activity: string;
  available: string;
  carriedIn: string;
  overspent: boolean;
  target: { kind: TargetKind; amount: string; byMonth: string | null } | null;
  targetGoal: string | null;
  needed: string | null;
  targetStatus: 'funded' | 'underfunded' | 'past' | null;
  underfunded: boolean;
}

export interface BoardGroup {
  id: string | null;
  name: string;
  hidden: boolean;
  assigned: string;
  activity: string;
  available: string;
  categories: BoardCategory[];
}

export interface Board {
  entityId: string;
  entityName: string;
  month: string;
  currency: string;
  bounds: { firstMonth: string; lastMonth: string; currentMonth: string; previousMonth: string | null; nextMonth: string | null };
  toBeAssigned: string;
  toBeAssignedStatus: 'positive' | 'zero' | 'negative';
  toBeAssignedNote: string | null;
  summary: { income: string; fromLastMonth: string; overspentLastMonth: string; assigned: string; activity: string; available: string; held: string };
  reconciliation: { budgeted: string; onBudgetCash: string; balanced: boolean };
  groups: BoardGroup[];
}

export interface SankeyData {
  month: string;
  currency: string;
  nodes: { id: string; name: string; kind: string }[];
  links: { source: string; target: string; amount: string }[];
  inflow: string;
  outflow: string;
}

export const budgetKeys = {
  board: (entityId: string, month: string) => ['budget', entityId, month] as const,
  sankey: (entityId: string, month: string) => ['budget', entityId, month, 'sankey'] as const,
  entity: (entityId: string) => ['budget', entityId] as const,
};

const base = (entityId: string, month: string) => `/entities/${entityId}/budget/${month}`;

export const budgetApi = {
  board: (entityId: string, month: string) => api<Board>(base(entityId, month)),
  sankey: (entityId: string, month: string) => api<SankeyData>(`${base(entityId, month)}/sankey`),
  assign: (entityId: string, month: string, categoryId: string, assigned: string) => api<Board>(`${base(entityId, month)}/categories/${categoryId}`, { method: 'PUT', body: { assigned } }),
  move: (entityId: string, month: string, body: { fromCategoryId: string; toCategoryId: string; amount: string }) =>
    api<Board>(`${base(entityId, month)}/move`, { method: 'POST', body, headers: { 'Idempotency-Key': idempotencyKey() } }),
  quickAssign: (entityId: string, month: string, strategy: QuickStrategy) => api<Board>(`${base(entityId, month)}/quick-assign`, { method: 'POST', body: { strategy } }),
  hold: (entityId: string, month: string, amount: string) => api<Board>(`${base(entityId, month)}/hold`, { method: 'PUT', body: { amount } }),
  reset: (entityId: string, month: string) => api<Board>(`${base(entityId, month)}/reset`, { method: 'POST', body: {} }),
  setTarget: (categoryId: string, body: { kind: TargetKind; amount: string; byMonth?: string }) => api(`/categories/${categoryId}/target`, { method: 'PUT', body }),
  clearTarget: (categoryId: string) => api(`/categories/${categoryId}/target`, { method: 'DELETE' }),
  layout: (entityId: string, body: { groups: { id?: string; name: string; hidden: boolean; categories: { id: string; hidden: boolean }[] }[] }) =>
    api(`/entities/${entityId}/budget/layout`, { method: 'PUT', body }),
};
