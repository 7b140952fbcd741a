import { ActionIcon, Alert, Button, Checkbox, Group, Modal, Paper, Select, Stack, Text, TextInput } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { ApiProblem } from '../../api/client';
import type { BoardGroup } from './budget-api';

interface DraftCategory {
  id: string;
  name: string;
  hidden: boolean;
}
interface DraftGroup {
  key: string;
  id?: string;
  name: string;
  hidden: boolean;
  categories: DraftCategory[];
}

export interface LayoutBody {
  groups: { id?: string; name: string; hidden: boolean; categories: { id: string; hidden: boolean }[] }[];
}

function swap<T>(list: T[], index: number, other: number): T[] {
  if (other < 0 || other >= list.length) return list;
  const next = [...list];
  [next[index], next[other]] = [next[other]!, next[index]!];
  return next;
}

/** The board's layout: groups in order, categories in order within them, what is hidden. */
export function LayoutModal({ opened, onClose, groups, onSave }: { opened: boolean; onClose(): void; groups: BoardGroup[]; onSave(body: LayoutBody): Promise<unknown> }) {
  const [draft, setDraft] = useState<DraftGroup[]>(() =>
    groups.map((group, index) => ({ key: group.id ?? `new-${index}`, ...(group.id ? { id: group.id } : {}), name: group.name, hidden: group.hidden, categories: group.categories.map((category) => ({ id: category.id, name: category.name, hidden: category.hidden })) })),
  );
  const [newGroup, setNewGroup] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const update = (index: number, change: (group: DraftGroup) => DraftGroup) => setDraft((current) => current.map((group, position) => (position === index ? change(group) : group)));
  const moveCategory = (groupIndex: number, categoryIndex: number, targetKey: string) =>
    setDraft((current) => {
      const category = current[groupIndex]!.categories[categoryIndex]!;
      return current.map((group, position) =>
        position === groupIndex ? { ...group, categories: group.categories.filter((_, index) => index !== categoryIndex) } : group.key === targetKey ? { ...group, categories: [...group.categories, category] } : group,
      );
    });
  async function save() {
    const blank = draft.findIndex((group) => group.name.trim() === '');
    if (blank >= 0) return setFailure(`Group ${blank + 1} needs a name`);
    try {
      await onSave({ groups: draft.map((group) => ({ ...(group.id ? { id: group.id } : {}), name: group.name.trim(), hidden: group.hidden, categories: group.categories.map((category) => ({ id: category.id, hidden: category.hidden })) })) });
      onClose();
    } catch (caught) {
      setFailure(caught instanceof ApiProblem ? [caught.detail, ...caught.errors.map((error) => `${error.field}: ${error.message}`)].join(' — ') : 'Could not save the layout');
    }
  }
  const groupOptions = draft.map((group) => ({ value: group.key, label: group.name || '(unnamed group)' }));
  return (
    <Modal opened={opened} onClose={onClose} title="Arrange categories" size="lg">
      <Stack>
        {draft.map((group, groupIndex) => (
          <Paper key={group.key} withBorder p="sm">
            <Group align="flex-end" gap="xs" mb="xs">
              <TextInput label="Group name" value={group.name} onChange={(event) => update(groupIndex, (current) => ({ ...current, name: event.currentTarget.value }))} style={{ flex: 1 }} />
              <Checkbox label="Hidden" checked={group.hidden} onChange={(event) => update(groupIndex, (current) => ({ ...current, hidden: event.currentTarget.checked }))} aria-label={`Hide group ${group.name}`} mb={8} />
              <ActionIcon variant="default" onClick={() => setDraft((current) => swap(current, groupIndex, groupIndex - 1))} aria-label={`Move group ${group.name} up`} disabled={groupIndex === 0} mb={4}>
                <IconArrowUp size={14} aria-hidden />
              </ActionIcon>
              <ActionIcon variant="default" onClick={() => setDraft((current) => swap(current, groupIndex, groupIndex + 1))} aria-label={`Move group ${group.name} down`} disabled={groupIndex === draft.length - 1} mb={4}>
                <IconArrowDown size={14} aria-hidden />
              </ActionIcon>
              <ActionIcon variant="subtle" color="red" onClick={() => setDraft((current) => current.filter((_, index) => index !== groupIndex))} aria-label={`Remove group ${group.name}`} disabled={group.categories.length > 0} mb={4}>
                <IconTrash size={14} aria-hidden />
              </ActionIcon>
            </Group>
            {group.categories.length === 0 && (
              <Text size="sm" c="dimmed">
                No categories: move some here, or remove the group.
              </Text>
            )}
            {group.categories.map((category, categoryIndex) => (
              <Group key={category.id} gap="xs" wrap="nowrap" py={2}>
                <Text size="sm" style={{ flex: 1 }}>
                  {category.name}
                </Text>
                <Checkbox
                  size="xs"
                  label="Hidden"
                  checked={category.hidden}
                  aria-label={`Hide ${category.name}`}
                  onChange={(event) => {
                    const hidden = event.currentTarget.checked;
                    update(groupIndex, (current) => ({ ...current, categories: current.categories.map((item, index) => (index === categoryIndex ? { ...item, hidden } : item)) }));
                  }}
                />
                <ActionIcon size="sm" variant="default" aria-label={`Move ${category.name} up`} disabled={categoryIndex === 0} onClick={() => update(groupIndex, (current) => ({ ...current, categories: swap(current.categories, categoryIndex, categoryIndex - 1) }))}>
                  <IconArrowUp size={12} aria-hidden />
                </ActionIcon>
                <ActionIcon size="sm" variant="default" aria-label={`Move ${category.name} down`} disabled={categoryIndex === group.categories.length - 1} onClick={() => update(groupIndex, (current) => ({ ...current, categories: swap(current.categories, categoryIndex, categoryIndex + 1) }))}>
                  <IconArrowDown size={12} aria-hidden />
                </ActionIcon>
                <Select size="xs" w={170} aria-label={`Group of ${category.name}`} data={groupOptions} value={group.key} allowDeselect={false} onChange={(key) => key && key !== group.key && moveCategory(groupIndex, categoryIndex, key)} />
              </Group>
            ))}
          </Paper>
        ))}
        <Group align="flex-end">
          <TextInput label="New group" value={newGroup} onChange={(event) => setNewGroup(event.currentTarget.value)} style={{ flex: 1 }} />
          <Button
            variant="light"
            disabled={newGroup.trim() === ''}
            onClick={() => {
              setDraft((current) => [...current, { key: `new-${Date.now()}`, name: newGroup.trim(), hidden: false, categories: [] }]);
              setNewGroup('');
            }}
          >
            Add group
          </Button>
        </Group>
        {failure && (
          <Alert color="red" role="alert" title="Not saved">
            {failure}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => void save()}>Save layout</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
