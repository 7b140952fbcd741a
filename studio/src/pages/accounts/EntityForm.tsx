import { Alert, Button, Group, Radio, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { IconBuildingStore, IconUser } from '@tabler/icons-react';
import { useState } from 'react';
import { api } from '../../api/client';
import type { Entity, EntityKind } from '../../api/types';
import { formErrorsOf } from '../../shell/form-problems';
import { ledgerQueryPrefixes } from '../../shell/queries';
import { entityColors } from '../../theme/theme';

/** A new LLC or personal entity; the API gives it a standard chart of accounts. */
export function EntityForm({ onCreated, onCancel }: { onCreated(entity: Entity): void; onCancel?(): void }) {
  const queryClient = useQueryClient();
  const [unplaced, setUnplaced] = useState<string[]>([]);
  const form = useForm<{ kind: EntityKind | ''; name: string }>({
    initialValues: { kind: '', name: '' },
    validate: {
      kind: (value) => (value ? null : 'Choose LLC or personal'),
      name: (value) => (value.trim() ? null : 'Give the entity a name'),
    },
  });
  const create = useMutation({
    mutationFn: (body: { kind: EntityKind; name: string }) => api<Entity>('/entities', { method: 'POST', body }),
    onSuccess: async (entity) => {
      await Promise.all(ledgerQueryPrefixes.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
      onCreated(entity);
    },
    onError: (error) => {
      const { fieldErrors, unplaced: rest } = formErrorsOf(error, ([field]) => (field === 'kind' || field === 'name' ? field : null));
      form.setErrors(fieldErrors);
      setUnplaced(rest);
    },
  });
  return (
    <form noValidate onSubmit={form.onSubmit((values) => create.mutate({ kind: values.kind as EntityKind, name: values.name.trim() }))}>
      <Stack>
        <Radio.Group label="Kind" withAsterisk {...form.getInputProps('kind')}>
          <Group mt="xs">
            <Radio value="llc" color={`${entityColors.llc}.9`} label={<Group gap={4}><IconBuildingStore size={16} aria-hidden /><Text span>LLC</Text></Group>} />
            <Radio value="personal" color={`${entityColors.personal}.9`} label={<Group gap={4}><IconUser size={16} aria-hidden /><Text span>Personal</Text></Group>} />
          </Group>
        </Radio.Group>
        <TextInput label="Name" withAsterisk placeholder="e.g. Lee Studio LLC" {...form.getInputProps('name')} />
        <Text size="sm" c="dimmed">
          Sluice sets up a chart of accounts for it (checking, savings, card, categories) and, between an LLC and a personal entity, the accounts that document money moving between them.
        </Text>
        {unplaced.length > 0 && (
          <Alert color="red" role="alert" title="Could not create the entity">
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
            Create entity
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
