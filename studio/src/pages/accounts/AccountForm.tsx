import { Alert, Button, Checkbox, Group, Select, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import type { Account, AccountType, Entity } from '../../api/types';
import { subtypeLabel } from '../../shell/balances';
import { formErrorsOf } from '../../shell/form-problems';
import { ledgerQueryPrefixes } from '../../shell/queries';

/** The API's subtypes per type (engine/ledger/types.ts). */
const subtypesByType: Record<AccountType, string[]> = {
  asset: ['checking', 'savings', 'money_market', 'cash', 'brokerage', 'retirement', 'receivable', 'other_asset'],
  liability: ['credit_card', 'loan', 'mortgage', 'payable', 'other_liability'],
  equity: ['equity'],
  income: ['income'],
  expense: ['expense'],
};

const typeOptions = [
  { value: 'asset', label: 'Asset (bank, cash, investments)' },
  { value: 'liability', label: 'Liability (card, loan)' },
  { value: 'income', label: 'Income category' },
  { value: 'expense', label: 'Expense category' },
  { value: 'equity', label: 'Equity' },
];

interface Values {
  name: string;
  type: AccountType | '';
  subtype: string;
  code: string;
  allowOverdraft: boolean;
}

export function AccountForm({ entity, onCreated, onCancel }: { entity: Entity; onCreated(account: Account): void; onCancel?(): void }) {
  const queryClient = useQueryClient();
  const [unplaced, setUnplaced] = useState<string[]>([]);
  const form = useForm<Values>({
    initialValues: { name: '', type: '', subtype: '', code: '', allowOverdraft: false },
    validate: {
      name: (value) => (value.trim() ? null : 'Give the account a name'),
      type: (value) => (value ? null : 'Choose what kind of account this is'),
      code: (value) => (!value || /^[0-9A-Za-z.-]{1,20}$/.test(value) ? null : 'Up to 20 letters, digits, dots or dashes'),
    },
    onValuesChange: (values, previous) => {
      if (values.type !== previous.type) form.setFieldValue('subtype', values.type ? (subtypesByType[values.type][0] ?? '') : '');
    },
  });
  const create = useMutation({
    mutationFn: (values: Values) =>
      api<Account>(`/entities/${entity.id}/accounts`, {
        method: 'POST',
        body: { name: values.name.trim(), type: values.type, ...(values.subtype ? { subtype: values.subtype } : {}), ...(values.code ? { code: values.code } : {}), ...(values.type === 'asset' || values.type === 'liability' ? { allowOverdraft: values.allowOverdraft } : {}) },
      }),
    onSuccess: async (account) => {
      await Promise.all(ledgerQueryPrefixes.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
      onCreated(account);
    },
    onError: (error) => {
      const { fieldErrors, unplaced: rest } = formErrorsOf(error, ([field]) => (field && ['name', 'type', 'subtype', 'code', 'allowOverdraft'].includes(field) ? field : null));
      form.setErrors(fieldErrors);
      setUnplaced(rest);
    },
  });
  const type = form.values.type;
  return (
    <form noValidate onSubmit={form.onSubmit((values) => create.mutate(values))}>
      <Stack>
        <TextInput label="Account name" withAsterisk placeholder="e.g. Business checking" {...form.getInputProps('name')} />
        <Select label="Type" withAsterisk data={typeOptions} allowDeselect={false} {...form.getInputProps('type')} />
        {type && subtypesByType[type].length > 1 && (
          <Select label="Subtype" data={subtypesByType[type].map((value) => ({ value, label: subtypeLabel(value) }))} allowDeselect={false} {...form.getInputProps('subtype')} />
        )}
        <TextInput label="Code" description="Optional; Sluice numbers it in the chart when left empty." {...form.getInputProps('code')} />
        {(type === 'asset' || type === 'liability') && <Checkbox label="Allow overdraft (flows may take it below zero)" {...form.getInputProps('allowOverdraft', { type: 'checkbox' })} />}
        {unplaced.length > 0 && (
          <Alert color="red" role="alert" title="Could not add the account">
            {unplaced.join(' ')}
          </Alert>
        )}
        <Group justify="flex-end">
          {onCancel && (
            <Button variant="default" onClick={onCancel}>
              Cancel
            </Button>
          )}
          <Button type="submit" loading={create.isPending}>
            Add account
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
