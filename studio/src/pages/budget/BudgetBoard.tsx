import { ActionIcon, Alert, Badge, Button, Checkbox, Group, Loader, Menu, Modal, Paper, SimpleGrid, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { IconArrowsExchange, IconChevronDown, IconChevronLeft, IconChevronRight, IconTarget, IconWand } from '@tabler/icons-react';
import { Fragment, useRef, useState } from 'react';
import type { Entity } from '../../api/types';
import { currencyExponent } from '../../shell/money';
import { MoneyText } from '../../shell/MoneyText';
import { AssignedCell, type CellMove } from './AssignedCell';
import { HoldModal, MoveMoneyModal, TargetModal } from './BudgetActions';
import { LayoutModal } from './LayoutModal';
import { budgetApi, budgetKeys, type Board, type BoardCategory, type QuickStrategy } from './budget-api';
import { BudgetSankey } from './BudgetSankey';
import { monthLabel } from './months';

const quickLabels: Record<QuickStrategy, string> = {
  last_month: 'Assign what was assigned last month',
  average_3_months: 'Assign the average spending of the last 3 months',
  up_to_target: 'Assign up to every target',
  fund_underfunded: 'Fund all underfunded targets (as far as To be assigned goes)',
};

/** One entity's zero-based budget for one month: To be assigned, groups and categories, actions, money flow. */
export function BudgetBoard({ entity, month, onMonthChange }: { entity: Entity; month: string; onMonthChange(month: string): void }) {
  const queryClient = useQueryClient();
  const key = budgetKeys.board(entity.id, month);
  const board = useQuery({ queryKey: key, queryFn: () => budgetApi.board(entity.id, month) });
  const [showHidden, setShowHidden] = useState(false);
  const [moveOpen, setMoveOpen] = useState(false);
  const [holdOpen, setHoldOpen] = useState(false);
  const [resetOpen, setResetOpen] = useState(false);
  const [layoutOpen, setLayoutOpen] = useState(false);
  const [targetFor, setTargetFor] = useState<BoardCategory | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const cells = useRef<(HTMLInputElement | null)[]>([]);
  const exponent = currencyExponent(board.data?.currency ?? entity.baseCurrency);

  const show = (next: Board) => queryClient.setQueryData(key, next);
  const quick = useMutation({
    mutationFn: (strategy: QuickStrategy) => budgetApi.quickAssign(entity.id, month, strategy),
    onSuccess: show,
    onError: (error) => setActionError(error.message),
  });
  const reset = useMutation({ mutationFn: () => budgetApi.reset(entity.id, month), onSuccess: (next) => (show(next), setResetOpen(false)), onError: (error) => setActionError(error.message) });

  if (board.isPending) return <Loader aria-label="Loading the budget" />;
  if (board.isError) {
    return (
      <Alert color="red" title="The budget could not be loaded" role="alert">
        {board.error.message}
      </Alert>
    );
  }
  const data = board.data;
  const currency = data.currency;
  const visible = (category: BoardCategory, groupHidden: boolean) => showHidden || !(category.hidden || groupHidden);
  const allCategories = data.groups.flatMap((group) => group.categories);
  const visibleCategories = data.groups.flatMap((group) => group.categories.filter((category) => visible(category, group.hidden)));
  cells.current.length = visibleCategories.length;
  const move = (index: number, direction: CellMove) => cells.current[index + (direction === 'down' ? 1 : -1)]?.focus();
  const negative = data.toBeAssignedStatus === 'negative';
  let cellIndex = -1;

  return (
    <Stack gap="lg">
      <Group justify="space-between" wrap="wrap">
        <Group gap="xs">
          <ActionIcon
            variant="default"
            size="lg"
            disabled={!data.bounds.previousMonth}
            onClick={() => data.bounds.previousMonth && onMonthChange(data.bounds.previousMonth)}
            aria-label={data.bounds.previousMonth ? `Previous month, ${monthLabel(data.bounds.previousMonth)}` : 'No earlier month'}
          >
            <IconChevronLeft size={18} aria-hidden />
          </ActionIcon>
          <Title order={2} size="h3" aria-live="polite" miw={170} ta="center">
            {monthLabel(month)}
          </Title>
          <ActionIcon
            variant="default"
            size="lg"
            disabled={!data.bounds.nextMonth}
            onClick={() => data.bounds.nextMonth && onMonthChange(data.bounds.nextMonth)}
            aria-label={data.bounds.nextMonth ? `Next month, ${monthLabel(data.bounds.nextMonth)}` : 'No later month'}
          >
            <IconChevronRight size={18} aria-hidden />
          </ActionIcon>
          {month !== data.bounds.currentMonth && (
            <Button variant="subtle" size="xs" onClick={() => onMonthChange(data.bounds.currentMonth)}>
              This month
            </Button>
          )}
        </Group>
        <Group gap="sm">
          <Menu withinPortal>
            <Menu.Target>
              <Button variant="light" leftSection={<IconWand size={16} aria-hidden />} rightSection={<IconChevronDown size={14} aria-hidden />} loading={quick.isPending}>
                Quick assign
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              {(Object.keys(quickLabels) as QuickStrategy[]).map((strategy) => (
                <Menu.Item key={strategy} onClick={() => quick.mutate(strategy)}>
                  {quickLabels[strategy]}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
          <Button variant="light" leftSection={<IconArrowsExchange size={16} aria-hidden />} onClick={() => setMoveOpen(true)}>
            Move money
          </Button>
          <Button variant="light" onClick={() => setHoldOpen(true)}>
            Hold for next month
          </Button>
          <Button variant="subtle" color="red" onClick={() => setResetOpen(true)}>
            Reset month
          </Button>
        </Group>
      </Group>

      <Paper withBorder p="md" bg={negative ? 'red.0' : 'teal.0'} aria-labelledby="tba-label">
        <SimpleGrid cols={{ base: 1, sm: 4 }}>
          <Stack gap={2}>
            <Text id="tba-label" fw={700}>
              To be assigned
            </Text>
            <MoneyText value={data.toBeAssigned} currency={currency} size="xl" fw={700} data-testid="to-be-assigned" />
            {negative && (
              <Text c="red.9" size="sm" fw={600} role="status">
                {data.toBeAssignedNote}
              </Text>
            )}
          </Stack>
          <Figure label="Net inflow this month" value={data.summary.income} currency={currency} />
          <Figure label="From last month" value={data.summary.fromLastMonth} currency={currency} extra={data.summary.overspentLastMonth !== '0.00' ? { label: 'Overspent last month', value: data.summary.overspentLastMonth } : undefined} />
          <Figure label="Held for next month" value={data.summary.held} currency={currency} />
        </SimpleGrid>
      </Paper>

      {actionError && (
        <Alert color="red" role="alert" withCloseButton onClose={() => setActionError(null)} title="Not done">
          {actionError}
        </Alert>
      )}

      <Group justify="space-between">
        <Checkbox label="Show hidden categories" checked={showHidden} onChange={(event) => setShowHidden(event.currentTarget.checked)} />
        <Button variant="subtle" size="xs" onClick={() => setLayoutOpen(true)}>
          Arrange categories
        </Button>
      </Group>

      <Table striped={false} highlightOnHover verticalSpacing={4} aria-label={`Budget of ${entity.name} for ${monthLabel(month)}`}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Category</Table.Th>
            <Table.Th scope="col" ta="right" w={170}>
              Assigned
            </Table.Th>
            <Table.Th scope="col" ta="right" w={140}>
              Activity
            </Table.Th>
            <Table.Th scope="col" ta="right" w={140}>
              Available
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {data.groups.map((group) => {
            const rows = group.categories.filter((category) => visible(category, group.hidden));
            if (rows.length === 0) return null;
            return (
              <Fragment key={group.id ?? group.name}>
                <Table.Tr bg="gray.1">
                  <Table.Th scope="rowgroup">
                    {group.name}
                    {group.hidden && (
                      <Badge ml="xs" size="xs" variant="outline" color="gray">
                        hidden
                      </Badge>
                    )}
                  </Table.Th>
                  <Table.Td ta="right">
                    <MoneyText value={group.assigned} currency={currency} fw={600} />
                  </Table.Td>
                  <Table.Td ta="right">
                    <MoneyText value={group.activity} currency={currency} fw={600} />
                  </Table.Td>
                  <Table.Td ta="right">
                    <MoneyText value={group.available} currency={currency} fw={600} />
                  </Table.Td>
                </Table.Tr>
                {rows.map((category) => {
                  cellIndex += 1;
                  const index = cellIndex;
                  return (
                    <Table.Tr key={category.id} bg={category.underfunded ? 'yellow.0' : undefined} data-testid={`category-${category.id}`}>
                      <Table.Th scope="row" fw={400}>
                        <Group gap={6} wrap="nowrap">
                          <Text size="sm">{category.name}</Text>
                          {category.hidden && (
                            <Badge size="xs" variant="outline" color="gray">
                              hidden
                            </Badge>
                          )}
                          {category.overspent && (
                            <Badge size="xs" color="red.9" variant="filled">
                              Overspent
                            </Badge>
                          )}
                          {category.underfunded && category.needed && (
                            <Badge size="xs" color="yellow.9" variant="light">
                              Needs {category.needed}
                            </Badge>
                          )}
                          {category.kind === 'expense' && (
                            <Tooltip label={category.target ? 'Edit target' : 'Set a target'}>
                              <ActionIcon variant="subtle" size="sm" onClick={() => setTargetFor(category)} aria-label={`${category.target ? 'Edit' : 'Set'} target for ${category.name}`}>
                                <IconTarget size={14} aria-hidden />
                              </ActionIcon>
                            </Tooltip>
                          )}
                        </Group>
                      </Table.Th>
                      <Table.Td>
                        <AssignedCell
                          label={`Assigned to ${category.name} in ${monthLabel(month)}`}
                          value={category.assigned}
                          exponent={exponent}
                          inputRef={(element) => {
                            cells.current[index] = element;
                          }}
                          onMove={(direction) => move(index, direction)}
                          onSave={async (assigned) => show(await budgetApi.assign(entity.id, month, category.id, assigned))}
                        />
                      </Table.Td>
                      <Table.Td ta="right">
                        <MoneyText value={category.activity} currency={currency} />
                      </Table.Td>
                      <Table.Td ta="right" aria-label={category.overspent ? `${category.available}, overspent` : undefined}>
                        <MoneyText value={category.available} currency={currency} fw={category.overspent ? 700 : undefined} />
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Fragment>
            );
          })}
        </Table.Tbody>
      </Table>

      {!data.reconciliation.balanced && (
        <Alert color="red" title="The board does not add up">
          To be assigned, held and available add up to {data.reconciliation.budgeted}, but on-budget cash is {data.reconciliation.onBudgetCash}.
        </Alert>
      )}

      <BudgetSankey entityId={entity.id} month={month} />

      <MoveMoneyModal opened={moveOpen} onClose={() => setMoveOpen(false)} categories={allCategories} exponent={exponent} onMove={async (body) => show(await budgetApi.move(entity.id, month, body))} />
      {holdOpen && <HoldModal opened onClose={() => setHoldOpen(false)} held={data.summary.held} exponent={exponent} onHold={async (amount) => show(await budgetApi.hold(entity.id, month, amount))} />}
      {targetFor && (
        <TargetModal
          key={targetFor.id}
          category={targetFor}
          onClose={() => setTargetFor(null)}
          exponent={exponent}
          onSave={async (body) => {
            await budgetApi.setTarget(targetFor.id, body);
            await queryClient.invalidateQueries({ queryKey: budgetKeys.entity(entity.id) });
          }}
          onClear={async () => {
            await budgetApi.clearTarget(targetFor.id);
            await queryClient.invalidateQueries({ queryKey: budgetKeys.entity(entity.id) });
          }}
        />
      )}
      {layoutOpen && (
        <LayoutModal
          opened
          onClose={() => setLayoutOpen(false)}
          groups={data.groups}
          onSave={async (body) => {
            await budgetApi.layout(entity.id, body);
            await queryClient.invalidateQueries({ queryKey: budgetKeys.entity(entity.id) });
          }}
        />
      )}
      <Modal opened={resetOpen} onClose={() => setResetOpen(false)} title={`Reset ${monthLabel(month)}?`}>
        <Stack>
          <Text>Every category's assignment for {monthLabel(month)} goes back to zero and the hold is released. Transactions are not touched.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setResetOpen(false)}>
              Cancel
            </Button>
            <Button color="red" loading={reset.isPending} onClick={() => reset.mutate()}>
              Reset month
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function Figure({ label, value, currency, extra }: { label: string; value: string; currency: string; extra?: { label: string; value: string } }) {
  return (
    <Stack gap={2}>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <MoneyText value={value} currency={currency} fw={600} />
      {extra && (
        <Text size="xs" c="red.9">
          {extra.label}: <MoneyText value={extra.value} currency={currency} size="xs" />
        </Text>
      )}
    </Stack>
  );
}
