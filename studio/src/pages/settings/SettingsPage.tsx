import { Anchor, Button, Group, Kbd, Loader, Paper, Radio, SegmentedControl, Stack, Table, Text, Title, useMantineColorScheme, type MantineColorScheme } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { IconLogout } from '@tabler/icons-react';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import type { Me } from '../../api/types';
import { formatDateTime } from '../../shell/dates';
import { entityKindLabel } from '../../shell/EntityBadge';
import { forgetEntityChoice, useEntityScope } from '../../shell/entity-scope';
import { EntityIcon } from '../../shell/EntitySwitcher';
import { PageHeader } from '../../shell/PageHeader';
import { signOut } from '../../shell/session';
import { entityColors } from '../../theme/theme';

export default function SettingsPage() {
  const me = useQuery({ queryKey: ['me'], queryFn: () => api<Me>('/me') });
  const { entity, entities, select } = useEntityScope();
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const onSignOut = async () => {
    await signOut().catch(() => undefined);
    forgetEntityChoice();
    queryClient.clear();
    navigate('/login', { replace: true });
  };
  return (
    <Stack gap="xl" maw={760}>
      <PageHeader title="Settings" />
      <Paper withBorder p="md" component="section" aria-labelledby="profile-heading">
        <Title order={2} size="h3" id="profile-heading" mb="sm">
          Profile
        </Title>
        {me.isPending ? (
          <Loader aria-label="Loading profile" />
        ) : me.isError ? (
          <Text c="red.9">{me.error.message}</Text>
        ) : (
          <Table variant="vertical" withTableBorder aria-label="Your profile">
            <Table.Tbody>
              <Table.Tr>
                <Table.Th scope="row" w={180}>Email</Table.Th>
                <Table.Td>{me.data.user.email}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th scope="row">Household</Table.Th>
                <Table.Td>{me.data.household.name}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th scope="row">Member since</Table.Th>
                <Table.Td>{formatDateTime(me.data.user.createdAt)}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        )}
        <Group mt="md">
          <Button color="red" variant="outline" leftSection={<IconLogout size={16} aria-hidden />} onClick={onSignOut}>
            Sign out
          </Button>
          <Text size="sm" c="dimmed">
            Signing out revokes this session's refresh token on the server.
          </Text>
        </Group>
      </Paper>

      <Paper withBorder p="md" component="section" aria-labelledby="entity-heading">
        <Title order={2} size="h3" id="entity-heading" mb="xs">
          Working entity
        </Title>
        <Text size="sm" c="dimmed" mb="sm">
          The same choice as the switcher in the header; it is remembered on this device.
        </Text>
        {entities.length === 0 ? (
          <Text size="sm">No entities yet.</Text>
        ) : (
          <Radio.Group label="Work in" value={entity?.id ?? null} onChange={select}>
            <Stack gap="xs" mt="xs">
              {entities.map((candidate) => (
                <Radio
                  key={candidate.id}
                  value={candidate.id}
                  color={`${entityColors[candidate.kind]}.9`}
                  label={
                    <Group gap={6}>
                      <EntityIcon kind={candidate.kind} />
                      <Text span>
                        {entityKindLabel[candidate.kind]} · {candidate.name}
                      </Text>
                    </Group>
                  }
                />
              ))}
            </Stack>
          </Radio.Group>
        )}
      </Paper>

      <Paper withBorder p="md" component="section" aria-labelledby="appearance-heading">
        <Title order={2} size="h3" id="appearance-heading" mb="sm">
          Appearance
        </Title>
        <Text size="sm" fw={500} id="scheme-label" mb={4}>
          Colour scheme
        </Text>
        <SegmentedControl
          aria-labelledby="scheme-label"
          value={colorScheme}
          onChange={(value) => setColorScheme(value as MantineColorScheme)}
          data={[
            { value: 'light', label: 'Light' },
            { value: 'dark', label: 'Dark' },
            { value: 'auto', label: 'Follow the system' },
          ]}
        />
      </Paper>

      <Paper withBorder p="md" component="section" aria-labelledby="keyboard-heading">
        <Title order={2} size="h3" id="keyboard-heading" mb="sm">
          Keyboard
        </Title>
        <Stack gap={6}>
          <Text size="sm"><Kbd>Tab</Kbd> first stop: “Skip to content”, then the entity switcher, sign out, the navigation and the page.</Text>
          <Text size="sm"><Kbd>Enter</Kbd> on the entity switcher opens it; <Kbd>↑</Kbd> <Kbd>↓</Kbd> choose, <Kbd>Enter</Kbd> switches.</Text>
          <Text size="sm"><Kbd>Esc</Kbd> closes a dialog and returns focus to the button that opened it.</Text>
          <Text size="sm">After each navigation, focus moves to the page so a screen reader starts at its heading.</Text>
        </Stack>
      </Paper>

      <Paper withBorder p="md" component="section" aria-labelledby="api-heading">
        <Title order={2} size="h3" id="api-heading" mb="sm">
          API
        </Title>
        <Text size="sm">
          Everything here goes through the documented API:{' '}
          <Anchor href="/api/docs" c="blue.9" underline="always">
            interactive API docs
          </Anchor>{' '}
          (OpenAPI at <Anchor href="/api/openapi.json" c="blue.9" underline="always">/api/openapi.json</Anchor>).
        </Text>
      </Paper>
    </Stack>
  );
}
