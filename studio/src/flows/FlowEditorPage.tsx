/**
 * /flows/:flowId — the editor for a saved flow; /flows/new — a new, empty one.
 * This page is small on purpose: it asks for the flow, the catalogue and the accounts while the
 * editor's own chunk (React Flow) is still downloading, so the two do not wait on each other.
 */
import { Alert, Anchor, Center, Loader, Stack } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { preloadable } from '../shell/preloadable';
import { useAllAccounts } from '../shell/queries';
import { useFlow, useNodeTypes } from './flow-api';

function Loading() {
  return (
    <Center h="60vh">
      <Loader aria-label="Loading the flow" />
    </Center>
  );
}

// Not React.lazy (a Suspense reveal waits up to 300 ms after its fallback appeared). Requested as
// soon as this page's chunk runs (if editor-preload has not already), in parallel with the page's API calls.
const FlowEditor = preloadable(async () => ({ default: (await import('./FlowEditor')).FlowEditor }), <Loading />);
void FlowEditor.preload().catch(() => undefined);

export default function FlowEditorPage() {
  const { flowId = 'new' } = useParams();
  const isNew = flowId === 'new';
  const flow = useFlow(isNew ? null : flowId);
  const nodeTypes = useNodeTypes();
  const accounts = useAllAccounts();
  const error = flow.error ?? nodeTypes.error ?? accounts.error;
  if (error) {
    return (
      <Stack p="md">
        <Alert color="red" title="Could not open the flow" styles={{ title: { color: '#a61e1e' }, message: { color: '#a61e1e' } }}>
          {String((error as Error).message ?? error)}
        </Alert>
        <Anchor component={Link} to="/flows">
          Back to flows
        </Anchor>
      </Stack>
    );
  }
  if ((!isNew && !flow.data) || !nodeTypes.data || !accounts.data) return <Loading />;
  return <FlowEditor key={flowId} flow={isNew ? null : flow.data!} nodeTypes={nodeTypes.data} accounts={accounts.data} />;
}
