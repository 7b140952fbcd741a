import { Stack, Table, Text } from '@mantine/core';
import { MoneyText } from '../../shell/MoneyText';
import type { HouseholdNetWorth, ScheduleC } from './report-types';
import { Figures } from './StatementViews';
import { TableTitle } from './TableTitle';

export function NetWorthView({ report }: { report: HouseholdNetWorth }) {
  const names = new Map(report.entities.map((entity) => [entity.entityId, entity.name]));
  return (
    <Stack>
      <Figures currency={report.currency} figures={[['Consolidated net worth', report.consolidated.netWorth], ['Sum of entity net worths', report.consolidated.entitiesNetWorth], ['Intercompany eliminated', report.consolidated.eliminated]]} />
      <Table withTableBorder striped aria-label="Net worth by entity">
        <Table.Thead>
          <Table.Tr>
            {['Entity', 'Assets', 'Liabilities', 'Intercompany', 'Net worth'].map((label, index) => (
              <Table.Th scope="col" key={label} ta={index ? 'right' : undefined}>
                {label}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {report.entities.map((entity) => (
            <Table.Tr key={entity.entityId}>
              <Table.Th scope="row">{entity.name}</Table.Th>
              {[entity.assets, entity.liabilities, entity.intercompany, entity.netWorth].map((value, index) => (
                <Table.Td ta="right" key={index}>
                  <MoneyText value={value} currency={report.currency} />
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
        <Table.Tfoot>
          <Table.Tr>
            <Table.Th scope="row">Consolidated</Table.Th>
            <Table.Td ta="right">
              <MoneyText value={report.consolidated.assets} currency={report.currency} fw={700} />
            </Table.Td>
            <Table.Td ta="right">
              <MoneyText value={report.consolidated.liabilities} currency={report.currency} fw={700} />
            </Table.Td>
            <Table.Td />
            <Table.Td ta="right">
              <MoneyText value={report.consolidated.netWorth} currency={report.currency} fw={700} />
            </Table.Td>
          </Table.Tr>
        </Table.Tfoot>
      </Table>
      {(['assets', 'liabilities'] as const).map((side) => (
        <Table withTableBorder key={side} aria-label={`Consolidated ${side}`}>
          <TableTitle>{side === 'assets' ? 'Assets' : 'Liabilities'}</TableTitle>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Entity</Table.Th>
              <Table.Th scope="col">Account</Table.Th>
              <Table.Th scope="col" ta="right">
                Amount
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {report.balanceSheet[side].map((line) => (
              <Table.Tr key={line.accountId}>
                <Table.Td>{names.get(line.entityId)}</Table.Td>
                <Table.Td>
                  {line.code} {line.name}
                  {line.eliminated && (
                    <Text span size="xs" fw={700} ml="xs">
                      (intercompany, eliminated)
                    </Text>
                  )}
                </Table.Td>
                <Table.Td ta="right">
                  <MoneyText value={line.amount} currency={report.currency} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ))}
    </Stack>
  );
}

export function ScheduleCView({ report }: { report: ScheduleC }) {
  return (
    <Stack>
      <Figures currency={report.currency} figures={[['Line 7, gross income', report.totals.line7], ['Line 28, total expenses', report.totals.line28], ['Line 31, net profit', report.totals.line31]]} />
      <Table withTableBorder striped aria-label={`Schedule C lines, ${report.year}`}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Line</Table.Th>
            <Table.Th scope="col">Description</Table.Th>
            <Table.Th scope="col">Accounts</Table.Th>
            <Table.Th scope="col" ta="right">
              Amount
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {report.lines.map((line) => (
            <Table.Tr key={line.line}>
              <Table.Td>{line.line}</Table.Td>
              <Table.Td>{line.label}</Table.Td>
              <Table.Td>
                <Text size="sm">{line.accounts.map((account) => `${account.code} ${account.name}`).join('; ')}</Text>
              </Table.Td>
              <Table.Td ta="right">
                <MoneyText value={line.amount} currency={report.currency} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
        <Table.Tfoot>
          {(
            [
              ['28', 'Total expenses', report.totals.line28],
              ['31', 'Net profit (loss)', report.totals.line31],
            ] as const
          ).map(([line, label, value]) => (
            <Table.Tr key={line}>
              <Table.Td>{line}</Table.Td>
              <Table.Th scope="row" colSpan={2}>
                {label}
              </Table.Th>
              <Table.Td ta="right">
                <MoneyText value={value} currency={report.currency} fw={700} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tfoot>
      </Table>
      {report.unmappedAccounts.length > 0 && (
        <Text size="sm" c="dimmed">
          Without a Schedule C line (counted on 6 or 27a): {report.unmappedAccounts.map((account) => `${account.code} ${account.name}`).join(', ')}.
        </Text>
      )}
      <Table withTableBorder aria-label={`Contributions and draws, ${report.year}`} maw={640}>
        <TableTitle>Contributions and draws (equity, not on Schedule C)</TableTitle>
        <Table.Tbody>
          <Table.Tr>
            <Table.Th scope="row">Contributions by the owner</Table.Th>
            <Table.Td ta="right">
              <MoneyText value={report.drawsAndContributions.contributions} currency={report.currency} />
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th scope="row">Draws by the owner</Table.Th>
            <Table.Td ta="right">
              <MoneyText value={report.drawsAndContributions.draws} currency={report.currency} />
            </Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
