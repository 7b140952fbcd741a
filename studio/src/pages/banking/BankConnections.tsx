import { Alert, Badge, Button, Card, Group, NativeSelect, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiProblem } from '../../api/client';
import type { Entity } from '../../api/types';
import { MoneyText } from '../../shell/MoneyText';
import { ledgerQueryPrefixes, useEntities } from '../../shell/queries';
import { bankingApi, bankingKeys, isLinkMessage, type BankAccount, type BankItem, type LinkToken } from './banking-api';

const statusText: Record<BankItem['status'], { label: string; color: string }> = {
  active: { label: 'Connected', color: 'green' },
  login_required: { label: 'Sign-in needed', color: 'orange' },
  error: { label: 'Error', color: 'red' },
  removed: { label: 'Removed', color: 'gray' },
};

const ledgerTypes = [
  { value: 'checking', label: 'Checking' },
  { value: 'savings', label: 'Savings' },
  { value: 'money_market', label: 'Money market' },
  { value: 'credit_card', label: 'Credit card' },
  { value: 'loan', label: 'Loan' },
  { value: 'mortgage', label: 'Mortgage' },
  { value: 'brokerage', label: 'Brokerage' },
  { value: 'retirement', label: 'Retirement' },
];

function suggestedType(account: BankAccount): string {
  if (account.type === 'credit') return 'credit_card';
  if (account.type === 'loan') return account.subtype === 'mortgage' ? 'mortgage' : 'loan';
  if (account.type === 'investment') return account.subtype === 'ira' || account.subtype === '401k' ? 'retirement' : 'brokerage';
  return account.subtype === 'savings' ? 'savings' : account.subtype === 'money market' ? 'money_market' : 'checking';
}

function messageOf(error: unknown): string {
  return error instanceof ApiProblem ? error.detail || error.title : error instanceof Error ? error.message : String(error);
}

/**
 * Opens the bank's consent (the local sandbox's page, or Plaid Link when the studio has it) and
 * resolves with what it posts back. The message must come from the consent page's own origin.
 */
function useConsentWindow() {
  const pending = useRef<{ origin: string; resolve: (message: { publicToken: string | null; updated: boolean }) => void } | null>(null);
  useEffect(() => {
    const listener = (event: MessageEvent) => {
      if (!pending.current || event.origin !== pending.current.origin || !isLinkMessage(event.data)) return;
      pending.current.resolve({ publicToken: event.data.publicToken, updated: event.data.updated });
      pending.current = null;
    };
    window.addEventListener('message', listener);
    return () => window.removeEventListener('message', listener);
  }, []);
  return (link: LinkToken) =>
    new Promise<{ publicToken: string | null; updated: boolean }>((resolve, reject) => {
      if (!link.consentUrl) {
        reject(new Error('Plaid Link is not available in this studio build: paste the public token from Link below.'));
        return;
      }
      pending.current = { origin: new URL(link.consentUrl).origin, resolve };
      const opened = window.open(link.consentUrl, 'sluice-bank-consent', 'width=520,height=720');
      if (!opened) reject(new Error('The browser blocked the bank window: allow pop-ups for Sluice, or paste the public token below.'));
    });
}

export function BankConnections() {
  const queryClient = useQueryClient();
  const items = useQuery({ queryKey: bankingKeys.items, queryFn: bankingApi.items });
  const entities = useEntities();
  const openConsent = useConsentWindow();
  const [notice, setNotice] = useState<{ kind: 'error' | 'success'; text: string } | null>(null);
  const [manualToken, setManualToken] = useState('');
  const [linkMode, setLinkMode] = useState<LinkToken['mode'] | null>(null);

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: bankingKeys.items });
    for (const prefix of ledgerQueryPrefixes) await queryClient.invalidateQueries({ queryKey: prefix });
  };
  const exchange = useMutation({
    mutationFn: bankingApi.exchange,
    onSuccess: async (item) => {
      setNotice({ kind: 'success', text: `${item.institutionName ?? 'The bank'} is connected. Assign its accounts to an entity below.` });
      setManualToken('');
      await refresh();
    },
    onError: (error) => setNotice({ kind: 'error', text: messageOf(error) }),
  });
  const connect = useMutation({
    mutationFn: async () => {
      const link = await bankingApi.linkToken();
      setLinkMode(link.mode);
      const answer = await openConsent(link);
      if (answer.publicToken) exchange.mutate(answer.publicToken);
    },
    onError: (error) => setNotice({ kind: 'error', text: messageOf(error) }),
  });

  const submitToken = (event: FormEvent) => {
    event.preventDefault();
    if (manualToken.trim()) exchange.mutate(manualToken.trim());
  };

  return (
    <Stack component="section" aria-labelledby="linked-banks-heading">
      <Group justify="space-between">
        <Title order={2} id="linked-banks-heading">
          Linked banks
        </Title>
        <Button onClick={() => connect.mutate()} loading={connect.isPending || exchange.isPending}>
          Connect a bank
        </Button>
      </Group>
      {notice && (
        <Alert color={notice.kind === 'error' ? 'red' : 'green'} role={notice.kind === 'error' ? 'alert' : 'status'} withCloseButton onClose={() => setNotice(null)} closeButtonLabel="Dismiss">
          {notice.text}
        </Alert>
      )}
      <form onSubmit={submitToken}>
        <Group align="flex-end">
          <TextInput
            label="Public token"
            description={linkMode === 'plaid' ? 'From Plaid Link' : 'If the bank window could not send it back, paste the token it shows'}
            value={manualToken}
            onChange={(event) => setManualToken(event.currentTarget.value)}
            style={{ flex: 1 }}
          />
          <Button type="submit" variant="default" disabled={!manualToken.trim()}>
            Use token
          </Button>
        </Group>
      </form>
      {items.isLoading && <Text>Loading linked banks…</Text>}
      {items.error && <Alert color="red" role="alert">{messageOf(items.error)}</Alert>}
      {items.data?.length === 0 && <Text c="dimmed">No bank is linked yet. Connect one, or import a statement file below.</Text>}
      {items.data?.map((item) => (
        <BankItemCard key={item.id} item={item} entities={entities.data ?? []} openConsent={openConsent} onChanged={refresh} />
      ))}
    </Stack>
  );
}

function BankItemCard({ item, entities, openConsent, onChanged }: { item: BankItem; entities: Entity[]; openConsent: (link: LinkToken) => Promise<{ publicToken: string | null; updated: boolean }>; onChanged: () => Promise<void> }) {
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string } | null>(null);
  const sync = useMutation({
    mutationFn: () => bankingApi.sync(item.id),
    onSuccess: async (outcome) => {
      setMessage(
        outcome.status === 'synced'
          ? { kind: 'success', text: `Synced: ${outcome.added} new, ${outcome.modified} corrected, ${outcome.removed} removed, ${outcome.pending} pending.` }
          : { kind: 'error', text: outcome.error?.message ?? `Sync ${outcome.status}` },
      );
      await onChanged();
    },
    onError: (error) => setMessage({ kind: 'error', text: messageOf(error) }),
  });
  const reauthenticate = useMutation({
    mutationFn: async () => {
      const link = await bankingApi.linkToken(item.id);
      await openConsent(link);
      return bankingApi.repair(item.id);
    },
    onSuccess: async () => {
      setMessage({ kind: 'success', text: 'Signed in again; the bank is syncing.' });
      await onChanged();
    },
    onError: (error) => setMessage({ kind: 'error', text: messageOf(error) }),
  });
  const status = statusText[item.status];
  const unassigned = item.accounts.filter((account) => !account.entityId);
  const name = item.institutionName ?? 'Bank';
  return (
    <Card withBorder component="article" aria-label={name}>
      <Stack>
        <Group justify="space-between" wrap="wrap">
          <Group gap="sm">
            <Title order={3}>{name}</Title>
            <Badge color={status.color} variant="light">
              {status.label}
            </Badge>
          </Group>
          <Group gap="sm">
            {item.status === 'login_required' && (
              <Button color="orange" onClick={() => reauthenticate.mutate()} loading={reauthenticate.isPending}>
                Re-authenticate
              </Button>
            )}
            <Button variant="default" onClick={() => sync.mutate()} loading={sync.isPending} disabled={item.status !== 'active'} aria-label={`Sync ${name} now`}>
              Sync now
            </Button>
          </Group>
        </Group>
        <Text size="sm" c="dimmed">
          Last sync: {item.lastSyncedAt ? new Date(item.lastSyncedAt).toLocaleString() : 'never'}
        </Text>
        {item.error && (
          <Alert color={item.status === 'login_required' ? 'orange' : 'red'} title={item.error.code}>
            {item.error.message}
          </Alert>
        )}
        {message && (
          <Alert color={message.kind === 'error' ? 'red' : 'green'} role={message.kind === 'error' ? 'alert' : 'status'}>
            {message.text}
          </Alert>
        )}
        <Table>
          <Table.Caption>Accounts of {name}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Account</Table.Th>
              <Table.Th>Entity</Table.Th>
              <Table.Th>Books to</Table.Th>
              <Table.Th ta="right">Bank balance</Table.Th>
              <Table.Th ta="right">Ledger balance</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {item.accounts.map((account) => (
              <Table.Tr key={account.id}>
                <Table.Td>
                  {account.name}
                  {account.mask ? ` ••${account.mask}` : ''}
                </Table.Td>
                <Table.Td>{entities.find((entity) => entity.id === account.entityId)?.name ?? 'Not assigned'}</Table.Td>
                <Table.Td>{account.ledgerAccountName ?? '—'}</Table.Td>
                <Table.Td ta="right">{account.bankBalance ? <MoneyText value={account.bankBalance} currency={account.currency} /> : '—'}</Table.Td>
                <Table.Td ta="right">{account.ledgerBalance ? <MoneyText value={account.ledgerBalance} currency={account.currency} /> : '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {unassigned.length > 0 && <AssignAccountsForm item={item} accounts={unassigned} entities={entities} onAssigned={onChanged} />}
      </Stack>
    </Card>
  );
}

/** Each new account needs an entity (the LLC or a person) and a type before anything posts. */
function AssignAccountsForm({ item, accounts, entities, onAssigned }: { item: BankItem; accounts: BankAccount[]; entities: Entity[]; onAssigned: () => Promise<void> }) {
  const [choices, setChoices] = useState<Record<string, { entityId: string; subtype: string }>>(() =>
    Object.fromEntries(accounts.map((account) => [account.id, { entityId: account.holderCategory === 'business' ? (entities.find((entity) => entity.kind === 'llc')?.id ?? '') : '', subtype: suggestedType(account) }])),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const assign = useMutation({
    mutationFn: () => bankingApi.assign(item.id, accounts.map((account) => ({ accountId: account.id, entityId: choices[account.id]!.entityId, subtype: choices[account.id]!.subtype }))),
    onSuccess: onAssigned,
    onError: (error) => {
      if (error instanceof ApiProblem && error.errors.length > 0) {
        const next: Record<string, string> = {};
        for (const fieldError of error.errors) {
          const index = Number(fieldError.field.split('/')[2]);
          if (Number.isInteger(index) && accounts[index]) next[accounts[index]!.id] = fieldError.message;
        }
        setErrors(next);
      }
      setFailure(messageOf(error));
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const missing = Object.fromEntries(accounts.filter((account) => !choices[account.id]?.entityId).map((account) => [account.id, 'Choose the entity this account belongs to']));
    setErrors(missing);
    if (Object.keys(missing).length === 0) assign.mutate();
  };
  const set = (accountId: string, patch: Partial<{ entityId: string; subtype: string }>) => setChoices((current) => ({ ...current, [accountId]: { ...current[accountId]!, ...patch } }));
  return (
    <form onSubmit={submit} noValidate aria-label={`Assign accounts of ${item.institutionName ?? 'the bank'}`}>
      <Stack>
        <Title order={4}>Assign accounts</Title>
        <Text size="sm">Every account belongs to one entity, so the LLC's money and yours stay apart.</Text>
        {accounts.map((account) => (
          <Group key={account.id} align="flex-start" grow>
            <NativeSelect
              label={`Entity for ${account.name}`}
              required
              value={choices[account.id]!.entityId}
              error={errors[account.id]}
              onChange={(event) => set(account.id, { entityId: event.currentTarget.value })}
              data={[{ value: '', label: 'Choose…' }, ...entities.map((entity) => ({ value: entity.id, label: `${entity.name} (${entity.kind === 'llc' ? 'LLC' : 'personal'})` }))]}
            />
            <NativeSelect label={`Type of ${account.name}`} value={choices[account.id]!.subtype} onChange={(event) => set(account.id, { subtype: event.currentTarget.value })} data={ledgerTypes} />
          </Group>
        ))}
        {failure && (
          <Alert color="red" role="alert">
            {failure}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={assign.isPending}>
            Save and sync
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

