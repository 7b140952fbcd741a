import { Group, Select, Stack, Text } from '@mantine/core';
import { IconBuildingStore, IconUser } from '@tabler/icons-react';
import type { Account, AccountType, Entity, EntityKind } from '../api/types';
import { EntityBadge } from '../shell/EntityBadge';
import { entityKindLabel } from '../shell/EntityBadge';
import { entityColors } from '../theme/theme';

export type AccountOption = Account & { entity: Entity };

export interface AccountFilter {
  types?: readonly AccountType[];
  entityKinds?: readonly EntityKind[];
  /** Only this entity's accounts (a bill is paid by the entity that owes it). */
  entityId?: string;
}

export function filterAccounts(accounts: readonly AccountOption[], filter: AccountFilter): AccountOption[] {
  return accounts.filter(
    (account) =>
      !account.archived &&
      (!filter.types || filter.types.includes(account.type)) &&
      (!filter.entityKinds || filter.entityKinds.includes(account.entity.kind)) &&
      (!filter.entityId || account.entityId === filter.entityId),
  );
}

/** Accounts grouped by entity, each group named with the entity's kind so LLC and personal never mix. */
export function AccountPicker({
  id,
  label,
  description,
  value,
  onChange,
  accounts,
  filter,
  required,
  error,
}: {
  id: string;
  label: string;
  description?: string;
  value: string | undefined;
  onChange(accountId: string | undefined): void;
  accounts: readonly AccountOption[];
  filter: AccountFilter;
  required?: boolean;
  error?: string;
}) {
  const offered = filterAccounts(accounts, filter);
  const selected = accounts.find((account) => account.id === value);
  const groups = new Map<string, { group: string; items: { value: string; label: string }[] }>();
  for (const account of offered) {
    const group = `${entityKindLabel[account.entity.kind]} · ${account.entity.name}`;
    if (!groups.has(account.entityId)) groups.set(account.entityId, { group, items: [] });
    groups.get(account.entityId)!.items.push({ value: account.id, label: `${account.code} · ${account.name} (${entityKindLabel[account.entity.kind]})` });
  }
  // A chosen account the filter no longer offers stays visible, so the user sees what is set.
  if (selected && !offered.includes(selected)) {
    groups.set('selected', { group: 'Currently chosen', items: [{ value: selected.id, label: `${selected.code} · ${selected.name} (${entityKindLabel[selected.entity.kind]})` }] });
  }
  const Icon = selected?.entity.kind === 'llc' ? IconBuildingStore : IconUser;
  return (
    <Stack gap={4}>
      <Select
        id={id}
        label={label}
        description={description}
        placeholder={offered.length === 0 ? 'No matching account' : 'Choose an account'}
        data={[...groups.values()]}
        value={value ?? null}
        onChange={(next) => onChange(next ?? undefined)}
        searchable
        clearable={!required}
        withAsterisk={required}
        error={error}
        nothingFoundMessage="No account matches"
        leftSection={selected ? <Icon size={16} aria-hidden color={`var(--mantine-color-${entityColors[selected.entity.kind]}-7)`} /> : undefined}
        comboboxProps={{ withinPortal: true }}
      />
      {selected && (
        <Group gap={6}>
          <EntityBadge kind={selected.entity.kind} name={selected.entity.name} size="sm" />
          <Text size="xs" c="gray.7">
            {selected.type}
            {selected.subtype ? ` · ${selected.subtype}` : ''}
          </Text>
        </Group>
      )}
    </Stack>
  );
}
