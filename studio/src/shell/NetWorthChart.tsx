import { LineChart } from '@mantine/charts';
import { Paper, Table, Title, VisuallyHidden } from '@mantine/core';
import { useId } from 'react';
import type { EntityKind, NetWorthHistory } from '../api/types';
import { entityColors } from '../theme/theme';
import { formatDate } from './dates';
import { entityKindLabel } from './EntityBadge';
import { formatMoney } from './money';
import { MoneyText } from './MoneyText';

const chartColor: Record<EntityKind, string> = { llc: `${entityColors.llc}.7`, personal: `${entityColors.personal}.7` };

/**
 * Net worth over time, per entity (in its kind's colour) and combined: a chart for the eye, a
 * caption and a table for screen readers. Used by the dashboard and the Reports page.
 */
export function NetWorthChart({ history, combinedLabel, title, tableRows, dateHeader }: {
  history: NetWorthHistory;
  /** "Combined" on the dashboard, "Consolidated" in reports. */
  combinedLabel: string;
  title?: string;
  /** Only the last N points in the table (the chart always shows all). */
  tableRows?: number;
  dateHeader: string;
}) {
  const captionId = useId();
  // Numbers only for plotting: every figure shown as text comes from the API's decimal strings.
  const data = history.points.map((point) => {
    const row: Record<string, string | number> = { date: formatDate(point.date), [combinedLabel]: Number(point.netWorth) };
    for (const entity of history.entities) row[entity.name] = Number(point.entities.find((item) => item.entityId === entity.entityId)?.netWorth ?? 0);
    return row;
  });
  const series = [
    ...history.entities.map((entity) => ({ name: entity.name, color: chartColor[entity.kind], label: `${entityKindLabel[entity.kind]} · ${entity.name}` })),
    { name: combinedLabel, color: 'gray.8', label: `${combinedLabel} household` },
  ];
  const first = history.points[0];
  const last = history.points.at(-1);
  const rows = tableRows ? history.points.slice(-tableRows) : history.points;
  return (
    <Paper withBorder p="md">
      <figure style={{ margin: 0 }} aria-labelledby={captionId}>
        {title ? (
          <Title order={3} size="h4" mb="xs">
            {title}
          </Title>
        ) : null}
        <VisuallyHidden id={captionId}>
          Net worth at the end of each {history.interval} from {formatDate(history.from)} to {formatDate(history.to)}, per entity and {combinedLabel.toLowerCase()}.
          {first && last ? ` ${combinedLabel} net worth went from ${formatMoney(first.netWorth, history.currency)} to ${formatMoney(last.netWorth, history.currency)}.` : ''}
        </VisuallyHidden>
        <div aria-hidden>
          <LineChart
            h={280}
            data={data}
            dataKey="date"
            series={series}
            withLegend
            legendProps={{ verticalAlign: 'bottom' }}
            curveType="linear"
            valueFormatter={(value) => formatMoney(String(value), history.currency).replace(/\.\d+$/, '')}
            yAxisProps={{ width: 90 }}
            strokeDasharray="4 4"
            // The figure is described by its caption and the table below it; no focus stops inside a hidden chart.
            lineChartProps={{ accessibilityLayer: false }}
          />
        </div>
      </figure>
      <Table mt="md" withTableBorder striped aria-label={title ?? `Net worth at ${history.interval} ends`}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{dateHeader}</Table.Th>
            {history.entities.map((entity) => (
              <Table.Th scope="col" ta="right" key={entity.entityId}>
                {entity.name}
              </Table.Th>
            ))}
            <Table.Th scope="col" ta="right">
              {combinedLabel}
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((point) => (
            <Table.Tr key={point.date}>
              <Table.Td>{formatDate(point.date)}</Table.Td>
              {history.entities.map((entity) => (
                <Table.Td ta="right" key={entity.entityId}>
                  <MoneyText value={point.entities.find((item) => item.entityId === entity.entityId)?.netWorth ?? '0'} currency={history.currency} />
                </Table.Td>
              ))}
              <Table.Td ta="right">
                <MoneyText value={point.netWorth} currency={history.currency} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
