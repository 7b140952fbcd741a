import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import type { Account, Entity } from '../api/types';

/** Query keys shared by every page, so a write can invalidate what it changed. */
export const queryKeys = {
  entities: ['entities'] as const,
  accounts: (entityId: string) => ['entities', entityId, 'accounts'] as const,
  allAccounts: ['accounts'] as const,
};

export function useEntities() {
  return useQuery({ queryKey: queryKeys.entities, queryFn: async () => (await api<{ data: Entity[] }>('/entities')).data });
}

export function useAccounts(entityId: string | null | undefined) {
  return useQuery({
    queryKey: queryKeys.accounts(entityId ?? 'none'),
    enabled: Boolean(entityId),
    queryFn: async () => (await api<{ data: Account[] }>(`/entities/${entityId}/accounts`)).data,
  });
}

/** Every account of the household with its entity (account pickers across entities, flows). */
export function useAllAccounts() {
  const entities = useEntities();
  return useQuery({
    queryKey: [...queryKeys.allAccounts, entities.data?.map((entity) => entity.id).join(',')],
    enabled: Boolean(entities.data),
    queryFn: async () => {
      const lists = await Promise.all(entities.data!.map(async (entity) => ({ entity, accounts: (await api<{ data: Account[] }>(`/entities/${entity.id}/accounts`)).data })));
      return lists.flatMap(({ entity, accounts }) => accounts.map((account) => ({ ...account, entity })));
    },
  });
}

/** Everything a write to the books can change: balances, registers, journals, transfers, the dashboard. */
export const ledgerQueryPrefixes = [['entities'], ['accounts'], ['register'], ['journals'], ['transfers'], ['net-worth']] as const;
