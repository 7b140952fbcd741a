/** Every saved version; opening one puts it on the canvas, and saving it makes it the newest version. */
import { Badge, Button, Group, Stack, Text } from '@mantine/core';
import { notify } from './notify';
import { api, ApiProblem } from '../api/client';
import { useVersions, type FlowView } from './flow-api';

export function VersionsPanel({ flowId, onOpen }: { flowId: string; onOpen(flow: FlowView): void }) {
  const versions = useVersions(flowId);
  const open = async (version: number) => {
    try {
      onOpen(await api<FlowView>(`/flows/${flowId}`, { query: { version } }));
    } catch (error) {
      notify({ color: 'red', message: error instanceof ApiProblem ? error.message : String(error) });
    }
  };
  if (versions.isLoading) return <Text size="sm">Loading versions…</Text>;
  return (
    <Stack gap="xs">
      <Text size="xs" c="gray.7">
        Every save is a new version; runs record the version they ran. Open an earlier one and save it to restore it.
      </Text>
      <ul aria-label="Versions" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
        {(versions.data ?? []).map((version) => (
          <li key={version.version} style={{ borderBottom: '1px solid var(--mantine-color-gray-3)', padding: '6px 0' }}>
            <Group justify="space-between" wrap="nowrap">
              <div>
                <Text size="sm" fw={600}>
                  Version {version.version} {version.current && <Badge size="xs" variant="filled" color="#1864ab">current</Badge>}
                </Text>
                <Text size="xs" c="gray.7">
                  {new Date(version.createdAt).toLocaleString()} · {version.nodeCount} nodes
                </Text>
              </div>
              <Button size="xs" variant="light" onClick={() => void open(version.version)} aria-label={`Open version ${version.version} on the canvas`}>
                Open
              </Button>
            </Group>
          </li>
        ))}
      </ul>
    </Stack>
  );
}
