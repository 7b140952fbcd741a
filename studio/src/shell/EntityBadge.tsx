import { Badge, type BadgeProps } from '@mantine/core';
import { IconBuildingStore, IconUser } from '@tabler/icons-react';
import type { EntityKind } from '../api/types';
import { entityColors } from '../theme/theme';

export const entityKindLabel: Record<EntityKind, string> = { llc: 'LLC', personal: 'Personal' };

/** The one way an entity is shown: colour, icon and a word, so LLC and personal money never look alike. */
export function EntityBadge({ kind, name, ...props }: { kind: EntityKind; name?: string } & Omit<BadgeProps, 'color' | 'leftSection'>) {
  const Icon = kind === 'llc' ? IconBuildingStore : IconUser;
  return (
    <Badge color={entityColors[kind]} variant="light" leftSection={<Icon size={12} aria-hidden />} {...props}>
      {name ? `${entityKindLabel[kind]} · ${name}` : entityKindLabel[kind]}
    </Badge>
  );
}
