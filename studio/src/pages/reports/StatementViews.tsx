import { Alert, Group, Paper, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck } from '@tabler/icons-react';
import { formatDate } from '../../shell/dates';
import { MoneyText } from '../../shell/MoneyText';
import type { BalanceSheet, CashFlow, GeneralLedger, IncomeStatement, StatementSection, TrialBalance } from './report-types';
import { TableTitle } from './TableTitle';

function Figure({ label, value, currency }: { label: string; value: string; currency: string }) {
  return (
    <Paper withBorder p="sm">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <MoneyText value={value} currency={currency} size="lg" fw={700} />
    </Paper>
  );
}

/** A check that passed or failed, in words (never by colour alone). */
export function Status({ ok, children }: { ok: boolean; children: string }) {
  return (
    <Group gap={6} wrap="nowrap">
      {ok ? <IconCircleCheck size={18} aria-hidden color="var(--mantine-color-green-9)" /> : <IconAlertTriangle size={18} aria-hidden color="var(--mantine-color-red-9)" />}
      <Text size="sm" fw={600} c={ok ? undefined : 'red.9'}>
        {children}
      </Text>
    </Group>
  );
}

export function Figures({ figures, currency }: { figures: [string, string][]; currency: string }) {
  return (
    <SimpleGrid cols={{ base: 1, sm: Math.min(figures.length, 4) }}>
      {figures.map(([label, value]) => (
        <Figure key={label} label={label} value={value} currency={currency} />
      ))}
    </SimpleGrid>
  );
}

function SectionTable({ section, currency, current, comparison }: { section: StatementSection; currency: string; current: string; comparison?: string | undefined }) {
  const compare = section.comparisonTotal !== undefined;
  return (
    <Table withTableBorder striped aria-label={section.label}>
      <TableTitle>{section.label}</TableTitle>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">Code</Table.Th>
          <Table.Th scope="col">Account</Table.Th>
          <Table.Th scope="col" ta="right">
            {current}
          </Table.Th>
          {compare && (
            <Table.Th scope="col" ta="right">
              {comparison}
            </Table.Th>
          )}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {section.lines.map((line) => (
          <Table.Tr key={line.accountId}>
            <Table.Td>{line.code}</Table.Td>
            <Table.Td>{line.name}</Table.Td>
            <Table.Td ta="right">
              <MoneyText value={line.amount} currency={currency} />
            </Table.Td>
            {compare && (
              <Table.Td ta="right">
                <MoneyText value={line.comparison ?? '0'} currency={currency} />
              </Table.Td>
            )}
          </Table.Tr>
        ))}
      </Table.Tbody>
      <Table.Tfoot>
        <Table.Tr>
          <Table.Th scope="row" colSpan={2}>
            Total {section.label.toLowerCase()}
          </Table.Th>
          <Table.Td ta="right">
            <MoneyText value={section.total} currency={currency} fw={700} />
          </Table.Td>
          {compare && (
            <Table.Td ta="right">
              <MoneyText value={section.comparisonTotal!} currency={currency} fw={700} />
            </Table.Td>
          )}
        </Table.Tr>
      </Table.Tfoot>
    </Table>
  );
}

function OtherCurrencies({ currencies }: { currencies: string[] }) {
  if (currencies.length === 0) return null;
  return <Text size="sm" c="dimmed">Accounts in {currencies.join(', ')} are not included.</Text>;
}

export function BalanceSheetView({ report }: { report: BalanceSheet }) {
  return (
    <Stack>
      <Figures currency={report.currency} figures={[['Total assets', report.totals.assets], ['Total liabilities', report.totals.liabilities], ['Total equity', report.totals.equity], ['Net worth', report.totals.netWorth]]} />
      <Group gap="xs">
        <Status ok={report.balanced}>{report.balanced ? 'Assets = liabilities + equity' : 'Does not balance'}</Status>
      </Group>
      {report.sections.map((section) => (
        <SectionTable key={section.key} section={section} currency={report.currency} current={`As of ${formatDate(report.asOf)}`} comparison={report.comparisonAsOf ? `As of ${formatDate(report.comparisonAsOf)}` : undefined} />
      ))}
      <OtherCurrencies currencies={report.otherCurrencies} />
    </Stack>
  );
}

export function IncomeStatementView({ report }: { report: IncomeStatement }) {
  const comparison = report.comparisonPeriod ? `${formatDate(report.comparisonPeriod.from)} – ${formatDate(report.comparisonPeriod.to)}` : undefined;
  return (
    <Stack>
      <Figures currency={report.currency} figures={[['Income', report.totals.income], ['Expenses', report.totals.expenses], ['Net income', report.totals.netIncome], ...(report.comparisonTotals ? ([['Net income, comparison', report.comparisonTotals.netIncome]] as [string, string][]) : [])]} />
      {report.sections.map((section) => (
        <SectionTable key={section.key} section={section} currency={report.currency} current={`${formatDate(report.from)} – ${formatDate(report.to)}`} comparison={comparison} />
      ))}
      <OtherCurrencies currencies={report.otherCurrencies} />
    </Stack>
  );
}

export function CashFlowView({ report }: { report: CashFlow }) {
  return (
    <Stack>
      <Figures currency={report.currency} figures={[['Cash at the start', report.openingCash], ['Net change in cash', report.netChange], ['Cash at the end', report.closingCash]]} />
      {!report.reconciled && <Alert color="red" title="The cash flow does not reconcile">The sections do not add up to the change in cash.</Alert>}
      <Table withTableBorder aria-label="Cash flows">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Line</Table.Th>
            <Table.Th scope="col" ta="right">
              Amount
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {report.sections.map((section) => [
            <Table.Tr key={`${section.key}-heading`}>
              <Table.Th scope="rowgroup" colSpan={2}>
                {section.label}
              </Table.Th>
            </Table.Tr>,
            ...section.lines.map((line) => (
              <Table.Tr key={`${section.key}-${line.accountId}`}>
                <Table.Td pl="xl">{line.code ? `${line.code} ${line.name}` : line.name}</Table.Td>
                <Table.Td ta="right">
                  <MoneyText value={line.amount} currency={report.currency} />
                </Table.Td>
              </Table.Tr>
            )),
            <Table.Tr key={`${section.key}-total`}>
              <Table.Th scope="row">Net cash from {section.key} activities</Table.Th>
              <Table.Td ta="right">
                <MoneyText value={section.total} currency={report.currency} fw={700} />
              </Table.Td>
            </Table.Tr>,
          ])}
        </Table.Tbody>
      </Table>
      <OtherCurrencies currencies={report.otherCurrencies} />
    </Stack>
  );
}

export function TrialBalanceView({ report }: { report: TrialBalance }) {
  return (
    <Stack>
      <Group gap="xs">
        <Status ok={report.balanced}>{report.balanced ? 'Debits equal credits' : 'Debits and credits differ'}</Status>
      </Group>
      <Table.ScrollContainer minWidth={720}>
        <Table withTableBorder striped aria-label="Trial balance">
          <Table.Thead>
            <Table.Tr>
              {['Code', 'Account', 'Opening', 'Debits', 'Credits', 'Closing debit', 'Closing credit'].map((label, index) => (
                <Table.Th scope="col" key={label} ta={index > 1 ? 'right' : undefined}>
                  {label}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {report.lines.map((line) => (
              <Table.Tr key={line.accountId}>
                <Table.Td>{line.code}</Table.Td>
                <Table.Td>{line.name}</Table.Td>
                {[line.opening, line.debits, line.credits, line.closingDebit, line.closingCredit].map((value, index) => (
                  <Table.Td ta="right" key={index}>
                    <MoneyText value={value} currency={report.currency} />
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
          <Table.Tfoot>
            <Table.Tr>
              <Table.Th scope="row" colSpan={3}>
                Total
              </Table.Th>
              {[report.totals.debits, report.totals.credits, report.totals.closingDebit, report.totals.closingCredit].map((value, index) => (
                <Table.Td ta="right" key={index}>
                  <MoneyText value={value} currency={report.currency} fw={700} />
                </Table.Td>
              ))}
            </Table.Tr>
          </Table.Tfoot>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

export function GeneralLedgerView({ report }: { report: GeneralLedger }) {
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {report.totals.postings} postings · amounts and balances debit-positive
      </Text>
      {report.accounts.map((account) => (
        <Table.ScrollContainer minWidth={640} key={account.accountId}>
          <Table withTableBorder aria-label={`Ledger of ${account.code} ${account.name}`}>
            <TableTitle size="h5">{account.code} {account.name}</TableTitle>
            <Table.Thead>
              <Table.Tr>
                {['Date', 'Payee', 'Memo', 'Amount', 'Balance'].map((label, index) => (
                  <Table.Th scope="col" key={label} ta={index > 2 ? 'right' : undefined}>
                    {label}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              <Table.Tr>
                <Table.Td colSpan={4}>Opening balance</Table.Td>
                <Table.Td ta="right">
                  <MoneyText value={account.opening} currency={report.currency} />
                </Table.Td>
              </Table.Tr>
              {account.postings.map((posting) => (
                <Table.Tr key={posting.postingId}>
                  <Table.Td>{formatDate(posting.date)}</Table.Td>
                  <Table.Td>{posting.payee ?? ''}</Table.Td>
                  <Table.Td>{posting.memo}</Table.Td>
                  <Table.Td ta="right">
                    <MoneyText value={posting.amount} currency={report.currency} />
                  </Table.Td>
                  <Table.Td ta="right">
                    <MoneyText value={posting.runningBalance} currency={report.currency} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
            <Table.Tfoot>
              <Table.Tr>
                <Table.Th scope="row" colSpan={4}>
                  Closing balance
                </Table.Th>
                <Table.Td ta="right">
                  <MoneyText value={account.closing} currency={report.currency} fw={700} />
                </Table.Td>
              </Table.Tr>
            </Table.Tfoot>
          </Table>
        </Table.ScrollContainer>
      ))}
    </Stack>
  );
}
