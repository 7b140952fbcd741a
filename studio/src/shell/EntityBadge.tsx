import { Badge, type BadgeProps } from '@mantine/core';
import { IconBuildingStore, IconUser } from '@tabler/icons-react';
import type { EntityKind } from '../api/types';
import { entityColors } from '../theme/theme';

export const entityKindLabel: Record<EntityKind, string> = { llc: 'LLC', personal: 'Personal' };

/**
 * The one way an entity is shown: colour, icon and a word, so LLC and personal money never look
 * alike. Filled in shade 9 so the small label text keeps 5:1 contrast (the light variant of teal
 * falls under WCAG AA's 4.5:1).
 */
export function EntityBadge({ kind, name, ...props }: { kind: EntityKind; name?: string } & Omit<BadgeProps, 'color' | 'leftSection'>) {
  const Icon = kind === 'llc' ? IconBuildingStore : IconUser;
  return (
    <Badge color={`${entityColors[kind]}.9`} variant="filled" leftSection={<Icon size={12} aria-hidden />} {...props}>
      {name ? `${entityKindLabel[kind]} · ${name}` : entityKindLabel[kind]}
    </Badge>
  );
}
