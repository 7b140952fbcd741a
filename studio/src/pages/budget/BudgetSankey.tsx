import { Alert, Loader, Paper, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { ResponsiveContainer, Sankey, Tooltip, type SankeyNodeProps } from 'recharts';
import { MoneyText } from '../../shell/MoneyText';
import { budgetApi, budgetKeys } from './budget-api';
import { monthLabel } from './months';

/**
 * The month's money flow: income sources → the month's budget → categories. Amounts arrive as
 * exact decimal strings; only the drawing turns them into numbers (widths in pixels). The same
 * links are listed as a table for screen readers and for reading exact amounts.
 */
export function BudgetSankey({ entityId, month }: { entityId: string; month: string }) {
  const sankey = useQuery({ queryKey: budgetKeys.sankey(entityId, month), queryFn: () => budgetApi.sankey(entityId, month) });
  if (sankey.isPending) return <Loader size="sm" aria-label="Loading the money flow" />;
  if (sankey.isError) return <Alert color="red" title="Money flow unavailable">{sankey.error.message}</Alert>;
  const data = sankey.data;
  const index = new Map(data.nodes.map((node, position) => [node.id, position]));
  const name = (id: string) => data.nodes[index.get(id)!]?.name ?? id;
  const drawable = { nodes: data.nodes.map((node) => ({ name: node.name })), links: data.links.map((link) => ({ source: index.get(link.source)!, target: index.get(link.target)!, value: Number(link.amount) })) };
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="money-flow-title">
      <Title order={2} size="h3" id="money-flow-title">
        Money flow in {monthLabel(month)}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        In: <MoneyText value={data.inflow} currency={data.currency} /> · Out: <MoneyText value={data.outflow} currency={data.currency} />
      </Text>
      {data.links.length === 0 ? (
        <Text size="sm">No money came in or went out this month.</Text>
      ) : (
        <>
          <div role="img" aria-label={`Sankey diagram of ${monthLabel(month)}: ${data.links.map((link) => `${name(link.source)} to ${name(link.target)} ${link.amount}`).join('; ')}`} style={{ width: '100%', height: 360 }}>
            <ResponsiveContainer width="100%" height="100%">
              <Sankey data={drawable} nodePadding={24} margin={{ left: 8, right: 160, top: 8, bottom: 8 }} link={{ stroke: '#4c6ef5', strokeOpacity: 0.3 }} node={FlowNode}>
                <Tooltip />
              </Sankey>
            </ResponsiveContainer>
          </div>
          <details>
            <summary>Money flow as a table</summary>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>From</Table.Th>
                  <Table.Th>To</Table.Th>
                  <Table.Th ta="right">Amount</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.links.map((link) => (
                  <Table.Tr key={`${link.source}-${link.target}`}>
                    <Table.Td>{name(link.source)}</Table.Td>
                    <Table.Td>{name(link.target)}</Table.Td>
                    <Table.Td ta="right">
                      <MoneyText value={link.amount} currency={data.currency} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </details>
        </>
      )}
    </Paper>
  );
}

/** A bar with its name to its right (the chart keeps a right margin for the last column's names). */
function FlowNode({ x, y, width, height, payload, index }: SankeyNodeProps) {
  return (
    <g key={index}>
      <rect x={x} y={y} width={width} height={height} fill="#364fc7" />
      <text x={x + width + 6} y={y + height / 2} dy="0.35em" fontSize={12} fill="#1a1b1e">
        {payload.name}
      </text>
    </g>
  );
}
