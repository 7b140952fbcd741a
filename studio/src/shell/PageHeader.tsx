import { Group, Stack, Text, Title } from '@mantine/core';
import { useEffect, type ReactNode } from 'react';
import type { Entity } from '../api/types';
import { EntityBadge } from './EntityBadge';

/** Every page's heading: its title (also the tab title), the entity it shows if it is entity-scoped, and its actions. */
export function PageHeader({ title, entity, description, actions }: { title: string; entity?: Entity | null; description?: ReactNode; actions?: ReactNode }) {
  useEffect(() => {
    document.title = `${title}${entity ? ` · ${entity.name}` : ''} · Sluice`;
  }, [title, entity]);
  return (
    <Group justify="space-between" align="flex-start" mb="lg" wrap="wrap">
      <Stack gap={4}>
        <Group gap="sm" align="center">
          <Title order={1}>{title}</Title>
          {entity && <EntityBadge kind={entity.kind} name={entity.name} size="lg" />}
        </Group>
        {description && (
          <Text c="dimmed" size="sm">
            {description}
          </Text>
        )}
      </Stack>
      {actions && <Group gap="sm">{actions}</Group>}
    </Group>
  );
}
