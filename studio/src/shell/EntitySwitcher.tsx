import { Button, Menu, Text, ThemeIcon } from '@mantine/core';
import { IconBuildingStore, IconCheck, IconChevronDown, IconUser } from '@tabler/icons-react';
import type { CSSProperties } from 'react';
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
    // No focus placeholder inside role="menu" (axe: a menu holds menu items only); focus goes to the items.
    <Menu position="bottom-end" withinPortal withInitialFocusPlaceholder={false}>
      <Menu.Target>
        <Button
          variant="filled"
          color={`${entityColors[entity.kind]}.9`}
          leftSection={<EntityIcon kind={entity.kind} />}
          rightSection={<IconChevronDown size={14} aria-hidden />}
          aria-label={`Working in ${entityKindLabel[entity.kind]} ${entity.name}. Switch entity`}
          // Shade 9's default hover is the lighter shade 8 (teal 8 is 3.9:1 with white): darken instead.
          style={{ '--button-hover': `color-mix(in srgb, var(--mantine-color-${entityColors[entity.kind]}-9), black 20%)` } as CSSProperties}
          data-testid="entity-switcher"
          data-entity-kind={entity.kind}
        >
          {entityKindLabel[entity.kind]} · {entity.name}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        {entities.map((candidate) => (
          <Menu.Item
            key={candidate.id}
            onClick={() => select(candidate.id)}
            // The icon carries the entity's colour; the text stays near-black so it reads on the hover tint too.
            leftSection={<ThemeIcon size="sm" color={`${entityColors[candidate.kind]}.9`} variant="filled"><EntityIcon kind={candidate.kind} size={14} /></ThemeIcon>}
            rightSection={candidate.id === entity.id ? <IconCheck size={14} aria-label="current" /> : null}
          >
            {entityKindLabel[candidate.kind]} · {candidate.name}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}
