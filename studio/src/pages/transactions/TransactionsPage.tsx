import { Alert, Badge, Button, Group, Loader, Modal, Pagination, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { IconArrowsExchange, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { api, type Page } from '../../api/client';
import type { Entity, Journal, Transfer } from '../../api/types';
import { formatDate } from '../../shell/dates';
import { EntityBadge } from '../../shell/EntityBadge';
import { useEntityScope } from '../../shell/entity-scope';
import { MoneyText } from '../../shell/MoneyText';
import { PageHeader } from '../../shell/PageHeader';
import { useAccounts } from '../../shell/queries';
import { TransactionForm } from './TransactionForm';
import { TransferForm, transferKindLabel } from './TransferForm';

const pageSize = 25;

export const sourceLabel: Record<string, string> = {
  manual: 'Manual',
  inter_entity: 'Transfer',
  flow: 'Flow',
  import: 'Import',
  bank: 'Bank',
  demo: 'Demo',
  reversal: 'Reversal',
  opening: 'Opening',
};

export default function TransactionsPage() {
  const { entity, entities } = useEntityScope();
  const [transactionOpen, setTransactionOpen] = useState(false);
  const [transferOpen, setTransferOpen] = useState(false);
  return (
    <Stack gap="xl">
      <PageHeader
        title="Transactions"
        entity={entity}
        description="Journals of the entity you are working in, newest first. Money between the LLC and its owner moves as a documented inter-entity transfer."
        actions={
          entity && (
            <>
              <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setTransactionOpen(true)}>
                Add transaction
              </Button>
              <Button variant="light" leftSection={<IconArrowsExchange size={16} aria-hidden />} onClick={() => setTransferOpen(true)}>
                Record inter-entity transfer
              </Button>
            </>
          )
        }
      />
      {!entity ? (
        <Alert title="No entity yet">Create an entity on the Accounts & Entities page first.</Alert>
      ) : (
        <>
          <JournalList entity={entity} />
          <TransferList entity={entity} entities={entities} />
          <TransactionModal entity={entity} opened={transactionOpen} onClose={() => setTransactionOpen(false)} />
          <Modal opened={transferOpen} onClose={() => setTransferOpen(false)} title="Record an inter-entity transfer" size="xl">
            <TransferForm
              entities={entities}
              currentEntity={entity}
              onCancel={() => setTransferOpen(false)}
              onRecorded={(transfer) => {
                setTransferOpen(false);
                notifications.show({ title: 'Transfer recorded', message: `${transferKindLabel[transfer.kind]}: ${transfer.purpose}`, color: 'green.9' });
              }}
            />
          </Modal>
        </>
      )}
    </Stack>
  );
}

/** The add-a-transaction dialog, also used by an account's register (with that account preselected). */
export function TransactionModal({ entity, opened, onClose, defaultAccountId }: { entity: Entity; opened: boolean; onClose(): void; defaultAccountId?: string }) {
  const accounts = useAccounts(entity.id);
  return (
    <Modal opened={opened} onClose={onClose} title={`New transaction in ${entity.name}`} size="xl">
      {accounts.data ? (
        <TransactionForm
          entity={entity}
          accounts={accounts.data}
          defaultAccountId={defaultAccountId}
          onCancel={onClose}
          onPosted={(journal) => {
            onClose();
            notifications.show({ title: 'Transaction posted', message: `${journal.payee ?? journal.memo} on ${journal.date}`, color: 'green.9' });
          }}
        />
      ) : (
        <Loader aria-label="Loading accounts" />
      )}
    </Modal>
  );
}

function JournalList({ entity }: { entity: Entity }) {
  const [page, setPage] = useState(1);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const journals = useQuery({
    queryKey: ['journals', entity.id, { page, from, to }],
    queryFn: () => api<Page<Journal>>(`/entities/${entity.id}/journals`, { query: { limit: pageSize, offset: (page - 1) * pageSize, from, to } }),
    placeholderData: keepPreviousData,
  });
  const total = journals.data?.page.total ?? 0;
  return (
    <section aria-labelledby="journals-heading">
      <Group justify="space-between" align="flex-end" mb="sm">
        <Title order={2} size="h3" id="journals-heading">
          Journals
        </Title>
        <Group gap="sm" align="flex-end">
          <TextInput type="date" label="From" size="xs" value={from} onChange={(event) => { setFrom(event.currentTarget.value); setPage(1); }} />
          <TextInput type="date" label="To" size="xs" value={to} onChange={(event) => { setTo(event.currentTarget.value); setPage(1); }} />
        </Group>
      </Group>
      {journals.isPending ? (
        <Loader aria-label="Loading journals" />
      ) : journals.isError ? (
        <Alert color="red" title="Could not load journals">{journals.error.message}</Alert>
      ) : journals.data.data.length === 0 ? (
        <Text c="dimmed">No journals{from || to ? ' in these dates' : ' yet'}.</Text>
      ) : (
        <>
          <Table striped withTableBorder aria-label={`Journals of ${entity.name}`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col" w={120}>Date</Table.Th>
                <Table.Th scope="col">Payee and memo</Table.Th>
                <Table.Th scope="col">Postings (debits +, credits −)</Table.Th>
                <Table.Th scope="col" w={130}>Source</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {journals.data.data.map((journal) => (
                <Table.Tr key={journal.id}>
                  <Table.Td>{formatDate(journal.date)}</Table.Td>
                  <Table.Td>
                    <Text size="sm" fw={500}>{journal.payee ?? '—'}</Text>
                    <Text size="sm" c="dimmed">{journal.memo}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Stack gap={0}>
                      {journal.postings.map((posting) => (
                        <Group key={posting.id} justify="space-between" gap="md" wrap="nowrap">
                          <Text size="sm">{posting.accountName}</Text>
                          <MoneyText value={posting.amount} currency={posting.currency} size="sm" />
                        </Group>
                      ))}
                    </Stack>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color="gray">{sourceLabel[journal.source] ?? journal.source}</Badge>
                    {journal.reversedByJournalId && <Badge variant="outline" color="red" ml={4}>Reversed</Badge>}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group justify="space-between" mt="sm">
            <Text size="sm" c="dimmed">
              {`${(page - 1) * pageSize + 1}–${Math.min(page * pageSize, total)} of ${total.toLocaleString()}`}
            </Text>
            <Pagination total={Math.max(1, Math.ceil(total / pageSize))} value={page} onChange={setPage} getControlProps={(control) => ({ 'aria-label': `${control} page` })} getItemProps={(item) => ({ 'aria-label': `Page ${item}` })} />
          </Group>
        </>
      )}
    </section>
  );
}

function TransferList({ entity, entities }: { entity: Entity; entities: Entity[] }) {
  const transfers = useQuery({
    queryKey: ['transfers', entity.id],
    queryFn: () => api<Page<Transfer>>('/inter-entity-transfers', { query: { entityId: entity.id, limit: 10 } }),
  });
  const entityById = (id: string) => entities.find((candidate) => candidate.id === id);
  return (
    <section aria-labelledby="transfers-heading">
      <Title order={2} size="h3" id="transfers-heading" mb="sm">
        Inter-entity transfers
      </Title>
      {transfers.isPending ? (
        <Loader aria-label="Loading transfers" />
      ) : transfers.isError ? (
        <Alert color="red" title="Could not load transfers">{transfers.error.message}</Alert>
      ) : transfers.data.data.length === 0 ? (
        <Text c="dimmed">No transfers between this entity and another yet.</Text>
      ) : (
        <Table withTableBorder aria-label="Recent inter-entity transfers">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Date</Table.Th>
              <Table.Th scope="col">Kind</Table.Th>
              <Table.Th scope="col">From → to</Table.Th>
              <Table.Th scope="col">Purpose</Table.Th>
              <Table.Th scope="col" ta="right">Amount</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {transfers.data.data.map((transfer) => {
              const fromEntity = entityById(transfer.fromEntityId);
              const toEntity = entityById(transfer.toEntityId);
              return (
                <Table.Tr key={transfer.id}>
                  <Table.Td>{formatDate(transfer.date)}</Table.Td>
                  <Table.Td>
                    {transferKindLabel[transfer.kind]}
                    {transfer.reversed && <Badge variant="outline" color="red" ml={4}>Reversed</Badge>}
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      {fromEntity && <EntityBadge kind={fromEntity.kind} />}
                      <Text span aria-hidden>→</Text>
                      {toEntity && <EntityBadge kind={toEntity.kind} />}
                    </Group>
                    <Text size="sm">
                      {fromEntity?.name ?? '?'} to {toEntity?.name ?? '?'}
                    </Text>
                  </Table.Td>
                  <Table.Td>{transfer.purpose}</Table.Td>
                  <Table.Td ta="right">
                    <MoneyText value={transfer.amount} currency={transfer.currency} />
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
    </section>
  );
}
