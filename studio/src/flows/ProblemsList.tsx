/** Every problem of the flow, from live validation; a problem on a node selects that node. */
import { Alert, List, Text, UnstyledButton } from '@mantine/core';
import type { FlowProblem } from './flow-api';
import type { Catalogue } from './handles';

export function ProblemsList({ problems, nodeTypeOf, catalogue, onSelectNode, checking }: { problems: readonly FlowProblem[]; nodeTypeOf(nodeId: string): string | undefined; catalogue: Catalogue; onSelectNode(nodeId: string): void; checking?: boolean }) {
  if (problems.length === 0) {
    return (
      <Text size="sm" c="#1b5e20" role="status">
        {checking ? 'Checking…' : 'No problems: this flow can run.'}
      </Text>
    );
  }
  return (
    <div>
      <Text size="sm" fw={600} mb={4} role="status">
        {problems.length} {problems.length === 1 ? 'problem' : 'problems'} to fix before this flow can run
      </Text>
      <List spacing={4} size="sm" listStyleType="none" aria-label="Problems" p={0} m={0}>
        {problems.map((problem, index) => {
          const type = problem.nodeId ? nodeTypeOf(problem.nodeId) : undefined;
          const where = problem.nodeId ? `${(type && catalogue.get(type)?.label) ?? 'Node'} “${problem.nodeId}”` : 'Flow';
          const text = `${where}: ${problem.message}`;
          return (
            <List.Item key={`${problem.field}-${index}`}>
              {problem.nodeId && type ? (
                <UnstyledButton onClick={() => onSelectNode(problem.nodeId!)} style={{ textAlign: 'left', color: '#a61e1e', textDecoration: 'underline', fontSize: 14 }} aria-label={`${text} (select the node)`}>
                  {text}
                </UnstyledButton>
              ) : (
                <Alert color="red" variant="light" p={6} styles={{ message: { color: '#a61e1e' }, title: { color: '#a61e1e' } }}>
                  {text}
                </Alert>
              )}
            </List.Item>
          );
        })}
      </List>
    </div>
  );
}
