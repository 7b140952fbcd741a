import { Alert, Anchor, Badge, Button, Group, Loader, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { IconAlertTriangle, IconInfoCircle } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, type Page } from '../../api/client';
import type { Alert as AlertRow, Jobs, NetWorthHistory, NetWorthReport } from '../../api/types';
import { cashSubtypes, moneySubtypes } from '../../shell/balances';
import { formatDateTime, todayIso } from '../../shell/dates';
import { EntityBadge } from '../../shell/EntityBadge';
import { EntityPanel } from '../../shell/EntityPanel';
import { useEntityScope } from '../../shell/entity-scope';
import { MoneyText } from '../../shell/MoneyText';
import { NetWorthChart } from '../../shell/NetWorthChart';
import { formatMoney, naturalBalance } from '../../shell/money';
import { PageHeader } from '../../shell/PageHeader';
import { useAllAccounts } from '../../shell/queries';

function yearAgo(today: string): string {
  const [year, month] = today.split('-').map(Number) as [number, number];
  return `${year - 1}-${String(month).padStart(2, '0')}-01`;
}

export default function DashboardPage() {
  const { entities, loading } = useEntityScope();
  const today = todayIso();
  const netWorth = useQuery({ queryKey: ['net-worth', today], enabled: entities.length > 0, queryFn: () => api<NetWorthReport>('/reports/net-worth', { query: { asOf: today } }) });
  return (
    <Stack gap="xl">
      <PageHeader title="Dashboard" description="Every entity of your household at a glance. Figures come from the books as of today." />
      {loading ? (
        <Loader aria-label="Loading" />
      ) : entities.length === 0 ? (
        <Alert icon={<IconInfoCircle aria-hidden />} title="Start by creating your entities">
          Sluice keeps an LLC's books apart from personal money. <Anchor component={Link} to="/accounts" c="blue.9" underline="always">Create your LLC and your personal entity</Anchor> to begin.
        </Alert>
      ) : (
        <>
          <NetWorthCards report={netWorth.data} error={netWorth.error} />
          <NetWorthOverTime today={today} />
          <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="xl">
            <AccountBalances />
            <Stack gap="xl">
              <Alerts />
              <Runs />
            </Stack>
          </SimpleGrid>
        </>
      )}
    </Stack>
  );
}

function NetWorthCards({ report, error }: { report: NetWorthReport | undefined; error: Error | null }) {
  if (error) return <Alert color="red" title="Could not load net worth">{error.message}</Alert>;
  if (!report) return <Loader aria-label="Loading net worth" />;
  return (
    <section aria-labelledby="net-worth-heading">
      <Title order={2} size="h3" id="net-worth-heading" mb="sm">
        Net worth
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: Math.min(report.entities.length + 1, 4) }}>
        {report.entities.map((row) => (
          <EntityPanel key={row.entityId} kind={row.kind} component="article" aria-label={`Net worth of ${row.name}`} data-testid={`net-worth-${row.kind}`}>
            <Stack gap={4}>
              <EntityBadge kind={row.kind} name={row.name} />
              <MoneyText value={row.netWorth} currency={report.currency} size="xl" fw={700} data-testid="net-worth-value" />
              <Text size="sm" c="dimmed">
                Assets {formatMoney(row.assets, report.currency)} · Liabilities {formatMoney(row.liabilities, report.currency)}
              </Text>
            </Stack>
          </EntityPanel>
        ))}
        <Paper withBorder p="md" component="article" aria-label="Combined net worth" data-testid="net-worth-combined" style={{ borderLeft: '6px solid var(--mantine-color-gray-7)' }}>
          <Stack gap={4}>
            <Badge variant="light" color="gray">Combined household</Badge>
            <MoneyText value={report.consolidated.netWorth} currency={report.currency} size="xl" fw={700} />
            <Text size="sm" c="dimmed">
              {report.consolidated.reconciled ? 'Money owed between your entities cancels out here.' : `Intercompany balances do not mirror each other (off by ${formatMoney(report.consolidated.eliminated, report.currency)}).`}
            </Text>
          </Stack>
        </Paper>
      </SimpleGrid>
    </section>
  );
}

function NetWorthOverTime({ today }: { today: string }) {
  const from = yearAgo(today);
  const history = useQuery({ queryKey: ['net-worth', 'history', from, today], queryFn: () => api<NetWorthHistory>('/reports/net-worth/history', { query: { from, to: today, interval: 'month' } }) });
  return (
    <section aria-labelledby="chart-heading">
      <Title order={2} size="h3" id="chart-heading" mb="sm">
        Balances over time
      </Title>
      {history.isPending ? (
        <Loader aria-label="Loading the chart" />
      ) : history.isError ? (
        <Alert color="red" title="Could not load the history">{history.error.message}</Alert>
      ) : (
        <NetWorthChart history={history.data} combinedLabel="Combined" tableRows={3} dateHeader="Month end" />
      )}
    </section>
  );
}

function AccountBalances() {
  const accounts = useAllAccounts();
  const [showAll, setShowAll] = useState(false);
  const money = (accounts.data ?? []).filter((account) => moneySubtypes.includes(account.subtype) && !account.archived);
  // Bank and cash accounts always show (an empty savings account is news); empty cards, loans and
  // investment accounts are noise here, one switch shows them.
  const shown = showAll ? money : money.filter((account) => cashSubtypes.includes(account.subtype) || !/^-?0(\.0+)?$/.test(account.balance));
  const hidden = money.length - shown.length;
  return (
    <section aria-labelledby="balances-heading">
      <Title order={2} size="h3" id="balances-heading" mb="sm">
        Account balances
      </Title>
      {accounts.isPending ? (
        <Loader aria-label="Loading balances" />
      ) : accounts.isError ? (
        <Alert color="red" title="Could not load accounts">{accounts.error.message}</Alert>
      ) : (
        <Table withTableBorder striped aria-label="Balances of bank, card, loan and investment accounts" data-testid="dashboard-balances">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Entity</Table.Th>
              <Table.Th scope="col">Account</Table.Th>
              <Table.Th scope="col" ta="right">Balance</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((account) => (
                <Table.Tr key={account.id}>
                  <Table.Td>
                    <EntityBadge kind={account.entity.kind} />
                  </Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`/accounts/${account.id}`} c="blue.9">
                      {account.name}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      {account.entity.name}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    <MoneyText value={naturalBalance(account.balance, account.normalBalance)} currency={account.currency} />
                  </Table.Td>
                </Table.Tr>
              ))}
          </Table.Tbody>
        </Table>
      )}
      {accounts.data && (hidden > 0 || showAll) && (
        <Button variant="subtle" size="xs" mt="xs" onClick={() => setShowAll((value) => !value)}>
          {showAll ? 'Hide empty cards, loans and investment accounts' : `Show ${hidden} more accounts with a zero balance`}
        </Button>
      )}
    </section>
  );
}

function Alerts() {
  const alerts = useQuery({ queryKey: ['alerts'], queryFn: () => api<Page<AlertRow> & { unread: number }>('/alerts', { query: { limit: 5 } }) });
  return (
    <section aria-labelledby="alerts-heading">
      <Group gap="sm" mb="sm">
        <Title order={2} size="h3" id="alerts-heading">
          Alerts
        </Title>
        {alerts.data && alerts.data.unread > 0 && <Badge color="red">{alerts.data.unread} unread</Badge>}
      </Group>
      {alerts.isPending ? (
        <Loader aria-label="Loading alerts" />
      ) : alerts.isError ? (
        <Alert color="red" title="Could not load alerts">{alerts.error.message}</Alert>
      ) : alerts.data.data.length === 0 ? (
        <Text c="dimmed">No alerts. Failed runs, runs waiting for approval and alert nodes show up here.</Text>
      ) : (
        <Stack gap="xs">
          {alerts.data.data.map((alert) => (
            <Alert key={alert.id} color={alert.level === 'error' ? 'red' : alert.level === 'warning' ? 'orange' : 'blue'} icon={<IconAlertTriangle aria-hidden />} title={`${alert.kind.replace(/_/g, ' ')} · ${formatDateTime(alert.createdAt)}`}>
              {alert.message}
              {alert.flowId && (
                <>
                  {' '}
                  <Anchor component={Link} to={`/flows/${alert.flowId}`} c="blue.9" underline="always">
                    Open the flow
                  </Anchor>
                </>
              )}
            </Alert>
          ))}
        </Stack>
      )}
    </section>
  );
}

function Runs() {
  const jobs = useQuery({ queryKey: ['jobs'], queryFn: () => api<Jobs>('/jobs', { query: { limit: 5 } }) });
  return (
    <section aria-labelledby="runs-heading">
      <Title order={2} size="h3" id="runs-heading" mb="sm">
        Flow runs
      </Title>
      {jobs.isPending ? (
        <Loader aria-label="Loading runs" />
      ) : jobs.isError ? (
        <Alert color="red" title="Could not load runs">{jobs.error.message}</Alert>
      ) : (
        <Stack gap="md">
          <div>
            <Title order={3} size="h5" mb={4}>
              Upcoming
            </Title>
            {jobs.data.upcoming.length === 0 ? (
              <Text c="dimmed" size="sm">Nothing scheduled. Enable a scheduled flow on the Flows page.</Text>
            ) : (
              <Table withTableBorder aria-label="Upcoming scheduled runs">
                <Table.Tbody>
                  {jobs.data.upcoming.map((job) => (
                    <Table.Tr key={`${job.flowId}-${job.occurrence}`}>
                      <Table.Td>
                        <Anchor component={Link} to={`/flows/${job.flowId}`} c="blue.9">{job.flowName}</Anchor>
                      </Table.Td>
                      <Table.Td>{formatDateTime(job.nextRunAt)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </div>
          <div>
            <Title order={3} size="h5" mb={4}>
              Recent
            </Title>
            {jobs.data.recent.length === 0 ? (
              <Text c="dimmed" size="sm">No runs yet.</Text>
            ) : (
              <Table withTableBorder aria-label="Recent runs">
                <Table.Tbody>
                  {jobs.data.recent.map((run) => (
                    <Table.Tr key={run.runId}>
                      <Table.Td>
                        <Anchor component={Link} to={`/flows/${run.flowId}`} c="blue.9">{run.flowName}</Anchor>
                      </Table.Td>
                      <Table.Td>
                        <Badge variant="light" color={run.status === 'committed' ? 'green' : run.status === 'failed' ? 'red' : 'gray'}>{run.status.replace(/_/g, ' ')}</Badge>
                      </Table.Td>
                      <Table.Td>{formatDateTime(run.startedAt)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </div>
        </Stack>
      )}
    </section>
  );
}
