import { Alert, Anchor, Badge, Button, Group, Loader, Modal, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Account, AccountType, Entity } from '../../api/types';
import { accountTypeLabel, netWorth, subtypeLabel } from '../../shell/balances';
import { EntityBadge } from '../../shell/EntityBadge';
import { EntityPanel } from '../../shell/EntityPanel';
import { useEntityScope } from '../../shell/entity-scope';
import { MoneyText } from '../../shell/MoneyText';
import { naturalBalance } from '../../shell/money';
import { PageHeader } from '../../shell/PageHeader';
import { useAccounts } from '../../shell/queries';
import { AccountForm } from './AccountForm';
import { EntityForm } from './EntityForm';

const typeOrder: AccountType[] = ['asset', 'liability', 'equity', 'income', 'expense'];

export default function AccountsPage() {
  const { entity, entities, select, loading } = useEntityScope();
  const [entityFormOpen, setEntityFormOpen] = useState(false);
  const [accountFormOpen, setAccountFormOpen] = useState(false);

  return (
    <Stack gap="xl">
      <PageHeader
        title="Accounts & Entities"
        description="Each entity keeps its own books. Choose an entity to see its chart of accounts; open an account for its register."
        actions={
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setEntityFormOpen(true)}>
            New entity
          </Button>
        }
      />
      <section aria-labelledby="entities-heading">
        <Title order={2} size="h3" id="entities-heading" mb="sm">
          Entities
        </Title>
        {loading ? (
          <Loader aria-label="Loading entities" />
        ) : entities.length === 0 ? (
          <Alert title="No entities yet">Create your LLC and your personal entity to start keeping books.</Alert>
        ) : (
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
            {entities.map((candidate) => (
              <EntitySummary key={candidate.id} entity={candidate} current={candidate.id === entity?.id} onSelect={() => select(candidate.id)} />
            ))}
          </SimpleGrid>
        )}
      </section>
      {entity && (
        <section aria-labelledby="accounts-heading">
          <Group justify="space-between" mb="sm">
            <Group gap="sm">
              <Title order={2} size="h3" id="accounts-heading">
                Accounts of {entity.name}
              </Title>
              <EntityBadge kind={entity.kind} />
            </Group>
            <Button variant="light" leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setAccountFormOpen(true)}>
              New account
            </Button>
          </Group>
          <ChartOfAccounts entity={entity} />
        </section>
      )}
      <Modal opened={entityFormOpen} onClose={() => setEntityFormOpen(false)} title="New entity">
        <EntityForm
          onCancel={() => setEntityFormOpen(false)}
          onCreated={(created) => {
            setEntityFormOpen(false);
            select(created.id);
            notifications.show({ message: `${created.name} created, with its chart of accounts.`, color: 'green.9' });
          }}
        />
      </Modal>
      {entity && (
        <Modal opened={accountFormOpen} onClose={() => setAccountFormOpen(false)} title={`New account in ${entity.name}`}>
          <AccountForm
            entity={entity}
            onCancel={() => setAccountFormOpen(false)}
            onCreated={(account) => {
              setAccountFormOpen(false);
              notifications.show({ message: `${account.name} added to ${entity.name}.`, color: 'green.9' });
            }}
          />
        </Modal>
      )}
    </Stack>
  );
}

function EntitySummary({ entity, current, onSelect }: { entity: Entity; current: boolean; onSelect(): void }) {
  const accounts = useAccounts(entity.id);
  const headingId = `entity-${entity.id}`;
  return (
    <EntityPanel kind={entity.kind} component="article" aria-labelledby={headingId} data-testid={`entity-card-${entity.slug}`}>
      <Stack gap="xs">
        <EntityBadge kind={entity.kind} />
        <Title order={3} size="h4" id={headingId}>
          {entity.name}
        </Title>
        <Text size="sm" c="dimmed">
          Net worth
        </Text>
        {accounts.data ? <MoneyText value={netWorth(accounts.data, entity.baseCurrency)} currency={entity.baseCurrency} size="xl" fw={700} /> : <Loader size="sm" aria-label="Loading balances" />}
        <Text size="sm" c="dimmed">
          {accounts.data ? `${accounts.data.length} accounts` : ' '}
        </Text>
        {current ? (
          <Badge variant="outline" color="gray.8">
            Working in this entity
          </Badge>
        ) : (
          <Button variant="default" size="xs" onClick={onSelect} aria-label={`Work in this entity: ${entity.name}`}>
            Work in this entity
          </Button>
        )}
      </Stack>
    </EntityPanel>
  );
}

function ChartOfAccounts({ entity }: { entity: Entity }) {
  const accounts = useAccounts(entity.id);
  if (accounts.isPending) return <Loader aria-label="Loading accounts" />;
  if (accounts.isError) return <Alert color="red" title="Could not load accounts">{accounts.error.message}</Alert>;
  const byType = (type: AccountType) => accounts.data.filter((account) => account.type === type && !account.archived);
  return (
    <Stack gap="lg">
      {typeOrder.map((type) => {
        const rows = byType(type);
        if (rows.length === 0) return null;
        return (
          <div key={type}>
            <Title order={3} size="h5" mb={4}>
              {accountTypeLabel[type]}
            </Title>
            <Table striped highlightOnHover withTableBorder aria-label={`${accountTypeLabel[type]} of ${entity.name}`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col" w={90}>Code</Table.Th>
                  <Table.Th scope="col">Account</Table.Th>
                  <Table.Th scope="col">Subtype</Table.Th>
                  <Table.Th scope="col" ta="right">Balance</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((account) => (
                  <AccountRow key={account.id} account={account} />
                ))}
              </Table.Tbody>
            </Table>
          </div>
        );
      })}
    </Stack>
  );
}

function AccountRow({ account }: { account: Account }) {
  return (
    <Table.Tr>
      <Table.Td>{account.code}</Table.Td>
      <Table.Td>
        <Group gap="xs">
          <Anchor component={Link} to={`/accounts/${account.id}`} c="blue.9">
            {account.name}
          </Anchor>
          {account.counterpartyEntityId && (
            <Badge size="xs" variant="outline" color="gray.8">
              Intercompany
            </Badge>
          )}
        </Group>
      </Table.Td>
      <Table.Td>{subtypeLabel(account.subtype)}</Table.Td>
      <Table.Td ta="right">
        <MoneyText value={naturalBalance(account.balance, account.normalBalance)} currency={account.currency} />
      </Table.Td>
    </Table.Tr>
  );
}

