import { Button, Menu, Text } from '@mantine/core';
import { IconBuildingStore, IconCheck, IconChevronDown, IconUser } from '@tabler/icons-react';
import type { EntityKind } from '../api/types';
import { entityColors } from '../theme/theme';
import { entityKindLabel } from './EntityBadge';
import { useEntityScope } from './entity-scope';

export function EntityIcon({ kind, size = 16 }: { kind: EntityKind; size?: number }) {
  const Icon = kind === 'llc' ? IconBuildingStore : IconUser;
  return <Icon size={size} aria-hidden />;
}

/** The header's "working in" control: the current entity in its colour, icon and kind, always visible. */
export function EntitySwitcher() {
  const { entity, entities, select, loading } = useEntityScope();
  if (loading) return <Text size="sm">Loading entities…</Text>;
  if (!entity) return <Text size="sm">No entity yet</Text>;
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Button
          variant="filled"
          color={`${entityColors[entity.kind]}.9`}
          leftSection={<EntityIcon kind={entity.kind} />}
          rightSection={<IconChevronDown size={14} aria-hidden />}
          aria-label={`Working in ${entityKindLabel[entity.kind]} ${entity.name}. Switch entity`}
          data-testid="entity-switcher"
          data-entity-kind={entity.kind}
        >
          {entityKindLabel[entity.kind]} · {entity.name}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Work in</Menu.Label>
        {entities.map((candidate) => (
          <Menu.Item
            key={candidate.id}
            onClick={() => select(candidate.id)}
            leftSection={<EntityIcon kind={candidate.kind} />}
            rightSection={candidate.id === entity.id ? <IconCheck size={14} aria-label="current" /> : null}
            c={`${entityColors[candidate.kind]}.9`}
          >
            {entityKindLabel[candidate.kind]} · {candidate.name}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}
