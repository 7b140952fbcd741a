import { Alert, Button, Group, Loader, Paper, Select, SimpleGrid, Stack, Tabs, Text, TextInput } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { api } from '../../api/client';
import { todayIso } from '../../shell/dates';
import { useEntityScope } from '../../shell/entity-scope';
import { PageHeader } from '../../shell/PageHeader';
import { AuditView } from './AuditView';
import { downloadFile } from './download';
import { NetWorthChart } from '../../shell/NetWorthChart';
import { NetWorthView, ScheduleCView } from './HouseholdViews';
import { isIsoDate, periodPresets, presetPeriod, type PeriodPreset } from './periods';
import type { NetWorthHistory } from '../../api/types';
import type { BalanceSheet, CashFlow, GeneralLedger, HouseholdNetWorth, IncomeStatement, InterEntityAudit, ScheduleC, TrialBalance } from './report-types';
import { BalanceSheetView, CashFlowView, GeneralLedgerView, IncomeStatementView, TrialBalanceView } from './StatementViews';

type ReportKey = 'balance-sheet' | 'income-statement' | 'cash-flow' | 'trial-balance' | 'general-ledger' | 'inter-entity-audit' | 'schedule-c' | 'net-worth';

interface ReportTab {
  key: ReportKey;
  label: string;
  /** Only for an LLC. */
  llcOnly?: boolean;
  /** Takes a comparison period. */
  compares?: boolean;
  /** Of the whole household, not one entity. */
  household?: boolean;
}

const reportTabs: ReportTab[] = [
  { key: 'balance-sheet', label: 'Balance sheet', compares: true },
  { key: 'income-statement', label: 'Income statement', compares: true },
  { key: 'cash-flow', label: 'Cash flow', compares: true },
  { key: 'trial-balance', label: 'Trial balance' },
  { key: 'general-ledger', label: 'General ledger' },
  { key: 'inter-entity-audit', label: 'Inter-entity audit', llcOnly: true },
  { key: 'schedule-c', label: 'Schedule C', llcOnly: true },
  { key: 'net-worth', label: 'Household net worth', household: true },
];

const compareOptions = [
  { value: 'none', label: 'No comparison' },
  { value: 'previous', label: 'Previous period' },
  { value: 'last_year', label: 'Same period last year' },
];

const intervalOptions = [
  { value: 'week', label: 'Weekly' },
  { value: 'month', label: 'Monthly' },
  { value: 'quarter', label: 'Quarterly' },
  { value: 'year', label: 'Yearly' },
];

export default function ReportsPage() {
  const { entities, entity, loading, select } = useEntityScope();
  const today = todayIso();
  const [tab, setTab] = useState<ReportKey>('balance-sheet');
  const [preset, setPreset] = useState<PeriodPreset>('this_year');
  const [custom, setCustom] = useState(() => presetPeriod('this_year', today));
  const [compare, setCompare] = useState('none');
  const [historyInterval, setHistoryInterval] = useState('month');
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const [downloading, setDownloading] = useState<string | null>(null);

  const period = preset === 'custom' ? custom : presetPeriod(preset, today);
  const fromError = !isIsoDate(period.from) ? 'Enter a date like 2026-01-31' : undefined;
  const toError = !isIsoDate(period.to) ? 'Enter a date like 2026-01-31' : !fromError && period.from > period.to ? 'The end must not be before the start' : undefined;
  const periodValid = !fromError && !toError;

  const tabs = reportTabs.filter((candidate) => !candidate.llcOnly || entity?.kind === 'llc');
  const active = tabs.find((candidate) => candidate.key === tab) ?? tabs[0]!;
  const year = period.to.slice(0, 4);

  const request = reportRequest(active, entity?.id, period, compare, year);
  const report = useQuery({
    queryKey: ['reports', active.key, entity?.id, request?.path, JSON.stringify(request?.query)],
    enabled: Boolean(request) && periodValid,
    queryFn: () => api<unknown>(request!.path, { query: request!.query }),
  });
  const history = useQuery({
    queryKey: ['reports', 'net-worth-history', period.from, period.to, historyInterval],
    enabled: active.key === 'net-worth' && periodValid,
    queryFn: () => api<NetWorthHistory>('/reports/net-worth/history', { query: { from: period.from, to: period.to, interval: historyInterval } }),
  });

  const download = async (kind: 'csv' | 'pdf' | 'hledger') => {
    if (!request) return;
    setDownloadError(null);
    setDownloading(kind);
    try {
      if (kind === 'hledger') {
        const path = active.household || !entity ? '/export/hledger' : `/entities/${entity.id}/export/hledger`;
        await downloadFile(path, {}, `${active.household || !entity ? 'household' : entity.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.journal`, 'hledger');
      } else {
        await downloadFile(request.path, { ...request.query, format: kind }, `${active.key}-${period.from}-${period.to}.${kind}`, kind);
      }
    } catch (error) {
      setDownloadError((error as Error).message);
    } finally {
      setDownloading(null);
    }
  };

  if (loading) return <Loader aria-label="Loading" />;
  if (entities.length === 0 || !entity) {
    return (
      <Stack>
        <PageHeader title="Reports" />
        <Alert title="No entities yet">Create your LLC and your personal entity on the Accounts page; their reports appear here.</Alert>
      </Stack>
    );
  }

  return (
    <Stack gap="lg">
      <PageHeader title="Reports" entity={active.household ? null : entity} description="Statements, the inter-entity audit and tax exports, straight from the books. Download any of them as CSV or PDF." />
      <Paper withBorder p="md" component="form" aria-label="Report settings" onSubmit={(event) => event.preventDefault()}>
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 5 }}>
          <Select label="Entity" data={entities.map((candidate) => ({ value: candidate.id, label: `${candidate.name} (${candidate.kind === 'llc' ? 'LLC' : 'personal'})` }))} value={entity.id} onChange={(value) => value && select(value)} allowDeselect={false} disabled={active.household} />
          <Select label="Period" data={periodPresets} value={preset} onChange={(value) => {
            if (!value) return;
            if (value === 'custom') setCustom(period);
            setPreset(value as PeriodPreset);
          }} allowDeselect={false} />
          <TextInput label="From" type="date" value={period.from} readOnly={preset !== 'custom'} onChange={(event) => setCustom({ ...custom, from: event.currentTarget.value })} error={fromError} />
          <TextInput label={active.key === 'balance-sheet' || active.key === 'net-worth' ? 'To (as of)' : 'To'} type="date" value={period.to} readOnly={preset !== 'custom'} onChange={(event) => setCustom({ ...custom, to: event.currentTarget.value })} error={toError} />
          {active.compares ? (
            <Select label="Compare with" data={compareOptions} value={compare} onChange={(value) => value && setCompare(value)} allowDeselect={false} />
          ) : active.household ? (
            <Select label="History interval" data={intervalOptions} value={historyInterval} onChange={(value) => value && setHistoryInterval(value)} allowDeselect={false} />
          ) : (
            <div />
          )}
        </SimpleGrid>
        {active.key === 'schedule-c' && (
          <Text size="sm" c="dimmed" mt="xs">
            Schedule C covers the calendar year of the period&apos;s end: {year}.
          </Text>
        )}
      </Paper>

      <Tabs value={active.key} onChange={(value) => value && setTab(value as ReportKey)} keepMounted={false}>
        <Tabs.List aria-label="Reports">
          {tabs.map((candidate) => (
            <Tabs.Tab key={candidate.key} value={candidate.key}>
              {candidate.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {tabs.map((candidate) => (
          <Tabs.Panel key={candidate.key} value={candidate.key} pt="md">
            <Stack>
              <Group justify="flex-end" gap="sm">
                <Button variant="default" leftSection={<IconDownload size={16} aria-hidden />} onClick={() => void download('csv')} loading={downloading === 'csv'} disabled={!periodValid} aria-label={`Download ${candidate.label} as CSV`}>
                  CSV
                </Button>
                <Button variant="default" leftSection={<IconDownload size={16} aria-hidden />} onClick={() => void download('pdf')} loading={downloading === 'pdf'} disabled={!periodValid} aria-label={`Download ${candidate.label} as PDF`}>
                  PDF
                </Button>
                <Button variant="default" leftSection={<IconDownload size={16} aria-hidden />} onClick={() => void download('hledger')} loading={downloading === 'hledger'} aria-label={candidate.household ? 'Download the household ledger as an hledger journal' : `Download the ledger of ${entity.name} as an hledger journal`}>
                  hledger journal
                </Button>
              </Group>
              {downloadError && (
                <Alert color="red" title="The download failed" withCloseButton onClose={() => setDownloadError(null)}>
                  {downloadError}
                </Alert>
              )}
              {!periodValid ? (
                <Alert color="yellow" title="Choose a valid period">Fix the dates above to see the report.</Alert>
              ) : report.isPending ? (
                <Loader aria-label={`Loading the ${candidate.label.toLowerCase()}`} />
              ) : report.isError ? (
                <Alert color="red" title={`Could not load the ${candidate.label.toLowerCase()}`}>
                  {report.error.message}
                </Alert>
              ) : (
                <ReportBody tab={candidate.key} data={report.data} history={history.data} historyError={history.error} />
              )}
            </Stack>
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}

function reportRequest(tab: ReportTab, entityId: string | undefined, period: { from: string; to: string }, compare: string, year: string): { path: string; query: Record<string, string | undefined> } | undefined {
  if (tab.household) return { path: '/reports/net-worth', query: { asOf: period.to } };
  if (!entityId) return undefined;
  if (tab.key === 'schedule-c') return { path: `/entities/${entityId}/reports/schedule-c`, query: { year } };
  return { path: `/entities/${entityId}/reports/${tab.key}`, query: { from: period.from, to: period.to, compare: tab.compares && compare !== 'none' ? compare : undefined } };
}

function ReportBody({ tab, data, history, historyError }: { tab: ReportKey; data: unknown; history: NetWorthHistory | undefined; historyError: Error | null }): ReactNode {
  switch (tab) {
    case 'balance-sheet':
      return <BalanceSheetView report={data as BalanceSheet} />;
    case 'income-statement':
      return <IncomeStatementView report={data as IncomeStatement} />;
    case 'cash-flow':
      return <CashFlowView report={data as CashFlow} />;
    case 'trial-balance':
      return <TrialBalanceView report={data as TrialBalance} />;
    case 'general-ledger':
      return <GeneralLedgerView report={data as GeneralLedger} />;
    case 'inter-entity-audit':
      return <AuditView report={data as InterEntityAudit} />;
    case 'schedule-c':
      return <ScheduleCView report={data as ScheduleC} />;
    case 'net-worth':
      return (
        <Stack>
          <NetWorthView report={data as HouseholdNetWorth} />
          {historyError ? <Alert color="red" title="Could not load the history">{historyError.message}</Alert> : history ? <NetWorthChart history={history} combinedLabel="Consolidated" title="Net worth over time" dateHeader="Date" /> : <Loader aria-label="Loading the history" />}
        </Stack>
      );
  }
}
