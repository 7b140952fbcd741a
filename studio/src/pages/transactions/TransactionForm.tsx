import { ActionIcon, Alert, Button, Group, SegmentedControl, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQueryClient } from '@tanstack/react-query';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useRef, useState } from 'react';
import { api, idempotencyKey } from '../../api/client';
import type { Account, Entity, Journal } from '../../api/types';
import { accountTypeLabel, moneySubtypes } from '../../shell/balances';
import { todayIso } from '../../shell/dates';
import { EntityBadge } from '../../shell/EntityBadge';
import { formErrorsOf } from '../../shell/form-problems';
import { currencyExponent, formatMoney, fromMinor, parseAmountInput } from '../../shell/money';
import { ledgerQueryPrefixes } from '../../shell/queries';

interface Split {
  key: string;
  accountId: string;
  amount: string;
  memo: string;
}

export interface TransactionValues {
  date: string;
  payee: string;
  memo: string;
  direction: 'out' | 'in';
  accountId: string;
  total: string;
  splits: Split[];
}

let splitCounter = 0;
const newSplit = (): Split => ({ key: `split-${++splitCounter}`, accountId: '', amount: '', memo: '' });

/**
 * A transaction in one entity: money out of (or into) one account, split over categories. The
 * splits must add up to the total before anything is sent (checked in minor units, never floats);
 * the API checks again and its field errors land under the input they name.
 */
export function TransactionForm({ entity, accounts, defaultAccountId, onPosted, onCancel }: { entity: Entity; accounts: Account[]; defaultAccountId?: string; onPosted(journal: Journal): void; onCancel?(): void }) {
  const queryClient = useQueryClient();
  const [unplaced, setUnplaced] = useState<string[]>([]);
  const [balanceProblem, setBalanceProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  // One key per distinct body: a retry of the same transaction reuses it, so it can never post twice.
  const attempt = useRef<{ body: string; key: string } | null>(null);
  const currency = entity.baseCurrency;
  const exponent = currencyExponent(currency);
  const active = accounts.filter((account) => !account.archived);
  const moneyAccounts = active.filter((account) => moneySubtypes.includes(account.subtype));

  const amountProblem = (value: string) => {
    if (!value.trim()) return 'Enter an amount';
    const minor = parseAmountInput(value, exponent);
    if (minor === null) return `Enter an amount like 12.34 (at most ${exponent} decimals, no sign)`;
    if (minor === 0n) return 'Must be more than zero';
    return null;
  };
  const form = useForm<TransactionValues>({
    initialValues: { date: todayIso(), payee: '', memo: '', direction: 'out', accountId: defaultAccountId && moneyAccounts.some((account) => account.id === defaultAccountId) ? defaultAccountId : '', total: '', splits: [newSplit()] },
    validate: {
      date: (value) => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? null : 'Enter the date'),
      accountId: (value) => (value ? null : 'Choose the account the money moves through'),
      total: amountProblem,
      splits: {
        accountId: (value, values) => (!value ? 'Choose a category' : value === values.accountId ? 'Choose a different account than the one paying' : null),
        amount: amountProblem,
      },
    },
  });

  const minorOf = (text: string) => parseAmountInput(text, exponent);
  const totalMinor = minorOf(form.values.total);
  const splitMinors = form.values.splits.map((split) => minorOf(split.amount));
  const assignedMinor = splitMinors.reduce<bigint>((sum, minor) => sum + (minor ?? 0n), 0n);
  const leftMinor = totalMinor === null ? null : totalMinor - assignedMinor;

  const accountOptions = (candidates: Account[]) =>
    (['asset', 'liability', 'income', 'expense', 'equity'] as const)
      .map((type) => ({ group: accountTypeLabel[type], items: candidates.filter((account) => account.type === type).map((account) => ({ value: account.id, label: `${account.code} · ${account.name}` })) }))
      .filter((group) => group.items.length > 0);

  const submit = form.onSubmit(async (values) => {
    setUnplaced([]);
    setBalanceProblem(null);
    const total = minorOf(values.total)!;
    const splits = values.splits.map((split) => minorOf(split.amount)!);
    const assigned = splits.reduce((sum, minor) => sum + minor, 0n);
    if (assigned !== total) {
      const difference = total - assigned;
      setBalanceProblem(
        `The splits add up to ${formatMoney(fromMinor(assigned, exponent), currency)} but the total is ${formatMoney(fromMinor(total, exponent), currency)}: ${difference > 0n ? `${formatMoney(fromMinor(difference, exponent), currency)} is not assigned to a category` : `the splits are ${formatMoney(fromMinor(-difference, exponent), currency)} over the total`}. Nothing was sent.`,
      );
      return;
    }
    // Debits are positive: money out debits the categories and credits the account; money in the reverse.
    const sign = values.direction === 'out' ? 1n : -1n;
    const body = {
      date: values.date,
      ...(values.payee.trim() ? { payee: values.payee.trim() } : {}),
      ...(values.memo.trim() ? { memo: values.memo.trim() } : {}),
      postings: [
        ...values.splits.map((split, index) => ({ accountId: split.accountId, amount: fromMinor(sign * splits[index]!, exponent), ...(split.memo.trim() ? { memo: split.memo.trim() } : {}) })),
        { accountId: values.accountId, amount: fromMinor(-sign * total, exponent) },
      ],
    };
    const text = JSON.stringify(body);
    if (attempt.current?.body !== text) attempt.current = { body: text, key: idempotencyKey() };
    setSending(true);
    try {
      const journal = await api<Journal>(`/entities/${entity.id}/journals`, { method: 'POST', body, headers: { 'Idempotency-Key': attempt.current.key } });
      attempt.current = null;
      await Promise.all(ledgerQueryPrefixes.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
      onPosted(journal);
    } catch (error) {
      const splitCount = values.splits.length;
      const { fieldErrors, unplaced: rest } = formErrorsOf(error, (segments) => {
        const [first, index, field] = segments;
        if (first === 'postings' && index !== undefined && /^\d+$/.test(index)) {
          const position = Number(index);
          if (position < splitCount) return field === 'accountId' || field === 'amount' || field === 'memo' ? `splits.${position}.${field}` : null;
          if (position === splitCount) return field === 'accountId' ? 'accountId' : field === 'amount' ? 'total' : null;
          return null;
        }
        return first === 'date' || first === 'payee' || first === 'memo' ? first : null;
      });
      form.setErrors(fieldErrors);
      setUnplaced(rest);
    } finally {
      setSending(false);
    }
  });

  return (
    <form noValidate onSubmit={submit} aria-label={`New transaction in ${entity.name}`}>
      <Stack>
        <Group gap="xs">
          <Text size="sm">Posting in</Text>
          <EntityBadge kind={entity.kind} name={entity.name} />
        </Group>
        <SegmentedControl
          aria-label="Direction"
          data={[
            { value: 'out', label: 'Money out (spending)' },
            { value: 'in', label: 'Money in (income, refund)' },
          ]}
          {...form.getInputProps('direction')}
        />
        <Group grow align="flex-start">
          <TextInput type="date" label="Date" withAsterisk {...form.getInputProps('date')} />
          <TextInput label="Payee" placeholder="e.g. Target" {...form.getInputProps('payee')} />
        </Group>
        <Group grow align="flex-start">
          <Select label={form.values.direction === 'out' ? 'Paid from' : 'Received into'} withAsterisk searchable data={accountOptions(moneyAccounts)} allowDeselect={false} {...form.getInputProps('accountId')} />
          <TextInput label="Total amount" withAsterisk inputMode="decimal" placeholder="0.00" autoComplete="off" {...form.getInputProps('total')} />
        </Group>
        <TextInput label="Memo" {...form.getInputProps('memo')} />
        <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
          <Title order={3} size="h5" component="legend" mb="xs">
            Splits
          </Title>
          <Stack gap="xs">
            {form.values.splits.map((split, index) => (
              <Group key={split.key} align="flex-start" wrap="nowrap" data-testid={`split-${index}`}>
                <Select
                  label={`Category ${index + 1}`}
                  withAsterisk
                  searchable
                  style={{ flex: 2 }}
                  data={accountOptions(active.filter((account) => account.id !== form.values.accountId))}
                  allowDeselect={false}
                  {...form.getInputProps(`splits.${index}.accountId`)}
                />
                <TextInput label={`Amount ${index + 1}`} withAsterisk inputMode="decimal" placeholder="0.00" autoComplete="off" style={{ flex: 1 }} {...form.getInputProps(`splits.${index}.amount`)} />
                <TextInput label={`Split memo ${index + 1}`} style={{ flex: 1 }} {...form.getInputProps(`splits.${index}.memo`)} />
                <ActionIcon
                  variant="subtle"
                  color="gray.8"
                  mt={28}
                  size="lg"
                  aria-label={`Remove split ${index + 1}`}
                  disabled={form.values.splits.length === 1}
                  onClick={() => form.removeListItem('splits', index)}
                >
                  <IconTrash size={18} aria-hidden />
                </ActionIcon>
              </Group>
            ))}
            <Group justify="space-between">
              <Button variant="subtle" leftSection={<IconPlus size={16} aria-hidden />} onClick={() => form.insertListItem('splits', newSplit())}>
                Add split
              </Button>
              <Text size="sm" aria-live="polite" data-testid="split-remainder">
                {leftMinor === null
                  ? `Assigned ${formatMoney(fromMinor(assignedMinor, exponent), currency)}`
                  : leftMinor === 0n
                    ? 'Splits match the total'
                    : leftMinor > 0n
                      ? `${formatMoney(fromMinor(leftMinor, exponent), currency)} left to assign`
                      : `${formatMoney(fromMinor(-leftMinor, exponent), currency)} over the total`}
              </Text>
            </Group>
          </Stack>
        </fieldset>
        {balanceProblem && (
          <Alert color="red" role="alert" title="The splits do not balance">
            {balanceProblem}
          </Alert>
        )}
        {unplaced.length > 0 && (
          <Alert color="red" role="alert" title="The transaction was not posted">
            {unplaced.map((message) => (
              <div key={message}>{message}</div>
            ))}
          </Alert>
        )}
        <Group justify="flex-end">
          {onCancel && (
            <Button variant="default" onClick={onCancel}>
              Cancel
            </Button>
          )}
          <Button type="submit" loading={sending}>
            Post transaction
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
