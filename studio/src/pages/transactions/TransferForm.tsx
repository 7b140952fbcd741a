import { Alert, Button, Group, List, SegmentedControl, Select, SimpleGrid, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQueryClient } from '@tanstack/react-query';
import { IconArrowLeft, IconCheck, IconEye } from '@tabler/icons-react';
import { useRef, useState } from 'react';
import { api, idempotencyKey } from '../../api/client';
import type { Account, Entity, TransferDetail, TransferKind, TransferRequest } from '../../api/types';
import { cashSubtypes } from '../../shell/balances';
import { todayIso } from '../../shell/dates';
import { EntityBadge } from '../../shell/EntityBadge';
import { formErrorsOf } from '../../shell/form-problems';
import { MoneyText } from '../../shell/MoneyText';
import { currencyExponent, fromMinor, parseAmountInput } from '../../shell/money';
import { ledgerQueryPrefixes, useAccounts } from '../../shell/queries';
import { JournalCard } from './JournalTable';

type Direction = 'llc_to_owner' | 'owner_to_llc';

export const transferKindLabel: Record<TransferKind, string> = {
  owner_draw: 'Owner draw',
  capital_contribution: 'Capital contribution',
  member_loan: 'Member loan',
  loan_repayment: 'Loan repayment',
  reimbursement: 'Reimbursement',
  expense_paid_for: 'Expense paid for the other',
};

const kindHelp: Record<TransferKind, string> = {
  owner_draw: 'The LLC pays its owner. Equity on both sides: not income, not an expense.',
  capital_contribution: 'The owner puts money into the LLC. Equity on both sides.',
  member_loan: 'A documented loan between the owner and the LLC; both sides keep the balance owed.',
  loan_repayment: 'Pays back a member loan; include any interest in the amount and say how much.',
  reimbursement: 'Settles what one side owes the other for an expense it paid.',
  expense_paid_for: "One side paid the other's expense: choose the expense category of the side it belongs to.",
};

/** Kinds that only go one way. */
const fixedDirection: Partial<Record<TransferKind, Direction>> = { owner_draw: 'llc_to_owner', capital_contribution: 'owner_to_llc' };

export interface TransferValues {
  kind: TransferKind | '';
  direction: Direction;
  llcId: string;
  personalId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: string;
  interest: string;
  date: string;
  purpose: string;
  documentRef: string;
}

/**
 * A documented transfer between an LLC and its owner. It asks for the kind and the purpose, then
 * shows both journals exactly as the API would book them (POST /inter-entity-transfers/preview
 * runs the real booking and rolls it back) before anything is recorded.
 */
export function TransferForm({ entities, currentEntity, onRecorded, onCancel }: { entities: Entity[]; currentEntity: Entity | null; onRecorded(transfer: TransferDetail): void; onCancel?(): void }) {
  const queryClient = useQueryClient();
  const llcs = entities.filter((entity) => entity.kind === 'llc');
  const people = entities.filter((entity) => entity.kind === 'personal');
  const [preview, setPreview] = useState<{ request: TransferRequest; detail: TransferDetail } | null>(null);
  const [unplaced, setUnplaced] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const attempt = useRef<{ body: string; key: string } | null>(null);

  const form = useForm<TransferValues>({
    initialValues: {
      kind: '',
      direction: currentEntity?.kind === 'personal' ? 'owner_to_llc' : 'llc_to_owner',
      llcId: (currentEntity?.kind === 'llc' ? currentEntity.id : llcs[0]?.id) ?? '',
      personalId: (currentEntity?.kind === 'personal' ? currentEntity.id : people[0]?.id) ?? '',
      fromAccountId: '',
      toAccountId: '',
      amount: '',
      interest: '',
      date: todayIso(),
      purpose: '',
      documentRef: '',
    },
    validate: {
      kind: (value) => (value ? null : 'Choose what kind of transfer this is'),
      llcId: (value) => (value ? null : 'Choose the LLC'),
      personalId: (value) => (value ? null : 'Choose the owner'),
      fromAccountId: (value) => (value ? null : 'Choose the account that pays'),
      toAccountId: (value, values) => (value ? null : values.kind === 'expense_paid_for' ? 'Choose the expense category' : 'Choose the account that receives'),
      amount: (value) => {
        const minor = parseAmountInput(value, currencyExponent(currencyOf(values())));
        return !value.trim() ? 'Enter the amount' : minor === null ? 'Enter an amount like 1200.00 (no sign)' : minor === 0n ? 'Must be more than zero' : null;
      },
      interest: (value, values) => {
        if (values.kind !== 'loan_repayment' || !value.trim()) return null;
        const minor = parseAmountInput(value, 2);
        const amount = parseAmountInput(values.amount, 2);
        if (minor === null) return 'Enter the interest like 20.00, or leave it empty';
        if (amount !== null && minor >= amount) return 'Interest is part of the amount: it must be less than the amount';
        return null;
      },
      date: (value) => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? null : 'Enter the date'),
      purpose: (value) => (value.trim().length >= 3 ? null : 'Say why the money moves (at least 3 characters): it is the record the books keep'),
    },
    onValuesChange: (values, previous) => {
      const fixed = values.kind ? fixedDirection[values.kind] : undefined;
      if (fixed && values.direction !== fixed) form.setFieldValue('direction', fixed);
      // Accounts belong to a side: a new side or kind means choosing them again.
      if (values.direction !== previous.direction || values.llcId !== previous.llcId || values.personalId !== previous.personalId) {
        form.setFieldValue('fromAccountId', '');
        form.setFieldValue('toAccountId', '');
      } else if ((values.kind === 'expense_paid_for') !== (previous.kind === 'expense_paid_for')) {
        form.setFieldValue('toAccountId', '');
      }
    },
  });
  const values = () => form.getValues();
  const llcAccounts = useAccounts(form.values.llcId || null);
  const personalAccounts = useAccounts(form.values.personalId || null);
  const llc = llcs.find((entity) => entity.id === form.values.llcId);
  const person = people.find((entity) => entity.id === form.values.personalId);
  function currencyOf(current: TransferValues): string {
    return llcs.find((entity) => entity.id === current.llcId)?.baseCurrency ?? 'USD';
  }

  if (llcs.length === 0 || people.length === 0) {
    return (
      <Alert title="An LLC and a personal entity are needed">
        An inter-entity transfer moves money between an LLC and its owner. Create {llcs.length === 0 ? 'an LLC' : 'a personal entity'} on the Accounts & Entities page first.
      </Alert>
    );
  }

  const kind = form.values.kind;
  const direction = form.values.direction;
  const [payer, payee] = direction === 'llc_to_owner' ? [llc, person] : [person, llc];
  const [payerAccounts, payeeAccounts] = direction === 'llc_to_owner' ? [llcAccounts.data ?? [], personalAccounts.data ?? []] : [personalAccounts.data ?? [], llcAccounts.data ?? []];
  const paying = payerAccounts.filter((account) => !account.archived && (cashSubtypes.includes(account.subtype) || (kind === 'expense_paid_for' && account.subtype === 'credit_card')));
  const receiving = payeeAccounts.filter((account) => !account.archived && (kind === 'expense_paid_for' ? account.type === 'expense' : cashSubtypes.includes(account.subtype)));
  const options = (accounts: Account[]) => accounts.map((account) => ({ value: account.id, label: `${account.code} · ${account.name}` }));
  const entityById = (id: string) => entities.find((entity) => entity.id === id);

  const requestOf = (current: TransferValues): TransferRequest => {
    const exponent = currencyExponent(currencyOf(current));
    const normalise = (text: string) => fromMinor(parseAmountInput(text, exponent)!, exponent);
    return {
      kind: current.kind as TransferKind,
      date: current.date,
      amount: normalise(current.amount),
      ...(current.kind === 'loan_repayment' && current.interest.trim() ? { interest: normalise(current.interest) } : {}),
      fromAccountId: current.fromAccountId,
      toAccountId: current.toAccountId,
      purpose: current.purpose.trim(),
      ...(current.documentRef.trim() ? { documentRef: current.documentRef.trim() } : {}),
    };
  };

  const showProblem = (error: unknown) => {
    const fields = ['kind', 'date', 'amount', 'interest', 'fromAccountId', 'toAccountId', 'purpose', 'documentRef'];
    const { fieldErrors, unplaced: rest } = formErrorsOf(error, ([field]) => (field && fields.includes(field) ? field : null));
    form.setErrors(fieldErrors);
    setUnplaced(rest);
  };

  const onPreview = form.onSubmit(async (current) => {
    setUnplaced([]);
    const request = requestOf(current);
    setBusy(true);
    try {
      const detail = await api<TransferDetail>('/inter-entity-transfers/preview', { method: 'POST', body: request });
      setPreview({ request, detail });
    } catch (error) {
      showProblem(error);
    } finally {
      setBusy(false);
    }
  });

  const onConfirm = async () => {
    if (!preview) return;
    const text = JSON.stringify(preview.request);
    if (attempt.current?.body !== text) attempt.current = { body: text, key: idempotencyKey() };
    setBusy(true);
    setUnplaced([]);
    try {
      const detail = await api<TransferDetail>('/inter-entity-transfers', { method: 'POST', body: preview.request, headers: { 'Idempotency-Key': attempt.current.key } });
      attempt.current = null;
      await Promise.all(ledgerQueryPrefixes.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
      onRecorded(detail);
    } catch (error) {
      // Back to the form, with the API's reasons under the inputs they concern.
      setPreview(null);
      showProblem(error);
    } finally {
      setBusy(false);
    }
  };

  if (preview) {
    const { detail } = preview;
    // Loans and amounts due between the two, after this transfer (an owner draw leaves none).
    const openBalances = detail.balances.filter((row) => !/^-?0(\.0+)?$/.test(row.balance));
    return (
      <Stack>
        <Title order={3} size="h4">
          Check both journals before recording
        </Title>
        <Text size="sm">
          {transferKindLabel[detail.kind]} of <MoneyText value={detail.amount} currency={detail.currency} fw={700} /> on {detail.date}. Purpose: “{detail.purpose}”. Nothing has been written yet.
        </Text>
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          {detail.journals.map((journal) => {
            const entity = entityById(journal.entityId);
            return <JournalCard key={journal.id} journal={journal} entity={entity} heading={`${entity?.kind === 'llc' ? 'LLC' : 'Personal'} journal: ${entity?.name ?? ''}`} />;
          })}
        </SimpleGrid>
        {openBalances.length > 0 && (
        <div>
          <Text size="sm" fw={600}>
            Balances between the two after this transfer {detail.reconciled ? '(they mirror each other)' : '(they do not mirror each other)'}
          </Text>
          <List size="sm">
            {openBalances.map((row) => (
                <List.Item key={row.accountId}>
                  {entityById(row.entityId)?.name}: {row.name} <MoneyText value={row.balance} currency={detail.currency} />
                </List.Item>
              ))}
          </List>
        </div>
        )}
        {unplaced.length > 0 && (
          <Alert color="red" role="alert" title="The transfer was not recorded">
            {unplaced.join(' ')}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" leftSection={<IconArrowLeft size={16} aria-hidden />} onClick={() => setPreview(null)} disabled={busy}>
            Back to edit
          </Button>
          <Button leftSection={<IconCheck size={16} aria-hidden />} onClick={onConfirm} loading={busy}>
            Confirm and record
          </Button>
        </Group>
      </Stack>
    );
  }

  return (
    <form noValidate onSubmit={onPreview} aria-label="Inter-entity transfer">
      <Stack>
        <Select
          label="Kind"
          withAsterisk
          placeholder="What is this transfer?"
          data={(Object.keys(transferKindLabel) as TransferKind[]).map((value) => ({ value, label: transferKindLabel[value] }))}
          allowDeselect={false}
          description={kind ? kindHelp[kind] : 'Owner draw, capital contribution, member loan, repayment, reimbursement, or an expense paid for the other side.'}
          {...form.getInputProps('kind')}
        />
        {(llcs.length > 1 || people.length > 1) && (
          <Group grow>
            <Select label="LLC" data={llcs.map((entity) => ({ value: entity.id, label: entity.name }))} allowDeselect={false} {...form.getInputProps('llcId')} />
            <Select label="Owner (personal)" data={people.map((entity) => ({ value: entity.id, label: entity.name }))} allowDeselect={false} {...form.getInputProps('personalId')} />
          </Group>
        )}
        <div>
          <Text size="sm" fw={500} id="direction-label" mb={4}>
            Direction
          </Text>
          <SegmentedControl
            aria-labelledby="direction-label"
            disabled={Boolean(kind && fixedDirection[kind])}
            data={[
              { value: 'llc_to_owner', label: `${llc?.name ?? 'LLC'} pays ${person?.name ?? 'owner'}` },
              { value: 'owner_to_llc', label: `${person?.name ?? 'Owner'} pays ${llc?.name ?? 'LLC'}` },
            ]}
            {...form.getInputProps('direction')}
          />
        </div>
        <Group grow align="flex-start">
          <Stack gap={4}>
            {payer && <EntityBadge kind={payer.kind} name={payer.name} />}
            <Select label="From account" withAsterisk data={options(paying)} allowDeselect={false} nothingFoundMessage="No paying account" {...form.getInputProps('fromAccountId')} />
          </Stack>
          <Stack gap={4}>
            {payee && <EntityBadge kind={payee.kind} name={payee.name} />}
            <Select label={kind === 'expense_paid_for' ? 'Expense category' : 'To account'} withAsterisk data={options(receiving)} allowDeselect={false} {...form.getInputProps('toAccountId')} />
          </Stack>
        </Group>
        <Group grow align="flex-start">
          <TextInput label="Amount" withAsterisk inputMode="decimal" placeholder="0.00" autoComplete="off" {...form.getInputProps('amount')} />
          {kind === 'loan_repayment' && <TextInput label="Of which interest" inputMode="decimal" placeholder="0.00" autoComplete="off" {...form.getInputProps('interest')} />}
          <TextInput type="date" label="Date" withAsterisk {...form.getInputProps('date')} />
        </Group>
        <Textarea label="Purpose" withAsterisk description="Why the money moves. It stays on the record of both entities." rows={2} {...form.getInputProps('purpose')} />
        <TextInput label="Document reference" description="Optional: invoice number, loan agreement, receipt link." {...form.getInputProps('documentRef')} />
        {unplaced.length > 0 && (
          <Alert color="red" role="alert" title="Could not preview the transfer">
            {unplaced.join(' ')}
          </Alert>
        )}
        <Group justify="flex-end">
          {onCancel && (
            <Button variant="default" onClick={onCancel}>
              Cancel
            </Button>
          )}
          <Button type="submit" leftSection={<IconEye size={16} aria-hidden />} loading={busy}>
            Preview journals
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
