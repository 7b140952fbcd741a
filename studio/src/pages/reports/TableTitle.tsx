import { Table, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** A report table's heading: a real <caption> (screen readers announce it with the table), set above it. */
export function TableTitle({ children, size = 'h4', note }: { children: ReactNode; size?: 'h4' | 'h5'; note?: ReactNode }) {
  return (
    <Table.Caption style={{ captionSide: 'top', textAlign: 'left' }}>
      <Title order={3} size={size}>
        {children}
      </Title>
      {note ? (
        <Text size="sm" c="dimmed">
          {note}
        </Text>
      ) : null}
    </Table.Caption>
  );
}
