import { Group, Stack, Table, Text, Title } from '@mantine/core';
import type { Entity, Journal } from '../../api/types';
import { EntityBadge } from '../../shell/EntityBadge';
import { EntityPanel } from '../../shell/EntityPanel';
import { MoneyText } from '../../shell/MoneyText';
import { negateDecimal } from '../../shell/money';

/** One journal as an accountant reads it: account, debit, credit; in its entity's colours. */
export function JournalCard({ journal, entity, heading }: { journal: Journal; entity: Entity | undefined; heading?: string }) {
  const headingId = `journal-${journal.id}`;
  return (
    <EntityPanel kind={entity?.kind ?? 'personal'} aria-labelledby={headingId} data-testid="journal-card">
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={3} size="h5" id={headingId}>
            {heading ?? `Journal in ${entity?.name ?? 'entity'}`}
          </Title>
          {entity && <EntityBadge kind={entity.kind} name={entity.name} />}
        </Group>
        <Text size="sm" c="dimmed">
          {journal.date} · {journal.memo}
          {journal.payee ? ` · payee ${journal.payee}` : ''}
        </Text>
        <Table withTableBorder aria-label={heading ?? `Postings of the journal in ${entity?.name ?? 'the entity'}`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Account</Table.Th>
              <Table.Th scope="col" ta="right">
                Debit
              </Table.Th>
              <Table.Th scope="col" ta="right">
                Credit
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {journal.postings.map((posting) => {
              const debit = !posting.amount.startsWith('-');
              return (
                <Table.Tr key={posting.id}>
                  <Table.Td>
                    {posting.accountCode} · {posting.accountName}
                  </Table.Td>
                  <Table.Td ta="right">{debit ? <MoneyText value={posting.amount} currency={posting.currency} /> : null}</Table.Td>
                  <Table.Td ta="right">{debit ? null : <MoneyText value={negateDecimal(posting.amount)} currency={posting.currency} />}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Stack>
    </EntityPanel>
  );
}
