import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import type { Entity } from '../api/types';
import { useEntities } from './queries';

const storageKey = 'sluice.entity';

interface EntityScope {
  /** The entity every entity-scoped page shows (null while loading or when the household has none). */
  entity: Entity | null;
  entities: Entity[];
  loading: boolean;
  select(entityId: string): void;
}

const EntityScopeContext = createContext<EntityScope | null>(null);

function storedEntityId(): string | null {
  try {
    return window.localStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

/** The entity switcher's choice, shared by every page and kept across reloads (localStorage). */
export function EntityScopeProvider({ children }: { children: ReactNode }) {
  const entities = useEntities();
  const [selectedId, setSelectedId] = useState<string | null>(storedEntityId);
  const select = useCallback((entityId: string) => {
    setSelectedId(entityId);
    try {
      window.localStorage.setItem(storageKey, entityId);
    } catch {
      // Private mode: the choice lasts for this tab only.
    }
  }, []);
  const value = useMemo<EntityScope>(() => {
    const list = entities.data ?? [];
    // A stale choice (entity of another household, or a fresh database) falls back to the first entity.
    const entity = list.find((candidate) => candidate.id === selectedId) ?? list[0] ?? null;
    return { entity, entities: list, loading: entities.isPending, select };
  }, [entities.data, entities.isPending, selectedId, select]);
  return <EntityScopeContext.Provider value={value}>{children}</EntityScopeContext.Provider>;
}

export function useEntityScope(): EntityScope {
  const scope = useContext(EntityScopeContext);
  if (!scope) throw new Error('useEntityScope outside EntityScopeProvider');
  return scope;
}

/** Forget the choice on sign-out so the next user starts on their own first entity. */
export function forgetEntityChoice(): void {
  try {
    window.localStorage.removeItem(storageKey);
  } catch {
    // nothing stored
  }
}
