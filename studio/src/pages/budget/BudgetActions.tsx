import { Alert, Button, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { ApiProblem } from '../../api/client';
import { parsePositive } from './amount-input';
import type { BoardCategory, TargetKind } from './budget-api';
import { isMonth } from './months';

function problemText(caught: unknown): string {
  if (caught instanceof ApiProblem) return [caught.detail, ...caught.errors.map((error) => error.message)].filter(Boolean).join(' — ');
  return 'Something went wrong; nothing was changed';
}

/** Move money from one category to another within the month. */
export function MoveMoneyModal({
  opened,
  onClose,
  categories,
  exponent,
  defaultFrom,
  onMove,
}: {
  opened: boolean;
  onClose(): void;
  categories: BoardCategory[];
  exponent: number;
  defaultFrom?: string;
  onMove(body: { fromCategoryId: string; toCategoryId: string; amount: string }): Promise<unknown>;
}) {
  const [from, setFrom] = useState<string | null>(defaultFrom ?? null);
  const [to, setTo] = useState<string | null>(null);
  const [amount, setAmount] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const options = categories.map((category) => ({ value: category.id, label: `${category.name} (${category.available} available)` }));
  async function submit(event: FormEvent) {
    event.preventDefault();
    const next: Record<string, string> = {};
    if (!from) next.from = 'Choose where the money comes from';
    if (!to) next.to = 'Choose where the money goes';
    if (from && to && from === to) next.to = 'Choose another category than the one it comes from';
    const parsed = parsePositive(amount, exponent);
    if ('error' in parsed) next.amount = parsed.error;
    setErrors(next);
    if (Object.keys(next).length > 0 || 'error' in parsed) return;
    try {
      await onMove({ fromCategoryId: from!, toCategoryId: to!, amount: parsed.value });
      setAmount('');
      setFailure(null);
      onClose();
    } catch (caught) {
      if (caught instanceof ApiProblem && caught.fieldError('/amount')) setErrors({ amount: caught.fieldError('/amount')! });
      setFailure(problemText(caught));
    }
  }
  return (
    <Modal opened={opened} onClose={onClose} title="Move money between categories">
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Stack>
          <Select label="From category" data={options} value={from} onChange={setFrom} error={errors.from} searchable />
          <Select label="To category" data={options} value={to} onChange={setTo} error={errors.to} searchable />
          <TextInput label="Amount to move" value={amount} onChange={(event) => setAmount(event.currentTarget.value)} error={errors.amount} inputMode="decimal" />
          {failure && (
            <Alert color="red" role="alert" title="Not moved">
              {failure}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit">Move money</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

const targetKindOptions: { value: TargetKind; label: string }[] = [
  { value: 'monthly', label: 'Assign an amount every month' },
  { value: 'by_date', label: 'Have a balance by a month' },
  { value: 'savings_goal', label: 'Save up to a balance' },
];

/** A category's target: a monthly amount, a balance by a month, or a savings goal. */
export function TargetModal({
  category,
  onClose,
  exponent,
  onSave,
  onClear,
}: {
  category: BoardCategory | null;
  onClose(): void;
  exponent: number;
  onSave(body: { kind: TargetKind; amount: string; byMonth?: string }): Promise<unknown>;
  onClear(): Promise<unknown>;
}) {
  const [kind, setKind] = useState<TargetKind>(category?.target?.kind ?? 'monthly');
  const [amount, setAmount] = useState(category?.target?.amount ?? '');
  const [byMonth, setByMonth] = useState(category?.target?.byMonth ?? '');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const next: Record<string, string> = {};
    const parsed = parsePositive(amount, exponent);
    if ('error' in parsed) next.amount = parsed.error;
    if (kind === 'by_date' && !isMonth(byMonth)) next.byMonth = 'Enter the month as YYYY-MM, e.g. 2027-06';
    setErrors(next);
    if (Object.keys(next).length > 0 || 'error' in parsed) return;
    try {
      await onSave({ kind, amount: parsed.value, ...(kind === 'by_date' ? { byMonth } : {}) });
      onClose();
    } catch (caught) {
      setFailure(problemText(caught));
    }
  }
  return (
    <Modal opened={category !== null} onClose={onClose} title={category ? `Target for ${category.name}` : 'Target'}>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Stack>
          <Select label="Kind of target" data={targetKindOptions} value={kind} onChange={(value) => value && setKind(value as TargetKind)} allowDeselect={false} />
          <TextInput label={kind === 'monthly' ? 'Amount each month' : 'Balance to reach'} value={amount} onChange={(event) => setAmount(event.currentTarget.value)} error={errors.amount} inputMode="decimal" />
          {kind === 'by_date' && <TextInput label="By the end of (YYYY-MM)" value={byMonth} onChange={(event) => setByMonth(event.currentTarget.value)} error={errors.byMonth} placeholder="2027-06" />}
          {category?.target && (
            <Text size="sm" c="dimmed">
              This month it asks {category.targetGoal}; still needed: {category.needed}.
            </Text>
          )}
          {failure && (
            <Alert color="red" role="alert" title="Not saved">
              {failure}
            </Alert>
          )}
          <Group justify="space-between">
            {category?.target ? (
              <Button
                variant="subtle"
                color="red"
                onClick={() =>
                  void onClear()
                    .then(onClose)
                    .catch((caught) => setFailure(problemText(caught)))
                }
              >
                Remove target
              </Button>
            ) : (
              <span />
            )}
            <Group>
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit">Save target</Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Hold part of To be assigned for next month ("0.00" releases the hold). */
export function HoldModal({ opened, onClose, held, exponent, onHold }: { opened: boolean; onClose(): void; held: string; exponent: number; onHold(amount: string): Promise<unknown> }) {
  const [amount, setAmount] = useState(held);
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = parsePositive(amount, exponent, true);
    if ('error' in parsed) return setError(parsed.error);
    try {
      await onHold(parsed.value);
      onClose();
    } catch (caught) {
      setError(caught instanceof ApiProblem ? (caught.fieldError('/amount') ?? caught.detail) : problemText(caught));
    }
  }
  return (
    <Modal opened={opened} onClose={onClose} title="Hold money for next month">
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Stack>
          <TextInput label="Amount to hold" description="It leaves this month's To be assigned and arrives in next month's. 0.00 releases it." value={amount} onChange={(event) => setAmount(event.currentTarget.value)} error={error} inputMode="decimal" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit">Hold</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
