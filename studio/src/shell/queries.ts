import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import type { Account, Entity } from '../api/types';

/** Query keys shared by every page, so a write can invalidate what it changed. */
export const queryKeys = {
  entities: ['entities'] as const,
  accounts: (entityId: string) => ['entities', entityId, 'accounts'] as const,
  allAccounts: ['accounts'] as const,
};

/** The entities query (shared with the route prefetches, so both fill the same cache entry). */
export const entitiesQuery = { queryKey: queryKeys.entities, queryFn: async () => (await api<{ data: Entity[] }>('/entities')).data };

export function useEntities() {
  return useQuery(entitiesQuery);
}

export function useAccounts(entityId: string | null | undefined) {
  return useQuery({
    queryKey: queryKeys.accounts(entityId ?? 'none'),
    enabled: Boolean(entityId),
    queryFn: async () => (await api<{ data: Account[] }>(`/entities/${entityId}/accounts`)).data,
  });
}

/** Every account of the household with its entity (account pickers across entities, flows). */
export function allAccountsQuery(entities: Entity[] | undefined) {
  return {
    queryKey: [...queryKeys.allAccounts, entities?.map((entity) => entity.id).join(',')],
    enabled: Boolean(entities),
    queryFn: async () => {
      const lists = await Promise.all(entities!.map(async (entity) => ({ entity, accounts: (await api<{ data: Account[] }>(`/entities/${entity.id}/accounts`)).data })));
      return lists.flatMap(({ entity, accounts }) => accounts.map((account) => ({ ...account, entity })));
    },
  };
}

export function useAllAccounts() {
  const entities = useEntities();
  return useQuery(allAccountsQuery(entities.data));
}

/** Everything a write to the books can change: balances, registers, journals, transfers, the dashboard. */
export const ledgerQueryPrefixes = [['entities'], ['accounts'], ['register'], ['journals'], ['transfers'], ['net-worth']] as const;
