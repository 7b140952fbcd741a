import { Alert, Group, Stack, Table, Text, Title } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck } from '@tabler/icons-react';
import { formatDate } from '../../shell/dates';
import { MoneyText } from '../../shell/MoneyText';
import type { InterEntityAudit } from './report-types';
import { Figures, Status } from './StatementViews';
import { TableTitle } from './TableTitle';

const flagTitles: Record<string, string> = {
  personal_paid_llc_expense: 'Personal money paid an LLC expense',
  llc_paid_personal_expense: 'The LLC paid a personal expense',
  unrecorded_bank_transfer: 'Bank transfer with no inter-entity record',
  transfer_missing_purpose: 'Transfer without a real purpose',
  transfer_missing_document: 'Transfer without a document',
  dormant_member_loan: 'Member loan not being repaid',
  draw_made_capital_negative: "Draw left owner's capital negative",
  intercompany_mismatch: 'Intercompany balances do not match',
};

export function AuditView({ report }: { report: InterEntityAudit }) {
  const entityName = new Map([[report.entity.id, report.entity.name], ...report.owners.map((owner) => [owner.entityId, owner.name] as [string, string])]);
  return (
    <Stack gap="lg">
      <Figures currency={report.currency} figures={[["Owner's capital at the start", report.capital.opening], ["Owner's capital at the end", report.capital.closing]]} />
      <Group gap="xs">
        <Text size="sm" fw={600}>
          {report.summary.transfers} transfers
        </Text>
        <Status ok={report.summary.flags === 0}>{`${report.summary.flags} commingling flag${report.summary.flags === 1 ? '' : 's'}`}</Status>
        <Status ok={report.summary.reconciled}>{report.summary.reconciled ? 'Both sides reconcile' : 'Does not reconcile'}</Status>
      </Group>

      <section aria-labelledby="flags-heading">
        <Title order={3} size="h4" id="flags-heading" mb="xs">
          Commingling flags
        </Title>
        {report.flags.length === 0 ? (
          <Alert color="green" icon={<IconCircleCheck aria-hidden />} title="No commingling found">
            Every transfer in this period is documented and the two sets of books agree.
          </Alert>
        ) : (
          <Stack gap="sm">
            {report.flags.map((flag, index) => (
              <Alert key={`${flag.code}-${index}`} color={flag.severity === 'high' ? 'red' : 'yellow'} styles={{ title: { color: 'var(--mantine-color-black)' } }} icon={<IconAlertTriangle aria-hidden />} title={`${flag.severity === 'high' ? 'High' : 'Medium'}: ${flagTitles[flag.code] ?? flag.code}`} data-testid="audit-flag">
                <Text size="sm">{flag.message}</Text>
                {flag.transactions.length > 0 && (
                  <Table mt="xs" aria-label={`Transactions behind: ${flagTitles[flag.code] ?? flag.code}`}>
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th scope="col">Date</Table.Th>
                        <Table.Th scope="col">Entity</Table.Th>
                        <Table.Th scope="col">Description</Table.Th>
                        <Table.Th scope="col" ta="right">
                          Amount
                        </Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {flag.transactions.map((row, rowIndex) => (
                        <Table.Tr key={rowIndex}>
                          <Table.Td>{formatDate(row.date)}</Table.Td>
                          <Table.Td>{entityName.get(row.entityId) ?? ''}</Table.Td>
                          <Table.Td>{[row.payee, row.memo].filter(Boolean).join(' — ')}</Table.Td>
                          <Table.Td ta="right">
                            <MoneyText value={row.amount} currency={report.currency} />
                          </Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                )}
              </Alert>
            ))}
          </Stack>
        )}
      </section>

      <Table.ScrollContainer minWidth={900}>
        <Table withTableBorder striped aria-label="Transfers between the LLC and its owner">
          <TableTitle>Transfers</TableTitle>
          <Table.Thead>
            <Table.Tr>
              {['Date', 'Kind', 'From', 'To', 'Purpose', 'Document', 'Approved by / flow', 'Journals', 'Amount'].map((label) => (
                <Table.Th scope="col" key={label} ta={label === 'Amount' ? 'right' : undefined}>
                  {label}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {report.transfers.map((transfer) => (
              <Table.Tr key={transfer.id}>
                <Table.Td>{formatDate(transfer.date)}</Table.Td>
                <Table.Td>
                  {transfer.kindLabel}
                  {transfer.reversed && (
                    <Text span size="xs" fw={700} ml="xs">
                      (reversed)
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {transfer.from.entityName}: {transfer.from.accountName}
                </Table.Td>
                <Table.Td>
                  {transfer.to.entityName}: {transfer.to.accountName}
                </Table.Td>
                <Table.Td>{transfer.purpose}</Table.Td>
                <Table.Td>{transfer.documentRef ?? '—'}</Table.Td>
                <Table.Td>{[transfer.approvedBy?.email ?? transfer.approvedBy?.userId, transfer.flowRunId ? `flow run ${transfer.flowRunId.slice(0, 8)}` : null].filter(Boolean).join(', ') || '—'}</Table.Td>
                <Table.Td>
                  <Text size="xs" ff="monospace">
                    {transfer.llcJournalId.slice(0, 8)} / {transfer.ownerJournalId.slice(0, 8)}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <MoneyText value={transfer.amount} currency={report.currency} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>

      <Table withTableBorder aria-label="Subtotals by kind">
        <TableTitle>Subtotals by kind</TableTitle>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Kind</Table.Th>
            <Table.Th scope="col">Direction</Table.Th>
            <Table.Th scope="col" ta="right">
              Count
            </Table.Th>
            <Table.Th scope="col" ta="right">
              Amount
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {report.subtotals.map((total) => (
            <Table.Tr key={`${total.kind}-${total.direction}`}>
              <Table.Td>{total.kind.replace(/_/g, ' ')}</Table.Td>
              <Table.Td>{total.direction === 'llc_to_owner' ? 'LLC to owner' : 'Owner to LLC'}</Table.Td>
              <Table.Td ta="right">{total.count}</Table.Td>
              <Table.Td ta="right">
                <MoneyText value={total.amount} currency={report.currency} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>

      {report.positions.map((position) => (
        <Table.ScrollContainer minWidth={640} key={position.ownerEntityId}>
          <Table withTableBorder striped aria-label={`Member loan and due to/from with ${position.ownerName}`}>
            <TableTitle note={"Positive: the LLC owes its owner. Each side's books must show the same figure."}>Member loan and due to/from with {position.ownerName}</TableTitle>
            <Table.Thead>
              <Table.Tr>
                {['Date', 'Loan, LLC books', 'Loan, owner books', 'Due, LLC books', 'Due, owner books', 'Reconciled'].map((label, index) => (
                  <Table.Th scope="col" key={label} ta={index > 0 && index < 5 ? 'right' : undefined}>
                    {label}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {[position.opening, ...position.rows].map((row, index) => {
                const ok = row.memberLoan.reconciled && row.due.reconciled;
                return (
                  <Table.Tr key={`${row.date}-${index}`}>
                    <Table.Td>{index === 0 ? `${formatDate(row.date)} (opening)` : formatDate(row.date)}</Table.Td>
                    {[row.memberLoan.llcBooks, row.memberLoan.ownerBooks, row.due.llcBooks, row.due.ownerBooks].map((value, cell) => (
                      <Table.Td ta="right" key={cell}>
                        <MoneyText value={value} currency={report.currency} />
                      </Table.Td>
                    ))}
                    <Table.Td>{ok ? 'Yes' : <Text c="red.9" fw={700} span>Mismatch</Text>}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ))}

      <Table withTableBorder aria-label="Owner's capital roll-forward" maw={520}>
        <TableTitle>Owner&apos;s capital roll-forward</TableTitle>
        <Table.Tbody>
          {(
            [
              ['Opening capital', report.capital.opening],
              ['+ Contributions', report.capital.contributions],
              ['− Draws', report.capital.draws],
              ['+ Net income', report.capital.netIncome],
              ['+ Other equity movements', report.capital.other],
            ] as const
          ).map(([label, value]) => (
            <Table.Tr key={label}>
              <Table.Th scope="row">{label}</Table.Th>
              <Table.Td ta="right">
                <MoneyText value={value} currency={report.currency} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
        <Table.Tfoot>
          <Table.Tr>
            <Table.Th scope="row">Closing capital</Table.Th>
            <Table.Td ta="right">
              <MoneyText value={report.capital.closing} currency={report.currency} fw={700} />
            </Table.Td>
          </Table.Tr>
        </Table.Tfoot>
      </Table>
    </Stack>
  );
}
