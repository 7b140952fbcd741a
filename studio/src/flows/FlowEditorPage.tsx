/** /flows/:flowId — the editor for a saved flow; /flows/new — a new, empty one. */
import { Alert, Anchor, Center, Loader, Stack } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { useAllAccounts } from '../shell/queries';
import { useFlow, useNodeTypes } from './flow-api';
import { FlowEditor } from './FlowEditor';

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
        <Alert color="red" title="Could not open the flow">
          {String((error as Error).message ?? error)}
        </Alert>
        <Anchor component={Link} to="/flows">
          Back to flows
        </Anchor>
      </Stack>
    );
  }
  if ((!isNew && !flow.data) || !nodeTypes.data || !accounts.data) {
    return (
      <Center h="60vh">
        <Loader aria-label="Loading the flow" />
      </Center>
    );
  }
  return <FlowEditor key={flowId} flow={isNew ? null : flow.data!} nodeTypes={nodeTypes.data} accounts={accounts.data} />;
}
