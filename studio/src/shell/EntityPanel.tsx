import { Paper, type PaperProps } from '@mantine/core';
import type { ReactNode } from 'react';
import type { EntityKind } from '../api/types';
import { entityColors } from '../theme/theme';

type PanelProps = { kind: EntityKind; children: ReactNode; component?: 'section' | 'article' | 'div' } & PaperProps & {
    'aria-label'?: string;
    'aria-labelledby'?: string;
    'data-testid'?: string;
  };

/** A card that belongs to one entity: a thick border in the entity's colour, beside its badge. */
export function EntityPanel({ kind, children, component = 'section', ...props }: PanelProps) {
  return (
    <Paper component={component} withBorder p="md" style={{ borderLeft: `6px solid var(--mantine-color-${entityColors[kind]}-7)` }} data-entity-kind={kind} {...props}>
      {children}
    </Paper>
  );
}
