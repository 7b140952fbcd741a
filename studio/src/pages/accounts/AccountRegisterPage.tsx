import { Alert, Anchor, Badge, Breadcrumbs, Button, Group, Loader, Pagination, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { IconFilter, IconPlus, IconX } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client';
import type { Account, RegisterPage } from '../../api/types';
import { formatDate } from '../../shell/dates';
import { useEntityScope } from '../../shell/entity-scope';
import { formErrorsOf } from '../../shell/form-problems';
import { MoneyText } from '../../shell/MoneyText';
import { currencyExponent, naturalBalance, parseAmountInput } from '../../shell/money';
import { PageHeader } from '../../shell/PageHeader';
import { useAccounts } from '../../shell/queries';
import { TransactionModal, sourceLabel } from '../transactions/TransactionsPage';

const pageSize = 50;

interface Filters {
  from: string;
  to: string;
  search: string;
  payee: string;
  categoryId: string;
  minAmount: string;
  maxAmount: string;
}

const noFilters: Filters = { from: '', to: '', search: '', payee: '', categoryId: '', minAmount: '', maxAmount: '' };

/**
 * An account's register: newest first, a running balance over the account's whole history, and
 * filters that combine. The server pages it (50 rows a page), so 10,000 rows cost one page.
 */
export default function AccountRegisterPage() {
  const { accountId = '' } = useParams();
  const navigate = useNavigate();
  const { entities, entity: scopeEntity, select } = useEntityScope();
  const account = useQuery({ queryKey: ['accounts', accountId], queryFn: () => api<Account>(`/accounts/${accountId}`) });
  const entity = entities.find((candidate) => candidate.id === account.data?.entityId) ?? null;
  const siblings = useAccounts(entity?.id);
  const [filters, setFilters] = useState<Filters>(noFilters);
  const [page, setPage] = useState(1);
  const [adding, setAdding] = useState(false);

  // Opening another entity's account moves the header to that entity, so the switcher never
  // claims another one; switching the header away afterwards leaves the register.
  const synced = useRef<string | null>(null);
  useEffect(() => {
    if (!entity || !scopeEntity) return;
    if (synced.current !== entity.id) {
      synced.current = entity.id;
      if (scopeEntity.id !== entity.id) select(entity.id);
    } else if (scopeEntity.id !== entity.id) {
      navigate('/accounts');
    }
  }, [entity, scopeEntity, select, navigate]);

  const register = useQuery({
    queryKey: ['register', accountId, filters, page],
    enabled: Boolean(account.data),
    queryFn: () => api<RegisterPage>(`/accounts/${accountId}/register`, { query: { ...filters, limit: pageSize, offset: (page - 1) * pageSize } }),
    placeholderData: keepPreviousData,
  });

  const exponent = currencyExponent(account.data?.currency);
  const form = useForm<Filters>({
    initialValues: noFilters,
    validate: {
      minAmount: (value) => (!value || parseAmountInput(value, exponent) !== null ? null : 'An amount like 50 or 49.99'),
      maxAmount: (value, values) => {
        if (!value) return null;
        const max = parseAmountInput(value, exponent);
        if (max === null) return 'An amount like 50 or 49.99';
        const min = values.minAmount ? parseAmountInput(values.minAmount, exponent) : null;
        return min !== null && max < min ? 'At least the minimum' : null;
      },
      to: (value, values) => (value && values.from && value < values.from ? 'On or after the start date' : null),
    },
  });

  // Field errors of the API (/query/minAmount...) go under the filter inputs.
  useEffect(() => {
    if (!register.error) return;
    const { fieldErrors } = formErrorsOf(register.error, ([where, field]) => (where === 'query' && field && field in noFilters ? field : null));
    if (Object.keys(fieldErrors).length > 0) form.setErrors(fieldErrors);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [register.error]);

  if (account.isPending) return <Loader aria-label="Loading the account" />;
  if (account.isError) return <Alert color="red" title="Could not open the account">{account.error.message}</Alert>;
  const current = account.data;
  const natural = (value: string) => naturalBalance(value, current.normalBalance);
  const total = register.data?.page.total ?? 0;
  const applied = Object.values(filters).some(Boolean);

  return (
    <Stack gap="lg">
      <Breadcrumbs aria-label="Breadcrumb">
        <Anchor component={Link} to="/accounts" c="blue.9">Accounts & Entities</Anchor>
        <Text span>{current.name}</Text>
      </Breadcrumbs>
      <PageHeader
        title={current.name}
        entity={entity}
        description={`${current.code} · ${current.type} · ${current.subtype.replace(/_/g, ' ')}${current.normalBalance === 'credit' ? ' · amounts shown as what is owed' : ''}`}
        actions={
          entity && (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setAdding(true)}>
              Add transaction
            </Button>
          )
        }
      />
      <Group>
        <Paper withBorder p="sm">
          <Text size="sm" c="dimmed">Balance</Text>
          <MoneyText value={natural(current.balance)} currency={current.currency} size="xl" fw={700} />
        </Paper>
      </Group>

      <Paper withBorder p="md" component="section" aria-labelledby="filters-heading">
        <Title order={2} size="h4" id="filters-heading" mb="sm">
          Filter
        </Title>
        <form
          noValidate
          onSubmit={form.onSubmit((values) => {
            setFilters({ ...values, minAmount: values.minAmount.replace(/[$,]/g, ''), maxAmount: values.maxAmount.replace(/[$,]/g, '') });
            setPage(1);
          })}
        >
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
            <TextInput type="date" label="From date" {...form.getInputProps('from')} />
            <TextInput type="date" label="To date" {...form.getInputProps('to')} />
            <TextInput label="Search memo or payee" {...form.getInputProps('search')} />
            <TextInput label="Payee" {...form.getInputProps('payee')} />
            <Select
              label="Category"
              searchable
              clearable
              data={(siblings.data ?? []).filter((candidate) => candidate.id !== current.id).map((candidate) => ({ value: candidate.id, label: `${candidate.code} · ${candidate.name}` }))}
              {...form.getInputProps('categoryId')}
              value={form.values.categoryId || null}
              onChange={(value) => form.setFieldValue('categoryId', value ?? '')}
            />
            <TextInput label="Amount at least" inputMode="decimal" {...form.getInputProps('minAmount')} />
            <TextInput label="Amount at most" inputMode="decimal" {...form.getInputProps('maxAmount')} />
            <Group align="flex-end" gap="xs">
              <Button type="submit" leftSection={<IconFilter size={16} aria-hidden />}>
                Apply filters
              </Button>
              <Button
                variant="default"
                leftSection={<IconX size={16} aria-hidden />}
                disabled={!applied}
                onClick={() => {
                  form.setValues(noFilters);
                  form.clearErrors();
                  setFilters(noFilters);
                  setPage(1);
                }}
              >
                Clear
              </Button>
            </Group>
          </SimpleGrid>
        </form>
      </Paper>

      <section aria-labelledby="register-heading">
        <Group justify="space-between" mb="xs">
          <Title order={2} size="h4" id="register-heading">
            Register
          </Title>
          <Text size="sm" c="dimmed" aria-live="polite">
            {register.data ? (total === 0 ? 'No rows' : `Rows ${((page - 1) * pageSize + 1).toLocaleString()}–${Math.min(page * pageSize, total).toLocaleString()} of ${total.toLocaleString()}${applied ? ' matching the filters' : ''}`) : ''}
          </Text>
        </Group>
        {register.isPending ? (
          <Loader aria-label="Loading the register" />
        ) : register.isError ? (
          <Alert color="red" title="Could not load the register">{register.error.message}</Alert>
        ) : (
          <>
            <Table.ScrollContainer minWidth={760}>
              <Table striped highlightOnHover withTableBorder stickyHeader aria-label={`Register of ${current.name}`} data-testid="register-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col" w={120}>Date</Table.Th>
                    <Table.Th scope="col">Payee</Table.Th>
                    <Table.Th scope="col">Memo</Table.Th>
                    <Table.Th scope="col">Category</Table.Th>
                    <Table.Th scope="col" ta="right">Amount</Table.Th>
                    <Table.Th scope="col" ta="right">Balance</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {register.data.data.map((row) => (
                    <Table.Tr key={row.postingId}>
                      <Table.Td>{formatDate(row.date)}</Table.Td>
                      <Table.Td>{row.payee ?? '—'}</Table.Td>
                      <Table.Td>
                        {row.postingMemo ?? row.memo}
                        {row.source !== 'manual' && row.source !== 'demo' && (
                          <Badge size="xs" variant="light" color="gray" ml={6}>
                            {sourceLabel[row.source] ?? row.source}
                          </Badge>
                        )}
                        {row.reversedByJournalId && <Badge size="xs" variant="outline" color="red" ml={4}>Reversed</Badge>}
                      </Table.Td>
                      <Table.Td>{row.counterAccounts.length > 1 ? `Split: ${row.counterAccounts.map((item) => item.name).join(', ')}` : (row.counterAccounts[0]?.name ?? '—')}</Table.Td>
                      <Table.Td ta="right">
                        <MoneyText value={natural(row.amount)} currency={current.currency} />
                      </Table.Td>
                      <Table.Td ta="right">
                        <MoneyText value={natural(row.runningBalance)} currency={current.currency} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            {total > pageSize && (
              <Group justify="flex-end" mt="sm">
                <Pagination total={Math.ceil(total / pageSize)} value={page} onChange={setPage} getControlProps={(control) => ({ 'aria-label': `${control} page` })} getItemProps={(item) => ({ 'aria-label': `Page ${item}` })} />
              </Group>
            )}
          </>
        )}
      </section>
      {entity && adding && <TransactionModal entity={entity} opened={adding} onClose={() => setAdding(false)} defaultAccountId={current.id} />}
    </Stack>
  );
}
