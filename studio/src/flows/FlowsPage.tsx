/** /flows — your flows, and (?tab=templates) the templates gallery with its role-mapping wizard. */
import { Alert, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { EntityBadge } from '../shell/EntityBadge';
import { useAllAccounts } from '../shell/queries';
import { useFlows, useTemplates, type FlowTemplate } from './flow-api';
import { prefetchFlowEditor } from './editor-preload';
import { TemplateWizard } from './TemplateWizard';

export default function FlowsPage() {
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'templates' ? 'templates' : 'flows';
  return (
    <Stack gap="md" p="xs">
      <Group justify="space-between">
        <Title order={1}>Flows</Title>
        <Button component={Link} to="/flows/new" leftSection={<IconPlus size={16} aria-hidden />}>
          New flow
        </Button>
      </Group>
      <Tabs value={tab} onChange={(value) => setParams(value === 'templates' ? { tab: 'templates' } : {})}>
        <Tabs.List>
          <Tabs.Tab value="flows">Your flows</Tabs.Tab>
          <Tabs.Tab value="templates">Templates</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="flows" pt="md">
          <FlowList />
        </Tabs.Panel>
        <Tabs.Panel value="templates" pt="md">
          <TemplatesGallery />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function FlowList() {
  const queryClient = useQueryClient();
  const flows = useFlows();
  if (flows.isLoading) return <Text>Loading flows…</Text>;
  if (flows.isError) return <Alert color="red" styles={{ message: { color: "#a61e1e" } }}>Could not load your flows: {String(flows.error)}</Alert>;
  const list = flows.data ?? [];
  if (list.length === 0) {
    return (
      <Stack gap="xs">
        <Text>No flows yet. Start from a template, or build one on an empty canvas.</Text>
        <Group>
          <Button component={Link} to="/flows?tab=templates" variant="light">
            Browse templates
          </Button>
        </Group>
      </Stack>
    );
  }
  return (
    <Table striped highlightOnHover aria-label="Your flows">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Name</Table.Th>
          <Table.Th>Version</Table.Th>
          <Table.Th>Status</Table.Th>
          <Table.Th>Updated</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {list.map((flow) => (
          <Table.Tr key={flow.id}>
            <Table.Td>
              <Link to={`/flows/${flow.id}`} onMouseEnter={() => prefetchFlowEditor(queryClient, flow.id)} onFocus={() => prefetchFlowEditor(queryClient, flow.id)} style={{ color: '#1864ab', fontWeight: 600 }}>
                {flow.name}
              </Link>
              {flow.description && (
                <Text size="xs" c="gray.7" lineClamp={1}>
                  {flow.description}
                </Text>
              )}
            </Table.Td>
            <Table.Td>v{flow.version}</Table.Td>
            <Table.Td>
              <Badge variant="filled" color={flow.enabled ? '#1b5e20' : '#495057'}>
                {flow.enabled ? 'Enabled' : 'Off / manual'}
              </Badge>
            </Table.Td>
            <Table.Td>{new Date(flow.updatedAt).toLocaleString()}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function TemplatesGallery() {
  const templates = useTemplates();
  const accounts = useAllAccounts();
  const [chosen, setChosen] = useState<FlowTemplate | null>(null);
  if (templates.isLoading) return <Text>Loading templates…</Text>;
  if (templates.isError) return <Alert color="red" styles={{ message: { color: "#a61e1e" } }}>Could not load the templates: {String(templates.error)}</Alert>;
  return (
    <>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="md">
        {(templates.data ?? []).map((template) => {
          const kinds = [...new Set(template.roles.map((role) => role.entityKind))];
          return (
            <Card key={template.id} withBorder padding="md" component="article" aria-labelledby={`template-${template.id}`}>
              <Stack gap="xs" h="100%" justify="space-between">
                <div>
                  <Group justify="space-between" align="flex-start" wrap="nowrap">
                    <Title order={2} size="h4" id={`template-${template.id}`}>
                      {template.name}
                    </Title>
                    <Badge variant="outline" color="gray.8">
                      {template.category}
                    </Badge>
                  </Group>
                  <Text size="sm" mt={4}>
                    {template.description}
                  </Text>
                  <Group gap={4} mt={6}>
                    {kinds.map((kind) => (
                      <EntityBadge key={kind} kind={kind} size="sm" />
                    ))}
                    <Text size="xs" c="gray.7">
                      {template.roles.length} account{template.roles.length === 1 ? '' : 's'} to map · {template.graph.nodes.length} nodes
                    </Text>
                  </Group>
                </div>
                <Button onClick={() => setChosen(template)} disabled={!accounts.data} aria-label={`Use template ${template.name}`}>
                  Use template
                </Button>
              </Stack>
            </Card>
          );
        })}
      </SimpleGrid>
      {chosen && accounts.data && <TemplateWizard template={chosen} accounts={accounts.data} onClose={() => setChosen(null)} />}
    </>
  );
}
