/**
 * A plan as a person checks it before money moves: journals within one entity, documented
 * inter-entity transfers, envelope assignments, alerts, approvals, balances before and after,
 * and what blocks the run.
 */
import { Alert, Stack, Table, Text, Title } from '@mantine/core';
import { EntityBadge } from '../shell/EntityBadge';
import { formatMoney } from '../shell/money';
import type { AccountOption } from './AccountPicker';
import type { NodeTrace, Plan, PlanEffect } from './flow-api';

type Transfer = Extract<PlanEffect, { type: 'transfer' }>;

function AccountName({ id, accountsById }: { id: string; accountsById: ReadonlyMap<string, AccountOption> }) {
  const account = accountsById.get(id);
  if (!account) return <span>{id}</span>;
  return (
    <Stack gap={0} align="flex-start">
      <EntityBadge kind={account.entity.kind} size="xs" style={{ flexShrink: 0 }} />
      <span>{account.name}</span>
    </Stack>
  );
}

export function PlanSummary({ plan, accountsById, headingLevel = 3 }: { plan: Plan; accountsById: ReadonlyMap<string, AccountOption>; headingLevel?: 3 | 4 }) {
  const money = (amount: string) => formatMoney(amount, plan.currency);
  const transfers = plan.effects.filter((effect): effect is Transfer => effect.type === 'transfer');
  const journals = transfers.filter((effect) => !effect.kind);
  const interEntity = transfers.filter((effect) => effect.kind);
  const envelopes = plan.effects.filter((effect) => effect.type === 'assign_envelope');
  const alerts = plan.effects.filter((effect) => effect.type === 'alert');
  const approvals = plan.effects.filter((effect) => effect.type === 'approval');
  const transferTable = (rows: Transfer[], caption: string) => (
    <Table fz="xs" withTableBorder striped aria-label={caption}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>From</Table.Th>
          <Table.Th>To</Table.Th>
          <Table.Th ta="right">Amount</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((effect, index) => (
          <Table.Tr key={`${effect.nodeId}-${index}`}>
            <Table.Td>
              <AccountName id={effect.fromAccountId} accountsById={accountsById} />
            </Table.Td>
            <Table.Td>
              <AccountName id={effect.toAccountId} accountsById={accountsById} />
              <Text size="xs" c="gray.7">
                {effect.kind ? `${effect.kind.replaceAll('_', ' ')} · ${effect.purpose ?? ''}` : effect.memo}
              </Text>
            </Table.Td>
            <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
              {money(effect.amount)}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
  return (
    <Stack gap="xs" data-testid="plan-summary">
      <Text size="sm">
        Book date {plan.date} · moves <strong>{money(plan.moved)}</strong>
      </Text>
      {plan.blockers.length > 0 && (
        <Alert color="red" title="This run cannot commit" styles={{ message: { color: '#a61e1e' }, title: { color: '#a61e1e' } }}>
          {plan.blockers.map((blocker) => (
            <div key={blocker}>{blocker}</div>
          ))}
        </Alert>
      )}
      {plan.needsApproval && (
        <Alert color="yellow" title="Needs your approval" styles={{ message: { color: '#5c3c00' }, title: { color: '#5c3c00' } }}>
          {approvals.map((effect) => ('note' in effect ? effect.note : '')).join('; ')} — the run will wait until you approve it.
        </Alert>
      )}
      <Title order={headingLevel} size="h6">
        Journals ({journals.length})
      </Title>
      {journals.length > 0 ? transferTable(journals, 'Journals') : <Text size="xs" c="gray.7">None</Text>}
      <Title order={headingLevel} size="h6">
        Inter-entity transfers ({interEntity.length})
      </Title>
      {interEntity.length > 0 ? transferTable(interEntity, 'Inter-entity transfers') : <Text size="xs" c="gray.7">None</Text>}
      {envelopes.length > 0 && (
        <>
          <Title order={headingLevel} size="h6">
            Envelope assignments ({envelopes.length})
          </Title>
          {envelopes.map((effect, index) => (
            <Text size="xs" key={index}>
              {effect.type === 'assign_envelope' && (
                <>
                  {accountsById.get(effect.categoryId)?.name ?? effect.categoryId}: {money(effect.amount)} for {effect.month}
                </>
              )}
            </Text>
          ))}
        </>
      )}
      {alerts.length > 0 && (
        <>
          <Title order={headingLevel} size="h6">
            Alerts ({alerts.length})
          </Title>
          {alerts.map((effect, index) => (
            <Text size="xs" key={index}>
              {effect.type === 'alert' && `${effect.level}: ${effect.message}`}
            </Text>
          ))}
        </>
      )}
      {plan.balances.length > 0 && (
        <>
          <Title order={headingLevel} size="h6">
            Balances
          </Title>
          <Table fz="xs" withTableBorder aria-label="Balances before and after">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Account</Table.Th>
                <Table.Th ta="right">Before</Table.Th>
                <Table.Th ta="right">After</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {plan.balances.map((change) => (
                <Table.Tr key={change.accountId}>
                  <Table.Td>
                    <AccountName id={change.accountId} accountsById={accountsById} />
                  </Table.Td>
                  <Table.Td ta="right">{money(change.before)}</Table.Td>
                  <Table.Td ta="right">{money(change.after)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      )}
    </Stack>
  );
}

/** The per-node trace of a preview or a run, in evaluation order. */
export function TraceTable({ trace, labelOf, onSelectNode }: { trace: readonly NodeTrace[]; labelOf(nodeId: string): string; onSelectNode?(nodeId: string): void }) {
  const outputs = (values: Record<string, string>) =>
    Object.entries(values)
      .map(([handle, value]) => `${handle}: ${value}`)
      .join(', ');
  return (
    <Table fz="xs" withTableBorder striped aria-label="Per-node trace">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Node</Table.Th>
          <Table.Th>Result</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {trace.map((entry) => (
          <Table.Tr key={entry.nodeId}>
            <Table.Td>
              {onSelectNode ? (
                <button type="button" onClick={() => onSelectNode(entry.nodeId)} style={{ background: 'none', border: 'none', padding: 0, color: '#1864ab', textDecoration: 'underline', cursor: 'pointer', font: 'inherit', textAlign: 'left' }}>
                  {labelOf(entry.nodeId)}
                </button>
              ) : (
                labelOf(entry.nodeId)
              )}
            </Table.Td>
            <Table.Td>
              <strong>{entry.status}</strong>
              {entry.decision ? ` — ${entry.decision}` : ''}
              {Object.keys(entry.inputs).length > 0 && <div>in {outputs(entry.inputs)}</div>}
              {Object.keys(entry.outputs).length > 0 && <div>out {outputs(entry.outputs)}</div>}
              {entry.warnings.map((warning) => (
                <div key={warning} style={{ color: '#7a4a00' }}>
                  ⚠ {warning}
                </div>
              ))}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
